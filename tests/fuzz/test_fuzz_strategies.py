"""What the fuzzer generates: case-format operations, the interesting values, the same examples for a seed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, Phase, given, seed, settings

from conformance.cases.model import ActionKind, AuthMode
from conformance.fuzz.strategies import (
    AdvanceBy,
    AdvanceToTimer,
    BatchRead,
    Example,
    GetMyPresence,
    RawWrite,
    SetPresence,
    SetUserPreferredPresence,
    examples,
)


def _generate(seed_value: int, count: int, *, time_travel: bool = True) -> list[Example]:
    drawn: list[Example] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(examples(time_travel=time_travel))
    def collect(example: Example) -> None:
        drawn.append(example)

    collect()
    return drawn


def test_the_same_seed_generates_the_same_examples() -> None:
    assert _generate(7, 60) == _generate(7, 60)
    assert _generate(7, 60) != _generate(8, 60)


def test_every_operation_is_a_case_step_with_its_app_named() -> None:
    for example in _generate(1, 100):
        assert 1 <= example.users <= 3
        for operation in example.operations:
            if isinstance(operation, AdvanceBy | AdvanceToTimer):
                continue
            kind, params = operation.action()
            assert isinstance(kind, ActionKind)
            assert params["as"] in ("teams", "bot", "reader", "mine")
            named = [params["user"]] if "user" in params else list(params.get("users", ()))
            assert all(name in example.user_names for name in named)


def test_the_values_favour_boundaries_other_spellings_and_bad_requests() -> None:
    operations = [op for example in _generate(3, 1000) for op in example.operations]
    durations = Counter(op.duration for op in operations if isinstance(op, SetPresence))
    assert {"PT5M", "PT4H", "PT10M", None} <= set(durations)  # the bounds and the fade instants
    odd = {"PT4M59S", "PT4H0M1S", "PT300S", "P0DT1H", "PT9M59.5S", "PT0S", "P1D", "-PT5M", "soon"}
    assert len(odd & set(durations)) >= 4  # just outside the range, other spellings, refused ones
    assert {"PT4M59S", "PT4H0M1S"} & set(durations)
    kinds = Counter(type(op).__name__ for op in operations)
    assert {"SetPresence", "ClearPresence", "SetUserPreferredPresence", "ClearUserPreferredPresence"} <= set(kinds)
    assert {"AdvanceBy", "AdvanceToTimer", "RawWrite", "BatchRead", "GetMyPresence", "GetPresence"} <= set(kinds)
    assert kinds["SetPresence"] == max(kinds.values())  # sessions are what the rest acts on
    sets = [op for op in operations if isinstance(op, SetPresence)]
    assert any(op.availability.islower() or op.activity.islower() for op in sets)  # other casings
    assert any(op.session_of or op.session_id for op in sets)  # another app's sessionId
    assert any(op.auth is not AuthMode.TOKEN for op in sets)  # missing or forged tokens
    nudges = {op.nudge for op in operations if isinstance(op, AdvanceToTimer)}
    assert {timedelta(0), timedelta(seconds=1), timedelta(seconds=-1)} <= nudges
    assert any(isinstance(op, RawWrite) and not op.as_json for op in operations)
    assert any(isinstance(op, BatchRead) and not op.users for op in operations)
    assert any(isinstance(op, GetMyPresence) and op.app != "mine" for op in operations)
    assert any(example.users > 1 for example in _generate(3, 100))


def test_without_time_travel_no_clock_moves_and_nothing_expires_while_an_example_runs() -> None:
    for example in _generate(5, 200, time_travel=False):
        for operation in example.operations:
            assert not isinstance(operation, AdvanceBy | AdvanceToTimer)
            if isinstance(operation, SetUserPreferredPresence) and operation.duration is not None:
                # Long enough to outlive the example, or refused anyway.
                assert operation.duration in ("PT8H", "P1D", "P2D", "PT0S", "-PT1H", "soon")
