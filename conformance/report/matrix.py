"""The clause matrix: each clause of the registry with the cases that cite it and one verdict for it.

A clause takes the *worst* verdict of its cases, in this order (worst first)::

    failed > deviated > broken > not-verified > passed

so a clause fails when any of its cases fails, is passed only when every case citing it passed, and has no
verdict (``None``, "not run") when no case of the run cites it. Families summarise their clauses and cases
the same way. Clauses cited by a results file but unknown to the bundled registry (a results file from
another version of the suite) are kept, with kind ``unknown`` and the family their id starts with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reference_impl.clause_registry import ClauseRegistry

from ..engine.results import CaseResult, Verdict

__all__ = ["SEVERITY", "ClauseRow", "FamilyRow", "clause_matrix", "family_summary", "worst_verdict"]

SEVERITY: tuple[Verdict, ...] = (
    Verdict.FAILED,
    Verdict.DEVIATED,
    Verdict.BROKEN,
    Verdict.NOT_VERIFIED,
    Verdict.PASSED,
)
"""Verdicts from worst to best: the order in which a group of cases takes its verdict."""

_RANK = {verdict: rank for rank, verdict in enumerate(SEVERITY)}


def worst_verdict(verdicts: Iterable[Verdict]) -> Verdict | None:
    """The worst of ``verdicts`` by :data:`SEVERITY`; ``None`` when there are none."""
    return min(verdicts, key=_RANK.__getitem__, default=None)


@dataclass(frozen=True, slots=True)
class ClauseRow:
    """One clause in a run: its registry facts, its cases (id, verdict) in run order, and its verdict."""

    clause_id: str
    family: str
    kind: str
    statement: str
    source_title: str | None
    source_url: str | None
    cases: tuple[tuple[str, Verdict], ...]
    verdict: Verdict | None

    @property
    def ran(self) -> bool:
        return bool(self.cases)


@dataclass(frozen=True, slots=True)
class FamilyRow:
    """One clause family: how many of its clauses and cases got each verdict.

    ``clause_counts`` and ``case_counts`` hold every verdict (zeros included); ``not_run`` counts the
    family's clauses that no case of the run cites. A case citing several clauses of the family counts once.
    """

    family: str
    title: str
    clause_counts: dict[str, int]
    case_counts: dict[str, int]
    not_run: int

    @property
    def clauses_run(self) -> int:
        return sum(self.clause_counts.values())

    @property
    def cases(self) -> int:
        return sum(self.case_counts.values())

    @property
    def verdict(self) -> Verdict | None:
        return worst_verdict(Verdict(v) for v, n in self.clause_counts.items() if n)


def _family_of(clause_id: str) -> str:
    return clause_id.split("-", 1)[0]


def clause_matrix(results: Sequence[CaseResult], registry: ClauseRegistry) -> list[ClauseRow]:
    """Every registry clause (registry order), then the unknown clauses the results cite (sorted)."""
    cited: dict[str, list[tuple[str, Verdict]]] = {}
    for case in results:
        for clause_id in dict.fromkeys(case.clauses):
            cited.setdefault(clause_id, []).append((case.case_id, case.verdict))
    rows: list[ClauseRow] = []
    for clause in registry:
        cases = tuple(cited.get(clause.id, ()))
        rows.append(
            ClauseRow(
                clause_id=clause.id,
                family=clause.family,
                kind=str(clause.kind),
                statement=clause.statement,
                source_title=clause.source.title,
                source_url=clause.source.url,
                cases=cases,
                verdict=worst_verdict(v for _, v in cases),
            )
        )
    for clause_id in sorted(c for c in cited if c not in registry):
        cases = tuple(cited[clause_id])
        rows.append(
            ClauseRow(
                clause_id=clause_id,
                family=_family_of(clause_id),
                kind="unknown",
                statement="(not in this suite's clause registry)",
                source_title=None,
                source_url=None,
                cases=cases,
                verdict=worst_verdict(v for _, v in cases),
            )
        )
    return rows


def family_summary(
    rows: Sequence[ClauseRow], results: Sequence[CaseResult], registry: ClauseRegistry
) -> list[FamilyRow]:
    """One row per family that has clauses (registry family order, then unknown families sorted)."""
    families = list(registry.families)
    families += sorted({row.family for row in rows} - set(families))
    by_case_family: dict[str, dict[str, Verdict]] = {}
    family_of = {row.clause_id: row.family for row in rows}
    for case in results:
        for clause_id in case.clauses:
            family = family_of.get(clause_id, _family_of(clause_id))
            by_case_family.setdefault(family, {})[case.case_id] = case.verdict
    summary: list[FamilyRow] = []
    for family in families:
        members = [row for row in rows if row.family == family]
        if not members:
            continue
        clause_counts = {str(v): 0 for v in Verdict}
        for row in members:
            if row.verdict is not None:
                clause_counts[str(row.verdict)] += 1
        case_counts = {str(v): 0 for v in Verdict}
        for verdict in by_case_family.get(family, {}).values():
            case_counts[str(verdict)] += 1
        summary.append(
            FamilyRow(
                family=family,
                title=registry.families.get(family, family),
                clause_counts=clause_counts,
                case_counts=case_counts,
                not_run=sum(1 for row in members if not row.ran),
            )
        )
    return summary
