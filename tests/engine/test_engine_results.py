"""The results file: its shape, its round trip, redaction, and what the exit code says."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from engine_helpers import WrappedTarget, action, check, in_process, make_case, set_presence, simple_case

from conformance.cases.model import ActionKind, AuthMode, Expectation, StatusExpectation
from conformance.engine import (
    RESULTS_SCHEMA_VERSION,
    CampaignResult,
    CaseResult,
    StepStatus,
    Verdict,
    run_campaign,
)
from conformance.engine.exchanges import record_exchange, redact_headers
from conformance.targets.base import HttpRequest, HttpResponse


def _campaign() -> CampaignResult:
    cases = [
        simple_case("fine"),
        make_case("batch", set_presence(), action(ActionKind.GET_PRESENCES_BY_USER_ID, users=("alice",), extra_ids=2)),
    ]
    with in_process() as setup:
        return run_campaign(cases, setup)


def test_the_results_file_is_plain_json_and_reads_back_the_same() -> None:
    campaign = _campaign()
    document = campaign.to_json()
    text = json.dumps(document)
    again = CampaignResult.from_json(json.loads(text))
    assert again == campaign
    assert again.to_json() == document


def test_the_results_file_names_its_versions_target_and_counts() -> None:
    document = _campaign().to_json()
    assert document["schema_version"] == RESULTS_SCHEMA_VERSION == "1.0"
    assert document["suite"]["name"] == "presence-conformance"
    assert isinstance(document["suite"]["version"], str)
    assert isinstance(document["clauses_version"], int) and document["clauses_version"] >= 1
    assert document["target"] == "in-process reference service"
    assert document["mode"] == "clock-control"
    assert document["profile"]["write_status"] == 200
    assert document["counts"] == {"passed": 2, "failed": 0, "deviated": 0, "broken": 0, "not-verified": 0}
    assert document["exit_code"] == 0
    assert datetime.fromisoformat(document["started_at"]).tzinfo is not None
    case = document["cases"][1]
    assert set(case) >= {"id", "title", "path", "line", "clauses", "tags", "kind", "verdict", "reason", "steps"}
    step = case["steps"][1]
    assert step["expected"]["presences"]["alice"] == {"availability": "Available", "activity": "Available"}
    assert len(step["expected"]["presences"]) == 3  # alice and two fresh ids, all Offline but her
    exchange = step["exchanges"][0]
    assert exchange["method"] == "POST"
    assert exchange["path"] == "/v1.0/communications/getPresencesByUserId"
    assert json.loads(exchange["request_body"])["ids"][0] == case["bindings"]["user:alice"]
    assert exchange["status"] == 200


def test_authorization_never_reaches_the_results() -> None:
    with in_process() as setup:
        target = WrappedTarget(setup.target, lambda _, response: response)
        campaign = run_campaign([simple_case()], dataclasses.replace(setup, target=target))
    tokens = {r.headers["Authorization"].split(" ", 1)[1] for r in target.requests}
    text = json.dumps(campaign.to_json())
    assert tokens and not any(token in text for token in tokens)
    for step in campaign.results[0].steps:
        for exchange in step.exchanges:
            assert exchange.request_headers["Authorization"] == "Bearer <redacted>"


def test_redaction_covers_cookies_and_odd_schemes() -> None:
    headers = {"authorization": "Basic dXNlcjpwdw==", "Cookie": "a=b", "X-Other": "kept", "Proxy-Authorization": "x"}
    assert redact_headers(headers) == {
        "authorization": "Basic <redacted>",
        "Cookie": "<redacted>",
        "X-Other": "kept",
        "Proxy-Authorization": "<redacted>",
    }


def test_exchanges_cut_long_bodies_and_decode_leniently() -> None:
    request = HttpRequest("POST", "/x", {"Authorization": "Bearer t"}, b"a" * 5000)
    response = HttpResponse(200, {"Set-Cookie": "s=1"}, b"\xff" + b"b" * 20000, elapsed=0.5)
    exchange = record_exchange(request, response, sent_at=1.25)
    assert exchange.request_body is not None and exchange.request_body.startswith("a" * 4096)
    assert exchange.request_body.endswith("… [904 more bytes]")
    assert exchange.response_body is not None and exchange.response_body.startswith("\ufffd")
    assert exchange.response_body.endswith(f"… [{20001 - 16384} more bytes]")
    assert exchange.response_headers == {"Set-Cookie": "<redacted>"}
    assert (exchange.elapsed, exchange.sent_at) == (0.5, 1.25)


def _result(verdict: Verdict) -> CaseResult:
    return CaseResult(
        case_id=f"c-{verdict}",
        title="t",
        path="p.presence.yaml",
        line=1,
        clauses=("AGG-SESSIONS",),
        tags=(),
        kind="documented",
        verdict=verdict,
        reason=None if verdict is Verdict.PASSED else "why",
        steps=(),
    )


def _run(*verdicts: Verdict, setup_error: str | None = None) -> CampaignResult:
    return CampaignResult(
        results=tuple(_result(v) for v in verdicts),
        target="t",
        profile={},
        started_at=datetime(2024, 5, 1, tzinfo=UTC),
        wall_time=0.0,
        mode="clock-control",
        setup_error=setup_error,
    )


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        ((), 5),
        ((Verdict.PASSED,), 0),
        ((Verdict.PASSED, Verdict.DEVIATED, Verdict.NOT_VERIFIED), 0),
        ((Verdict.DEVIATED,), 0),
        ((Verdict.PASSED, Verdict.BROKEN), 0),
        ((Verdict.PASSED, Verdict.FAILED, Verdict.BROKEN), 1),
        ((Verdict.FAILED,), 1),
        ((Verdict.BROKEN, Verdict.BROKEN), 2),
        ((Verdict.BROKEN, Verdict.NOT_VERIFIED), 2),
        ((Verdict.NOT_VERIFIED,), 5),
    ],
)
def test_exit_codes(verdicts: tuple[Verdict, ...], code: int) -> None:
    assert _run(*verdicts).exit_code == code


def test_a_setup_error_breaks_the_run_whatever_the_verdicts() -> None:
    assert _run(Verdict.PASSED, setup_error="the clock stopped").exit_code == 2


def test_step_results_keep_expected_and_observed_for_errors() -> None:
    case = make_case(
        "no-token",
        set_presence(auth=AuthMode.NONE, expect=Expectation(status=StatusExpectation("4xx"), graph_error=True)),
        check("0", "Offline", "Offline"),
        clauses=("AUTH-TOKEN",),
    )
    with in_process() as setup:
        (result,) = run_campaign([case], setup).results
    assert result.verdict is Verdict.PASSED
    write = result.steps[0]
    assert write.status is StepStatus.OK
    assert write.expected is not None and write.expected["status"] == "4xx"
    assert write.expected["graph_error"] is True
    assert write.expected["oracle_error"]["code"] == "InvalidAuthenticationToken"
    assert write.observed is not None and write.observed["error"]["code"] == "InvalidAuthenticationToken"
    assert "Authorization" not in write.exchanges[0].request_headers


def test_durations_are_seconds_in_the_file() -> None:
    case = make_case("later", set_presence(), check("90s"))
    with in_process() as setup:
        document = run_campaign([case], setup).to_json()
    assert [s["at"] for s in document["cases"][0]["steps"]] == [0.0, 90.0]
    assert document["cases"][0]["steps"][1]["sent_offset"] == 90.0
    assert timedelta(seconds=document["cases"][0]["steps"][1]["at"]) == timedelta(seconds=90)
