"""Allure results written from a results file (``run`` and ``report --allure-dir``), without pytest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from conformance.engine import CampaignResult
from conformance.report.allure_results import write_allure_results


def _results(folder: Path) -> list[dict[str, object]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*-result.json"))]


def test_one_result_per_case_with_allure_statuses(failing_results: CampaignResult, tmp_path: Path) -> None:
    written = _results(write_allure_results(failing_results, tmp_path))
    assert len(written) == len(failing_results.results)
    expected = Counter(
        {"passed": "passed", "failed": "failed", "deviated": "failed", "broken": "broken", "not-verified": "skipped"}[
            str(case.verdict)
        ]
        for case in failing_results.results
    )
    assert Counter(str(result["status"]) for result in written) == expected


def test_labels_steps_parameters_and_attachments(passing_results: CampaignResult, tmp_path: Path) -> None:
    case = passing_results.results[0]
    (result,) = [r for r in _results(write_allure_results(passing_results, tmp_path)) if r["name"] == case.title]
    labels = {(label["name"], label["value"]) for label in result["labels"]}  # type: ignore[attr-defined]
    assert ("story", case.case_id) in labels
    assert {("feature", clause) for clause in case.clauses} <= labels
    assert any(name == "epic" for name, _ in labels)
    assert result["parameters"] == [{"name": "target", "value": passing_results.target}]
    steps = result["steps"]
    assert len(steps) == len(case.steps)  # type: ignore[arg-type]
    attachments = [a for step in steps for a in step.get("attachments", [])]  # type: ignore[attr-defined]
    assert attachments and all((tmp_path / a["source"]).is_file() for a in attachments)


def test_results_of_an_earlier_run_are_replaced(passing_results: CampaignResult, tmp_path: Path) -> None:
    write_allure_results(passing_results, tmp_path)
    (tmp_path / "keep.txt").write_text("not Allure's", encoding="utf-8")
    write_allure_results(passing_results, tmp_path)
    assert len(_results(tmp_path)) == len(passing_results.results)
    assert (tmp_path / "keep.txt").is_file()
