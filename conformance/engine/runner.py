"""One case on the shared timeline: its steps sent to the target and the oracle, judged, and its verdict.

A :class:`CaseRun` is driven by the campaign: ``run(steps)`` at each instant where the case has steps
(from a worker thread; one case's steps never run concurrently), then ``result()``. For each step:

1. plan the request (bound ids, body, acting app);
2. in real-time mode, decide whether a read can be trusted (:mod:`.realtime`); if not, record it as
   not verifiable and go on without sending it;
3. ask the oracle (at the same logical instant) and compile what to compare (:mod:`.checks`);
4. send to the target; a read that does not match is read again every ``poll_interval`` until it
   matches or ``settle`` has passed;
5. record the step. A mismatch stops the case (*failed*, or *deviated* when the case cites an
   interpretation clause); so does a broken step (*broken*); the steps after it are *skipped*.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from reference_impl.clause_registry import ClauseKind, load_registry
from reference_impl.model import format_duration

from ..cases.model import ActionKind, AuthMode, Case, Step
from ..errors import NotVerifiable, RunError, TargetError
from ..targets.base import AuthProvider, HttpRequest, HttpResponse, Target
from .bindings import Bindings
from .checks import Check, Outcome, compile_check
from .exchanges import PlannedRequest, plan_request, record_exchange
from .oracle import Oracle
from .realtime import TargetTime, clear_reason, lag_reason, late_writes, read_reason
from .results import CaseResult, Exchange, StepResult, StepStatus, Verdict
from .timeline import Slot

__all__ = ["CaseRun", "Settings", "WaveContext", "case_kind"]

logger = logging.getLogger(__name__)

_CLEARS = frozenset({ActionKind.CLEAR_PRESENCE, ActionKind.CLEAR_USER_PREFERRED_PRESENCE})
# How long (in target time) a fetched Authorization value is reused. Tokens are checked against the
# target's clock, which may jump hours between instants; any real token lives far longer than this.
_CREDENTIAL_REUSE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Settings:
    """The campaign's timing settings, resolved (options over the target setup's defaults)."""

    settle: timedelta
    tolerance: timedelta
    poll_interval: timedelta
    step_timeout: timedelta | None
    real_time: bool


@dataclass(frozen=True, slots=True)
class WaveContext:
    """What every case run of a wave shares. ``epoch`` is the campaign's start (monotonic seconds)."""

    target: Target
    auth: AuthProvider
    oracle: Oracle
    settings: Settings
    time: TargetTime
    epoch: float
    wave: int
    wave_started: float


def case_kind(case: Case) -> Literal["documented", "interpretation"]:
    """``"interpretation"`` when ``case`` cites an interpretation clause of the registry."""
    registry = load_registry()
    for clause_id in case.clauses:
        if clause_id in registry and registry[clause_id].kind is ClauseKind.INTERPRETATION:
            return "interpretation"
    return "documented"


class _Stop(Exception):
    """Ends a step early with a status and message (broken or not verifiable)."""

    def __init__(self, status: StepStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CaseRun:
    """One case's progress through a wave (see the module docstring)."""

    def __init__(self, slot: Slot, bindings: Bindings, context: WaveContext, origin: timedelta = timedelta(0)) -> None:
        self.slot = slot
        self.case = slot.case
        # Where this case's offset 0 stands on the wave's timeline (non-zero only when staggered).
        self.origin = origin
        self.bindings = bindings
        self._context = context
        self._kind = case_kind(slot.case)
        self._steps: dict[int, StepResult] = {}
        self._verdict: Verdict | None = None  # set when the case stops early
        self._reason: str | None = None
        self._not_verifiable: str | None = None
        self._late_writes: dict[str, timedelta] = {}
        self._first_sent: float | None = None
        self._last_done: float | None = None
        self._credentials = {name: (timedelta(0), value) for name, value in bindings.credentials.items()}

    @property
    def stopped(self) -> bool:
        return self._verdict is not None

    def stop(self, verdict: Verdict, reason: str) -> None:
        """End the case from outside (the campaign's clock failed); later steps are skipped."""
        if self._verdict is None:
            self._verdict, self._reason = verdict, reason

    def run(self, steps: Sequence[Step]) -> None:
        """Run ``steps`` (due at the current instant) in order. Never raises."""
        for step in steps:
            if self.stopped:
                return
            self._steps[step.index] = self._run_guarded(step)

    # ---- one step ------------------------------------------------------------------------------

    def _where(self, step: Step) -> str:
        return f"step {step.index} (line {step.line}, at {format_duration(step.at)}) {step.describe()}"

    def _run_guarded(self, step: Step) -> StepResult:
        exchanges: list[Exchange] = []
        try:
            result = self._run_step(step, exchanges)
        except _Stop as stop:
            result = _bare(step, stop.status, stop.message, exchanges)
        except NotVerifiable as exc:  # the auth provider lost a credential mid-case
            self.stop(Verdict.NOT_VERIFIED, f"{self._where(step)}: {exc}")
            return _bare(step, StepStatus.NOT_VERIFIABLE, str(exc), exchanges)
        except RunError as exc:
            result = _bare(step, StepStatus.BROKEN, str(exc), exchanges)
        except Exception as exc:  # a bug must not take the whole campaign down; it is shown as broken
            logger.exception("engine error in %s %s", self.case.id, self._where(step))
            result = _bare(step, StepStatus.BROKEN, f"engine error: {type(exc).__name__}: {exc}", exchanges)
        if result.status is StepStatus.BROKEN:
            self.stop(Verdict.BROKEN, f"{self._where(step)}: {result.message}")
        elif result.status is StepStatus.NOT_VERIFIABLE and self._not_verifiable is None:
            self._not_verifiable = f"{self._where(step)}: {result.message}"
        return result

    def _run_step(self, step: Step, exchanges: list[Exchange]) -> StepResult:
        context, settings = self._context, self._context.settings
        request = plan_request(step, self.bindings)
        uncertain_status = None
        if settings.real_time:
            self._refuse_untrustworthy(step, request)
            if step.action in _CLEARS and request.writes is not None:
                label = self.bindings.label(request.writes)
                uncertain_status = clear_reason(
                    context.oracle, request.writes, label, self.origin + step.at, tolerance=settings.tolerance
                )
        prediction = context.oracle.predict(request, self.bindings.users)
        check = compile_check(step, prediction, self.bindings)
        http = request.http(self._authorization(request, step.at))
        started = time.monotonic()
        sent_offset = context.time.offset() - self.origin if settings.real_time else step.at
        response = self._send(http, exchanges)
        if request.writes is not None:
            self._note_write(request.writes, step.at, sent_offset)
        outcome = check.compare(response)
        settle_time: float | None = 0.0 if request.is_read else None
        if not outcome.ok and request.is_read and settings.settle > timedelta(0):
            outcome, settle_time = self._poll(http, check, outcome, started, exchanges)
        self._check_timeout(started)
        status, message = StepStatus.OK, None
        if not outcome.ok:
            status, message = StepStatus.MISMATCH, outcome.mismatch
            if uncertain_status is not None:
                status, message = StepStatus.NOT_VERIFIABLE, uncertain_status
            elif settings.real_time:
                allowance = settings.tolerance + settings.settle * context.time.scale
                late = lag_reason(context.time.offset() - self.origin - step.at, allowance, "the read")
                if late is not None:
                    status, message = StepStatus.NOT_VERIFIABLE, late
        if status is StepStatus.MISMATCH:
            verdict = Verdict.DEVIATED if self._kind == "interpretation" else Verdict.FAILED
            self.stop(verdict, f"{self._where(step)}: {message}")
        return StepResult(
            index=step.index,
            line=step.line,
            at=step.at,
            description=step.describe(),
            status=status,
            message=message,
            expected=check.expected(),
            observed=outcome.observed,
            exchanges=tuple(exchanges),
            settle_time=settle_time if outcome.ok else None,
            sent_offset=sent_offset.total_seconds(),
        )

    def _refuse_untrustworthy(self, step: Step, request: PlannedRequest) -> None:
        """Raise :class:`_Stop` (not verifiable) when a real-time read cannot be trusted."""
        context, settings = self._context, self._context.settings
        lag = lag_reason(context.time.offset() - self.origin - step.at, settings.tolerance, "the request")
        if lag is not None and request.is_read:
            raise _Stop(StepStatus.NOT_VERIFIABLE, f"the run is behind the timeline: {lag}")
        if not request.is_read:
            return
        for user_id in request.reads:
            label = self.bindings.label(user_id)
            reason = late_writes(self._late_writes, user_id, label, settings.tolerance) or read_reason(
                context.oracle,
                user_id,
                label,
                self.origin + step.at,
                tolerance=settings.tolerance,
                settle=settings.settle * context.time.scale,
            )
            if reason is not None:
                raise _Stop(StepStatus.NOT_VERIFIABLE, reason)

    def _note_write(self, user_id: str, at: timedelta, sent_offset: timedelta) -> None:
        if self._context.settings.real_time and sent_offset - at > self._context.settings.tolerance:
            self._late_writes[user_id] = sent_offset - at

    def _authorization(self, request: PlannedRequest, at: timedelta) -> str | None:
        auth = self._context.auth
        if request.auth is AuthMode.NONE:
            return None
        if request.auth is AuthMode.INVALID or request.app is None:
            return auth.invalid_authorization()
        spec = request.app.spec
        cached = self._credentials.get(spec.name)
        if cached is not None and at - cached[0] <= _CREDENTIAL_REUSE:
            return cached[1]
        value = auth.authorization(spec, self.bindings.users)
        self._credentials[spec.name] = (at, value)
        return value

    def _send(self, http: HttpRequest, exchanges: list[Exchange]) -> HttpResponse:
        started = time.monotonic()
        if self._first_sent is None:
            self._first_sent = started
        sent_at = started - self._context.epoch
        limit = self._context.settings.step_timeout
        if limit is not None and http.timeout is None:
            http = dataclasses.replace(http, timeout=limit.total_seconds())
        try:
            response = self._context.target.send(http)
        except TargetError as exc:
            elapsed = time.monotonic() - started
            exchanges.append(record_exchange(http, None, sent_at=sent_at, elapsed=elapsed, error=str(exc)))
            raise
        self._last_done = time.monotonic()
        exchanges.append(record_exchange(http, response, sent_at=sent_at))
        return response

    def _poll(
        self, http: HttpRequest, check: Check, outcome: Outcome, started: float, exchanges: list[Exchange]
    ) -> tuple[Outcome, float | None]:
        """Read again until ``check`` holds or ``settle`` has passed; keep the first and last exchange."""
        settings = self._context.settings
        settle = settings.settle.total_seconds()
        if settings.step_timeout is not None:  # a read that never settles is a mismatch, not a timeout
            settle = min(settle, settings.step_timeout.total_seconds())
        deadline = started + settle
        interval = max(settings.poll_interval.total_seconds(), 0.001)
        reads = 1
        while not outcome.ok:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(interval, remaining))
            sent = time.monotonic()
            response = self._send(http, exchanges)
            if len(exchanges) > 2:
                del exchanges[1:-1]
            outcome = check.compare(response)
            reads += 1
            if outcome.ok:
                return outcome, sent - started
        waited = time.monotonic() - started
        mismatch = f"{outcome.mismatch} (still after {reads} reads over {waited:.2f} s)"
        return Outcome(False, outcome.observed, mismatch), None

    def _check_timeout(self, started: float) -> None:
        limit = self._context.settings.step_timeout
        took = time.monotonic() - started
        if limit is not None and took > limit.total_seconds():
            raise TargetError(f"the step took {took:.2f} s, more than the step timeout {limit.total_seconds():g} s")

    # ---- the verdict ---------------------------------------------------------------------------

    def result(self) -> CaseResult:
        """The case's result; steps that never ran are skipped."""
        steps = []
        stopped_at = max(self._steps, default=-1)
        for step in self.case.steps:
            done = self._steps.get(step.index)
            if done is None:
                why = f"not run: the case stopped at step {stopped_at}" if self.stopped else "not run"
                done = _bare(step, StepStatus.SKIPPED, why)
            steps.append(done)
        verdict, reason = self._verdict, self._reason
        if verdict is None:
            verdict, reason = (
                (Verdict.NOT_VERIFIED, self._not_verifiable) if self._not_verifiable else (Verdict.PASSED, None)
            )
        duration = 0.0
        if self._first_sent is not None and self._last_done is not None:
            duration = max(0.0, self._last_done - self._first_sent)
        return make_case_result(
            self.case,
            verdict,
            reason,
            tuple(steps),
            kind=self._kind,
            started_offset=self._context.wave_started,
            duration=duration,
            wave=self._context.wave,
            bindings=self.bindings.to_json(),
        )


def _bare(step: Step, status: StepStatus, message: str, exchanges: Sequence[Exchange] = ()) -> StepResult:
    """A step result with no comparison (broken, not verifiable or skipped)."""
    return StepResult(step.index, step.line, step.at, step.describe(), status, message, exchanges=tuple(exchanges))


def make_case_result(
    case: Case,
    verdict: Verdict,
    reason: str | None,
    steps: tuple[StepResult, ...] | None = None,
    *,
    kind: Literal["documented", "interpretation"] | None = None,
    started_offset: float = 0.0,
    duration: float = 0.0,
    wave: int = 0,
    bindings: dict[str, str] | None = None,
) -> CaseResult:
    """A :class:`CaseResult` for ``case``; without ``steps``, every step is skipped with ``reason``."""
    if steps is None:
        steps = tuple(_bare(s, StepStatus.SKIPPED, f"not run: {reason}") for s in case.steps)
    return CaseResult(
        case_id=case.id,
        title=case.title,
        path=case.path,
        line=case.line,
        clauses=case.clauses,
        tags=case.tags,
        kind=kind or case_kind(case),
        verdict=verdict,
        reason=reason,
        steps=steps,
        started_offset=started_offset,
        duration=duration,
        wave=wave,
        bindings=bindings or {},
    )
