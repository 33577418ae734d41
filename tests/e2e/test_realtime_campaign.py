"""The real-time path end to end: the reference server's clock runs 600 times faster than the wall clock,
its test-control API is off, and the engine waits instead of jumping.

What must hold (the shared timeline at work): the campaign takes about as long as its longest case
divided by the scale, not the sum of the cases; and every check is either verified or reported not
verifiable — nothing fails, nothing is broken.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.cases import load_cases
from conformance.engine import Verdict, run_campaign
from conformance.targets.setup import open_target
from reference_impl.server.runner import RunningServer, serve_in_thread
from reference_impl.service.clock import ServiceClock
from reference_impl.service.service import PresenceService, ServiceConfig

SCALE = 600
# Cases up to an hour long: 6 s of real time at 600x, long enough to cross every fade and most expiries.
LONGEST = timedelta(hours=1)


@pytest.fixture(scope="module")
def fast_server() -> Iterator[RunningServer]:
    service = PresenceService(ServiceConfig(control_enabled=False), ServiceClock(time_scale=SCALE))
    with serve_in_thread(service) as server:
        yield server


def test_a_real_time_campaign_takes_its_longest_case_and_never_fails_the_reference(
    fast_server: RunningServer, tmp_path: Path
) -> None:
    config = tmp_path / "fast.yaml"
    config.write_text(
        f"base_url: {fast_server.url}\nclock: real-time\ntime_scale: {SCALE}\ntolerance: PT1M\n", encoding="utf-8"
    )
    cases = [case for case in load_cases(None) if case.duration <= LONGEST]
    longest = max(case.duration for case in cases)
    setup = open_target(config=config)
    try:
        assert not setup.clock.controls_time
        started = time.monotonic()
        result = run_campaign(cases, setup)
        wall = time.monotonic() - started
    finally:
        setup.close()
    counts = result.counts()
    assert counts.get(Verdict.FAILED, 0) == 0 and counts.get(Verdict.BROKEN, 0) == 0, [
        (r.case_id, r.reason) for r in result.results if r.verdict in (Verdict.FAILED, Verdict.BROKEN)
    ]
    assert counts.get(Verdict.PASSED, 0) >= len(cases) // 2, counts
    for case in result.results:
        if case.verdict is Verdict.NOT_VERIFIED:
            assert case.reason, case.case_id
    # About the longest case at 600x (plus the staggered starts), far below the sum of all cases.
    floor = longest.total_seconds() / SCALE
    total = sum(case.duration.total_seconds() for case in cases) / SCALE
    assert floor <= wall < floor * 2 + 10, (wall, floor)
    assert wall < total / 3, (wall, total)
