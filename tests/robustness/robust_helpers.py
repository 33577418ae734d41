"""What the hostile-server tests share: the small cases, a target setup with short timeouts, a timed run.

``open_target`` takes no timeout (it always uses ``HttpTarget``'s defaults, 5 s to connect and 30 s
per read), so these tests assemble a :class:`~conformance.targets.setup.TargetSetup` from the public
seams themselves: the same ``HttpTarget``, ``MintedTokens`` and ``ControlApiClock`` that ``open_target``
would pick, with timeouts of a fraction of a second.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from conformance.cases import Case, load_cases
from conformance.engine import CampaignOptions, CampaignResult, CaseResult, Verdict, run_campaign
from conformance.targets.auth import MintedTokens
from conformance.targets.base import ClockDriver
from conformance.targets.clock import ControlApiClock, RealTimeClock
from conformance.targets.http import DEFAULT_MAX_BODY_BYTES, HttpTarget
from conformance.targets.setup import TargetSetup

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 0.5
STEP_TIMEOUT = timedelta(seconds=2)


@functools.cache
def _fixture_cases() -> dict[str, Case]:
    return {case.id: case for case in load_cases([FIXTURES])}


def hostile_cases(*ids: str) -> list[Case]:
    """The fixture cases (all of them, or those with these ids, in this order); cases are frozen values."""
    cases = _fixture_cases()
    return [cases[i] for i in ids] if ids else list(cases.values())


def hostile_setup(
    url: str,
    *,
    control: bool = True,
    read_timeout: float = READ_TIMEOUT,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    time_scale: float = 1.0,
) -> TargetSetup:
    """``url`` as a target with short timeouts.

    Its control API drives the clock unless ``control`` is false; the clock then runs in real time, at
    ``time_scale`` target seconds per real second.
    """
    target = HttpTarget(url, timeout=(CONNECT_TIMEOUT, read_timeout), pool_size=8, max_body_bytes=max_body_bytes)
    clock: ClockDriver
    if control:
        control_clock = ControlApiClock(target, url + "/_conformance")
        clock, auth = control_clock, MintedTokens(now=control_clock.current)
    else:
        clock, auth = RealTimeClock(time_scale=time_scale), MintedTokens()
    return TargetSetup(
        target=target,
        auth=auth,
        clock=clock,
        tolerance=timedelta(0) if control else timedelta(seconds=1),
        description=target.description,
        concurrency=4,
        _closers=[target.close],
    )


def timed_run(
    cases: Sequence[Case], setup: TargetSetup, *, step_timeout: timedelta | None = STEP_TIMEOUT
) -> tuple[CampaignResult, float]:
    """Run ``cases`` and return the result with the wall time it took (seconds)."""
    started = time.monotonic()
    with setup:
        result = run_campaign(cases, setup, CampaignOptions(step_timeout=step_timeout))
    return result, time.monotonic() - started


def verdicts(result: CampaignResult) -> dict[str, Verdict]:
    return {case.case_id: case.verdict for case in result.results}


def only(result: CampaignResult, case_id: str) -> CaseResult:
    (case,) = [c for c in result.results if c.case_id == case_id]
    return case
