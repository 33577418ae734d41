"""The timeline picture: lanes replayed from the recorded requests, checks against observations, safe SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from report_helpers import (
    HOSTILE,
    case,
    check_step,
    clear_step,
    exchange,
    fade_case,
    set_step,
    skipped_step,
)

from conformance.engine import CampaignResult
from conformance.engine.results import StepResult, StepStatus, Verdict
from conformance.report.timeline_svg import Segment, build_timeline, case_timeline_svg, offset_label, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def _spans(segments: Sequence[Segment]) -> list[tuple[float, float, str, str]]:
    return [(s.start, s.end, s.state, s.label) for s in segments]


def test_session_lane_shows_the_fade_from_the_model() -> None:
    timeline = build_timeline(fade_case(), {"boundary": "inclusive"})
    assert timeline is not None
    session, expected, observed = timeline.lanes
    assert (session.kind, session.label, expected.kind, observed.kind) == ("session", "teams", "expected", "observed")
    assert _spans(session.segments) == [
        (0.0, 300, "set", "Available/Available"),
        (300, 360.0, "inactive", "Available/AvailableInactive"),
    ]
    assert session.segments[-1].until == "+10m (fade)"
    assert [(m.at, m.ok) for m in expected.markers] == [(299, True), (300, True)]
    assert timeline.stopped_at is None


def test_a_mismatch_is_marked_and_drawn_highlighted() -> None:
    failed = fade_case(Verdict.FAILED, case_id="fade.first.bad")
    timeline = build_timeline(failed, {})
    assert timeline is not None
    observed = timeline.lanes[-1]
    assert [(m.at, m.ok, m.observed) for m in observed.markers] == [
        (299, True, "Available/Available"),
        (300, False, "Available/Available"),
    ]
    svg = render_svg(timeline)
    assert 'class="hl"' in svg and "saw Available/Available" in svg
    ET.fromstring(svg)


def test_exclusive_boundary_profile_moves_the_fade_after_its_instant() -> None:
    steps = [set_step(0, 0), check_step(1, 300, ("Available", "Available"))]
    timeline = build_timeline(case(steps=steps), {"boundary": "exclusive"})
    assert timeline is not None
    # at exactly +5m the session has not faded yet, so the check's expectation agrees with the lane
    session = timeline.lanes[0]
    assert session.segments[0].state == "set"
    assert all(m.ok for m in timeline.lanes[1].markers)


def test_cleared_expired_and_two_sessions_with_their_aggregate() -> None:
    steps = [
        set_step(0, 0, "Busy", "InACall", duration="PT5M"),
        set_step(1, 0, "Away", "Away", app="outlook", duration="PT1H"),
        clear_step(2, 60, app="outlook"),
        check_step(3, 400, ("Offline", "Offline")),
    ]
    timeline = build_timeline(case(steps=steps), {})
    assert timeline is not None
    lanes = {lane.label: lane for lane in timeline.lanes}
    assert [s.state for s in lanes["teams"].segments] == ["set", "expired"]
    assert lanes["teams"].segments[0].end == 300
    assert [s.state for s in lanes["outlook"].segments] == ["set", "cleared"]
    assert [s.label for s in lanes["expected"].segments] == ["Busy/InACall", "Offline/Offline"]


def test_refused_and_unparseable_writes_change_nothing() -> None:
    refused = set_step(0, 0, "Busy", "Available", expected_status=400, observed_status=400)
    garbage = StepResult(
        index=1,
        line=12,
        at=set_step(1, 1).at,
        description="setPresence by teams for alice",
        status=StepStatus.OK,
        expected={"status": 400},
        observed={"status": 400},
        exchanges=(exchange("POST", set_step(1, 1).exchanges[0].path, request_body="{not json"),),
    )
    steps = [refused, garbage, check_step(2, 2, ("Offline", "Offline"))]
    timeline = build_timeline(case(steps=steps), {})
    assert timeline is not None
    lanes = {lane.label: lane for lane in timeline.lanes}
    assert lanes["teams"].segments == [] and [m.accepted for m in lanes["teams"].markers] == [False]
    assert lanes["session ?"].segments == [] and len(lanes["session ?"].markers) == 1  # no sessionId sent
    assert [s.label for s in lanes["expected"].segments] == ["Offline/Offline"]


def test_preferred_presence_has_its_own_lane() -> None:
    body = {"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT10M"}
    preferred = StepResult(
        index=1,
        line=12,
        at=set_step(1, 60).at,
        description="setUserPreferredPresence by teams for alice",
        status=StepStatus.OK,
        expected={"status": "2xx"},
        observed={"status": 200},
        exchanges=(
            exchange(
                "POST",
                set_step(0, 0).exchanges[0].path.replace("setPresence", "setUserPreferredPresence"),
                request_body=body,
            ),
        ),
        sent_offset=60,
    )
    steps = [set_step(0, 0, "Busy", "InACall"), preferred, check_step(2, 120, ("DoNotDisturb", "DoNotDisturb"))]
    timeline = build_timeline(case(steps=steps), {})
    assert timeline is not None
    lanes = {lane.kind: lane for lane in timeline.lanes}
    assert [s.label for s in lanes["preferred"].segments] == ["DoNotDisturb/DoNotDisturb"]
    assert lanes["preferred"].segments[0].start == 60
    assert [s.label for s in lanes["expected"].segments] == ["Busy/InACall", "DoNotDisturb/DoNotDisturb"]


def test_a_stopped_case_ends_its_lanes_where_it_stopped() -> None:
    steps = [
        set_step(0, 0, observed_status=204, status=StepStatus.MISMATCH, message="expected status 200, got 204"),
        skipped_step(1, 600),
    ]
    timeline = build_timeline(case(verdict=Verdict.FAILED, steps=steps), {})
    assert timeline is not None
    assert timeline.stopped_at == 0.0 and timeline.end == 600
    assert all(s.end <= 0.0 or s.start == 0 for lane in timeline.lanes for s in lane.segments)
    assert "stop" in render_svg(timeline)


def test_nothing_to_draw_gives_no_picture() -> None:
    assert build_timeline(case(steps=[]), {}) is None
    assert case_timeline_svg(case(steps=[skipped_step(0, 0)]), {}) == ""


def test_hostile_values_are_escaped_in_the_svg() -> None:
    steps = [set_step(0, 0), check_step(1, 10, ("Available", "Available"), (HOSTILE, HOSTILE * 3))]
    svg = case_timeline_svg(case(verdict=Verdict.FAILED, steps=steps, case_id="x.y"), {}, standalone=True)
    assert "<script" not in svg and "<img" not in svg and "\x07" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}style") is not None


def test_every_real_case_draws_well_formed_svg(
    passing_results: CampaignResult, failing_results: CampaignResult
) -> None:
    drawn = 0
    for result in (passing_results, failing_results):
        for case_result in result.results:
            svg = case_timeline_svg(case_result, result.profile)
            if svg:
                ET.fromstring(svg)
                drawn += 1
    assert drawn > len(passing_results.results)


def test_real_checks_agree_with_the_replayed_lanes(corpus_results: CampaignResult) -> None:
    """On a passing run of the whole corpus, the replayed aggregate shows what every check expected."""
    compared = 0
    for case_result in corpus_results.results:
        timeline = build_timeline(case_result, corpus_results.profile)
        for lane in timeline.lanes if timeline is not None else ():
            if lane.kind != "expected":
                continue
            for marker in lane.markers:
                want = (case_result.steps[marker.step].expected or {}).get("presence")
                if not isinstance(want, dict) or set(want) != {"availability", "activity"}:
                    continue
                shown = next(s.label for s in lane.segments if s.start <= marker.at < s.end)
                assert shown == f"{want['availability']}/{want['activity']}", (case_result.case_id, marker.at)
                compared += 1
    assert compared > 200


def test_offset_labels() -> None:
    assert [offset_label(s) for s in (0, 1, 60, 330, 3600, 14401, 1.5)] == [
        "0s",
        "+1s",
        "+1m",
        "+5m30s",
        "+1h",
        "+4h0m1s",
        "+1.5s",
    ]
