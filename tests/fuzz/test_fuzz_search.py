"""The search: nothing against the reference, mismatches against mutants within seconds, shrunk small.

Mutants are served from child processes (never patched into this one); the cheap in-process variants are
the reference itself configured with an interpretation the suite is not told about.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from differential_helpers import mutant_target, undeclared

from conformance.fuzz.search import FuzzSettings, fuzz
from conformance.fuzz.strategies import AdvanceBy, AdvanceToTimer, Example, SetPresence
from conformance.targets.setup import open_in_process, open_target
from reference_impl.model import Matching, Profile
from reference_impl.server.runner import serve_in_thread
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceClock, ServiceConfig


def test_the_in_process_reference_agrees_with_the_oracle_on_every_example() -> None:
    with open_in_process() as setup:
        result = fuzz(setup, FuzzSettings(seed=1, budget=150))
    assert result.error is None
    assert result.finding is None and result.first is None
    assert result.examples == 150
    assert result.operations >= 4 * 150
    assert result.operations_per_second > 0


def test_the_bundled_reference_server_agrees_over_http() -> None:
    with open_target(token_secret=DEV_TOKEN_SECRET, environ={}) as setup:
        result = fuzz(setup, FuzzSettings(seed=2, budget=40))
    assert result.error is None
    assert result.finding is None


def test_the_same_seed_plays_the_same_examples() -> None:
    def record(seed_value: int) -> list[Example]:
        seen: list[Example] = []
        with open_in_process() as setup:
            fuzz(setup, FuzzSettings(seed=seed_value, budget=40), on_example=seen.append)
        return seen

    first = record(42)
    assert len(first) == 40
    assert record(42) == first
    assert record(43) != first


def test_an_undeclared_interpretation_is_found_and_shrunk_to_one_operation() -> None:
    with undeclared(Profile(write_status=204)) as setup:
        result = fuzz(setup, FuzzSettings(seed=0, budget=200))
    assert result.finding is not None
    assert len(result.finding.example.operations) == 1
    mismatch = result.finding.mismatch
    assert mismatch is not None
    assert (mismatch.expected["status"], mismatch.observed["status"]) == (200, 204)


def test_a_timer_mismatch_is_shrunk_to_the_set_and_the_clock_move() -> None:
    with undeclared(Profile(clear_expired_status=200)) as setup:
        result = fuzz(setup, FuzzSettings(seed=0, budget=3000))
    assert result.finding is not None
    operations = result.finding.example.operations
    assert len(operations) <= 3
    assert isinstance(operations[0], SetPresence)
    assert any(isinstance(op, AdvanceBy | AdvanceToTimer) for op in operations)
    assert result.finding.mismatch is not None and result.finding.mismatch.kind == "clearPresence"


# Each found in about a second or less against its server; the bound leaves room for a loaded CI machine.
@pytest.mark.parametrize(
    "name",
    [
        "set-success-202",
        "auth-token-not-enforced",
        "err-body-unwrapped",
        "agg-preferred-ignored",
        "agg-sessions-shared-across-users",
        "pref-shown-without-session",
        "int-batch-ids-unchecked",
        "read-batch-omits-offline",
    ],
)
def test_a_mutant_is_found_within_seconds(name: str) -> None:
    with mutant_target(name) as (_, setup):
        settings = FuzzSettings(seed=0, budget=2000, time_limit=timedelta(seconds=30), shrink_time=timedelta(seconds=3))
        result = fuzz(setup, settings)
    assert result.error is None
    assert result.finding is not None, f"{name}: nothing found in {result.examples} examples"
    assert result.seconds_to_first is not None and result.seconds_to_first < 10
    assert len(result.finding.example.operations) <= 3


def test_without_clock_control_it_fuzzes_in_real_time_without_clock_moves() -> None:
    # The reference with case-insensitive matching, no test-control API: the suite is told neither.
    config = ServiceConfig(control_enabled=False, profile=Profile(matching=Matching.CASE_INSENSITIVE))
    with (
        serve_in_thread(PresenceService(config, ServiceClock())) as server,
        open_target(url=server.url, token_secret=DEV_TOKEN_SECRET, environ={}) as setup,
    ):
        assert not setup.clock.controls_time
        settings = FuzzSettings(seed=0, budget=1500, time_limit=timedelta(seconds=30), shrink_time=timedelta(seconds=3))
        result = fuzz(setup, settings)
    assert not result.clock_control
    assert result.finding is not None
    assert all(step.at == timedelta(0) for step in result.finding.steps)
    assert not any(isinstance(op, AdvanceBy | AdvanceToTimer) for op in result.finding.example.operations)
    mismatch = result.finding.mismatch
    assert mismatch is not None and mismatch.observed["status"] == 200
