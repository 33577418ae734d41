"""The clause matrix: a clause takes its worst case's verdict, so it fails when any of its cases fails."""

from __future__ import annotations

from report_helpers import case

from conformance.engine.results import Verdict
from conformance.report.matrix import clause_matrix, family_summary, worst_verdict
from reference_impl.clause_registry import load_registry


def test_worst_verdict_order() -> None:
    assert worst_verdict([]) is None
    assert worst_verdict([Verdict.PASSED, Verdict.NOT_VERIFIED]) is Verdict.NOT_VERIFIED
    assert worst_verdict([Verdict.PASSED, Verdict.BROKEN, Verdict.NOT_VERIFIED]) is Verdict.BROKEN
    assert worst_verdict([Verdict.BROKEN, Verdict.DEVIATED]) is Verdict.DEVIATED
    assert worst_verdict([Verdict.DEVIATED, Verdict.FAILED, Verdict.PASSED]) is Verdict.FAILED


def test_a_clause_fails_when_any_of_its_cases_fails() -> None:
    registry = load_registry()
    results = [
        case("a.one", Verdict.PASSED, clauses=["FADE-FIRST", "AGG-PRECEDENCE"]),
        case("a.two", Verdict.FAILED, clauses=["FADE-FIRST"]),
        case("a.three", Verdict.PASSED, clauses=["AGG-PRECEDENCE"]),
        case("a.four", Verdict.NOT_VERIFIED, clauses=["FADE-SECOND"]),
    ]
    rows = {row.clause_id: row for row in clause_matrix(results, registry)}
    assert rows["FADE-FIRST"].verdict is Verdict.FAILED
    assert rows["FADE-FIRST"].cases == (("a.one", Verdict.PASSED), ("a.two", Verdict.FAILED))
    assert rows["AGG-PRECEDENCE"].verdict is Verdict.PASSED
    assert rows["FADE-SECOND"].verdict is Verdict.NOT_VERIFIED
    assert rows["SET-PAIRS"].verdict is None and not rows["SET-PAIRS"].ran
    assert rows["FADE-FIRST"].kind == "documented"
    assert list(rows)[: len(registry)] == list(registry.clauses)  # registry order, every clause


def test_unknown_clauses_are_kept_with_their_prefix_as_family() -> None:
    rows = clause_matrix([case("a.one", Verdict.DEVIATED, clauses=["NEW-THING"])], load_registry())
    unknown = rows[-1]
    assert (unknown.clause_id, unknown.family, unknown.kind, unknown.verdict) == (
        "NEW-THING",
        "NEW",
        "unknown",
        Verdict.DEVIATED,
    )


def test_family_summary_counts_clauses_and_cases_once() -> None:
    registry = load_registry()
    results = [
        case("a.one", Verdict.PASSED, clauses=["FADE-FIRST", "FADE-SECOND"]),
        case("a.two", Verdict.FAILED, clauses=["FADE-FIRST"]),
    ]
    rows = clause_matrix(results, registry)
    fade = next(f for f in family_summary(rows, results, registry) if f.family == "FADE")
    assert fade.clause_counts["failed"] == 1 and fade.clause_counts["passed"] == 1
    assert fade.case_counts == {"passed": 1, "failed": 1, "deviated": 0, "broken": 0, "not-verified": 0}
    assert fade.cases == 2
    assert fade.verdict is Verdict.FAILED
    assert fade.not_run == sum(1 for c in registry if c.family == "FADE") - 2
