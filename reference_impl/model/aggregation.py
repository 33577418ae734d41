"""A user's presence: the sessions behind it, the preferred presence over it, and what they add up to.

Rules that live here:

- ``AGG-SESSIONS``: a user's presence is aggregated from all of the user's live sessions.
- ``AGG-PRECEDENCE``: among sessions, DoNotDisturb > Busy > Available > Away.
- ``INT-FADED-RANK`` / ``INT-TIE-BREAK``: a faded session ranks by the availability it shows; between
  equal availabilities a fresh session beats a faded one, then the most recently set one wins.
- ``AGG-PREFERRED``: a live user-preferred presence overrides every session.
- ``PREF-NEEDS-SESSION`` / ``INT-PREF-RETAINED``: preferred presence shows only while at least one session
  is live; it is kept while hidden and shows again when a session appears, until it expires.
- ``INT-OFFLINE-PAIR``: with nothing to show the user is Offline/Offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from .profile import Profile
from .sessions import Session, SessionView, session_instants, view_session
from .vocabulary import OFFLINE, Availability, PresencePair

__all__ = [
    "PRECEDENCE",
    "PreferredPresence",
    "PresenceWindow",
    "UserPresence",
    "aggregate",
    "change_instants",
    "live_views",
    "presence_window",
]

# AGG-PRECEDENCE: a higher number wins.
PRECEDENCE: dict[Availability, int] = {
    Availability.DO_NOT_DISTURB: 4,
    Availability.BUSY: 3,
    Availability.AVAILABLE: 2,
    Availability.AWAY: 1,
}

# Far enough apart that no real timer falls between an instant and its neighbour probe.
_PROBE = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class PreferredPresence:
    """A user-preferred presence, as set."""

    pair: PresencePair
    set_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UserPresence:
    """Everything the model keeps for one user. Expired sessions may linger until the next write."""

    sessions: tuple[Session, ...] = ()
    preferred: PreferredPresence | None = None
    writes: int = 0  # how many writes this user has had; the next write's arrival number

    def session(self, session_id: str) -> Session | None:
        return next((s for s in self.sessions if s.session_id == session_id), None)

    def without_session(self, session_id: str) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.session_id != session_id)


@dataclass(frozen=True, slots=True)
class PresenceWindow:
    """The interval around an instant over which the aggregate stays the same if nothing is written.

    ``start`` is ``None`` when the value has held since before any timer of the user's; ``end`` is
    ``None`` when no timer will change it.
    """

    start: datetime | None
    end: datetime | None


def live_views(user: UserPresence, now: datetime, profile: Profile) -> Iterator[SessionView]:
    """The views of the user's sessions that have not expired at ``now``."""
    for session in user.sessions:
        view = view_session(session, now, profile)
        if view is not None:
            yield view


def _rank(view: SessionView) -> tuple[int, bool, datetime, int]:
    return (
        PRECEDENCE.get(view.pair.availability, 0),
        not view.faded,
        view.session.set_at,
        view.session.arrival,
    )


def _preferred_is_live(preferred: PreferredPresence | None, now: datetime, profile: Profile) -> bool:
    return preferred is not None and not profile.has_reached(now, preferred.expires_at)


def aggregate(user: UserPresence, now: datetime, profile: Profile) -> PresencePair:
    """The user's presence at ``now``."""
    views = list(live_views(user, now, profile))
    if not views:
        return OFFLINE
    if user.preferred is not None and _preferred_is_live(user.preferred, now, profile):
        return user.preferred.pair
    return max(views, key=_rank).pair


def _timer_instants(user: UserPresence) -> list[datetime]:
    instants = {i for s in user.sessions for i in session_instants(s)}
    if user.preferred is not None:
        instants.add(user.preferred.expires_at)
    return sorted(instants)


def _around(instant: datetime, profile: Profile) -> tuple[datetime, datetime]:
    # The last instant before a timer due at ``instant`` fires, and the first at which it has: under
    # inclusive boundaries it fires at its instant, under exclusive ones one tick (1 µs) after.
    if profile.has_reached(instant, instant):
        return instant - _PROBE, instant
    return instant, instant + _PROBE


def change_instants(user: UserPresence, profile: Profile) -> tuple[datetime, ...]:
    """The instants at which the user's aggregate changes by timers alone, in order."""
    changes: list[datetime] = []
    for instant in _timer_instants(user):
        before, after = _around(instant, profile)
        if aggregate(user, after, profile) != aggregate(user, before, profile):
            changes.append(instant)
    return tuple(changes)


def presence_window(user: UserPresence, now: datetime, profile: Profile) -> PresenceWindow:
    """The :class:`PresenceWindow` of the aggregate at ``now``."""
    start: datetime | None = None
    end: datetime | None = None
    for instant in change_instants(user, profile):
        if profile.has_reached(now, instant):
            start = instant
        else:
            end = instant
            break
    return PresenceWindow(start, end)
