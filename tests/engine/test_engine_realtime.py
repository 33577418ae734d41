"""Real-time mode: checks near a timer boundary are not verifiable (never flaky), the rest still judged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from engine_helpers import (
    RecordingClock,
    WrappedTarget,
    action,
    check,
    flip_availability,
    in_process,
    make_case,
    set_presence,
)

from conformance.cases.model import ActionKind
from conformance.engine import CampaignResult, ProgressEvent, StepStatus, Verdict, run_campaign
from conformance.engine.realtime import TargetTime
from conformance.targets.setup import TargetSetup
from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile

TOLERANCE = timedelta(seconds=2)


def real_time(setup: TargetSetup, **changes: Any) -> TargetSetup:
    """The in-process target behind a clock that says it cannot control time (its waits are instant)."""
    clock = RecordingClock(setup.clock, controls_time=False)
    return dataclasses.replace(setup, clock=clock, tolerance=TOLERANCE, **changes)


def run(*cases: Any, setup_changes: dict[str, Any] | None = None, **kwargs: Any) -> CampaignResult:
    with in_process(**kwargs) as setup:
        return run_campaign(list(cases), real_time(setup, **(setup_changes or {})))


def test_checks_away_from_timers_are_judged() -> None:
    campaign = run(make_case("calm", set_presence(), check("3m", "Available", "Available")))
    (result,) = campaign.results
    assert campaign.mode == "real-time"
    assert result.verdict is Verdict.PASSED
    assert result.steps[1].sent_offset is not None and abs(result.steps[1].sent_offset - 180) < 1


def test_a_check_on_a_fade_boundary_is_not_verifiable() -> None:
    (result,) = run(make_case("on-boundary", set_presence(), check("5m"))).results
    assert result.verdict is Verdict.NOT_VERIFIED
    assert result.steps[1].status is StepStatus.NOT_VERIFIABLE
    assert result.steps[1].exchanges == ()  # not sent at all
    assert result.reason == (
        "step 1 (line 11, at PT5M) check alice: alice's presence changed by a timer at PT5M, "
        "within the tolerance PT2S before the read at PT5M"
    )


def test_a_check_just_before_a_boundary_is_not_verifiable() -> None:
    (result,) = run(make_case("before-boundary", set_presence(), check("299s"))).results
    assert result.verdict is Verdict.NOT_VERIFIED
    assert "changes by a timer at PT5M, within tolerance PT2S + settle PT0S after the read at PT4M59S" in (
        result.reason or ""
    )


def test_a_check_right_after_a_write_is_verified() -> None:
    # The read goes out after the write was answered (steps of a case run in order), so only timers near
    # the read make it untrustworthy, and there are none here.
    (result,) = run(make_case("right-after", set_presence(), check("1s"))).results
    assert result.verdict is Verdict.PASSED


def test_a_wrong_target_still_fails_away_from_boundaries() -> None:
    with in_process() as setup:
        wrong = real_time(setup, target=WrappedTarget(setup.target, flip_availability))
        (result,) = run_campaign([make_case("calm", set_presence(), check("3m"))], wrong).results
    assert result.verdict is Verdict.FAILED


def test_a_mismatch_after_a_not_verifiable_check_still_fails() -> None:
    case = make_case("mixed", set_presence(), check("5m"), check("7m"))
    with in_process() as setup:
        wrong = real_time(setup, target=WrappedTarget(setup.target, flip_availability))
        (result,) = run_campaign([case], wrong).results
    assert [s.status for s in result.steps] == [StepStatus.OK, StepStatus.NOT_VERIFIABLE, StepStatus.MISMATCH]
    assert result.verdict is Verdict.FAILED


def test_cases_that_require_clock_control_are_not_verified() -> None:
    case = make_case("needs-clock", set_presence(), check("3m"), requires=("clock-control",))
    campaign = run(case)
    (result,) = campaign.results
    assert result.verdict is Verdict.NOT_VERIFIED
    assert result.reason == "the case requires clock-control; the target's clock runs in real time"
    assert campaign.exit_code == 5


def test_a_clear_at_the_expiry_instant_has_an_unverifiable_status() -> None:
    # The target thinks a session is still there at exactly its expiry (exclusive boundary); the
    # oracle (inclusive) says it is gone. In real time either answer may be right, so no verdict.
    case = make_case(
        "clear-at-expiry",
        set_presence(duration="PT5M"),
        action(ActionKind.CLEAR_PRESENCE, "5m", user="alice", session_id_of="app"),
        clauses=("CLEAR-NOT-FOUND",),
    )
    campaign = run(case, target_profile=Profile(boundary=Boundary.EXCLUSIVE), profile=DEFAULT_PROFILE)
    (result,) = campaign.results
    assert result.steps[1].status is StepStatus.NOT_VERIFIABLE
    assert "within the tolerance PT2S of the clear at PT5M" in (result.steps[1].message or "")
    assert result.steps[1].exchanges  # it was sent: later steps depend on the state it leaves
    assert result.verdict is Verdict.NOT_VERIFIED


class _LateClock(RecordingClock):
    """A real-time clock that reports the target running 10 s behind the schedule."""

    def current(self) -> datetime:
        return super().current() + timedelta(seconds=10)


def test_requests_sent_late_make_reads_not_verifiable() -> None:
    with in_process() as setup:
        late = dataclasses.replace(setup, clock=_LateClock(setup.clock, controls_time=False), tolerance=TOLERANCE)
        (result,) = run_campaign([make_case("late", set_presence(), check("3m"))], late).results
    assert result.verdict is Verdict.NOT_VERIFIED
    assert "PT10S late, more than the tolerance PT2S" in (result.reason or "")


def test_real_time_progress_announces_waits() -> None:
    events: list[ProgressEvent] = []
    with in_process() as setup:
        run_campaign([make_case("calm", set_presence(), check("3m"))], real_time(setup), progress=events.append)
    waiting = [e for e in events if e.kind == "waiting"]
    assert [(e.offset, e.next_offset) for e in waiting] == [(timedelta(0), timedelta(minutes=3))]


class _FakeDriver:
    """A real-time driver whose reported time the test sets."""

    controls_time = False
    time_scale = 1.0

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def current(self) -> datetime:
        return self.now


def test_a_real_time_wave_starts_where_the_targets_clock_is() -> None:
    driver = _FakeDriver()
    time = TargetTime(driver)  # type: ignore[arg-type]
    time.start(driver.now)
    time.start_wave(real_time=True)
    assert time.delta_to(timedelta(seconds=10)) == timedelta(seconds=10)
    driver.now += timedelta(seconds=10)
    time.moved(timedelta(seconds=10), driver.now)
    driver.now += timedelta(seconds=3)  # preparing the next wave took 3 s
    time.start_wave(real_time=True)
    assert time.offset() == timedelta(0)
    assert time.delta_to(timedelta(seconds=5)) == timedelta(seconds=8)
    driver.now += timedelta(seconds=1)
    assert time.offset() == timedelta(seconds=1)
    # Under clock control the wave starts where the driver was moved to; nothing is measured.
    time.start_wave(real_time=False)
    assert time.delta_to(timedelta(seconds=5)) == timedelta(seconds=5)
