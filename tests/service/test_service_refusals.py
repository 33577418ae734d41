"""Every way a request is refused: status, Graph error body, and no change to any state."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from service_helpers import APP_A, APP_B, OTHER_USER, READ_WRITE_ALL, USER, Api, assert_graph_error, users

from reference_impl.model import ErrorCode
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceResponse, mint_token

BATCH = "/v1.0/communications/getPresencesByUserId"
SET = users(USER, "setPresence")
APP_C = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
GOOD_SET = {"sessionId": APP_A, "availability": "Busy", "activity": "InACall"}


@dataclass(frozen=True)
class Bad:
    """A request that must be refused with ``status`` and ``code``."""

    name: str
    send: Callable[[Api], ServiceResponse]
    status: int
    code: str


def _set(**body: Any) -> Callable[[Api], ServiceResponse]:
    return lambda api: api.request("POST", SET, {**GOOD_SET, **body})


def _raw(path: str, raw: bytes, content_type: str | None = "application/json") -> Callable[[Api], ServiceResponse]:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return lambda api: api.request("POST", path, raw, headers=headers)


def _without_token(method: str, path: str) -> Callable[[Api], ServiceResponse]:
    return lambda api: api.request(method, path, {}, token=None)


def _expired_token(api: Api) -> str:
    """A token that expired (beyond the 5-minute leeway) before the service clock's now."""
    return mint_token(
        secret=DEV_TOKEN_SECRET,
        app_id=APP_A,
        roles=[READ_WRITE_ALL],
        now=api.clock.now() - timedelta(hours=2),
        lifetime=timedelta(hours=1),
    )


def _with_token(method: str, path: str, body: object, **token: Any) -> Callable[[Api], ServiceResponse]:
    return lambda api: api.request(method, path, body, token=api.token(**token))


BAD_REQUESTS = [
    # 401: no or bad credentials, on every endpoint
    *(
        Bad(f"no token {method} {path}", _without_token(method, path), 401, ErrorCode.UNAUTHENTICATED)
        for method, path in [
            ("POST", SET),
            ("POST", users(USER, "clearPresence")),
            ("POST", users(USER, "setUserPreferredPresence")),
            ("POST", users(USER, "clearUserPreferredPresence")),
            ("GET", users(USER)),
            ("GET", f"/v1.0/communications/presences/{USER}"),
            ("GET", "/v1.0/me/presence"),
            ("POST", BATCH),
        ]
    ),
    Bad(
        "garbage token",
        lambda api: api.request("POST", SET, GOOD_SET, token="not-a-jwt"),
        401,
        ErrorCode.UNAUTHENTICATED,
    ),
    Bad(
        "expired token",
        lambda api: api.request("POST", SET, GOOD_SET, token=_expired_token(api)),
        401,
        ErrorCode.UNAUTHENTICATED,
    ),
    Bad(
        "token signed with another secret",
        _with_token("POST", SET, GOOD_SET, secret="x" * 40),
        401,
        ErrorCode.UNAUTHENTICATED,
    ),
    # 403: permissions
    Bad(
        "read-only app writes",
        _with_token("POST", SET, GOOD_SET, roles=["Presence.Read.All"]),
        403,
        ErrorCode.ACCESS_DENIED,
    ),
    Bad("app without roles reads", _with_token("GET", users(USER), None, roles=[]), 403, ErrorCode.ACCESS_DENIED),
    Bad(
        "delegated writes another user",
        _with_token("POST", SET, GOOD_SET, scopes=["Presence.ReadWrite"], user_id=OTHER_USER),
        403,
        ErrorCode.ACCESS_DENIED,
    ),
    Bad(
        "delegated reads another user with Presence.Read",
        _with_token("GET", users(USER), None, scopes=["Presence.Read"], user_id=OTHER_USER),
        403,
        ErrorCode.ACCESS_DENIED,
    ),
    Bad(
        "delegated batch without Read.All",
        _with_token("POST", BATCH, {"ids": [USER]}, scopes=["Presence.Read", "Presence.ReadWrite"], user_id=USER),
        403,
        ErrorCode.ACCESS_DENIED,
    ),
    Bad(
        "app batch without read",
        _with_token("POST", BATCH, {"ids": [USER]}, roles=["User.Read.All"]),
        403,
        ErrorCode.ACCESS_DENIED,
    ),
    Bad("app on /me", lambda api: api.request("GET", "/v1.0/me/presence"), 400, ErrorCode.INVALID_REQUEST),
    Bad(
        "/me for a non-GUID user",
        _with_token("GET", "/v1.0/me/presence", None, scopes=["Presence.Read"], user_id="not-a-guid"),
        404,
        ErrorCode.NOT_FOUND,
    ),
    # 404: users, sessions, paths
    Bad(
        "non-GUID user write",
        lambda api: api.request("POST", users("alice", "setPresence"), GOOD_SET),
        404,
        ErrorCode.NOT_FOUND,
    ),
    Bad("non-GUID user read", lambda api: api.request("GET", users("alice")), 404, ErrorCode.NOT_FOUND),
    Bad(
        "clear a session that never existed",
        _with_token("POST", users(USER, "clearPresence"), {"sessionId": APP_C}, app_id=APP_C),
        404,
        ErrorCode.NOT_FOUND,
    ),
    Bad("unknown path", lambda api: api.request("GET", "/v1.0/users"), 404, ErrorCode.NOT_FOUND),
    Bad("unversioned path", lambda api: api.request("GET", f"/users/{USER}/presence"), 404, ErrorCode.NOT_FOUND),
    Bad("trailing slash", lambda api: api.request("GET", users(USER) + "/"), 404, ErrorCode.NOT_FOUND),
    Bad(
        "encoded slash in the id",
        lambda api: api.request("GET", users(USER.replace("-", "%2F", 1))),
        404,
        ErrorCode.NOT_FOUND,
    ),
    # 405
    Bad("GET an action", lambda api: api.request("GET", SET), 405, ErrorCode.METHOD_NOT_ALLOWED),
    Bad("DELETE presence", lambda api: api.request("DELETE", users(USER)), 405, ErrorCode.METHOD_NOT_ALLOWED),
    # 400: bodies
    Bad("Busy/Busy", _set(availability="Busy", activity="Busy"), 400, ErrorCode.INVALID_REQUEST),
    Bad("lower-case busy", _set(availability="busy"), 400, ErrorCode.INVALID_REQUEST),
    Bad("sessionId of another app", _set(sessionId=APP_B), 400, ErrorCode.INVALID_REQUEST),
    Bad("duration too short", _set(expirationDuration="PT4M"), 400, ErrorCode.INVALID_REQUEST),
    Bad("duration too long", _set(expirationDuration="PT4H1M"), 400, ErrorCode.INVALID_REQUEST),
    Bad("negative duration", _set(expirationDuration="-PT5M"), 400, ErrorCode.INVALID_REQUEST),
    Bad("unknown property", _set(extra=1), 400, ErrorCode.INVALID_REQUEST),
    Bad("wrong type", _set(availability=3), 400, ErrorCode.INVALID_REQUEST),
    Bad("not an object", lambda api: api.request("POST", SET, [GOOD_SET]), 400, ErrorCode.INVALID_REQUEST),
    Bad("empty body", _raw(SET, b""), 400, ErrorCode.INVALID_REQUEST),
    Bad("malformed JSON", _raw(SET, b'{"sessionId": '), 400, ErrorCode.INVALID_REQUEST),
    Bad("not UTF-8", _raw(SET, '{"sessionId": "é"}'.encode("latin-1")), 400, ErrorCode.INVALID_REQUEST),
    Bad("byte order mark", _raw(SET, b"\xef\xbb\xbf" + json.dumps(GOOD_SET).encode()), 400, ErrorCode.INVALID_REQUEST),
    Bad("NaN", _raw(SET, b'{"sessionId": NaN}'), 400, ErrorCode.INVALID_REQUEST),
    Bad("deep nesting", _raw(SET, b"[" * 30000 + b"]" * 30000), 400, ErrorCode.INVALID_REQUEST),
    Bad("huge integer", _raw(SET, b'{"sessionId": ' + b"9" * 5000 + b"}"), 400, ErrorCode.INVALID_REQUEST),
    Bad("preferred duration zero", lambda api: api.set_preferred(duration="PT0S"), 400, ErrorCode.INVALID_REQUEST),
    Bad(
        "preferred duration past year 9999",
        lambda api: api.set_preferred(duration="P999999999D"),
        400,
        ErrorCode.INVALID_REQUEST,
    ),
    Bad(
        "preferred session pair",
        lambda api: api.set_preferred(availability="Busy", activity="InACall"),
        400,
        ErrorCode.INVALID_REQUEST,
    ),
    Bad(
        "clear preferred with a property",
        lambda api: api.request("POST", users(USER, "clearUserPreferredPresence"), {"x": 1}),
        400,
        ErrorCode.INVALID_REQUEST,
    ),
    Bad("batch without ids", lambda api: api.request("POST", BATCH, {}), 400, ErrorCode.INVALID_REQUEST),
    Bad("batch with no ids", lambda api: api.request("POST", BATCH, {"ids": []}), 400, ErrorCode.INVALID_REQUEST),
    Bad(
        "batch over 650", lambda api: api.request("POST", BATCH, {"ids": [USER] * 651}), 400, ErrorCode.INVALID_REQUEST
    ),
    Bad(
        "batch non-GUID", lambda api: api.request("POST", BATCH, {"ids": [USER, "bob"]}), 400, ErrorCode.INVALID_REQUEST
    ),
    Bad("batch empty body", _raw(BATCH, b""), 400, ErrorCode.INVALID_REQUEST),
    # 413, 415
    Bad("body too large", _raw(SET, b" " * 65537), 413, ErrorCode.REQUEST_TOO_LARGE),
    Bad("text/plain", _raw(SET, json.dumps(GOOD_SET).encode(), "text/plain"), 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    Bad(
        "form encoded",
        _raw(SET, b"sessionId=x", "application/x-www-form-urlencoded"),
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ),
    Bad(
        "latin-1 charset",
        _raw(SET, json.dumps(GOOD_SET).encode(), "application/json; charset=latin-1"),
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ),
]


def _seed(api: Api) -> None:
    """Give both users some state, so that "unchanged" means something."""
    assert api.set_presence(USER, APP_A, "Available", "Available", "PT1H").status == 200
    assert api.set_presence(USER, APP_B, "Away", "Away").status == 200
    assert api.set_preferred(USER, "DoNotDisturb", "DoNotDisturb").status == 200
    assert api.set_presence(OTHER_USER, APP_A, "Busy", "InACall").status == 200


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=lambda bad: bad.name)
def test_refused_with_a_graph_error_and_nothing_changes(api: Api, service: PresenceService, bad: Bad) -> None:
    _seed(api)
    before = (service.snapshot(USER), service.snapshot(OTHER_USER), api.presence(USER), api.presence(OTHER_USER))
    response = bad.send(api)
    assert_graph_error(response, bad.status, bad.code)
    after = (service.snapshot(USER), service.snapshot(OTHER_USER), api.presence(USER), api.presence(OTHER_USER))
    assert after == before


def test_every_refusal_is_dated_by_the_service_clock(api: Api) -> None:
    error = assert_graph_error(api.request("GET", "/nowhere"), 404)
    assert error["innerError"]["date"] == "2024-05-01T12:00:00"


def test_405_names_the_allowed_methods(api: Api) -> None:
    response = api.request("PUT", "/_conformance/clock")
    assert_graph_error(response, 405, ErrorCode.METHOD_NOT_ALLOWED)
    assert response.headers["allow"] == "GET, POST"
    assert api.request("GET", SET).headers["allow"] == "POST"


def test_401_carries_a_bearer_challenge(api: Api) -> None:
    response = api.request("GET", users(USER), token=None)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_clearing_twice_is_404_the_second_time(api: Api) -> None:
    api.set_presence()
    assert api.clear_presence().status == 200
    assert_graph_error(api.clear_presence(), 404, ErrorCode.NOT_FOUND)


def test_client_request_id_that_is_not_a_short_token_is_not_echoed(api: Api) -> None:
    for hostile in ["<script>alert(1)</script>", "a b", "x" * 200, "id\r\nset-cookie: a=b", "-leading-dash", ""]:
        response = api.request("GET", users("bad"), headers={"client-request-id": hostile})
        error = assert_graph_error(response, 404)
        assert response.headers["client-request-id"] == response.headers["request-id"]
        assert error["innerError"]["client-request-id"] == error["innerError"]["request-id"]


def test_hostile_values_are_not_reflected_at_length(api: Api) -> None:
    huge = "<b>" + "A" * 10000 + "\u0000</b>"
    response = api.request("POST", SET, {**GOOD_SET, "availability": huge})
    error = assert_graph_error(response, 400, ErrorCode.INVALID_REQUEST)
    assert len(error["message"]) < 300


def test_an_unexpected_error_is_a_logged_graph_500(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr("reference_impl.service.service.read", explode)
    with caplog.at_level(logging.ERROR, logger="reference_impl.service.service"):
        response = api.request("GET", users(USER))
    error = assert_graph_error(response, 500, "generalException")
    assert "boom" not in error["message"] and response.headers["request-id"] in error["message"]
    assert any("boom" in (record.exc_text or "") or record.exc_info for record in caplog.records)
    assert all("Bearer" not in record.getMessage() for record in caplog.records)
