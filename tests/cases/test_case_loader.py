"""The loader: valid files become the expected cases; every kind of bad file names its file, line and key."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.cases import (
    ActionKind,
    AppSpec,
    AuthMode,
    Case,
    CaseFileError,
    PresenceExpectation,
    Requirement,
    StatusExpectation,
    load_case_file,
    load_cases,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
BAD = FIXTURES / "bad"


def write(tmp_path: Path, text: str, name: str = "case.presence.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_case(tmp_path: Path, text: str) -> Case:
    [case] = load_case_file(write(tmp_path, text))
    return case


HEAD = "id: t.case\ntitle: t\nclauses: [FADE-FIRST]\n"


# ---- valid files ---------------------------------------------------------------------------------


def test_minimal_case_gets_every_default() -> None:
    [case] = load_case_file(VALID / "minimal.presence.yaml")
    assert case.id == "fixture.minimal"
    assert case.users == ("alice",)
    assert case.apps == {"app": AppSpec("app")}
    assert case.apps["app"].roles == ("Presence.ReadWrite.All",)
    assert case.requires == ()
    assert case.tags == ()
    assert case.description == ""
    assert case.path == str(VALID / "minimal.presence.yaml")
    assert case.line == 3  # after the editor header and a comment
    [step] = case.steps
    assert (step.index, step.at, step.line) == (0, timedelta(0), 7)
    assert step.is_check and step.check_user == "alice"
    assert step.expect.presence == PresenceExpectation()
    assert step.expect.presence.from_oracle


@pytest.fixture(scope="module")
def everything() -> Case:
    [case] = load_case_file(VALID / "everything.presence.yaml")
    return case


def test_everything_case_header(everything: Case) -> None:
    assert everything.clauses == ("FADE-FIRST", "READ-BATCH")
    assert everything.tags == ("fade", "timers")
    assert everything.users == ("alice", "bob")
    assert everything.description.startswith("Not a meaningful scenario")
    assert list(everything.apps) == ["teams", "reader", "bare", "mine"]
    assert everything.apps["reader"] == AppSpec("reader", roles=("Presence.Read.All",))
    assert everything.apps["bare"].roles == ()
    mine = everything.apps["mine"]
    assert (mine.delegated, mine.delegated_user, mine.scopes, mine.roles) == (
        True,
        "alice",
        ("Presence.ReadWrite",),
        (),
    )
    assert everything.requires == ("clock-control", "delegated", "restricted-app", "several-apps", "several-users")


M = timedelta(minutes=5, seconds=1)
EVERYTHING_STEPS: list[tuple[int, dict[str, object]]] = [
    (
        0,
        dict(
            at=timedelta(0),
            action=ActionKind.SET_PRESENCE,
            app="teams",
            user="alice",
            session_id_of="teams",
            params={"availability": "Available", "activity": "Available", "expirationDuration": "PT1H"},
        ),
    ),
    (1, dict(at=M, check_user="alice", action=None, app=None)),
    (2, dict(at=M, user="alice", params={"availability": "Busy", "activity": "Busy"})),
    (3, dict(session_id_of="reader", params={"availability": "Away", "activity": "Away"})),
    (4, dict(session_id_of=None, params={"sessionId": "not-my-app", "availability": "Away", "activity": "Away"})),
    (5, dict(has_body=True, body={"sessionId": 5}, params={}, session_id_of=None, raw_body=None)),
    (6, dict(has_body=False, body=None, raw_body="{not json", params={}, session_id_of=None)),
    (7, dict(action=ActionKind.CLEAR_PRESENCE, params={}, session_id_of="teams")),
    (
        8,
        dict(
            action=ActionKind.SET_USER_PREFERRED_PRESENCE,
            session_id_of=None,
            params={"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT8H"},
        ),
    ),
    (9, dict(action=ActionKind.CLEAR_USER_PREFERRED_PRESENCE, params={}, user="alice")),
    (10, dict(action=ActionKind.GET_PRESENCE, app="reader", user="bob", user_id=None)),
    (11, dict(action=ActionKind.GET_PRESENCE, user=None, user_id="not-a-guid")),
    (12, dict(action=ActionKind.GET_MY_PRESENCE, app="mine", user="alice")),
    (13, dict(action=ActionKind.GET_PRESENCES_BY_USER_ID, user=None, users=("alice", "bob"), extra_ids=3)),
    (14, dict(auth=AuthMode.NONE, session_id_of="teams")),
    (15, dict(check_user="bob")),
    (16, dict(app="mine", user="alice", session_id_of="mine")),  # a delegated app addresses its own user
    (17, dict(action=ActionKind.CLEAR_PRESENCE, has_body=True, body=None, session_id_of=None)),
    (18, dict(app="teams", users=("alice", "bob"), extra_ids=0)),  # users default to all the case's users
    (19, dict(action=ActionKind.GET_MY_PRESENCE, app="teams", user=None, auth=AuthMode.INVALID)),
    (20, dict(check_user="alice")),  # `check:` with nothing: the first user, the oracle's presence
]


@pytest.mark.parametrize(("index", "fields"), EVERYTHING_STEPS, ids=[f"step{i}" for i, _ in EVERYTHING_STEPS])
def test_everything_case_steps(everything: Case, index: int, fields: dict[str, object]) -> None:
    step = everything.steps[index]
    assert step.index == index
    for name, value in fields.items():
        assert getattr(step, name) == value, name


def test_everything_case_expectations(everything: Case) -> None:
    steps = everything.steps
    assert steps[0].expect.status is None and not steps[0].expect.graph_error
    assert steps[1].expect.presence == PresenceExpectation("Available", "AvailableInactive")
    assert steps[2].expect.status == StatusExpectation("4xx") and steps[2].expect.graph_error
    assert steps[10].expect.status == StatusExpectation("200")
    assert steps[10].expect.presence == PresenceExpectation("Offline", "Offline")
    assert steps[13].expect.presences == {
        "alice": PresenceExpectation("Busy", "InACall"),
        "bob": PresenceExpectation(),
    }
    assert steps[15].expect.presence == PresenceExpectation()
    assert steps[18].expect.presences == {"bob": PresenceExpectation(activity="Offline")}
    assert steps[19].expect.status == StatusExpectation("401")
    assert [s.line for s in steps[:3]] == [17, 19, 21]


def test_timeline_offsets_add_up() -> None:
    [case] = load_case_file(VALID / "timeline.presence.yaml")
    minutes = timedelta(minutes=1)
    assert [s.at for s in case.steps] == [
        timedelta(0),
        5 * minutes,
        5 * minutes + timedelta(seconds=0.5),
        5 * minutes + timedelta(seconds=0.5),
        10 * minutes,
        timedelta(days=1, hours=1, minutes=10),
        timedelta(days=1, hours=1, minutes=10),
    ]
    assert case.duration == timedelta(days=1, hours=1, minutes=10)


@pytest.mark.parametrize(
    ("offsets", "expected_seconds"),
    [
        (["", "", ""], [0, 0, 0]),
        (["after: PT1M", "after: PT1M", "after: PT30S"], [60, 120, 150]),
        (["at: PT1M", "after: PT1M", "at: PT5M", "", "after: PT0S"], [60, 120, 300, 300, 300]),
        (["after: PT5M", "at: PT5M"], [300, 300]),
        (["at: P1D", "after: PT1H"], [86400, 90000]),
        (["after: PT0.25S", "after: PT0.25S"], [0.25, 0.5]),
        (["at: PT300S", "at: PT5M", "after: PT90M"], [300, 300, 5700]),
    ],
)
def test_at_and_after_arithmetic(tmp_path: Path, offsets: list[str], expected_seconds: list[float]) -> None:
    steps = "".join(f"  - {offset + chr(10) + '    ' if offset else ''}check: {{}}\n" for offset in offsets)
    case = one_case(tmp_path, HEAD + "steps:\n" + steps)
    assert [s.at.total_seconds() for s in case.steps] == expected_seconds


def test_several_documents_are_several_cases() -> None:
    cases = load_case_file(VALID / "several.presence.yaml")
    assert [(c.id, c.line) for c in cases] == [
        ("fixture.several.one", 3),
        ("fixture.several.two", 10),
        ("fixture.several.three", 17),
    ]
    assert cases[2].steps[0].line == 21
    assert cases[2].steps[0].expect.presence == PresenceExpectation()


def test_yaml_values_follow_yaml_1_2() -> None:
    [case] = load_case_file(VALID / "yaml-values.presence.yaml")
    assert case.steps[0].body == {
        "a": "on",
        "b": "no",
        "c": "Off",
        "d": 123,
        "e": "2024-01-01",
        "f": 1500.0,
        "g": None,
        "h": "yes",
        "i": [True, False],
        "j": 31,
        "k": 15,
    }
    # an alias shares the anchored value; a merge key copies a step and overrides nothing it writes itself
    assert case.apps["other"] == AppSpec("other")
    assert case.steps[2].at == timedelta(minutes=1)
    assert case.steps[2].params == case.steps[1].params == {"availability": "Away", "activity": "Away"}


@pytest.mark.parametrize(
    ("apps", "users", "written", "expected"),
    [
        ("", "", "", []),
        ("apps: {a: {}}", "", "", []),
        ("apps: {a: {roles: [Presence.ReadWrite.All]}}", "", "", []),
        ("apps: {a: {}, b: {}}", "", "", ["several-apps"]),
        ("", "users: [alice, bob]", "", ["several-users"]),
        ("apps: {a: {roles: [Presence.Read.All]}}", "", "", ["restricted-app"]),
        ("apps: {a: {roles: []}}", "", "", ["restricted-app"]),
        ("apps: {a: {roles: [Presence.ReadWrite.All, Presence.Read.All]}}", "", "", ["restricted-app"]),
        ("apps: {a: {delegated: alice}}", "", "", ["delegated"]),
        ("apps: {a: {delegated: alice, scopes: [Presence.ReadWrite]}}", "", "", ["delegated"]),
        ("apps: {a: {delegated: alice, scopes: [Presence.Read]}}", "", "", ["delegated", "restricted-app"]),
        (
            "apps: {a: {}, b: {delegated: bob}}",
            "users: [alice, bob]",
            "",
            ["delegated", "several-apps", "several-users"],
        ),
        ("", "", "requires: [clock-control]", ["clock-control"]),
        ("apps: {a: {}, b: {}}", "", "requires: [several-apps, clock-control]", ["clock-control", "several-apps"]),
    ],
)
def test_derived_requirements(tmp_path: Path, apps: str, users: str, written: str, expected: list[str]) -> None:
    case = one_case(tmp_path, "\n".join([HEAD, apps, users, written, "steps: [{check: {}}]\n"]))
    assert list(case.requires) == expected
    assert all(isinstance(r, Requirement) for r in case.requires)


def test_default_user_of_a_delegated_app_is_its_own(tmp_path: Path) -> None:
    case = one_case(
        tmp_path,
        HEAD + "users: [alice, bob]\napps: {mine: {delegated: bob}}\n"
        "steps:\n  - setPresence: {availability: Away, activity: Away}\n  - getMyPresence: {}\n  - getPresence: {}\n",
    )
    assert [s.user for s in case.steps] == ["bob", "bob", "bob"]
    assert case.steps[0].app == "mine"


def test_operation_values_are_kept_as_written(tmp_path: Path) -> None:
    # Invalid values are legitimate inputs: the loader passes them on without judging them.
    case = one_case(
        tmp_path,
        HEAD + "steps:\n  - setPresence: {availability: busy, activity: '', expirationDuration: PT99999H}\n",
    )
    assert case.steps[0].params == {"availability": "busy", "activity": "", "expirationDuration": "PT99999H"}


# ---- bad files -----------------------------------------------------------------------------------

_HEADER = re.compile(r"# error: (?P<line>\d+|-) (?P<key>.+?) \| (?P<message>.+)")


def _bad_fixtures() -> list[Path]:
    return sorted(BAD.glob("*.presence.yaml"))


@pytest.mark.parametrize("path", _bad_fixtures(), ids=lambda p: p.name.removesuffix(".presence.yaml"))
def test_bad_fixture_names_file_line_and_key(path: Path) -> None:
    header = _HEADER.fullmatch(path.read_text(encoding="utf-8").splitlines()[0])
    assert header, f"{path.name} must start with '# error: LINE KEY | MESSAGE'"
    line = None if header["line"] == "-" else int(header["line"])
    key = None if header["key"] == "-" else header["key"]
    with pytest.raises(CaseFileError) as caught:
        load_case_file(path)
    error = caught.value
    assert (error.path, error.line, error.key) == (str(path), line, key)
    assert error.detail.startswith(header["message"]), error.detail
    where = str(path) if line is None else f"{path}:{line}"
    assert str(error).startswith(f"{where}: {key}: " if key else f"{where}: ")


def test_there_is_a_bad_fixture_per_error_class() -> None:
    assert len(_bad_fixtures()) >= 40


def test_duplicate_ids_across_files_name_both_places() -> None:
    folder = FIXTURES / "duplicate-ids"
    with pytest.raises(CaseFileError) as caught:
        load_cases([folder])
    error = caught.value
    assert (error.path, error.line, error.key) == (str(folder / "b.presence.yaml"), 2, "id")
    assert f"{folder / 'a.presence.yaml'}:1" in error.detail


def test_same_file_named_twice_is_loaded_once() -> None:
    file = VALID / "minimal.presence.yaml"
    assert [c.id for c in load_cases([file, VALID / ".." / "valid" / "minimal.presence.yaml"])] == ["fixture.minimal"]


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.presence.yaml"
    with pytest.raises(CaseFileError, match="cannot read the file") as caught:
        load_case_file(missing)
    assert caught.value.line is None
    latin = tmp_path / "latin.presence.yaml"
    latin.write_bytes(HEAD.encode() + "title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CaseFileError, match="not UTF-8 text"):
        load_case_file(latin)


def test_characters_yaml_forbids(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="YAML"):
        load_case_file(write(tmp_path, HEAD + "description: a\x07b\nsteps: [{check: {}}]\n"))


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.presence.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + "steps: [{check: {}}]\n").encode())
    assert [c.id for c in load_case_file(path)] == ["t.case"]


def test_unknown_key_is_reported_before_what_it_causes(tmp_path: Path) -> None:
    # `titel` also makes `title` missing; the typo is the useful message.
    path = write(tmp_path, "id: t.case\nclauses: [FADE-FIRST]\nsteps: [{check: {}}]\ntitel: t\n")
    with pytest.raises(CaseFileError) as caught:
        load_case_file(path)
    assert (caught.value.line, caught.value.key) == (4, "titel")


def test_earliest_problem_is_reported(tmp_path: Path) -> None:
    text = HEAD + "steps:\n  - at: 5m\n    check: {}\n  - after: 6m\n    check: {}\n"
    with pytest.raises(CaseFileError) as caught:
        load_case_file(write(tmp_path, text))
    assert (caught.value.line, caught.value.key) == (5, "steps[0].at")


def _outcome(path: Path) -> object:
    try:
        return load_case_file(path)
    except CaseFileError as error:
        return (error.line, error.key)


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.presence.yaml")), ids=lambda p: p.name)
def test_pure_python_yaml_gives_the_same_result(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    # Without libyaml the loader falls back to PyYAML's pure-Python parser: same cases, same errors.
    from conformance.cases import loader

    fast = _outcome(path)
    monkeypatch.setattr(loader, "_Loader", loader._PyLoader)
    assert _outcome(path) == fast
