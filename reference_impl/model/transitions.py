"""Applying an operation to a user's presence at an instant: the model's one state transition.

Rules that live here:

- ``INT-SET-OVERWRITES`` (with ``FADE-KEEPALIVE`` and ``EXP-KEEPALIVE``): every setPresence replaces the
  caller's session whole: new state, fade timer restarted, expiry = now + (given duration or PT5M).
- ``CLEAR-SESSION`` / ``CLEAR-NOT-FOUND`` / ``INT-CLEAR-EXPIRED``: clearing removes the caller's session;
  a session that does not exist (or has expired) is a 404.
- ``PREF-EXPIRY`` / ``PREF-CLEAR`` / ``INT-CLEAR-PREFERRED-NONE``.
- ``INT-WRITE-STATUS``: what a successful write answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .aggregation import PreferredPresence, UserPresence, aggregate, change_instants
from .operations import (
    DEFAULT_SESSION_EXPIRY,
    ClearPresence,
    ClearUserPreferredPresence,
    Operation,
    SetPresence,
    SetUserPreferredPresence,
    preferred_default_expiry,
)
from .outcomes import ErrorCode, Outcome, PresenceView, Refusal
from .profile import Profile, RefreshExpiry
from .sessions import Session, view_session

__all__ = ["Applied", "apply", "read"]


@dataclass(frozen=True, slots=True)
class Applied:
    """The user's presence after an operation, and the operation's outcome."""

    user: UserPresence
    outcome: Outcome


def _live(session: Session | None, now: datetime, profile: Profile) -> Session | None:
    return session if session is not None and view_session(session, now, profile) is not None else None


def _set_presence(user: UserPresence, op: SetPresence, now: datetime, profile: Profile) -> UserPresence:
    # An expired session stays in the state until its application writes again (it shows nothing): that
    # keeps "expired" apart from "never existed" for INT-CLEAR-EXPIRED, and each app has one slot per user.
    previous = _live(user.session(op.session_id), now, profile)
    if op.duration is not None:
        expires_at = now + op.duration
    elif previous is not None and profile.refresh_expiry is RefreshExpiry.KEEP_PREVIOUS:
        expires_at = previous.expires_at
    else:
        expires_at = now + DEFAULT_SESSION_EXPIRY
    session = Session(op.session_id, op.pair, now, expires_at, user.writes)
    return replace(user, sessions=(*user.without_session(op.session_id), session))


def _clear_presence(user: UserPresence, op: ClearPresence, now: datetime, profile: Profile) -> UserPresence:
    session = user.session(op.session_id)
    if session is None:
        raise Refusal(404, ErrorCode.NOT_FOUND, "the presence session does not exist")
    if _live(session, now, profile) is None and profile.clear_expired_status == 404:
        raise Refusal(404, ErrorCode.NOT_FOUND, "the presence session has expired")
    return replace(user, sessions=user.without_session(op.session_id))


def _set_preferred(user: UserPresence, op: SetUserPreferredPresence, now: datetime) -> UserPresence:
    duration = op.duration if op.duration is not None else preferred_default_expiry(op.pair)
    return replace(user, preferred=PreferredPresence(op.pair, now, now + duration))


def _clear_preferred(user: UserPresence, now: datetime, profile: Profile) -> UserPresence:
    live = user.preferred is not None and not profile.has_reached(now, user.preferred.expires_at)
    if not live and profile.clear_preferred_none_status == 404:
        raise Refusal(404, ErrorCode.NOT_FOUND, "no preferred presence is set")
    return replace(user, preferred=None)


def apply(user: UserPresence, op: Operation, now: datetime, profile: Profile) -> Applied:
    """Apply a validated ``op`` to ``user`` at ``now``. A refused operation leaves ``user`` unchanged."""
    try:
        if isinstance(op, SetPresence):
            after = _set_presence(user, op, now, profile)
        elif isinstance(op, ClearPresence):
            after = _clear_presence(user, op, now, profile)
        elif isinstance(op, SetUserPreferredPresence):
            after = _set_preferred(user, op, now)
        elif isinstance(op, ClearUserPreferredPresence):
            after = _clear_preferred(user, now, profile)
        else:  # pragma: no cover - the union is closed
            raise TypeError(f"not an operation: {op!r}")
    except Refusal as refusal:
        return Applied(user, Outcome.refused(refusal))
    return Applied(replace(after, writes=user.writes + 1), Outcome(profile.write_status))


def read(user: UserPresence, user_id: str, now: datetime, profile: Profile) -> PresenceView:
    """The presence a read of ``user_id`` returns at ``now``.

    ``sequence`` is lexicographically sortable: it grows with every write and every timer-driven change.
    """
    passed = sum(1 for instant in change_instants(user, profile) if profile.has_reached(now, instant))
    return PresenceView(user_id, aggregate(user, now, profile), f"{user.writes:012d}{passed:04d}")
