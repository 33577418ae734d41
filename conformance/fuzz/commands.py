"""``presence-conformance fuzz``: differential fuzzing of a target against the oracle.

::

    presence-conformance fuzz                                  # the bundled reference server (finds nothing)
    presence-conformance fuzz --target http://localhost:8080 --seed 7 --budget 2000
    presence-conformance fuzz --config my-target.yaml --time PT10M

Hypothesis generates sequences of operations by several apps on several users (sessions, preferred
presence, clears, bad inputs, clock moves to timer boundaries give or take a little); the oracle
predicts every answer and every read, and the target is read after every step. A mismatch is shrunk to
a minimal sequence and written as a case file (``--out``, default ``reports/fuzz``) with the oracle's
expectations and the clauses involved; the case is then run once through the engine against the same
target to confirm that it fails there. The same seed generates the same sequences.

A target without the test-control API is fuzzed in real time, on operations that need no clock moves.

Exit codes: ``0`` no mismatch; ``1`` a mismatch (its case written); ``2`` the run broke (bad options,
unreachable target, failed smoke check).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import RunError

if TYPE_CHECKING:
    # Imported when used: the fuzzer needs Hypothesis, and building the CLI's parser must not.
    from ..engine import Verdict
    from ..targets.setup import TargetSetup
    from .casewriter import FuzzCase
    from .search import FuzzResult
    from .strategies import Example

__all__ = ["DEFAULT_OUT", "add_fuzz_arguments", "confirm_case", "report_throughput", "run_fuzz", "write_finding"]

DEFAULT_OUT = Path("reports/fuzz")
DEFAULT_BUDGET = 500
EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_BROKEN = 2
_PROGRESS_PERIOD = 5.0


def _duration(text: str) -> object:
    from ..cli import parse_duration_option
    from ..errors import ConfigError

    try:
        value = parse_duration_option(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value.total_seconds() <= 0:
        raise argparse.ArgumentTypeError("the time limit must be longer than zero")
    return value


def _profile_setting(text: str) -> tuple[str, str]:
    from ..cli import parse_profile_setting
    from ..errors import ConfigError

    try:
        return parse_profile_setting(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number, {minimum} or more (got {text!r})")
    return value


def _positive(text: str) -> int:
    return _count(text, 1)


def add_fuzz_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``fuzz`` command's options to ``parser``."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--target", metavar="URL", help="base URL of the implementation under test")
    where.add_argument("--config", metavar="FILE", type=Path, help="target configuration file (see docs/targets.md)")
    parser.add_argument("--seed", type=_count, metavar="N", help="generation seed (default: a random one, printed)")
    parser.add_argument(
        "--budget",
        type=_positive,
        metavar="N",
        help=f"at most this many examples (default {DEFAULT_BUDGET}, or unlimited with --time)",
    )
    parser.add_argument("--time", type=_duration, metavar="DURATION", help="generate for at most this long, e.g. PT10M")
    parser.add_argument(
        "--max-operations", type=_positive, default=16, metavar="N", help="the longest sequence (default 16)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"where a finding's case file is written (default {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--profile",
        type=_profile_setting,
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="an interpretation the target chose instead of the default, e.g. write_status=204",
    )
    parser.add_argument(
        "--token-secret", metavar="SECRET", help="HS256 secret for minted tokens (default: $PRESENCE_TOKEN_SECRET)"
    )
    parser.add_argument("--no-shrink", action="store_true", help="keep the first failing sequence as it is")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _progress(stream: TextIO) -> Callable[[Example], None]:
    started = time.monotonic()
    state = {"examples": 0, "shown": started}

    def on_example(example: Example) -> None:
        state["examples"] += 1
        now = time.monotonic()
        if now - state["shown"] >= _PROGRESS_PERIOD:
            state["shown"] = now
            print(f"  {int(state['examples'])} examples, {now - started:.0f}s", file=stream, flush=True)

    return on_example


def report_throughput(result: FuzzResult) -> str:
    """One line: examples, operations and requests, and their rate."""
    return (
        f"{result.examples} examples, {result.operations} operations, {result.requests} requests in "
        f"{result.seconds:.1f}s: {result.operations_per_second:.0f} operations/s, "
        f"{result.requests_per_second:.0f} requests/s"
    )


def confirm_case(path: Path, setup: TargetSetup) -> tuple[Verdict, str | None]:
    """Run the case file at ``path`` through the engine against ``setup``; its verdict and reason."""
    from ..cases.loader import load_case_file
    from ..engine import CampaignOptions, run_campaign

    cases = load_case_file(path)
    campaign = run_campaign(cases, setup, CampaignOptions(max_workers=1))
    result = campaign.results[0]
    return result.verdict, result.reason


def write_finding(result: FuzzResult, setup: TargetSetup, out: Path) -> tuple[FuzzCase, Path, Verdict]:
    """Write ``result``'s finding as a case into ``out`` and confirm it against ``setup``.

    The case carries the reads after accepted writes; if that case does not reproduce the mismatch
    through the engine, it is written again with every read the fuzzer made. Returns the case, its path
    and its verdict against the target (*failed* or *deviated* when it reproduces).
    """
    from ..engine import Verdict
    from .casewriter import case_from_trace, write_case

    assert result.finding is not None
    shrunk_from = None if result.first is None else min(len(result.first.example.operations), result.first.operations)
    case = path = None
    verdict = Verdict.PASSED
    for reads in ("minimal", "all"):
        case = case_from_trace(
            result.finding, seed=result.seed, target=setup.description, shrunk_from=shrunk_from, reads=reads
        )
        path = write_case(case, out)
        verdict, _ = confirm_case(path, setup)
        if verdict in (Verdict.FAILED, Verdict.DEVIATED):
            break
    assert case is not None and path is not None
    return case, path, verdict


def run_fuzz(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``presence-conformance fuzz``: fuzz, write a finding, print the throughput; return the exit code."""
    try:
        from ..targets.setup import open_target, smoke_check
        from .search import FuzzSettings, fuzz
    except ImportError as exc:  # Hypothesis is not installed
        print(
            f"presence-conformance fuzz: error: the fuzzer needs {exc.name} (pip install hypothesis)", file=sys.stderr
        )
        return EXIT_BROKEN
    stream = out if out is not None else sys.stdout
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    budget = args.budget if args.budget is not None else (None if args.time is not None else DEFAULT_BUDGET)
    try:
        settings = FuzzSettings(
            seed=seed,
            budget=budget,
            time_limit=args.time,
            max_operations=args.max_operations,
            shrink=not args.no_shrink,
        )
    except ValueError as exc:
        print(f"presence-conformance fuzz: error: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    try:
        setup = open_target(
            url=args.target,
            config=args.config,
            profile_overrides=dict(args.profile) or None,
            token_secret=args.token_secret or os.environ.get("PRESENCE_TOKEN_SECRET"),
        )
    except RunError as exc:
        print(f"presence-conformance fuzz: error: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    try:
        smoke_check(setup)
        clock = "clock control" if setup.clock.controls_time else "real time: no clock moves"
        print(f"fuzzing {setup.description} ({clock}), seed {seed}", file=stream, flush=True)
        progress = None if args.quiet else _progress(stream)
        result = fuzz(setup, settings, on_example=progress)
        print(report_throughput(result), file=stream)
        if result.error is not None:
            print(f"presence-conformance fuzz: error: the run stopped: {result.error}", file=sys.stderr)
            return EXIT_BROKEN
        if result.finding is None:
            print(f"no mismatch (seed {seed})", file=stream)
            return EXIT_CLEAN
        case, path, verdict = write_finding(result, setup, args.out)
    except RunError as exc:
        print(f"presence-conformance fuzz: error: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        setup.close()
    found = f" after {result.seconds_to_first:.1f}s" if result.seconds_to_first is not None else ""
    print(f"MISMATCH found{found} (seed {seed}):", file=stream)
    for line in case.explanation[:3]:
        print(f"  {line}", file=stream)
    print(f"case: {path} ({verdict} against the target)", file=stream)
    print(f"rerun: presence-conformance run --cases {path} --target <URL>", file=stream)
    if not args.quiet:
        print("", file=stream)
        print(case.text, file=stream, end="")
    return EXIT_FOUND
