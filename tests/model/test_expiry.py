"""Session expiration: EXP-* clauses, with INT-SET-OVERWRITES (what a refresh does to the expiry) and
INT-BOUNDARY-INCLUSIVE (whether a session is gone at exactly its expiry).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile, RefreshExpiry

from ._support import APP_A, APP_B, Script, Set, Shows, after, refusal_of, run

EXCLUSIVE = Profile(boundary=Boundary.EXCLUSIVE)
KEEP_PREVIOUS = Profile(refresh_expiry=RefreshExpiry.KEEP_PREVIOUS)
BUSY = "Busy/InACall"
OFF = "Offline/Offline"
MICROSECOND = timedelta(microseconds=1)

US = 1  # one microsecond, as the ``microseconds`` argument of :func:`after`

# (script, profile): every Shows in the script must hold.
EXPIRY_SCRIPTS = [
    pytest.param(
        [Set(after(), APP_A, BUSY), Shows(after(minutes=5, microseconds=-US), BUSY), Shows(after(minutes=5), OFF)],
        DEFAULT_PROFILE,
        id="EXP-DEFAULT: no expirationDuration lives exactly 5 minutes",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY, "PT1H"), Shows(after(hours=1, microseconds=-US), BUSY), Shows(after(hours=1), OFF)],
        DEFAULT_PROFILE,
        id="EXP-HONOURED: PT1H lives exactly an hour",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY, "PT4H"), Shows(after(hours=4, microseconds=-US), BUSY), Shows(after(hours=4), OFF)],
        DEFAULT_PROFILE,
        id="EXP-HONOURED: PT4H lives exactly four hours",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT300S"),
            Shows(after(minutes=5, microseconds=-US), BUSY),
            Shows(after(minutes=5), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-DURATION-FORMS: PT300S lives 5 minutes",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT1H"),
            Set(after(minutes=58), APP_B, "Away/Away", "PT5M"),
            Shows(after(hours=1), "Away/Away"),
            Shows(after(hours=1, minutes=3), OFF),
        ],
        DEFAULT_PROFILE,
        id="EXP-OFFLINE: an expired session stops counting; the others still do",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY, "PT5M"), Shows(after(minutes=5), OFF), Shows(after(days=3), OFF)],
        DEFAULT_PROFILE,
        id="EXP-OFFLINE: the last session expiring leaves Offline/Offline",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY),
            Set(after(minutes=4, seconds=59), APP_A, BUSY),
            Shows(after(minutes=5), BUSY),
            Shows(after(minutes=9, seconds=59, microseconds=-US), BUSY),
            Shows(after(minutes=9, seconds=59), OFF),
        ],
        DEFAULT_PROFILE,
        id="EXP-KEEPALIVE: a refresh before expiry keeps the session alive",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY),
            Set(after(minutes=5, microseconds=-US), APP_A, BUSY),
            Shows(after(minutes=5), BUSY),
            Shows(after(minutes=10, microseconds=-2 * US), BUSY),
            Shows(after(minutes=10, microseconds=-US), OFF),
        ],
        DEFAULT_PROFILE,
        id="EXP-KEEPALIVE: a refresh 1 microsecond before expiry still counts",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY),
            Set(after(minutes=4), APP_A, BUSY, "PT1H"),
            Shows(after(hours=1, minutes=4, microseconds=-US), BUSY),
            Shows(after(hours=1, minutes=4), OFF),
        ],
        DEFAULT_PROFILE,
        id="EXP-KEEPALIVE: a refresh with a duration extends to now + duration",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY),
            Shows(after(minutes=5, seconds=30), OFF),
            Set(after(minutes=6), APP_A, "Away/Away"),
            Shows(after(minutes=6), "Away/Away"),
            Shows(after(minutes=11), OFF),
        ],
        DEFAULT_PROFILE,
        id="EXP-KEEPALIVE: a set after expiry starts a new session",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT4H"),
            Set(after(minutes=1), APP_A, BUSY),
            Shows(after(minutes=6, microseconds=-US), BUSY),
            Shows(after(minutes=6), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-SET-OVERWRITES: a refresh without duration resets the expiry to now + PT5M (shortens PT4H)",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT4H"),
            Set(after(minutes=1), APP_A, "Away/Away"),
            Shows(after(minutes=6), "Away/Away"),
            Shows(after(hours=4, microseconds=-US), "Away/Away"),
            Shows(after(hours=4), OFF),
        ],
        KEEP_PREVIOUS,
        id="INT-SET-OVERWRITES: keep-previous keeps the earlier expiry",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT4H"),
            Set(after(minutes=1), APP_A, BUSY, "PT10M"),
            Shows(after(minutes=11, microseconds=-US), BUSY),
            Shows(after(minutes=11), OFF),
        ],
        KEEP_PREVIOUS,
        id="INT-SET-OVERWRITES: keep-previous still honours an explicit duration",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT5M"),
            Set(after(minutes=7), APP_A, BUSY),
            Shows(after(minutes=12, microseconds=-US), BUSY),
            Shows(after(minutes=12), OFF),
        ],
        KEEP_PREVIOUS,
        id="INT-SET-OVERWRITES: keep-previous after expiry gets the PT5M default",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT5M"),
            Shows(after(minutes=5), BUSY),
            Shows(after(minutes=5, microseconds=US), OFF),
        ],
        EXCLUSIVE,
        id="INT-BOUNDARY-INCLUSIVE: under exclusive a session still shows at exactly its expiry",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT5M"),
            Shows(after(minutes=5, microseconds=-US), BUSY),
            Shows(after(minutes=5), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-BOUNDARY-INCLUSIVE: a session is gone at exactly its expiry",
    ),
]


@pytest.mark.parametrize(("script", "profile"), EXPIRY_SCRIPTS)
def test_expiry_script(script: list[Script], profile: Profile) -> None:
    result = run(*script, profile=profile)
    assert all(o.ok for o in result.outcomes), result.outcomes
    assert result.mismatches == []


ACCEPTED_DURATIONS = [
    pytest.param("PT5M", after(minutes=5), id="EXP-RANGE: PT5M, the lower bound, accepted"),
    pytest.param("PT4H", after(hours=4), id="EXP-RANGE: PT4H, the upper bound, accepted"),
    pytest.param("PT300S", after(minutes=5), id="EXP-RANGE: PT300S accepted (INT-DURATION-FORMS)"),
    pytest.param("PT14400S", after(hours=4), id="EXP-RANGE: PT14400S accepted"),
    pytest.param("PT240M", after(hours=4), id="EXP-RANGE: PT240M accepted"),
    pytest.param("P0DT4H", after(hours=4), id="EXP-RANGE: P0DT4H accepted"),
    pytest.param("PT4H0M0S", after(hours=4), id="EXP-RANGE: PT4H0M0S accepted"),
    pytest.param("PT5M0.000001S", after(minutes=5, microseconds=1), id="EXP-RANGE: just above PT5M accepted"),
    pytest.param(
        "PT3H59M59.999999S", after(hours=3, minutes=59, seconds=59, microseconds=999_999), id="EXP-RANGE: under PT4H"
    ),
    pytest.param("PT1H30M", after(hours=1, minutes=30), id="EXP-RANGE: PT1H30M accepted"),
]


@pytest.mark.parametrize(("duration", "expires_at"), ACCEPTED_DURATIONS)
def test_duration_in_range_is_accepted_and_sets_the_expiry(duration: str, expires_at: datetime) -> None:
    result = run(Set(after(), APP_A, BUSY, duration))
    assert result.statuses == [200]
    assert result.user.sessions[0].expires_at == expires_at
    assert result.shows(expires_at - MICROSECOND) == BUSY
    assert result.shows(expires_at) == OFF


REFUSED_DURATIONS = [
    pytest.param("PT4M59S", id="EXP-RANGE: PT4M59S refused"),
    pytest.param("PT4M59.999999S", id="EXP-RANGE: 1 microsecond under PT5M refused"),
    pytest.param("PT4H0M1S", id="EXP-RANGE: PT4H0M1S refused"),
    pytest.param("PT4H0.000001S", id="EXP-RANGE: 1 microsecond over PT4H refused"),
    pytest.param("PT241M", id="EXP-RANGE: PT241M refused"),
    pytest.param("P1D", id="EXP-RANGE: P1D refused"),
    pytest.param("PT0S", id="EXP-RANGE: zero refused"),
    pytest.param("P0D", id="EXP-RANGE: zero days refused"),
    pytest.param("PT1S", id="EXP-RANGE: PT1S refused"),
    pytest.param("", id="INT-DURATION-FORMS: empty string refused"),
    pytest.param("5", id="INT-DURATION-FORMS: bare number refused"),
    pytest.param("PT5", id="INT-DURATION-FORMS: no unit refused"),
    pytest.param("5M", id="INT-DURATION-FORMS: no P refused"),
    pytest.param("-PT5M", id="INT-DURATION-FORMS: negative refused"),
    pytest.param("PT-5M", id="INT-DURATION-FORMS: negative component refused"),
    pytest.param("+PT5M", id="INT-DURATION-FORMS: explicit plus sign refused"),
    pytest.param("P5M", id="INT-DURATION-FORMS: five months (not minutes) refused"),
    pytest.param("P1W", id="INT-DURATION-FORMS: weeks refused"),
    pytest.param("P1Y", id="INT-DURATION-FORMS: years refused"),
    pytest.param("pt5m", id="INT-DURATION-FORMS: lower case refused"),
    pytest.param("PT5M ", id="INT-DURATION-FORMS: trailing space refused"),
    pytest.param("PT5.5M", id="INT-DURATION-FORMS: fractional minutes refused"),
    pytest.param("P", id="INT-DURATION-FORMS: P alone refused"),
    pytest.param("PT", id="INT-DURATION-FORMS: PT alone refused"),
    pytest.param("PT5M5H", id="INT-DURATION-FORMS: components out of order refused"),
    pytest.param("10 minutes", id="INT-DURATION-FORMS: prose refused"),
]


@pytest.mark.parametrize("duration", REFUSED_DURATIONS)
def test_duration_out_of_range_or_malformed_is_refused_and_changes_nothing(duration: str) -> None:
    before = run(Set(after(), APP_B, "Away/Away", "PT1H"))
    result = run(Set(after(minutes=1), APP_A, BUSY, duration), user=before.user)
    assert refusal_of(result.last) == {"status": 400, "code": "invalidRequest"}
    assert result.user == before.user
    assert result.shows(after(minutes=2)) == "Away/Away"


def test_refused_refresh_keeps_the_previous_session() -> None:
    # EXP-RANGE with INT-SET-OVERWRITES: a refused refresh neither replaces nor extends the session.
    result = run(
        Set(after(), APP_A, BUSY),
        Set(after(minutes=4), APP_A, "Away/Away", "PT5H"),
        Shows(after(minutes=4, seconds=30), BUSY),
        Shows(after(minutes=5), OFF),
    )
    assert result.statuses == [200, 400]
    assert result.mismatches == []
