"""Every clause of the registry whose rule lives in the model is cited by at least one test row here.

Rows cite clauses in their ids (``pytest.param(..., id="CLAUSE-ID: what")``); this reads the test sources
for those citations, so it holds whichever subset of the tests is selected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference_impl.clause_registry import load_registry

HERE = Path(__file__).parent
MODEL_RULES = "reference_impl/model/"
# Clauses whose rule is outside the model: HTTP framing, tokens and the service's read path. They are
# checked by the service and corpus tests, not here.
OUTSIDE_THE_MODEL = {"READ-PRESENCE", "AUTH-TOKEN", "ERR-FORMAT", "INT-READ-IMMEDIATE"}

_CITATION = re.compile(r"""\bid=f?["']([A-Z]+(?:-[A-Z]+)+):""")


def _cited() -> set[str]:
    cited: set[str] = set()
    for path in HERE.glob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        cited |= set(_CITATION.findall(path.read_text(encoding="utf-8")))
    return cited


def _model_clauses() -> list[str]:
    return [c.id for c in load_registry() if c.rule.startswith(MODEL_RULES)]


def test_the_clauses_outside_the_model_are_the_known_ones() -> None:
    outside = {c.id for c in load_registry() if not c.rule.startswith(MODEL_RULES)}
    assert outside == OUTSIDE_THE_MODEL


@pytest.mark.parametrize("clause_id", _model_clauses())
def test_clause_is_cited_by_a_model_test(clause_id: str) -> None:
    assert clause_id in _cited(), f"no row of tests/model cites {clause_id}"


def test_every_citation_names_a_registered_clause() -> None:
    unknown = _cited() - {c.id for c in load_registry()}
    assert unknown == set(), f"rows cite clauses the registry does not have: {sorted(unknown)}"
