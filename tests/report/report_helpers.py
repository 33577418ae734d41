"""Builders of synthetic results for the report tests: cases, steps and exchanges as values, no engine run.

Expected values are literals; nothing here computes what the oracle would say.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.engine.results import CampaignResult, CaseResult, Exchange, StepResult, StepStatus, Verdict

ALICE = "0b1c2d3e-0000-4000-8000-00000000a11c"
BOB = "0b1c2d3e-0000-4000-8000-000000000b0b"
TEAMS = "7eam5000-0000-4000-8000-000000000001"
OUTLOOK = "0u7l00k0-0000-4000-8000-000000000002"
BINDINGS = {"user:alice": ALICE, "user:bob": BOB, "app:teams": TEAMS, "app:outlook": OUTLOOK, "app:(observer)": "obs"}

HOSTILE = "<script>alert(1)</script></script><img src=x onerror=alert(2)>\"'&\x07\x1b[31m\u202e"


def exchange(
    method: str = "GET",
    path: str = f"/v1.0/users/{ALICE}/presence",
    *,
    request_body: object = None,
    status: int | None = 200,
    response_body: object = None,
    request_headers: Mapping[str, str] | None = None,
    response_headers: Mapping[str, str] | None = None,
    error: str | None = None,
) -> Exchange:
    def text(body: object) -> str | None:
        return body if body is None or isinstance(body, str) else json.dumps(body)

    return Exchange(
        method=method,
        path=path,
        request_headers=dict(request_headers or {"Authorization": "Bearer <redacted>"}),
        request_body=text(request_body),
        status=status,
        response_headers=dict(response_headers or {"content-type": "application/json"}),
        response_body=text(response_body),
        elapsed=0.003,
        sent_at=0.5,
        error=error,
    )


def set_step(
    index: int,
    at: float,
    availability: str = "Available",
    activity: str = "Available",
    *,
    app: str = "teams",
    user: str = "alice",
    duration: str | None = "PT1H",
    expected_status: int | str = 200,
    observed_status: int = 200,
    status: StepStatus = StepStatus.OK,
    message: str | None = None,
) -> StepResult:
    body: dict[str, Any] = {"availability": availability, "activity": activity}
    if duration is not None:
        body["expirationDuration"] = duration
    body["sessionId"] = BINDINGS[f"app:{app}"]
    user_id = BINDINGS[f"user:{user}"]
    return StepResult(
        index=index,
        line=10 + index,
        at=timedelta(seconds=at),
        description=f"setPresence by {app} for {user}",
        status=status,
        message=message,
        expected={"status": expected_status},
        observed={"status": observed_status},
        exchanges=(
            exchange("POST", f"/v1.0/users/{user_id}/presence/setPresence", request_body=body, status=observed_status),
        ),
        sent_offset=at,
    )


def clear_step(index: int, at: float, *, app: str = "teams", user: str = "alice") -> StepResult:
    user_id = BINDINGS[f"user:{user}"]
    body = {"sessionId": BINDINGS[f"app:{app}"]}
    return StepResult(
        index=index,
        line=10 + index,
        at=timedelta(seconds=at),
        description=f"clearPresence by {app} for {user}",
        status=StepStatus.OK,
        expected={"status": 200},
        observed={"status": 200},
        exchanges=(exchange("POST", f"/v1.0/users/{user_id}/presence/clearPresence", request_body=body),),
        sent_offset=at,
    )


def check_step(
    index: int,
    at: float,
    expected: tuple[str, str],
    observed: tuple[str, str] | None = None,
    *,
    user: str = "alice",
    status: StepStatus | None = None,
    message: str | None = None,
) -> StepResult:
    seen = observed or expected
    judged = status or (StepStatus.OK if seen == expected else StepStatus.MISMATCH)
    if judged is StepStatus.MISMATCH and message is None:
        message = f"expected {expected[0]}/{expected[1]}, got {seen[0]}/{seen[1]}"
    user_id = BINDINGS[f"user:{user}"]
    return StepResult(
        index=index,
        line=10 + index,
        at=timedelta(seconds=at),
        description=f"check {user}",
        status=judged,
        message=message,
        expected={"status": 200, "presence": {"availability": expected[0], "activity": expected[1]}},
        observed={"status": 200, "presence": {"availability": seen[0], "activity": seen[1]}},
        exchanges=(
            exchange(
                response_body={"id": user_id, "availability": seen[0], "activity": seen[1]},
            ),
        ),
        settle_time=0.0,
        sent_offset=at,
    )


def skipped_step(index: int, at: float, description: str = "check alice", stopped_at: int = 0) -> StepResult:
    return StepResult(
        index=index,
        line=10 + index,
        at=timedelta(seconds=at),
        description=description,
        status=StepStatus.SKIPPED,
        message=f"not run: the case stopped at step {stopped_at}",
    )


def case(
    case_id: str = "fade.first.synthetic",
    verdict: Verdict = Verdict.PASSED,
    steps: Sequence[StepResult] = (),
    *,
    clauses: Sequence[str] = ("FADE-FIRST",),
    tags: Sequence[str] = ("fade",),
    title: str = "A synthetic case",
    reason: str | None = None,
    kind: str = "documented",
) -> CaseResult:
    if reason is None and verdict is not Verdict.PASSED:
        reason = f"step 1: {verdict} on purpose"
    return CaseResult(
        case_id=case_id,
        title=title,
        path=f"cases/{case_id.split('.')[0]}/synthetic.presence.yaml",
        line=3,
        clauses=tuple(clauses),
        tags=tuple(tags),
        kind="interpretation" if kind == "interpretation" else "documented",
        verdict=verdict,
        reason=reason,
        steps=tuple(steps),
        duration=0.2,
        bindings=dict(BINDINGS),
    )


def campaign(
    cases: Sequence[CaseResult],
    *,
    target: str = "http://target.example",
    setup_error: str | None = None,
    profile: Mapping[str, object] | None = None,
) -> CampaignResult:
    return CampaignResult(
        results=tuple(cases),
        target=target,
        profile=dict(profile or {"boundary": "inclusive", "write_status": 200}),
        started_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        wall_time=1.5,
        mode="clock-control",
        setup_error=setup_error,
        suite_version="0.1.0",
        clauses_version=1,
    )


def fade_case(verdict: Verdict = Verdict.PASSED, **kwargs: Any) -> CaseResult:
    """Available set at 0 for PT1H, checked at +4m59s (Available) and +5m (AvailableInactive)."""
    observed = ("Available", "AvailableInactive") if verdict is Verdict.PASSED else ("Available", "Available")
    steps = [
        set_step(0, 0),
        check_step(1, 299, ("Available", "Available")),
        check_step(2, 300, ("Available", "AvailableInactive"), observed),
    ]
    return case(verdict=verdict, steps=steps, **kwargs)
