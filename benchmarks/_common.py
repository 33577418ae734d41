"""What the benchmark scripts share: the machine's description, timing, statistics and printing.

The scripts are run from the repository root (``PYTHONPATH=. .venv/bin/python benchmarks/bench_x.py``);
each prints the machine first, then its figures, measured side by side in the same run.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so the scripts run without PYTHONPATH too
    sys.path.insert(0, str(ROOT))

_T = TypeVar("_T")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """One line: cores, CPU model, Python, and the load average when the run started."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()} "
        f"on {platform.system()} {platform.release()}; load average {load}"
    )


def header(title: str) -> None:
    print(title)
    print(machine())
    print()


def timed(function: Callable[[], _T]) -> tuple[_T, float]:
    """``function()`` and the wall time it took (seconds)."""
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: Sequence[Sequence[object]], head: Sequence[str]) -> None:
    """Print ``rows`` as an aligned text table (first column left-aligned, the others right-aligned)."""
    cells = [[str(h) for h in head]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        print(line.rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)
