"""The Available timeout: FADE-* clauses, with INT-FADE-AVAILABLE-ONLY, INT-EXPIRY-ENDS-FADE and
INT-BOUNDARY-INCLUSIVE (whether a fade shows at exactly its instant).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile

from ._support import APP_A, APP_B, Script, Set, Shows, after, run

EXCLUSIVE = Profile(boundary=Boundary.EXCLUSIVE)
AVAILABLE = "Available/Available"
INACTIVE = "Available/AvailableInactive"
AWAY = "Away/Away"
OFF = "Offline/Offline"
US = 1  # one microsecond, as the ``microseconds`` argument of :func:`after`

FADE_SCRIPTS = [
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=5, microseconds=-US), AVAILABLE),
            Shows(after(minutes=5), INACTIVE),
        ],
        DEFAULT_PROFILE,
        id="FADE-FIRST: AvailableInactive at exactly 5:00, not at 4:59.999999",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=10, microseconds=-US), INACTIVE),
            Shows(after(minutes=10), AWAY),
            Shows(after(hours=1, microseconds=-US), AWAY),
            Shows(after(hours=1), OFF),
        ],
        DEFAULT_PROFILE,
        id="FADE-SECOND: Away/Away at exactly 10:00, until expiry",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=5), AVAILABLE),
            Shows(after(minutes=5, microseconds=US), INACTIVE),
            Shows(after(minutes=10), INACTIVE),
            Shows(after(minutes=10, microseconds=US), AWAY),
        ],
        EXCLUSIVE,
        id="INT-BOUNDARY-INCLUSIVE: under exclusive each fade shows just after its instant",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=5, microseconds=-US), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=5), AVAILABLE),
            Shows(after(minutes=10, microseconds=-2 * US), AVAILABLE),
            Shows(after(minutes=10, microseconds=-US), INACTIVE),
            Shows(after(minutes=15, microseconds=-US), AWAY),
        ],
        DEFAULT_PROFILE,
        id="FADE-KEEPALIVE: a refresh at 4:59.999999 restarts the 5-minute timeout",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=7), INACTIVE),
            Set(after(minutes=7), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=7), AVAILABLE),
            Shows(after(minutes=12, microseconds=-US), AVAILABLE),
            Shows(after(minutes=12), INACTIVE),
        ],
        DEFAULT_PROFILE,
        id="FADE-KEEPALIVE: a refresh after the first fade brings Available/Available back",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=12), AWAY),
            Set(after(minutes=12), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=12), AVAILABLE),
            Shows(after(minutes=22), AWAY),
        ],
        DEFAULT_PROFILE,
        id="FADE-KEEPALIVE: a refresh after the second fade brings Available/Available back",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(minutes=30), APP_A, AVAILABLE, "PT1H"),
            Shows(after(minutes=35, microseconds=-US), AVAILABLE),
            Shows(after(minutes=35), INACTIVE),
        ],
        DEFAULT_PROFILE,
        id="FADE-FIRST: the timeout counts from the set that made the session Available",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT1H"),
            Set(after(minutes=7), APP_A, "Busy/InACall"),
            Shows(after(minutes=11), "Busy/InACall"),
        ],
        DEFAULT_PROFILE,
        id="INT-FADE-AVAILABLE-ONLY: a faded session set to Busy shows Busy and does not fade",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT5M"),
            Shows(after(minutes=5, microseconds=-US), AVAILABLE),
            Shows(after(minutes=5), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-EXPIRY-ENDS-FADE: PT5M Available goes straight to Offline at 5:00",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT5M"),
            Shows(after(minutes=5), AVAILABLE),
            Shows(after(minutes=5, microseconds=US), OFF),
        ],
        EXCLUSIVE,
        id="INT-EXPIRY-ENDS-FADE: under exclusive too PT5M Available never fades",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE),
            Shows(after(minutes=5, microseconds=-US), AVAILABLE),
            Shows(after(minutes=5), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-EXPIRY-ENDS-FADE: the default PT5M expiry equals the first timeout and wins",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT8M"),
            Shows(after(minutes=5), INACTIVE),
            Shows(after(minutes=8, microseconds=-US), INACTIVE),
            Shows(after(minutes=8), OFF),
            Shows(after(minutes=10), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-EXPIRY-ENDS-FADE: PT8M shows AvailableInactive then Offline, never Away",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT10M"),
            Shows(after(minutes=10, microseconds=-US), INACTIVE),
            Shows(after(minutes=10), OFF),
        ],
        DEFAULT_PROFILE,
        id="INT-EXPIRY-ENDS-FADE: PT10M expiry and the second fade coincide; expiry wins",
    ),
    pytest.param(
        [
            Set(after(), APP_A, AVAILABLE, "PT10M"),
            Shows(after(minutes=10), INACTIVE),
            Shows(after(minutes=10, microseconds=US), OFF),
        ],
        EXCLUSIVE,
        id="INT-EXPIRY-ENDS-FADE: PT10M under exclusive never shows Away",
    ),
]


@pytest.mark.parametrize(("script", "profile"), FADE_SCRIPTS)
def test_fade_script(script: list[Script], profile: Profile) -> None:
    result = run(*script, profile=profile)
    assert all(o.ok for o in result.outcomes), result.outcomes
    assert result.mismatches == []


def _instants_up_to(end: timedelta) -> list[datetime]:
    """Every second from T0 to ``end`` and the microseconds either side of every minute."""
    seconds = [after(seconds=s) for s in range(int(end.total_seconds()) + 61)]
    around = [after(minutes=m, microseconds=d) for m in range(1, int(end.total_seconds()) // 60 + 2) for d in (-1, 1)]
    return sorted(seconds + around)


@pytest.mark.parametrize(
    ("duration", "length", "never"),
    [
        pytest.param("PT5M", timedelta(minutes=5), INACTIVE, id="INT-EXPIRY-ENDS-FADE: PT5M never AvailableInactive"),
        pytest.param("PT8M", timedelta(minutes=8), AWAY, id="INT-EXPIRY-ENDS-FADE: PT8M never Away"),
    ],
)
@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, EXCLUSIVE], ids=["inclusive", "exclusive"])
def test_short_session_never_reaches_a_fade(duration: str, length: timedelta, never: str, profile: Profile) -> None:
    result = run(Set(after(), APP_A, AVAILABLE, duration), profile=profile)
    seen = {result.shows(at) for at in _instants_up_to(length)}
    assert never not in seen
    assert {AVAILABLE, OFF} <= seen


NON_FADING = ["Busy/InACall", "Busy/InAConferenceCall", "Away/Away", "DoNotDisturb/Presenting"]


@pytest.mark.parametrize(
    "shows", [pytest.param(p, id=f"INT-FADE-AVAILABLE-ONLY: {p} holds until expiry") for p in NON_FADING]
)
@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, EXCLUSIVE], ids=["inclusive", "exclusive"])
def test_other_availabilities_never_fade(shows: str, profile: Profile) -> None:
    result = run(Set(after(), APP_A, shows, "PT1H"), profile=profile)
    instants = [after(minutes=m, microseconds=d) for m in (5, 10, 15, 30, 59) for d in (-1, 0, 1)]
    assert {result.shows(at) for at in instants} == {shows}
    assert result.shows(after(hours=1, microseconds=1)) == OFF


def test_each_session_fades_on_its_own_clock() -> None:
    # FADE-FIRST is per session: while A has faded, B (set 3 minutes later) is still fresh and shows.
    result = run(
        Set(after(), APP_A, AVAILABLE, "PT1H"),
        Set(after(minutes=3), APP_B, AVAILABLE, "PT1H"),
        Shows(after(minutes=5), AVAILABLE),
        Shows(after(minutes=8, microseconds=-US), AVAILABLE),
        Shows(after(minutes=8), INACTIVE),
    )
    assert result.mismatches == []
