"""A finding as a case file: it loads, agrees with the oracle, cites the clauses involved, and fails where found."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from differential_helpers import mutant_target, undeclared

from conformance.cases import load_case_file
from conformance.cli import main
from conformance.engine import Verdict, self_check
from conformance.fuzz.casewriter import FuzzCase, _dump, case_from_trace
from conformance.fuzz.clauses import duration_kind, infer_clauses, pair_kind
from conformance.fuzz.commands import write_finding
from conformance.fuzz.runner import Trace
from conformance.fuzz.search import FuzzSettings, fuzz
from reference_impl.clause_registry import load_registry
from reference_impl.model import SESSION_PAIRS, Boundary, Profile


def _finding(profile: Profile, budget: int = 3000) -> Trace:
    with undeclared(profile) as setup:
        result = fuzz(setup, FuzzSettings(seed=0, budget=budget))
    assert result.finding is not None
    return result.finding


@pytest.mark.parametrize(
    ("profile", "cited"),
    [
        (Profile(write_status=204), {"INT-WRITE-STATUS"}),
        (Profile(session_id_mismatch_status=403), {"INT-SESSIONID-MISMATCH"}),
        (Profile(clear_expired_status=200), {"INT-CLEAR-EXPIRED"}),
        (Profile(boundary=Boundary.EXCLUSIVE), {"INT-BOUNDARY-INCLUSIVE"}),
    ],
    ids=["write-status", "sessionid-403", "clear-expired", "boundary"],
)
def test_the_clauses_of_an_undeclared_interpretation_are_inferred(profile: Profile, cited: set[str]) -> None:
    clauses = infer_clauses(_finding(profile))
    assert cited <= set(clauses)
    assert all(clause in load_registry() for clause in clauses)


def test_a_finding_is_a_case_that_loads_and_agrees_with_the_oracle(tmp_path: Path) -> None:
    trace = _finding(Profile(clear_expired_status=200))
    case = case_from_trace(trace, seed=0, target="in-process", shrunk_from=9)
    assert isinstance(case, FuzzCase)
    assert case.file_name == f"{case.case_id}.presence.yaml"
    assert case.case_id.startswith("fuzz.seed-0.")
    assert case.text.startswith("# Found by `presence-conformance fuzz --seed 0` against in-process; shrunk from 9")
    path = tmp_path / case.file_name
    path.write_text(case.text, encoding="utf-8")
    (loaded,) = load_case_file(path)  # the loader validates against case.schema.json too
    assert loaded.id == case.case_id
    assert loaded.clauses == case.clauses
    assert self_check(loaded) == []  # every expectation written is the oracle's
    last = loaded.steps[-1]
    assert last.action is not None and str(last.action) == "clearPresence"
    assert last.expect.status is not None and str(last.expect.status) == "4xx"
    assert last.expect.graph_error


def test_the_yaml_keeps_every_string_a_string() -> None:
    values = {"a": "no", "b": "PT5M", "c": "0123", "d": "", "e": "{not json", "f": "2024-01-01", "g": "null"}
    assert yaml.safe_load(_dump({"v": values}))["v"] == values


def test_pair_and_duration_kinds() -> None:
    assert pair_kind("Busy", "InACall", SESSION_PAIRS) == "supported"
    assert pair_kind("busy", "InACall", SESSION_PAIRS) == "miscased"
    assert pair_kind("Busy", "Busy", SESSION_PAIRS) == "unsupported"
    assert duration_kind("PT5M") == "bound"
    assert duration_kind("PT4H") == "bound"
    assert duration_kind("PT1H") == "plain"
    assert duration_kind("PT300S") == "other-spelling"
    assert duration_kind("PT4M59S") == "out-of-range"
    assert duration_kind("five minutes") == "malformed"


def test_a_mutant_s_finding_fails_through_presence_conformance_run(tmp_path: Path) -> None:
    """The done criterion: fuzz a mutant, shrink, write the case, and `run` it: exit 1 (failed)."""
    with mutant_target("agg-last-writer-wins") as (url, setup):
        result = fuzz(setup, FuzzSettings(seed=3, budget=3000))
        assert result.finding is not None
        case, path, verdict = write_finding(result, setup, tmp_path / "fuzz")
        assert verdict is Verdict.FAILED
        assert "AGG-PRECEDENCE" in case.clauses
        assert len(result.finding.example.operations) <= 3
        code = main(["run", "--cases", str(path), "--target", url, "--results", str(tmp_path / "run" / "results.json")])
    assert code == 1
