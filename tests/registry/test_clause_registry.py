"""The clause registry is complete, consistent with the oracle's profile, and covered by the corpus."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path

import pytest

from conformance.cases import load_cases
from reference_impl.clause_registry import ClauseKind, load_registry
from reference_impl.model import DEFAULT_PROFILE, Profile
from reference_impl.model.profile import _ALLOWED

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry()
CLAUSES = sorted(REGISTRY.clauses)


@pytest.mark.parametrize("clause_id", CLAUSES)
def test_every_clause_names_the_module_of_its_rule(clause_id: str) -> None:
    clause = REGISTRY[clause_id]
    assert (ROOT / clause.rule).is_file(), f"{clause_id}: rule {clause.rule} does not exist"
    assert clause.id.startswith(clause.family + "-"), f"{clause_id} is not in its family {clause.family}"


@pytest.mark.parametrize("clause_id", CLAUSES)
def test_documented_clauses_quote_and_interpretations_explain(clause_id: str) -> None:
    clause = REGISTRY[clause_id]
    if clause.kind is ClauseKind.DOCUMENTED:
        assert clause.quote, f"{clause_id} quotes nothing"
        assert clause.profile is None, f"{clause_id}: only interpretations have alternatives"
    else:
        assert clause.reason and clause.default, f"{clause_id} needs a reason and a default"


def test_profile_keys_match_the_oracle_profile() -> None:
    declared = {c.profile.key: c for c in REGISTRY if c.profile is not None}
    assert set(declared) == {f.name for f in fields(Profile)}
    for key, clause in declared.items():
        default = getattr(DEFAULT_PROFILE, key)
        assert str(clause.default) == str(default), f"{clause.id}: registry default {clause.default} != {default}"
        alternatives = {str(a) for a in _ALLOWED[key]} - {str(default)}
        assert set(clause.profile.alternatives) == alternatives, clause.id  # type: ignore[union-attr]


def test_every_clause_is_checked_by_at_least_two_corpus_cases() -> None:
    counts = Counter(clause for case in load_cases(None) for clause in case.clauses)
    thin = {c: counts[c] for c in CLAUSES if counts[c] < 2}
    assert thin == {}, f"clauses checked by fewer than two cases: {thin}"


def test_docs_clauses_md_is_generated_from_the_registry() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "conformance", "clauses", "--markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    on_disk = (ROOT / "docs" / "clauses.md").read_text(encoding="utf-8")
    assert on_disk == generated, (
        "docs/clauses.md is stale: run `presence-conformance clauses --markdown > docs/clauses.md`"
    )
