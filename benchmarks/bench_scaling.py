"""How a campaign's wall time grows with the number of cases: 1×, 4× and 16× the corpus.

The corpus is replicated (each copy gets its own case ids; every case is bound to fresh user GUIDs, so
copies never see each other) and run against the embedded reference over real HTTP, as
``presence-conformance run`` does. Linear growth means a constant time per case; the table prints it,
with the growth relative to 1×. ``--in-process`` runs against the in-process reference instead, which
shows the engine's own scaling without sockets.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_scaling.py [--factors 1 4 16] [--in-process]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys

import _common

from conformance.cases import Case, load_cases
from conformance.engine import CampaignOptions, CampaignResult, run_campaign
from conformance.targets.setup import TargetSetup, open_in_process, open_target


def replicate(cases: list[Case], factor: int) -> list[Case]:
    return [dataclasses.replace(case, id=f"{case.id}#{copy}") for copy in range(factor) for case in cases]


def run(cases: list[Case], *, in_process: bool) -> CampaignResult:
    setup: TargetSetup = open_in_process() if in_process else open_target()
    with setup:
        return run_campaign(cases, setup, CampaignOptions())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--in-process", action="store_true", help="the in-process reference (no sockets)")
    args = parser.parse_args(argv)

    where = "the in-process reference" if args.in_process else "the embedded reference (real HTTP on loopback)"
    _common.header(f"bench_scaling: the corpus replicated {', '.join(f'{f}×' for f in args.factors)} against {where}")
    corpus = load_cases()
    rows = []
    base: float | None = None
    for factor in args.factors:
        cases = replicate(corpus, factor)
        steps = sum(len(c.steps) for c in cases)
        result, took = _common.timed(functools.partial(run, cases, in_process=args.in_process))
        assert result.exit_code == 0, result.counts()
        per_case = took / len(cases)
        base = base if base is not None else per_case
        rows.append([f"{factor}×", len(cases), steps, took, 1000 * per_case, per_case / base, _common.peak_rss_mib()])
    _common.table(rows, ["corpus", "cases", "steps", "wall s", "ms per case", "per case vs 1×", "peak RSS MiB"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
