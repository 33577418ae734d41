"""The Markdown summary: short, complete about what failed the gate, and inert whatever the target sent."""

from __future__ import annotations

from report_helpers import HOSTILE, campaign, case

from conformance.engine import CampaignResult
from conformance.engine.results import Verdict
from conformance.gate import evaluate, parse_expectations
from conformance.report.markdown import md_text, render_markdown


def test_summary_of_a_failing_run(failing_results: CampaignResult) -> None:
    text = render_markdown(failing_results, report_link="report.html")
    counts = failing_results.counts()
    assert text.startswith("## ❌ Presence conformance: NOT CONFORMANT\n")
    assert f"| ❌ failed | {counts['failed']} |" in text
    assert "### Conformance per clause family" in text
    assert f"### Cases that did not pass ({len(failing_results.results) - counts['passed']})" in text
    assert "Full report: [report.html](report.html)" in text


def test_the_gate_section_lists_every_case_that_failed_it() -> None:
    results = campaign([case("a.bad", Verdict.FAILED, reason="expected Busy, got Away"), case("a.fixed")])
    expectations = parse_expectations(
        "version: 1\nexpectations:\n  a.fixed: {expected: failed, reason: bug 12}\n", "exp.yaml", known_clauses=[]
    )
    text = render_markdown(results, gate=evaluate(results, expectations))
    assert "### ❌ Gate failed: 2 unexpected results" in text
    assert "| `a.bad` | passed (default) | ❌ failed | expected Busy, got Away |" in text
    assert (
        "| `a.fixed` | failed (case) | ✅ passed | unexpected pass: remove or update the expectation (bug 12) |" in text
    )
    assert "Expectations: `exp.yaml`" in text


def test_target_text_cannot_add_markup_or_break_tables() -> None:
    evil = HOSTILE + "| x | [link](https://evil.example) ![img](https://evil.example/i.png) `code` *em*\nnew line"
    text = render_markdown(campaign([case("a.bad", Verdict.FAILED, reason=evil)], target=evil))
    assert "<script" not in text and "<img" not in text
    assert "](https://evil" not in text.replace("\\](https://evil", "")
    row = next(line for line in text.splitlines() if line.startswith("| ❌ failed | `a.bad`"))
    assert row.count(" | ") == 2 and "\\|" in row  # the reason's pipes cannot open cells
    assert "new line" in row  # newlines folded into the row
    assert "\x07" not in text and "\\x07" in text
    assert md_text("a*b_c`d") == "a\\*b\\_c\\`d"


def test_long_lists_are_cut() -> None:
    results = campaign([case(f"a.c{i}", Verdict.FAILED) for i in range(60)])
    text = render_markdown(results, max_cases=10)
    assert text.count("| ❌ failed | `a.c") == 10
    assert "… and 50 more: see the full report." in text
