"""Real-time mode: a campaign takes about as long as its longest case, not the sum of its cases.

The reference server runs without its test-control API and with a clock 600 times faster than real
time (``presence-conformance serve --no-control --time-scale 600``), in a thread of this process. The
suite is pointed at it as at any real-time target (``clock: real-time``, ``time_scale: 600``,
``tolerance: PT30S`` as docs/targets.md suggests), so it waits out every instant of the shared timeline.

The figure is campaign wall time ÷ (longest case that runs ÷ time scale): 1 would be a campaign that
costs nothing beyond waiting for its longest case. Cases that need clock control are not verified in
real time (and do not run); checks too close to a timer boundary are reported not verified.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_realtime.py [--time-scale 600] [--tolerance PT30S]
"""

from __future__ import annotations

import argparse
import sys

import _common

from conformance.cases import Case, Requirement, load_cases
from conformance.engine import CampaignOptions, CampaignResult, ProgressEvent, run_campaign
from conformance.targets.setup import open_target
from reference_impl.model import format_duration
from reference_impl.server import serve_in_thread
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig


def run(cases: list[Case], scale: float, tolerance: str) -> tuple[CampaignResult, float, int]:
    """The corpus against a fresh reference at ``scale`` without control API; result, wall time, instants."""
    service = PresenceService(ServiceConfig(control_enabled=False), ServiceClock(time_scale=scale))
    environ = {"PRESENCE_CLOCK": "real-time", "PRESENCE_TIME_SCALE": f"{scale:g}", "PRESENCE_TOLERANCE": tolerance}
    instants: list[float] = []

    def progress(event: ProgressEvent) -> None:
        if event.kind == "instant":
            instants.append(event.elapsed)

    with serve_in_thread(service) as server, open_target(url=server.url, environ=environ) as setup:
        assert not setup.clock.controls_time
        result, took = _common.timed(lambda: run_campaign(cases, setup, CampaignOptions(), progress=progress))
    return result, took, len(instants)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-scale", type=float, default=600.0)
    parser.add_argument(
        "--tolerance", nargs="+", default=["PT30S"], help="ISO 8601 durations of target time, one run each"
    )
    args = parser.parse_args(argv)

    scale = args.time_scale
    _common.header(f"bench_realtime: the corpus in real time against the reference at time scale {scale:g}")
    cases = load_cases()
    runnable = [c for c in cases if Requirement.CLOCK_CONTROL not in c.requires]
    longest = max(runnable, key=lambda c: c.duration)
    floor = longest.duration.total_seconds() / scale
    print(f"corpus: {len(cases)} cases, {len(runnable)} runnable in real time")
    print(f"longest runnable case: {longest.id}, {format_duration(longest.duration)} = {floor:.2f} s at ×{scale:g}")
    print()
    rows = []
    broken = False
    for tolerance in args.tolerance:
        result, took, instants = run(cases, scale, tolerance)
        broken = broken or result.setup_error is not None
        counts = result.counts()
        lag = sum(1 for r in result.results if r.reason and "behind the timeline" in r.reason)
        over = 1000 * (took - floor) / max(instants, 1)
        rows.append([tolerance, took, took / floor, over, counts["passed"], counts["not-verified"], lag])
    _common.table(
        rows,
        ["tolerance", "wall s", "wall ÷ longest", "ms over per instant", "passed", "not verified", "of which lag"],
    )
    return 2 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
