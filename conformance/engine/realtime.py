"""Real-time mode: when a check can be trusted on a target whose clock the suite cannot move.

Without a test-control API the campaign waits for each instant in real time, and requests reach the
target a little late (``lag``), within a declared ``tolerance``; an eventually consistent target may
need up to ``settle`` more before a read shows a write. A read at logical instant ``t`` may therefore
observe the target anywhere in ``[t - tolerance, t + tolerance + settle]``. The oracle knows, from the
user's state, the :func:`~reference_impl.model.presence_window` over which the expected presence stays
the same. The read is **verifiable** only if

- that window contains the whole interval (no fade, expiry or preferred-presence timer falls inside),
- the last write to the user is at least ``tolerance`` before ``t``,
- the run is not behind the timeline by more than ``tolerance`` (and no earlier write to the user was).

Otherwise the check is not sent and is reported *not verifiable*, naming the boundary: a real-time run
is never flaky, it just verifies less. The status of a clear near the expiry of what it clears is
likewise not verifiable (the request is still sent: both outcomes leave the same state). Other write
statuses do not depend on timers and are always verifiable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from reference_impl.model import UserPresence, format_duration, presence_window

from ..targets.base import ClockDriver
from .oracle import Oracle

__all__ = ["TargetTime", "clear_reason", "lag_reason", "late_writes", "read_reason"]


def _offset_text(value: timedelta) -> str:
    return format_duration(value) if value >= timedelta(0) else "-" + format_duration(-value)


class TargetTime:
    """Where the target's clock stands, as the engine has moved it and as the clock driver reports it.

    ``offset()`` is the target's now as an offset from the current wave's start. Drivers that can say
    their ``current()`` time cheaply (all bundled ones) are asked; otherwise the instant the last
    ``advance`` returned is carried forward with the monotonic clock, scaled by the driver's
    ``time_scale`` (target seconds per real second) when it has one.

    Drivers keep their own schedule from ``start()`` (a real-time driver sleeps until ``start + sum of
    deltas``), so the engine always asks for the delta between its logical positions. In real time a
    wave starts where the target's clock actually is (preparing it takes time); the first advance of
    the wave then covers that gap too.
    """

    def __init__(self, clock: ClockDriver) -> None:
        current = getattr(clock, "current", None)
        self._current: Callable[[], datetime] | None = current if callable(current) else None
        self._scale = float(getattr(clock, "time_scale", 1.0) or 1.0)
        self._origin = datetime.now(UTC)
        self._anchor = self._origin
        self._anchor_mono = time.monotonic()
        self._advanced = timedelta(0)  # the sum of deltas asked of the driver
        self._wave_base = timedelta(0)  # where the current wave's offset 0 is, from the origin

    @property
    def scale(self) -> float:
        """Target seconds per real second."""
        return self._scale

    def start(self, now: datetime) -> None:
        """The driver's ``start()`` returned ``now``: the origin of all offsets."""
        self._origin = self._anchor = now
        self._anchor_mono = time.monotonic()
        self._advanced = self._wave_base = timedelta(0)

    def start_wave(self, *, real_time: bool) -> None:
        """A wave starts now: at the driver's position, or (real time) where the target's clock is."""
        self._wave_base = max(self._advanced, self._since_origin()) if real_time else self._advanced

    def delta_to(self, offset: timedelta) -> timedelta:
        """What to ask of ``advance`` to reach ``offset`` of the current wave (never negative)."""
        return max(timedelta(0), self._wave_base + offset - self._advanced)

    def moved(self, delta: timedelta, now: datetime) -> None:
        """``advance(delta)`` returned ``now``."""
        self._advanced += delta
        self._anchor = now
        self._anchor_mono = time.monotonic()

    def offset(self) -> timedelta:
        """The target's now, as an offset from the current wave's start."""
        return self._since_origin() - self._wave_base

    def _since_origin(self) -> timedelta:
        if self._current is not None:
            return self._current() - self._origin
        elapsed = (time.monotonic() - self._anchor_mono) * self._scale
        return self._anchor - self._origin + timedelta(seconds=elapsed)


def read_reason(
    oracle: Oracle,
    user_id: str,
    label: str,
    at: timedelta,
    *,
    tolerance: timedelta,
    settle: timedelta,
) -> str | None:
    """Why a read of ``user_id`` at ``at`` cannot be trusted in real time, or ``None`` if it can.

    ``oracle`` must stand at ``at`` (its clock is the logical instant of the read). Only timers matter
    here: a write that precedes the read in the case was answered before the read is sent (steps of a
    case run in order), and a target whose reads lag its writes is covered by ``settle`` polling.
    """
    now = oracle.now
    origin = now - at
    window = presence_window(oracle.snapshot(user_id), now, oracle.profile)
    low, high = now - tolerance, now + tolerance + settle
    if window.start is not None and window.start > low:
        return (
            f"{label}'s presence changed by a timer at {_offset_text(window.start - origin)}, within the "
            f"tolerance {_offset_text(tolerance)} before the read at {_offset_text(at)}"
        )
    if window.end is not None and window.end <= high:
        return (
            f"{label}'s presence changes by a timer at {_offset_text(window.end - origin)}, within "
            f"tolerance {_offset_text(tolerance)} + settle {_offset_text(settle)} after the read at "
            f"{_offset_text(at)}"
        )
    return None


def _expiry_instants(user: UserPresence) -> list[datetime]:
    instants = [session.expires_at for session in user.sessions]
    if user.preferred is not None:
        instants.append(user.preferred.expires_at)
    return instants


def clear_reason(oracle: Oracle, user_id: str, label: str, at: timedelta, *, tolerance: timedelta) -> str | None:
    """Why the status of a clear of ``user_id`` at ``at`` cannot be trusted, or ``None`` if it can.

    Whether there is something to clear depends on expiry timers: within ``tolerance`` of one, the
    target may rightly answer either way.
    """
    now = oracle.now
    for instant in sorted(_expiry_instants(oracle.snapshot(user_id))):
        if abs(instant - now) <= tolerance:
            return (
                f"a timer of {label}'s presence falls at {_offset_text(instant - (now - at))}, within the tolerance "
                f"{_offset_text(tolerance)} of the clear at {_offset_text(at)}: its status may rightly be either"
            )
    return None


def lag_reason(lag: timedelta, tolerance: timedelta, what: str) -> str | None:
    """Why a request sent ``lag`` off its logical instant cannot be trusted, or ``None``."""
    if abs(lag) > tolerance:
        direction = "late" if lag > timedelta(0) else "early"
        sent = f"{what} was sent {_offset_text(abs(lag))} {direction}"
        return f"{sent}, more than the tolerance {_offset_text(tolerance)}"
    return None


def late_writes(lags: Mapping[str, timedelta], user_id: str, label: str, tolerance: timedelta) -> str | None:
    """Why reads of ``user_id`` cannot be trusted after a write to it went out too late, or ``None``."""
    lag = lags.get(user_id)
    return None if lag is None else lag_reason(lag, tolerance, f"an earlier write to {label}")
