"""The clause registry (``reference_impl/clauses.yaml``) as typed values.

The registry is data, not rules: it names and paraphrases what the oracle in :mod:`reference_impl.model`
implements, so cases and reports can cite it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml

__all__ = ["Clause", "ClauseKind", "ClauseRegistry", "ProfileChoice", "Source", "load_registry"]


class ClauseKind(StrEnum):
    DOCUMENTED = "documented"
    INTERPRETATION = "interpretation"


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class ProfileChoice:
    """The profile key through which a target declares an alternative to an interpretation."""

    key: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    family: str
    kind: ClauseKind
    statement: str
    source: Source
    rule: str
    quote: str | None = None
    reason: str | None = None
    default: str | None = None
    profile: ProfileChoice | None = None

    @property
    def is_interpretation(self) -> bool:
        return self.kind is ClauseKind.INTERPRETATION


@dataclass(frozen=True, slots=True)
class ClauseRegistry:
    version: int
    families: Mapping[str, str]
    clauses: Mapping[str, Clause]

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses.values())

    def __len__(self) -> int:
        return len(self.clauses)

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self.clauses

    def __getitem__(self, clause_id: str) -> Clause:
        return self.clauses[clause_id]


@cache
def load_registry() -> ClauseRegistry:
    """Load the bundled registry (cached: it never changes while a process runs)."""
    text = resources.files("reference_impl").joinpath("clauses.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    sources = {key: Source(key, s["title"], s["url"]) for key, s in data["sources"].items()}
    clauses: dict[str, Clause] = {}
    for raw in data["clauses"]:
        profile = raw.get("profile")
        clause = Clause(
            id=raw["id"],
            family=raw["family"],
            kind=ClauseKind(raw["kind"]),
            statement=raw["statement"],
            source=sources[raw["source"]],
            rule=raw["rule"],
            quote=raw.get("quote"),
            reason=raw.get("reason"),
            default=None if raw.get("default") is None else str(raw["default"]),
            profile=None
            if profile is None
            else ProfileChoice(profile["key"], tuple(str(a) for a in profile["alternatives"])),
        )
        if clause.id in clauses:
            raise ValueError(f"clause {clause.id} is registered twice")
        clauses[clause.id] = clause
    return ClauseRegistry(int(data["version"]), dict(data["families"]), clauses)
