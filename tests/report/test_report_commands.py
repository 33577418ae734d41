"""The report and compare commands (through a parser built with their argument functions) and run outputs."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_helpers import campaign, case

from conformance.engine import CampaignResult
from conformance.engine.results import Verdict
from conformance.errors import ConfigError
from conformance.report.commands import add_compare_arguments, add_report_arguments, write_run_outputs


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="presence-conformance")
    commands = parser.add_subparsers(dest="command", required=True)
    add_report_arguments(commands.add_parser("report"))
    add_compare_arguments(commands.add_parser("compare"))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def _write(result: CampaignResult, path: Path) -> Path:
    path.write_text(json.dumps(result.to_json()), encoding="utf-8")
    return path


def test_report_writes_html_to_reports_by_default_and_exits_with_the_run_code(
    failing_results: CampaignResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _write(failing_results, tmp_path / "results.json")
    monkeypatch.chdir(tmp_path)
    assert _main(["report", str(results)]) == failing_results.exit_code == 1
    assert (tmp_path / "reports" / "report.html").is_file()
    assert "report: reports/report.html" in capsys.readouterr().out


def test_report_writes_every_output_and_applies_the_gate(
    failing_results: CampaignResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _write(failing_results, tmp_path / "results.json")
    expectations = tmp_path / "expectations.yaml"
    expectations.write_text("version: 1\nexpectations: {}\n", encoding="utf-8")
    out = tmp_path / "out"
    code = _main(
        [
            "report", str(results), "--html", str(out / "r.html"), "--markdown", str(out / "s.md"),
            "--junit", str(out / "j.xml"), "--expectations", str(expectations),
        ]
    )  # fmt: skip
    problems = [c.case_id for c in failing_results.results if c.verdict is not Verdict.PASSED]
    assert code == 1
    printed = capsys.readouterr().out
    assert f"gate failed: {len(problems)} unexpected results (exit code 1)" in printed
    for case_id in problems:
        assert case_id in printed
    assert "[r.html](r.html)" in (out / "s.md").read_text(encoding="utf-8")
    ET.parse(out / "j.xml")
    assert "GATE FAILED" in (out / "r.html").read_text(encoding="utf-8")


def test_update_then_gate_passes(failing_results: CampaignResult, tmp_path: Path) -> None:
    results = _write(failing_results, tmp_path / "results.json")
    expectations = tmp_path / "expectations.yaml"
    assert (
        _main(["report", str(results), "--no-html", "--expectations", str(expectations), "--update-expectations"]) == 0
    )
    assert _main(["report", str(results), "--no-html", "--expectations", str(expectations)]) == 0
    assert _main(["report", str(results), "--no-html", "--strict"]) == 1


def test_markdown_to_stdout_and_to_the_github_summary(
    passing_results: CampaignResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _write(passing_results, tmp_path / "results.json")
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert _main(["report", str(results), "--no-html", "--markdown", "-", "--github-summary"]) == 0
    assert "## ✅ Presence conformance: CONFORMANT" in capsys.readouterr().out
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ✅ Presence conformance: CONFORMANT")


def test_option_and_input_errors_are_config_errors(passing_results: CampaignResult, tmp_path: Path) -> None:
    results = _write(passing_results, tmp_path / "results.json")
    with pytest.raises(ConfigError, match="needs --expectations"):
        _main(["report", str(results), "--no-html", "--update-expectations"])
    with pytest.raises(ConfigError, match="no such results file"):
        _main(["report", str(tmp_path / "missing.json")])
    with pytest.raises(ConfigError, match="two or more"):
        _main(["compare", str(results)])
    with pytest.raises(SystemExit):
        _main(["report", str(results), "--html", "x.html", "--no-html"])


def test_compare_command(passing_results: CampaignResult, failing_results: CampaignResult, tmp_path: Path) -> None:
    a = _write(passing_results, tmp_path / "reference.json")
    b = _write(failing_results, tmp_path / "mock.json")
    assert _main(["compare", str(a), str(b), "-o", str(tmp_path / "cmp.html")]) == 0
    assert "<th>reference</th><th>mock</th>" in (tmp_path / "cmp.html").read_text(encoding="utf-8")


def test_write_run_outputs(failing_results: CampaignResult, tmp_path: Path) -> None:
    written = write_run_outputs(failing_results.to_json(), tmp_path / "reports")
    assert {kind: path.name for kind, path in written.items()} == {
        "html": "report.html",
        "markdown": "summary.md",
        "junit": "junit.xml",
        "allure": "allure-results",
    }
    assert all(path.stat().st_size > 0 for path in written.values() if path.is_file())
    assert any(written["allure"].glob("*-result.json"))
    only = write_run_outputs(
        campaign([case("a.ok")]).to_json(), tmp_path / "other", html=False, junit=False, allure=False
    )
    assert list(only) == ["markdown"]
    assert "Full report" not in only["markdown"].read_text(encoding="utf-8")
