"""One application's presence session, and what it shows at a given instant.

Rules that live here:

- ``FADE-FIRST`` / ``FADE-SECOND``: an Available session shows Available/AvailableInactive 5 minutes after
  it was last set and Away/Away 10 minutes after.
- ``INT-FADE-AVAILABLE-ONLY``: no other availability fades.
- ``EXP-OFFLINE`` with ``INT-EXPIRY-ENDS-FADE``: at its expiry a session is gone, whatever its fade stage,
  including when expiry and a fade fall on the same instant.
- ``INT-BOUNDARY-INCLUSIVE``: whether a timer has fired at exactly its instant is the profile's
  :meth:`~reference_impl.model.profile.Profile.has_reached`.

Nothing here reads a clock: the instant is always a parameter, and fades are computed from it lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from .profile import Profile
from .vocabulary import Activity, Availability, PresencePair

__all__ = [
    "FIRST_FADE_AFTER",
    "SECOND_FADE_AFTER",
    "FadeStage",
    "Session",
    "SessionView",
    "session_instants",
    "view_session",
]

FIRST_FADE_AFTER = timedelta(minutes=5)
SECOND_FADE_AFTER = timedelta(minutes=10)

_FIRST_FADE = PresencePair(Availability.AVAILABLE, Activity.AVAILABLE_INACTIVE)
_SECOND_FADE = PresencePair(Availability.AWAY, Activity.AWAY)


class FadeStage(IntEnum):
    """How far a session has faded: 0 as set, 1 after the first timeout, 2 after the second."""

    FRESH = 0
    INACTIVE = 1
    AWAY = 2


@dataclass(frozen=True, slots=True)
class Session:
    """An application's presence session for one user, as last set.

    ``arrival`` orders writes to one user that carry the same ``set_at`` (a frozen clock): a larger
    number arrived later.
    """

    session_id: str
    pair: PresencePair
    set_at: datetime
    expires_at: datetime
    arrival: int


@dataclass(frozen=True, slots=True)
class SessionView:
    """What one live session shows at an instant."""

    session: Session
    pair: PresencePair
    stage: FadeStage

    @property
    def faded(self) -> bool:
        return self.stage is not FadeStage.FRESH


def _fades(session: Session) -> bool:
    # INT-FADE-AVAILABLE-ONLY: the documentation says a session "can time out if the availability is
    # Available"; nothing says Busy, DoNotDisturb or Away sessions do.
    return session.pair.availability is Availability.AVAILABLE


def view_session(session: Session, now: datetime, profile: Profile) -> SessionView | None:
    """What ``session`` shows at ``now``, or ``None`` when it has expired (is gone).

    Expiry is tested first so that a fade due at the same instant never shows (INT-EXPIRY-ENDS-FADE).
    """
    if profile.has_reached(now, session.expires_at):
        return None
    if _fades(session):
        if profile.has_reached(now, session.set_at + SECOND_FADE_AFTER):
            return SessionView(session, _SECOND_FADE, FadeStage.AWAY)
        if profile.has_reached(now, session.set_at + FIRST_FADE_AFTER):
            return SessionView(session, _FIRST_FADE, FadeStage.INACTIVE)
    return SessionView(session, session.pair, FadeStage.FRESH)


def session_instants(session: Session) -> tuple[datetime, ...]:
    """The instants at which what ``session`` shows may change, if nothing else happens to it."""
    instants = [session.expires_at]
    if _fades(session):
        instants += [session.set_at + FIRST_FADE_AFTER, session.set_at + SECOND_FADE_AFTER]
    return tuple(sorted(i for i in instants if i <= session.expires_at))
