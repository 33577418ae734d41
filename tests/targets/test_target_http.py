"""HttpTarget against a hostile loopback server: every way an answer can fail is a clear TargetError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.errors import ConfigError, TargetError
from conformance.targets.base import HttpRequest, Target
from conformance.targets.http import HttpTarget, origin_of, redact_url

SECRET_HEADER = {"Authorization": "Bearer super-secret-token-value"}


@pytest.fixture
def target(hostile_url: str) -> Iterator[HttpTarget]:
    target = HttpTarget(hostile_url, timeout=(1.0, 0.3))
    yield target
    target.close()


def get(target: HttpTarget, path: str) -> object:
    return target.send(HttpRequest("GET", path, SECRET_HEADER))


def test_is_a_target(target: HttpTarget) -> None:
    assert isinstance(target, Target)


def test_answer_is_returned_with_status_headers_body_and_elapsed(target: HttpTarget) -> None:
    response = target.send(HttpRequest("POST", "/ok/x", {"Content-Type": "application/json"}, b"{}"))
    assert response.status == 200
    assert json.loads(response.body) == {"ok": True}
    assert response.headers["content-type"] == "application/json"  # case-insensitive
    assert response.elapsed >= 0


def test_error_statuses_are_answers_not_errors(target: HttpTarget) -> None:
    for status in (400, 401, 404, 500, 503):
        assert target.send(HttpRequest("GET", f"/status/{status}")).status == status


def test_redirect_is_returned_not_followed(target: HttpTarget) -> None:
    response = target.send(HttpRequest("GET", "/redirect"))
    assert response.status == 302
    assert response.headers["Location"] == "/ok"


def test_no_cookie_is_kept_between_requests(target: HttpTarget, hostile_url: str) -> None:
    target.send(HttpRequest("GET", "/ok"))
    echoed = json.loads(target.send(HttpRequest("GET", "/echo")).body)
    assert "Cookie" not in echoed["headers"]
    assert echoed["headers"]["User-Agent"].startswith("presence-conformance")


def test_request_without_authorization_stays_without(target: HttpTarget) -> None:
    echoed = json.loads(target.send(HttpRequest("GET", "/echo")).body)
    assert "Authorization" not in echoed["headers"]


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-streamed"])
def test_a_body_over_the_cap_is_refused(target: HttpTarget, path: str) -> None:
    with pytest.raises(TargetError, match=r"answer larger than 1 MiB") as info:
        get(target, path)
    assert path in str(info.value)


def test_the_cap_is_configurable(hostile_url: str) -> None:
    small = HttpTarget(hostile_url, max_body_bytes=4)
    with pytest.raises(TargetError, match="larger than 4 bytes"):
        small.send(HttpRequest("GET", "/ok"))


def test_connection_refused(refused_url: str) -> None:
    target = HttpTarget(refused_url)
    with pytest.raises(TargetError) as info:
        target.send(HttpRequest("GET", "/v1.0/users/u/presence", SECRET_HEADER))
    message = str(info.value)
    assert message == f"cannot connect to {refused_url}: connection refused (GET /v1.0/users/u/presence)"


def test_unknown_host() -> None:
    target = HttpTarget("http://no-such-host.invalid", timeout=(1.0, 1.0))
    with pytest.raises(TargetError, match=r"cannot connect to http://no-such-host.invalid: host name not found"):
        target.send(HttpRequest("GET", "/v1.0/me/presence"))


def test_hang_beyond_the_read_timeout(target: HttpTarget) -> None:
    with pytest.raises(TargetError, match=r"did not answer within 0.3 s \(GET /hang\)"):
        get(target, "/hang")


def test_garbage_is_not_http(target: HttpTarget) -> None:
    with pytest.raises(TargetError, match=r"(not HTTP|closed the connection).*\(GET /garbage\)"):
        get(target, "/garbage")


def test_closed_without_answer(target: HttpTarget) -> None:
    with pytest.raises(TargetError, match=r"closed the connection without a complete answer \(GET /close\)"):
        get(target, "/close")


@pytest.mark.parametrize("path", ["/hang", "/garbage", "/close", "/huge-streamed"])
def test_messages_never_hold_the_authorization_header_or_the_query_key(hostile_url: str, path: str) -> None:
    target = HttpTarget(f"{hostile_url}?code=gateway-key-123", timeout=(1.0, 0.3))
    with pytest.raises(TargetError) as info:
        get(target, path)
    text = str(info.value)
    assert "super-secret" not in text and "gateway-key-123" not in text
    # The transport exception (whose text holds the full URL) is not chained where a traceback would show it.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_base_url_query_is_sent_and_redacted(hostile_url: str) -> None:
    target = HttpTarget(f"{hostile_url}/echo?code=k3y")
    echoed = json.loads(target.send(HttpRequest("GET", "/v1.0/users/u/presence")).body)
    assert echoed["path"] == "/echo/v1.0/users/u/presence?code=k3y"
    assert target.description == f"{hostile_url}/echo?code=***"
    assert "k3y" not in repr(target)


def test_a_base_url_ending_in_the_version_does_not_repeat_it(hostile_url: str) -> None:
    target = HttpTarget(f"{hostile_url}/echo/v1.0/")
    echoed = json.loads(target.send(HttpRequest("GET", "/v1.0/users/u/presence")).body)
    assert echoed["path"] == "/echo/v1.0/users/u/presence"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.test",
        "example.test/v1.0",
        "http://",
        "http://user:pw@example.test",
        "http://h:99999",
        "http://h/#x",
    ],
)
def test_bad_base_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        HttpTarget(url)
    assert "pw" not in str(info.value)


def test_many_threads_share_one_target(target: HttpTarget) -> None:
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(lambda i: target.send(HttpRequest("GET", f"/ok/{i}")).status, range(200)))
    assert statuses == [200] * 200


def test_helpers() -> None:
    assert origin_of("https://u:p@graph.example.test:8443/v1.0?x=1") == "https://graph.example.test:8443"
    assert origin_of("http://[::1]:9/x") == "http://[::1]:9"
    assert redact_url("https://u:p@h.test/base?code=abc&x=") == "https://h.test/base?code=***&x=***"
