"""The engine: runs cases against a target on one shared timeline, with the oracle in lockstep.

::

    from conformance.cases import load_cases
    from conformance.engine import run_campaign
    from conformance.targets.setup import open_in_process

    with open_in_process() as setup:
        result = run_campaign(load_cases(), setup)
    print(result.counts(), result.exit_code)

=================  ====================================================================
module             what it holds
=================  ====================================================================
``campaign``       :func:`run_campaign`, :class:`CampaignOptions`: waves, instants, clocks
``runner``         one case on the timeline: steps sent, polled, judged; its verdict
``timeline``       waves (user pools) and the merged, sorted instants of a wave
``bindings``       logical users and apps to real ids; the observer app of checks
``exchanges``      a step to an HTTP request; the redacted :class:`Exchange` record
``oracle``         the in-process reference service that gets every request too
``checks``         what a step compares, and the comparison
``realtime``       real-time mode: which reads can be trusted near timer boundaries
``pool``           clearing pool users between waves
``prediction``     :func:`predict_case`, :func:`self_check` (corpus vs oracle)
``results``        :class:`Verdict`, :class:`CaseResult`, :class:`CampaignResult`, the results file
``progress``       :class:`ProgressEvent`
=================  ====================================================================

How a campaign runs, the verdicts and the results file are described in ``docs/engine.md``.
"""

from __future__ import annotations

from .campaign import CampaignOptions, run_campaign
from .prediction import StepPrediction, predict_case, self_check
from .progress import ProgressEvent
from .results import (
    RESULTS_SCHEMA_VERSION,
    CampaignResult,
    CaseResult,
    Exchange,
    StepResult,
    StepStatus,
    Verdict,
)

__all__ = [
    "RESULTS_SCHEMA_VERSION",
    "CampaignOptions",
    "CampaignResult",
    "CaseResult",
    "Exchange",
    "ProgressEvent",
    "StepPrediction",
    "StepResult",
    "StepStatus",
    "Verdict",
    "predict_case",
    "run_campaign",
    "self_check",
]
