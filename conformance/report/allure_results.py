"""Allure results written from a results file, without pytest: ``presence-conformance run --allure-dir``.

The same content the pytest plugin gives a running Allure test (:mod:`.allure`): labels ``epic`` (clause
family), ``feature`` (clause), ``story`` (case), the ``target`` parameter, the clauses' links, one step per
case step with the expected and observed values and every HTTP exchange attached, and the timeline picture.
Statuses follow Allure's meaning: a mismatch is *failed* (deviations too), a misbehaving target *broken*,
a case that could not be verified *skipped*.

Files are written with ``allure_commons`` (the library allure-pytest writes with), so any Allure report
generator reads them: ``npx allure allure2 <dir>`` (see docs/reports.md).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import (
    Attachment,
    Label,
    Link,
    Parameter,
    Status,
    StatusDetails,
    TestResult,
    TestStepResult,
)
from allure_commons.types import AttachmentType

from reference_impl.clause_registry import ClauseRegistry, load_registry

from ..engine.results import CampaignResult, CaseResult, StepResult, StepStatus, Verdict
from .allure import _description, _exchange_text, _step_title, case_labels
from .redaction import redact_json, secret_scope
from .text import LINE_LIMIT, TEXT_LIMIT, display
from .timeline_svg import case_timeline_svg

__all__ = ["write_allure_results"]

_CASE_STATUS = {
    Verdict.PASSED: Status.PASSED,
    Verdict.FAILED: Status.FAILED,
    Verdict.DEVIATED: Status.FAILED,
    Verdict.BROKEN: Status.BROKEN,
    Verdict.NOT_VERIFIED: Status.SKIPPED,
}
_STEP_STATUS = {
    StepStatus.OK: Status.PASSED,
    StepStatus.MISMATCH: Status.FAILED,
    StepStatus.BROKEN: Status.BROKEN,
    StepStatus.NOT_VERIFIABLE: Status.SKIPPED,
    StepStatus.SKIPPED: Status.SKIPPED,
}


class _Writer:
    def __init__(self, directory: Path, result: CampaignResult, registry: ClauseRegistry) -> None:
        self.logger = AllureFileLogger(str(directory))  # type: ignore[no-untyped-call]
        self.result = result
        self.registry = registry
        self.target = display(result.target, LINE_LIMIT)
        started = result.started_at.timestamp() if isinstance(result.started_at, datetime) else 0.0
        self.start_ms = int(started * 1000)

    def attach(self, owner: TestResult | TestStepResult, body: str, name: str, kind: AttachmentType) -> None:
        source = f"{uuid.uuid4()}-attachment.{kind.extension}"
        owner.attachments.append(Attachment(name=name, source=source, type=kind.mime_type))
        self.logger.report_attached_data(body=body, file_name=source)  # type: ignore[no-untyped-call]

    def step(self, step: StepResult) -> TestStepResult:
        at = self.start_ms + int(step.at.total_seconds() * 1000)
        node = TestStepResult(name=_step_title(step), status=_STEP_STATUS[step.status], start=at, stop=at)
        if step.message:
            node.statusDetails = StatusDetails(message=display(step.message, TEXT_LIMIT))
        if step.expected is not None or step.observed is not None:
            values = redact_json({"expected": step.expected, "observed": step.observed})
            body = display(json.dumps(values, indent=2, ensure_ascii=False, default=str), TEXT_LIMIT * 4)
            self.attach(node, body, "expected and observed", AttachmentType.JSON)
        for number, exchange in enumerate(step.exchanges, 1):
            name = f"exchange {number}: {display(exchange.method, 10)} → {exchange.status or 'no answer'}"
            self.attach(node, _exchange_text(exchange), name, AttachmentType.TEXT)
        return node

    def case(self, case: CaseResult) -> None:
        labels = [
            Label(name=kind, value=value)
            for kind, values in case_labels(case, self.registry).items()
            for value in values
        ]
        labels += [Label(name="tag", value=tag) for tag in case.tags]
        labels += [
            Label(name="suite", value="presence conformance"),
            Label(name="framework", value="presence-conformance"),
        ]
        links = [
            Link(type="link", url=source.url, name=source.title)
            for source in dict.fromkeys(self.registry[c].source for c in case.clauses if c in self.registry)
        ]
        history = hashlib.md5(f"{case.case_id}\x00{self.target}".encode(), usedforsecurity=False).hexdigest()
        start = self.start_ms + int(case.started_offset * 1000)
        test = TestResult(
            uuid=str(uuid.uuid4()),
            historyId=history,
            testCaseId=hashlib.md5(case.case_id.encode(), usedforsecurity=False).hexdigest(),
            name=display(case.title, LINE_LIMIT),
            fullName=f"{case.path}::{case.case_id}",
            status=_CASE_STATUS[case.verdict],
            description=_description(case, self.registry),
            labels=labels,
            links=links,
            parameters=[Parameter(name="target", value=self.target)],
            start=start,
            stop=start + int(case.duration * 1000),
        )
        if case.reason:
            test.statusDetails = StatusDetails(message=display(case.reason, TEXT_LIMIT))
        test.steps = [self.step(step) for step in case.steps]
        svg = case_timeline_svg(case, self.result.profile, standalone=True)
        if svg:
            self.attach(test, svg, "timeline", AttachmentType.SVG)
        self.logger.report_result(test)  # type: ignore[no-untyped-call]


def write_allure_results(result: CampaignResult, directory: Path | str, *, secrets: Iterable[str] = ()) -> Path:
    """Write one Allure result per case of ``result`` into ``directory`` (created if missing); return it.

    Allure results of an earlier run in ``directory`` are removed first (Allure would otherwise merge the
    two runs into one report); other files are left alone. Every text goes through the report's redaction,
    with ``secrets`` as extra literal values to remove.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (*folder.glob("*-result.json"), *folder.glob("*-container.json"), *folder.glob("*-attachment.*")):
        stale.unlink()
    with secret_scope(secrets):
        writer = _Writer(folder, result, load_registry())
        for case in result.results:
            writer.case(case)
    return folder
