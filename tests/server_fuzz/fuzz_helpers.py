"""What the server fuzz tests share: ids and tokens, request strategies, and the invariants every answer keeps.

Requests are drawn from the endpoint table (``reference_impl.service.ENDPOINTS``) so that most of them
reach deep into a handler: a real path with a fuzzed id, a token with some set of permissions (or a
broken one), a body that is valid for the endpoint and then mutated (a field dropped, retyped, made
huge or filled with markup and control characters), or plain garbage.

Every answer must keep these invariants (:func:`check_answer`):

- never a 5xx;
- every 4xx in Graph's format: ``{"error": {"code", "message", "innerError": {...}}}`` as JSON, the
  ``request-id`` header equal to ``innerError.request-id``, ``WWW-Authenticate`` on 401, ``Allow`` on 405;
- a refused request changes nothing: every user's model state and the clock are as before.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from reference_impl.model import PREFERRED_PAIRS, SESSION_PAIRS, UserPresence
from reference_impl.service import DEV_TOKEN_SECRET, ENDPOINTS, PresenceService
from reference_impl.service.tokens import mint_token

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
USER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
OTHER = "0b8f2a4e-6c1d-4e3f-9a5b-7c8d9e0f1a2b"
APP = "22553876-f5ab-4529-bffb-cfe50aa89f87"
OTHER_APP = "3f0a7c1e-9b2d-4c5e-8f6a-1b2c3d4e5f60"
READ_WRITE_ALL = "Presence.ReadWrite.All"
READ_ALL = "Presence.Read.All"
LIFETIME = timedelta(days=30)

# Markup, control characters, bidi overrides, surrogate-free astral characters, header injection.
NASTY = [
    "<script>alert(1)</script>",
    "\x00",
    "\x1b[31m",
    "\r\nSet-Cookie: a=b",
    "\u202e",
    "\ufeff",
    "𝔸𝕧𝕒𝕚𝕝𝕒𝕓𝕝𝕖",
    "Ａｖａｉｌａｂｌｅ",
    "İ",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
]
WORDS = sorted(
    {str(p.availability) for p in SESSION_PAIRS | PREFERRED_PAIRS}
    | {str(p.activity) for p in SESSION_PAIRS | PREFERRED_PAIRS}
    | {"Offline", "PresenceUnknown", "available", "BUSY", "PT5M", "PT4H", "PT4H1M", "PT4M59S", "P1D", "-PT5M", "PT0S"}
)


def token(app_id: str = APP, *, roles: tuple[str, ...] = (READ_WRITE_ALL,), **kwargs: Any) -> str:
    """A token minted at :data:`START`, valid for 30 days of the service's clock."""
    minted: str = mint_token(
        secret=DEV_TOKEN_SECRET, app_id=app_id, roles=roles, now=START, lifetime=LIFETIME, **kwargs
    )
    return minted


@dataclass(frozen=True, slots=True)
class Tokens:
    """Authorization header values, minted once (minting is the slow part of a request)."""

    values: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def mint(cls) -> Tokens:
        expired = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP, roles=[READ_WRITE_ALL], now=START - timedelta(days=2))
        forged = mint_token(secret="x" * 40, app_id=APP, roles=[READ_WRITE_ALL], now=START, lifetime=LIFETIME)
        return cls(
            {
                "app": "Bearer " + token(),
                "other-app": "Bearer " + token(OTHER_APP),
                "reader": "Bearer " + token(roles=(READ_ALL,)),
                "no-roles": "Bearer " + token(roles=()),
                "delegated": "Bearer " + token(roles=(), scopes=["Presence.ReadWrite"], user_id=USER),
                "delegated-other": "Bearer " + token(roles=(), scopes=["Presence.ReadWrite"], user_id=OTHER),
                "delegated-reader": "Bearer " + token(roles=(), scopes=["Presence.Read.All"], user_id=OTHER),
                "expired": "Bearer " + expired,
                "forged": "Bearer " + forged,
                "basic": "Basic dXNlcjpwYXNz",
                "garbage": "Bearer not.a.jwt",
                "empty": "Bearer ",
                "none": None,
            }
        )


TOKENS = Tokens.mint()


# ---- strategies --------------------------------------------------------------------------------------


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.sampled_from(NASTY + WORDS) | st.text(max_size=max_size)


# Built once: strategies made afresh inside every draw make data generation the slowest part by far.
NASTY_TEXT = nasty_text()
NASTY_KEYS = nasty_text(12)


def user_ids() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([USER, OTHER, USER.upper(), str(uuid.UUID(int=7))]),
        st.uuids().map(str),
        NASTY_TEXT,
        st.just("x" * 5000),
        st.sampled_from(["%2F", "..", "%2e%2e", "me", "", " " + USER, USER + "%00", "{id}"]),
    )


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | NASTY_TEXT
        | st.sampled_from([USER, OTHER, APP])
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY_KEYS, inner, max_size=4),
        max_leaves=max_leaves,
    )


USER_IDS = user_ids()
CLIENT_IDS = nasty_text(200) | st.uuids().map(str)
JSON_VALUES = json_values()
SMALL_JSON = json_values(3)


def _valid_body(name: str, draw: st.DrawFn) -> dict[str, Any] | None:
    """A body the endpoint ``name`` would accept from :data:`APP` (before mutation)."""
    if name == "setPresence":
        pair = draw(st.sampled_from(sorted(SESSION_PAIRS, key=str)))
        body = {"sessionId": APP, "availability": str(pair.availability), "activity": str(pair.activity)}
        if draw(st.booleans()):
            body["expirationDuration"] = draw(st.sampled_from(["PT5M", "PT1H", "PT4H", "PT30M"]))
        return body
    if name == "clearPresence":
        return {"sessionId": draw(st.sampled_from([APP, OTHER_APP]))}
    if name == "setUserPreferredPresence":
        pair = draw(st.sampled_from(sorted(PREFERRED_PAIRS, key=str)))
        body = {"availability": str(pair.availability), "activity": str(pair.activity)}
        if draw(st.booleans()):
            body["expirationDuration"] = draw(st.sampled_from(["PT5M", "PT8H", "P1D"]))
        return body
    if name == "clearUserPreferredPresence":
        return draw(st.sampled_from([{}, None]))
    if name == "getPresencesByUserId":
        ids = draw(st.lists(st.sampled_from([USER, OTHER, USER.upper()]) | st.uuids().map(str), max_size=5))
        return {"ids": ids}
    if name == "setClock":
        clock_bodies: list[dict[str, Any]] = [
            {"freeze": True},
            {"freeze": False},
            {"advance": "PT5M"},
            {"advance": "P1D"},
            {"advance": "PT0S"},
        ]
        clock_body: dict[str, Any] = draw(st.sampled_from(clock_bodies))
        return clock_body
    return None


def _mutate(body: Any, draw: st.DrawFn) -> Any:
    """``body`` with one mutation (or none)."""
    how = draw(st.sampled_from(["none", "drop", "retype", "nasty", "extra", "replace", "huge"]))
    if how == "none" or not isinstance(body, dict):
        return draw(JSON_VALUES) if how == "replace" else body
    mutated = dict(body)
    key = draw(st.sampled_from(sorted(mutated))) if mutated else "x"
    if how == "drop":
        mutated.pop(key, None)
    elif how == "retype":
        mutated[key] = draw(SMALL_JSON)
    elif how == "nasty":
        mutated[key] = draw(NASTY_TEXT)
    elif how == "extra":
        mutated[draw(NASTY_KEYS)] = draw(SMALL_JSON)
    elif how == "huge":
        mutated[key] = "A" * draw(st.sampled_from([1000, 70_000]))
    else:
        return draw(JSON_VALUES)
    return mutated


@dataclass(frozen=True, slots=True)
class FuzzRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def describe(self) -> str:
        return f"{self.method} {self.path[:200]!r} {sorted(self.headers)} body={self.body[:200]!r}"


@st.composite
def requests_(draw: st.DrawFn) -> FuzzRequest:
    """One request: mostly a real endpoint with fuzzed parts, sometimes anything at all."""
    endpoint = draw(st.sampled_from(ENDPOINTS))
    method = endpoint.method
    if draw(st.integers(0, 9)) == 0:
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "PROPFIND"]))
    if draw(st.integers(0, 9)) == 0:
        path = draw(st.sampled_from(["/", "/v1.0", "/v1.0/users", "/_conformance", "/v1.0/me"])) + draw(NASTY_TEXT)
    else:
        path = endpoint.path.replace("{id}", draw(USER_IDS))
    if draw(st.integers(0, 9)) == 0:
        path += draw(st.sampled_from(["?$select=availability", "?a=<script>", "#frag", "/", "//", "?"]))
    headers: dict[str, str] = {}
    authorization = TOKENS.values[draw(st.sampled_from(sorted(TOKENS.values)))]
    if authorization is not None:
        headers["Authorization"] = authorization
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json",
                "application/json; charset=utf-8",
                "application/JSON;charset=UTF8",
                "text/plain",
                "application/json; charset=latin-1",
                "multipart/form-data; boundary=x",
                "",
                None,
            ]
        )
    )
    if content_type is not None:
        headers["Content-Type"] = content_type
    if draw(st.booleans()):
        headers["client-request-id"] = draw(CLIENT_IDS)
    kind = draw(st.sampled_from(["valid", "valid", "valid", "json", "binary", "empty", "deep"]))
    if kind == "valid":
        body = _mutate(_valid_body(endpoint.name, draw), draw)
        raw = b"" if body is None and draw(st.booleans()) else json.dumps(body).encode()
    elif kind == "json":
        raw = json.dumps(draw(JSON_VALUES)).encode()
    elif kind == "binary":
        raw = draw(st.binary(max_size=80) | st.sampled_from([b"\xff\xfe{}", b"{", b"NaN", b'{"a": Infinity}']))
    elif kind == "deep":
        depth = draw(st.sampled_from([100, 5000, 30_000]))
        raw = b"[" * depth + b"]" * depth
    else:
        raw = b""
    return FuzzRequest(method, path, headers, raw)


# ---- invariants ----------------------------------------------------------------------------------------


def check_answer(status: int, headers: Mapping[str, str], body: bytes, what: str) -> None:
    """Assert the invariants of one answer (see the module docstring); ``headers`` lower-case names."""
    assert status < 500, f"{status} for {what}: {body[:300]!r}"
    if status < 400:
        return
    assert headers.get("content-type", "").startswith("application/json"), f"{status} not JSON for {what}"
    document = json.loads(body)
    assert isinstance(document, dict) and list(document) == ["error"], f"not a Graph error for {what}: {body!r}"
    error = document["error"]
    assert set(error) == {"code", "message", "innerError"}, what
    assert isinstance(error["code"], str) and error["code"], what
    assert isinstance(error["message"], str), what
    inner = error["innerError"]
    assert set(inner) == {"request-id", "date", "client-request-id"}, what
    assert headers.get("request-id") == inner["request-id"], what
    assert headers.get("client-request-id") == inner["client-request-id"], what
    if status == 401:
        assert headers.get("www-authenticate", "").startswith("Bearer"), what
    if status == 405:
        assert headers.get("allow"), what


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The model state of some users and the clock's reading."""

    users: Mapping[str, UserPresence]
    clock: tuple[datetime | None, bool]


def snapshot(service: PresenceService, user_ids: set[str]) -> Snapshot:
    """The state of ``user_ids``; the clock's instant only while it is frozen (a running one moves anyway)."""
    now, frozen = service.clock.reading()
    return Snapshot({uid: service.snapshot(uid) for uid in sorted(user_ids)}, (now if frozen else None, frozen))


def seed(service: PresenceService) -> None:
    """Give :data:`USER` a session of :data:`APP` and a preferred presence, so clears have something to clear."""
    auth = {"Authorization": TOKENS.values["app"] or "", "Content-Type": "application/json"}
    for action, body in (
        (
            "setPresence",
            {"sessionId": APP, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"},
        ),
        ("setUserPreferredPresence", {"availability": "DoNotDisturb", "activity": "DoNotDisturb"}),
    ):
        answer = service.dispatch("POST", f"/v1.0/users/{USER}/presence/{action}", auth, json.dumps(body).encode())
        assert answer.status == 200, answer.body


def touched_users(request: FuzzRequest) -> set[str]:
    """The user ids a request could change: the known ones and whatever GUID its path holds."""
    ids = {USER, OTHER}
    for part in request.path.split("/"):
        try:
            ids.add(str(uuid.UUID(part)))
        except ValueError:
            continue
    return ids
