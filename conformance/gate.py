"""The CI gate: a run's verdicts against what is expected of this target.

An *expectations file* (YAML) says, per case id or per clause id, which outcome is expected on a given
target, why, and optionally where that is tracked::

    version: 1
    expectations:
      INT-WRITE-STATUS:                       # a clause id: every case citing it
        expected: deviated
        reason: our mock answers 204 to writes
      expiry.boundary.exactly-at-default:     # a case id: this case only (wins over clause entries)
        expected: [failed, passed]            # several outcomes: an intermittent
        reason: expiry is checked by a timer that may fire a tick late
        link: https://example.com/issues/12

:func:`evaluate` judges a run: a case is *expected* when its verdict is among the outcomes of its case
entry, else of any of its clauses' entries (their union), else ``passed``. Every other verdict is
*unexpected* and fails the gate, an unexpected **pass** included (a stale expectation must be removed).
*Not verified* never fails the gate in normal mode (the run could not tell; it is listed). ``strict``
ignores the expectations: every case must pass, not-verified ones included.

The gate's exit code follows the engine's (:attr:`~conformance.engine.CampaignResult.exit_code`):
``5`` no case, or none verified and none broken; ``2`` a setup error, nothing verified but something
broken, or an unexpected *broken* / *not verified* case; ``1`` an unexpected passed, failed or deviated
case; ``0`` otherwise.

:func:`update_expectations` rewrites a file from a run (keeping reasons and links where still true).
Errors in a file are :class:`ExpectationsError` (a :class:`~conformance.errors.ConfigError`), naming the
file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .engine.results import CampaignResult, CaseResult, Verdict
from .errors import ConfigError

__all__ = [
    "EXPECTATIONS_VERSION",
    "Expectation",
    "Expectations",
    "ExpectationsError",
    "GateResult",
    "Unexpected",
    "UpdateSummary",
    "evaluate",
    "load_expectations",
    "parse_expectations",
    "update_expectations",
]

EXPECTATIONS_VERSION = 1
"""The version of the expectations file format this module reads and writes."""

_CASE_ID = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*$")
_CLAUSE_ID = re.compile(r"^[A-Z]+(-[A-Z0-9]+)+$")
_ENTRY_KEYS = frozenset({"expected", "reason", "link"})
_TOP_KEYS = frozenset({"version", "expectations", "target"})
_OUTCOMES = tuple(str(v) for v in Verdict)
_REASON_LIMIT = 300


class ExpectationsError(ConfigError):
    """An expectations file is not valid: the message names the file, the line and the key."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.detail = message
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Expectation:
    """One entry: ``key`` (a case id or a clause id, per ``scope``) expects one of ``outcomes``."""

    key: str
    scope: Literal["case", "clause"]
    outcomes: tuple[Verdict, ...]
    reason: str
    link: str | None = None
    line: int | None = None

    def to_yaml(self) -> dict[str, Any]:
        expected: str | list[str] = (
            str(self.outcomes[0]) if len(self.outcomes) == 1 else [str(o) for o in self.outcomes]
        )
        out: dict[str, Any] = {"expected": expected, "reason": self.reason}
        if self.link:
            out["link"] = self.link
        return out


@dataclass(frozen=True, slots=True)
class Expectations:
    """A loaded expectations file: entries by key, in file order. ``target`` is an optional note."""

    entries: Mapping[str, Expectation]
    path: str = "<expectations>"
    target: str | None = None

    def for_case(self, case: CaseResult) -> tuple[Expectation, ...]:
        """The entries that apply to ``case``: its case entry alone if it has one, else its clauses' entries."""
        own = self.entries.get(case.case_id)
        if own is not None:
            return (own,)
        return tuple(self.entries[c] for c in dict.fromkeys(case.clauses) if c in self.entries)


@dataclass(frozen=True, slots=True)
class Unexpected:
    """A case whose verdict was not expected.

    ``expected`` are the outcomes that would have been fine, ``source`` where they came from (``case``,
    ``clause ID[, ID]``, ``default`` or ``strict``), ``reason`` the entry's reason (``None`` for defaults),
    ``link`` its link, and ``case_reason`` the case's own reason (why it failed, broke…).
    """

    case_id: str
    expected: tuple[str, ...]
    actual: str
    source: str
    reason: str | None = None
    link: str | None = None
    case_reason: str | None = None

    def describe(self) -> str:
        """One line: ``case: expected failed (clause INT-X), got passed``."""
        return f"{self.case_id}: expected {' or '.join(self.expected)} ({self.source}), got {self.actual}"


@dataclass(frozen=True, slots=True)
class GateResult:
    """The gate's decision.

    ``ok`` is true when nothing was unexpected and the run was not vacuous (``exit_code == 0``).
    ``expected_failures`` lists the cases whose non-passing verdict an entry expected (case id, verdict,
    entry); ``not_verified`` the cases the run could not verify; ``unused`` the entry keys no case of the
    run matched (cases not selected, or stale entries).
    """

    ok: bool
    exit_code: int
    strict: bool
    unexpected: tuple[Unexpected, ...] = ()
    expected_failures: tuple[tuple[str, str, Expectation], ...] = ()
    not_verified: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    expectations_path: str | None = None

    def summary(self) -> str:
        """One line for a terminal or a log."""
        mode = "strict gate" if self.strict else "gate"
        if self.ok:
            known = f", {len(self.expected_failures)} expected non-passing" if self.expected_failures else ""
            return f"{mode} passed{known}"
        if not self.unexpected:
            return f"{mode} failed: the run is not conclusive (exit code {self.exit_code})"
        return f"{mode} failed: {len(self.unexpected)} unexpected result{'s' if len(self.unexpected) != 1 else ''}"


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    """What :func:`update_expectations` changed, by key."""

    path: Path
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


# ---- loading ---------------------------------------------------------------------------------------------


def _line(node: yaml.Node | None) -> int | None:
    return None if node is None else node.start_mark.line + 1


def _outcomes(value: Any, where: tuple[str, int | None, str]) -> tuple[Verdict, ...]:
    path, line, key = where
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ExpectationsError(path, line, key, "expected: give at least one outcome")
    outcomes: list[Verdict] = []
    for item in items:
        text = str(item).strip().lower().replace(" ", "-").replace("_", "-") if isinstance(item, str) else None
        if text not in _OUTCOMES:
            raise ExpectationsError(
                path, line, key, f"expected: {item!r} is not an outcome (one of {', '.join(_OUTCOMES)})"
            )
        outcomes.append(Verdict(text))
    return tuple(dict.fromkeys(outcomes))


def _entry(key: str, value: Any, path: str, line: int | None, known_clauses: Iterable[str] | None) -> Expectation:
    if _CLAUSE_ID.match(key):
        scope: Literal["case", "clause"] = "clause"
        if known_clauses is not None and key not in set(known_clauses):
            raise ExpectationsError(path, line, key, "not a clause id of this suite's clause registry")
    elif _CASE_ID.match(key):
        scope = "case"
    else:
        raise ExpectationsError(
            path,
            line,
            key,
            "not a case id (lowercase words joined by '.' or '-') or a clause id (such as AGG-PRECEDENCE)",
        )
    if not isinstance(value, dict):
        raise ExpectationsError(path, line, key, "an entry is a mapping with expected, reason and an optional link")
    unknown = sorted(str(k) for k in value if k not in _ENTRY_KEYS)
    if unknown:
        raise ExpectationsError(path, line, key, f"unknown key {unknown[0]!r} (known: expected, reason, link)")
    if "expected" not in value:
        raise ExpectationsError(path, line, key, "expected: missing (the outcome expected on this target)")
    reason = value.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ExpectationsError(path, line, key, "reason: missing or empty (say why this outcome is expected)")
    link = value.get("link")
    if link is not None and (not isinstance(link, str) or not re.match(r"^https?://\S+$", link)):
        raise ExpectationsError(path, line, key, f"link: {link!r} is not an http(s) URL")
    return Expectation(key, scope, _outcomes(value["expected"], (path, line, key)), reason.strip(), link, line)


def parse_expectations(
    text: str, path: str = "<expectations>", *, known_clauses: Iterable[str] | None = None
) -> Expectations:
    """Read an expectations document. ``known_clauses`` (default: the bundled registry) validates clause keys.

    Raises:
        ExpectationsError: not YAML, not the format, a bad key or value, a key listed twice.
    """
    if known_clauses is None:
        from reference_impl.clause_registry import load_registry

        known_clauses = list(load_registry().clauses)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise ExpectationsError(path, line, None, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return Expectations({}, path)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise ExpectationsError(path, 1, None, "an expectations file is a mapping with version and expectations")
    top_nodes = {str(k.value): (k, v) for k, v in root.value}
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise ExpectationsError(
            path, _line(top_nodes[unknown[0]][0]), unknown[0], "unknown key (known: version, target, expectations)"
        )
    version = data.get("version")
    if version != EXPECTATIONS_VERSION:
        line = _line(top_nodes["version"][0]) if "version" in top_nodes else 1
        raise ExpectationsError(path, line, "version", f"must be {EXPECTATIONS_VERSION} (got {version!r})")
    entries_value = data.get("expectations") or {}
    if not isinstance(entries_value, dict):
        raise ExpectationsError(
            path, _line(top_nodes["expectations"][0]), "expectations", "must be a mapping of ids to entries"
        )
    entry_lines: dict[str, int | None] = {}
    node = top_nodes.get("expectations", (None, None))[1]
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key = str(key_node.value)
            if key in entry_lines:
                raise ExpectationsError(path, _line(key_node), key, f"listed twice (first at line {entry_lines[key]})")
            entry_lines[key] = _line(key_node)
    entries: dict[str, Expectation] = {}
    for raw_key, value in entries_value.items():
        key = str(raw_key)
        entries[key] = _entry(key, value, path, entry_lines.get(key), known_clauses)
    target = data.get("target")
    return Expectations(entries, path, None if target is None else str(target))


def load_expectations(path: Path | str, *, known_clauses: Iterable[str] | None = None) -> Expectations:
    """Read an expectations file.

    Raises:
        ExpectationsError: the file cannot be read or is not valid.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExpectationsError(str(file), None, None, "no such expectations file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExpectationsError(str(file), None, None, f"cannot read it: {exc}") from None
    return parse_expectations(text, str(file), known_clauses=known_clauses)


# ---- judging ---------------------------------------------------------------------------------------------

_TARGET_VERDICTS = frozenset({Verdict.PASSED, Verdict.FAILED, Verdict.DEVIATED})


def _acceptable(
    case: CaseResult, expectations: Expectations | None
) -> tuple[tuple[Verdict, ...], str, tuple[Expectation, ...]]:
    entries = expectations.for_case(case) if expectations is not None else ()
    if not entries:
        return (Verdict.PASSED,), "default", ()
    if entries[0].scope == "case":
        return entries[0].outcomes, "case", entries
    outcomes = tuple(dict.fromkeys(o for e in entries for o in e.outcomes))
    return outcomes, "clause " + ", ".join(e.key for e in entries), entries


def _exit_code(results: CampaignResult, unexpected: Sequence[Unexpected]) -> int:
    cases = results.results
    if not cases:
        return 5
    if results.setup_error is not None:
        return 2
    if any(Verdict(u.actual) in _TARGET_VERDICTS for u in unexpected):
        return 1
    if unexpected:
        return 2
    if not any(c.verdict.verified for c in cases):
        return 2 if any(c.verdict is Verdict.BROKEN for c in cases) else 5
    return 0


def evaluate(results: CampaignResult, expectations: Expectations | None, strict: bool = False) -> GateResult:
    """Judge ``results`` against ``expectations`` (``None``: none; every case is expected to pass).

    ``strict`` ignores ``expectations``: every case must pass, and not-verified cases are unexpected too.
    """
    used = set(expectations.entries) if expectations is not None and not strict else set()
    matched: set[str] = set()
    unexpected: list[Unexpected] = []
    expected_failures: list[tuple[str, str, Expectation]] = []
    not_verified: list[str] = []
    for case in results.results:
        acceptable: tuple[Verdict, ...]
        entries: tuple[Expectation, ...]
        if strict:
            acceptable, source, entries = (Verdict.PASSED,), "strict", ()
        else:
            acceptable, source, entries = _acceptable(case, expectations)
            matched.update(e.key for e in entries)
        if case.verdict is Verdict.NOT_VERIFIED:
            not_verified.append(case.case_id)
            if not strict:
                continue
        if case.verdict in acceptable:
            if case.verdict is not Verdict.PASSED and entries:
                expected_failures.append((case.case_id, str(case.verdict), entries[0]))
            continue
        unexpected.append(
            Unexpected(
                case_id=case.case_id,
                expected=tuple(str(v) for v in acceptable),
                actual=str(case.verdict),
                source=source,
                reason="; ".join(e.reason for e in entries) or None,
                link=next((e.link for e in entries if e.link), None),
                case_reason=case.reason,
            )
        )
    code = _exit_code(results, unexpected)
    return GateResult(
        ok=code == 0,
        exit_code=code,
        strict=strict,
        unexpected=tuple(unexpected),
        expected_failures=tuple(expected_failures),
        not_verified=tuple(not_verified),
        unused=tuple(sorted(used - matched)),
        expectations_path=None if expectations is None else expectations.path,
    )


# ---- updating --------------------------------------------------------------------------------------------

_HEADER = """\
# Expectations of the presence conformance gate for one target (docs/reports.md, "The gate").
# Keys are case ids or clause ids; `expected` is one outcome or a list (passed, failed, deviated, broken,
# not-verified), `reason` says why, `link` (optional) points at the issue tracking it.
# Rewritten by `presence-conformance report RESULTS.json --expectations FILE --update-expectations`.
"""


@dataclass(slots=True)
class _Plan:
    entries: dict[str, Expectation] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _recorded_reason(case: CaseResult, results: CampaignResult) -> str:
    from .report.redaction import redact

    why = " ".join(str(case.reason or "no reason recorded").split())
    if len(why) > _REASON_LIMIT:
        why = why[: _REASON_LIMIT - 1] + "…"
    return redact(f"{case.verdict} on the run of {results.started_at:%Y-%m-%d}: {why}")


def update_expectations(
    results: CampaignResult, path: Path | str, *, known_clauses: Iterable[str] | None = None
) -> UpdateSummary:
    """Rewrite the expectations file at ``path`` (created if missing) so that ``results`` pass the gate.

    - a case that passed loses its case entry, and a clause entry is dropped when some case citing it ran
      and none still needs it; entries that list ``passed`` (intermittents) are kept;
    - a case whose verdict no entry expects gets a case entry ``expected: <verdict>`` (a case entry it
      had is replaced; its link is kept), with a reason recording the run;
    - not-verified cases and entries for cases or clauses the run did not touch are left as they are.

    Raises:
        ExpectationsError: the existing file is not valid (it is not overwritten).
    """
    file = Path(path)
    current = load_expectations(file, known_clauses=known_clauses) if file.exists() else Expectations({}, str(file))
    plan = _Plan(dict(current.entries))
    cases_by_clause: dict[str, list[CaseResult]] = {}
    for case in results.results:
        for clause in case.clauses:
            cases_by_clause.setdefault(clause, []).append(case)
    for case in results.results:
        if case.verdict is Verdict.NOT_VERIFIED:
            continue
        own = plan.entries.get(case.case_id)
        if case.verdict is Verdict.PASSED:
            if own is not None and Verdict.PASSED not in own.outcomes:
                del plan.entries[case.case_id]
                plan.removed.append(case.case_id)
            continue
        acceptable, _, _ = _acceptable(case, Expectations(plan.entries))
        if case.verdict in acceptable:
            continue
        entry = Expectation(
            case.case_id,
            "case",
            (case.verdict,),
            _recorded_reason(case, results),
            own.link if own is not None else None,
        )
        (plan.changed if own is not None else plan.added).append(case.case_id)
        plan.entries[case.case_id] = entry
    for key, entry in list(plan.entries.items()):
        if entry.scope != "clause" or key not in cases_by_clause or Verdict.PASSED in entry.outcomes:
            continue
        citing = [c for c in cases_by_clause[key] if c.verdict is not Verdict.NOT_VERIFIED]
        still_needed = any(
            c.verdict in entry.outcomes and c.verdict is not Verdict.PASSED and c.case_id not in plan.entries
            for c in citing
        )
        if citing and not still_needed:
            del plan.entries[key]
            plan.removed.append(key)
    _write(file, plan.entries, current.target)
    kept = tuple(k for k in plan.entries if k not in plan.added and k not in plan.changed)
    return UpdateSummary(file, tuple(plan.added), tuple(plan.changed), tuple(plan.removed), kept)


def _write(file: Path, entries: Mapping[str, Expectation], target: str | None) -> None:
    clauses = [e for e in entries.values() if e.scope == "clause"]
    cases = sorted((e for e in entries.values() if e.scope == "case"), key=lambda e: e.key)
    document: dict[str, Any] = {"version": EXPECTATIONS_VERSION}
    if target:
        document["target"] = target
    document["expectations"] = {e.key: e.to_yaml() for e in [*clauses, *cases]}
    text = _HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExpectationsError(str(file), None, None, f"cannot write it: {exc.strerror or exc}") from exc
