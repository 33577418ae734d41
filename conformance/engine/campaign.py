"""A campaign: many cases against one target on one shared timeline, with the oracle in lockstep.

::

    from conformance.engine import run_campaign
    from conformance.targets.setup import open_in_process

    with open_in_process() as setup:
        result = run_campaign(cases, setup)
    result.exit_code, result.counts(), result.to_json()

How it runs (``docs/engine.md`` has the long form):

1. cases are grouped into waves (one wave unless a user pool is too small) and bound to users and apps;
2. ``clock.start()``; then for each wave: a fresh :class:`~.oracle.Oracle`, the pool users' state cleared
   (pools only), and the wave's instants in order: move the target's clock (a jump, or a real wait) and
   the oracle's to the instant, then run the steps due there, cases concurrently;
3. ``clock.finish()``, always.

The campaign itself never raises for anything the target or the configuration does: such problems
become broken cases (and ``setup_error`` when the run could not go on), so callers always get results.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata

from reference_impl.clause_registry import load_registry
from reference_impl.model import format_duration

from ..cases.model import Case, Requirement, Step
from ..errors import NotVerifiable, RunError
from ..targets.base import HttpRequest
from ..targets.setup import TargetSetup
from .bindings import OBSERVER, bind_case, release_case
from .oracle import Oracle
from .pool import clear_pool_users
from .progress import ProgressEvent, ProgressKind
from .realtime import TargetTime
from .results import CampaignResult, CaseResult, Verdict
from .runner import CaseRun, Settings, WaveContext, make_case_result
from .timeline import Wave, plan_waves, schedule

__all__ = ["CampaignOptions", "run_campaign"]

# Twice the requests a case sends as it starts (a write, a read, perhaps another write): room for the
# target to answer them while the next cases start.
_STARTING_REQUESTS = 6
# Real waits shorter than this are not announced as "waiting" progress events.
_ANNOUNCE_WAIT = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class CampaignOptions:
    """How a campaign runs; ``None`` takes the target setup's value.

    Attributes:
        settle: how long a read may keep polling until it matches (eventual consistency).
        tolerance: real-time mode: how far off its instant a request may reach the target.
        poll_interval: the pause between two reads of a polled check.
        step_timeout: the longest one step may take, polls included; a slower step is broken
            (``None``: no limit).
        max_workers: how many cases' steps run at once (default: the setup's ``concurrency``).
        stagger: real-time mode only: how far apart (target time) the cases of a wave start. ``None``
            measures it: six round trips to the target (twice what a case sends as it starts), at most
            half the tolerance. Cases are independent, so shifting a case's whole
            timeline changes nothing it checks; starting hundreds of cases at the same instant would
            instead make the first requests queue for longer than the tolerance, and the checks near
            the start could not be verified. With a clock the suite controls, cases start together.
    """

    settle: timedelta | None = None
    tolerance: timedelta | None = None
    poll_interval: timedelta = timedelta(milliseconds=250)
    step_timeout: timedelta | None = timedelta(seconds=60)
    max_workers: int | None = None
    stagger: timedelta | None = None


def _suite_version() -> str:
    try:
        return metadata.version("presence-conformance")
    except metadata.PackageNotFoundError:
        return "unknown"


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


class _Campaign:
    """The state of one :func:`run_campaign` call."""

    def __init__(
        self,
        cases: Sequence[Case],
        setup: TargetSetup,
        options: CampaignOptions,
        progress: Callable[[ProgressEvent], None] | None,
    ) -> None:
        self.cases = cases
        self.setup = setup
        self.progress = progress
        self.epoch = time.monotonic()
        real_time = not setup.clock.controls_time
        self.settings = Settings(
            settle=setup.settle if options.settle is None else options.settle,
            tolerance=setup.tolerance if options.tolerance is None else options.tolerance,
            poll_interval=options.poll_interval,
            step_timeout=options.step_timeout,
            real_time=real_time,
        )
        self.workers = max(1, options.max_workers or setup.concurrency or 1)
        self.stagger = options.stagger
        self.results: list[CaseResult | None] = [None] * len(cases)
        self.time = TargetTime(setup.clock)
        self.setup_error: str | None = None

    # ---- bookkeeping -----------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.epoch

    def _left(self) -> int:
        return sum(1 for r in self.results if r is None)

    def emit(
        self,
        kind: ProgressKind,
        offset: timedelta,
        next_offset: timedelta | None,
        wave: int,
        last: CaseResult | None = None,
    ) -> None:
        if self.progress is not None:
            event = ProgressEvent(kind, self.elapsed, offset, next_offset, self._left(), len(self.cases), wave, last)
            self.progress(event)

    def settle_case(self, index: int, result: CaseResult, offset: timedelta, wave: int) -> None:
        self.results[index] = result
        self.emit("case-finished", offset, None, wave, result)

    def settle_unrun(self, verdict: Verdict, reason: str, wave: int = 0) -> None:
        """Give every case still without a result ``verdict`` with ``reason``."""
        for index, case in enumerate(self.cases):
            if self.results[index] is None:
                self.settle_case(index, make_case_result(case, verdict, reason, wave=wave), timedelta(0), wave)

    # ---- the run ---------------------------------------------------------------------------------

    def run(self) -> None:
        waves, unplaced = plan_waves(self.cases, self.setup.user_pool)
        for index, reason in unplaced.items():
            self.settle_case(index, make_case_result(self.cases[index], Verdict.NOT_VERIFIED, reason), timedelta(0), 0)
        if self.settings.real_time:
            for index, case in enumerate(self.cases):
                if Requirement.CLOCK_CONTROL in case.requires and self.results[index] is None:
                    reason = "the case requires clock-control; the target's clock runs in real time"
                    self.settle_case(index, make_case_result(case, Verdict.NOT_VERIFIED, reason), timedelta(0), 0)
        if all(r is not None for r in self.results):
            return
        clock = self.setup.clock
        try:
            now = _aware(clock.start())
        except Exception as exc:
            self.setup_error = f"the target's clock could not be started: {exc}"
            self.settle_unrun(Verdict.BROKEN, self.setup_error)
            return
        self.time.start(now)
        executor = ThreadPoolExecutor(self.workers, thread_name_prefix="campaign") if self.workers > 1 else None
        try:
            for wave in waves:
                now = self.run_wave(wave, now, executor)
                if self.setup_error is not None:
                    self.settle_unrun(Verdict.BROKEN, self.setup_error, wave.number)
                    break
        finally:
            if executor is not None:
                executor.shutdown(wait=True)
            try:
                clock.finish()
            except Exception as exc:  # the verdicts stand; the caller learns the clock was left frozen
                if self.setup_error is None:
                    self.setup_error = f"the target's clock could not be released: {exc}"

    def run_wave(self, wave: Wave, now: datetime, executor: ThreadPoolExecutor | None) -> datetime:
        """Run one wave from the target instant ``now``; return the target's instant at its end."""
        pending = [slot for slot in wave.slots if self.results[slot.index] is None]
        if not pending:
            return now
        wave_started = self.elapsed
        if wave.pool_users:
            try:
                clear_pool_users(self.setup, wave.pool_users, self.cases)
            except RunError as exc:
                for slot in pending:
                    reason = f"the pool users could not be cleared before wave {wave.number}: {exc}"
                    self.settle_case(
                        slot.index, make_case_result(slot.case, Verdict.BROKEN, reason, wave=wave.number),
                        timedelta(0), wave.number,
                    )  # fmt: skip
                return now
        self.time.start_wave(real_time=self.settings.real_time)
        oracle = Oracle(self.setup.profile, now)
        context = WaveContext(
            self.setup.target, self.setup.auth, oracle, self.settings, self.time, self.epoch, wave.number, wave_started
        )
        runs: list[CaseRun] = []
        gap = self._stagger() if self.settings.real_time else timedelta(0)
        # Staggered starts go longest case first, so the wave still ends about when its longest case does.
        starts = sorted(range(len(pending)), key=lambda i: pending[i].case.duration, reverse=True)
        origins = {index: gap * position for position, index in enumerate(starts)}
        for number, slot in enumerate(pending):
            try:
                origin = origins[number]
                runs.append(CaseRun(slot, bind_case(slot.case, self.setup.auth, slot.user_ids), context, origin))
            except NotVerifiable as exc:
                result = make_case_result(slot.case, Verdict.NOT_VERIFIED, str(exc), wave=wave.number)
                self.settle_case(slot.index, result, timedelta(0), wave.number)
            except RunError as exc:
                result = make_case_result(slot.case, Verdict.BROKEN, str(exc), wave=wave.number)
                self.settle_case(slot.index, result, timedelta(0), wave.number)
        plan = schedule([(run, run.case) for run in runs], [run.origin for run in runs])
        current = timedelta(0)
        for position, (instant, due) in enumerate(plan.instants):
            following = plan.instants[position + 1][0] if position + 1 < len(plan.instants) else None
            if all(run.stopped for run in runs):
                break  # nothing left to run: do not wait out the rest of the timeline
            if instant > current:
                delta = self.time.delta_to(instant)
                if self.settings.real_time and delta / self.time.scale >= _ANNOUNCE_WAIT:
                    self.emit("waiting", current, instant, wave.number)
                try:
                    now = _aware(self.setup.clock.advance(delta))
                except Exception as exc:  # nothing later on this target can be trusted
                    where = f"to {format_duration(instant)} (wave {wave.number})"
                    self.setup_error = f"the target's clock could not be advanced {where}: {exc}"
                    for run in runs:
                        run.stop(Verdict.BROKEN, self.setup_error)
                        if self.results[run.slot.index] is None:
                            self.finish_run(run, current, wave.number)
                    return now
                self.time.moved(delta, now)
                oracle.advance_to(instant)
                current = instant
            self.emit("instant", instant, following, wave.number)
            active = [(run, steps) for run, steps in due if not run.stopped]
            if executor is not None and len(active) > 1:
                list(executor.map(_run_due, active))
            else:
                for run, steps in active:
                    run.run(steps)
            for run, _ in due:
                if self.results[run.slot.index] is None and (run.stopped or run.origin + run.case.duration <= instant):
                    self.finish_run(run, instant, wave.number)
        for run in runs:  # cases that stopped before their last instant came
            if self.results[run.slot.index] is None:
                self.finish_run(run, current, wave.number)
        return now

    def _stagger(self) -> timedelta:
        """How far apart the cases of a real-time wave start (see :attr:`CampaignOptions.stagger`)."""
        if self.stagger is not None:
            return self.stagger
        ceiling = self.settings.tolerance / 2
        round_trip = measure_round_trip(self.setup)
        if round_trip is None:
            return ceiling
        return min(ceiling, round_trip * _STARTING_REQUESTS * self.time.scale)

    def finish_run(self, run: CaseRun, instant: timedelta, wave: int) -> None:
        release_case(self.setup.auth, run.slot.user_ids)
        self.settle_case(run.slot.index, run.result(), instant, wave)


def measure_round_trip(setup: TargetSetup, samples: int = 3) -> timedelta | None:
    """The median real time of a read of a fresh user on ``setup``'s target, or ``None`` when the target
    or its credentials cannot give one (the caller then falls back to a conservative value)."""
    try:
        authorization = setup.auth.authorization(OBSERVER, {})
    except RunError:
        return None
    request = HttpRequest("GET", f"/v1.0/users/{uuid.uuid4()}/presence", {"Authorization": authorization})
    times = []
    for _ in range(samples):
        started = time.monotonic()
        try:
            setup.target.send(request)
        except RunError:
            return None
        times.append(time.monotonic() - started)
    return timedelta(seconds=statistics.median(times))


def _run_due(item: tuple[CaseRun, tuple[Step, ...]]) -> None:
    item[0].run(item[1])


def run_campaign(
    cases: Sequence[Case],
    setup: TargetSetup,
    options: CampaignOptions | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> CampaignResult:
    """Run ``cases`` against ``setup`` and return every case's verdict, in case order.

    Args:
        cases: the cases, as loaded (their order is the results' order).
        setup: the opened target; the campaign does not close it.
        options: timing and concurrency (default :class:`CampaignOptions`).
        progress: called on the campaign's thread with each :class:`ProgressEvent`.

    Problems of the target or configuration never raise: they become broken cases, and
    ``setup_error`` when the run could not go on. An exception raised by ``progress`` propagates.
    """
    started_at = datetime.now(UTC)
    campaign = _Campaign(cases, setup, options or CampaignOptions(), progress)
    campaign.run()
    results = tuple(r for r in campaign.results if r is not None)
    assert len(results) == len(cases), "every case gets exactly one result"
    return CampaignResult(
        results=results,
        target=setup.description,
        profile=setup.profile.to_mapping(),
        started_at=started_at,
        wall_time=campaign.elapsed,
        mode="real-time" if campaign.settings.real_time else "clock-control",
        settle=campaign.settings.settle.total_seconds(),
        tolerance=campaign.settings.tolerance.total_seconds(),
        setup_error=campaign.setup_error,
        suite_version=_suite_version(),
        clauses_version=load_registry().version,
    )
