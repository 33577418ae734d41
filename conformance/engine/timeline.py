"""The shared timeline: which cases run together (waves), and which of their steps are due when.

All cases of a wave start together at offset 0 of one timeline (in real-time mode, a little apart: see
``CampaignOptions.stagger``). The timeline's instants are the
union of their step offsets, in order; at each instant the campaign moves time once and then runs the
steps due there (different cases concurrently, one case's steps in order). A campaign therefore takes
as much logical time as its longest case, not the sum of all.

Users: without a user pool every case gets fresh GUIDs and every case fits in one wave. With a pool
(targets whose users must exist, such as a real tenant), each case needs as many distinct pool users
as it has logical users; cases go, in order, into the first wave with enough users left, and a case
needing more users than the pool holds cannot run at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from ..cases.model import Case, Step
from .bindings import case_users, fresh_user_ids

__all__ = ["Schedule", "Slot", "Wave", "plan_waves", "schedule"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slot:
    """One case in a wave: its position in the campaign's case list and its users' ids."""

    index: int
    case: Case
    user_ids: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Wave:
    """Cases that share one timeline. ``pool_users`` are the pool ids it uses (empty without a pool)."""

    number: int
    slots: tuple[Slot, ...]
    pool_users: tuple[str, ...] = ()


def plan_waves(cases: Sequence[Case], user_pool: Sequence[str] | None) -> tuple[list[Wave], dict[int, str]]:
    """Group ``cases`` into waves and bind their users.

    Returns:
        The waves, in order, and for each case that cannot run at all (by index) the reason.
    """
    if user_pool is None:
        slots = tuple(Slot(i, case, fresh_user_ids(case_users(case))) for i, case in enumerate(cases))
        return ([Wave(0, slots)] if slots else []), {}
    pool = tuple(dict.fromkeys(user_pool))  # a user listed twice is still one user
    unplaced: dict[int, str] = {}
    waves: list[list[tuple[int, Case, tuple[str, ...]]]] = []
    used: list[int] = []
    for index, case in enumerate(cases):
        names = case_users(case)
        if len(names) > len(pool):
            unplaced[index] = f"the case needs {len(names)} distinct users; the user pool holds {len(pool)}"
            continue
        # First fit keeps the number of waves (and so the run's length) small.
        for number in range(len(waves)):
            if used[number] + len(names) <= len(pool):
                break
        else:
            waves.append([])
            used.append(0)
            number = len(waves) - 1
        waves[number].append((index, case, names))
        used[number] += len(names)
    planned = []
    for number, members in enumerate(waves):
        slots_list = []
        taken = 0
        for index, case, names in members:
            ids = pool[taken : taken + len(names)]
            taken += len(names)
            slots_list.append(Slot(index, case, dict(zip(names, ids, strict=True))))
        planned.append(Wave(number, tuple(slots_list), pool[:taken]))
    return planned, unplaced


@dataclass(frozen=True, slots=True)
class Schedule(Generic[T]):
    """A wave's instants, each with the runs due there and their steps (in case order, then step order)."""

    instants: tuple[tuple[timedelta, tuple[tuple[T, tuple[Step, ...]], ...]], ...]

    @property
    def length(self) -> timedelta:
        """The wave's logical duration: its last instant."""
        return self.instants[-1][0] if self.instants else timedelta(0)


def schedule(runs: Sequence[tuple[T, Case]], origins: Sequence[timedelta] | None = None) -> Schedule[T]:
    """Merge the step offsets of ``runs`` (each a run and its case) into one sorted timeline.

    ``origins`` (one per run, default all zero) shift each case's whole timeline: a case's step at
    ``at`` is due at ``origin + at``.
    """
    due: dict[timedelta, list[tuple[T, tuple[Step, ...]]]] = {}
    for position, (run, case) in enumerate(runs):
        origin = origins[position] if origins is not None else timedelta(0)
        by_instant: dict[timedelta, list[Step]] = {}
        for step in case.steps:
            by_instant.setdefault(origin + step.at, []).append(step)
        for instant, steps in by_instant.items():
            due.setdefault(instant, []).append((run, tuple(steps)))
    return Schedule(tuple((instant, tuple(due[instant])) for instant in sorted(due)))
