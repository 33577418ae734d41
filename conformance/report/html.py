"""The HTML report: one self-contained file generated from a results file.

:func:`render_html` builds the page; :func:`write_html` writes it. The page:

- **top**: the verdict (and the gate's decision when expectations were applied), the count per verdict
  (click to filter), conformance per clause family, the target and the run's facts;
- **clause matrix**: every clause of the registry with its kind, family, statement, its cases and their
  verdicts, and the clause's verdict (the worst of its cases: a clause fails when any case fails);
- **cases** (problems first): title, clauses with text and source link, the timeline picture
  (:mod:`~conformance.report.timeline_svg`), the step table with expected and observed values, the HTTP
  exchanges (collapsed), and the reason of any verdict other than passed;
- **filters** by verdict, clause, tag and text, written as an inline script that only reads ``data-*``
  attributes; without script every case is shown.

Safety: every string from the results file goes through :func:`~conformance.report.text.html_text`
(redacted, clipped, control characters made visible, HTML-escaped), in text and in attributes alike, SVG
included; nothing from the results file is placed inside the ``<script>``. A Content-Security-Policy allows
only this page's own script (by its hash) and inline styles, and no network at all, so even a mistake here
could not load or run anything else. The page loads no font, image, stylesheet or script from anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reference_impl.clause_registry import ClauseRegistry, load_registry
from reference_impl.model import DEFAULT_PROFILE

from ..engine.results import CampaignResult, CaseResult, Exchange, StepResult, Verdict
from .matrix import SEVERITY, ClauseRow, FamilyRow, clause_matrix, family_summary
from .redaction import secret_scope
from .text import BODY_LIMIT, LINE_LIMIT, TEXT_LIMIT, display, html_text, pretty_json
from .timeline_svg import TIMELINE_CSS, case_timeline_svg, offset_label

if TYPE_CHECKING:
    from ..gate import GateResult, Unexpected

__all__ = [
    "VERDICT_LABELS",
    "overall_status",
    "page",
    "render_html",
    "write_html",
]

VERDICT_LABELS: dict[str, str] = {
    "passed": "passed",
    "failed": "failed",
    "deviated": "deviated",
    "broken": "broken",
    "not-verified": "not verified",
}
_SEVERITY_RANK = {verdict: rank for rank, verdict in enumerate(SEVERITY)}
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$")


# ---- page shell -------------------------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; "
        f"script-src 'sha256-{digest}'; "
        "style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body`` (already safe HTML), with the report's style and script.

    ``title`` is plain text (escaped here).
    """
    script = _asset("report.js")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(script), quote=True)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="generator" content="presence-conformance">'
        f"<title>{html_text(title, LINE_LIMIT)}</title>"
        f"<style>{_asset('report.css')}{TIMELINE_CSS}</style></head>\n"
        f"<body>{body}\n<script>{script}</script></body></html>\n"
    )


# ---- small pieces ----------------------------------------------------------------------------------------


def _e(value: object, limit: int = TEXT_LIMIT) -> str:
    return html_text(value, limit)


def _url(url: str | None) -> str | None:
    """``url`` escaped for an href, or ``None`` when it is not a plain http(s) URL."""
    if not url or not _SAFE_URL.match(url) or len(url) > 2000:
        return None
    return html.escape(url, quote=True)


def _link(url: str | None, text: object) -> str:
    href = _url(url)
    if href is None:
        return _e(text, LINE_LIMIT)
    return f'<a href="{href}" rel="noopener noreferrer" target="_blank">{_e(text, LINE_LIMIT)}</a>'


def _badge(verdict: str) -> str:
    label = VERDICT_LABELS.get(verdict, verdict)
    return f'<span class="badge v-{_e(verdict, 20)}">{_e(label, 20)}</span>'


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _offset(seconds: float) -> str:
    return offset_label(seconds)


def _when(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _case_anchor(index: int) -> str:
    return f"case-{index}"


def _clause_anchor(clause_id: str) -> str:
    return "clause-" + re.sub(r"[^A-Za-z0-9_-]", "_", clause_id)


def overall_status(result: CampaignResult) -> tuple[str, str, str]:
    """``(css class, headline, explanation)`` of a run from its exit code."""
    counts = result.counts()
    code = result.exit_code
    if code == 0:
        deviations = counts["deviated"]
        extra = (
            f"; {deviations} deviation{'s' if deviations != 1 else ''} from default interpretations"
            if deviations
            else ""
        )
        return "ok", "CONFORMANT", f"every verified case passed or deviated only from an interpretation{extra}"
    if code == 1:
        failed = counts["failed"]
        return (
            "bad",
            "NOT CONFORMANT",
            f"{failed} case{'s' if failed != 1 else ''} failed: the target differs from documented behaviour",
        )
    if code == 2:
        return (
            "broken",
            "RUN BROKEN",
            "the run could not establish a verdict (setup error, or nothing verified and something broken)",
        )
    return "none", "NOTHING VERIFIED", "no case ran, or none could be verified"


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=str)


def _describe_value(value: Mapping[str, Any] | None) -> str:
    """A step's expected/observed mapping as short lines of text (before escaping)."""
    if value is None:
        return ""
    lines: list[str] = []
    for key, item in value.items():
        if key == "presence" and isinstance(item, Mapping):
            lines.append(
                "presence " + "/".join(str(item.get(k, "?")) for k in ("availability", "activity") if k in item)
            )
        elif key == "presences" and isinstance(item, Mapping):
            for user, pair in item.items():
                shown = "/".join(str(v) for v in pair.values()) if isinstance(pair, Mapping) else _json_text(pair)
                lines.append(f"{user}: {shown}")
        elif key in ("error", "oracle_error") and isinstance(item, Mapping):
            lines.append(
                f"{'error' if key == 'error' else 'oracle error'} {item.get('code', '?')}: {item.get('message', '')}"
            )
        elif key == "graph_error":
            lines.append("a Graph error body" if item else "no error body")
        else:
            lines.append(f"{key} {item if isinstance(item, str | int | float) else _json_text(item)}")
    return "\n".join(lines)


# ---- sections -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    result: CampaignResult
    registry: ClauseRegistry
    rows: list[ClauseRow]
    families: list[FamilyRow]
    gate: GateResult | None
    unexpected: Mapping[str, Unexpected]
    expected: Mapping[str, str]


def _header(ctx: _Context) -> str:
    result = ctx.result
    cls, headline, explanation = overall_status(result)
    gate_html = ""
    if ctx.gate is not None:
        gate = ctx.gate
        gate_cls = "ok" if gate.ok else ("bad" if gate.exit_code == 1 else "broken")
        gate_html = (
            f'<span class="verdict {gate_cls}">{"GATE PASSED" if gate.ok else "GATE FAILED"}</span>'
            f'<span class="sub">{_e(gate.summary(), LINE_LIMIT)} · exit code {gate.exit_code}</span>'
        )
    counts = result.counts()
    total = sum(counts.values())
    chips = [f'<a class="chip" href="#cases" data-only=""><b>{total}</b> cases</a>']
    for verdict in ("failed", "deviated", "broken", "not-verified", "passed"):
        chips.append(
            f'<a class="chip v-{verdict}" href="#cases" data-only="{verdict}"><span class="dot"></span>'
            f"<b>{counts[verdict]}</b> {VERDICT_LABELS[verdict]}</a>"
        )
    return (
        '<header><div class="in">'
        '<div class="banner">'
        f"{gate_html}"
        f'<span class="verdict {cls}">{headline}</span>'
        f'<span class="sub">{_e(explanation, LINE_LIMIT)} · exit code {result.exit_code}</span>'
        "</div>"
        f'<h1 style="margin-top:10px">Presence conformance of {_e(result.target, LINE_LIMIT)}</h1>'
        f'<div class="chips">{"".join(chips)}</div>'
        "</div></header>"
    )


def _facts(ctx: _Context) -> str:
    result = ctx.result
    default = DEFAULT_PROFILE.to_mapping()
    profile_items = []
    for key, value in result.profile.items():
        differs = key in default and default[key] != value
        text = f"{_e(key, 80)}={_e(value, 80)}"
        profile_items.append(f'<span class="nondefault">{text}</span>' if differs else text)
    rows: list[tuple[str, str]] = [
        ("target", _e(result.target, LINE_LIMIT)),
        ("clock", "controlled (test-control API)" if result.mode == "clock-control" else "real time"),
        ("started", _e(_when(result.started_at))),
        ("wall time", _span(result.wall_time)),
        ("settle / tolerance", f"{result.settle:g} s / {result.tolerance:g} s"),
        ("profile", ", ".join(profile_items) or "default"),
        ("suite", f"presence-conformance {_e(result.suite_version, 60)}"),
        ("clause registry", _registry_note(ctx)),
    ]
    if result.setup_error:
        rows.append(("setup error", f'<span class="st-mismatch">{_e(result.setup_error)}</span>'))
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<div class="card"><h3 style="margin-top:0">Run</h3><dl class="facts">{items}</dl></div>'


def _registry_note(ctx: _Context) -> str:
    recorded, bundled = ctx.result.clauses_version, ctx.registry.version
    if recorded == bundled:
        return f"version {bundled}"
    return f"version {recorded} in the results; texts shown from version {bundled}"


def _bar(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return '<div class="bar"></div>'
    spans = "".join(
        f'<span class="v-{v}" style="width:{counts[v] / total * 100:.2f}%" '
        f'title="{counts[v]} {VERDICT_LABELS[v]}"></span>'
        for v in ("passed", "deviated", "not-verified", "broken", "failed")
        if counts.get(v)
    )
    return f'<div class="bar">{spans}</div>'


def _count_words(counts: Mapping[str, int]) -> str:
    parts = [
        f"{counts[v]} {VERDICT_LABELS[v]}" for v in ("failed", "deviated", "broken", "not-verified") if counts.get(v)
    ]
    return ", ".join(parts)


def _families(ctx: _Context) -> str:
    rows = []
    for family in ctx.families:
        verdict = family.verdict
        held = family.clause_counts["passed"]
        status = _badge(str(verdict)) if verdict is not None else '<span class="badge">not run</span>'
        not_run = f", {family.not_run} not run" if family.not_run else ""
        rows.append(
            "<tr>"
            f'<td><b>{_e(family.family, 20)}</b> <span class="sub">{_e(family.title, 80)}</span></td>'
            f"<td>{status}</td>"
            f'<td>{_bar(family.clause_counts)}<span class="sub">{held} of {family.clauses_run} clauses hold{not_run}'
            f"{'; ' + _count_words(family.clause_counts) if _count_words(family.clause_counts) else ''}</span></td>"
            f"<td>{family.case_counts['passed']} / {family.cases}</td>"
            "</tr>"
        )
    return (
        '<div class="card"><h3 style="margin-top:0">Conformance per clause family</h3>'
        "<table><thead><tr><th>family</th><th>verdict</th><th>clauses</th><th>cases passed</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _gate_section(ctx: _Context, anchors: Mapping[str, str]) -> str:
    gate = ctx.gate
    if gate is None:
        return ""
    where = f" against {_e(gate.expectations_path, LINE_LIMIT)}" if gate.expectations_path else ""
    mode = "strict (expectations ignored: every case must pass)" if gate.strict else f"expectations{where}"
    parts = [
        f'<section id="gate"><h2>CI gate</h2><div class="card gate{"" if gate.ok else " bad"}">',
        f"<p><b>{_e(gate.summary(), LINE_LIMIT)}</b> · {mode} · exit code {gate.exit_code}</p>",
    ]
    if gate.unexpected:
        rows = []
        for item in gate.unexpected:
            anchor = anchors.get(item.case_id)
            case = f'<a href="#{anchor}">{_e(item.case_id, LINE_LIMIT)}</a>' if anchor else _e(item.case_id, LINE_LIMIT)
            why = _e(item.reason or "", LINE_LIMIT)
            if item.link:
                why += " " + _link(item.link, "link")
            rows.append(
                f'<tr><td class="mono">{case}</td><td>{_e(" or ".join(item.expected), 80)} '
                f'<span class="sub">({_e(item.source, 120)})</span></td><td>{_badge(item.actual)}</td>'
                f"<td>{why}</td><td>{_e(item.case_reason or '', LINE_LIMIT)}</td></tr>"
            )
        parts.append(
            "<table><thead><tr><th>unexpected case</th><th>expected</th><th>got</th><th>expectation's reason</th>"
            f"<th>case's reason</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    if gate.expected_failures:
        parts.append(f'<p class="sub">{len(gate.expected_failures)} case(s) did not pass, as expected.</p>')
    if gate.not_verified and not gate.strict:
        parts.append(f'<p class="sub">{len(gate.not_verified)} case(s) could not be verified (not gated).</p>')
    if gate.unused:
        shown = ", ".join(gate.unused[:20]) + (" …" if len(gate.unused) > 20 else "")
        parts.append(f'<p class="sub">Entries that matched no case of this run: {_e(shown, TEXT_LIMIT)}</p>')
    parts.append("</div></section>")
    return "".join(parts)


def _matrix(ctx: _Context, anchors: Mapping[str, str]) -> str:
    rows = []
    for row in ctx.rows:
        verdict = _badge(str(row.verdict)) if row.verdict is not None else '<span class="badge">not run</span>'
        chips = "".join(
            f'<a class="cv v-{_e(str(v), 20)}" href="#{anchors.get(case_id, "")}" '
            f'title="{_e(case_id, LINE_LIMIT)}: {VERDICT_LABELS.get(str(v), str(v))}"></a>'
            for case_id, v in row.cases
        )
        passed = sum(1 for _, v in row.cases if v is Verdict.PASSED)
        cases = (
            f'{chips} <span class="sub">{passed}/{len(row.cases)}</span>'
            if row.cases
            else '<span class="sub">no case</span>'
        )
        link = (
            f'<a href="#cases" data-clause-filter="{_e(row.clause_id, 80)}" title="show its cases">'
            f"{_e(row.clause_id, 80)}</a>"
            if row.cases
            else _e(row.clause_id, 80)
        )
        rows.append(
            f'<tr id="{_clause_anchor(row.clause_id)}" class="{"" if row.cases else "notrun"}">'
            f'<td class="mono">{link}</td><td>{_e(row.kind, 20)}</td><td>{verdict}</td>'
            f'<td>{cases}</td><td class="st">{_e(row.statement, TEXT_LIMIT)}</td></tr>'
        )
    return (
        '<section id="matrix"><h2>Clause matrix</h2>'
        '<p class="sub">A clause takes the worst verdict of its cases (failed, deviated, broken, not verified, '
        "passed): it fails when any of its cases fails. Click a clause to see its cases; a square is a case.</p>"
        '<div class="scroll"><table class="matrix"><thead><tr><th>clause</th><th>kind</th><th>verdict</th>'
        f"<th>cases</th><th>statement</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _icon(width: int, shape: str) -> str:
    return f'<svg class="tl" width="{width}" height="14" style="width:{width}px">{shape}</svg>'


def _legend() -> str:
    def swatch(cls: str) -> str:
        return _icon(22, f'<rect class="seg {cls}" x="0" y="1" width="22" height="12"/>')

    items = [
        (swatch("av-Available st-set"), "Available"),
        (swatch("av-Busy st-set"), "Busy"),
        (swatch("av-DoNotDisturb st-set"), "DoNotDisturb"),
        (swatch("av-Away st-set"), "Away"),
        (swatch("av-Offline st-set"), "Offline"),
        (swatch("av-Available st-inactive"), "faded (AvailableInactive, then Away)"),
        (_icon(22, '<rect class="st-expired" x="1" y="2" width="20" height="10"/>'), "expired"),
        (_icon(22, '<rect class="st-cleared" x="1" y="2" width="20" height="10"/>'), "cleared"),
        (_icon(14, '<polygon class="w ok" points="2,2 12,2 7,11"/>'), "write accepted"),
        (_icon(14, '<polygon class="w ok ref" points="2,2 12,2 7,11"/>'), "write refused (as expected)"),
        (_icon(14, '<circle class="c ok" cx="7" cy="7" r="5"/>'), "check held"),
        (_icon(14, '<circle class="c bad" cx="7" cy="7" r="5"/>'), "mismatch"),
    ]
    body = "".join(f"<span>{icon} {text}</span>" for icon, text in items)
    return (
        f'<div class="legend">{body}<span>Time axis compressed; tick labels are offsets from the case start. '
        "Lanes show the oracle's view of each session; the observed row shows what the target answered.</span></div>"
    )


def _filters(ctx: _Context) -> str:
    counts = ctx.result.counts()
    boxes = "".join(
        f'<label><input type="checkbox" name="verdict" value="{v}" checked>'
        f'<span class="dot v-{v}"></span>{VERDICT_LABELS[v]} ({counts[v]})</label>'
        for v in ("failed", "deviated", "broken", "not-verified", "passed")
    )
    clauses = "".join(
        f'<option value="{_e(row.clause_id, 80)}">{_e(row.clause_id, 80)}</option>' for row in ctx.rows if row.cases
    )
    tags = sorted({tag for case in ctx.result.results for tag in case.tags})
    tag_options = "".join(f'<option value="{_e(t, 80)}">{_e(t, 80)}</option>' for t in tags)
    unexpected = (
        '<label><input type="checkbox" id="f-unexpected">unexpected only</label>' if ctx.gate is not None else ""
    )
    return (
        '<form class="filters" id="filters" hidden>'
        f"{boxes}"
        f'<select id="f-clause" aria-label="clause"><option value="">all clauses</option>{clauses}</select>'
        f'<select id="f-tag" aria-label="tag"><option value="">all tags</option>{tag_options}</select>'
        '<input type="search" id="f-text" placeholder="search id, title, reason…" aria-label="search">'
        f"{unexpected}"
        '<button type="button" id="f-expand">expand</button><button type="button" id="f-collapse">collapse</button>'
        '<button type="button" id="f-reset">reset</button>'
        '<span id="f-count"></span></form>'
    )


def _exchange(exchange: Exchange) -> str:
    def headers(values: Mapping[str, str]) -> str:
        return "\n".join(f"{name}: {value}" for name, value in values.items())

    request = f"{exchange.method} {exchange.path}"
    request_headers = headers(exchange.request_headers)
    request_text = request + ("\n" + request_headers if request_headers else "")
    if exchange.request_body:
        request_text += "\n\n" + pretty_json(exchange.request_body)
    if exchange.status is None:
        response_text = f"no answer: {exchange.error or 'unknown error'}"
    else:
        response_text = f"{exchange.status}"
        response_headers = headers(exchange.response_headers)
        if response_headers:
            response_text += "\n" + response_headers
        if exchange.response_body:
            response_text += "\n\n" + pretty_json(exchange.response_body)
    return (
        '<div class="exch">'
        f"<div><h4>request · sent at {_offset(exchange.sent_at)} into the run</h4>"
        f"<pre>{_e(request_text, BODY_LIMIT)}</pre></div>"
        f"<div><h4>response · {exchange.elapsed * 1000:.0f} ms</h4><pre>{_e(response_text, BODY_LIMIT)}</pre></div>"
        "</div>"
    )


def _exchanges(steps: Sequence[StepResult]) -> str:
    parts = []
    for step in steps:
        if not step.exchanges:
            continue
        first = step.exchanges[0]
        status = "no answer" if first.status is None else str(first.status)
        more = f" ({len(step.exchanges)} exchanges: polled)" if len(step.exchanges) > 1 else ""
        body = "".join(_exchange(e) for e in step.exchanges)
        parts.append(
            f'<details class="ex"><summary>step {step.index}: {_e(first.method, 10)} {_e(first.path, LINE_LIMIT)} → '
            f"{_e(status, 20)}{more}</summary>{body}</details>"
        )
    if not parts:
        return ""
    return '<h3>HTTP exchanges <span class="sub">(credentials redacted)</span></h3>' + "".join(parts)


def _steps(case: CaseResult) -> str:
    rows = []
    for step in case.steps:
        note = step.message or ""
        if step.settle_time:
            note = (note + "\n" if note else "") + f"matched after {step.settle_time:.1f} s of polling"
        at = _offset(step.at.total_seconds())
        if step.sent_offset is not None and abs(step.sent_offset - step.at.total_seconds()) >= 0.05:
            at += f" (sent {_offset(step.sent_offset)})"
        rows.append(
            f'<tr class="s-{_e(str(step.status), 20)}"><td>{step.index}</td><td>{_e(at, 80)}</td>'
            f'<td>{_e(step.description, LINE_LIMIT)} <span class="sub">line {step.line}</span></td>'
            f'<td class="st-{_e(str(step.status), 20)}">{_e(str(step.status), 20)}</td>'
            f'<td class="mono">{_e(_describe_value(step.expected), TEXT_LIMIT)}</td>'
            f'<td class="mono">{_e(_describe_value(step.observed), TEXT_LIMIT)}</td>'
            f"<td>{_e(note, TEXT_LIMIT)}</td></tr>"
        )
    return (
        '<table class="steps"><thead><tr><th>#</th><th>at</th><th>step</th><th>status</th><th>expected</th>'
        f"<th>observed</th><th>note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _clauses(case: CaseResult, registry: ClauseRegistry) -> str:
    items = []
    for clause_id in case.clauses:
        clause = registry.clauses.get(clause_id)
        anchor = f'<a class="mono" href="#{_clause_anchor(clause_id)}">{_e(clause_id, 80)}</a>'
        if clause is None:
            items.append(f'<li>{anchor} <span class="kind">unknown</span> not in this suite\'s clause registry</li>')
            continue
        quote = f' <span class="quote">“{_e(clause.quote)}”</span>' if clause.quote else ""
        items.append(
            f'<li>{anchor}<span class="kind">{_e(str(clause.kind), 20)}</span>{_e(clause.statement)}{quote} — '
            f"{_link(clause.source.url, clause.source.title)}</li>"
        )
    return f'<ul class="clauses">{"".join(items)}</ul>'


_WHY_PREFIX = {
    "failed": "Failed: ",
    "deviated": "Deviated from a default interpretation: ",
    "broken": "Broken, no verdict: ",
    "not-verified": "Not verified: ",
}


def _search_text(case: CaseResult) -> str:
    words = " ".join([case.case_id, case.title, *case.clauses, *case.tags, case.reason or "", case.path])
    return display(words, 2000).lower()


def _case(ctx: _Context, case: CaseResult, index: int) -> str:
    verdict = str(case.verdict)
    unexpected = ctx.unexpected.get(case.case_id)
    expectation = ""
    if unexpected is not None:
        expectation = f'<span class="badge unexp" title="{_e(unexpected.describe(), LINE_LIMIT)}">unexpected</span>'
    elif case.case_id in ctx.expected:
        expectation = '<span class="badge known">expected</span>'
    why = f'<span class="why">{_e(case.reason, LINE_LIMIT)}</span>' if case.reason else ""
    attributes = (
        f'id="{_case_anchor(index)}" class="case v-{_e(verdict, 20)}" data-case="" data-verdicts="{_e(verdict, 20)}" '
        f'data-clauses="{_e(" ".join(case.clauses), TEXT_LIMIT)}" data-tags="{_e(" ".join(case.tags), TEXT_LIMIT)}" '
        f'data-text="{_e(_search_text(case), 2100)}" data-unexpected="{"1" if unexpected is not None else "0"}"'
    )
    summary = (
        f'<summary>{_badge(verdict)}{expectation}<span class="cid">{_e(case.case_id, LINE_LIMIT)}</span>'
        f"<span>{_e(case.title, LINE_LIMIT)}</span>{why}</summary>"
    )
    meta = (
        f'<p class="sub">{_e(case.path, LINE_LIMIT)}:{case.line} · {_e(case.kind, 20)} · wave {case.wave} · '
        f"{_span(case.duration)} · tags: {_e(', '.join(case.tags) or 'none', LINE_LIMIT)}</p>"
    )
    reason = ""
    if case.reason and verdict != "passed":
        reason = f'<div class="reason v-{_e(verdict, 20)}">{_WHY_PREFIX.get(verdict, "")}{_e(case.reason)}</div>'
    if unexpected is not None:
        note = f"Gate: {unexpected.describe()}" + (f" — {unexpected.reason}" if unexpected.reason else "")
        reason += f'<div class="reason">{_e(note)}</div>'
    svg = case_timeline_svg(case, ctx.result.profile)
    timeline = f'<h3>Timeline</h3><div class="tlwrap">{svg}</div>' if svg else ""
    bindings = ""
    if case.bindings:
        listed = "\n".join(f"{k} = {v}" for k, v in case.bindings.items())
        bindings = (
            f'<details class="ex"><summary>bindings (ids this case ran with)</summary><pre>{_e(listed)}</pre></details>'
        )
    return (
        f'<details {attributes}>{summary}<div class="cbody">{meta}{reason}'
        f"<h3>Clauses</h3>{_clauses(case, ctx.registry)}{timeline}<h3>Steps</h3>{_steps(case)}"
        f"{_exchanges(case.steps)}{bindings}</div></details>"
    )


def _ordered(results: Sequence[CaseResult]) -> list[tuple[int, CaseResult]]:
    """Cases with their run position, problems first (by severity), run order within a verdict."""
    indexed = list(enumerate(results))
    return sorted(indexed, key=lambda item: (_SEVERITY_RANK[item[1].verdict], item[0]))


def render_html(
    result: CampaignResult,
    *,
    gate: GateResult | None = None,
    registry: ClauseRegistry | None = None,
    generated_at: datetime | None = None,
    secrets: Iterable[str] = (),
) -> str:
    """The report of ``result`` as one self-contained HTML document (a string).

    ``gate`` (from :func:`conformance.gate.evaluate`) adds the gate's decision and marks unexpected
    cases; ``registry`` defaults to the bundled clause registry; ``secrets`` are literal values to redact
    wherever they appear (the environment's are redacted anyway).
    """
    with secret_scope(secrets):
        return _render(result, gate, registry, generated_at)


def _render(
    result: CampaignResult,
    gate: GateResult | None,
    registry: ClauseRegistry | None,
    generated_at: datetime | None,
) -> str:
    registry = registry or load_registry()
    rows = clause_matrix(result.results, registry)
    unexpected = {u.case_id: u for u in gate.unexpected} if gate is not None else {}
    expected = {case_id: verdict for case_id, verdict, _ in gate.expected_failures} if gate is not None else {}
    ctx = _Context(result, registry, rows, family_summary(rows, result.results, registry), gate, unexpected, expected)
    anchors = {case.case_id: _case_anchor(i) for i, case in enumerate(result.results)}
    cases = "".join(_case(ctx, case, index) for index, case in _ordered(result.results))
    generated = generated_at or datetime.now(UTC)
    body = (
        _header(ctx)
        + "<main>"
        + '<section id="summary"><div class="grid" style="margin-top:16px">'
        + f"{_families(ctx)}{_facts(ctx)}</div></section>"
        + _gate_section(ctx, anchors)
        + _matrix(ctx, anchors)
        + '<section id="cases"><h2>Cases</h2>'
        + _filters(ctx)
        + _legend()
        + (cases or '<p class="sub">No case ran.</p>')
        + "</section></main>"
        + f"<footer>Generated by presence-conformance from a results file (schema {_e(_schema_version())}) on "
        f"{_when(generated)}. Everything the target sent is shown as text; credentials are redacted.</footer>"
    )
    _, headline, _ = overall_status(result)
    return page(f"{headline.lower()} · presence conformance · {display(result.target, 120)}", body)


def _schema_version() -> str:
    from ..engine.results import RESULTS_SCHEMA_VERSION

    return RESULTS_SCHEMA_VERSION


def write_html(
    result: CampaignResult,
    path: Path | str,
    *,
    gate: GateResult | None = None,
    registry: ClauseRegistry | None = None,
    secrets: Iterable[str] = (),
) -> Path:
    """Write :func:`render_html` to ``path`` (folders created) and return the path."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(render_html(result, gate=gate, registry=registry, secrets=secrets), encoding="utf-8")
    return file
