"""Real results for the report tests: small in-process campaigns (and the whole corpus, once, for size)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conformance.cases.loader import load_cases
from conformance.engine import CampaignResult, run_campaign
from conformance.errors import TargetError
from conformance.targets.base import HttpRequest, HttpResponse, Target
from conformance.targets.setup import open_in_process
from reference_impl.model import DEFAULT_PROFILE, Profile

CORPUS = Path(__file__).resolve().parents[2] / "cases"
SUBSET = [
    CORPUS / "aggregation" / "faded-rank.presence.yaml",
    CORPUS / "aggregation" / "preferred.presence.yaml",
    CORPUS / "aggregation" / "precedence.presence.yaml",
    CORPUS / "clear" / "session.presence.yaml",
    CORPUS / "expiry" / "int-boundary.presence.yaml",
    CORPUS / "fade" / "first.presence.yaml",
    CORPUS / "read" / "batch.presence.yaml",
    CORPUS / "set" / "int-write-status.presence.yaml",
]


class _WrongTarget:
    """Answers Away where the service says Busy on every third read, and drops the seventh write."""

    def __init__(self, inner: Target) -> None:
        self._inner = inner
        self._reads = 0
        self._writes = 0

    @property
    def description(self) -> str:
        return "a wrong target"

    def send(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            self._writes += 1
            if self._writes == 7:
                raise TargetError("connection reset by peer")
        answer = self._inner.send(request)
        if request.method == "GET" and b'"Busy"' in answer.body:
            self._reads += 1
            if self._reads % 3 == 0:
                return dataclasses.replace(answer, body=answer.body.replace(b'"Busy"', b'"Away"'))
        return answer

    def close(self) -> None:
        self._inner.close()


@pytest.fixture(scope="session")
def passing_results() -> CampaignResult:
    """A subset of the corpus against the in-process reference: everything passes."""
    with open_in_process() as setup:
        return run_campaign(load_cases(SUBSET), setup)


@pytest.fixture(scope="session")
def failing_results() -> CampaignResult:
    """The same subset against a target with other interpretations and wrong answers: every verdict but
    not-verified."""
    other = Profile.from_mapping({"boundary": "exclusive", "write_status": 204})
    with open_in_process(other) as setup:
        wrong = dataclasses.replace(setup, profile=DEFAULT_PROFILE, target=_WrongTarget(setup.target))
        return run_campaign(load_cases(SUBSET), wrong)


@pytest.fixture(scope="session")
def corpus_results() -> CampaignResult:
    """The whole corpus against the in-process reference."""
    with open_in_process() as setup:
        return run_campaign(load_cases(), setup)
