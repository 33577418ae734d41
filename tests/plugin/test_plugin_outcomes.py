"""Verdicts become pytest outcomes, with short failure texts, JUnit properties and Allure results."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from plugin_helpers import DEVIATING, FAILING, NEEDS_CLOCK, PASSING, RunPytest, real_time_config, write_cases


def test_the_bundled_reference_is_the_default_target(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    result = run_pytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "presence: target the bundled reference server*",
            "demo.presence.yaml::demo.busy PASSED*",
            "demo.presence.yaml::demo.exact-status PASSED*",
            "*- presence conformance -*",
            "2 cases: 2 passed",
            "target: http://127.0.0.1:* (bundled reference); clock: clock-control",
        ]
    )


def test_a_failure_shows_case_clauses_step_expected_and_observed(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    result = run_pytest("--presence-target", deviant_target)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ presence case demo.exact-status _*",
            "demo.exact-status (demo.presence.yaml:12): failed",
            "clauses: SET-SUCCESS, SET-PAIRS",
            "step 0 at PT0S (demo.presence.yaml:17) setPresence by app for alice: mismatch",
            "  expected status 200, got 204",
            '  expected: {"status": 200}',
            '  observed: {"status": 204}',
            "*- presence conformance -*",
            "2 cases: 1 passed, 1 failed",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_deviation_fails_and_says_how_to_declare_the_alternative(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, demo=DEVIATING)
    result = run_pytest("--presence-target", deviant_target)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "demo.write-status (demo.presence.yaml:1): deviated",
            "deviated: the target differs from the suite's default for a point the documentation leaves open*",
            "  INT-WRITE-STATUS: default 200; a target that chose otherwise: --presence-profile write_status=204",
            "1 case: 1 deviated",
        ]
    )
    declared = run_pytest("--presence-target", deviant_target, "--presence-profile", "write_status=204")
    declared.assert_outcomes(passed=1)


def test_not_verified_is_a_skip_with_its_reason_at_the_case(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, timer=NEEDS_CLOCK)
    config = real_time_config(pytester, deviant_target)
    result = run_pytest("--presence-config", str(config), "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "1 case: 1 not verified",
            "target: *; clock: real-time",
            "SKIPPED [[]1[]] timer.presence.yaml:1: not verified: the case requires clock-control*",
        ]
    )


def test_an_unreachable_target_fails_every_case_with_one_line(
    pytester: pytest.Pytester, run_pytest: RunPytest, closed_port: int
) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    result = run_pytest("--presence-target", f"http://127.0.0.1:{closed_port}")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["presence run broken: cannot connect to http://127.0.0.1:*: connection refused*"] * 2)
    assert "Traceback" not in result.stdout.str()
    result.stdout.fnmatch_lines(["2 cases: 2 run broken"])


def test_a_failed_smoke_check_fails_every_case_without_showing_the_secret(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, demo=PASSING)
    result = run_pytest("--presence-target", deviant_target, "--presence-token-secret", "s" * 40)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [f"presence run broken: smoke check against {deviant_target} failed: the target rejected the token*"]
    )
    assert "s" * 40 not in result.stdout.str()


def test_junit_properties_name_case_clauses_verdict_and_target(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    run_pytest("--presence-target", deviant_target, "--junitxml=junit.xml")
    tree = ElementTree.parse(pytester.path / "junit.xml")
    properties = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in tree.iter("testcase")
    }
    assert properties["demo.exact-status"] == [
        ("case_id", "demo.exact-status"),
        ("clause", "SET-SUCCESS"),
        ("clause", "SET-PAIRS"),
        ("verdict", "failed"),
        ("target", deviant_target),
        ("clock", "clock-control"),
    ]
    assert ("verdict", "passed") in properties["demo.busy"]


def test_allure_results_are_failed_for_a_verdict_and_broken_for_a_run_error(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str, closed_port: int
) -> None:
    write_cases(pytester, demo=FAILING)
    run_pytest("--presence-target", deviant_target, "--alluredir", "verdict")
    run_pytest("--presence-target", f"http://127.0.0.1:{closed_port}", "--alluredir", "broken")
    verdict, broken = _allure_result(pytester.path / "verdict"), _allure_result(pytester.path / "broken")
    assert verdict["status"] == "failed"
    assert broken["status"] == "broken"
    assert verdict["name"] == "A first setPresence answers the documented status"
    labels = {(label["name"], label["value"]) for label in verdict["labels"]}
    # epic: clause family, feature: clause, story: case
    assert {("epic", "setPresence requests"), ("feature", "SET-SUCCESS"), ("feature", "SET-PAIRS")} <= labels
    assert {("story", "demo.exact-status"), ("tag", "tag_demo")} <= labels
    assert any(step["name"].startswith("step 0") for step in verdict.get("steps", [])), verdict.get("steps")
    assert {"name": "target", "value": repr(deviant_target)} in verdict["parameters"]


def _allure_result(directory: Path) -> dict[str, object]:
    (path,) = directory.glob("*-result.json")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data
