"""The service's notion of now: real time, frozen, moved forward on request, or running faster.

The model never reads a clock; the service reads this one once per request and passes the instant in.
The test-control API (``/_conformance/clock``) drives it:

- running: ``now`` follows real time from an anchor, ``time_scale`` times as fast;
- :meth:`ServiceClock.freeze` stops it where it stands; :meth:`ServiceClock.advance` jumps it forward
  (freezing it first if it runs); :meth:`ServiceClock.release` lets it run on from where it stands;
  :meth:`ServiceClock.reset` puts it back on real time, running.

Real time is measured with a monotonic clock from the anchor, so a change of the host's wall clock
never moves the service's time backwards while it runs.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["ServiceClock", "utc_now"]


def utc_now() -> datetime:
    """The host's wall clock, timezone-aware UTC."""
    return datetime.now(UTC)


def _utc(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got {instant!r})")
    return instant.astimezone(UTC)


class ServiceClock:
    """A thread-safe clock that can run (scaled), freeze, jump forward and run on.

    Args:
        time_scale: how many seconds of service time pass per real second while the clock runs
            (``600`` makes the 5-minute fade take half a second). Must be finite and positive.
        wall: where real time starts from (timezone-aware); replaced in tests.
        monotonic: real elapsed seconds; replaced in tests.

    Every instant it returns is timezone-aware UTC.
    """

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        wall: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (math.isfinite(time_scale) and time_scale > 0):
            raise ValueError(f"time_scale must be a positive finite number (got {time_scale!r})")
        self._time_scale = float(time_scale)
        self._wall = wall
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor = _utc(wall(), "the wall clock")
        self._anchor_monotonic = monotonic()
        self._frozen_at: datetime | None = None

    @classmethod
    def manual(cls, start: datetime) -> ServiceClock:
        """A clock frozen at ``start`` (timezone-aware), moved only by :meth:`advance`: the oracle's clock."""
        clock = cls()
        clock._frozen_at = _utc(start, "start")
        return clock

    @property
    def time_scale(self) -> float:
        return self._time_scale

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def now(self) -> datetime:
        """The service's current instant."""
        with self._lock:
            return self._now()

    def reading(self) -> tuple[datetime, bool]:
        """``(now, frozen)``, read together."""
        with self._lock:
            return self._now(), self._frozen_at is not None

    def freeze(self) -> datetime:
        """Stop the clock where it stands (a no-op if frozen) and return that instant."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = self._now()
            return self._frozen_at

    def advance(self, delta: timedelta) -> datetime:
        """Freeze the clock if it runs, move it forward by ``delta`` and return the new instant.

        Raises:
            ValueError: ``delta`` is negative (time never goes backwards).
            OverflowError: the instant would pass the largest ``datetime``.
        """
        if delta < timedelta(0):
            raise ValueError(f"cannot move the clock backwards (advance by {delta})")
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else self._now()
            self._frozen_at = base + delta
            return self._frozen_at

    def release(self) -> datetime:
        """Let a frozen clock run on from where it stands (a no-op if it runs) and return now."""
        with self._lock:
            if self._frozen_at is not None:
                self._anchor = self._frozen_at
                self._anchor_monotonic = self._monotonic()
                self._frozen_at = None
            return self._now()

    def reset(self) -> datetime:
        """Put the clock back on real time, running, and return now. Service time may jump backwards."""
        with self._lock:
            self._anchor = _utc(self._wall(), "the wall clock")
            self._anchor_monotonic = self._monotonic()
            self._frozen_at = None
            return self._anchor

    def _now(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        # A monotonic source that steps back (it should not) must not move service time backwards.
        elapsed = max(0.0, self._monotonic() - self._anchor_monotonic)
        return self._anchor + timedelta(seconds=elapsed * self._time_scale)

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else f"running x{self._time_scale:g}"
        return f"<ServiceClock {self.now().isoformat()} {state}>"
