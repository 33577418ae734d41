"""clearPresence: CLEAR-* clauses, with INT-CLEAR-EXPIRED and the sessionId rule for clears."""

from __future__ import annotations

import pytest

from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile, Refusal, parse_clear_presence

from ._support import APP_A, APP_B, Clear, Prefer, Script, Set, Shows, after, app_caller, refusal_of, run

BUSY = "Busy/InACall"
OFF = "Offline/Offline"
US = 1
CLEAR_EXPIRED_200 = Profile(clear_expired_status=200)

# (script, profile, statuses of the writes in order)
CLEAR_SCRIPTS = [
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT1H"),
            Set(after(seconds=1), APP_B, "Available/Available", "PT1H"),
            Clear(after(minutes=1), APP_A),
            Shows(after(minutes=1), "Available/Available"),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="CLEAR-SESSION: clearing one app's session leaves the other counting",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT1H"),
            Set(after(seconds=1), APP_B, "Away/Away", "PT1H"),
            Clear(after(minutes=1), APP_B),
            Shows(after(minutes=1), BUSY),
            Shows(after(hours=1, microseconds=-US), BUSY),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="CLEAR-SESSION: clearing a hidden session changes nothing visible",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY, "PT1H"), Clear(after(minutes=1), APP_A), Shows(after(minutes=1), OFF)],
        DEFAULT_PROFILE,
        [200, 200],
        id="CLEAR-LAST-OFFLINE: clearing the only session gives Offline/Offline",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT1H"),
            Prefer(after(seconds=1), "Busy/Busy"),
            Clear(after(minutes=1), APP_A),
            Shows(after(minutes=1), OFF),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="CLEAR-LAST-OFFLINE: even with a preferred presence set (PREF-NEEDS-SESSION)",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY, "PT1H"),
            Clear(after(minutes=1), APP_A),
            Set(after(minutes=2), APP_A, "Available/Available", "PT1H"),
            Shows(after(minutes=2), "Available/Available"),
            Shows(after(minutes=7), "Available/AvailableInactive"),
        ],
        DEFAULT_PROFILE,
        [200, 200, 200],
        id="CLEAR-SESSION: a set after a clear starts a fresh session",
    ),
    pytest.param(
        [Clear(after(), APP_A), Shows(after(), OFF)],
        DEFAULT_PROFILE,
        [404],
        id="CLEAR-NOT-FOUND: no session at all",
    ),
    pytest.param(
        [Set(after(), APP_B, BUSY, "PT1H"), Clear(after(minutes=1), APP_A), Shows(after(minutes=1), BUSY)],
        DEFAULT_PROFILE,
        [200, 404],
        id="CLEAR-NOT-FOUND: only another app has a session, which is untouched",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY, "PT1H"), Clear(after(minutes=1), APP_A), Clear(after(minutes=2), APP_A)],
        DEFAULT_PROFILE,
        [200, 200, 404],
        id="CLEAR-NOT-FOUND: a second clear",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(minutes=5), APP_A)],
        DEFAULT_PROFILE,
        [200, 404],
        id="INT-CLEAR-EXPIRED: at exactly the expiry the session is gone, 404",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(minutes=5, microseconds=-US), APP_A), Shows(after(minutes=5), OFF)],
        DEFAULT_PROFILE,
        [200, 200],
        id="INT-CLEAR-EXPIRED: 1 microsecond before the expiry the session is cleared, 200",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(hours=2), APP_A)],
        DEFAULT_PROFILE,
        [200, 404],
        id="INT-CLEAR-EXPIRED: long expired, 404",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(minutes=5), APP_A)],
        Profile(boundary=Boundary.EXCLUSIVE),
        [200, 200],
        id="INT-BOUNDARY-INCLUSIVE: under exclusive the session still exists at its expiry",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(minutes=6), APP_A), Shows(after(minutes=6), OFF)],
        CLEAR_EXPIRED_200,
        [200, 200],
        id="INT-CLEAR-EXPIRED: 200 under the alternative",
    ),
    pytest.param(
        [Set(after(), APP_A, BUSY), Clear(after(minutes=6), APP_A), Clear(after(minutes=7), APP_A)],
        CLEAR_EXPIRED_200,
        [200, 200, 404],
        id="INT-CLEAR-EXPIRED: under the alternative a cleared expired session is gone, then 404",
    ),
    pytest.param(
        [
            Set(after(), APP_A, BUSY),
            Clear(after(minutes=6), APP_A),
            Set(after(minutes=7), APP_A, "Away/Away"),
            Shows(after(minutes=7), "Away/Away"),
        ],
        DEFAULT_PROFILE,
        [200, 404, 200],
        id="INT-CLEAR-EXPIRED: after a 404 for an expired session the app can set again",
    ),
    pytest.param(
        [Clear(after(), APP_A)],
        CLEAR_EXPIRED_200,
        [404],
        id="CLEAR-NOT-FOUND: a session that never existed is 404 under the INT-CLEAR-EXPIRED alternative too",
    ),
]


@pytest.mark.parametrize(("script", "profile", "statuses"), CLEAR_SCRIPTS)
def test_clear_script(script: list[Script], profile: Profile, statuses: list[int]) -> None:
    result = run(*script, profile=profile)
    assert result.statuses == statuses
    assert result.mismatches == []


def test_not_found_is_item_not_found_and_changes_nothing() -> None:
    before = run(Set(after(), APP_B, BUSY, "PT1H"))
    result = run(Clear(after(minutes=1), APP_A), user=before.user)
    assert refusal_of(result.last) == {"status": 404, "code": "itemNotFound"}
    assert result.user == before.user


@pytest.mark.parametrize(
    ("profile", "status", "code"),
    [
        pytest.param(DEFAULT_PROFILE, 400, "invalidRequest", id="INT-SESSIONID-MISMATCH: clear another app's, 400"),
        pytest.param(
            Profile(session_id_mismatch_status=403),
            403,
            "accessDenied",
            id="INT-SESSIONID-MISMATCH: clear another app's, 403 under the alternative",
        ),
    ],
)
def test_clear_of_another_apps_session_is_refused(profile: Profile, status: int, code: str) -> None:
    before = run(Set(after(), APP_B, BUSY, "PT1H"), profile=profile)
    result = run(Clear(after(minutes=1), APP_A, session_id=APP_B), profile=profile, user=before.user)
    assert refusal_of(result.last) == {"status": status, "code": code}
    assert result.user == before.user


def test_clear_expired_alternative_does_not_depend_on_other_apps_writes() -> None:
    # INT-CLEAR-EXPIRED regression: expired sessions were once dropped on any write, so another app's write
    # turned the alternative's 200 for the same expired session into 404.
    alone = run(Set(after(), APP_A, BUSY), Clear(after(minutes=7), APP_A), profile=CLEAR_EXPIRED_200)
    with_other_write = run(
        Set(after(), APP_A, BUSY),
        Set(after(minutes=6), APP_B, "Away/Away"),
        Clear(after(minutes=7), APP_A),
        profile=CLEAR_EXPIRED_200,
    )
    assert alone.statuses == [200, 200]
    assert with_other_write.statuses == [200, 200, 200]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="INT-BAD-INPUT: clearPresence without a body"),
        pytest.param({}, id="INT-BAD-INPUT: clearPresence without sessionId"),
        pytest.param({"sessionId": APP_A, "availability": "Busy"}, id="INT-BAD-INPUT: clearPresence extra property"),
        pytest.param({"sessionId": 7}, id="INT-BAD-INPUT: clearPresence numeric sessionId"),
        pytest.param([APP_A], id="INT-BAD-INPUT: clearPresence array body"),
    ],
)
def test_malformed_clear_body_is_refused(body: object) -> None:
    with pytest.raises(Refusal) as raised:
        parse_clear_presence(body, app_caller(APP_A), DEFAULT_PROFILE)
    assert (raised.value.status, raised.value.code) == (400, "invalidRequest")
