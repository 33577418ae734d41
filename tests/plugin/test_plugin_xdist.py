"""Under pytest-xdist every worker runs campaigns of its own: the outcomes are those of a plain run."""

from __future__ import annotations

import pytest
from plugin_helpers import FAILING, NEEDS_CLOCK, PASSING, RunPytest, real_time_config, write_cases


def _outcomes(result: pytest.RunResult) -> dict[str, str]:
    """What the ``-rA`` short summary says of each case: ``{node id or file:line of a skip: outcome}``."""
    outcomes: dict[str, str] = {}
    for line in result.stdout.lines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR"):
            outcomes[rest.split(" - ", 1)[0]] = word
        elif word == "SKIPPED":  # SKIPPED [1] file:line: reason
            outcomes[rest.split("] ", 1)[1].split(": ", 1)[0]] = word
    return outcomes


@pytest.mark.parametrize("dist", ["load", "loadfile"])
def test_two_workers_give_the_outcomes_of_one_process(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str, dist: str
) -> None:
    # A target in real time without its control API: several workers may share it.
    write_cases(pytester, demo=PASSING + "---\n" + FAILING, timer=NEEDS_CLOCK)
    config = str(real_time_config(pytester, deviant_target))
    plain = run_pytest("--presence-config", config, "-rA")
    plain.assert_outcomes(passed=1, failed=1, skipped=1)
    parallel = run_pytest("--presence-config", config, "-rA", "-n", "2", "--dist", dist)
    parallel.assert_outcomes(passed=1, failed=1, skipped=1)
    assert (
        _outcomes(parallel)
        == _outcomes(plain)
        == {
            "demo.presence.yaml::demo.busy": "PASSED",
            "demo.presence.yaml::demo.exact-status": "FAILED",
            "timer.presence.yaml:1": "SKIPPED",
        }
    )
    parallel.stdout.fnmatch_lines(["*- presence conformance -*", "3 cases: 1 passed, 1 failed, 1 not verified"])


def test_each_worker_starts_its_own_bundled_reference(pytester: pytest.Pytester, run_pytest: RunPytest) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING, timer=NEEDS_CLOCK)
    result = run_pytest("-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["target: http://127.0.0.1:* (bundled reference)*; clock: clock-control"])


def test_workers_may_not_share_a_target_whose_clock_they_would_move(
    pytester: pytest.Pytester, run_pytest: RunPytest, deviant_target: str
) -> None:
    write_cases(pytester, demo=PASSING + "---\n" + FAILING)
    result = run_pytest("--presence-target", deviant_target, "-n", "2")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*has a test-control clock, which xdist workers cannot share*"])
