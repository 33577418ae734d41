"""Interpretations with a declared alternative: one scenario per profile key, answered under the default and
under the alternative, so both readings of every open question are pinned.

Interpretations without alternatives are tested with their topic (test_set, test_fade, ...); the ones
that fit no topic (INT-OFFLINE-PAIR across every way of ending up with nothing) are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from reference_impl.clause_registry import load_registry
from reference_impl.model import DEFAULT_PROFILE, Profile

from ._support import APP_A, APP_B, Clear, Prefer, Script, Set, Unprefer, after, run


def _fade_at_five(profile: Profile) -> object:
    return run(Set(after(), APP_A, "Available/Available", "PT1H"), profile=profile).shows(after(minutes=5))


def _expiry_at_five(profile: Profile) -> object:
    return run(Set(after(), APP_A, "Busy/InACall"), profile=profile).shows(after(minutes=5))


def _refresh_without_duration(profile: Profile) -> object:
    result = run(
        Set(after(), APP_A, "Busy/InACall", "PT4H"), Set(after(minutes=1), APP_A, "Busy/InACall"), profile=profile
    )
    return result.shows(after(minutes=6)), result.shows(after(hours=4))


def _write_statuses(profile: Profile) -> object:
    return run(
        Set(after(), APP_A, "Busy/InACall"),
        Prefer(after(seconds=1), "Away/Away"),
        Unprefer(after(seconds=2)),
        Clear(after(seconds=3), APP_A),
        profile=profile,
    ).statuses


def _mismatched_session_id(profile: Profile) -> object:
    outcome = run(Set(after(), APP_A, "Busy/InACall", session_id=APP_B), profile=profile).last
    return outcome.status, outcome.refusal.code if outcome.refusal else None


def _lower_case_pair(profile: Profile) -> object:
    result = run(Set(after(), APP_A, "donotdisturb/PRESENTING"), profile=profile)
    return result.statuses, result.shows(after(seconds=1))


def _lower_case_preferred(profile: Profile) -> object:
    result = run(Set(after(), APP_A, "Away/Away"), Prefer(after(), "berightback/BERIGHTBACK"), profile=profile)
    return result.statuses, result.shows(after(seconds=1))


def _clear_expired(profile: Profile) -> object:
    result = run(Set(after(), APP_A, "Busy/InACall"), Clear(after(minutes=6), APP_A), profile=profile)
    return result.statuses, result.shows(after(minutes=6))


def _clear_preferred_none(profile: Profile) -> object:
    return run(Unprefer(after()), profile=profile).statuses


@dataclass(frozen=True)
class Reading:
    """A scenario and what it gives under the default profile and under one alternative."""

    key: str
    alternative: object
    scenario: Callable[[Profile], object]
    by_default: object
    by_alternative: object


READINGS = [
    pytest.param(
        Reading("boundary", "exclusive", _fade_at_five, "Available/AvailableInactive", "Available/Available"),
        id="INT-BOUNDARY-INCLUSIVE: the first fade at exactly 5:00",
    ),
    pytest.param(
        Reading("boundary", "exclusive", _expiry_at_five, "Offline/Offline", "Busy/InACall"),
        id="INT-BOUNDARY-INCLUSIVE: the default expiry at exactly 5:00",
    ),
    pytest.param(
        Reading(
            "refresh_expiry",
            "keep-previous",
            _refresh_without_duration,
            ("Offline/Offline", "Offline/Offline"),
            ("Busy/InACall", "Offline/Offline"),
        ),
        id="INT-SET-OVERWRITES: a refresh without duration of a PT4H session",
    ),
    pytest.param(
        Reading("write_status", 204, _write_statuses, [200, 200, 200, 200], [204, 204, 204, 204]),
        id="INT-WRITE-STATUS: all four writes",
    ),
    pytest.param(
        Reading(
            "session_id_mismatch_status",
            403,
            _mismatched_session_id,
            (400, "invalidRequest"),
            (403, "accessDenied"),
        ),
        id="INT-SESSIONID-MISMATCH: sessionId of another app",
    ),
    pytest.param(
        Reading(
            "matching",
            "case-insensitive",
            _lower_case_pair,
            ([400], "Offline/Offline"),
            ([200], "DoNotDisturb/Presenting"),
        ),
        id="INT-CASE-SENSITIVE: setPresence in other casings (shown as Graph spells it)",
    ),
    pytest.param(
        Reading(
            "matching",
            "case-insensitive",
            _lower_case_preferred,
            ([200, 400], "Away/Away"),
            ([200, 200], "BeRightBack/BeRightBack"),
        ),
        id="INT-CASE-SENSITIVE: setUserPreferredPresence in other casings",
    ),
    pytest.param(
        Reading(
            "clear_expired_status",
            200,
            _clear_expired,
            ([200, 404], "Offline/Offline"),
            ([200, 200], "Offline/Offline"),
        ),
        id="INT-CLEAR-EXPIRED: clearPresence a minute after expiry",
    ),
    pytest.param(
        Reading("clear_preferred_none_status", 404, _clear_preferred_none, [200], [404]),
        id="INT-CLEAR-PREFERRED-NONE: clearUserPreferredPresence with none set",
    ),
]


@pytest.mark.parametrize("reading", READINGS)
def test_default_reading(reading: Reading) -> None:
    assert reading.scenario(DEFAULT_PROFILE) == reading.by_default


@pytest.mark.parametrize("reading", READINGS)
def test_alternative_reading(reading: Reading) -> None:
    profile = Profile.from_mapping({reading.key: reading.alternative})
    assert reading.scenario(profile) == reading.by_alternative


def test_every_profiled_interpretation_has_a_reading() -> None:
    keys = {reading.key for p in READINGS for reading in p.values if isinstance(reading, Reading)}
    profiled = {c.profile.key for c in load_registry() if c.profile is not None}
    assert keys == profiled


NOTHING_TO_SHOW = [
    pytest.param([], id="INT-OFFLINE-PAIR: never written"),
    pytest.param([Set(after(), APP_A, "Busy/InACall")], id="INT-OFFLINE-PAIR: the last session expired"),
    pytest.param(
        [Set(after(), APP_A, "Busy/InACall"), Clear(after(seconds=1), APP_A)],
        id="INT-OFFLINE-PAIR: the last session cleared",
    ),
    pytest.param([Prefer(after(), "Offline/OffWork")], id="INT-OFFLINE-PAIR: only a preferred Offline/OffWork"),
    pytest.param([Prefer(after(), "Available/Available")], id="INT-OFFLINE-PAIR: only a preferred Available"),
    pytest.param(
        [Set(after(), APP_A, "Busy/InACall"), Clear(after(seconds=1), APP_B)],
        id="INT-OFFLINE-PAIR: a refused clear leaves the session, which then expires",
    ),
]


@pytest.mark.parametrize("script", NOTHING_TO_SHOW)
def test_nothing_to_show_is_offline_offline(script: list[Script]) -> None:
    # Not Offline/OffWork, not PresenceUnknown: the pair clearPresence documents.
    assert run(*script).shows(after(minutes=10)) == "Offline/Offline"


def test_a_preferred_offwork_shows_only_with_a_session() -> None:
    # INT-OFFLINE-PAIR against AGG-PREFERRED: Offline/OffWork is a preferred pair, distinct from Offline/Offline.
    result = run(Prefer(after(), "Offline/OffWork"), Set(after(minutes=1), APP_A, "Available/Available"))
    assert result.shows(after(minutes=2)) == "Offline/OffWork"
