"""The shared timeline: cases interleave, time moves once per instant, waves for small user pools."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from engine_helpers import RecordingClock, WrappedTarget, at, check, in_process, make_case, set_presence, simple_case

from conformance.engine import CampaignOptions, ProgressEvent, Verdict, run_campaign
from conformance.engine.timeline import plan_waves
from conformance.targets.base import HttpRequest, HttpResponse


def test_cases_share_one_timeline_and_take_the_longest_not_the_sum() -> None:
    short = make_case(
        "short", set_presence(duration="PT1H"), check("6m", "Available", "AvailableInactive"), check("11m", "Away")
    )
    long = make_case("long", set_presence(duration="PT4H"), check("3h", "Away", "Away"), check("4h", "Offline"))
    with in_process() as setup:
        clock = RecordingClock(setup.clock)
        target = WrappedTarget(setup.target, lambda _, response: response)
        campaign = run_campaign([short, long], dataclasses.replace(setup, clock=clock, target=target))
    assert [r.verdict for r in campaign.results] == [Verdict.PASSED, Verdict.PASSED]
    assert clock.advanced == at("4h")
    assert [d for name, d in clock.calls if name == "advance"] == [at("6m"), at("5m"), at("169m"), at("1h")]
    assert clock.calls[0] == ("start", None) and clock.calls[-1] == ("finish", None)
    # The two cases' writes both went out at offset 0, before any clock move.
    writes = [r for r in target.requests if r.path.endswith("/setPresence")]
    assert len(writes) == 2


def test_progress_reports_instants_and_finished_cases_in_order() -> None:
    events: list[ProgressEvent] = []
    cases = [make_case("a", set_presence(), check("5m")), make_case("b", set_presence(), check("1m"))]
    with in_process() as setup:
        run_campaign(cases, setup, progress=events.append)
    kinds = [(e.kind, e.offset, e.cases_left) for e in events]
    assert kinds == [
        ("instant", timedelta(0), 2),
        ("instant", at("1m"), 2),
        ("case-finished", at("1m"), 1),
        ("instant", at("5m"), 1),
        ("case-finished", at("5m"), 0),
    ]
    assert events[0].next_offset == at("1m")
    assert events[2].last is not None and events[2].last.case_id == "b"
    assert all(e.total == 2 for e in events)


def test_steps_of_one_instant_run_in_order_within_a_case() -> None:
    case = make_case(
        "same-instant",
        set_presence("1m", "Busy", "InACall"),
        set_presence("1m", "DoNotDisturb", "Presenting"),
        check("1m", "DoNotDisturb", "Presenting"),
    )
    with in_process() as setup:
        result = run_campaign([case] * 1 + [simple_case()], setup, CampaignOptions(max_workers=4)).results[0]
    assert result.verdict is Verdict.PASSED


def test_each_case_gets_its_own_fresh_users() -> None:
    with in_process() as setup:
        target = WrappedTarget(setup.target, lambda _, response: response)
        campaign = run_campaign([simple_case("one"), simple_case("two")], dataclasses.replace(setup, target=target))
    users = {r.bindings["user:alice"] for r in campaign.results}
    assert len(users) == 2
    assert all(r.verdict is Verdict.PASSED for r in campaign.results)


def test_a_small_user_pool_runs_cases_in_waves_and_clears_users_between_them() -> None:
    pool = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")
    two_users = make_case(
        "two-users", set_presence(), set_presence(user="bob"), check(user="bob"), users=("alice", "bob")
    )
    # The second case checks that its user starts from nothing, although a first-wave case set it.
    fresh = make_case("fresh", check("0", "Offline", "Offline"), set_presence(), check("0", "Available"))
    too_big = make_case("too-big", set_presence(), users=("alice", "bob", "carol"))
    with in_process() as setup:
        clock = RecordingClock(setup.clock)
        target = WrappedTarget(setup.target, lambda _, response: response)
        pooled = dataclasses.replace(setup, user_pool=pool, clock=clock, target=target)
        campaign = run_campaign([two_users, fresh, too_big], pooled)
    first, second, third = campaign.results
    assert (first.verdict, first.wave) == (Verdict.PASSED, 0)
    assert (second.verdict, second.wave) == (Verdict.PASSED, 1)
    assert second.bindings["user:alice"] in pool
    assert third.verdict is Verdict.NOT_VERIFIED
    assert third.reason == "the case needs 3 distinct users; the user pool holds 2"
    cleared = [r.path for r in target.requests if r.path.endswith(("/clearPresence", "/clearUserPreferredPresence"))]
    assert cleared, "pool users are cleared before each wave"
    assert [name for name, _ in clock.calls].count("start") == 1


def test_waves_are_first_fit_in_case_order() -> None:
    one = make_case("one", set_presence())
    two = make_case("two", set_presence(), users=("alice", "bob"))
    waves, unplaced = plan_waves([two, one, two, one], ("u1", "u2", "u3"))
    assert [[slot.index for slot in wave.slots] for wave in waves] == [[0, 1], [2, 3]]
    assert unplaced == {}
    assert waves[0].pool_users == ("u1", "u2", "u3")


def test_a_clock_that_fails_breaks_the_run_and_is_still_finished() -> None:
    with in_process() as setup:
        clock = RecordingClock(setup.clock, fail_advance=True)
        cases = [make_case("later", set_presence(), check("5m")), simple_case()]
        campaign = run_campaign(cases, dataclasses.replace(setup, clock=clock))
    later, simple = campaign.results
    assert simple.verdict is Verdict.PASSED  # it finished at offset 0, before the clock had to move
    assert later.verdict is Verdict.BROKEN
    assert "the control API went away (test)" in (later.reason or "")
    assert campaign.setup_error is not None
    assert campaign.exit_code == 2
    assert clock.calls[-1] == ("finish", None)


def test_a_lagging_target_is_polled_until_it_settles() -> None:
    stale = {"left": 3}

    def lagging(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # The first reads after the write still show the old presence.
        if request.method == "GET" and stale["left"] > 0:
            stale["left"] -= 1
            return dataclasses.replace(response, body=response.body.replace(b'"Available"', b'"Offline"'))
        return response

    options = CampaignOptions(settle=timedelta(seconds=2), poll_interval=timedelta(milliseconds=5))
    with in_process() as setup:
        target = WrappedTarget(setup.target, lagging)
        result = run_campaign([simple_case()], dataclasses.replace(setup, target=target), options).results[0]
    assert result.verdict is Verdict.PASSED
    read = result.steps[1]
    assert read.settle_time is not None and read.settle_time > 0
    assert len(read.exchanges) == 2  # the first and the last read are kept
    assert len([r for r in target.requests if r.method == "GET"]) == 4


def test_without_settle_a_lagging_target_fails() -> None:
    def lagging(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method == "GET":
            return dataclasses.replace(response, body=response.body.replace(b'"Available"', b'"Offline"'))
        return response

    options = CampaignOptions(settle=timedelta(milliseconds=30), poll_interval=timedelta(milliseconds=5))
    with in_process() as setup:
        target = WrappedTarget(setup.target, lagging)
        result = run_campaign([simple_case()], dataclasses.replace(setup, target=target), options).results[0]
    assert result.verdict is Verdict.FAILED
    assert "expected Available/Available, got Offline/Offline (still after" in (result.reason or "")
    assert result.steps[1].settle_time is None


def test_an_empty_campaign_ran_nothing() -> None:
    with in_process() as setup:
        clock = RecordingClock(setup.clock)
        campaign = run_campaign([], dataclasses.replace(setup, clock=clock))
    assert campaign.results == ()
    assert campaign.exit_code == 5
    assert clock.calls == []
