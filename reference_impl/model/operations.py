"""The presence operations, and how a request body becomes one (or is refused).

Each ``parse_*`` function takes the JSON value a request carried (already decoded) and the caller, and
returns a validated operation or raises :class:`~reference_impl.model.outcomes.Refusal`. Rules here:

- ``SET-PAIRS`` / ``PREF-PAIRS`` with ``INT-UNSUPPORTED-PAIR``: only the documented pairs are accepted;
  any other pair is a 400.
- ``SET-SESSIONID`` with ``INT-SESSIONID-MISMATCH``: the session id must be the caller's application id.
- ``EXP-RANGE`` / ``EXP-DEFAULT`` with ``INT-DURATION-FORMS``: PT5M..PT4H inclusive, default PT5M.
- ``PREF-DEFAULT-EXPIRY`` / ``INT-PREF-DURATION``: 1 day for Busy and DoNotDisturb, 7 days otherwise;
  an explicit duration must be positive.
- ``INT-BAD-INPUT``: a body that is not an object, a missing or unknown property, or a value of the wrong
  JSON type is a 400.
- ``INT-CASE-SENSITIVE``: values are matched as Graph spells them unless the profile says otherwise.
- ``INT-USERS`` / ``INT-BATCH-IDS``: user ids are GUIDs; a batch read takes 1 to 650 of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .authorization import Caller
from .durations import DurationError, format_duration, parse_duration
from .outcomes import ErrorCode, Refusal
from .profile import Matching, Profile
from .vocabulary import PREFERRED_PAIRS, SESSION_PAIRS, Activity, Availability, PresencePair

__all__ = [
    "BATCH_LIMIT",
    "DEFAULT_SESSION_EXPIRY",
    "MAX_SESSION_EXPIRY",
    "MIN_SESSION_EXPIRY",
    "ClearPresence",
    "ClearUserPreferredPresence",
    "Operation",
    "SetPresence",
    "SetUserPreferredPresence",
    "check_user_id",
    "parse_batch_ids",
    "parse_clear_presence",
    "parse_clear_user_preferred_presence",
    "parse_set_presence",
    "parse_set_user_preferred_presence",
    "preferred_default_expiry",
]

MIN_SESSION_EXPIRY = timedelta(minutes=5)
MAX_SESSION_EXPIRY = timedelta(hours=4)
DEFAULT_SESSION_EXPIRY = timedelta(minutes=5)
BATCH_LIMIT = 650

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Echoed values are cut short so a hostile request cannot make an error message large.
_ECHO = 64


@dataclass(frozen=True, slots=True)
class SetPresence:
    """Set (create or overwrite) the caller's session. ``duration`` is ``None`` when not given."""

    session_id: str
    pair: PresencePair
    duration: timedelta | None


@dataclass(frozen=True, slots=True)
class ClearPresence:
    session_id: str


@dataclass(frozen=True, slots=True)
class SetUserPreferredPresence:
    """Set the user-preferred presence. ``duration`` is ``None`` when not given."""

    pair: PresencePair
    duration: timedelta | None


@dataclass(frozen=True, slots=True)
class ClearUserPreferredPresence:
    pass


Operation = SetPresence | ClearPresence | SetUserPreferredPresence | ClearUserPreferredPresence


def _bad(message: str) -> Refusal:
    return Refusal(400, ErrorCode.INVALID_REQUEST, message)


def _echo(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _ECHO else text[: _ECHO - 3] + "..."


def _object(body: object, allowed: set[str], operation: str) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise _bad(f"the {operation} request body must be a JSON object")
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise _bad(f"{_echo(unknown[0])} is not a parameter of {operation}")
    return body


def _string(body: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise _bad(f"the parameter {key!r} is required")
        return None
    if not isinstance(value, str):
        raise _bad(f"the parameter {key!r} must be a string (got {type(value).__name__})")
    return value


def _match(enum: type[Availability] | type[Activity], text: str, profile: Profile) -> Any:
    for member in enum:
        if text == member.value:
            return member
        if profile.matching is Matching.CASE_INSENSITIVE and text.lower() == member.value.lower():
            return member
    return None


def _pair(body: Mapping[str, Any], allowed: frozenset[PresencePair], profile: Profile, op: str) -> PresencePair:
    availability_text = _string(body, "availability")
    activity_text = _string(body, "activity")
    assert availability_text is not None and activity_text is not None
    availability = _match(Availability, availability_text, profile)
    activity = _match(Activity, activity_text, profile)
    pair = PresencePair(availability, activity) if availability and activity else None
    if pair is None or pair not in allowed:
        raise _bad(f"{_echo(availability_text)}/{_echo(activity_text)} is not a supported combination for {op}")
    return pair


def _duration(body: Mapping[str, Any]) -> timedelta | None:
    text = _string(body, "expirationDuration", required=False)
    if text is None:
        return None
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise _bad(f"expirationDuration: {exc}") from None


def _check_session_id(session_id: str, caller: Caller, profile: Profile) -> str:
    """The session the request addresses: the caller's own, whose key is the caller's application id.

    GUIDs compare without regard to case (they name the same application); any other id must match exactly.
    """
    both_guids = _GUID.fullmatch(session_id) is not None and _GUID.fullmatch(caller.app_id) is not None
    same = session_id.lower() == caller.app_id.lower() if both_guids else session_id == caller.app_id
    if not same:
        raise Refusal(
            profile.session_id_mismatch_status,
            ErrorCode.INVALID_REQUEST if profile.session_id_mismatch_status == 400 else ErrorCode.ACCESS_DENIED,
            f"sessionId {_echo(session_id)} is not the calling application's id",
        )
    return caller.app_id


def parse_set_presence(body: object, caller: Caller, profile: Profile) -> SetPresence:
    """Validate a setPresence body."""
    fields = _object(body, {"sessionId", "availability", "activity", "expirationDuration"}, "setPresence")
    session_id = _string(fields, "sessionId")
    assert session_id is not None
    pair = _pair(fields, SESSION_PAIRS, profile, "setPresence")
    duration = _duration(fields)
    session_key = _check_session_id(session_id, caller, profile)
    if duration is not None and not MIN_SESSION_EXPIRY <= duration <= MAX_SESSION_EXPIRY:
        raise _bad(
            f"expirationDuration {format_duration(duration)} is outside "
            f"{format_duration(MIN_SESSION_EXPIRY)}..{format_duration(MAX_SESSION_EXPIRY)}"
        )
    return SetPresence(session_key, pair, duration)


def parse_clear_presence(body: object, caller: Caller, profile: Profile) -> ClearPresence:
    """Validate a clearPresence body."""
    fields = _object(body, {"sessionId"}, "clearPresence")
    session_id = _string(fields, "sessionId")
    assert session_id is not None
    return ClearPresence(_check_session_id(session_id, caller, profile))


def parse_set_user_preferred_presence(body: object, profile: Profile) -> SetUserPreferredPresence:
    """Validate a setUserPreferredPresence body."""
    fields = _object(body, {"availability", "activity", "expirationDuration"}, "setUserPreferredPresence")
    pair = _pair(fields, PREFERRED_PAIRS, profile, "setUserPreferredPresence")
    duration = _duration(fields)
    if duration is not None and duration <= timedelta(0):
        raise _bad("expirationDuration must be longer than zero")
    return SetUserPreferredPresence(pair, duration)


def parse_clear_user_preferred_presence(body: object) -> ClearUserPreferredPresence:
    """Validate a clearUserPreferredPresence body: ``{}``, or no body at all (``None``)."""
    if body is not None:
        _object(body, set(), "clearUserPreferredPresence")
    return ClearUserPreferredPresence()


def preferred_default_expiry(pair: PresencePair) -> timedelta:
    """PREF-DEFAULT-EXPIRY: 1 day for Busy and DoNotDisturb, 7 days for everything else."""
    if pair.availability in (Availability.BUSY, Availability.DO_NOT_DISTURB):
        return timedelta(days=1)
    return timedelta(days=7)


def check_user_id(user_id: str) -> str:
    """INT-USERS: every well-formed GUID names a user; anything else is not found.

    Returns the id in lower case, the form presence is kept and reported under.
    """
    if not _GUID.fullmatch(user_id):
        raise Refusal(404, ErrorCode.NOT_FOUND, f"user {_echo(user_id)} was not found")
    return user_id.lower()


def parse_batch_ids(body: object) -> tuple[str, ...]:
    """Validate a getPresencesByUserId body: distinct GUIDs in request order, 1 to 650 of them."""
    fields = _object(body, {"ids"}, "getPresencesByUserId")
    ids = fields.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _bad("the parameter 'ids' must be an array of strings")
    if not 1 <= len(ids) <= BATCH_LIMIT:
        raise _bad(f"'ids' must hold 1 to {BATCH_LIMIT} user ids (got {len(ids)})")
    bad = next((i for i in ids if not _GUID.fullmatch(i)), None)
    if bad is not None:
        raise _bad(f"{_echo(bad)} is not a user id")
    return tuple(dict.fromkeys(i.lower() for i in ids))
