"""User-preferred presence: PREF-* clauses and AGG-PREFERRED, with INT-PREF-RETAINED, INT-PREF-DURATION and
INT-CLEAR-PREFERRED-NONE.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest

from reference_impl.model import (
    DEFAULT_PROFILE,
    Profile,
    Refusal,
    parse_clear_user_preferred_presence,
    parse_set_user_preferred_presence,
    preferred_default_expiry,
)

from ._support import APP_A, APP_B, T0, Clear, Prefer, Script, Set, Shows, Unprefer, after, pair, refusal_of, run

PREFERRED_PAIRS = [
    "Available/Available",
    "Busy/Busy",
    "DoNotDisturb/DoNotDisturb",
    "BeRightBack/BeRightBack",
    "Away/Away",
    "Offline/OffWork",
]
SESSION_PAIRS = [
    "Available/Available",
    "Busy/InACall",
    "Busy/InAConferenceCall",
    "Away/Away",
    "DoNotDisturb/Presenting",
]
DND = "DoNotDisturb/Presenting"
OFF = "Offline/Offline"
US = 1


@pytest.mark.parametrize("shows", [pytest.param(p, id=f"PREF-PAIRS: {p} accepted") for p in PREFERRED_PAIRS])
def test_supported_preferred_pair_is_accepted_and_shown(shows: str) -> None:
    result = run(Set(after(), APP_A, DND, "PT1H"), Prefer(after(seconds=1), shows), Shows(after(minutes=1), shows))
    assert result.statuses == [200, 200]
    assert result.mismatches == []


@pytest.mark.parametrize(
    "shows",
    [
        pytest.param("Busy/InACall", id="PREF-PAIRS: Busy/InACall (a session pair) refused"),
        pytest.param("DoNotDisturb/Presenting", id="PREF-PAIRS: DoNotDisturb/Presenting refused"),
        pytest.param("Offline/Offline", id="PREF-PAIRS: Offline/Offline refused"),
        pytest.param("Away/BeRightBack", id="PREF-PAIRS: Away/BeRightBack refused"),
        pytest.param("Available/AvailableInactive", id="PREF-PAIRS: the fade pair refused"),
        pytest.param("Busy/DoNotDisturb", id="PREF-PAIRS: mixed pair refused"),
        pytest.param("Offline/offWork", id="INT-CASE-SENSITIVE: preferred activity case refused"),
        pytest.param("busy/busy", id="INT-CASE-SENSITIVE: preferred lower case refused"),
        pytest.param("Lunch/Lunch", id="INT-UNSUPPORTED-PAIR: unknown words for preferred refused"),
    ],
)
def test_unsupported_preferred_pair_is_refused_and_changes_nothing(shows: str) -> None:
    before = run(Set(after(), APP_A, DND, "PT1H"), Prefer(after(seconds=1), "Away/Away"))
    result = run(Prefer(after(minutes=1), shows), user=before.user)
    assert refusal_of(result.last) == {"status": 400, "code": "invalidRequest"}
    assert result.user == before.user


def _over_rows() -> list[object]:
    return [
        pytest.param(preferred, session, id=f"AGG-PREFERRED: {preferred} over {session}")
        for preferred, session in product(PREFERRED_PAIRS, SESSION_PAIRS)
    ]


@pytest.mark.parametrize(("preferred", "session"), _over_rows())
def test_preferred_overrides_every_session(preferred: str, session: str) -> None:
    result = run(
        Set(after(), APP_A, session, "PT1H"),
        Set(after(seconds=1), APP_B, session, "PT1H"),
        Prefer(after(seconds=2), preferred),
        Shows(after(minutes=1), preferred),
        Shows(after(minutes=12), preferred),  # also over the faded stages of an Available session
    )
    assert result.mismatches == []


PREFERRED_SCRIPTS = [
    pytest.param(
        [Prefer(after(), "Busy/Busy"), Shows(after(), OFF), Shows(after(hours=3), OFF)],
        DEFAULT_PROFILE,
        [200],
        id="PREF-NEEDS-SESSION: no session, the user shows Offline/Offline",
    ),
    pytest.param(
        [
            Prefer(after(), "Busy/Busy"),
            Set(after(minutes=30), APP_A, "Available/Available", "PT1H"),
            Shows(after(minutes=30), "Busy/Busy"),
        ],
        DEFAULT_PROFILE,
        [200, 200],
        id="INT-PREF-RETAINED: set while hidden, shown when a session appears",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Available/Available", "PT5M"),
            Prefer(after(minutes=1), "BeRightBack/BeRightBack"),
            Shows(after(minutes=5, microseconds=-US), "BeRightBack/BeRightBack"),
            Shows(after(minutes=5), OFF),
            Set(after(hours=2), APP_B, "Busy/InACall", "PT1H"),
            Shows(after(hours=2), "BeRightBack/BeRightBack"),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="INT-PREF-RETAINED: hidden when the last session expires, shown again with a new one",
    ),
    pytest.param(
        [
            Prefer(after(), "Away/Away"),
            Set(after(minutes=1), APP_A, DND, "PT5M"),
            Clear(after(minutes=2), APP_A),
            Shows(after(minutes=2), OFF),
            Set(after(minutes=3), APP_B, "Busy/InACall"),
            Shows(after(minutes=3), "Away/Away"),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200, 200],
        id="INT-PREF-RETAINED: survives the clear of the last session",
    ),
    pytest.param(
        [
            Prefer(after(), "Busy/Busy", "PT1H"),
            Set(after(hours=2), APP_A, "Away/Away", "PT1H"),
            Shows(after(hours=2), "Away/Away"),
        ],
        DEFAULT_PROFILE,
        [200, 200],
        id="INT-PREF-RETAINED: a preferred presence that expired while hidden does not come back",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT4H"),
            Prefer(after(), "Available/Available", "PT8H"),
            Shows(after(hours=3, minutes=59), "Available/Available"),
        ],
        DEFAULT_PROFILE,
        [200, 200],
        id="PREF-EXPIRY: PT8H (the documentation's example) still applies",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT4H"),
            Prefer(after(), "Available/Available", "PT1H"),
            Shows(after(hours=1, microseconds=-US), "Available/Available"),
            Shows(after(hours=1), DND),
        ],
        DEFAULT_PROFILE,
        [200, 200],
        id="PREF-EXPIRY: stops applying at exactly its expiry",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT4H"),
            Prefer(after(), "Busy/Busy", "PT1M"),
            Shows(after(minutes=1, microseconds=-US), "Busy/Busy"),
            Shows(after(minutes=1), DND),
        ],
        DEFAULT_PROFILE,
        [200, 200],
        id="INT-PREF-DURATION: PT1M (below the session minimum) is accepted and honoured",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT4H"),
            Prefer(after(), "Busy/Busy", "PT2H"),
            Prefer(after(minutes=1), "Away/Away", "PT10M"),
            Shows(after(minutes=11, microseconds=-US), "Away/Away"),
            Shows(after(minutes=11), DND),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="PREF-EXPIRY: a second preferred presence replaces the first and its expiry",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT1H"),
            Prefer(after(), "Busy/Busy"),
            Unprefer(after(minutes=1)),
            Shows(after(minutes=1), DND),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="PREF-CLEAR: clearing shows the sessions again",
    ),
    pytest.param(
        [Unprefer(after())],
        DEFAULT_PROFILE,
        [200],
        id="INT-CLEAR-PREFERRED-NONE: clearing with none set answers 200",
    ),
    pytest.param(
        [Unprefer(after())],
        Profile(clear_preferred_none_status=404),
        [404],
        id="INT-CLEAR-PREFERRED-NONE: 404 under the alternative",
    ),
    pytest.param(
        [Prefer(after(), "Busy/Busy", "PT1H"), Unprefer(after(hours=1))],
        Profile(clear_preferred_none_status=404),
        [200, 404],
        id="INT-CLEAR-PREFERRED-NONE: an expired preferred presence counts as none (404 alternative)",
    ),
    pytest.param(
        [Prefer(after(), "Busy/Busy"), Unprefer(after(minutes=1)), Unprefer(after(minutes=2))],
        Profile(clear_preferred_none_status=404),
        [200, 200, 404],
        id="PREF-CLEAR: 200 when set, then none left (404 alternative)",
    ),
    pytest.param(
        [
            Set(after(), APP_A, DND, "PT1H"),
            Prefer(after(), "Busy/Busy"),
            Set(after(minutes=1), APP_A, "Away/Away", "PT1H"),
            Set(after(minutes=2), APP_B, "Available/Available", "PT1H"),
            Shows(after(minutes=3), "Busy/Busy"),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200, 200],
        id="AGG-PREFERRED: session writes do not displace the preferred presence",
    ),
]


@pytest.mark.parametrize(("script", "profile", "statuses"), PREFERRED_SCRIPTS)
def test_preferred_script(script: list[Script], profile: Profile, statuses: list[int]) -> None:
    result = run(*script, profile=profile)
    assert result.statuses == statuses
    assert result.mismatches == []


DEFAULT_EXPIRIES = [
    pytest.param("Busy/Busy", 1, id="PREF-DEFAULT-EXPIRY: Busy/Busy 1 day"),
    pytest.param("DoNotDisturb/DoNotDisturb", 1, id="PREF-DEFAULT-EXPIRY: DoNotDisturb 1 day"),
    pytest.param("Available/Available", 7, id="PREF-DEFAULT-EXPIRY: Available 7 days"),
    pytest.param("Away/Away", 7, id="PREF-DEFAULT-EXPIRY: Away 7 days"),
    pytest.param("BeRightBack/BeRightBack", 7, id="PREF-DEFAULT-EXPIRY: BeRightBack 7 days"),
    pytest.param("Offline/OffWork", 7, id="PREF-DEFAULT-EXPIRY: Offline/OffWork 7 days"),
]


@pytest.mark.parametrize(("shows", "days"), DEFAULT_EXPIRIES)
def test_preferred_default_expiry(shows: str, days: int) -> None:
    result = run(
        Prefer(after(), shows),
        Set(after(days=days, minutes=-1), APP_A, DND),  # a session alive across the expiry
        Shows(after(days=days, microseconds=-US), shows),
        Shows(after(days=days), DND),
    )
    assert result.statuses == [200, 200]
    assert result.mismatches == []
    assert preferred_default_expiry(pair(shows)) == timedelta(days=days)


@pytest.mark.parametrize(
    ("shows", "duration", "expires_at"),
    [
        pytest.param("Busy/Busy", "P2D", after(days=2), id="PREF-EXPIRY: an explicit P2D beats the 1-day default"),
        pytest.param("Away/Away", "PT8H", after(hours=8), id="PREF-EXPIRY: an explicit PT8H beats the 7-day default"),
        pytest.param("Away/Away", "P30D", after(days=30), id="INT-PREF-DURATION: P30D accepted"),
        pytest.param("Away/Away", "PT0.000001S", after(microseconds=1), id="INT-PREF-DURATION: 1 microsecond"),
    ],
)
def test_explicit_preferred_duration_sets_the_expiry(shows: str, duration: str, expires_at: object) -> None:
    result = run(Prefer(after(), shows, duration))
    assert result.statuses == [200]
    assert result.user.preferred is not None
    assert result.user.preferred.expires_at == expires_at


@pytest.mark.parametrize(
    "duration",
    [
        pytest.param("PT0S", id="INT-PREF-DURATION: zero refused"),
        pytest.param("P0D", id="INT-PREF-DURATION: zero days refused"),
        pytest.param("-PT1H", id="INT-PREF-DURATION: negative refused"),
        pytest.param("", id="INT-PREF-DURATION: empty refused"),
        pytest.param("P1W", id="INT-PREF-DURATION: weeks refused"),
        pytest.param("8 hours", id="INT-PREF-DURATION: malformed refused"),
    ],
)
def test_bad_preferred_duration_is_refused(duration: str) -> None:
    with pytest.raises(Refusal) as raised:
        parse_set_user_preferred_presence(
            {"availability": "Busy", "activity": "Busy", "expirationDuration": duration}, DEFAULT_PROFILE
        )
    assert (raised.value.status, raised.value.code) == (400, "invalidRequest")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="INT-BAD-INPUT: preferred without a body"),
        pytest.param({"availability": "Busy"}, id="INT-BAD-INPUT: preferred without activity"),
        pytest.param({"availability": "Busy", "activity": "Busy", "sessionId": APP_A}, id="INT-BAD-INPUT: sessionId"),
        pytest.param({"availability": "Busy", "activity": 1}, id="INT-BAD-INPUT: preferred numeric activity"),
    ],
)
def test_malformed_preferred_body_is_refused(body: object) -> None:
    with pytest.raises(Refusal) as raised:
        parse_set_user_preferred_presence(body, DEFAULT_PROFILE)
    assert raised.value.status == 400


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        pytest.param(None, True, id="PREF-CLEAR: no body accepted"),
        pytest.param({}, True, id="PREF-CLEAR: empty object accepted"),
        pytest.param({"availability": "Busy"}, False, id="INT-BAD-INPUT: clear preferred with a property"),
        pytest.param([], False, id="INT-BAD-INPUT: clear preferred with an array"),
        pytest.param("", False, id="INT-BAD-INPUT: clear preferred with a string"),
    ],
)
def test_clear_preferred_body(body: object, accepted: bool) -> None:
    if accepted:
        parse_clear_user_preferred_presence(body)
    else:
        with pytest.raises(Refusal) as raised:
            parse_clear_user_preferred_presence(body)
        assert raised.value.status == 400


def test_preferred_is_kept_with_its_set_instant() -> None:
    # PREF-DEFAULT-EXPIRY counts from the set: a preferred presence set later expires later.
    result = run(Prefer(after(hours=5), "Busy/Busy"))
    assert result.user.preferred is not None
    assert result.user.preferred.set_at == after(hours=5)
    assert result.user.preferred.expires_at == T0 + timedelta(days=1, hours=5)
