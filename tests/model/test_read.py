"""Reading presence: READ-BATCH with INT-BATCH-IDS, INT-USERS, the ``read`` sequence number, and the timer
machinery reads rely on (``change_instants`` and ``presence_window``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from reference_impl.model import (
    DEFAULT_PROFILE,
    Boundary,
    Profile,
    Refusal,
    UserPresence,
    change_instants,
    check_user_id,
    parse_batch_ids,
    presence_window,
    read,
)

from ._support import APP_A, APP_B, APP_C, USER, Clear, Prefer, Script, Set, after, run

EXCLUSIVE = Profile(boundary=Boundary.EXCLUSIVE)
US = 1


def _guid(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-{n:012x}"


# ---- user ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        pytest.param(USER, USER, id="INT-USERS: a GUID names a user"),
        pytest.param(USER.upper(), USER, id="INT-USERS: upper case is kept in lower case"),
        pytest.param(
            "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000", id="INT-USERS: nil"
        ),
    ],
)
def test_check_user_id_accepts_guids(user_id: str, expected: str) -> None:
    assert check_user_id(user_id) == expected


@pytest.mark.parametrize(
    "user_id",
    [
        pytest.param("", id="INT-USERS: empty is 404"),
        pytest.param("me", id="INT-USERS: 'me' is not an id"),
        pytest.param("adele@contoso.com", id="INT-USERS: a UPN is 404"),
        pytest.param("{" + USER + "}", id="INT-USERS: braces are 404"),
        pytest.param(USER.replace("-", ""), id="INT-USERS: no hyphens is 404"),
        pytest.param(USER + "\n", id="INT-USERS: trailing newline is 404"),
        pytest.param(USER[:-1], id="INT-USERS: one digit short is 404"),
        pytest.param(USER[:-1] + "g", id="INT-USERS: a non-hex digit is 404"),
        pytest.param(" " + USER, id="INT-USERS: leading space is 404"),
    ],
)
def test_check_user_id_refuses_other_text(user_id: str) -> None:
    with pytest.raises(Refusal) as raised:
        check_user_id(user_id)
    assert (raised.value.status, raised.value.code) == (404, "itemNotFound")


# ---- batch ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param([USER], (USER,), id="READ-BATCH: one id"),
        pytest.param([_guid(n) for n in range(650)], tuple(_guid(n) for n in range(650)), id="READ-BATCH: 650 ids"),
        pytest.param(
            [_guid(2), _guid(1), _guid(2), _guid(3), _guid(1)],
            (_guid(2), _guid(1), _guid(3)),
            id="INT-BATCH-IDS: duplicates collapse, first occurrence order",
        ),
        pytest.param([USER.upper(), USER], (USER,), id="INT-BATCH-IDS: ids differing in case are one user"),
        pytest.param([USER] * 650, (USER,), id="INT-BATCH-IDS: 650 copies of one id"),
    ],
)
def test_batch_ids_accepted(ids: list[str], expected: tuple[str, ...]) -> None:
    assert parse_batch_ids({"ids": ids}) == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"ids": [_guid(n) for n in range(651)]}, id="READ-BATCH: 651 ids refused"),
        pytest.param({"ids": []}, id="INT-BATCH-IDS: empty list refused"),
        pytest.param({"ids": [USER, "not-a-guid"]}, id="INT-BATCH-IDS: a non-GUID refused"),
        pytest.param({"ids": [USER, ""]}, id="INT-BATCH-IDS: an empty id refused"),
        pytest.param({"ids": [USER, 7]}, id="INT-BATCH-IDS: a number among the ids refused"),
        pytest.param({"ids": USER}, id="INT-BATCH-IDS: ids a string refused"),
        pytest.param({"ids": None}, id="INT-BATCH-IDS: ids null refused"),
        pytest.param({}, id="INT-BAD-INPUT: batch without ids refused"),
        pytest.param({"ids": [USER], "select": "availability"}, id="INT-BAD-INPUT: batch unknown property"),
        pytest.param([USER], id="INT-BAD-INPUT: batch body an array"),
    ],
)
def test_batch_ids_refused(body: Any) -> None:
    with pytest.raises(Refusal) as raised:
        parse_batch_ids(body)
    assert (raised.value.status, raised.value.code) == (400, "invalidRequest")


# ---- change_instants ------------------------------------------------------------------------------------

CHANGE_INSTANTS = [
    pytest.param([], DEFAULT_PROFILE, (), id="INT-OFFLINE-PAIR: no timers, no changes"),
    pytest.param(
        [Set(after(), APP_A, "Busy/InACall", "PT1H")], DEFAULT_PROFILE, (after(hours=1),), id="EXP-HONOURED: expiry"
    ),
    pytest.param(
        [Set(after(), APP_A, "Available/Available", "PT1H")],
        DEFAULT_PROFILE,
        (after(minutes=5), after(minutes=10), after(hours=1)),
        id="FADE-SECOND: both fades and the expiry",
    ),
    pytest.param(
        [Set(after(), APP_A, "Available/Available", "PT1H")],
        EXCLUSIVE,
        (after(minutes=5), after(minutes=10), after(hours=1)),
        id="INT-BOUNDARY-INCLUSIVE: exclusive changes at the same instants",
    ),
    pytest.param(
        [Set(after(), APP_A, "Available/Available", "PT5M")],
        DEFAULT_PROFILE,
        (after(minutes=5),),
        id="INT-EXPIRY-ENDS-FADE: PT5M changes once",
    ),
    pytest.param(
        [Set(after(), APP_A, "Available/Available", "PT8M")],
        DEFAULT_PROFILE,
        (after(minutes=5), after(minutes=8)),
        id="INT-EXPIRY-ENDS-FADE: PT8M fades once then expires",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "DoNotDisturb/Presenting", "PT1H"),
            Set(after(seconds=1), APP_B, "Available/Available", "PT1H"),
        ],
        DEFAULT_PROFILE,
        (after(hours=1), after(hours=1, seconds=1)),
        id="AGG-PRECEDENCE: the fades of a hidden session change nothing",
    ),
    pytest.param(
        [
            Set(after(), APP_A, "Busy/InACall", "PT1H"),
            Set(after(), APP_B, "Busy/InACall", "PT1H"),
        ],
        DEFAULT_PROFILE,
        (after(hours=1),),
        id="AGG-SESSIONS: two expiries at one instant are one change",
    ),
    pytest.param(
        [
            Set(after(microseconds=-US), APP_A, "Away/Away", "PT5M"),
            Set(after(), APP_B, "DoNotDisturb/Presenting", "PT5M"),
        ],
        DEFAULT_PROFILE,
        (after(minutes=5),),
        id="INT-BOUNDARY-INCLUSIVE: a hidden expiry 1 microsecond before a visible one is no change",
    ),
    pytest.param(
        [Set(after(), APP_A, "Away/Away", "PT4H"), Prefer(after(), "Busy/Busy", "PT1H")],
        DEFAULT_PROFILE,
        (after(hours=1), after(hours=4)),
        id="PREF-EXPIRY: the preferred presence's expiry is a change",
    ),
    pytest.param(
        [Prefer(after(), "Busy/Busy", "PT1H")],
        DEFAULT_PROFILE,
        (),
        id="PREF-NEEDS-SESSION: a hidden preferred presence's expiry is no change",
    ),
    pytest.param(
        [Set(after(), APP_A, "Busy/InACall", "PT1H"), Prefer(after(), "Busy/Busy", "PT2H")],
        DEFAULT_PROFILE,
        (after(hours=1),),
        id="PREF-NEEDS-SESSION: the preferred presence outliving every session",
    ),
]


@pytest.mark.parametrize(("script", "profile", "expected"), CHANGE_INSTANTS)
def test_change_instants(script: list[Script], profile: Profile, expected: tuple[datetime, ...]) -> None:
    assert change_instants(run(*script, profile=profile).user, profile) == expected


# ---- presence_window -------------------------------------------------------------------------------------

AVAILABLE_PT1H = [Set(after(), APP_A, "Available/Available", "PT1H")]

WINDOWS = [
    pytest.param([], DEFAULT_PROFILE, after(), None, None, id="INT-OFFLINE-PAIR: no timers, unbounded"),
    pytest.param(AVAILABLE_PT1H, DEFAULT_PROFILE, after(minutes=1), None, after(minutes=5), id="FADE-FIRST: before"),
    pytest.param(
        AVAILABLE_PT1H,
        DEFAULT_PROFILE,
        after(minutes=5, microseconds=-US),
        None,
        after(minutes=5),
        id="FADE-FIRST: 1 microsecond before",
    ),
    pytest.param(
        AVAILABLE_PT1H,
        DEFAULT_PROFILE,
        after(minutes=5),
        after(minutes=5),
        after(minutes=10),
        id="FADE-FIRST: at the fade (inclusive)",
    ),
    pytest.param(
        AVAILABLE_PT1H,
        DEFAULT_PROFILE,
        after(minutes=10, microseconds=-US),
        after(minutes=5),
        after(minutes=10),
        id="FADE-SECOND: 1 microsecond before",
    ),
    pytest.param(
        AVAILABLE_PT1H, DEFAULT_PROFILE, after(minutes=30), after(minutes=10), after(hours=1), id="FADE-SECOND: after"
    ),
    pytest.param(AVAILABLE_PT1H, DEFAULT_PROFILE, after(hours=1), after(hours=1), None, id="EXP-OFFLINE: at expiry"),
    pytest.param(AVAILABLE_PT1H, DEFAULT_PROFILE, after(days=9), after(hours=1), None, id="EXP-OFFLINE: long after"),
    pytest.param(
        AVAILABLE_PT1H,
        EXCLUSIVE,
        after(minutes=5),
        None,
        after(minutes=5),
        id="INT-BOUNDARY-INCLUSIVE: exclusive, at the fade the old value still holds",
    ),
    pytest.param(
        AVAILABLE_PT1H,
        EXCLUSIVE,
        after(minutes=5, microseconds=US),
        after(minutes=5),
        after(minutes=10),
        id="INT-BOUNDARY-INCLUSIVE: exclusive, just after the fade",
    ),
    pytest.param(
        [Set(after(), APP_A, "Busy/InACall", "PT1H")],
        DEFAULT_PROFILE,
        after(minutes=30),
        None,
        after(hours=1),
        id="INT-FADE-AVAILABLE-ONLY: Busy has no fade instants",
    ),
]


@pytest.mark.parametrize(("script", "profile", "now", "start", "end"), WINDOWS)
def test_presence_window(
    script: list[Script], profile: Profile, now: datetime, start: datetime | None, end: datetime | None
) -> None:
    window = presence_window(run(*script, profile=profile).user, now, profile)
    assert (window.start, window.end) == (start, end)


def test_exclusive_window_with_timers_one_microsecond_apart() -> None:
    # INT-BOUNDARY-INCLUSIVE regression: under exclusive boundaries change_instants once took the value
    # "before" a timer one microsecond early, mistaking the neighbouring timer's change for this one's.
    # DoNotDisturb expires at 1:00:00 - 1µs, a hidden Away session at 1:00:00; Available shows from the first
    # instant on, through the second, until its own fade much later.
    result = run(
        Set(after(minutes=55, microseconds=-US), APP_A, "DoNotDisturb/Presenting", "PT5M"),
        Set(after(minutes=55), APP_B, "Away/Away", "PT5M"),
        Set(after(minutes=58), APP_C, "Available/Available", "PT1H"),
        profile=EXCLUSIVE,
    )
    at_change = after(hours=1, microseconds=-US)
    assert [result.shows(at_change + timedelta(microseconds=d)) for d in (0, 1, 2, 3)] == [
        "DoNotDisturb/Presenting",
        "Available/Available",
        "Available/Available",
        "Available/Available",
    ]
    assert change_instants(result.user, EXCLUSIVE) == (
        at_change,
        after(hours=1, minutes=3),
        after(hours=1, minutes=8),
        after(hours=1, minutes=58),
    )


# ---- read -----------------------------------------------------------------------------------------------


def test_read_reports_the_user_and_the_aggregate() -> None:
    result = run(Set(after(), APP_A, "Busy/InACall", "PT1H"))
    view = read(result.user, USER, after(minutes=1), DEFAULT_PROFILE)
    assert (view.user_id, str(view.pair)) == (USER, "Busy/InACall")
    assert isinstance(view.sequence, str)


def test_sequence_of_a_user_never_written_to_is_stable() -> None:
    first = read(UserPresence(), USER, after(), DEFAULT_PROFILE).sequence
    assert read(UserPresence(), USER, after(days=30), DEFAULT_PROFILE).sequence == first


def test_sequence_grows_with_every_write() -> None:
    # Twelve writes cross every digit-count boundary a naive counter would sort wrongly ("9" > "10").
    result = run()
    sequences = [read(result.user, USER, after(), DEFAULT_PROFILE).sequence]
    for n in range(12):
        result = run(Set(after(seconds=n), APP_A, "Busy/InACall", "PT1H"), user=result.user)
        sequences.append(read(result.user, USER, after(seconds=n), DEFAULT_PROFILE).sequence)
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == len(sequences)


def test_sequence_does_not_grow_with_a_refused_write() -> None:
    result = run(Set(after(), APP_A, "Busy/InACall", "PT1H"))
    before = read(result.user, USER, after(seconds=1), DEFAULT_PROFILE).sequence
    refused = run(Clear(after(seconds=1), APP_B), user=result.user)
    assert refused.statuses == [404]
    assert read(refused.user, USER, after(seconds=1), DEFAULT_PROFILE).sequence == before


def test_sequence_grows_with_timer_changes_only() -> None:
    result = run(Set(after(), APP_A, "Available/Available", "PT1H"))
    instants = [after(minutes=m) for m in (0, 1, 4)] + [after(minutes=5), after(minutes=7)]
    instants += [after(minutes=10), after(minutes=30), after(hours=1), after(days=2)]
    sequences = [read(result.user, USER, at, DEFAULT_PROFILE).sequence for at in instants]
    # no change in [0, 5min): one value; then each timer change a larger one; none after the expiry
    assert sequences[0] == sequences[1] == sequences[2]
    assert sequences[2] < sequences[3] == sequences[4] < sequences[5] == sequences[6] < sequences[7] == sequences[8]


def test_sequence_orders_more_than_nine_timer_changes() -> None:
    # Twelve Busy sessions, each set later than the one before and expiring earlier, alternate their
    # activity: every expiry shows the next older one, so the aggregate changes twelve times by timers.
    script = [
        Set(
            after(seconds=n),
            app,
            "Busy/InACall" if n % 2 else "Busy/InAConferenceCall",
            f"PT{240 - 10 * n}M",
        )
        for n, app in enumerate(_guid(100 + n) for n in range(12))
    ]
    result = run(*script)
    instants = [after(minutes=1), *sorted(after(seconds=n, minutes=240 - 10 * n) for n in range(12))]
    shown = [result.shows(at) for at in instants]
    assert all(a != b for a, b in pairwise(shown))  # the premise: twelve changes
    sequences = [read(result.user, USER, at, DEFAULT_PROFILE).sequence for at in instants]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == 13
