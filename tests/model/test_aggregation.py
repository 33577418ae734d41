"""Aggregation: AGG-SESSIONS and AGG-PRECEDENCE, with INT-FADED-RANK, INT-TIE-BREAK and INT-OFFLINE-PAIR."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest

from reference_impl.model import DEFAULT_PROFILE, Session, UserPresence, aggregate

from ._support import APP_A, APP_B, APP_C, APP_D, T0, Clear, Script, Set, Shows, after, pair, run

AVAILABLE = "Available/Available"
INACTIVE = "Available/AvailableInactive"
AWAY = "Away/Away"
OFF = "Offline/Offline"
US = 1

# AGG-PRECEDENCE written out as the documentation states it, highest first, one pair per availability.
BY_PRECEDENCE = ["DoNotDisturb/Presenting", "Busy/InACall", "Available/Available", "Away/Away"]


def _precedence_rows() -> list[object]:
    rows: list[object] = []
    for first, second in product(BY_PRECEDENCE, repeat=2):
        if first == second:
            continue
        winner = first if BY_PRECEDENCE.index(first) < BY_PRECEDENCE.index(second) else second
        rows.append(pytest.param(first, second, winner, id=f"AGG-PRECEDENCE: {first} then {second}"))
    return rows


@pytest.mark.parametrize(("first", "second", "expected"), _precedence_rows())
def test_precedence_between_two_sessions(first: str, second: str, expected: str) -> None:
    result = run(
        Set(after(), APP_A, first, "PT1H"),
        Set(after(minutes=1), APP_B, second, "PT1H"),
        Shows(after(minutes=2), expected),
    )
    assert result.mismatches == []


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            "Busy/InACall",
            "Busy/InAConferenceCall",
            "Busy/InAConferenceCall",
            id="INT-TIE-BREAK: Busy/Busy, the most recent wins",
        ),
        pytest.param("Busy/InAConferenceCall", "Busy/InACall", "Busy/InACall", id="INT-TIE-BREAK: Busy/Busy reversed"),
        pytest.param(AVAILABLE, AVAILABLE, AVAILABLE, id="AGG-PRECEDENCE: Available and Available"),
        pytest.param(AWAY, AWAY, AWAY, id="AGG-PRECEDENCE: Away and Away"),
        pytest.param(
            "DoNotDisturb/Presenting",
            "DoNotDisturb/Presenting",
            "DoNotDisturb/Presenting",
            id="AGG-PRECEDENCE: DoNotDisturb and DoNotDisturb",
        ),
    ],
)
def test_same_availability_from_two_sessions(first: str, second: str, expected: str) -> None:
    result = run(
        Set(after(), APP_A, first, "PT1H"),
        Set(after(minutes=1), APP_B, second, "PT1H"),
        Shows(after(minutes=2), expected),
    )
    assert result.mismatches == []


AGGREGATION_SCRIPTS = [
    pytest.param(
        [
            Set(after(), APP_A, AWAY, "PT1H"),
            Set(after(seconds=1), APP_B, AVAILABLE, "PT1H"),
            Set(after(seconds=2), APP_C, "Busy/InACall", "PT1H"),
            Set(after(seconds=3), APP_D, "DoNotDisturb/Presenting", "PT1H"),
            Shows(after(seconds=4), "DoNotDisturb/Presenting"),
            Clear(after(seconds=5), APP_D),
            Shows(after(seconds=5), "Busy/InACall"),
            Clear(after(seconds=6), APP_C),
            Shows(after(seconds=6), AVAILABLE),
            Clear(after(seconds=7), APP_B),
            Shows(after(seconds=7), AWAY),
            Clear(after(seconds=8), APP_A),
            Shows(after(seconds=8), OFF),
        ],
        id="AGG-SESSIONS: four apps, removed from the top one by one",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT5M"),
            Set(after(minutes=1), APP_B, AWAY, "PT1H"),
            Shows(after(minutes=5, microseconds=-US), "Busy/InACall"),
            Shows(after(minutes=5), AWAY),
        ],
        id="AGG-SESSIONS: the next session shows when the top one expires",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=5, seconds=30), APP_B, AWAY, "PT1H"),
            Shows(after(minutes=6), INACTIVE),
        ],
        id="INT-FADED-RANK: AvailableInactive ranks as Available, above a fresh Away",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=9), APP_B, AVAILABLE, "PT1H"),
            Shows(after(minutes=10), AVAILABLE),
        ],
        id="INT-FADED-RANK: a session faded to Away loses to a fresh Available",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=5), APP_B, AVAILABLE, "PT1H"),
            Shows(after(minutes=11), INACTIVE),
        ],
        id="INT-FADED-RANK: faded to Away loses to another app's AvailableInactive",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=1), APP_B, "Busy/InACall", "PT1H"),
            Shows(after(minutes=11), "Busy/InACall"),
        ],
        id="INT-FADED-RANK: faded to Away loses to Busy",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=1), APP_B, "DoNotDisturb/Presenting", "PT5M"),
            Shows(after(minutes=6), INACTIVE),
            Shows(after(minutes=10), AWAY),
        ],
        id="INT-FADED-RANK: after DoNotDisturb expires the faded session shows its stage",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=2), APP_B, AVAILABLE, "PT1H"),
            Shows(after(minutes=6), AVAILABLE),
            Shows(after(minutes=7), INACTIVE),
        ],
        # A fresh session is always set later than a faded one (fading counts from set_at), so "fresh first"
        # and "most recent first" agree on every reachable state; this row checks their common verdict.
        id="INT-TIE-BREAK: fresh Available beats AvailableInactive",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(minutes=1), APP_B, "Busy/InAConferenceCall", "PT1H"),
            Set(after(minutes=2), APP_A, "Busy/InACall", "PT1H"),
            Shows(after(minutes=3), "Busy/InACall"),
        ],
        id="INT-TIE-BREAK: a refresh makes a session the most recent again",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(), APP_B, "Busy/InAConferenceCall", "PT1H"),
            Shows(after(), "Busy/InAConferenceCall"),
        ],
        id="INT-TIE-BREAK: frozen clock, the later arrival wins",
    ),
    pytest.param(
        [
            Set(after(), APP_B, "Busy/InAConferenceCall", "PT1H"),
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Shows(after(), "Busy/InACall"),
        ],
        id="INT-TIE-BREAK: frozen clock, arrival order not app order",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(), APP_B, "Busy/InAConferenceCall", "PT1H"),
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Shows(after(), "Busy/InACall"),
        ],
        id="INT-TIE-BREAK: frozen clock, a refresh arrives last",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(), APP_B, "Busy/InAConferenceCall", "PT1H"),
            Set(after(), APP_C, "Away/Away", "PT1H"),
            Shows(after(), "Busy/InAConferenceCall"),
        ],
        id="INT-TIE-BREAK: a later lower-ranked arrival does not change the winner",
    ),
    pytest.param(
        [Shows(after(), OFF), Shows(after(days=400), OFF)],
        id="INT-OFFLINE-PAIR: a user never written to is Offline/Offline",
    ),
]


@pytest.mark.parametrize("script", AGGREGATION_SCRIPTS)
def test_aggregation_script(script: list[Script]) -> None:
    result = run(*script)
    assert all(o.ok for o in result.outcomes), result.outcomes
    assert result.mismatches == []


def test_set_at_orders_before_arrival() -> None:
    # INT-TIE-BREAK: arrival only breaks ties between sessions set at the same instant.
    a = Session(APP_A, pair("Busy/InACall"), T0 + timedelta(minutes=1), T0 + timedelta(hours=1), arrival=0)
    b = Session(APP_B, pair("Busy/InAConferenceCall"), T0, T0 + timedelta(hours=1), arrival=1)
    user = UserPresence((b, a), None, 2)
    assert str(aggregate(user, T0 + timedelta(minutes=2), DEFAULT_PROFILE)) == "Busy/InACall"


def test_expired_sessions_left_in_the_state_do_not_count() -> None:
    # EXP-OFFLINE at the aggregation level: the state may still hold expired sessions (pruned on the next
    # write); they must not show, even if they would rank higher.
    dnd = Session(APP_A, pair("DoNotDisturb/Presenting"), T0, T0 + timedelta(minutes=5), arrival=0)
    away = Session(APP_B, pair(AWAY), T0, T0 + timedelta(hours=1), arrival=1)
    user = UserPresence((dnd, away), None, 2)
    assert str(aggregate(user, T0 + timedelta(minutes=5), DEFAULT_PROFILE)) == AWAY
    assert str(aggregate(user, T0 + timedelta(minutes=4), DEFAULT_PROFILE)) == "DoNotDisturb/Presenting"
