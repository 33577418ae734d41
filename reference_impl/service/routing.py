"""Requests and answers as the service's handlers see them, and matching a request to an endpoint.

A handler takes the service and a :class:`Call` (one routed request) and returns a
:class:`ServiceResponse`, or raises :class:`~reference_impl.model.Refusal`, which the service turns into
Graph's error answer. Path templates use Starlette's syntax (``/users/{id}/presence``) and are compiled by
Starlette, so the in-process service and the HTTP server read them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from re import Pattern
from typing import TYPE_CHECKING, Any

from starlette.routing import compile_path

from ..model import ErrorCode, Refusal
from .errors import JSON_CONTENT_TYPE

if TYPE_CHECKING:
    from .service import PresenceService

__all__ = [
    "Call",
    "Endpoint",
    "Handler",
    "MethodNotAllowed",
    "ServiceResponse",
    "bad_request",
    "decode_body",
    "json_response",
    "route",
]


@dataclass(frozen=True, slots=True)
class ServiceResponse:
    """One answer: status, headers (lower-case names) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Call:
    """One routed request: lower-case header names, the raw body, the base URL and the path parameters."""

    headers: Mapping[str, str]
    body: bytes
    base_url: str
    params: Mapping[str, str]


Handler = Callable[["PresenceService", Call], ServiceResponse]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One row of the endpoint table: a method, a path template and its handler.

    ``control`` marks the test-control endpoints, which exist only while the service enables them.
    """

    name: str
    method: str
    path: str
    handler: Handler = field(repr=False)
    control: bool = False
    pattern: Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_path(self.path)[0])

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters if ``path`` (decoded, without query) fits the template, else ``None``."""
        # fullmatch: the compiled pattern ends in "$", which would also accept a trailing newline.
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


class MethodNotAllowed(Exception):
    """The path is known but not with this method: a 405 that names the methods it takes."""

    def __init__(self, method: str, allowed: tuple[str, ...]) -> None:
        self.refusal = Refusal(405, ErrorCode.METHOD_NOT_ALLOWED, f"{method[:16]!r} is not allowed on this resource")
        self.allowed = allowed
        super().__init__(self.refusal.message)


def route(endpoints: Sequence[Endpoint], method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint for ``method`` and ``path`` (decoded, without query), with its path parameters.

    Raises:
        MethodNotAllowed: the path matches only endpoints of other methods.
        Refusal: 404 ``itemNotFound`` when no endpoint has this path.
    """
    allowed: list[str] = []
    for endpoint in endpoints:
        params = endpoint.match(path)
        if params is None:
            continue
        if endpoint.method == method:
            return endpoint, params
        allowed.append(endpoint.method)
    if allowed:
        raise MethodNotAllowed(method, tuple(sorted(allowed)))
    raise Refusal(404, ErrorCode.NOT_FOUND, "no resource at this path")


def bad_request(message: str) -> Refusal:
    """A 400 ``invalidRequest``."""
    return Refusal(400, ErrorCode.INVALID_REQUEST, message)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def decode_body(call: Call, *, optional: bool = False, any_media_type: bool = False) -> object:
    """The request's JSON body; ``None`` for an empty body where ``optional``. With ``any_media_type`` the
    ``Content-Type`` is not looked at (the body must still be JSON).

    Raises:
        Refusal: 415 for a ``Content-Type`` other than ``application/json`` (a missing one is accepted);
            400 for an empty body where one is needed, bytes that are not UTF-8, or text that is not JSON
            (``NaN`` and ``Infinity`` included, and nesting too deep to parse).
    """
    if not call.body.strip():
        if optional:
            return None
        raise bad_request("the request needs a JSON body")
    content_type = None if any_media_type else call.headers.get("content-type")
    if content_type is not None:
        media, *parameters = (part.strip().lower() for part in content_type.split(";"))
        charset = next((p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset=")), "utf-8")
        if media != "application/json" or charset not in ("utf-8", "utf8"):
            raise Refusal(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the request body must be application/json")
    try:
        return json.loads(call.body.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise bad_request("the request body is not valid JSON in UTF-8") from None


def json_response(status: int, document: object) -> ServiceResponse:
    """``document`` as a compact UTF-8 JSON answer."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return ServiceResponse(status, {"content-type": JSON_CONTENT_TYPE}, body)
