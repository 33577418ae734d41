"""The engine against bad targets: every case ends with a verdict, in bounded time, and reports stay safe.

Each fixture starts one hostile server (``conftest.py``) that wraps an honest reference service and
misbehaves in one way on the presence API. The verdict families must not mix:

- **broken** (no verdict possible) when there is no usable answer: refused, hung, not HTTP, too large,
  an empty, non-JSON or wrongly shaped body where a presence was needed, 503;
- **failed** when the answer is simply wrong: a 500 or a redirect where a 2xx was due, a presence that
  differs (markup and control characters included).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hostile_servers import HostileHandler, HostileServer, reply
from robust_helpers import READ_TIMEOUT, hostile_cases, hostile_setup, only, timed_run, verdicts

from conformance.engine import CampaignResult, StepStatus, Verdict
from conformance.errors import TargetError
from conformance.targets.setup import open_target

Serve = Callable[..., HostileServer]
ALL_BROKEN = dict.fromkeys(("robust.set-and-check", "robust.batch-read", "robust.fade-later"), Verdict.BROKEN)
ALL_FAILED = dict.fromkeys(ALL_BROKEN, Verdict.FAILED)
# Every run here answers (or fails) within a second or two; this leaves room for a loaded machine.
BOUND = 6.0


def corrupt_reads(change: Callable[[dict[str, object]], None]) -> Callable[[HostileHandler], None]:
    """A behaviour: writes are honest; each presence in a successful read is passed through ``change``."""

    def behaviour(handler: HostileHandler) -> None:
        answer = handler.honest()
        if not (handler.is_read and answer.status == 200):
            reply(handler, answer)
            return
        document = json.loads(answer.body)
        for item in document.get("value", [document]):
            change(item)
        reply(handler, answer, body=json.dumps(document).encode())

    return behaviour


def reads_answer(body: bytes, content_type: str = "application/json") -> Callable[[HostileHandler], None]:
    """A behaviour: writes are honest; every read answers 200 with ``body``."""

    def behaviour(handler: HostileHandler) -> None:
        if handler.is_read:
            reply(handler, status=200, body=body, content_type=content_type)
        else:
            reply(handler)

    return behaviour


def run_against(server: HostileServer, **setup: object) -> tuple[CampaignResult, float]:
    return timed_run(hostile_cases(), hostile_setup(server.url, **setup))  # type: ignore[arg-type]


def reasons(result: CampaignResult) -> list[str]:
    return [case.reason or "" for case in result.results]


# ---- behaviours (one fixture each) --------------------------------------------------------------------


@pytest.fixture
def honest(serve: Serve) -> HostileServer:
    return serve(reply)


@pytest.fixture
def wrong_presence(serve: Serve) -> HostileServer:
    return serve(corrupt_reads(lambda item: item.update(availability="Busy", activity="Busy")))


@pytest.fixture
def always_500(serve: Serve) -> HostileServer:
    body = b'{"error": {"code": "generalException", "message": "boom"}}'
    return serve(lambda handler: reply(handler, status=500, body=body))


@pytest.fixture
def always_503(serve: Serve) -> HostileServer:
    return serve(lambda handler: reply(handler, status=503, body=b"", headers={"Retry-After": "1"}))


@pytest.fixture
def empty_bodies(serve: Serve) -> HostileServer:
    return serve(lambda handler: reply(handler, status=200, body=b""))


@pytest.fixture
def html_pages(serve: Serve) -> HostileServer:
    return serve(reads_answer(b"<html><body>Sign in</body></html>", content_type="text/html"))


@pytest.fixture
def hanging(serve: Serve) -> HostileServer:
    # Accepts the request and never answers (until the test ends).
    return serve(lambda handler: handler.server.stopping.wait(30))


DRIP_BYTES, DRIP_PAUSE = 25, 0.08  # 2 s in all
DRIP_STEP_TIMEOUT = timedelta(seconds=0.5)


@pytest.fixture
def dripping(serve: Serve) -> HostileServer:
    def drip(handler: HostileHandler) -> None:
        # 25 bytes, one every 0.08 s: each socket read is well within the read timeout, the whole is not.
        handler.send_response(200)
        handler.send_header("Content-Length", str(DRIP_BYTES))
        handler.end_headers()
        for _ in range(DRIP_BYTES):
            if handler.server.stopping.wait(DRIP_PAUSE):
                return
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return serve(drip)


@pytest.fixture
def huge_streamed(serve: Serve) -> HostileServer:
    def stream(handler: HostileHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"[" * 65536
        try:
            for _ in range(64):  # 4 MiB, never finished by a client that stops at 1 MiB
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        handler.close_connection = True

    return serve(stream)


@pytest.fixture
def huge_declared(serve: Serve) -> HostileServer:
    def declare(handler: HostileHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(8 << 20))
        handler.end_headers()
        handler.close_connection = True

    return serve(declare)


@pytest.fixture
def not_http(serve: Serve) -> HostileServer:
    def garbage(handler: HostileHandler) -> None:
        handler.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n")
        handler.close_connection = True

    return serve(garbage)


@pytest.fixture
def closing(serve: Serve) -> HostileServer:
    def close(handler: HostileHandler) -> None:
        handler.close_connection = True

    return serve(close)


MARKUP = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
CONTROL = "\x1b[31mred\x1b[0m\x00\x07\u202e\r\nSet-Cookie: x=1"


@pytest.fixture
def markup(serve: Serve) -> HostileServer:
    return serve(corrupt_reads(lambda item: item.update(availability=MARKUP, activity=CONTROL)))


@pytest.fixture
def elsewhere(serve: Serve) -> HostileServer:
    """Where the redirecting server points: must never be reached."""
    return serve(reply)


@pytest.fixture
def redirecting(serve: Serve, elsewhere: HostileServer) -> HostileServer:
    def redirect(handler: HostileHandler) -> None:
        location = elsewhere.url + handler.path
        reply(handler, status=307, body=b"", content_type=None, headers={"Location": location})

    return serve(redirect)


# ---- verdicts -----------------------------------------------------------------------------------------


def test_the_honest_wrapper_passes_everything(honest: HostileServer) -> None:
    result, took = run_against(honest)
    assert set(verdicts(result).values()) == {Verdict.PASSED}
    assert result.exit_code == 0 and took < BOUND


def test_a_wrong_presence_fails(wrong_presence: HostileServer) -> None:
    result, _ = run_against(wrong_presence)
    assert verdicts(result) == ALL_FAILED
    assert "expected Busy/InACall, got Busy/Busy" in only(result, "robust.set-and-check").reason  # type: ignore[operator]
    assert result.exit_code == 1


def test_connection_refused_is_broken_for_every_case(refused_url: str) -> None:
    # Real time (nothing answers the control API); only the case without waits.
    result, took = timed_run(hostile_cases("robust.set-and-check"), hostile_setup(refused_url, control=False))
    assert verdicts(result) == {"robust.set-and-check": Verdict.BROKEN}
    assert "connection refused" in reasons(result)[0]
    assert result.exit_code == 2 and took < BOUND


def test_open_target_reports_a_refused_target_at_once(refused_url: str) -> None:
    with pytest.raises(TargetError, match="connection refused"):
        open_target(url=refused_url, environ={})


def test_a_hanging_server_is_broken_after_the_read_timeout(hanging: HostileServer) -> None:
    result, took = run_against(hanging)
    assert verdicts(result) == ALL_BROKEN
    assert all(f"did not answer within {READ_TIMEOUT:g} s" in reason for reason in reasons(result))
    assert took < BOUND  # the three cases wait concurrently: about one read timeout in all


def test_500_is_a_wrong_answer_not_an_outage(always_500: HostileServer) -> None:
    result, _ = run_against(always_500)
    assert verdicts(result) == ALL_FAILED
    assert all("expected status 2xx, got 500 (generalException: boom)" in r for r in reasons(result))


def test_503_is_an_outage_not_a_verdict(always_503: HostileServer) -> None:
    result, _ = run_against(always_503)
    assert verdicts(result) == ALL_BROKEN
    assert all("503 (throttled or unavailable)" in r for r in reasons(result))


def test_empty_bodies_break_reads_only(empty_bodies: HostileServer) -> None:
    result, _ = run_against(empty_bodies)
    assert verdicts(result) == ALL_BROKEN
    case = only(result, "robust.set-and-check")
    assert [s.status for s in case.steps] == [StepStatus.OK, StepStatus.BROKEN]  # an empty 200 is a fine write
    assert "with an empty body, not a presence" in (case.reason or "")


def test_an_html_page_is_broken(html_pages: HostileServer) -> None:
    result, _ = run_against(html_pages)
    assert verdicts(result) == ALL_BROKEN
    assert "'<html><body>Sign in</body></html>', not a presence" in only(result, "robust.set-and-check").reason  # type: ignore[operator]


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b"[]",
        b'"Available"',
        b'{"availability": 3, "activity": "Available"}',
        b'{"availability": NaN, "activity": "Available"}',
        b'{"availability": "Available"}',
        b'{"value": [1, 2]}',
        b'{"value": {"id": "x"}}',
        b'{"availability": "\xff\xfe", "activity": "Available"}',
        b'{"availability": "Available", "activity": "Available"',  # truncated
        b"[" * 50_000 + b"]" * 50_000,  # deeper than the JSON decoder's recursion limit
    ],
    ids=[
        "null",
        "list",
        "string",
        "number",
        "nan",
        "missing",
        "batch-items",
        "batch-object",
        "bad-utf8",
        "cut",
        "deep",
    ],
)
def test_wrong_shapes_are_broken_with_the_answer_quoted(serve: Serve, body: bytes) -> None:
    result, took = run_against(serve(reads_answer(body)))
    assert verdicts(result) == ALL_BROKEN
    for reason in reasons(result):
        assert re.search(r"the target answered 200 with .*, not (a presence|\{\"value\")", reason), reason
        assert "engine error" not in reason
    assert took < BOUND


@pytest.mark.parametrize("behaviour", ["huge_streamed", "huge_declared"])
def test_huge_bodies_are_refused_at_the_cap(behaviour: str, request: pytest.FixtureRequest) -> None:
    server: HostileServer = request.getfixturevalue(behaviour)
    result, took = run_against(server)
    assert verdicts(result) == ALL_BROKEN
    assert all("answer larger than 1 MiB" in r for r in reasons(result))
    assert took < BOUND


def test_a_smaller_cap_applies_to_every_answer(honest: HostileServer) -> None:
    result, _ = run_against(honest, max_body_bytes=64)
    assert verdicts(result)["robust.set-and-check"] is Verdict.BROKEN  # the presence read is over 64 bytes
    assert "answer larger than 64 bytes" in only(result, "robust.set-and-check").reason  # type: ignore[operator]


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [("not_http", "answered something that is not HTTP"), ("closing", "closed the connection without")],
)
def test_broken_transport(behaviour: str, reason: str, request: pytest.FixtureRequest) -> None:
    result, took = run_against(request.getfixturevalue(behaviour))
    assert verdicts(result) == ALL_BROKEN
    assert all(reason in r for r in reasons(result))
    assert took < BOUND


def test_a_slow_drip_is_broken_by_the_step_timeout(dripping: HostileServer) -> None:
    result, _ = timed_run(hostile_cases(), hostile_setup(dripping.url), step_timeout=DRIP_STEP_TIMEOUT)
    assert verdicts(result) == ALL_BROKEN
    assert all("more than the step timeout 0.5 s" in r for r in reasons(result)), reasons(result)


def test_a_slow_drip_is_cut_at_the_step_timeout(dripping: HostileServer) -> None:
    _, took = timed_run(hostile_cases(), hostile_setup(dripping.url), step_timeout=DRIP_STEP_TIMEOUT)
    assert took < 1.5  # the drip lasts 2 s


def test_markup_and_control_characters_are_a_failure(markup: HostileServer) -> None:
    result, _ = run_against(markup)
    assert verdicts(result) == ALL_FAILED
    assert f"expected Busy/InACall, got {MARKUP}/{CONTROL}" in only(result, "robust.set-and-check").reason  # type: ignore[operator]


def test_a_redirect_is_not_followed(redirecting: HostileServer, elsewhere: HostileServer) -> None:
    result, _ = run_against(redirecting)
    assert verdicts(result) == ALL_FAILED
    assert all("expected status 2xx, got 307" in r for r in reasons(result))
    assert elsewhere.seen == []


# ---- the control API misbehaving ------------------------------------------------------------------------


def test_a_clock_that_does_not_move_stops_the_run(serve: Serve) -> None:
    def stuck(handler: HostileHandler) -> None:
        if handler.path == "/_conformance/clock" and handler.command == "POST" and b"advance" in handler.request_body:
            reply(handler, body=json.dumps({"now": "2024-05-01T12:00:00Z", "frozen": True}).encode(), status=200)
        else:
            reply(handler)

    server = serve(stuck, honest_control=False)
    result, took = run_against(server)
    assert result.setup_error is not None and "could not be advanced" in result.setup_error
    assert result.exit_code == 2
    assert verdicts(result)["robust.fade-later"] is Verdict.BROKEN
    assert took < BOUND


def test_a_clock_that_hangs_stops_the_run_within_the_read_timeout(serve: Serve) -> None:
    def hang_on_advance(handler: HostileHandler) -> None:
        if handler.path == "/_conformance/clock" and b"advance" in handler.request_body:
            handler.server.stopping.wait(30)
        else:
            reply(handler)

    result, took = run_against(serve(hang_on_advance, honest_control=False))
    assert result.setup_error is not None and "did not answer within" in result.setup_error
    assert verdicts(result)["robust.fade-later"] is Verdict.BROKEN
    assert took < BOUND


def test_a_dead_real_time_target_does_not_keep_the_run_waiting(refused_url: str) -> None:
    # At 360 target seconds per real second, the fade case's PT6M is 1 s of waiting.
    result, took = timed_run(hostile_cases(), hostile_setup(refused_url, control=False, time_scale=360))
    assert set(verdicts(result).values()) <= {Verdict.BROKEN, Verdict.NOT_VERIFIED}
    assert took < 0.6


# ---- what is written ----------------------------------------------------------------------------------


def test_results_of_a_hostile_run_round_trip_as_json(markup: HostileServer) -> None:
    result, _ = run_against(markup)
    text = json.dumps(result.to_json())
    assert "\x1b" not in text and "\x00" not in text  # escaped by JSON
    again = CampaignResult.from_json(json.loads(text))
    assert again.counts() == result.counts()
    assert again.results[0].reason == result.results[0].reason


def _write_reports(result: CampaignResult, folder: Path) -> dict[str, Path]:
    commands = pytest.importorskip("conformance.report.commands")
    write_run_outputs = getattr(commands, "write_run_outputs", None)
    if write_run_outputs is None:
        pytest.skip("conformance.report.commands.write_run_outputs is not there yet")
    written: dict[str, Path] = write_run_outputs(result.to_json(), folder)
    return written


def test_reports_of_a_hostile_run_are_safe_to_open(markup: HostileServer, tmp_path: Path) -> None:
    result, _ = run_against(markup)
    written = _write_reports(result, tmp_path)
    assert written
    for kind, folder_or_file in written.items():
        files = sorted(folder_or_file.rglob("*")) if folder_or_file.is_dir() else [folder_or_file]
        for path in (f for f in files if f.is_file()):
            text = path.read_text(encoding="utf-8")
            if kind != "allure":  # Allure shows attachments as text, never as markup: markup there is inert
                assert "<script>alert" not in text, kind
                assert "<img src=x" not in text, kind
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), (
                f"{path.name} holds a raw control character"
            )


def test_reports_are_written_for_every_kind_of_broken_answer(serve: Serve, tmp_path: Path) -> None:
    deep = b"[" * 20_000 + b"]" * 20_000
    result, _ = run_against(serve(reads_answer(deep)))
    assert verdicts(result) == ALL_BROKEN
    written = _write_reports(result, tmp_path)
    assert all(path.stat().st_size > 0 for path in written.values() if path.is_file())
    assert any(written["allure"].glob("*-result.json"))


def test_a_huge_wrong_value_does_not_bloat_the_results(serve: Serve) -> None:
    result, _ = run_against(serve(corrupt_reads(lambda item: item.update(availability="A" * 300_000))))
    assert verdicts(result) == ALL_FAILED
    # Each answer is 300 kB; the results file keeps exchanges cut at 16 KiB.
    size = len(json.dumps(result.to_json()))
    assert size < 3 * 300_000, f"the results file holds {size} bytes"
