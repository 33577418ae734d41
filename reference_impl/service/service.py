"""Graph's presence API over the model, as one framework-free call: :meth:`PresenceService.dispatch`.

Every endpoint runs the same sequence, and the first check that fails answers (in Graph's error format):

1. the ``Authorization`` header is verified (401, :mod:`.tokens`);
2. the caller is authorized for the user (403, ``model.authorize`` / ``model.authorize_me``);
3. the user id is checked (404 for a non-GUID, ``model.check_user_id``);
4. the body is decoded: JSON in UTF-8 (400), ``Content-Type`` ``application/json`` when given (415);
5. the body is validated into an operation (400, ``model.parse_*``);
6. the operation is applied at the service clock's now (``model.apply``; 404 for an unknown session).

Before any of that: a body over ``max_body_bytes`` is 413, an unknown path 404, a known path with
another method 405. A refused request changes nothing. A successful write answers the profile's write
status with an empty body; reads answer the presence resource (:mod:`.resources`).

The test-control API (``/_conformance/...``, no authentication, :mod:`.control`) exists only while
``control_enabled``; otherwise its paths are unknown (404). Its contract is in ``docs/reference-server.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote

from ..model import (
    DEFAULT_PROFILE,
    Access,
    Caller,
    ErrorCode,
    Operation,
    PresenceView,
    Profile,
    Refusal,
    UserPresence,
    apply,
    authorize,
    authorize_me,
    check_user_id,
    parse_batch_ids,
    parse_clear_presence,
    parse_clear_user_preferred_presence,
    parse_set_presence,
    parse_set_user_preferred_presence,
    read,
)
from . import control
from .clock import ServiceClock
from .errors import INTERNAL_ERROR, JSON_CONTENT_TYPE, RequestIds, error_body
from .resources import (
    communications_presence_context,
    presence_collection,
    presence_collection_context,
    presence_resource,
    user_presence_context,
)
from .routing import (
    Call,
    Endpoint,
    MethodNotAllowed,
    ServiceResponse,
    bad_request,
    decode_body,
    json_response,
    route,
)
from .store import PresenceStore
from .tokens import DEV_TOKEN_SECRET, check_secret, verify_authorization

# ServiceResponse and Endpoint live in .routing and are re-exported here, next to the table that uses them.
__all__ = ["ENDPOINTS", "Endpoint", "PresenceService", "ServiceConfig", "ServiceResponse"]

logger = logging.getLogger(__name__)

# A batch reads other users' presence whatever ids it holds: it is authorized as a read of a user who
# is not the caller (no caller has an empty user id).
_SOMEONE_ELSE = ""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """How a :class:`PresenceService` behaves.

    Args:
        token_secret: the HS256 secret tokens are verified with (at least 32 bytes).
        profile: the interpretations the service implements (``reference_impl.model.Profile``).
        control_enabled: whether the test-control API (``/_conformance``) exists.
        propagation_delay: how far behind reads see writes and timers (``INT-READ-IMMEDIATE``: none).
        max_body_bytes: the largest request body accepted; a longer one is 413.
    """

    token_secret: str = field(default=DEV_TOKEN_SECRET, repr=False)
    profile: Profile = DEFAULT_PROFILE
    control_enabled: bool = True
    propagation_delay: timedelta = timedelta(0)
    max_body_bytes: int = 65536

    def __post_init__(self) -> None:
        check_secret(self.token_secret)
        if self.propagation_delay < timedelta(0):
            raise ValueError(f"propagation_delay cannot be negative (got {self.propagation_delay})")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive (got {self.max_body_bytes})")


class PresenceService:
    """The presence API on one in-memory store, safe to call from many threads at once.

    Args:
        config: behaviour (default :class:`ServiceConfig`).
        clock: the service's time (default a real-time :class:`ServiceClock`);
            :meth:`ServiceClock.manual` for an in-process oracle.
    """

    def __init__(self, config: ServiceConfig | None = None, clock: ServiceClock | None = None) -> None:
        self._config = config or ServiceConfig()
        self._clock = clock or ServiceClock()
        self._store = PresenceStore(self._clock, self._config.propagation_delay)
        self._endpoints = tuple(e for e in ENDPOINTS if self._config.control_enabled or not e.control)

    @property
    def config(self) -> ServiceConfig:
        return self._config

    @property
    def clock(self) -> ServiceClock:
        return self._clock

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The endpoints this service answers (the test-control ones only when enabled)."""
        return self._endpoints

    def dispatch(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        *,
        base_url: str = "http://localhost",
    ) -> ServiceResponse:
        """Answer one request. Never raises; an unexpected error is logged and answered as a Graph 500.

        Args:
            method: the HTTP method.
            path: the request target as sent (percent-encoded, query allowed and ignored).
            headers: request headers, matched without regard to case.
            body: the raw body.
            base_url: scheme and authority the request was made to, for ``@odata.context``.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        ids = RequestIds.for_headers(lowered)
        try:
            if len(body) > self._config.max_body_bytes:
                raise Refusal(413, ErrorCode.REQUEST_TOO_LARGE, self._too_large_message())
            endpoint, params = route(self._endpoints, method.upper(), unquote(path.partition("?")[0]))
            response = endpoint.handler(self, Call(lowered, body, base_url, params))
        except Refusal as refusal:
            return self._refusal(refusal, ids)
        except MethodNotAllowed as exc:
            return self._refusal(exc.refusal, ids, {"allow": ", ".join(exc.allowed)})
        except Exception:
            logger.exception("unexpected error answering %s %r (request-id %s)", method, path[:200], ids.request_id)
            message = f"An unexpected error occurred (request-id {ids.request_id})."
            return self._refusal(Refusal(500, INTERNAL_ERROR, message), ids)
        return ServiceResponse(response.status, {**response.headers, **ids.headers()}, response.body)

    def refuse(self, refusal: Refusal, headers: Mapping[str, str]) -> ServiceResponse:
        """The Graph error answer for ``refusal`` to a request with ``headers`` (for the HTTP adapter)."""
        return self._refusal(refusal, RequestIds.for_headers({k.lower(): v for k, v in headers.items()}))

    def too_large(self, headers: Mapping[str, str]) -> ServiceResponse:
        """The 413 answer to a request with ``headers`` whose body exceeds ``max_body_bytes``."""
        return self.refuse(Refusal(413, ErrorCode.REQUEST_TOO_LARGE, self._too_large_message()), headers)

    def reset(self, *, clock: bool = True) -> None:
        """Drop every user's presence and (unless ``clock=False``) put the clock back on real time."""
        self._store.clear()
        if clock:
            self._clock.reset()

    def snapshot(self, user_id: str) -> UserPresence:
        """The model state of ``user_id`` as of the latest write (no propagation delay applied)."""
        return self._store.current(user_id.lower())

    # ---- plumbing ------------------------------------------------------------------------------

    def _refusal(
        self, refusal: Refusal, ids: RequestIds, extra_headers: Mapping[str, str] | None = None
    ) -> ServiceResponse:
        headers = {"content-type": JSON_CONTENT_TYPE, **ids.headers(), **(extra_headers or {})}
        if refusal.status == 401:
            headers["www-authenticate"] = 'Bearer realm="presence-conformance"'
        return ServiceResponse(refusal.status, headers, error_body(refusal, ids, self._clock.now()))

    def _too_large_message(self) -> str:
        return f"the request body is larger than {self._config.max_body_bytes} bytes"

    def _caller(self, call: Call) -> Caller:
        return verify_authorization(call.headers.get("authorization"), self._config.token_secret, self._clock.now())

    def _user_id(self, call: Call, caller: Caller, access: Access) -> str:
        raw = call.params["id"]
        authorize(caller, access, raw.lower())
        return check_user_id(raw)

    # ---- presence endpoints --------------------------------------------------------------------

    def _write(
        self, call: Call, parse: Callable[[object, Caller], Operation], *, optional: bool = False
    ) -> ServiceResponse:
        caller = self._caller(call)
        user_id = self._user_id(call, caller, Access.WRITE)
        operation = parse(decode_body(call, optional=optional), caller)
        profile = self._config.profile
        try:
            applied = self._store.write(user_id, lambda user, now: apply(user, operation, now, profile))
        except OverflowError:
            # Only an expirationDuration reaching past year 9999 gets here (the clock stays below 9000).
            raise bad_request("expirationDuration is too long") from None
        if applied.outcome.refusal is not None:
            raise applied.outcome.refusal
        return ServiceResponse(applied.outcome.status, {})

    def _set_presence(self, call: Call) -> ServiceResponse:
        return self._write(call, lambda body, caller: parse_set_presence(body, caller, self._config.profile))

    def _clear_presence(self, call: Call) -> ServiceResponse:
        return self._write(call, lambda body, caller: parse_clear_presence(body, caller, self._config.profile))

    def _set_user_preferred_presence(self, call: Call) -> ServiceResponse:
        return self._write(call, lambda body, _: parse_set_user_preferred_presence(body, self._config.profile))

    def _clear_user_preferred_presence(self, call: Call) -> ServiceResponse:
        return self._write(call, lambda body, _: parse_clear_user_preferred_presence(body), optional=True)

    def _read(self, user_ids: Sequence[str]) -> tuple[PresenceView, ...]:
        profile = self._config.profile
        return self._store.read(user_ids, lambda user, user_id, instant: read(user, user_id, instant, profile))

    def _get_user_presence(self, call: Call) -> ServiceResponse:
        user_id = self._user_id(call, self._caller(call), Access.READ)
        (view,) = self._read([user_id])
        return json_response(200, presence_resource(view, context=user_presence_context(call.base_url, user_id)))

    def _get_communications_presence(self, call: Call) -> ServiceResponse:
        user_id = self._user_id(call, self._caller(call), Access.READ)
        (view,) = self._read([user_id])
        return json_response(200, presence_resource(view, context=communications_presence_context(call.base_url)))

    def _get_my_presence(self, call: Call) -> ServiceResponse:
        caller = self._caller(call)
        user_id = authorize_me(caller)
        authorize(caller, Access.READ, user_id)
        user_id = check_user_id(user_id)
        (view,) = self._read([user_id])
        return json_response(200, presence_resource(view, context=user_presence_context(call.base_url, user_id)))

    def _get_presences_by_user_id(self, call: Call) -> ServiceResponse:
        authorize(self._caller(call), Access.READ, _SOMEONE_ELSE)
        views = self._read(parse_batch_ids(decode_body(call)))
        return json_response(200, presence_collection(views, context=presence_collection_context(call.base_url)))


_V1 = "/v1.0"
_CONTROL = "/_conformance"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("setPresence", "POST", _V1 + "/users/{id}/presence/setPresence", PresenceService._set_presence),
    Endpoint("clearPresence", "POST", _V1 + "/users/{id}/presence/clearPresence", PresenceService._clear_presence),
    Endpoint(
        "setUserPreferredPresence",
        "POST",
        _V1 + "/users/{id}/presence/setUserPreferredPresence",
        PresenceService._set_user_preferred_presence,
    ),
    Endpoint(
        "clearUserPreferredPresence",
        "POST",
        _V1 + "/users/{id}/presence/clearUserPreferredPresence",
        PresenceService._clear_user_preferred_presence,
    ),
    Endpoint("getPresence", "GET", _V1 + "/users/{id}/presence", PresenceService._get_user_presence),
    Endpoint(
        "getCommunicationsPresence",
        "GET",
        _V1 + "/communications/presences/{id}",
        PresenceService._get_communications_presence,
    ),
    Endpoint("getMyPresence", "GET", _V1 + "/me/presence", PresenceService._get_my_presence),
    Endpoint(
        "getPresencesByUserId",
        "POST",
        _V1 + "/communications/getPresencesByUserId",
        PresenceService._get_presences_by_user_id,
    ),
    Endpoint("getClock", "GET", _CONTROL + "/clock", control.get_clock, control=True),
    Endpoint("setClock", "POST", _CONTROL + "/clock", control.post_clock, control=True),
    Endpoint("reset", "POST", _CONTROL + "/reset", control.post_reset, control=True),
)
"""The one endpoint table: :meth:`PresenceService.dispatch` routes by it, and so does the HTTP server."""
