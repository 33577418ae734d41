"""Running one example: every operation against the target and the oracle in lockstep, every user read after.

:class:`FuzzRunner` plays an :class:`~.strategies.Example` on an opened target with the engine's own
parts: the case-format step of each operation is planned into a request (``plan_request``), sent to the
in-process oracle (the reference service, with the target's profile, on a manual clock started at the
target's now) and to the target, and judged by the engine's comparison (``compile_check``), with a
Graph error body required wherever the oracle refuses. After every write and every clock move, each
user of the example is read (a ``check``, through the engine's observer app) and compared with the
oracle's prediction. The first mismatch ends the example.

Each example gets fresh users (new GUIDs), and a target with the test-control API is reset first, so
an example never sees another's state. Clock moves go through the setup's clock driver; a target
without clock control plays examples without clock moves (the strategies leave them out), and no timer
falls due while such an example runs.

No presence rule is written here: what the target should answer is whatever the oracle answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from reference_impl.model import FIRST_FADE_AFTER, SECOND_FADE_AFTER, Profile, UserPresence

from ..cases.model import (
    ActionKind,
    AppSpec,
    AuthMode,
    Case,
    Expectation,
    PresenceExpectation,
    StatusExpectation,
    Step,
)
from ..engine.bindings import bind_case, fresh_user_ids, release_case
from ..engine.checks import Outcome, compile_check
from ..engine.exchanges import PlannedRequest, plan_request
from ..engine.oracle import Oracle
from ..errors import TargetError
from ..targets.base import HttpResponse
from ..targets.setup import TargetSetup
from .strategies import APPS, AdvanceBy, AdvanceToTimer, Example, Operation, Request

__all__ = ["CHECK", "Executed", "FuzzRunner", "Trace", "TransportError", "build_step"]

CHECK = "check"
"""The ``kind`` of an implicit read (a case file's ``check`` step)."""

# As the engine does: a credential is fetched again once the target's clock has moved this far.
_CREDENTIAL_REUSE = timedelta(minutes=5)
_ADDRESSES_A_USER = frozenset(
    {
        ActionKind.SET_PRESENCE,
        ActionKind.CLEAR_PRESENCE,
        ActionKind.SET_USER_PREFERRED_PRESENCE,
        ActionKind.CLEAR_USER_PREFERRED_PRESENCE,
        ActionKind.GET_PRESENCE,
    }
)
_FIELDS: Mapping[ActionKind, tuple[str, ...]] = {
    ActionKind.SET_PRESENCE: ("sessionId", "availability", "activity", "expirationDuration"),
    ActionKind.CLEAR_PRESENCE: ("sessionId",),
    ActionKind.SET_USER_PREFERRED_PRESENCE: ("availability", "activity", "expirationDuration"),
}


class TransportError(Exception):
    """The target could not be reached (or its clock moved): nothing can be judged any more."""


@dataclass(frozen=True, slots=True)
class Executed:
    """One step as it ran.

    ``kind`` is the action key, or :data:`CHECK` for a read of ``params["user"]`` after a step;
    ``params`` are the step's parameters as a case file writes them; ``expected`` the compared fields of
    the oracle's answer and ``observed`` the target's (the engine's ``Check.expected`` and
    ``Outcome.observed``); ``message`` says what differed (``None`` when the step matched).
    """

    index: int
    operation: Request | None
    kind: str
    params: Mapping[str, Any]
    at: timedelta
    expected: Mapping[str, Any]
    observed: Mapping[str, Any]
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.message is None


@dataclass(frozen=True, slots=True)
class Trace:
    """An example as it ran, up to and including its first mismatch.

    ``states`` holds the oracle's model state of each logical user and ``instant`` the oracle's now
    when the mismatch was seen (empty and ``None`` without a mismatch); ``app_ids`` maps logical apps to
    the ids they ran with. ``operations`` counts the operations played (clock moves included) and
    ``requests`` the requests sent to the target.
    """

    example: Example
    steps: tuple[Executed, ...]
    profile: Profile
    app_ids: Mapping[str, str] = field(default_factory=dict)
    states: Mapping[str, UserPresence] = field(default_factory=dict)
    instant: datetime | None = None
    operations: int = 0
    requests: int = 0

    @property
    def mismatch(self) -> Executed | None:
        last = self.steps[-1] if self.steps else None
        return last if last is not None and not last.ok else None


def build_step(index: int, at: timedelta, kind: str, params: Mapping[str, Any], users: Sequence[str]) -> Step:
    """The :class:`Step` the case loader makes of ``{kind: params}`` at ``at``, with no written expectation.

    ``params`` name the acting app (``as``) and the user (``user`` or ``userId``; ``users`` for a batch
    read) explicitly, as every operation of :mod:`.strategies` writes them.
    """
    if kind == CHECK:
        return Step(index, at, 0, Expectation(presence=PresenceExpectation()), check_user=params["user"])
    action = ActionKind(kind)
    app = APPS[params["as"]]
    replaced = "body" in params or "rawBody" in params
    user = params.get("user") if action in _ADDRESSES_A_USER else None
    if action is ActionKind.GET_MY_PRESENCE:
        user = app.delegated_user
    session_id_of = None
    if action.takes_session_id and not replaced and "sessionId" not in params:
        session_id_of = params.get("sessionIdOf", app.name)
    return Step(
        index=index,
        at=at,
        line=0,
        expect=Expectation(),
        action=action,
        app=app.name,
        user=user,
        user_id=params.get("userId"),
        users=tuple(params.get("users", ())),
        extra_ids=int(params.get("extraIds", 0)),
        params={key: params[key] for key in _FIELDS.get(action, ()) if key in params},
        session_id_of=session_id_of,
        body=params.get("body"),
        has_body="body" in params,
        raw_body=params.get("rawBody"),
        auth=AuthMode(params.get("auth", AuthMode.TOKEN)),
    )


def _skeleton(users: tuple[str, ...]) -> Case:
    """A case declaring every app and the example's users, for binding (its one step asks for an observer)."""
    check = build_step(0, timedelta(0), CHECK, {"user": users[0]}, users)
    return Case("fuzz", "fuzz", ("READ-PRESENCE",), (), (), users, dict(APPS), (check,), "<fuzz>")


class FuzzRunner:
    """Plays examples on ``setup``'s target with the oracle in lockstep. Call :meth:`close` when done.

    Args:
        setup: the opened target.
        reset: reset the target before each example (default: when it has a control API and a
            controllable clock).

    Attributes:
        clock_control: whether clock moves are played (the target's clock can be moved).
        error: the first transport problem; once set, examples are not played any more.
    """

    def __init__(self, setup: TargetSetup, *, reset: bool | None = None) -> None:
        self._setup = setup
        self.clock_control = setup.clock.controls_time
        self._reset = (setup.can_reset and self.clock_control) if reset is None else reset
        self._started = False
        self._now: datetime | None = None
        self.error: TransportError | None = None

    def close(self) -> None:
        """Let the target's clock run again (if it was frozen)."""
        if self._started:
            self._started = False
            try:
                self._setup.clock.finish()
            except Exception as exc:  # the findings stand; say the clock was left frozen
                self.error = self.error or TransportError(f"the target's clock could not be released: {exc}")

    def _start(self) -> datetime:
        try:
            if self._reset:
                self._setup.reset()
                self._started = False
            # A real-time clock is started again for each example: the oracle's clock then starts at the
            # target's (estimated) now, as tokens minted from it do.
            if not self._started or self._now is None or not self.clock_control:
                self._now = self._setup.clock.start()
                self._started = True
        except Exception as exc:
            raise TransportError(f"the target could not be prepared: {exc}") from exc
        return self._now

    def run(self, example: Example) -> Trace:
        """Play ``example``; the returned trace ends at the first mismatch.

        Raises:
            TransportError: the target is unreachable, or its clock or reset failed (also kept in
                :attr:`error`; later calls raise it again at once).
        """
        if self.error is not None:
            raise self.error
        try:
            return _Play(self, example).run()
        except TransportError as exc:
            self.error = exc
            raise

    # ---- used by _Play ----------------------------------------------------------------------------

    @property
    def setup(self) -> TargetSetup:
        return self._setup

    def prepare(self) -> datetime:
        return self._start()

    def advance(self, delta: timedelta) -> None:
        try:
            self._now = self._setup.clock.advance(delta)
        except Exception as exc:
            raise TransportError(f"the target's clock could not be advanced by {delta}: {exc}") from exc


class _Play:
    """One example on one runner (the state of :meth:`FuzzRunner.run`)."""

    def __init__(self, runner: FuzzRunner, example: Example) -> None:
        self.runner = runner
        self.setup = runner.setup
        self.example = example
        self.users = example.user_names
        self.steps: list[Executed] = []
        self.offset = timedelta(0)
        self.requests = 0
        self.operations = 0
        self._credentials: dict[str, tuple[timedelta, str]] = {}
        self._invalid: str | None = None

    def run(self) -> Trace:
        start = self.runner.prepare()
        user_ids = fresh_user_ids(self.users)
        try:
            self.bindings = bind_case(_skeleton(self.users), self.setup.auth, user_ids)
        except Exception as exc:
            raise TransportError(f"the example's apps could not be bound: {exc}") from exc
        self.oracle = Oracle(self.setup.profile, start)
        try:
            for operation in self.example.operations:
                if self._play(operation):
                    break
        finally:
            release_case(self.setup.auth, user_ids)
        mismatch = self.steps[-1] if self.steps and not self.steps[-1].ok else None
        states: dict[str, UserPresence] = {}
        if mismatch is not None:
            states = {name: self.oracle.snapshot(self.bindings.users[name]) for name in self.users}
        return Trace(
            example=self.example,
            steps=tuple(self.steps),
            profile=self.setup.profile,
            app_ids={name: bound.app_id for name, bound in self.bindings.apps.items()},
            states=states,
            instant=self.oracle.now if mismatch is not None else None,
            operations=self.operations,
            requests=self.requests,
        )

    def _play(self, operation: Operation) -> bool:
        """Play one operation (and the reads after it); ``True`` when a mismatch ends the example."""
        self.operations += 1
        if isinstance(operation, AdvanceBy | AdvanceToTimer):
            delta = self._resolve(operation)
            if delta is None or not self.runner.clock_control:
                return False
            self.runner.advance(delta)
            self.offset += delta
            self.oracle.advance_to(self.offset)
            return self._read_everyone()
        kind, params = operation.action()
        if self._exchange(operation, kind, params):
            return True
        return kind.is_write and self._read_everyone()

    def _resolve(self, operation: AdvanceBy | AdvanceToTimer) -> timedelta | None:
        if isinstance(operation, AdvanceBy):
            return operation.delta
        now = self.oracle.now
        pending: set[datetime] = set()
        for name in self.users:
            state = self.oracle.snapshot(self.bindings.users[name])
            for session in state.sessions:
                pending |= {session.set_at + FIRST_FADE_AFTER, session.set_at + SECOND_FADE_AFTER, session.expires_at}
            if state.preferred is not None:
                pending.add(state.preferred.expires_at)
        instants = sorted(instant for instant in pending if instant > now)
        if not instants:
            return None
        delta = instants[operation.pick % len(instants)] + operation.nudge - now
        return delta if delta > timedelta(0) else None

    def _read_everyone(self) -> bool:
        return any(self._exchange(None, CHECK, {"user": name}) for name in self.users)

    def _authorization(self, request: PlannedRequest) -> str | None:
        auth = self.setup.auth
        if request.auth is AuthMode.NONE:
            return None
        if request.auth is AuthMode.INVALID or request.app is None:
            if self._invalid is None:
                self._invalid = auth.invalid_authorization()
            return self._invalid
        spec: AppSpec = request.app.spec
        cached = self._credentials.get(spec.name)
        if cached is not None and self.offset - cached[0] <= _CREDENTIAL_REUSE:
            return cached[1]
        value = auth.authorization(spec, self.bindings.users)
        self._credentials[spec.name] = (self.offset, value)
        return value

    def _exchange(self, operation: Request | None, kind: str, params: Mapping[str, Any]) -> bool:
        """Send one step to the oracle and the target and record it; ``True`` on a mismatch."""
        step = build_step(len(self.steps), self.offset, kind, params, self.users)
        request = plan_request(step, self.bindings)
        prediction = self.oracle.predict(request, self.bindings.users)
        # Every step is judged as strictly as a case can ask: the oracle's exact status, and a Graph error
        # body wherever it refuses. (A case that leaves the status out is compared by class only.)
        exact = StatusExpectation(str(prediction.status))
        step = replace(step, expect=replace(step.expect, status=exact, graph_error=not prediction.ok))
        check = compile_check(step, prediction, self.bindings)
        http = request.http(self._authorization(request))
        outcome = self._judge(check.compare, http)
        if not outcome.ok and step.is_check and self.setup.settle > timedelta(0):
            outcome = self._settle(check.compare, http, outcome)
        message = None if outcome.ok else (outcome.mismatch or "the answer differs")
        at = self.offset
        self.steps.append(
            Executed(
                len(self.steps), operation, str(kind), dict(params), at, check.expected(), outcome.observed, message
            )
        )
        return not outcome.ok

    def _judge(self, compare: Any, http: Any) -> Outcome:
        try:
            response: HttpResponse = self.setup.target.send(http)
        except TargetError as exc:
            raise TransportError(str(exc)) from exc
        finally:
            self.requests += 1
        try:
            result: Outcome = compare(response)
        except TargetError as exc:  # an answer that cannot be judged is a difference too
            return Outcome(False, {"status": response.status}, f"unjudgeable answer: {exc}")
        return result

    def _settle(self, compare: Any, http: Any, outcome: Outcome) -> Outcome:
        deadline = time.monotonic() + self.setup.settle.total_seconds()
        while not outcome.ok and time.monotonic() < deadline:
            time.sleep(0.1)
            outcome = self._judge(compare, http)
        return outcome
