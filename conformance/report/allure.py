"""Allure details for one case, for the pytest plugin to add while the case's item runs.

:func:`attach_case` is called from ``PresenceItem.runtest`` (before the verdict is raised) and, when
``allure`` is importable and allure-pytest is recording, adds to the running test result:

- labels ``epic`` = each clause family (``AGG: aggregation``), ``feature`` = each clause id, ``story`` =
  the case id; the ``target`` parameter (so the same case against two targets has two histories); the
  clauses' documentation links; the title and a description (reason, clause texts);
- one Allure step per case step (``step 3 at +5m: check alice``): *failed* for a mismatch, *broken* for a
  broken step, *skipped* for a not-verifiable or skipped step, with the expected and observed values and
  every HTTP exchange attached (redacted text);
- the timeline picture as an SVG attachment.

The test's own status stays pytest's: the plugin raises the verdict after this call (a mismatch is an
``AssertionError``, so Allure shows *failed*; a broken target is a ``TargetError``, so *broken*).

Without ``allure`` installed this does nothing. Every text goes through the report's redaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from reference_impl.clause_registry import ClauseRegistry, load_registry

from ..engine.results import CaseResult, Exchange, StepResult, StepStatus
from ..errors import ConformanceFailure, TargetError
from .redaction import redact_json, secret_scope
from .text import BODY_LIMIT, LINE_LIMIT, TEXT_LIMIT, display, pretty_json
from .timeline_svg import case_timeline_svg, offset_label

__all__ = ["attach_case", "case_labels"]


def case_labels(case: CaseResult, registry: ClauseRegistry | None = None) -> dict[str, list[str]]:
    """The Allure labels of ``case``: ``epic`` (clause families), ``feature`` (clauses), ``story`` (the case)."""
    registry = registry or load_registry()
    families: dict[str, None] = {}
    for clause_id in case.clauses:
        family = registry.clauses[clause_id].family if clause_id in registry else clause_id.split("-", 1)[0]
        families[f"{family}: {registry.families.get(family, family)}"] = None
    return {"epic": list(families), "feature": list(dict.fromkeys(case.clauses)), "story": [case.case_id]}


def _exchange_text(exchange: Exchange) -> str:
    lines = [f"{exchange.method} {exchange.path}"]
    lines += [f"{name}: {value}" for name, value in exchange.request_headers.items()]
    if exchange.request_body:
        lines += ["", pretty_json(exchange.request_body)]
    lines += ["", "----", ""]
    if exchange.status is None:
        lines.append(f"no answer: {exchange.error or 'unknown error'}")
    else:
        lines.append(f"{exchange.status} ({exchange.elapsed * 1000:.0f} ms)")
        lines += [f"{name}: {value}" for name, value in exchange.response_headers.items()]
        if exchange.response_body:
            lines += ["", pretty_json(exchange.response_body)]
    return display("\n".join(lines), BODY_LIMIT * 2)


def _step_title(step: StepResult) -> str:
    return display(f"step {step.index} at {offset_label(step.at.total_seconds())}: {step.description}", LINE_LIMIT)


def _description(case: CaseResult, registry: ClauseRegistry) -> str:
    lines = []
    if case.reason:
        lines += [f"**{case.verdict}**: {display(case.reason)}", ""]
    for clause_id in case.clauses:
        clause = registry.clauses.get(clause_id)
        text = clause.statement if clause is not None else "(not in this suite's clause registry)"
        lines.append(f"- `{clause_id}` ({clause.kind if clause else 'unknown'}): {text}")
    lines += ["", f"`{display(case.path, LINE_LIMIT)}:{case.line}`"]
    return "\n".join(lines)


def attach_case(
    case_result: CaseResult,
    target_description: str,
    *,
    registry: ClauseRegistry | None = None,
    profile: Mapping[str, object] | None = None,
    secrets: Iterable[str] = (),
    labels: bool = True,
) -> None:
    """Add ``case_result``'s labels, steps and attachments to the running Allure test (see the module doc).

    Does nothing when ``allure`` cannot be imported; outside a test recorded by allure-pytest the calls
    are no-ops. ``profile`` (the run's) makes the timeline exact for targets with another profile;
    ``labels=False`` leaves the epic/feature/story labels and the links to the caller (for a caller that
    sets them at collection, where ``--allure-epics`` and friends can select by them).
    """
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dependency, but stay optional
        return
    registry = registry or load_registry()
    with secret_scope(secrets):
        _attach(allure, case_result, target_description, registry, profile, labels=labels)


def _attach(
    allure: Any,
    case: CaseResult,
    target: str,
    registry: ClauseRegistry,
    profile: Mapping[str, object] | None,
    *,
    labels: bool,
) -> None:
    dynamic = allure.dynamic
    kinds = allure.attachment_type
    if labels:
        for label_type, values in case_labels(case, registry).items():
            dynamic.label(label_type, *values)
        for source in dict.fromkeys(registry.clauses[c].source for c in case.clauses if c in registry):
            dynamic.link(source.url, name=source.title)
    dynamic.parameter("target", display(target, LINE_LIMIT))
    dynamic.title(display(case.title, LINE_LIMIT))
    dynamic.description(_description(case, registry))
    for step in case.steps:
        _step(allure, step)
    svg = case_timeline_svg(case, profile, standalone=True)
    if svg:
        allure.attach(svg, name="timeline", attachment_type=kinds.SVG)


def _step(allure: Any, step: StepResult) -> None:
    import pytest

    kinds = allure.attachment_type
    try:
        with allure.step(_step_title(step)):
            values = {"expected": step.expected, "observed": step.observed}
            if step.expected is not None or step.observed is not None:
                body = json.dumps(redact_json(values), indent=2, ensure_ascii=False, default=str)
                allure.attach(display(body, TEXT_LIMIT * 4), name="expected and observed", attachment_type=kinds.JSON)
            for number, exchange in enumerate(step.exchanges, 1):
                name = f"exchange {number}: {display(exchange.method, 10)} → {exchange.status or 'no answer'}"
                allure.attach(_exchange_text(exchange), name=name, attachment_type=kinds.TEXT)
            message = display(step.message or str(step.status), TEXT_LIMIT)
            if step.status is StepStatus.MISMATCH:
                raise ConformanceFailure(message)
            if step.status is StepStatus.BROKEN:
                raise TargetError(message)
            if step.status in (StepStatus.NOT_VERIFIABLE, StepStatus.SKIPPED):
                raise pytest.skip.Exception(message)
    except (ConformanceFailure, TargetError, pytest.skip.Exception):
        pass  # the step is recorded with its status; the test's own outcome is raised by the caller
