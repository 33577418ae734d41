"""The HTML report: self-contained, everything from the target shown as text, complete, and of bounded size."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from report_helpers import HOSTILE, campaign, case, check_step, exchange, fade_case, set_step

from conformance.engine import CampaignResult
from conformance.engine.results import StepResult, StepStatus, Verdict
from conformance.gate import evaluate, parse_expectations
from conformance.report.html import render_html, write_html


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _parse(document: str) -> _Tags:
    parser = _Tags()
    parser.feed(document)
    parser.close()
    return parser


def _hostile_campaign() -> CampaignResult:
    big = "A" * 1_000_000
    hostile_check = StepResult(
        index=1,
        line=11,
        at=check_step(1, 1, ("Busy", "InACall")).at,
        description=f"check alice {HOSTILE}",
        status=StepStatus.MISMATCH,
        message=f"expected Busy/InACall, got {HOSTILE}",
        expected={"status": 200, "presence": {"availability": "Busy", "activity": "InACall"}},
        observed={"status": 200, "presence": {"availability": HOSTILE, "activity": big}},
        exchanges=(
            exchange(
                response_body=f'{{"availability": "{HOSTILE}", "pad": "{big}"}}',
                response_headers={"X-Evil": HOSTILE, "content-type": "text/html"},
            ),
        ),
        sent_offset=1,
    )
    hostile = case(
        f"hostile.{'x' * 10}",
        Verdict.FAILED,
        [set_step(0, 0, "Busy", "InACall"), hostile_check],
        title=HOSTILE,
        reason=HOSTILE + big,
        tags=["hostile", HOSTILE],
        clauses=["AGG-PRECEDENCE", HOSTILE],
    )
    return campaign([hostile, fade_case()], target=HOSTILE, setup_error=HOSTILE, profile={HOSTILE: HOSTILE})


def test_hostile_strings_stay_text() -> None:
    document = render_html(_hostile_campaign())
    parsed = _parse(document)
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    assert document.count("<script") == 1 and document.count("</script") == 1
    assert "<img" not in document and "alert(1)</script>" not in document
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert "\x07" not in document and "\x1b" not in document and "\u202e" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "\\x07" in document  # control characters are shown, escaped
    assert len(document) < 600_000  # the megabyte strings are clipped
    assert "more characters]" in document


def test_the_page_is_self_contained_and_its_script_is_pinned_by_the_csp() -> None:
    document = render_html(_hostile_campaign())
    parsed = _parse(document)
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "iframe", "object", "embed", "img", "base")
        if tag != "a":
            urls = [v for k, v in attrs.items() if k != "xmlns" and v and re.match(r"\s*(https?:|//|javascript:)", v)]
            assert not urls, (tag, attrs)
        else:
            assert not (attrs.get("href") or "").startswith("javascript:")
    assert "@import" not in document and "url(" not in document
    (script,) = parsed.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = next(attrs["content"] for tag, attrs in parsed.tags if tag == "meta" and attrs.get("http-equiv"))
    assert policy is not None and f"'sha256-{digest}'" in policy and "default-src 'none'" in policy


def test_the_report_shows_verdict_counts_families_facts_matrix_and_cases(failing_results: CampaignResult) -> None:
    document = render_html(failing_results)
    counts = failing_results.counts()
    assert "NOT CONFORMANT" in document
    for verdict, count in counts.items():
        assert f'data-only="{verdict}"><span class="dot"></span><b>{count}</b>' in document
    assert "Conformance per clause family" in document and "Clause matrix" in document
    assert "in-process reference service" in document
    for result in failing_results.results:
        assert f'<span class="cid">{result.case_id}</span>' in document
    assert document.count('<svg class="tl" xmlns') >= len(failing_results.results) - 2
    assert "Deviated from a default interpretation: " in document
    assert 'id="clause-INT-WRITE-STATUS"' in document and "learn.microsoft.com" in document
    # problems come first
    first = re.search(r'class="case v-([a-z-]+)"', document)
    assert first is not None and first.group(1) != "passed"


def test_a_passing_run_is_conformant(passing_results: CampaignResult) -> None:
    document = render_html(passing_results)
    assert "CONFORMANT" in document and "NOT CONFORMANT" not in document


def test_the_gate_marks_unexpected_cases() -> None:
    results = campaign([fade_case(Verdict.FAILED, case_id="a.bad"), fade_case(case_id="a.good")])
    expectations = parse_expectations(
        "version: 1\nexpectations:\n  a.good: {expected: failed, reason: flaky mock}\n", known_clauses=[]
    )
    document = render_html(results, gate=evaluate(results, expectations))
    assert "GATE FAILED" in document
    assert document.count('class="badge unexp"') == 2
    assert "a.good: expected failed (case), got passed" in document


def test_broken_and_not_verified_cases_say_why() -> None:
    broken = case("a.broken", Verdict.BROKEN, [set_step(0, 0)], reason="connection reset by peer")
    unverifiable = case("a.unverified", Verdict.NOT_VERIFIED, [], reason="needs the test-control API")
    document = render_html(campaign([broken, unverifiable]))
    assert "Broken, no verdict: connection reset by peer" in document
    assert "Not verified: needs the test-control API" in document
    assert "RUN BROKEN" in document  # nothing verified, something broken


@pytest.mark.slow
def test_the_whole_corpus_report_stays_small(corpus_results: CampaignResult, tmp_path: object) -> None:
    from pathlib import Path

    path = write_html(corpus_results, Path(str(tmp_path)) / "report.html")
    size = path.stat().st_size
    assert size < 5 * 1024 * 1024, size
    assert len(corpus_results.results) > 200
