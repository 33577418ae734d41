"""Comparing runs: a column per run, the cases whose verdicts differ first."""

from __future__ import annotations

from pathlib import Path

from report_helpers import HOSTILE, campaign, case

from conformance.engine import CampaignResult
from conformance.engine.results import Verdict
from conformance.report.compare import ComparedRun, compare_cases, render_compare, write_compare


def test_differences_come_first_worst_first() -> None:
    a = campaign([case("c.same"), case("c.fixed", Verdict.FAILED), case("c.worse"), case("c.dev", Verdict.DEVIATED)])
    b = campaign([case("c.same"), case("c.fixed"), case("c.worse", Verdict.BROKEN), case("c.dev"), case("c.new")])
    rows = compare_cases([ComparedRun("a", a), ComparedRun("b", b)])
    assert [row.case_id for row in rows] == ["c.fixed", "c.dev", "c.worse", "c.new", "c.same"]
    assert [row.differs for row in rows] == [True, True, True, True, False]
    assert rows[3].verdicts == (None, Verdict.PASSED)


def test_the_page_has_a_column_per_run_and_escapes_everything(
    passing_results: CampaignResult, failing_results: CampaignResult, tmp_path: Path
) -> None:
    hostile = campaign([case("c.one", Verdict.FAILED, reason=HOSTILE, title=HOSTILE)], target=HOSTILE)
    path = write_compare(
        [("runs/ref.json", passing_results), ("runs/ref.json", failing_results), ("evil.json", hostile)],
        tmp_path / "compare.html",
    )
    document = path.read_text(encoding="utf-8")
    assert document.count("<script") == 1 and "<img" not in document and "\x07" not in document
    assert "<th>ref</th><th>ref (2)</th><th>evil</th>" in document
    differing = sum(
        1
        for row in compare_cases(
            [ComparedRun("a", passing_results), ComparedRun("b", failing_results), ComparedRun("c", hostile)]
        )
        if row.differs
    )
    assert f"{differing} differ" in document
    assert 'data-diff="1"' in document and 'id="f-diff"' in document


def test_render_compare_of_identical_runs_has_no_differences(passing_results: CampaignResult) -> None:
    document = render_compare([ComparedRun("x", passing_results), ComparedRun("y", passing_results)])
    assert 'data-diff="1"' not in document
    assert "(0 differ)" in document


def test_runs_saved_under_the_default_name_are_labelled_by_their_folder() -> None:
    from conformance.report.compare import _labels

    assert _labels(["reports/ref/results.json", "reports/mock/results.json"]) == ["ref", "mock"]
    assert _labels(["a/results.json", "a/results.json"]) == ["results", "results (2)"]
    assert _labels(["ref.json", "mock.json"]) == ["ref", "mock"]
