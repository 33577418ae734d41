"""Collection: case files become items; selection by -k and by clause/tag markers; errors and options."""

from __future__ import annotations

import pytest
from plugin_helpers import FAILING, NEEDS_CLOCK, PASSING, RunPytest, write_cases

from conformance.cases import bundled_corpus, load_cases


def test_each_case_is_an_item_named_by_file_and_case_id(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING, timer=NEEDS_CLOCK)
    pytester.makefile(".yaml", other="id: not-a-case\n")  # only *.presence.yaml files are claimed
    result = run_pytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["demo.presence.yaml::demo.busy", "demo.presence.yaml::demo.exact-status", "timer.presence.yaml::demo.fade"]
    )
    result.stdout.fnmatch_lines(["3 tests collected*"])


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("busy", ["demo.busy"]),  # the case id
        ("SET-SUCCESS", ["demo.exact-status"]),  # a clause id as written
        ("timer", ["demo.fade"]),  # a tag
        ("fades", ["demo.fade"]),  # a word of the title
        ("demo and not SET-PAIRS", ["demo.fade"]),
    ],
)
def test_k_matches_id_clauses_tags_and_title(
    pytester: pytest.Pytester, run_pytest: RunPytest, expression: str, selected: list[str]
) -> None:
    write_cases(
        pytester, demo=PASSING + "---\n" + FAILING, timer=NEEDS_CLOCK.replace("tags: [timer]", "tags: [timer, demo]")
    )
    result = run_pytest("--collect-only", "-q", "-k", expression)
    assert _collected(result) == selected


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("clause_SET_SUCCESS", ["demo.exact-status"]),
        ("clause_SET_PAIRS", ["demo.busy", "demo.exact-status"]),
        ("tag_timer or clause_SET_SUCCESS", ["demo.exact-status", "demo.fade"]),
        ("presence and not tag_demo", ["demo.fade"]),
    ],
)
def test_m_selects_by_clause_and_tag_markers(
    pytester: pytest.Pytester, run_pytest: RunPytest, expression: str, selected: list[str]
) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING, timer=NEEDS_CLOCK)
    result = run_pytest("--collect-only", "-q", "-m", expression)
    assert _collected(result) == selected


def test_every_clause_has_a_registered_marker(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    result = run_pytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.presence: a presence conformance case*",
            "@pytest.mark.clause_AGG_PRECEDENCE: presence case citing AGG-PRECEDENCE: *",
            "@pytest.mark.clause_INT_WRITE_STATUS: presence case citing INT-WRITE-STATUS: *",
        ]
    )


def test_the_deselected_cases_are_not_run(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    result = run_pytest("-k", "busy", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["1 case: 1 passed"])


def test_a_bad_case_file_is_a_collection_error_at_its_line(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    write_cases(pytester, good=PASSING)
    write_cases(
        pytester,
        bad="""\
        id: demo.bad
        title: A step offset that is not a duration
        clauses: [SET-PAIRS]
        steps:
          - at: five minutes
            setPresence: {availability: Busy, activity: InACall}
        """,
    )
    result = run_pytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR collecting bad.presence.yaml _*",
            "bad.presence.yaml:5: steps[[]0[]].at: expected an ISO 8601 duration such as PT0S*, got 'five minutes'",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "loader.py" not in result.stdout.str()


def test_presence_corpus_adds_the_bundled_corpus(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    corpus = load_cases([bundled_corpus()])
    result = run_pytest("--presence-corpus", "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"{len(corpus)} tests collected*"])
    assert f"::{corpus[0].id}" in result.stdout.str()
    without = run_pytest("--collect-only", "-q")
    assert without.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_presence_cases_ini_is_collected_when_pytest_gets_no_paths(
    pytester: pytest.Pytester, run_pytest: RunPytest
) -> None:
    cases = pytester.mkdir("my-cases")
    (cases / "demo.presence.yaml").write_text(PASSING, encoding="utf-8")
    pytester.mkdir("unit")
    pytester.makeini("[pytest]\ntestpaths = unit\npresence_cases = my-cases\n")
    result = run_pytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["my-cases/demo.presence.yaml::demo.busy", "1 test collected*"])
    explicit = run_pytest("--collect-only", "-q", "unit")  # paths given: only those
    assert explicit.ret == pytest.ExitCode.NO_TESTS_COLLECTED


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--presence-settle=five", "presence: 'five' is not an ISO 8601 duration such as PT5M or PT1H30M"),
        ("--presence-profile=write_status", "presence: a profile setting is KEY=VALUE*"),
    ],
)
def test_a_bad_option_is_a_usage_error(
    pytester: pytest.Pytester, run_pytest: RunPytest, option: str, message: str
) -> None:
    result = run_pytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def _collected(result: pytest.RunResult) -> list[str]:
    return [line.split("::", 1)[1] for line in result.stdout.lines if "::" in line]
