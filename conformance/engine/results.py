"""What a campaign produces: verdicts per step, per case and per run, and the results file they make.

The results file (``CampaignResult.to_json()``) is the single source of truth for every report: it is
plain JSON (no custom types), versioned by :data:`RESULTS_SCHEMA_VERSION`, and
:meth:`CampaignResult.from_json` reads it back into the same values. Durations are in seconds (floats);
instants are RFC 3339 strings in UTC.

Verdicts never mix families: a *failed* or *deviated* case says the target is wrong; *broken* and
*not verified* say the run could not tell (see :mod:`conformance.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from ..errors import ConformanceFailure, InterpretationDeviation, NotVerifiable, TargetError

__all__ = [
    "RESULTS_SCHEMA_VERSION",
    "CampaignResult",
    "CaseResult",
    "Exchange",
    "StepResult",
    "StepStatus",
    "Verdict",
]

RESULTS_SCHEMA_VERSION = "1.0"
"""The version of the results file's shape: the major number changes when a reader must change."""

Mode = Literal["clock-control", "real-time"]


class Verdict(StrEnum):
    """A case's outcome."""

    PASSED = "passed"
    FAILED = "failed"
    DEVIATED = "deviated"
    BROKEN = "broken"
    NOT_VERIFIED = "not-verified"

    @property
    def verified(self) -> bool:
        """Whether the target was actually judged (passed, failed or deviated)."""
        return self in (Verdict.PASSED, Verdict.FAILED, Verdict.DEVIATED)


class StepStatus(StrEnum):
    """A step's outcome: ``skipped`` steps come after the one that stopped their case."""

    OK = "ok"
    MISMATCH = "mismatch"
    NOT_VERIFIABLE = "not-verifiable"
    BROKEN = "broken"
    SKIPPED = "skipped"


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request to the target and its answer, as the results file keeps it.

    Request headers are redacted (``Authorization`` becomes ``Bearer <redacted>``); bodies are text,
    cut to 4 KiB (request) and 16 KiB (response). ``status`` is ``None`` when no answer came (``error``
    says why). ``elapsed`` is the round trip and ``sent_at`` the send time, both in seconds, the latter
    from the campaign's start.
    """

    method: str
    path: str
    request_headers: Mapping[str, str]
    request_body: str | None
    status: int | None
    response_headers: Mapping[str, str]
    response_body: str | None
    elapsed: float
    sent_at: float
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "request_headers": dict(self.request_headers),
            "request_body": self.request_body,
            "status": self.status,
            "response_headers": dict(self.response_headers),
            "response_body": self.response_body,
            "elapsed": self.elapsed,
            "sent_at": self.sent_at,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Exchange:
        return cls(
            method=data["method"],
            path=data["path"],
            request_headers=dict(data["request_headers"]),
            request_body=data["request_body"],
            status=data["status"],
            response_headers=dict(data["response_headers"]),
            response_body=data["response_body"],
            elapsed=float(data["elapsed"]),
            sent_at=float(data["sent_at"]),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step of a case as it ran.

    ``expected`` is the oracle's prediction narrowed to what the step compares (JSON-able, e.g.
    ``{"status": 200, "presence": {"availability": "Away"}}``); ``observed`` the same fields as the
    target answered. ``message`` explains a mismatch, a broken step, a not-verifiable check or a skip.
    ``settle_time`` is, for reads, the seconds from the first read until one matched (``0.0`` when the
    first did); ``sent_offset`` the target-time offset (seconds from the wave's start) at which the step
    was sent: equal to ``at`` under clock control, measured in real-time mode.
    """

    index: int
    line: int
    at: timedelta
    description: str
    status: StepStatus
    message: str | None = None
    expected: Mapping[str, Any] | None = None
    observed: Mapping[str, Any] | None = None
    exchanges: tuple[Exchange, ...] = ()
    settle_time: float | None = None
    sent_offset: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "at": _seconds(self.at),
            "description": self.description,
            "status": str(self.status),
            "message": self.message,
            "expected": self.expected,
            "observed": self.observed,
            "exchanges": [e.to_json() for e in self.exchanges],
            "settle_time": self.settle_time,
            "sent_offset": self.sent_offset,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepResult:
        return cls(
            index=int(data["index"]),
            line=int(data["line"]),
            at=timedelta(seconds=data["at"]),
            description=data["description"],
            status=StepStatus(data["status"]),
            message=data.get("message"),
            expected=data.get("expected"),
            observed=data.get("observed"),
            exchanges=tuple(Exchange.from_json(e) for e in data.get("exchanges", ())),
            settle_time=data.get("settle_time"),
            sent_offset=data.get("sent_offset"),
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's verdict, with every step.

    ``kind`` is ``"interpretation"`` when the case cites at least one interpretation clause (a mismatch
    is then *deviated*), else ``"documented"``. ``reason`` says, for failed and deviated cases, the first
    mismatch (step, expected, observed); for broken and not-verified cases, why; ``None`` for passed.
    ``started_offset`` is when the case's wave started (seconds from the campaign's start) and
    ``duration`` the real seconds from its first request to its last. ``bindings`` maps the case's
    logical users and apps to the ids they ran with (for reproducing a result by hand).
    """

    case_id: str
    title: str
    path: str
    line: int
    clauses: tuple[str, ...]
    tags: tuple[str, ...]
    kind: Literal["documented", "interpretation"]
    verdict: Verdict
    reason: str | None
    steps: tuple[StepResult, ...]
    started_offset: float = 0.0
    duration: float = 0.0
    wave: int = 0
    bindings: Mapping[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """``path:line``, for messages."""
        return f"{self.path}:{self.line}"

    def raise_for_verdict(self) -> None:
        """Raise what the verdict means; return for passed.

        Raises:
            ConformanceFailure: failed.
            InterpretationDeviation: deviated.
            TargetError: broken.
            NotVerifiable: not verified.
        """
        message = f"{self.where}: {self.case_id}: {self.reason}"
        if self.verdict is Verdict.FAILED:
            raise ConformanceFailure(message)
        if self.verdict is Verdict.DEVIATED:
            raise InterpretationDeviation(message)
        if self.verdict is Verdict.BROKEN:
            raise TargetError(message)
        if self.verdict is Verdict.NOT_VERIFIED:
            raise NotVerifiable(message)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "title": self.title,
            "path": self.path,
            "line": self.line,
            "clauses": list(self.clauses),
            "tags": list(self.tags),
            "kind": self.kind,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "started_offset": self.started_offset,
            "duration": self.duration,
            "wave": self.wave,
            "bindings": dict(self.bindings),
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseResult:
        kind = data["kind"]
        if kind not in ("documented", "interpretation"):
            raise ValueError(f"unknown case kind {kind!r}")
        return cls(
            case_id=data["id"],
            title=data["title"],
            path=data["path"],
            line=int(data["line"]),
            clauses=tuple(data["clauses"]),
            tags=tuple(data["tags"]),
            kind=kind,
            verdict=Verdict(data["verdict"]),
            reason=data.get("reason"),
            steps=tuple(StepResult.from_json(s) for s in data["steps"]),
            started_offset=float(data.get("started_offset", 0.0)),
            duration=float(data.get("duration", 0.0)),
            wave=int(data.get("wave", 0)),
            bindings=dict(data.get("bindings", {})),
        )


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """A whole run: every case's result in case order, and what the run was against.

    ``setup_error`` is set when the run could not start or keep going (the clock could not be started,
    a wave could not be prepared); the affected cases are then broken.
    """

    results: tuple[CaseResult, ...]
    target: str
    profile: Mapping[str, object]
    started_at: datetime
    wall_time: float
    mode: Mode
    settle: float = 0.0
    tolerance: float = 0.0
    setup_error: str | None = None
    suite_version: str = "unknown"
    clauses_version: int = 0

    def counts(self) -> dict[str, int]:
        """How many cases got each verdict, every verdict present (zeros included)."""
        counts = {str(v): 0 for v in Verdict}
        for result in self.results:
            counts[str(result.verdict)] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """The process exit code this run stands for.

        - ``5``: no case at all, or none could be verified and none broke (all not verified);
        - ``2``: the run itself is broken: a setup error, or nothing verified and something broken;
        - ``1``: at least one case failed;
        - ``0``: otherwise: at least one case verified, none failed (deviations, not-verified cases and
          isolated broken cases do not fail a run; they are reported).
        """
        if not self.results:
            return 5
        if self.setup_error is not None:
            return 2
        counts = self.counts()
        if counts[Verdict.FAILED]:
            return 1
        if not any(r.verdict.verified for r in self.results):
            return 2 if counts[Verdict.BROKEN] else 5
        return 0

    def to_json(self) -> dict[str, Any]:
        """The results file, as a JSON-able dict."""
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "suite": {"name": "presence-conformance", "version": self.suite_version},
            "clauses_version": self.clauses_version,
            "target": self.target,
            "mode": self.mode,
            "profile": dict(self.profile),
            "settle": self.settle,
            "tolerance": self.tolerance,
            "started_at": self.started_at.isoformat(),
            "wall_time": self.wall_time,
            "setup_error": self.setup_error,
            "counts": self.counts(),
            "exit_code": self.exit_code,
            "cases": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CampaignResult:
        """Read a results file back.

        Raises:
            ValueError: the file's major schema version is not this reader's.
        """
        version = str(data.get("schema_version", ""))
        if version.split(".")[0] != RESULTS_SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"results schema {version!r} cannot be read (this reader knows {RESULTS_SCHEMA_VERSION})")
        mode = data["mode"]
        if mode not in ("clock-control", "real-time"):
            raise ValueError(f"unknown mode {mode!r}")
        return cls(
            results=tuple(CaseResult.from_json(c) for c in data["cases"]),
            target=data["target"],
            profile=dict(data["profile"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            wall_time=float(data["wall_time"]),
            mode=mode,
            settle=float(data.get("settle", 0.0)),
            tolerance=float(data.get("tolerance", 0.0)),
            setup_error=data.get("setup_error"),
            suite_version=str(data.get("suite", {}).get("version", "unknown")),
            clauses_version=int(data.get("clauses_version", 0)),
        )
