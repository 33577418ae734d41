"""The HTTP adapter: a Starlette app that hands every request to :meth:`PresenceService.dispatch`.

The app has no routes of its own: one catch-all passes the method, the raw request target, the headers
and the body to the service, which routes by its endpoint table (``reference_impl.service.ENDPOINTS``)
and answers 404 and 405 in Graph's error format too. So the HTTP server and the in-process service can
never disagree about what exists.

The body is read with a cap: a declared ``Content-Length`` over ``max_body_bytes``, or a streamed body
that grows past it, is answered 413 at once, without reading (or keeping) the rest. The service's work
is pure computation under a short lock, so it runs on the event loop rather than in a thread pool.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..model import ErrorCode, Refusal
from ..service import PresenceService
from ..service.errors import INTERNAL_ERROR

__all__ = ["create_app"]

logger = logging.getLogger(__name__)


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, or :class:`_TooLarge` as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


class _Forward:
    """The catch-all ASGI endpoint (a class, so Starlette passes every method through)."""

    def __init__(self, service: PresenceService) -> None:
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        headers = dict(request.headers)
        service = self._service
        try:
            body = await _read_body(request, service.config.max_body_bytes)
            answer = service.dispatch(
                request.method,
                # The raw target: the service decodes it, so a %2F inside a segment stays inside it.
                (scope.get("raw_path") or request.url.path.encode()).decode("latin-1"),
                headers,
                body,
                base_url=_base_url(request),
            )
        except _TooLarge:
            answer = service.too_large(headers)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception:  # pragma: no cover - dispatch never raises; this guards the adapter itself
            logger.exception("unexpected error in the HTTP adapter")
            answer = service.refuse(Refusal(500, INTERNAL_ERROR, "An unexpected error occurred."), headers)
        response = Response(answer.body, status_code=answer.status, headers=dict(answer.headers))
        await response(scope, receive, send)


def _base_url(request: Request) -> str:
    try:
        return str(request.base_url).rstrip("/")
    except ValueError:  # a Host header that makes no URL; it only feeds @odata.context
        return "http://localhost"


def create_app(service: PresenceService) -> Starlette:
    """The ASGI app serving ``service`` over HTTP."""

    async def http_error(request: Request, exc: Exception) -> Response:
        # Only reached for request targets the catch-all cannot take (not starting with "/").
        status = exc.status_code if isinstance(exc, HTTPException) else 400
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}.get(status, ErrorCode.INVALID_REQUEST)
        answer = service.refuse(Refusal(status, code, "no resource at this path"), dict(request.headers))
        return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))

    return Starlette(routes=[Route("/{path:path}", _Forward(service))], exception_handlers={HTTPException: http_error})
