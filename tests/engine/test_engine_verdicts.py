"""Verdicts: passed, failed, deviated, broken and not verified, each from its own kind of cause."""

from __future__ import annotations

import dataclasses

import pytest
from engine_helpers import (
    RefusingAuth,
    WrappedTarget,
    action,
    check,
    flip_availability,
    garbage_reads,
    in_process,
    make_case,
    refuse_everything,
    set_presence,
    simple_case,
)

from conformance.cases.model import ActionKind, AppSpec
from conformance.engine import CaseResult, StepStatus, Verdict, run_campaign
from conformance.errors import ConformanceFailure, InterpretationDeviation, NotVerifiable, TargetError
from conformance.targets.base import HttpRequest, HttpResponse
from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile


def only(results: tuple[CaseResult, ...]) -> CaseResult:
    (result,) = results
    return result


def test_a_conformant_target_passes() -> None:
    with in_process() as setup:
        campaign = run_campaign([simple_case()], setup)
    result = only(campaign.results)
    assert result.verdict is Verdict.PASSED
    assert result.reason is None
    assert [s.status for s in result.steps] == [StepStatus.OK, StepStatus.OK]
    # No status written: compared by class, so a documented-compatible 204 passes too.
    assert result.steps[0].expected == {"status": "2xx"}
    assert result.steps[1].expected == {
        "status": "2xx",
        "presence": {"availability": "Available", "activity": "Available"},
    }
    assert result.steps[1].observed == {
        "status": 200,
        "presence": {"availability": "Available", "activity": "Available"},
    }
    assert result.steps[1].settle_time == 0.0
    assert campaign.exit_code == 0
    result.raise_for_verdict()  # passed: nothing raised


def test_a_wrong_target_fails_naming_step_and_clause() -> None:
    with in_process() as setup:
        wrong = dataclasses.replace(setup, target=WrappedTarget(setup.target, flip_availability))
        campaign = run_campaign([simple_case(clauses=("AGG-SESSIONS",))], wrong)
    result = only(campaign.results)
    assert result.verdict is Verdict.FAILED
    assert result.kind == "documented"
    assert result.clauses == ("AGG-SESSIONS",)
    assert result.reason == ("step 1 (line 11, at PT0S) check alice: expected Available/Available, got Busy/Available")
    assert result.steps[1].status is StepStatus.MISMATCH
    assert result.steps[1].observed == {"status": 200, "presence": {"availability": "Busy", "activity": "Available"}}
    assert campaign.exit_code == 1
    with pytest.raises(ConformanceFailure, match="check alice: expected Available/Available, got Busy/Available"):
        result.raise_for_verdict()


def test_a_failed_case_stops_and_skips_the_rest() -> None:
    case = make_case(
        "stops",
        set_presence(),
        check("0", "Available", "Available"),
        set_presence("1m", "Busy", "InACall"),
        check("1m"),
    )
    with in_process() as setup:
        wrong = dataclasses.replace(setup, target=WrappedTarget(setup.target, flip_availability))
        result = only(run_campaign([case], wrong).results)
    assert [s.status for s in result.steps] == [
        StepStatus.OK,
        StepStatus.MISMATCH,
        StepStatus.SKIPPED,
        StepStatus.SKIPPED,
    ]
    assert result.steps[2].message == "not run: the case stopped at step 1"


def test_another_interpretation_is_a_deviation_and_a_documented_difference_a_failure() -> None:
    # The target answers 204 to writes (Graph's metadata) but declares the default profile (200).
    interpretation = make_case("write-status", set_presence(status="200"), clauses=("INT-WRITE-STATUS", "SET-SUCCESS"))
    documented = make_case("set-success", set_presence(status="200"), clauses=("SET-SUCCESS",))
    with in_process(Profile(write_status=204), profile=DEFAULT_PROFILE) as setup:
        campaign = run_campaign([interpretation, documented], setup)
    deviated, failed = campaign.results
    assert (deviated.verdict, deviated.kind) == (Verdict.DEVIATED, "interpretation")
    assert (failed.verdict, failed.kind) == (Verdict.FAILED, "documented")
    assert deviated.reason == "step 0 (line 10, at PT0S) setPresence by app for alice: expected status 200, got 204"
    assert campaign.exit_code == 1
    with pytest.raises(InterpretationDeviation):
        deviated.raise_for_verdict()


def test_a_declared_profile_makes_the_oracle_predict_the_alternative() -> None:
    # The same 204 target, now declaring write_status=204: the oracle expects 204 and the case passes
    # even though its hand-written status is 200 (a written status narrows; the oracle sets the value).
    case = make_case("write-status", set_presence(status="200"), clauses=("INT-WRITE-STATUS",))
    with in_process(Profile(write_status=204)) as setup:
        result = only(run_campaign([case], setup).results)
    assert result.verdict is Verdict.PASSED
    assert result.steps[0].expected == {"status": 204}


def test_boundary_interpretation_deviates_at_the_exact_instant() -> None:
    case = make_case(
        "fade-boundary",
        set_presence(duration="PT1H"),
        check("5m", "Available", "AvailableInactive"),
        clauses=("FADE-FIRST", "INT-BOUNDARY-INCLUSIVE"),
    )
    with in_process(Profile(boundary=Boundary.EXCLUSIVE), profile=DEFAULT_PROFILE) as setup:
        result = only(run_campaign([case], setup).results)
    assert result.verdict is Verdict.DEVIATED
    assert "expected Available/AvailableInactive, got Available/Available" in (result.reason or "")


def test_a_refusing_target_is_broken_not_failed() -> None:
    with in_process() as setup:
        down = dataclasses.replace(setup, target=WrappedTarget(setup.target, refuse_everything))
        campaign = run_campaign([simple_case()], down)
    result = only(campaign.results)
    assert result.verdict is Verdict.BROKEN
    assert "connection refused (test)" in (result.reason or "")
    assert result.steps[0].status is StepStatus.BROKEN
    assert result.steps[0].exchanges[0].status is None
    assert result.steps[0].exchanges[0].error == "connection refused (test)"
    assert result.steps[1].status is StepStatus.SKIPPED
    assert campaign.exit_code == 2  # nothing verified, something broken: the run is broken
    with pytest.raises(TargetError):
        result.raise_for_verdict()


def test_garbage_where_a_presence_is_needed_is_broken() -> None:
    with in_process() as setup:
        garbled = dataclasses.replace(setup, target=WrappedTarget(setup.target, garbage_reads))
        result = only(run_campaign([simple_case()], garbled).results)
    assert result.verdict is Verdict.BROKEN
    assert "not a presence" in (result.reason or "")


def test_an_app_the_auth_provider_lacks_makes_the_case_not_verified() -> None:
    apps = {"app": AppSpec("app"), "reader": AppSpec("reader", roles=("Presence.Read.All",))}
    case = make_case(
        "needs-reader", set_presence(), action(ActionKind.GET_PRESENCE, app="reader", user="alice"), apps=apps
    )
    with in_process() as setup:
        auth = RefusingAuth(setup.auth, "Presence.Read.All")
        campaign = run_campaign([case], dataclasses.replace(setup, auth=auth))
    result = only(campaign.results)
    assert result.verdict is Verdict.NOT_VERIFIED
    assert result.reason == "no app with Presence.Read.All in the test pool"
    assert all(s.status is StepStatus.SKIPPED for s in result.steps)
    assert campaign.exit_code == 5  # nothing verified, nothing broken
    with pytest.raises(NotVerifiable):
        result.raise_for_verdict()


def test_checks_fall_back_to_a_read_write_observer() -> None:
    with in_process() as setup:
        auth = RefusingAuth(setup.auth, "Presence.Read.All")
        result = only(run_campaign([simple_case()], dataclasses.replace(setup, auth=auth)).results)
    assert result.verdict is Verdict.PASSED
    observers = [a for a in auth.asked if a.name == "observer"]
    assert [a.roles for a in observers][-1] == ("Presence.ReadWrite.All",)


def test_one_broken_case_among_verified_ones_does_not_break_the_run() -> None:
    def refuse_batches(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.endswith("/getPresencesByUserId"):
            raise TargetError("timed out (test)")
        return response

    batch = make_case(
        "batch", set_presence(), action(ActionKind.GET_PRESENCES_BY_USER_ID, users=("alice",), extra_ids=1)
    )
    with in_process() as setup:
        target = WrappedTarget(setup.target, refuse_batches)
        campaign = run_campaign([simple_case(), batch], dataclasses.replace(setup, target=target))
    assert [r.verdict for r in campaign.results] == [Verdict.PASSED, Verdict.BROKEN]
    assert campaign.counts() == {"passed": 1, "failed": 0, "deviated": 0, "broken": 1, "not-verified": 0}
    assert campaign.exit_code == 0
