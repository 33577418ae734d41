"""The whole corpus against the embedded reference server, and the engine's overhead per HTTP call.

Measured side by side, in one run, against one server:

- **engine**: ``run_campaign`` over the whole corpus, as ``presence-conformance run`` does it (the bundled
  reference on a loopback port, real HTTP, its control clock), with the default concurrency and with one
  worker;
- **floor**: a bare ``requests.Session`` loop sending the *same* calls (recorded from an engine run:
  method, URL, headers, body, control-API calls included) to the same server, after a reset, one after
  another. Everything the engine adds (oracle, bindings, checks, results, scheduling) is missing there.

The per-call figure is wall time divided by the number of HTTP calls; the goal is an engine within 1.5×
of the floor. Runs are interleaved and repeated (``--repeat``); medians are printed, with the minimum.
Finally the CLI itself is timed as a user runs it (``python -m conformance run --quiet``), start-up,
loading and the results file included.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_corpus.py [--repeat 3] [--no-cli]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common
import requests

from conformance.cases import Case, load_cases
from conformance.engine import CampaignOptions, run_campaign
from conformance.targets.http import HttpTarget
from conformance.targets.setup import TargetSetup, open_target


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int


def record_calls(cases: list[Case], setup: TargetSetup) -> list[Call]:
    """Run the corpus once with the target's session wrapped, keeping every call and its status."""
    target = setup.target
    assert isinstance(target, HttpTarget)
    session = target.session
    original = session.request
    calls: list[Call] = []
    lock = threading.Lock()

    def recording(method: str, url: str, **kwargs: Any) -> requests.Response:
        response: requests.Response = original(method, url, **kwargs)
        with lock:
            calls.append(Call(method, url, dict(kwargs.get("headers") or {}), kwargs.get("data"), response.status_code))
        return response

    session.request = recording  # type: ignore[method-assign,assignment]
    try:
        result = run_campaign(cases, setup, CampaignOptions())
    finally:
        session.request = original  # type: ignore[method-assign]
    assert result.exit_code == 0, result.counts()
    return calls


def replay(calls: list[Call], base_url: str) -> tuple[float, int]:
    """Reset the server, then send ``calls`` in order with a bare session; wall time and status matches."""
    requests.post(base_url + "/_conformance/reset", timeout=10)
    same = 0
    with requests.Session() as session:

        def loop() -> None:
            nonlocal same
            for call in calls:
                response = session.request(call.method, call.url, headers=call.headers, data=call.body, timeout=30)
                same += response.status_code == call.status

        _, took = _common.timed(loop)
    return took, same


def engine(cases: list[Case], setup: TargetSetup, workers: int | None) -> float:
    result, took = _common.timed(lambda: run_campaign(cases, setup, CampaignOptions(max_workers=workers)))
    assert result.exit_code == 0, result.counts()
    return took


def cli_run() -> float:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "conformance", "run", "--quiet", "--results", str(Path(folder) / "r.json")]
        env = {**os.environ, "PYTHONPATH": str(_common.ROOT)}
        completed, took = _common.timed(
            lambda: subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
        )
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr)
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--no-cli", action="store_true", help="skip timing the CLI")
    args = parser.parse_args(argv)

    _common.header("bench_corpus: the whole corpus against the embedded reference (real HTTP on loopback)")
    cases, load_time = _common.timed(load_cases)
    steps = sum(len(c.steps) for c in cases)
    with open_target() as setup:
        calls = record_calls(cases, setup)  # also warms everything up
        concurrency = setup.concurrency
        base = setup.target.base_url  # type: ignore[attr-defined]
        runs: dict[str, list[float]] = {"engine": [], "engine-1": [], "floor": []}
        matched = 0
        for _ in range(args.repeat):
            runs["engine"].append(engine(cases, setup, None))
            runs["engine-1"].append(engine(cases, setup, 1))
            took, matched = replay(calls, base)
            runs["floor"].append(took)

    n = len(calls)
    print(f"corpus: {len(cases)} cases, {steps} steps, {n} HTTP calls per run (control API included)")
    print(f"loading the corpus: {load_time:.2f} s; replayed statuses equal to the engine's: {matched}/{n}")
    print()
    floor = _common.median(runs["floor"])
    rows = []
    for name, label in (
        ("floor", "floor: bare requests.Session loop, same calls"),
        ("engine", f"engine, {concurrency} workers (default)"),
        ("engine-1", "engine, 1 worker"),
    ):
        wall = _common.median(runs[name])
        rows.append([label, wall, min(runs[name]), 1000 * wall / n, wall / floor])
    _common.table(rows, ["run", "wall s (median)", "min s", "ms per call", "× floor"])
    if not args.no_cli:
        print()
        took = cli_run()
        print(f"`python -m conformance run --quiet` (process start to exit, load, reports): {took:.2f} s")
    print(f"peak RSS: {_common.peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
