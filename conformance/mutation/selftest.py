"""The mutation self-test: the corpus against the reference and against every mutant.

A mutant is **killed** when at least one case that cites the clause it breaks ends *failed* or
*deviated* against it; a mutant that survives is a hole in the corpus. The reference (served the same
way, from a child process, with no mutant) must pass every case. The **mutation score** is the share of
mutants killed.

By default each mutant meets only the cases citing its clause (the kill criterion needs no others), which
keeps the whole self-test within a CI budget; ``all_cases=True`` runs the whole corpus against every
mutant and also lists the cases that catch it without citing its clause.

::

    presence-conformance selftest                        # reference + every mutant, 2 at a time
    presence-conformance selftest --mutant fade-none --mutant agg-busy-over-dnd
    presence-conformance selftest --markdown kill-table.md --all-cases

Exit codes: ``0`` the reference passes everything and every mutant is killed; ``1`` a mutant survived
or the reference failed a case; ``2`` the self-test itself broke (a server did not start, a case broke).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from reference_impl.service import DEV_TOKEN_SECRET

from ..cases.model import Case
from ..engine import CampaignOptions, Verdict, run_campaign
from ..errors import RunError
from ..targets.setup import open_target
from .catalog import CATALOG, Mutant, by_name
from .server import MutantServer, StartMethod

__all__ = [
    "MutantResult",
    "SelftestResult",
    "add_selftest_arguments",
    "format_summary",
    "kill_table_markdown",
    "run_selftest",
    "run_selftest_suite",
]

_PROGRESS_LOCK = threading.Lock()
_KILLING = frozenset({Verdict.FAILED, Verdict.DEVIATED})
EXIT_OK = 0
EXIT_SURVIVORS = 1
EXIT_BROKEN = 2


@dataclass(frozen=True, slots=True)
class MutantResult:
    """The cases against one server: a mutant, or the reference when ``mutant`` is ``None``.

    Attributes:
        ran: ids of the cases run.
        killers: cases citing the mutant's clause that failed or deviated (for the reference: every case
            that did not pass).
        other_killers: cases not citing the clause that failed or deviated.
        broken: cases that broke or were not verified (no verdict: the self-test is not conclusive).
        seconds: wall time, server start and stop included.
        error: why the server could not be run at all, else ``None``.
    """

    mutant: Mutant | None
    ran: tuple[str, ...]
    killers: tuple[str, ...]
    other_killers: tuple[str, ...] = ()
    broken: tuple[str, ...] = ()
    seconds: float = 0.0
    error: str | None = None

    @property
    def name(self) -> str:
        return "reference" if self.mutant is None else self.mutant.name

    @property
    def killed(self) -> bool:
        return self.mutant is not None and bool(self.killers)

    @property
    def conclusive(self) -> bool:
        """Whether the run gave a verdict for every case it ran."""
        return self.error is None and not self.broken


@dataclass(frozen=True, slots=True)
class SelftestResult:
    """The reference's run and every mutant's, in catalogue order."""

    reference: MutantResult
    mutants: tuple[MutantResult, ...]
    wall_time: float

    @property
    def killed(self) -> int:
        return sum(1 for result in self.mutants if result.killed)

    @property
    def score(self) -> float:
        """Killed mutants over all mutants (1.0 when there are none)."""
        return self.killed / len(self.mutants) if self.mutants else 1.0

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(result for result in self.mutants if not result.killed)

    @property
    def exit_code(self) -> int:
        """``0`` clean, ``1`` survivors or reference failures, ``2`` inconclusive (see the module docstring)."""
        if not self.reference.conclusive or any(not r.conclusive and not r.killed for r in self.mutants):
            return EXIT_BROKEN
        if self.reference.killers or self.survivors:
            return EXIT_SURVIVORS
        return EXIT_OK


def _cases_for(mutant: Mutant | None, cases: Sequence[Case], all_cases: bool) -> list[Case]:
    if mutant is None or all_cases:
        return list(cases)
    return [case for case in cases if mutant.clause in case.clauses]


def run_against(
    mutant: Mutant | None,
    cases: Sequence[Case],
    *,
    all_cases: bool = False,
    start_method: StartMethod | None = None,
    options: CampaignOptions | None = None,
) -> MutantResult:
    """Serve ``mutant`` (``None``: the reference) in a child process and run its cases against it.

    Never raises for what the server does: a server that cannot start becomes ``error``.
    """
    started = time.monotonic()
    selected = _cases_for(mutant, cases, all_cases)
    ran = tuple(case.id for case in selected)
    if not selected:
        return MutantResult(mutant, ran, ())  # no case cites its clause: a survivor without a fight
    try:
        with (
            MutantServer(mutant, start_method=start_method) as server,
            # The server verifies the development secret whatever this process's environment says.
            open_target(url=server.url, token_secret=DEV_TOKEN_SECRET, environ={}) as setup,
        ):
            campaign = run_campaign(selected, setup, options)
    except (RunError, RuntimeError, OSError) as exc:
        return MutantResult(mutant, ran, (), seconds=time.monotonic() - started, error=str(exc))
    killers: list[str] = []
    others: list[str] = []
    broken: list[str] = []
    for result in campaign.results:
        if result.verdict in _KILLING:
            cites = mutant is None or mutant.clause in result.clauses
            (killers if cites else others).append(result.case_id)
        elif result.verdict is not Verdict.PASSED:
            broken.append(f"{result.case_id} ({result.verdict}: {result.reason})")
    if campaign.setup_error is not None:
        broken.append(f"(campaign) {campaign.setup_error}")
    return MutantResult(mutant, ran, tuple(killers), tuple(others), tuple(broken), seconds=time.monotonic() - started)


def run_selftest_suite(
    cases: Sequence[Case],
    mutants: Sequence[Mutant] = CATALOG,
    *,
    jobs: int = 2,
    all_cases: bool = False,
    start_method: StartMethod | None = None,
    progress: Callable[[MutantResult], None] | None = None,
) -> SelftestResult:
    """Run ``cases`` against the reference and against each of ``mutants``, ``jobs`` servers at a time.

    ``progress`` is called (from worker threads, one call at a time) with each result as it comes.
    """
    started = time.monotonic()
    servers: list[Mutant | None] = [None, *mutants]

    def one(mutant: Mutant | None) -> MutantResult:
        result = run_against(mutant, cases, all_cases=all_cases, start_method=start_method)
        if progress is not None:
            with _PROGRESS_LOCK:
                progress(result)
        return result

    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="selftest") as pool:
        results = list(pool.map(one, servers))
    return SelftestResult(results[0], tuple(results[1:]), time.monotonic() - started)


# ---- reports ------------------------------------------------------------------------------------------


def _examples(ids: Sequence[str], limit: int = 2) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def describe(result: MutantResult) -> str:
    """One line for a result: ``KILLED   name  CLAUSE  by case, case (+n)  1.2s``."""
    if result.mutant is None:
        status = "PASSED" if not result.killers and result.conclusive else "FAILED"
        detail = f"{len(result.ran) - len(result.killers) - len(result.broken)}/{len(result.ran)} cases passed"
        if result.killers:
            detail += f"; failing: {_examples(result.killers, 5)}"
        if result.broken:
            detail += f"; no verdict: {_examples(result.broken, 3)}"
        if result.error:
            detail = result.error
        return f"{status:<9}{'reference':<38}{'':<26}{detail}  {result.seconds:.1f}s"
    mutant = result.mutant
    if result.killed:
        status, detail = "KILLED", f"by {_examples(result.killers)}"
    elif result.error is not None:
        status, detail = "ERROR", result.error
    else:
        cite = (
            f"{len(result.ran)} cases cite {mutant.clause}; none failed"
            if result.ran
            else f"no case cites {mutant.clause}"
        )
        status, detail = "SURVIVED", cite
        if result.broken:
            detail += f"; no verdict: {_examples(result.broken)}"
    return f"{status:<9}{mutant.name:<38}{mutant.clause:<26}{detail}  {result.seconds:.1f}s"


def format_summary(result: SelftestResult) -> str:
    """The closing lines: the reference's verdict, the score, the survivors."""
    lines = [
        f"reference: {len(result.reference.ran) - len(result.reference.killers)}/{len(result.reference.ran)} "
        "cases passed" + ("" if result.reference.conclusive else " (inconclusive)"),
        f"mutation score: {result.killed}/{len(result.mutants)} mutants killed ({result.score:.0%}) "
        f"in {result.wall_time:.1f}s",
    ]
    for survivor in result.survivors:
        name = survivor.name
        clause = survivor.mutant.clause if survivor.mutant is not None else ""
        lines.append(f"  survivor: {name} ({clause}): a hole in the corpus; add a case citing {clause}")
    return "\n".join(lines)


def kill_table_markdown(result: SelftestResult, *, examples: int = 3) -> str:
    """The catalogue as a Markdown table: mutant, clause, what it does, which cases kill it."""
    lines = [
        "| mutant | clause | what it does wrong | killed by (cases citing the clause) |",
        "|---|---|---|---|",
    ]
    for row in result.mutants:
        assert row.mutant is not None
        killers = ", ".join(f"`{case}`" for case in row.killers[:examples])
        if len(row.killers) > examples:
            killers += f" and {len(row.killers) - examples} more"
        if not row.killers:
            killers = "**survived**" if row.error is None else f"**error**: {row.error}"
        description = row.mutant.description.replace("|", "\\|")
        lines.append(f"| `{row.mutant.name}` | `{row.mutant.clause}` | {description} | {killers} |")
    lines += [
        "",
        f"Mutation score: **{result.killed}/{len(result.mutants)} ({result.score:.0%})**; the reference passes "
        f"{len(result.reference.ran) - len(result.reference.killers)}/{len(result.reference.ran)} cases.",
    ]
    return "\n".join(lines) + "\n"


# ---- the CLI subcommand -------------------------------------------------------------------------------


def add_selftest_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``selftest`` command's options to ``parser``."""
    parser.add_argument(
        "--mutant",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this mutant (repeat for several; default: every mutant)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and the clause each breaks, and exit")
    parser.add_argument("--jobs", type=_positive, default=2, metavar="N", help="servers run at once (default 2)")
    parser.add_argument(
        "--cases",
        type=Path,
        nargs="+",
        action="extend",
        metavar="PATH",
        help="case files or folders (default: the bundled corpus)",
    )
    parser.add_argument(
        "--all-cases",
        action="store_true",
        help="run every case against every mutant, not only those citing its clause (slower; fuller table)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the kill table as Markdown")
    parser.add_argument(
        "--start-method",
        choices=["fork", "subprocess"],
        help="how mutant servers are started (default: fork where available)",
    )
    parser.add_argument("--quiet", action="store_true", help="only the summary, not a line per mutant")
    fuzzing = parser.add_argument_group("fuzzing the mutants (presence-conformance fuzz against each)")
    fuzzing.add_argument(
        "--fuzz",
        action="store_true",
        help="also fuzz the reference (nothing may be found) and every mutant (each must be found)",
    )
    fuzzing.add_argument("--fuzz-only", action="store_true", help="fuzz, without the corpus self-test")
    fuzzing.add_argument("--seed", type=int, default=0, metavar="N", help="fuzzing seed (default 0)")
    fuzzing.add_argument(
        "--fuzz-budget", type=_positive, default=2000, metavar="N", help="examples per server at most (default 2000)"
    )
    fuzzing.add_argument(
        "--fuzz-time",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="generation time per server at most (default 60)",
    )
    fuzzing.add_argument("--fuzz-out", type=Path, metavar="DIR", help="where findings' cases are written")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (got {text!r})")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number (got {text!r})")
    return value


def _select_mutants(names: Sequence[str]) -> list[Mutant]:
    if not names:
        return list(CATALOG)
    try:
        return [by_name(name) for name in names]
    except KeyError as exc:
        raise _UsageError(str(exc.args[0])) from None


class _UsageError(Exception):
    pass


def run_selftest(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``presence-conformance selftest``: print a line per server and the score; return the exit code."""
    from ..cases.loader import load_cases

    stream = out if out is not None else sys.stdout
    if args.list:
        for mutant in CATALOG:
            print(f"{mutant.name:<38}{mutant.clause:<26}{mutant.description}", file=stream)
        print(f"{len(CATALOG)} mutants", file=stream)
        return EXIT_OK
    try:
        mutants = _select_mutants(args.mutant)
    except _UsageError as exc:
        print(f"presence-conformance selftest: error: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    code = EXIT_OK
    markdown: list[str] = []
    if not args.fuzz_only:
        cases = load_cases(args.cases)
        progress = None if args.quiet else (lambda result: print(describe(result), file=stream, flush=True))
        result = run_selftest_suite(
            cases, mutants, jobs=args.jobs, all_cases=args.all_cases, start_method=args.start_method, progress=progress
        )
        print(format_summary(result), file=stream)
        markdown.append(kill_table_markdown(result))
        code = result.exit_code
    if args.fuzz or args.fuzz_only:
        code = max(code, _fuzz_mutants(args, mutants, stream, markdown))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(markdown), encoding="utf-8")
        print(f"tables: {args.markdown}", file=stream)
    return code


def _fuzz_mutants(args: argparse.Namespace, mutants: Sequence[Mutant], stream: TextIO, markdown: list[str]) -> int:
    from datetime import timedelta

    from ..fuzz.search import FuzzSettings
    from .fuzzing import describe_fuzz, fuzz_table_markdown, run_fuzz_suite

    settings = FuzzSettings(seed=args.seed, budget=args.fuzz_budget, time_limit=timedelta(seconds=args.fuzz_time))
    progress = None if args.quiet else (lambda outcome: print(describe_fuzz(outcome), file=stream, flush=True))
    started = time.monotonic()
    outcomes = run_fuzz_suite(
        mutants, settings, out=args.fuzz_out, jobs=args.jobs, start_method=args.start_method, progress=progress
    )
    found = [o for o in outcomes[1:] if o.ok]
    times = sorted(o.seconds_to_first for o in found if o.seconds_to_first is not None)
    median = times[len(times) // 2] if times else 0.0
    print(
        f"fuzzing (seed {args.seed}): reference {'clean' if outcomes[0].ok else 'NOT CLEAN'}; "
        f"{len(found)}/{len(outcomes) - 1} mutants found and confirmed through the engine "
        f"(median {median:.1f}s to the first mismatch, slowest {times[-1] if times else 0.0:.1f}s) "
        f"in {time.monotonic() - started:.1f}s",
        file=stream,
    )
    markdown.append(fuzz_table_markdown(outcomes))
    if any(o.error is not None for o in outcomes):
        return EXIT_BROKEN
    return EXIT_OK if all(o.ok for o in outcomes) else EXIT_SURVIVORS
