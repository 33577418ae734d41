"""Progress events: what a campaign tells its caller while it runs (the CLI's live line, the plugin's log).

Events are delivered on the campaign's own thread, in order, never concurrently; a slow callback slows
the run (in real-time mode it delays the next instant), so callbacks should only print or record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from .results import CaseResult

__all__ = ["ProgressEvent", "ProgressKind"]

ProgressKind = Literal["instant", "case-finished", "waiting"]


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step forward of a campaign.

    - ``instant``: the timeline reached ``offset`` and is about to run the steps due there.
    - ``waiting``: real-time mode only: the campaign is about to wait until ``next_offset``.
    - ``case-finished``: ``last`` just got its verdict.

    ``elapsed`` is real seconds since the campaign started; ``offset`` the current instant of the
    current wave's timeline, ``next_offset`` the one after it (``None`` at the wave's end); ``cases_left``
    counts cases without a verdict yet, out of ``total``.
    """

    kind: ProgressKind
    elapsed: float
    offset: timedelta
    next_offset: timedelta | None
    cases_left: int
    total: int
    wave: int = 0
    last: CaseResult | None = None
