"""One report comparing several runs: a column per target, differences first.

``presence-conformance compare A.json B.json ... [-o reports/compare.html]`` reads results files (of the
same or different targets, or of one target over time) and writes one self-contained HTML page:

- a column per run (target, start, clock, counts, exit code);
- the clause matrix with the clause's verdict per run: clauses whose verdicts differ come first;
- every case (the union of the runs' cases) with its verdict per run (``not run`` when a run lacks it):
  cases whose verdicts differ come first, worst first; each row opens to the reasons per run.

The filters of the single report apply (verdict in any column, clause, tag, text), plus *differences
only*. As in the single report, every string from a results file is redacted and escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reference_impl.clause_registry import ClauseRegistry, load_registry

from ..engine.results import CampaignResult, CaseResult, Verdict
from .html import VERDICT_LABELS, overall_status, page
from .matrix import SEVERITY, ClauseRow, clause_matrix, worst_verdict
from .redaction import secret_scope
from .text import LINE_LIMIT, TEXT_LIMIT, display, html_text

__all__ = ["CompareRow", "ComparedRun", "compare_cases", "render_compare", "write_compare"]

_RANK = {verdict: rank for rank, verdict in enumerate(SEVERITY)}


@dataclass(frozen=True, slots=True)
class ComparedRun:
    """One column: a label (unique among the columns) and its run."""

    label: str
    result: CampaignResult


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One case across runs: its verdict per column (``None``: not in that run) and whether they differ."""

    case_id: str
    title: str
    clauses: tuple[str, ...]
    tags: tuple[str, ...]
    cases: tuple[CaseResult | None, ...]

    @property
    def verdicts(self) -> tuple[Verdict | None, ...]:
        return tuple(None if c is None else c.verdict for c in self.cases)

    @property
    def differs(self) -> bool:
        return len(set(self.verdicts)) > 1


def compare_cases(runs: Sequence[ComparedRun]) -> list[CompareRow]:
    """Every case of any run, differences first (worst verdict first), then in first-seen order."""
    order: dict[str, CaseResult] = {}
    for run in runs:
        for case in run.result.results:
            order.setdefault(case.case_id, case)
    by_run = [{c.case_id: c for c in run.result.results} for run in runs]
    rows = [
        CompareRow(case_id, first.title, first.clauses, first.tags, tuple(index.get(case_id) for index in by_run))
        for case_id, first in order.items()
    ]
    position = {row.case_id: i for i, row in enumerate(rows)}

    def key(row: CompareRow) -> tuple[int, int, int]:
        worst = worst_verdict(v for v in row.verdicts if v is not None)
        return (0 if row.differs else 1, _RANK[worst] if worst is not None else len(_RANK), position[row.case_id])

    return sorted(rows, key=key)


def _labels(paths: Sequence[str]) -> list[str]:
    # Runs usually keep the default file name (reports/<run>/results.json): then the folder names the run.
    names = [Path(path).name for path in paths]
    folders = [Path(path).parent.name for path in paths]
    by_folder = len(set(names)) < len(names) and all(folders) and len(set(folders)) == len(folders)
    labels: list[str] = []
    for path in paths:
        file = Path(path)
        base = (file.parent.name if by_folder and file.parent.name else file.name.removesuffix(".json")) or path
        label, n = base, 2
        while label in labels:
            label, n = f"{base} ({n})", n + 1
        labels.append(label)
    return labels


def _badge(verdict: Verdict | None) -> str:
    if verdict is None:
        return '<span class="badge">not run</span>'
    return f'<span class="badge v-{verdict}">{VERDICT_LABELS[str(verdict)]}</span>'


def _columns(runs: Sequence[ComparedRun]) -> str:
    cells = []
    for run in runs:
        result = run.result
        cls, headline, _ = overall_status(result)
        counts = result.counts()
        chips = " ".join(
            f'<span class="chip v-{v}" style="cursor:default"><span class="dot"></span>'
            f"<b>{counts[v]}</b> {VERDICT_LABELS[v]}</span>"
            for v in ("failed", "deviated", "broken", "not-verified", "passed")
            if counts[v]
        )
        cells.append(
            '<div class="card">'
            f'<h3 style="margin-top:0">{html_text(run.label, LINE_LIMIT)}</h3>'
            f'<p><span class="verdict {cls}" style="font-size:13px;padding:2px 8px">{headline}</span> '
            f"exit code {result.exit_code}</p>"
            f'<dl class="facts"><dt>target</dt><dd>{html_text(result.target, LINE_LIMIT)}</dd>'
            f"<dt>started</dt><dd>{result.started_at:%Y-%m-%d %H:%M:%S %Z}</dd>"
            f"<dt>clock</dt><dd>{'controlled' if result.mode == 'clock-control' else 'real time'}</dd>"
            f"<dt>suite</dt><dd>{html_text(result.suite_version, 60)}</dd></dl>"
            f'<div class="chips">{chips}</div></div>'
        )
    columns = f"repeat({min(len(runs), 3)}, minmax(0, 1fr))"
    return f'<div class="grid" style="grid-template-columns:{columns};margin-top:16px">{"".join(cells)}</div>'


def _clauses(runs: Sequence[ComparedRun], registry: ClauseRegistry) -> str:
    matrices = [clause_matrix(run.result.results, registry) for run in runs]
    ids = list(dict.fromkeys(row.clause_id for matrix in matrices for row in matrix))
    per_run = [{row.clause_id: row for row in matrix} for matrix in matrices]
    lines: list[tuple[int, int, bool, ClauseRow, tuple[Verdict | None, ...]]] = []
    for clause_id in ids:
        rows = [index.get(clause_id) for index in per_run]
        verdicts = tuple(None if r is None else r.verdict for r in rows)
        if all(v is None for v in verdicts):
            continue
        first = next(r for r in rows if r is not None)
        differs = len(set(verdicts)) > 1
        lines.append((0 if differs else 1, len(lines), differs, first, verdicts))
    lines.sort(key=lambda item: (item[0], item[1]))
    body = []
    for _, _, differs, first, verdicts in lines:
        cells = "".join(f'<td class="vc">{_badge(v)}</td>' for v in verdicts)
        body.append(
            f'<tr class="{"diff" if differs else ""}"><td class="mono">{html_text(first.clause_id, 80)}</td>'
            f"<td>{html_text(first.kind, 20)}</td>{cells}"
            f'<td class="st">{html_text(first.statement, TEXT_LIMIT)}</td></tr>'
        )
    heads = "".join(f"<th>{html_text(run.label, 80)}</th>" for run in runs)
    differing = sum(1 for item in lines if item[2])
    return (
        f'<section id="matrix"><h2>Clauses <span class="sub">({differing} differ)</span></h2>'
        '<div class="scroll"><table class="matrix cmp"><thead><tr><th>clause</th><th>kind</th>'
        f"{heads}<th>statement</th></tr></thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _case_rows(runs: Sequence[ComparedRun], rows: Sequence[CompareRow]) -> str:
    body = []
    for row in rows:
        verdict_cells = "".join(f'<td class="vc">{_badge(v)}</td>' for v in row.verdicts)
        reasons = "".join(
            f"<li><b>{html_text(run.label, 80)}</b>: {html_text(case.reason, TEXT_LIMIT)}</li>"
            for run, case in zip(runs, row.cases, strict=True)
            if case is not None and case.reason
        )
        title = html_text(row.title, LINE_LIMIT)
        detail = f"<details><summary>{title}</summary><ul>{reasons}</ul></details>" if reasons else title
        verdict_words = " ".join(dict.fromkeys(str(v) if v is not None else "not-run" for v in row.verdicts))
        text = display(" ".join([row.case_id, row.title, *row.clauses, *row.tags]), 2000).lower()
        body.append(
            f'<tr data-case="" data-verdicts="{html_text(verdict_words, 200)}" '
            f'data-clauses="{html_text(" ".join(row.clauses), TEXT_LIMIT)}" '
            f'data-tags="{html_text(" ".join(row.tags), TEXT_LIMIT)}" data-text="{html_text(text, 2100)}" '
            f'data-diff="{"1" if row.differs else "0"}" class="{"diff" if row.differs else ""}">'
            f'<td class="mono">{html_text(row.case_id, LINE_LIMIT)}</td>{verdict_cells}<td>{detail}</td></tr>'
        )
    heads = "".join(f"<th>{html_text(run.label, 80)}</th>" for run in runs)
    return (
        '<div class="scroll" style="max-height:none"><table class="cmp"><thead><tr><th>case</th>'
        f"{heads}<th>title (open for the reasons)</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _filters(rows: Sequence[CompareRow]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" name="verdict" value="{v}" checked><span class="dot v-{v}"></span>'
        f"{VERDICT_LABELS.get(v, v.replace('-', ' '))}</label>"
        for v in ("failed", "deviated", "broken", "not-verified", "passed", "not-run")
    )
    clauses = sorted({c for row in rows for c in row.clauses})
    tags = sorted({t for row in rows for t in row.tags})
    clause_options = "".join(f'<option value="{html_text(c, 80)}">{html_text(c, 80)}</option>' for c in clauses)
    tag_options = "".join(f'<option value="{html_text(t, 80)}">{html_text(t, 80)}</option>' for t in tags)
    return (
        '<form class="filters" id="filters" hidden>'
        f"{boxes}"
        f'<select id="f-clause" aria-label="clause"><option value="">all clauses</option>{clause_options}</select>'
        f'<select id="f-tag" aria-label="tag"><option value="">all tags</option>{tag_options}</select>'
        '<input type="search" id="f-text" placeholder="search id, title…" aria-label="search">'
        '<label><input type="checkbox" id="f-diff">differences only</label>'
        '<button type="button" id="f-reset">reset</button><span id="f-count"></span></form>'
    )


def render_compare(
    runs: Sequence[ComparedRun], *, registry: ClauseRegistry | None = None, secrets: Iterable[str] = ()
) -> str:
    """The comparison page of ``runs`` (one column each, in order) as one HTML document."""
    with secret_scope(secrets):
        registry = registry or load_registry()
        rows = compare_cases(runs)
        differing = sum(1 for row in rows if row.differs)
        body = (
            '<header><div class="in">'
            f"<h1>Presence conformance: {len(runs)} runs compared</h1>"
            f'<p class="sub">{differing} of {len(rows)} cases differ between the runs; differences come first.</p>'
            "</div></header><main>"
            f"{_columns(runs)}{_clauses(runs, registry)}"
            f'<section id="cases"><h2>Cases <span class="sub">({differing} differ)</span></h2>{_filters(rows)}'
            f"{_case_rows(runs, rows)}</section></main>"
            "<footer>Generated by presence-conformance compare. Everything the targets sent is shown as text; "
            "credentials are redacted.</footer>"
        )
        return page(f"presence conformance: {len(runs)} runs compared", body)


def write_compare(
    results: Sequence[tuple[str, CampaignResult]], path: Path | str, *, secrets: Iterable[str] = ()
) -> Path:
    """Write the comparison of ``results`` (``(source path or label, result)`` pairs) to ``path``.

    Column labels are the file names (without ``.json``), made unique.
    """
    labels = _labels([source for source, _ in results])
    runs = [ComparedRun(label, result) for label, (_, result) in zip(labels, results, strict=True)]
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(render_compare(runs, secrets=secrets), encoding="utf-8")
    return file
