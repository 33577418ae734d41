"""attach_case inside a real allure-pytest run: labels, parameter, steps with statuses, attachments, no secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import campaign, case, check_step, exchange, set_step, skipped_step

from conformance.engine.results import Verdict
from conformance.report.allure import case_labels
from reference_impl.clause_registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
SECRET = "allure-planted-secret-5150"

TEST_FILE = """
import json
import pytest
from conformance.engine.results import CaseResult
from conformance.report.allure import attach_case

INPUT = json.loads(open({cases!r}, encoding="utf-8").read())

@pytest.mark.parametrize("index", range(len(INPUT["cases"])), ids=[c["id"] for c in INPUT["cases"]])
def test_case(index):
    result = CaseResult.from_json(INPUT["cases"][index])
    attach_case(result, INPUT["target"], profile={{}})
    result.raise_for_verdict()
"""


def test_labels_follow_family_clause_and_case() -> None:
    labels = case_labels(case("a.one", clauses=["FADE-FIRST", "FADE-SECOND", "AGG-PRECEDENCE"]), load_registry())
    assert labels == {
        "epic": ["FADE: Available timeout (fade)", "AGG: aggregation"],
        "feature": ["FADE-FIRST", "FADE-SECOND", "AGG-PRECEDENCE"],
        "story": ["a.one"],
    }


@pytest.mark.slow
def test_attach_case_in_an_allure_run(tmp_path: Path) -> None:
    failing = case(
        "allure.failing",
        Verdict.FAILED,
        [
            set_step(0, 0, "Busy", "InACall"),
            check_step(1, 60, ("Busy", "InACall"), ("Away", "Away")),
            skipped_step(2, 120, stopped_at=1),
        ],
        clauses=["AGG-PRECEDENCE"],
    )
    leaky = check_step(0, 0, ("Offline", "Offline"))
    leaky = type(leaky)(**{**{f: getattr(leaky, f) for f in leaky.__slots__}, "exchanges": (
        exchange(request_headers={"Authorization": f"Bearer {SECRET}"}, response_body={"access_token": SECRET}),
    )})  # fmt: skip
    broken = case("allure.broken", Verdict.BROKEN, [leaky], reason="connection reset")
    cases_file = tmp_path / "cases.json"
    cases = [c.to_json() for c in campaign([failing, broken, case("allure.ok")]).results]
    cases_file.write_text(json.dumps({"cases": cases, "target": f"https://u:{SECRET}@t.example"}), encoding="utf-8")
    test_file = tmp_path / "test_allure_cases.py"
    test_file.write_text(TEST_FILE.format(cases=str(cases_file)), encoding="utf-8")
    results = tmp_path / "allure-results"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "allure_pytest", f"--alluredir={results}"]
    command += ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", str(test_file)]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-result.json")]
    by_story = {next(x["value"] for x in d["labels"] if x["name"] == "story"): d for d in documents}
    assert set(by_story) == {"allure.failing", "allure.broken", "allure.ok"}
    failing_doc = by_story["allure.failing"]
    assert failing_doc["status"] == "failed" and by_story["allure.broken"]["status"] == "broken"
    assert by_story["allure.ok"]["status"] == "passed"
    labels = {(x["name"], x["value"]) for x in failing_doc["labels"]}
    assert {("epic", "AGG: aggregation"), ("feature", "AGG-PRECEDENCE")} <= labels
    target = next(p["value"] for p in failing_doc["parameters"] if p["name"] == "target")
    assert target == repr("https://u:<redacted>@t.example")  # allure shows parameter values as repr
    assert [s["status"] for s in failing_doc["steps"]] == ["passed", "failed", "skipped"]
    assert failing_doc["steps"][1]["name"] == "step 1 at +1m: check alice"
    assert any(a["name"] == "timeline" and a["type"] == "image/svg+xml" for a in failing_doc["attachments"])
    assert any(a["name"].startswith("exchange 1") for a in failing_doc["steps"][0]["attachments"])
    # what attach_case wrote: attachments, labels, parameters, steps (pytest's own traceback of the test is not)
    for path in results.glob("*-attachment*"):
        assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path.name
    for document in documents:
        document.pop("statusDetails", None)
        assert SECRET not in json.dumps(document)
