"""The fuzzer against the mutants: each must be found, in seconds, and its finding must fail through the engine.

For the reference and each mutant (served from a child process, as for the corpus self-test),
:func:`fuzz_against` fuzzes with the given settings, writes the shrunk finding as a case file and runs
that case through the engine against the same server. The reference must yield no finding; each mutant
must yield one whose case fails (or deviates) against it.

``presence-conformance selftest --fuzz`` runs it after the corpus self-test.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reference_impl.service import DEV_TOKEN_SECRET

from ..engine import Verdict
from ..errors import RunError
from ..fuzz.commands import write_finding
from ..fuzz.search import FuzzSettings, fuzz
from ..targets.setup import open_target
from .catalog import Mutant
from .server import MutantServer, StartMethod

__all__ = ["FuzzOutcome", "describe_fuzz", "fuzz_against", "fuzz_table_markdown", "run_fuzz_suite"]

_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class FuzzOutcome:
    """Fuzzing one server (``mutant`` ``None``: the reference).

    Attributes:
        seconds_to_first: until the first failing example (``None``: nothing found).
        seconds: the whole run, shrinking and the confirming engine run included.
        operations_per_second: the fuzzer's throughput against this server.
        length: operations in the shrunk sequence.
        clauses: the clauses the written case cites.
        verdict: the written case's verdict against the server (``None``: no case).
        case_path: where the case was written.
        error: why the server could not be fuzzed.
    """

    mutant: Mutant | None
    seconds_to_first: float | None
    seconds: float
    examples: int
    operations_per_second: float
    length: int | None = None
    clauses: tuple[str, ...] = ()
    verdict: Verdict | None = None
    case_path: Path | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return "reference" if self.mutant is None else self.mutant.name

    @property
    def ok(self) -> bool:
        """Reference: nothing found. Mutant: found, and its case fails or deviates through the engine."""
        if self.error is not None:
            return False
        if self.mutant is None:
            return self.seconds_to_first is None
        return self.verdict in (Verdict.FAILED, Verdict.DEVIATED)


def fuzz_against(
    mutant: Mutant | None, settings: FuzzSettings, out: Path, *, start_method: StartMethod | None = None
) -> FuzzOutcome:
    """Fuzz ``mutant`` (``None``: the reference); write and confirm a finding's case into ``out``."""
    started = time.monotonic()
    try:
        with (
            MutantServer(mutant, start_method=start_method) as server,
            open_target(url=server.url, token_secret=DEV_TOKEN_SECRET, environ={}) as setup,
        ):
            result = fuzz(setup, settings)
            if result.error is not None:
                raise RunError(result.error)
            if result.finding is None:
                return FuzzOutcome(
                    mutant, None, time.monotonic() - started, result.examples, result.operations_per_second
                )
            case, path, verdict = write_finding(result, setup, out)
    except (RunError, RuntimeError, OSError) as exc:
        return FuzzOutcome(mutant, None, time.monotonic() - started, 0, 0.0, error=str(exc))
    return FuzzOutcome(
        mutant,
        result.seconds_to_first,
        time.monotonic() - started,
        result.examples,
        result.operations_per_second,
        length=len(result.finding.example.operations),
        clauses=case.clauses,
        verdict=verdict,
        case_path=path,
    )


def run_fuzz_suite(
    mutants: Sequence[Mutant],
    settings: FuzzSettings,
    *,
    out: Path | None = None,
    jobs: int = 2,
    start_method: StartMethod | None = None,
    progress: Callable[[FuzzOutcome], None] | None = None,
) -> tuple[FuzzOutcome, ...]:
    """Fuzz the reference, then every mutant (``jobs`` at a time); outcomes in that order.

    Cases are written into ``out`` (default: a temporary folder, kept).
    """
    folder = out if out is not None else Path(tempfile.mkdtemp(prefix="presence-fuzz-"))

    def one(mutant: Mutant | None) -> FuzzOutcome:
        outcome = fuzz_against(mutant, settings, folder, start_method=start_method)
        if progress is not None:
            with _LOCK:
                progress(outcome)
        return outcome

    with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="selftest-fuzz") as pool:
        return tuple(pool.map(one, [None, *mutants]))


def describe_fuzz(outcome: FuzzOutcome) -> str:
    """One line: ``FOUND  name  in 1.2s, 3 operations, case failed (CLAUSES)``."""
    if outcome.error is not None:
        return f"{'ERROR':<9}{outcome.name:<38}{outcome.error}"
    if outcome.mutant is None:
        status = "CLEAN" if outcome.ok else "FOUND"
        rate = f"{outcome.operations_per_second:.0f} operations/s"
        return f"{status:<9}{'reference':<38}{outcome.examples} examples, {rate}, {outcome.seconds:.1f}s"
    if outcome.seconds_to_first is None:
        return f"{'MISSED':<9}{outcome.name:<38}no mismatch in {outcome.examples} examples ({outcome.seconds:.1f}s)"
    status = "FOUND" if outcome.ok else "UNCONFIRMED"
    return (
        f"{status:<9}{outcome.name:<38}in {outcome.seconds_to_first:.1f}s, {outcome.length} operations, "
        f"case {outcome.verdict} ({', '.join(outcome.clauses)})"
    )


def fuzz_table_markdown(outcomes: Sequence[FuzzOutcome]) -> str:
    """The fuzzing results as a Markdown table: time to the first mismatch, shrunk length, the case's verdict."""
    lines = [
        "| mutant | first mismatch after | shrunk to (operations) | written case | cites |",
        "|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        if outcome.mutant is None:
            continue
        if outcome.seconds_to_first is None:
            lines.append(f"| `{outcome.name}` | **not found** ({outcome.examples} examples) | | | |")
            continue
        cites = ", ".join(f"`{c}`" for c in outcome.clauses)
        lines.append(
            f"| `{outcome.name}` | {outcome.seconds_to_first:.1f} s | {outcome.length} | {outcome.verdict} | {cites} |"
        )
    return "\n".join(lines) + "\n"
