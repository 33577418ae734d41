"""setPresence requests: SET-* clauses, with INT-UNSUPPORTED-PAIR, INT-CASE-SENSITIVE, INT-SESSIONID-MISMATCH
and INT-BAD-INPUT for what a setPresence body may hold.
"""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.model import DEFAULT_PROFILE, Caller, Profile, Refusal, UserPresence, parse_set_presence

from ._support import APP_A, APP_B, Clear, Set, after, app_caller, refusal_of, run

SESSION_PAIRS = [
    "Available/Available",
    "Busy/InACall",
    "Busy/InAConferenceCall",
    "Away/Away",
    "DoNotDisturb/Presenting",
]


@pytest.mark.parametrize("shows", [pytest.param(p, id=f"SET-PAIRS: {p} accepted") for p in SESSION_PAIRS])
def test_supported_pair_is_accepted_and_shown(shows: str) -> None:
    result = run(Set(after(), APP_A, shows))
    assert result.statuses == [200]
    assert result.last.ok
    assert result.shows(after(seconds=1)) == shows


UNSUPPORTED = [
    pytest.param("Busy/Busy", id="INT-UNSUPPORTED-PAIR: Busy/Busy (a preferred pair)"),
    pytest.param("Available/InACall", id="INT-UNSUPPORTED-PAIR: Available/InACall"),
    pytest.param("DoNotDisturb/DoNotDisturb", id="INT-UNSUPPORTED-PAIR: DoNotDisturb/DoNotDisturb"),
    pytest.param("BeRightBack/BeRightBack", id="INT-UNSUPPORTED-PAIR: BeRightBack/BeRightBack"),
    pytest.param("Offline/OffWork", id="INT-UNSUPPORTED-PAIR: Offline/OffWork"),
    pytest.param("Offline/Offline", id="INT-UNSUPPORTED-PAIR: Offline/Offline"),
    pytest.param("Available/AvailableInactive", id="INT-UNSUPPORTED-PAIR: the fade pair cannot be set"),
    pytest.param("Busy/InAMeeting", id="INT-UNSUPPORTED-PAIR: Busy/InAMeeting"),
    pytest.param("Away/BeRightBack", id="INT-UNSUPPORTED-PAIR: Away/BeRightBack"),
    pytest.param("DoNotDisturb/Presenting ", id="INT-UNSUPPORTED-PAIR: trailing space"),
    pytest.param("Sleeping/Away", id="INT-UNSUPPORTED-PAIR: unknown availability word"),
    pytest.param("Busy/OnThePhone", id="INT-UNSUPPORTED-PAIR: unknown activity word"),
    pytest.param("/", id="INT-UNSUPPORTED-PAIR: empty strings"),
    pytest.param("busy/InACall", id="INT-CASE-SENSITIVE: lower-case availability"),
    pytest.param("Busy/inacall", id="INT-CASE-SENSITIVE: lower-case activity"),
    pytest.param("available/available", id="INT-CASE-SENSITIVE: all lower-case"),
    pytest.param("AWAY/AWAY", id="INT-CASE-SENSITIVE: upper-case"),
    pytest.param("donotdisturb/presenting", id="INT-CASE-SENSITIVE: lower-case DoNotDisturb"),
]


@pytest.mark.parametrize("shows", UNSUPPORTED)
def test_unsupported_pair_is_refused_and_changes_nothing(shows: str) -> None:
    before = run(Set(after(), APP_A, "Busy/InACall", "PT1H"))
    result = run(Set(after(minutes=1), APP_A, shows), user=before.user)
    assert refusal_of(result.last) == {"status": 400, "code": "invalidRequest"}
    assert result.user == before.user
    assert result.shows(after(minutes=2)) == "Busy/InACall"


def test_refusal_message_names_the_pair() -> None:
    result = run(Set(after(), APP_A, "Busy/Busy"))
    assert result.last.refusal is not None
    assert "Busy" in result.last.refusal.message


@pytest.mark.parametrize(
    ("session_id", "profile", "status", "code"),
    [
        pytest.param(APP_B, DEFAULT_PROFILE, 400, "invalidRequest", id="INT-SESSIONID-MISMATCH: another app's id 400"),
        pytest.param(
            APP_B,
            Profile(session_id_mismatch_status=403),
            403,
            "accessDenied",
            id="INT-SESSIONID-MISMATCH: another app's id 403 under the alternative",
        ),
        pytest.param("", DEFAULT_PROFILE, 400, "invalidRequest", id="SET-SESSIONID: empty sessionId refused"),
        pytest.param("my-session", DEFAULT_PROFILE, 400, "invalidRequest", id="SET-SESSIONID: made-up sessionId"),
        pytest.param(APP_A + " ", DEFAULT_PROFILE, 400, "invalidRequest", id="SET-SESSIONID: id with a space"),
    ],
)
def test_session_id_other_than_the_app_id_is_refused(session_id: str, profile: Profile, status: int, code: str) -> None:
    result = run(Set(after(), APP_A, "Busy/InACall", session_id=session_id), profile=profile)
    assert refusal_of(result.last) == {"status": status, "code": code}
    assert result.user == UserPresence()
    assert result.shows(after(seconds=1)) == "Offline/Offline"


@pytest.mark.parametrize(
    "session_id",
    [
        pytest.param(APP_A, id="SET-SESSIONID: the caller's application id"),
        pytest.param(APP_A.upper(), id="SET-SESSIONID: the app id in upper case (GUIDs ignore case)"),
    ],
)
def test_session_id_equal_to_the_app_id_is_accepted(session_id: str) -> None:
    result = run(Set(after(), APP_A, "Busy/InACall", session_id=session_id))
    assert result.statuses == [200]
    assert result.shows(after(seconds=1)) == "Busy/InACall"


def test_set_overwrite_holds_whatever_the_case_of_the_session_id() -> None:
    # SET-OVERWRITE regression: the sessionId was once kept as spelled, so an app changing the case of its
    # GUID got a second session.
    result = run(
        Set(after(), APP_A, "DoNotDisturb/Presenting", "PT1H", session_id=APP_A.upper()),
        Set(after(minutes=1), APP_A, "Available/Available", "PT1H", session_id=APP_A),
    )
    assert len(result.user.sessions) == 1
    assert result.shows(after(minutes=2)) == "Available/Available"


def test_clear_finds_the_session_whatever_the_case_of_the_session_id() -> None:
    # CLEAR-SESSION regression: the lookup was once exact, answering 404 for a session that exists.
    result = run(
        Set(after(), APP_A, "Busy/InACall", "PT1H", session_id=APP_A.upper()),
        Clear(after(minutes=1), APP_A, session_id=APP_A),
    )
    assert result.statuses == [200, 200]
    assert result.shows(after(minutes=2)) == "Offline/Offline"


def test_non_guid_app_id_must_match_exactly() -> None:
    # SET-SESSIONID regression: only GUIDs compare without case; any other id must match exactly.
    caller = Caller("reference-app", frozenset({"Presence.ReadWrite.All"}))
    body = {"sessionId": "REFERENCE-APP", "availability": "Busy", "activity": "InACall"}
    with pytest.raises(Refusal):
        parse_set_presence(body, caller, DEFAULT_PROFILE)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([Set(after(), APP_A, "Available/Available")], id="SET-SUCCESS: a first set answers 200"),
        pytest.param(
            [Set(after(), APP_A, "Available/Available"), Set(after(minutes=1), APP_A, "Busy/InACall", "PT4H")],
            id="SET-SUCCESS: a refresh answers 200",
        ),
    ],
)
def test_set_success_answers_200_with_no_refusal(script: list[Set]) -> None:
    result = run(*script)
    assert result.statuses == [200] * len(script)
    assert result.last.refusal is None
    assert result.last.presences == ()


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            "DoNotDisturb/Presenting",
            "Available/Available",
            "Available/Available",
            id="SET-OVERWRITE: DND then Available",
        ),
        pytest.param("Busy/InACall", "Busy/InAConferenceCall", "Busy/InAConferenceCall", id="SET-OVERWRITE: Busy pair"),
        pytest.param("Away/Away", "Busy/InACall", "Busy/InACall", id="SET-OVERWRITE: Away then Busy"),
        pytest.param("Busy/InACall", "Away/Away", "Away/Away", id="SET-OVERWRITE: Busy then Away (lower rank)"),
    ],
)
def test_second_set_by_the_same_app_replaces_its_session(first: str, second: str, expected: str) -> None:
    result = run(Set(after(), APP_A, first, "PT1H"), Set(after(minutes=1), APP_A, second, "PT1H"))
    assert result.statuses == [200, 200]
    assert len(result.user.sessions) == 1
    assert result.shows(after(minutes=2)) == expected


def _body(**fields: Any) -> dict[str, Any]:
    return {"sessionId": APP_A, "availability": "Busy", "activity": "InACall", **fields}


def _without(key: str) -> dict[str, Any]:
    body = _body()
    del body[key]
    return body


BAD_BODIES = [
    pytest.param(None, id="INT-BAD-INPUT: no body"),
    pytest.param([], id="INT-BAD-INPUT: an array"),
    pytest.param("Busy", id="INT-BAD-INPUT: a string"),
    pytest.param(42, id="INT-BAD-INPUT: a number"),
    pytest.param({}, id="INT-BAD-INPUT: empty object"),
    pytest.param(_without("sessionId"), id="INT-BAD-INPUT: sessionId missing"),
    pytest.param(_without("availability"), id="INT-BAD-INPUT: availability missing"),
    pytest.param(_without("activity"), id="INT-BAD-INPUT: activity missing"),
    pytest.param(_body(status="x"), id="INT-BAD-INPUT: unknown property"),
    pytest.param(_body(SessionId=APP_A), id="INT-BAD-INPUT: property in the wrong case"),
    pytest.param(_body(sessionId=123), id="INT-BAD-INPUT: numeric sessionId"),
    pytest.param(_body(availability=["Busy"]), id="INT-BAD-INPUT: availability an array"),
    pytest.param(_body(activity=True), id="INT-BAD-INPUT: activity a boolean"),
    pytest.param(_body(availability=None), id="INT-BAD-INPUT: availability null"),
    pytest.param(_body(expirationDuration=300), id="INT-BAD-INPUT: expirationDuration a number"),
    pytest.param(_body(expirationDuration={"minutes": 5}), id="INT-BAD-INPUT: expirationDuration an object"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_malformed_body_is_refused(body: object) -> None:
    with pytest.raises(Refusal) as raised:
        parse_set_presence(body, app_caller(APP_A), DEFAULT_PROFILE)
    assert (raised.value.status, raised.value.code) == (400, "invalidRequest")


def test_refusal_echo_of_a_huge_value_is_bounded() -> None:
    # INT-BAD-INPUT: the message echoes what was wrong but cannot be made large by the request.
    with pytest.raises(Refusal) as raised:
        parse_set_presence(_body(availability="B" * 10_000), app_caller(APP_A), DEFAULT_PROFILE)
    assert len(raised.value.message) < 400
