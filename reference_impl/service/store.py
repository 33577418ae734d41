"""Every user's model state, safe to share between threads, with an optional read delay.

Writes are read-modify-write under one lock, with the instant read from the clock inside it: two
concurrent requests for one user never lose an update, and a user's writes are recorded in clock order.

With a propagation delay ``d`` a read at ``now`` sees the state that was current at ``now - d``,
aggregated at ``now - d`` (so fades and expiry show ``d`` late too). Each user keeps the states it had
within the last ``d``, plus the one current just before that horizon; older ones are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ..model import Applied, PresenceView, UserPresence
from .clock import ServiceClock

__all__ = ["PresenceStore"]

_EMPTY = UserPresence()


class _Timeline:
    """One user's states, oldest first, each with the instant it became current."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[tuple[datetime, UserPresence]] = []

    @property
    def current(self) -> UserPresence:
        return self.entries[-1][1] if self.entries else _EMPTY

    def at(self, instant: datetime) -> UserPresence:
        """The state that was current at ``instant``."""
        for since, state in reversed(self.entries):
            if since <= instant:
                return state
        return _EMPTY

    def record(self, instant: datetime, state: UserPresence, horizon: datetime) -> None:
        self.entries.append((instant, state))
        # Keep the newest entry at or before the horizon: it is what a delayed read still sees.
        keep_from = 0
        for index, (since, _) in enumerate(self.entries):
            if since <= horizon:
                keep_from = index
        del self.entries[:keep_from]


class PresenceStore:
    """The users' model states over time, read and written at the clock's now.

    Args:
        clock: read once per operation, inside the lock.
        delay: how far behind reads see (``timedelta(0)``: reads see every earlier write at once).
    """

    def __init__(self, clock: ServiceClock, delay: timedelta = timedelta(0)) -> None:
        if delay < timedelta(0):
            raise ValueError(f"the propagation delay cannot be negative (got {delay})")
        self._clock = clock
        self._delay = delay
        self._lock = threading.Lock()
        self._users: dict[str, _Timeline] = {}

    def write(self, user_id: str, change: Callable[[UserPresence, datetime], Applied]) -> Applied:
        """Apply ``change(current state, now)`` to ``user_id``; a refused change records nothing."""
        with self._lock:
            now = self._clock.now()
            timeline = self._users.get(user_id)
            applied = change(timeline.current if timeline else _EMPTY, now)
            if applied.outcome.ok:
                if timeline is None:
                    timeline = self._users[user_id] = _Timeline()
                timeline.record(now, applied.user, now - self._delay)
            return applied

    def read(
        self, user_ids: Sequence[str], view: Callable[[UserPresence, str, datetime], PresenceView]
    ) -> tuple[PresenceView, ...]:
        """``view(state, user_id, instant)`` for each user, all at one instant (``now - delay``)."""
        with self._lock:
            now = self._clock.now()
            instant = now - self._delay
            views = []
            for user_id in user_ids:
                timeline = self._users.get(user_id)
                if timeline is None:
                    state = _EMPTY
                elif not self._delay:
                    # Without a delay the latest state is the one to read, even if the clock was put back.
                    state = timeline.current
                else:
                    state = timeline.at(instant)
                views.append(view(state, user_id, instant))
            return tuple(views)

    def current(self, user_id: str) -> UserPresence:
        """The latest state of ``user_id`` (no delay applied)."""
        with self._lock:
            timeline = self._users.get(user_id)
            return timeline.current if timeline else _EMPTY

    def clear(self) -> None:
        """Forget every user."""
        with self._lock:
            self._users.clear()
