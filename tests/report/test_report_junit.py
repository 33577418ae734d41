"""JUnit XML: well formed whatever the target sent, verdicts mapped, clause ids as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from report_helpers import HOSTILE, campaign, case

from conformance.engine import CampaignResult
from conformance.engine.results import Verdict
from conformance.gate import evaluate, parse_expectations
from conformance.report.junit import render_junit


def _props(element: ET.Element | None) -> list[tuple[str, str]]:
    assert element is not None
    return [(p.get("name", ""), p.get("value", "")) for p in element.iter("property")]


def test_real_results(failing_results: CampaignResult) -> None:
    root = ET.fromstring(render_junit(failing_results))
    suite = root.find("testsuite")
    assert suite is not None
    counts = failing_results.counts()
    assert suite.get("tests") == str(len(failing_results.results))
    assert suite.get("failures") == str(counts["failed"] + counts["deviated"])
    assert suite.get("errors") == str(counts["broken"])
    assert ("exit_code", str(failing_results.exit_code)) in _props(suite.find("properties"))
    by_name = {tc.get("name"): tc for tc in suite.iter("testcase")}
    for result in failing_results.results:
        element = by_name[result.case_id]
        props = _props(element)
        assert [v for n, v in props if n == "clause"] == list(result.clauses)
        assert ("case_id", result.case_id) in props and ("verdict", str(result.verdict)) in props
        kinds = {child.tag for child in element} - {"properties"}
        expected = {"passed": set(), "failed": {"failure"}, "deviated": {"failure"}, "broken": {"error"}}
        assert kinds == expected[str(result.verdict)]
        assert element.get("classname", "").startswith("presence.")


def test_not_verified_is_skipped_and_hostile_text_is_well_formed() -> None:
    results = campaign(
        [case("a.nv", Verdict.NOT_VERIFIED, reason="needs a clock"), case("a.bad", Verdict.FAILED, reason=HOSTILE)],
        target=HOSTILE,
    )
    document = render_junit(results)
    root = ET.fromstring(document)
    assert root.find(".//testcase[@name='a.nv']/skipped") is not None
    failure = root.find(".//testcase[@name='a.bad']/failure")
    assert failure is not None and "<script>" in (failure.get("message") or "")  # as text, escaped in the XML
    assert "\x07" not in document and "<script>" not in document


def test_with_a_gate_expected_outcomes_are_skipped_and_unexpected_passes_fail() -> None:
    results = campaign([case("a.bad", Verdict.FAILED), case("a.fixed"), case("a.ok")])
    expectations = parse_expectations(
        "version: 1\nexpectations:\n"
        "  a.bad: {expected: failed, reason: bug 1}\n"
        "  a.fixed: {expected: failed, reason: bug 2}\n",
        known_clauses=[],
    )
    root = ET.fromstring(render_junit(results, gate=evaluate(results, expectations)))
    assert root.find(".//testcase[@name='a.bad']/skipped") is not None
    unexpected = root.find(".//testcase[@name='a.fixed']/failure")
    assert unexpected is not None and unexpected.get("type") == "unexpected-pass"
    assert root.find(".//testcase[@name='a.ok']/failure") is None
    assert ("gate", "failed") in _props(root.find("testsuite/properties"))
