"""The CI gate: expectations files (errors with file, line and key), judging a run, rewriting the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from report_helpers import campaign, case

from conformance.engine.results import CampaignResult, CaseResult, Verdict
from conformance.errors import ConfigError
from conformance.gate import (
    Expectations,
    ExpectationsError,
    evaluate,
    load_expectations,
    parse_expectations,
    update_expectations,
)

CLAUSES = ["FADE-FIRST", "AGG-PRECEDENCE", "INT-WRITE-STATUS"]


def _expect(text: str) -> Expectations:
    return parse_expectations("version: 1\nexpectations:\n" + text, "exp.yaml", known_clauses=CLAUSES)


def _run(*cases: CaseResult) -> CampaignResult:
    return campaign(list(cases))


# ---- the file -----------------------------------------------------------------------------------------------


def test_a_valid_file() -> None:
    expectations = _expect(
        "  FADE-FIRST: {expected: deviated, reason: timer fires late}\n"
        "  a.case:\n    expected: [failed, passed]\n    reason: intermittent\n    link: https://example.com/1\n"
    )
    clause, entry = expectations.entries["FADE-FIRST"], expectations.entries["a.case"]
    assert (clause.scope, clause.outcomes, clause.line) == ("clause", (Verdict.DEVIATED,), 3)
    assert (entry.scope, entry.outcomes, entry.link, entry.line) == (
        "case",
        (Verdict.FAILED, Verdict.PASSED),
        "https://example.com/1",
        4,
    )


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("  a.case: {expected: fialed, reason: x}\n", 3, "a.case", "not an outcome"),
        ("  a.case: {expected: failed}\n", 3, "a.case", "reason"),
        ("  a.case: {expected: failed, reason: '  '}\n", 3, "a.case", "reason"),
        ("  a.case: {reason: x}\n", 3, "a.case", "expected: missing"),
        ("  a.case: {expected: failed, reason: x, why: y}\n", 3, "a.case", "unknown key 'why'"),
        ("  a.case: {expected: failed, reason: x, link: 'ftp://x'}\n", 3, "a.case", "not an http(s) URL"),
        ("  a.case: failed\n", 3, "a.case", "mapping"),
        ("  NOPE-CLAUSE: {expected: failed, reason: x}\n", 3, "NOPE-CLAUSE", "clause registry"),
        ("  Bad Key: {expected: failed, reason: x}\n", 3, "Bad Key", "not a case id"),
        ("  a.case: {expected: [], reason: x}\n", 3, "a.case", "at least one"),
        (
            "  a.case: {expected: failed, reason: x}\n  a.case: {expected: passed, reason: y}\n",
            4,
            "a.case",
            "listed twice (first at line 3)",
        ),
    ],
)
def test_bad_entries_name_file_line_and_key(text: str, line: int, key: str, words: str) -> None:
    with pytest.raises(ExpectationsError) as caught:
        _expect(text)
    error = caught.value
    assert (error.path, error.line, error.key) == ("exp.yaml", line, key)
    assert words in str(error) and str(error).startswith(f"exp.yaml:{line}: {key}: ")
    assert isinstance(error, ConfigError)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("version: 2\nexpectations: {}\n", "version: must be 1"),
        ("expectations: {}\n", "version: must be 1"),
        ("version: 1\nexpectation: {}\n", "unknown key"),
        ("- a\n- b\n", "a mapping"),
        ("version: 1\nexpectations: [a]\n", "must be a mapping"),
        ("version: 1\nexpectations:\n  a: {x: [\n", "not valid YAML"),
    ],
)
def test_bad_files(document: str, words: str) -> None:
    with pytest.raises(ExpectationsError, match=words.replace("(", r"\(")):
        parse_expectations(document, "exp.yaml", known_clauses=CLAUSES)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ExpectationsError, match="no such expectations file"):
        load_expectations(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert load_expectations(tmp_path / "empty.yaml", known_clauses=CLAUSES).entries == {}


def test_clause_keys_are_checked_against_the_bundled_registry_by_default() -> None:
    parse_expectations("version: 1\nexpectations:\n  INT-WRITE-STATUS: {expected: deviated, reason: x}\n")
    with pytest.raises(ExpectationsError, match="clause registry"):
        parse_expectations("version: 1\nexpectations:\n  INT-NOT-A-CLAUSE: {expected: deviated, reason: x}\n")


# ---- judging ------------------------------------------------------------------------------------------------


def test_without_expectations_every_case_must_pass() -> None:
    gate = evaluate(_run(case("a.ok"), case("a.dev", Verdict.DEVIATED)), None)
    assert not gate.ok and gate.exit_code == 1
    assert [u.describe() for u in gate.unexpected] == ["a.dev: expected passed (default), got deviated"]


def test_an_expected_failure_passes_the_gate() -> None:
    gate = evaluate(
        _run(case("a.ok"), case("a.bad", Verdict.FAILED)), _expect("  a.bad: {expected: failed, reason: bug 1}\n")
    )
    assert gate.ok and gate.exit_code == 0
    assert [(c, v) for c, v, _ in gate.expected_failures] == [("a.bad", "failed")]
    assert gate.summary() == "gate passed, 1 expected non-passing"


def test_an_unexpected_pass_fails_the_gate() -> None:
    gate = evaluate(
        _run(case("a.fixed")), _expect("  a.fixed: {expected: failed, reason: bug 1, link: 'https://x.example/1'}\n")
    )
    assert not gate.ok and gate.exit_code == 1
    (item,) = gate.unexpected
    assert (item.case_id, item.expected, item.actual, item.source, item.reason, item.link) == (
        "a.fixed",
        ("failed",),
        "passed",
        "case",
        "bug 1",
        "https://x.example/1",
    )


def test_clause_entries_apply_to_citing_cases_and_case_entries_win() -> None:
    expectations = _expect(
        "  INT-WRITE-STATUS: {expected: deviated, reason: answers 204}\n"
        "  a.own: {expected: failed, reason: its own bug}\n"
    )
    results = _run(
        case("a.one", Verdict.DEVIATED, clauses=["INT-WRITE-STATUS", "AGG-PRECEDENCE"]),
        case("a.own", Verdict.DEVIATED, clauses=["INT-WRITE-STATUS"]),
        case("a.two", Verdict.DEVIATED, clauses=["FADE-FIRST"]),
    )
    gate = evaluate(results, expectations)
    assert [(u.case_id, u.source) for u in gate.unexpected] == [("a.own", "case"), ("a.two", "default")]


def test_intermittent_outcomes() -> None:
    expectations = _expect("  a.flaky: {expected: [failed, passed], reason: timer race}\n")
    assert evaluate(_run(case("a.flaky")), expectations).ok
    assert evaluate(_run(case("a.flaky", Verdict.FAILED)), expectations).ok
    assert not evaluate(_run(case("a.flaky", Verdict.DEVIATED)), expectations).ok


def test_not_verified_is_reported_not_gated_except_in_strict_mode() -> None:
    results = _run(case("a.ok"), case("a.nv", Verdict.NOT_VERIFIED))
    gate = evaluate(results, _expect(""))
    assert gate.ok and gate.not_verified == ("a.nv",)
    strict = evaluate(results, None, strict=True)
    assert not strict.ok and strict.exit_code == 2 and strict.unexpected[0].source == "strict"


def test_strict_ignores_expectations() -> None:
    results = _run(case("a.bad", Verdict.FAILED))
    expectations = _expect("  a.bad: {expected: failed, reason: bug}\n")
    assert evaluate(results, expectations).ok
    strict = evaluate(results, expectations, strict=True)
    assert not strict.ok and strict.exit_code == 1 and strict.unused == ()


def test_exit_codes_follow_the_engine() -> None:
    assert evaluate(campaign([]), None).exit_code == 5
    assert evaluate(campaign([case("a.ok")], setup_error="clock"), None).exit_code == 2
    assert evaluate(_run(case("a.broken", Verdict.BROKEN), case("a.ok")), None).exit_code == 2
    expected_broken = _expect("  a.broken: {expected: broken, reason: crashes}\n")
    assert evaluate(_run(case("a.broken", Verdict.BROKEN), case("a.ok")), expected_broken).exit_code == 0
    only_broken = _run(case("a.broken", Verdict.BROKEN))
    assert evaluate(only_broken, expected_broken).exit_code == 2  # nothing verified
    assert evaluate(_run(case("a.nv", Verdict.NOT_VERIFIED)), None).exit_code == 5
    mixed = _run(case("a.bad", Verdict.FAILED), case("a.broken", Verdict.BROKEN))
    assert evaluate(mixed, None).exit_code == 1


def test_unused_entries_are_listed() -> None:
    gate = evaluate(_run(case("a.ok")), _expect("  a.gone: {expected: failed, reason: x}\n"))
    assert gate.ok and gate.unused == ("a.gone",)


# ---- updating -----------------------------------------------------------------------------------------------


def test_update_rewrites_the_file_so_the_run_passes(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        "version: 1\ntarget: my mock\nexpectations:\n"
        "  a.fixed: {expected: failed, reason: old bug}\n"
        "  a.still: {expected: deviated, reason: was deviating, link: 'https://x.example/2'}\n"
        "  a.not-run: {expected: failed, reason: not selected this time}\n"
        "  a.flaky: {expected: [failed, passed], reason: race}\n"
        "  INT-WRITE-STATUS: {expected: deviated, reason: answers 204}\n"
        "  FADE-FIRST: {expected: deviated, reason: no longer true}\n",
        encoding="utf-8",
    )
    results = _run(
        case("a.fixed"),
        case("a.still", Verdict.FAILED, reason="now fails: token=abcdefgh12345678"),
        case("a.new", Verdict.BROKEN, reason="502 from the gateway"),
        case("a.flaky"),
        case("a.dev", Verdict.DEVIATED, clauses=["INT-WRITE-STATUS"]),
        case("a.fade", clauses=["FADE-FIRST"]),
        case("a.nv", Verdict.NOT_VERIFIED),
    )
    summary = update_expectations(results, path, known_clauses=CLAUSES)
    assert summary.added == ("a.new",)
    assert summary.changed == ("a.still",)
    assert set(summary.removed) == {"a.fixed", "FADE-FIRST"}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["target"] == "my mock"
    entries = data["expectations"]
    assert set(entries) == {"INT-WRITE-STATUS", "a.flaky", "a.new", "a.not-run", "a.still"}
    assert entries["a.still"]["expected"] == "failed" and entries["a.still"]["link"] == "https://x.example/2"
    assert "abcdefgh12345678" not in path.read_text(encoding="utf-8")
    assert entries["a.new"]["reason"].startswith("broken on the run of 2024-05-01: 502 from the gateway")
    assert path.read_text(encoding="utf-8").startswith("# Expectations of the presence conformance gate")
    assert evaluate(results, load_expectations(path, known_clauses=CLAUSES)).ok


def test_update_creates_a_missing_file_and_refuses_to_overwrite_a_bad_one(tmp_path: Path) -> None:
    created = tmp_path / "new" / "exp.yaml"
    update_expectations(_run(case("a.bad", Verdict.FAILED)), created, known_clauses=CLAUSES)
    assert list(yaml.safe_load(created.read_text(encoding="utf-8"))["expectations"]) == ["a.bad"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 7\n", encoding="utf-8")
    with pytest.raises(ExpectationsError):
        update_expectations(_run(case("a.bad", Verdict.FAILED)), bad, known_clauses=CLAUSES)
    assert bad.read_text(encoding="utf-8") == "version: 7\n"
