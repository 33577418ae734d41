"""From a step to an HTTP request, and from a request and its answer to a redacted :class:`Exchange`.

A step becomes a :class:`PlannedRequest` once (path, body, acting app); the target and the oracle each
turn it into an :class:`~conformance.targets.base.HttpRequest` with their own ``Authorization``, so
both receive byte-for-byte the same method, path and body.

Paths (ids are percent-encoded: a case may address a hostile literal id on purpose)::

    POST /v1.0/users/{id}/presence/setPresence | clearPresence | setUserPreferredPresence
                                              | clearUserPreferredPresence
    GET  /v1.0/users/{id}/presence        (getPresence, and every check)
    GET  /v1.0/me/presence                (getMyPresence)
    POST /v1.0/communications/getPresencesByUserId   {"ids": [bound users..., fresh GUIDs...]}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..cases.model import ActionKind, AuthMode, Step
from ..targets.base import HttpRequest, HttpResponse
from .bindings import Bindings, BoundApp
from .results import Exchange

__all__ = [
    "REQUEST_BODY_LIMIT",
    "RESPONSE_BODY_LIMIT",
    "PlannedRequest",
    "plan_request",
    "record_exchange",
    "redact_headers",
]

REQUEST_BODY_LIMIT = 4 * 1024
RESPONSE_BODY_LIMIT = 16 * 1024
_JSON = "application/json"
_SENSITIVE = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_WRITE_PATHS = {
    ActionKind.SET_PRESENCE: "setPresence",
    ActionKind.CLEAR_PRESENCE: "clearPresence",
    ActionKind.SET_USER_PREFERRED_PRESENCE: "setUserPreferredPresence",
    ActionKind.CLEAR_USER_PREFERRED_PRESENCE: "clearUserPreferredPresence",
}


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """A step's request without credentials.

    ``app`` is whose credentials it carries (per ``auth``); ``reads`` the user ids (lower case) whose
    presence the answer shows, ``writes`` the user id a write changes; ``is_read`` says the request
    changes nothing (reads may be repeated while polling).
    """

    method: str
    path: str
    body: bytes | None
    app: BoundApp | None
    auth: AuthMode
    reads: tuple[str, ...] = ()
    writes: str | None = None
    batch_ids: tuple[str, ...] = ()

    @property
    def is_read(self) -> bool:
        return self.writes is None

    def http(self, authorization: str | None) -> HttpRequest:
        """The request, with ``authorization`` as the header value (``None``: no header)."""
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        if self.body is not None:
            headers["Content-Type"] = _JSON
        return HttpRequest(self.method, self.path, headers, self.body)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _path_id(user_id: str) -> str:
    return quote(user_id, safe="")


def _target_user(step: Step, bindings: Bindings) -> str:
    if step.user is not None:
        return bindings.users[step.user]
    if step.user_id is not None:
        return step.user_id
    raise ValueError(f"step {step.index} ({step.describe()}) addresses no user")


def _replaced_body(step: Step) -> bytes | None:
    """The whole body a case wrote by hand (``rawBody`` or ``body``), or ``None`` when it wrote none."""
    if step.raw_body is not None:
        return step.raw_body.encode("utf-8")
    if step.has_body:
        return _dump(step.body)
    return None


def _write_body(step: Step, bindings: Bindings, app: BoundApp) -> bytes | None:
    replaced = _replaced_body(step)
    if replaced is not None or step.has_body:
        return replaced
    params = dict(step.params)
    assert step.action is not None
    if step.action.takes_session_id and "sessionId" not in params:
        owner = bindings.apps[step.session_id_of] if step.session_id_of is not None else app
        params["sessionId"] = owner.app_id
    if step.action is ActionKind.CLEAR_USER_PREFERRED_PRESENCE and not params:
        return None  # Graph's clearUserPreferredPresence takes no body
    return _dump(params)


def plan_request(step: Step, bindings: Bindings) -> PlannedRequest:
    """The request ``step`` sends, with the case's names bound.

    Raises:
        KeyError: the step names a user or app the bindings lack (the loader prevents it).
    """
    if step.check_user is not None:
        user_id = bindings.users[step.check_user]
        path = f"/v1.0/users/{_path_id(user_id)}/presence"
        return PlannedRequest("GET", path, None, bindings.observer, AuthMode.TOKEN, reads=(user_id.lower(),))
    action = step.action
    if action is None or step.app is None:
        raise ValueError(f"step {step.index} has neither an action with an app nor a check")
    app = bindings.apps[step.app]
    if action in _WRITE_PATHS:
        user_id = _target_user(step, bindings)
        path = f"/v1.0/users/{_path_id(user_id)}/presence/{_WRITE_PATHS[action]}"
        body = _write_body(step, bindings, app)
        return PlannedRequest("POST", path, body, app, step.auth, writes=user_id.lower())
    if action is ActionKind.GET_PRESENCE:
        user_id = _target_user(step, bindings)
        path = f"/v1.0/users/{_path_id(user_id)}/presence"
        return PlannedRequest("GET", path, None, app, step.auth, reads=(user_id.lower(),))
    if action is ActionKind.GET_MY_PRESENCE:
        reads = (bindings.users[step.user].lower(),) if step.user is not None else ()
        return PlannedRequest("GET", "/v1.0/me/presence", None, app, step.auth, reads=reads)
    if action is ActionKind.GET_PRESENCES_BY_USER_ID:
        ids = [bindings.users[name] for name in step.users]
        ids += [str(uuid.uuid4()) for _ in range(step.extra_ids)]
        body = _replaced_body(step)
        if body is None and not step.has_body:
            body = _dump({"ids": ids, **step.params})
        lowered = tuple(i.lower() for i in ids)
        path = "/v1.0/communications/getPresencesByUserId"
        return PlannedRequest("POST", path, body, app, step.auth, reads=lowered, batch_ids=lowered)
    raise ValueError(f"unknown action {action!r}")  # pragma: no cover - the enum is closed


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with credentials replaced: ``Authorization: Bearer <redacted>``."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _SENSITIVE:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} <redacted>" if rest and scheme.isalpha() else "<redacted>"
        out[name] = value
    return out


def _text(body: bytes | None, limit: int) -> str | None:
    if body is None:
        return None
    text = body[:limit].decode("utf-8", errors="replace")
    if len(body) > limit:
        text += f"… [{len(body) - limit} more bytes]"
    return text


def record_exchange(
    request: HttpRequest,
    response: HttpResponse | None,
    *,
    sent_at: float,
    elapsed: float | None = None,
    error: str | None = None,
) -> Exchange:
    """The :class:`Exchange` of ``request`` and its ``response`` (``None`` with ``error`` when none came)."""
    return Exchange(
        method=request.method,
        path=request.path,
        request_headers=redact_headers(request.headers),
        request_body=_text(request.body, REQUEST_BODY_LIMIT),
        status=None if response is None else response.status,
        response_headers={} if response is None else redact_headers(response.headers),
        response_body=None if response is None else _text(response.body, RESPONSE_BODY_LIMIT),
        elapsed=(response.elapsed if response is not None else 0.0) if elapsed is None else elapsed,
        sent_at=sent_at,
        error=error,
    )
