"""JUnit XML from a results file, for CI systems that read test reports (``presence-conformance report --junit``).

One ``<testsuite>`` holds one ``<testcase>`` per case (``classname`` = the case file's folder and stem,
``name`` = the case id). Each test case carries ``<property>`` elements: ``case_id``, one ``clause`` per
cited clause, ``family`` per clause family, ``kind``, ``verdict``, one ``tag`` per tag. Verdicts map to:

===============  ======================================================================
passed           (nothing)
failed           ``<failure type="failed">``
deviated         ``<failure type="deviated">``
broken           ``<error type="broken">``
not verified     ``<skipped>``
===============  ======================================================================

With a gate result, expected outcomes are ``<skipped message="expected …">`` (as pytest reports an
xfail), an unexpected pass is ``<failure type="unexpected-pass">``, and the suite's properties carry the
gate's decision. The pytest plugin's own ``--junitxml`` is a different file with similar properties.

Every text is redacted and cleaned (:func:`~conformance.report.text.display`), so the XML is well formed
whatever the target answered.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from reference_impl.clause_registry import ClauseRegistry, load_registry

from ..engine.results import RESULTS_SCHEMA_VERSION, CampaignResult, CaseResult, StepStatus
from .redaction import secret_scope
from .text import LINE_LIMIT, TEXT_LIMIT, display

if TYPE_CHECKING:
    from ..gate import GateResult

__all__ = ["render_junit", "write_junit"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _t(value: object, limit: int = TEXT_LIMIT) -> str:
    return _NOT_XML.sub("\ufffd", display(value, limit))


def _classname(case: CaseResult) -> str:
    path = PurePath(case.path)
    stem = path.name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".presence")
    folder = path.parent.name
    return _t(f"presence.{folder}.{stem}" if folder else f"presence.{stem}", LINE_LIMIT)


def _details(case: CaseResult) -> str:
    lines = [f"{case.case_id}: {case.verdict}: {case.reason or ''}", f"clauses: {', '.join(case.clauses)}"]
    for step in case.steps:
        if step.status in (StepStatus.OK, StepStatus.SKIPPED):
            continue
        lines.append(f"step {step.index} (line {step.line}) {step.description} [{step.status}]")
        if step.expected is not None:
            lines.append(f"  expected: {dict(step.expected)}")
        if step.observed is not None:
            lines.append(f"  observed: {dict(step.observed)}")
        if step.message:
            lines.append(f"  {step.message}")
    return "\n".join(lines)


def _property(parent: ET.Element, name: str, value: object) -> None:
    ET.SubElement(parent, "property", {"name": name, "value": _t(value, LINE_LIMIT)})


def render_junit(
    result: CampaignResult,
    *,
    gate: GateResult | None = None,
    registry: ClauseRegistry | None = None,
    secrets: Iterable[str] = (),
) -> str:
    """The JUnit XML document (with its XML declaration) of ``result``."""
    with secret_scope(secrets):
        return _render(result, gate, registry or load_registry())


def _render(result: CampaignResult, gate: GateResult | None, registry: ClauseRegistry) -> str:
    unexpected = {u.case_id: u for u in gate.unexpected} if gate is not None else {}
    expected = {case_id: entry for case_id, _, entry in gate.expected_failures} if gate is not None else {}
    failures = errors = skipped = 0
    suite = ET.Element(
        "testsuite",
        {
            "name": _t(f"presence-conformance: {result.target}", LINE_LIMIT),
            "timestamp": result.started_at.isoformat(),
            "time": f"{result.wall_time:.3f}",
        },
    )
    properties = ET.SubElement(suite, "properties")
    suite_facts: tuple[tuple[str, object], ...] = (
        ("target", result.target),
        ("mode", result.mode),
        ("results_schema_version", RESULTS_SCHEMA_VERSION),
        ("suite_version", result.suite_version),
        ("clauses_version", result.clauses_version),
        ("exit_code", result.exit_code),
    )
    for name, value in suite_facts:
        _property(properties, name, value)
    for key, value in result.profile.items():
        _property(properties, f"profile.{key}", value)
    if result.setup_error:
        _property(properties, "setup_error", result.setup_error)
    if gate is not None:
        _property(properties, "gate", "passed" if gate.ok else "failed")
        _property(properties, "gate_exit_code", gate.exit_code)
        _property(properties, "gate_mode", "strict" if gate.strict else "expectations")
    for case in result.results:
        element = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _classname(case),
                "name": _t(case.case_id, LINE_LIMIT),
                "time": f"{case.duration:.3f}",
                "file": _t(case.path, LINE_LIMIT),
                "line": str(case.line),
            },
        )
        props = ET.SubElement(element, "properties")
        _property(props, "case_id", case.case_id)
        for clause in case.clauses:
            _property(props, "clause", clause)
        families = dict.fromkeys(registry.clauses[c].family if c in registry else c.split("-")[0] for c in case.clauses)
        for family in families:
            _property(props, "family", family)
        _property(props, "kind", case.kind)
        _property(props, "verdict", case.verdict)
        for tag in case.tags:
            _property(props, "tag", tag)
        verdict = str(case.verdict)
        surprise = unexpected.get(case.case_id)
        if surprise is not None:
            _property(props, "gate", "unexpected")
            _property(props, "expected", " or ".join(surprise.expected))
        if case.case_id in expected and surprise is None:
            entry = expected[case.case_id]
            _property(props, "gate", "expected")
            ET.SubElement(element, "skipped", {"message": _t(f"expected {verdict}: {entry.reason}", LINE_LIMIT)})
            skipped += 1
            continue
        if verdict == "passed":
            if surprise is not None:
                message = f"unexpected pass: expected {' or '.join(surprise.expected)} ({surprise.source})"
                failure = ET.SubElement(
                    element, "failure", {"type": "unexpected-pass", "message": _t(message, LINE_LIMIT)}
                )
                failure.text = _t(f"{message}: {surprise.reason or ''}")
                failures += 1
            continue
        message = _t(case.reason or verdict, LINE_LIMIT)
        if verdict in ("failed", "deviated"):
            failure = ET.SubElement(element, "failure", {"type": verdict, "message": message})
            failure.text = _t(_details(case))
            failures += 1
        elif verdict == "broken":
            error = ET.SubElement(element, "error", {"type": "broken", "message": message})
            error.text = _t(_details(case))
            errors += 1
        else:
            ET.SubElement(element, "skipped", {"message": _t(f"not verified: {case.reason or ''}", LINE_LIMIT)})
            skipped += 1
    counts = {
        "tests": str(len(result.results)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
    }
    suite.attrib.update(counts)
    root = ET.Element("testsuites", {"name": "presence-conformance", **counts, "time": f"{result.wall_time:.3f}"})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(
    result: CampaignResult,
    path: Path | str,
    *,
    gate: GateResult | None = None,
    secrets: Iterable[str] = (),
) -> Path:
    """Write :func:`render_junit` to ``path`` (folders created) and return the path."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(render_junit(result, gate=gate, secrets=secrets), encoding="utf-8")
    return file
