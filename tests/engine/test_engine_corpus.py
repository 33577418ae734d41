"""The bundled corpus against the reference: every case passes, and agrees with the oracle as written.

The self-check keeps the corpus and the oracle from drifting apart: a hand-written expectation that
the oracle (default profile) contradicts is reported with its file and line. A reference that makes
another choice than it declares must be caught: the suite is only as good as the bugs it finds.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from conformance.cases import load_cases
from conformance.cases.model import Case
from conformance.engine import Verdict, run_campaign, self_check
from conformance.targets.setup import open_in_process
from reference_impl.model import DEFAULT_PROFILE, Boundary, Profile


@cache
def corpus() -> tuple[Case, ...]:
    return tuple(load_cases())


def test_the_corpus_passes_against_the_in_process_reference() -> None:
    with open_in_process() as setup:
        campaign = run_campaign(corpus(), setup)
    problems = [f"{r.where}: {r.case_id}: {r.verdict}: {r.reason}" for r in campaign.results if r.verdict != "passed"]
    assert problems == []
    assert campaign.exit_code == 0


def test_the_corpus_agrees_with_the_oracle() -> None:
    problems = [problem for case in corpus() for problem in self_check(case)]
    assert problems == []


@pytest.mark.parametrize(
    "undeclared",
    [Profile(boundary=Boundary.EXCLUSIVE), Profile(write_status=204), Profile(clear_expired_status=200)],
    ids=["boundary-exclusive", "write-status-204", "clear-expired-200"],
)
def test_an_undeclared_interpretation_is_caught_as_deviations(undeclared: Profile) -> None:
    with open_in_process(undeclared) as setup:
        campaign = run_campaign(corpus(), dataclasses.replace(setup, profile=DEFAULT_PROFILE))
    counts = campaign.counts()
    assert counts[Verdict.DEVIATED] > 0
    assert counts[Verdict.BROKEN] == 0
