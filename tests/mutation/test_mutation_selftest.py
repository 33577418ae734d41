"""The mutation self-test: the reference passes the corpus, and every mutant is killed by a case citing its clause.

The full run (reference + every mutant, two servers at a time) is the suite's proof of power: it is part
of the default test run. A mutant that survives is a hole in the corpus; the fix is a case.
"""

from __future__ import annotations

import argparse
import io
from functools import cache
from pathlib import Path

import pytest

from conformance.cases import load_cases
from conformance.cases.model import Case
from conformance.mutation.catalog import CATALOG, by_name
from conformance.mutation.selftest import (
    EXIT_OK,
    EXIT_SURVIVORS,
    SelftestResult,
    add_selftest_arguments,
    kill_table_markdown,
    run_selftest,
    run_selftest_suite,
)

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "mutation-and-fuzzing.md"


@cache
def corpus() -> tuple[Case, ...]:
    return tuple(load_cases())


@cache
def full_run() -> SelftestResult:
    return run_selftest_suite(corpus(), CATALOG, jobs=2)


def test_the_reference_passes_every_case_of_the_corpus() -> None:
    reference = full_run().reference
    assert reference.error is None
    assert reference.broken == ()
    assert reference.killers == ()
    assert len(reference.ran) == len(corpus())


def test_every_mutant_is_killed_by_a_case_citing_its_clause() -> None:
    result = full_run()
    survivors = [f"{r.name} ({r.mutant.clause if r.mutant else ''}): {r.error or 'survived'}" for r in result.survivors]
    assert survivors == []
    assert result.score == 1.0
    assert result.exit_code == EXIT_OK
    for row in result.mutants:
        assert row.mutant is not None
        cited = {case.id for case in corpus() if row.mutant.clause in case.clauses}
        assert set(row.killers) <= cited, row.name


def test_the_documented_kill_table_lists_every_mutant_and_the_score() -> None:
    text = DOC.read_text(encoding="utf-8")
    for mutant in CATALOG:
        assert f"`{mutant.name}`" in text, f"{mutant.name} is missing from {DOC.name}"
    assert f"{len(CATALOG)}/{len(CATALOG)} (100%)" in text
    table = kill_table_markdown(full_run())
    assert f"**{len(CATALOG)}/{len(CATALOG)} (100%)**" in table


def _cli(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_selftest_arguments(parser)
    out = io.StringIO()
    return run_selftest(parser.parse_args(list(argv)), out), out.getvalue()


def test_the_cli_runs_chosen_mutants_and_writes_the_table(tmp_path: Path) -> None:
    table = tmp_path / "kill.md"
    code, out = _cli(
        "--mutant", "set-success-202", "--mutant", "int-case-insensitive",
        "--cases", str(REPO / "cases" / "set"), "--markdown", str(table),
    )  # fmt: skip
    assert code == EXIT_OK, out
    assert "PASSED   reference" in out
    assert "KILLED   set-success-202" in out
    assert "mutation score: 2/2 mutants killed (100%)" in out
    assert "`int-case-insensitive`" in table.read_text(encoding="utf-8")


def test_a_survivor_is_reported_as_a_hole_in_the_corpus() -> None:
    # Without cases/selftest-gaps, nothing catches a parser that drops unknown properties: the corpus's own
    # unknown-property case cannot carry the app's sessionId, so it is refused for that instead.
    code, out = _cli("--mutant", "int-unknown-property-ignored", "--cases", str(REPO / "cases" / "set"))
    assert code == EXIT_SURVIVORS
    assert "SURVIVED int-unknown-property-ignored" in out
    assert "survivor: int-unknown-property-ignored (INT-BAD-INPUT): a hole in the corpus" in out
    code, out = _cli(
        "--mutant", "int-unknown-property-ignored",
        "--cases", str(REPO / "cases" / "set"), str(REPO / "cases" / "selftest-gaps"),
    )  # fmt: skip
    assert code == EXIT_OK, out


def test_a_mutant_no_case_cites_survives() -> None:
    code, out = _cli("--mutant", "fade-none", "--cases", str(REPO / "cases" / "set"))
    assert code == EXIT_SURVIVORS
    assert "no case cites FADE-FIRST" in out


def test_the_cli_lists_mutants_and_refuses_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli("--list")
    assert code == EXIT_OK
    assert all(mutant.name in out for mutant in CATALOG)
    code, _ = _cli("--mutant", "no-such-mutant")
    assert code == 2
    assert "no mutant called 'no-such-mutant'" in capsys.readouterr().err


def test_by_name_is_what_the_cli_uses() -> None:
    assert by_name("int-unknown-property-ignored").clause == "INT-BAD-INPUT"


def test_the_fuzzer_against_the_reference_and_a_mutant(tmp_path: Path) -> None:
    table = tmp_path / "tables.md"
    code, out = _cli(
        "--fuzz-only", "--mutant", "set-success-202", "--fuzz-budget", "30", "--fuzz-time", "20",
        "--fuzz-out", str(tmp_path / "cases"), "--markdown", str(table),
    )  # fmt: skip
    assert code == EXIT_OK, out
    assert "CLEAN    reference" in out
    assert "FOUND    set-success-202" in out and "case failed (SET-SUCCESS)" in out
    assert "1/1 mutants found and confirmed through the engine" in out
    assert "| `set-success-202` |" in table.read_text(encoding="utf-8")
    assert len(list((tmp_path / "cases").glob("fuzz.seed-0.*.presence.yaml"))) == 1
