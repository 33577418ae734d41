"""A Markdown summary of a run, for CI job pages (``$GITHUB_STEP_SUMMARY``) and pull-request comments.

It is short on purpose (GitHub caps a step summary at 1 MiB and shows it inline): the verdict, the
counts, the gate's decision with every case that made it fail, conformance per clause family, and the
cases that did not pass (up to ``max_cases``), with a link to the full HTML report when one is given.

Everything taken from the results file is redacted, put on one line, and escaped for Markdown *and* for
the HTML GitHub accepts inside Markdown (``<``, ``>``, ``&``, ``|``, backticks, brackets, emphasis), so a
target's answer cannot add HTML, images, links written as Markdown, table cells or emphasis to the summary
(a bare URL in it may still be shown as a link by GitHub's autolinking).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reference_impl.clause_registry import ClauseRegistry, load_registry

from ..engine.results import CampaignResult, CaseResult
from .html import VERDICT_LABELS, overall_status
from .matrix import SEVERITY, clause_matrix, family_summary
from .redaction import secret_scope
from .text import LINE_LIMIT, display

if TYPE_CHECKING:
    from ..gate import GateResult

__all__ = ["md_text", "render_markdown", "write_markdown"]

_ICON = {"passed": "✅", "failed": "❌", "deviated": "⚠️", "broken": "💥", "not-verified": "❔"}
_HEADLINE_ICON = {"ok": "✅", "bad": "❌", "broken": "💥", "none": "❔"}
# Inside a table cell, after other text: only these can start markup (``<``/``>``/``&`` become entities).
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(value: object, limit: int = LINE_LIMIT) -> str:
    """``value`` as safe inline Markdown text: redacted, one line, clipped, escaped."""
    text = " ".join(display(value, limit).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _code(value: object, limit: int = LINE_LIMIT) -> str:
    """``value`` as inline code, for ids and paths (backticks and pipes inside are replaced, so the span
    cannot be broken out of; CommonMark shows a code span's content literally)."""
    text = " ".join(display(value, limit).split()).replace("`", "'").replace("|", "¦")
    return f"`{text}`" if text else "``"


def _case_rows(cases: Sequence[CaseResult], max_cases: int) -> list[str]:
    rank = {verdict: i for i, verdict in enumerate(SEVERITY)}
    problems = sorted((c for c in cases if str(c.verdict) != "passed"), key=lambda c: rank[c.verdict])
    if not problems:
        return []
    lines = [
        "",
        f"### Cases that did not pass ({len(problems)})",
        "",
        "| verdict | case | reason |",
        "|---|---|---|",
    ]
    for case in problems[:max_cases]:
        verdict = str(case.verdict)
        lines.append(f"| {_ICON[verdict]} {VERDICT_LABELS[verdict]} | {_code(case.case_id)} | {md_text(case.reason)} |")
    if len(problems) > max_cases:
        lines.append(f"\n… and {len(problems) - max_cases} more: see the full report.")
    return lines


def _gate_lines(gate: GateResult, max_cases: int) -> list[str]:
    icon = "✅" if gate.ok else "❌"
    summary = gate.summary()
    lines = ["", f"### {icon} {md_text(summary[:1].upper() + summary[1:])}", ""]
    if gate.expectations_path and not gate.strict:
        lines.append(f"Expectations: {_code(gate.expectations_path)} · exit code {gate.exit_code}")
    else:
        lines.append(f"Exit code {gate.exit_code}")
    if gate.unexpected:
        lines += ["", "Cases that made the gate fail:", "", "| case | expected | got | why |", "|---|---|---|---|"]
        for item in gate.unexpected[:max_cases]:
            why = item.case_reason if item.actual != "passed" else (item.reason or "")
            if item.actual == "passed":
                why = f"unexpected pass: remove or update the expectation ({item.reason or 'no reason'})"
            lines.append(
                f"| {_code(item.case_id)} | {md_text(' or '.join(item.expected))} ({md_text(item.source, 120)}) | "
                f"{_ICON.get(item.actual, '')} {md_text(item.actual, 20)} | {md_text(why)} |"
            )
        if len(gate.unexpected) > max_cases:
            lines.append(f"\n… and {len(gate.unexpected) - max_cases} more.")
    if gate.expected_failures:
        lines.append(f"\n{len(gate.expected_failures)} case(s) did not pass, as the expectations say.")
    if gate.not_verified and not gate.strict:
        lines.append(f"\n{len(gate.not_verified)} case(s) could not be verified on this run (not gated).")
    return lines


def render_markdown(
    result: CampaignResult,
    *,
    gate: GateResult | None = None,
    report_link: str | None = None,
    registry: ClauseRegistry | None = None,
    max_cases: int = 50,
    secrets: Iterable[str] = (),
) -> str:
    """The summary of ``result`` as GitHub-flavoured Markdown.

    ``gate`` adds the gate's decision and the cases that made it fail; ``report_link`` (a URL or a
    relative path) is linked as the full report; at most ``max_cases`` cases are listed per table.
    """
    with secret_scope(secrets):
        registry = registry or load_registry()
        cls, headline, explanation = overall_status(result)
        counts = result.counts()
        total = sum(counts.values())
        clock = "controlled clock" if result.mode == "clock-control" else "real time"
        lines = [
            f"## {_HEADLINE_ICON[cls]} Presence conformance: {headline}",
            "",
            f"**Target:** {md_text(result.target)} · {total} cases · {clock} · {result.wall_time:.1f} s · "
            f"exit code {result.exit_code}",
            "",
            md_text(explanation),
        ]
        if result.setup_error:
            lines += ["", f"**Setup error:** {md_text(result.setup_error)}"]
        lines += ["", "| verdict | cases |", "|---|---:|"]
        for verdict in ("passed", "failed", "deviated", "broken", "not-verified"):
            lines.append(f"| {_ICON[verdict]} {VERDICT_LABELS[verdict]} | {counts[verdict]} |")
        if gate is not None:
            lines += _gate_lines(gate, max_cases)
        rows = clause_matrix(result.results, registry)
        families = family_summary(rows, result.results, registry)
        lines += [
            "",
            "### Conformance per clause family",
            "",
            "| family | verdict | clauses holding | cases passed |",
            "|---|---|---:|---:|",
        ]
        for family in families:
            verdict = str(family.verdict) if family.verdict is not None else ""
            icon = f"{_ICON[verdict]} {VERDICT_LABELS[verdict]}" if verdict else "not run"
            lines.append(
                f"| {md_text(family.family, 20)} {md_text(family.title, 80)} | {icon} | "
                f"{family.clause_counts['passed']} / {family.clauses_run} | "
                f"{family.case_counts['passed']} / {family.cases} |"
            )
        lines += _case_rows(result.results, max_cases)
        if report_link:
            lines += ["", f"Full report: [{md_text(Path(report_link).name or report_link, 120)}]({_link(report_link)})"]
        return "\n".join(lines) + "\n"


def _link(target: str) -> str:
    """A link destination that cannot end the link early: spaces and parentheses percent-encoded."""
    text = display(target, 2000)
    return text.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def write_markdown(
    result: CampaignResult,
    path: Path | str,
    *,
    gate: GateResult | None = None,
    report_link: str | None = None,
    append: bool = False,
    secrets: Iterable[str] = (),
) -> Path:
    """Write (or append, as GitHub step summaries want) :func:`render_markdown` to ``path``."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    text = render_markdown(result, gate=gate, report_link=report_link, secrets=secrets)
    with file.open("a" if append else "w", encoding="utf-8") as stream:
        stream.write(text)
    return file
