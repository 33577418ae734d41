"""The search: Hypothesis generates examples, the runner plays them, a mismatch is shrunk to a minimal one.

:func:`fuzz` runs Hypothesis programmatically (``@given`` on an inner function, seeded, no example
database, no deadline) over :func:`~.strategies.examples`. The inner function plays each example with a
:class:`~.runner.FuzzRunner` and raises on the first mismatch; Hypothesis then shrinks the example (fewer
operations, fewer users, simpler values) while a mismatch remains, and the last, smallest failing trace
is the finding.

Determinism: the same seed generates the same examples against a target that answers the same way.
A ``budget`` of examples is one Hypothesis run; a time limit runs rounds of examples, each seeded from
the seed and its number, until the time is spent (so a longer limit replays the shorter one first).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from ..targets.setup import TargetSetup
from .runner import FuzzRunner, Trace, TransportError
from .strategies import Example, examples, plainer

__all__ = ["FuzzResult", "FuzzSettings", "fuzz"]

_ROUND = 100


@dataclass(frozen=True, slots=True)
class FuzzSettings:
    """What one fuzzing run does.

    Attributes:
        seed: the generation seed.
        budget: how many examples at most (``None``: until ``time_limit``).
        time_limit: how long to generate at most (``None``: until ``budget``); shrinking a finding
            is not cut short by it.
        max_operations: the longest example.
        shrink: shrink a finding (else the first failing example is the finding).
        shrink_time: how long Hypothesis may shrink a finding (every candidate is played against the
            target); the smallest failing example by then is kept, then :func:`minimize` finishes.
    """

    seed: int = 0
    budget: int | None = 200
    time_limit: timedelta | None = None
    max_operations: int = 16
    shrink: bool = True
    shrink_time: timedelta = timedelta(seconds=10)

    def __post_init__(self) -> None:
        if self.budget is None and self.time_limit is None:
            raise ValueError("give a budget of examples, a time limit, or both")
        if self.budget is not None and self.budget < 1:
            raise ValueError(f"the budget must be at least one example (got {self.budget})")
        if self.max_operations < 1:
            raise ValueError(f"max_operations must be at least 1 (got {self.max_operations})")


@dataclass(frozen=True, slots=True)
class FuzzResult:
    """What a fuzzing run found, and how fast it ran.

    ``finding`` is the shrunk trace (``None``: no mismatch); ``first`` the first failing trace, before
    shrinking, found after ``seconds_to_first`` seconds. ``examples``, ``operations`` and ``requests``
    count everything played, shrinking included, in ``seconds``. ``error`` says why the run stopped
    early (the target became unreachable).
    """

    seed: int
    clock_control: bool
    finding: Trace | None
    first: Trace | None
    seconds_to_first: float | None
    examples: int
    operations: int
    requests: int
    seconds: float
    error: str | None = None

    @property
    def operations_per_second(self) -> float:
        return self.operations / self.seconds if self.seconds > 0 else 0.0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


class _Found(Exception):
    def __init__(self, trace: Trace) -> None:
        super().__init__("mismatch")
        self.trace = trace


class _Run:
    """Counters and the stop flag shared by the rounds of one :func:`fuzz` call."""

    def __init__(
        self,
        runner: FuzzRunner,
        deadline: float | None,
        on_example: Callable[[Example], None] | None,
        shrink_time: timedelta,
    ) -> None:
        self.runner = runner
        self.deadline = deadline
        self.on_example = on_example
        self.started = time.monotonic()
        self.examples = self.operations = self.requests = 0
        self.first: Trace | None = None
        self.first_at: float | None = None
        self.last_failing: Trace | None = None
        self.stop = False
        self.shrink_time = shrink_time
        self.shrink_deadline: float | None = None

    def count_replay(self, example: Example) -> None:
        if self.on_example is not None:
            self.on_example(example)

    def play(self, example: Example) -> None:
        if self.stop and self.first is None:
            return  # out of time or target gone: let Hypothesis run out of examples quickly
        if self.shrink_deadline is not None and time.monotonic() > self.shrink_deadline:
            return  # shrinking has had its time: the candidates left "pass", the smallest failure stands
        if self.on_example is not None:
            self.on_example(example)
        try:
            trace = self.runner.run(example)
        except TransportError:
            self.stop = True
            return
        self.examples += 1
        self.operations += trace.operations
        self.requests += trace.requests
        if trace.mismatch is not None:
            if self.first is None:
                self.first, self.first_at = trace, time.monotonic() - self.started
                self.shrink_deadline = time.monotonic() + self.shrink_time.total_seconds()
            self.last_failing = trace
            raise _Found(trace)
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stop = True


def _round_seed(base: int, number: int) -> int:
    if number == 0:
        return base
    return int.from_bytes(hashlib.sha256(f"{base}/{number}".encode()).digest()[:8], "big")


def _found_in(error: BaseException) -> Trace | None:
    if isinstance(error, _Found):
        return error.trace
    for inner in getattr(error, "exceptions", ()):
        found = _found_in(inner)
        if found is not None:
            return found
    return _found_in(error.__cause__) if error.__cause__ is not None else None


def _round(run: _Run, number: int, examples_in_round: int, fuzz_settings: FuzzSettings) -> Trace | None:
    phases = [Phase.generate, Phase.shrink] if fuzz_settings.shrink else [Phase.generate]
    strategy = examples(time_travel=run.runner.clock_control, max_operations=fuzz_settings.max_operations)

    @seed(_round_seed(fuzz_settings.seed, number))
    @settings(
        max_examples=examples_in_round,
        database=None,
        deadline=None,
        derandomize=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(strategy)
    def probe(example: Example) -> None:
        run.play(example)

    try:
        probe()
    except Exception as error:
        found = _found_in(error)
        if found is not None:
            return found
        if run.last_failing is not None:  # e.g. Hypothesis found the final replay flaky
            return run.last_failing
        raise
    return None


def minimize(runner: FuzzRunner, trace: Trace, *, on_example: Callable[[Example], None] | None = None) -> Trace:
    """A smaller failing trace than ``trace`` where one exists, while a mismatch remains: operations after
    the mismatch dropped; one operation at a time deleted; users the operations do not name removed; then
    each operation replaced by a plainer variant (:func:`~.strategies.plainer`: the first app, a token,
    no duration, a clock move just past its instant rather than on it). Hypothesis's shrinker does not
    always delete list elements that repeat their neighbours, and it has a time budget; this pass finishes
    the job in a few dozen replays.

    Stops early, keeping the best so far, if the target becomes unreachable.
    """

    def replay(example: Example) -> Trace | None:
        if on_example is not None:
            on_example(example)
        try:
            candidate = runner.run(example)
        except TransportError:
            return None
        return candidate if candidate.mismatch is not None else None

    best = trace
    played = best.example.operations[: best.operations]
    if len(played) < len(best.example.operations):
        best = replay(Example(best.example.users, played)) or best
    improved = True
    while improved:
        improved = False
        operations = best.example.operations
        for index in range(len(operations)):
            if len(operations) == 1:
                break
            smaller = replay(Example(best.example.users, operations[:index] + operations[index + 1 :]))
            if smaller is not None:
                best, improved = smaller, True
                break
        if not improved and best.example.users > 1 and best.example.users - 1 not in _named_users(best.example):
            fewer = replay(Example(best.example.users - 1, best.example.operations))
            if fewer is not None:
                best, improved = fewer, True
    for index in range(len(best.example.operations)):
        for variant in plainer(best.example.operations[index]):
            operations = best.example.operations
            simpler = replay(Example(best.example.users, (*operations[:index], variant, *operations[index + 1 :])))
            if simpler is not None:
                best = simpler
                break
    return best


def _named_users(example: Example) -> set[int]:
    named: set[int] = set()
    for operation in example.operations:
        named.update(getattr(operation, "users", ()))
        user = getattr(operation, "user", None)
        if isinstance(user, int) and getattr(operation, "user_id", None) is None:
            named.add(user)
    return named


def fuzz(
    setup: TargetSetup, fuzz_settings: FuzzSettings, *, on_example: Callable[[Example], None] | None = None
) -> FuzzResult:
    """Fuzz ``setup``'s target against the oracle; return the (shrunk) first finding, if any.

    ``on_example`` sees every example before it is played (shrinking included), e.g. to log them.
    The target's clock is released at the end.
    """
    runner = FuzzRunner(setup)
    limit = fuzz_settings.time_limit
    deadline = None if limit is None else time.monotonic() + limit.total_seconds()
    run = _Run(runner, deadline, on_example, fuzz_settings.shrink_time)
    finding: Trace | None = None
    number = 0
    try:
        while not run.stop:
            left = None if fuzz_settings.budget is None else fuzz_settings.budget - run.examples
            if left is not None and left <= 0:
                break
            size = left if limit is None and left is not None else min(_ROUND, left or _ROUND)
            finding = _round(run, number, size, fuzz_settings)
            if finding is not None or limit is None:
                break
            number += 1
        if finding is not None and fuzz_settings.shrink:
            finding = minimize(runner, finding, on_example=run.count_replay)
    finally:
        runner.close()
    error = runner.error
    return FuzzResult(
        seed=fuzz_settings.seed,
        clock_control=runner.clock_control,
        finding=finding,
        first=run.first,
        seconds_to_first=run.first_at,
        examples=run.examples,
        operations=run.operations,
        requests=run.requests,
        seconds=time.monotonic() - run.started,
        error=None if error is None else str(error),
    )
