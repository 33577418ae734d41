"""The oracle's view of a case on its own: what every step should get, and where the case's author disagrees.

:func:`predict_case` replays a case on a fresh oracle (fresh users, minted app ids) and returns the
expected answer of every step. :func:`self_check` compares what the case wrote by hand with those
predictions under the default profile; the corpus self-check test runs it over every case, so a case
and the oracle cannot silently drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from reference_impl.model import DEFAULT_PROFILE, Profile, format_duration
from reference_impl.service import DEV_TOKEN_SECRET

from ..cases.model import ActionKind, Case, PresenceExpectation, Step
from ..targets.auth import MintedTokens
from ..targets.setup import IN_PROCESS_START
from .bindings import bind_case, case_users, fresh_user_ids
from .exchanges import plan_request
from .oracle import Oracle

__all__ = ["PREDICTION_START", "StepPrediction", "predict_case", "self_check"]

PREDICTION_START = IN_PROCESS_START
"""Where a prediction's clock starts. Predictions depend only on offsets; fixed, they are reproducible."""
_FIELDS = ("availability", "activity")


@dataclass(frozen=True, slots=True)
class StepPrediction:
    """What the oracle answers to one step of a case run alone.

    ``presence`` is set for a successful single read or check, ``presences`` (keyed by logical user
    name, or id for extra ids) for a successful batch read; ``error`` is ``{"code", "message"}`` for a
    refused request.
    """

    index: int
    line: int
    at: timedelta
    description: str
    method: str
    path: str
    body: str | None
    status: int
    error: Mapping[str, str] | None = None
    presence: Mapping[str, str] | None = None
    presences: Mapping[str, Mapping[str, str]] | None = None


def _pair(document: object) -> dict[str, str] | None:
    if isinstance(document, dict):
        return {name: str(document.get(name)) for name in _FIELDS}
    return None


def predict_case(case: Case, profile: Profile = DEFAULT_PROFILE) -> list[StepPrediction]:
    """Replay ``case`` alone on a fresh oracle with ``profile``; one prediction per step, in order."""
    oracle = Oracle(profile, PREDICTION_START)
    auth = MintedTokens(DEV_TOKEN_SECRET, now=lambda: oracle.now)
    bindings = bind_case(case, auth, fresh_user_ids(case_users(case)))
    predictions = []
    for step in case.steps:
        oracle.advance_to(step.at)
        request = plan_request(step, bindings)
        answer = oracle.predict(request, bindings.users)
        presence = presences = None
        if answer.ok and (step.is_check or step.action in (ActionKind.GET_PRESENCE, ActionKind.GET_MY_PRESENCE)):
            presence = _pair(answer.document)
        elif answer.ok and step.action is ActionKind.GET_PRESENCES_BY_USER_ID and isinstance(answer.document, dict):
            presences = {}
            for item in answer.document.get("value", ()):
                presences[bindings.label(str(item.get("id")))] = _pair(item) or {}
        error = answer.error
        predictions.append(
            StepPrediction(
                index=step.index,
                line=step.line,
                at=step.at,
                description=step.describe(),
                method=request.method,
                path=request.path,
                body=None if request.body is None else request.body.decode("utf-8", errors="replace"),
                status=answer.status,
                error=None if error is None or answer.ok else {"code": error[0], "message": error[1]},
                presence=presence,
                presences=presences,
            )
        )
    return predictions


def _written(expectation: PresenceExpectation) -> dict[str, str]:
    return {name: value for name in _FIELDS if (value := getattr(expectation, name)) is not None}


def _disagreements(step: Step, predicted: StepPrediction) -> list[str]:
    out = []
    written = step.expect
    refused = f" ({predicted.error['code']}: {predicted.error['message']})" if predicted.error else ""
    if written.status is not None and not written.status.matches(predicted.status):
        out.append(f"written status {written.status}, the oracle answers {predicted.status}{refused}")
    if written.graph_error and predicted.error is None:
        out.append(f"written graph_error, the oracle answers {predicted.status} without an error")
    wanted = _written(written.presence) if written.presence is not None else {}
    if wanted:
        got = predicted.presence
        if got is None:
            out.append(f"written presence {wanted}, the oracle answers status {predicted.status}{refused}")
        elif any(got.get(k) != v for k, v in wanted.items()):
            out.append(f"written presence {wanted}, the oracle predicts {got['availability']}/{got['activity']}")
    for name, expectation in written.presences.items():
        wanted = _written(expectation)
        if not wanted:
            continue
        got = (predicted.presences or {}).get(name)
        if got is None:
            out.append(f"written presence of {name} {wanted}, the oracle's answer has none{refused}")
        elif any(got.get(k) != v for k, v in wanted.items()):
            shown = f"{got['availability']}/{got['activity']}"
            out.append(f"written presence of {name} {wanted}, the oracle predicts {shown}")
    return out


def self_check(case: Case) -> list[str]:
    """Every hand-written expectation of ``case`` that the oracle (default profile) disagrees with.

    Each message reads ``path:line: case-id step N at PT5M (check alice): written ..., the oracle ...``;
    an empty list means the case and the oracle agree.
    """
    problems = []
    for step, predicted in zip(case.steps, predict_case(case), strict=True):
        for text in _disagreements(step, predicted):
            where = f"{case.path}:{step.line}: {case.id} step {step.index} at {format_duration(step.at)}"
            problems.append(f"{where} ({step.describe()}): {text}")
    return problems
