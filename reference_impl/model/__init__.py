"""The presence rules as pure code: the oracle.

Everything here is a pure function of (state, operation, now): no I/O, no clock reads, no framework
imports (``tests/model/test_purity.py`` enforces it). Fades and expiry are evaluated lazily from the
instant passed in, so moving time needs no scheduler.

Where each rule lives (clause ids from ``reference_impl/clauses.yaml``):

============================  ====================================================
module                        rules
============================  ====================================================
``vocabulary``                SET-PAIRS, PREF-PAIRS, INT-OFFLINE-PAIR (the pairs)
``durations``                 INT-DURATION-FORMS (what an ISO duration is)
``profile``                   every interpretation's default and alternatives
``sessions``                  FADE-*, EXP-OFFLINE, INT-FADE-AVAILABLE-ONLY, INT-EXPIRY-ENDS-FADE
``aggregation``               AGG-*, PREF-NEEDS-SESSION, INT-FADED-RANK, INT-TIE-BREAK, INT-PREF-RETAINED
``operations``                validation: SET-SESSIONID, EXP-RANGE, EXP-DEFAULT, PREF-DEFAULT-EXPIRY,
                              INT-BAD-INPUT, INT-UNSUPPORTED-PAIR, INT-CASE-SENSITIVE, INT-USERS, ...
``transitions``               INT-SET-OVERWRITES, CLEAR-*, PREF-EXPIRY, PREF-CLEAR, INT-WRITE-STATUS
``authorization``             AUTH-PERMISSIONS, AUTH-ME-APP, INT-DELEGATED-OWN
============================  ====================================================
"""

from __future__ import annotations

from .aggregation import (
    PRECEDENCE,
    PreferredPresence,
    PresenceWindow,
    UserPresence,
    aggregate,
    change_instants,
    presence_window,
)
from .authorization import Access, Caller, Permission, authorize, authorize_me
from .durations import DurationError, format_duration, parse_duration
from .operations import (
    BATCH_LIMIT,
    DEFAULT_SESSION_EXPIRY,
    MAX_SESSION_EXPIRY,
    MIN_SESSION_EXPIRY,
    ClearPresence,
    ClearUserPreferredPresence,
    Operation,
    SetPresence,
    SetUserPreferredPresence,
    check_user_id,
    parse_batch_ids,
    parse_clear_presence,
    parse_clear_user_preferred_presence,
    parse_set_presence,
    parse_set_user_preferred_presence,
    preferred_default_expiry,
)
from .outcomes import ErrorCode, Outcome, PresenceView, Refusal
from .profile import DEFAULT_PROFILE, Boundary, Matching, Profile, ProfileError, RefreshExpiry
from .sessions import FIRST_FADE_AFTER, SECOND_FADE_AFTER, FadeStage, Session, SessionView, view_session
from .transitions import Applied, apply, read
from .vocabulary import OFFLINE, PREFERRED_PAIRS, SESSION_PAIRS, Activity, Availability, PresencePair

__all__ = [
    "BATCH_LIMIT",
    "DEFAULT_PROFILE",
    "DEFAULT_SESSION_EXPIRY",
    "FIRST_FADE_AFTER",
    "MAX_SESSION_EXPIRY",
    "MIN_SESSION_EXPIRY",
    "OFFLINE",
    "PRECEDENCE",
    "PREFERRED_PAIRS",
    "SECOND_FADE_AFTER",
    "SESSION_PAIRS",
    "Access",
    "Activity",
    "Applied",
    "Availability",
    "Boundary",
    "Caller",
    "ClearPresence",
    "ClearUserPreferredPresence",
    "DurationError",
    "ErrorCode",
    "FadeStage",
    "Matching",
    "Operation",
    "Outcome",
    "Permission",
    "PreferredPresence",
    "PresencePair",
    "PresenceView",
    "PresenceWindow",
    "Profile",
    "ProfileError",
    "RefreshExpiry",
    "Refusal",
    "Session",
    "SessionView",
    "SetPresence",
    "SetUserPreferredPresence",
    "UserPresence",
    "aggregate",
    "apply",
    "authorize",
    "authorize_me",
    "change_instants",
    "check_user_id",
    "format_duration",
    "parse_batch_ids",
    "parse_clear_presence",
    "parse_clear_user_preferred_presence",
    "parse_duration",
    "parse_set_presence",
    "parse_set_user_preferred_presence",
    "preferred_default_expiry",
    "presence_window",
    "read",
    "view_session",
]
