"""Errors over real HTTP: every one in Graph's format, none changing state, none a 5xx."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from server_helpers import APP_A, USER, HttpApi, assert_graph_error, users

from reference_impl.model import ErrorCode
from reference_impl.server import RunningServer

SET = users(USER, "setPresence")
GOOD = {"sessionId": APP_A, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"}


@pytest.fixture
def seeded(api: HttpApi, server: RunningServer) -> Iterator[HttpApi]:
    """A user with a session, checked unchanged (model state and presence) after the test."""
    assert api.set_presence(availability="Available", activity="Available", duration="PT1H").status_code == 200
    before = (server.service.snapshot(USER), api.pair())
    yield api
    assert (server.service.snapshot(USER), api.pair()) == before


def test_unknown_path_is_a_graph_404(api: HttpApi) -> None:
    for path in ["/", "/v1.0", "/v1.0/users", "/beta/users/x/presence", "/v1.0/users/%00/presence", "/%ff"]:
        assert_graph_error(api.request("GET", path), 404, ErrorCode.NOT_FOUND)


def test_wrong_method_is_a_graph_405(api: HttpApi) -> None:
    response = api.request("DELETE", users(USER))
    assert_graph_error(response, 405, ErrorCode.METHOD_NOT_ALLOWED)
    assert response.headers["allow"] == "GET"
    assert api.request("GET", SET).headers["allow"] == "POST"


def test_oversized_body_is_413(seeded: HttpApi) -> None:
    body = json.dumps({**GOOD, "sessionId": "x" * 100_000}).encode()
    response = seeded.request("POST", SET, data=body, headers={"content-type": "application/json"})
    assert_graph_error(response, 413, ErrorCode.REQUEST_TOO_LARGE)
    # The connection is still good for the next request.
    assert seeded.clock()["frozen"] is True


def test_oversized_chunked_body_is_413(seeded: HttpApi) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 4096

    response = seeded.request("POST", SET, data=chunks(), headers={"content-type": "application/json"})  # type: ignore[arg-type]
    assert_graph_error(response, 413, ErrorCode.REQUEST_TOO_LARGE)


def test_declared_length_over_the_limit_is_413_before_the_body_arrives(server: RunningServer) -> None:
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=5) as conn:
        head = f"POST {SET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n"
        conn.sendall(head.encode())
        answer = b""
        while b'"innerError"' not in answer:
            chunk = conn.recv(65536)
            assert chunk, answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"requestTooLarge"' in answer


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"sessionId": ', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[]", "application/json", 400),
        (b"", "application/json", 400),
        (json.dumps(GOOD).encode(), "text/plain", 415),
        (b"sessionId=x", "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_bodies(seeded: HttpApi, body: bytes, content_type: str, status: int) -> None:
    response = seeded.request("POST", SET, data=body, headers={"content-type": content_type})
    assert_graph_error(response, status)


HOSTILE = [
    "<script>alert(1)</script>",
    "\u0000\u0007\u001b[31m",
    "Busy\r\nX-Injected: 1",
    "A" * 10_000,
    "😀" * 2_000,
    "Busy\u200b",
    "../../etc/passwd",
    "'; DROP TABLE presence; --",
]


@pytest.mark.parametrize("field", ["sessionId", "availability", "activity", "expirationDuration"])
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_are_refused_and_change_nothing(seeded: HttpApi, field: str, value: str) -> None:
    response = seeded.request("POST", SET, json={**GOOD, field: value})
    error = assert_graph_error(response, 400, ErrorCode.INVALID_REQUEST)
    assert len(response.content) < 1000
    assert value not in error["message"] or len(value) < 30
    assert "X-Injected" not in response.headers


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_user_ids_are_404(seeded: HttpApi, value: str) -> None:
    from urllib.parse import quote

    response = seeded.request("GET", users(quote(value, safe="")))
    assert_graph_error(response, 404)


@pytest.mark.parametrize("value", ["<b>x</b>", "a" * 300, "bad id"])
def test_hostile_client_request_ids_are_not_echoed(api: HttpApi, value: str) -> None:
    response = api.request("GET", "/nowhere", headers={"client-request-id": value})
    assert response.headers["client-request-id"] == response.headers["request-id"]


def test_sane_client_request_id_is_echoed(api: HttpApi) -> None:
    response = api.request("GET", "/nowhere", headers={"client-request-id": "2a7c0d4e-aaaa-4bbb-8ccc-123456789abc"})
    assert response.headers["client-request-id"] == "2a7c0d4e-aaaa-4bbb-8ccc-123456789abc"
    assert response.json()["error"]["innerError"]["client-request-id"] == "2a7c0d4e-aaaa-4bbb-8ccc-123456789abc"


def test_hostile_host_header_does_not_break_reads(api: HttpApi) -> None:
    response = api.request("GET", users(USER), headers={"Host": "evil.example:1/<x>"})
    assert response.status_code == 200
    assert response.json()["id"] == USER


def test_garbage_authorization_is_401(api: HttpApi) -> None:
    for value in ["Bearer", "Bearer ....", "Basic abc", "Bearer " + "A" * 6000]:
        response = api.request("GET", users(USER), token=None, headers={"Authorization": value})
        assert_graph_error(response, 401, ErrorCode.UNAUTHENTICATED)


def test_head_is_405_and_the_connection_stays_usable(api: HttpApi) -> None:
    response = api.request("HEAD", users(USER))
    assert response.status_code == 405 and response.headers["allow"] == "GET" and response.content == b""
    assert api.request("GET", users(USER)).status_code == 200
