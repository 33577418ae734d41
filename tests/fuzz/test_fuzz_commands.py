"""``presence-conformance fuzz``: options, output, exit codes."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from differential_helpers import mutant_target

from conformance.cases import load_case_file
from conformance.fuzz.commands import EXIT_BROKEN, EXIT_CLEAN, EXIT_FOUND, add_fuzz_arguments, run_fuzz


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="presence-conformance fuzz")
    add_fuzz_arguments(parser)
    return parser.parse_args(list(argv))


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run_fuzz(_parse(*argv), out), out.getvalue()


def test_against_the_bundled_reference_it_finds_nothing_and_reports_its_throughput() -> None:
    code, out = _run("--seed", "4", "--budget", "30", "--quiet")
    assert code == EXIT_CLEAN
    assert "(bundled reference) (clock control), seed 4" in out
    assert "30 examples" in out and "operations/s" in out
    assert "no mismatch (seed 4)" in out


def test_a_time_limit_alone_bounds_the_run() -> None:
    code, out = _run("--seed", "1", "--time", "PT2S", "--quiet")
    assert code == EXIT_CLEAN
    assert "no mismatch" in out


def test_a_mismatch_is_written_as_a_case_and_confirmed(tmp_path: Path) -> None:
    with mutant_target("err-body-unwrapped") as (url, _):
        code, out = _run("--target", url, "--seed", "0", "--budget", "500", "--out", str(tmp_path))
    assert code == EXIT_FOUND
    assert "MISMATCH found" in out
    assert "(failed against the target)" in out
    (path,) = tmp_path.glob("fuzz.seed-0.*.presence.yaml")
    (case,) = load_case_file(path)
    assert case.clauses == ("ERR-FORMAT",)
    assert case.steps[-1].expect.graph_error
    assert f"rerun: presence-conformance run --cases {path}" in out
    assert "steps:" in out  # the case is printed too


def test_an_unreachable_target_breaks_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run("--target", "http://127.0.0.1:9", "--budget", "5", "--quiet")
    assert code == EXIT_BROKEN
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--budget", "0"], ["--time", "soon"], ["--seed", "-1"], ["--max-operations", "0"]])
def test_bad_options_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse(*argv)
    assert exited.value.code == 2
