"""Profiles: the choices an implementation makes where the Graph documentation is silent.

Each field is one named interpretation from the clause registry (``reference_impl/clauses.yaml``);
:data:`DEFAULT_PROFILE` holds the defaults this project stands behind. A target that made another
reasonable choice declares it in its profile, and the oracle then predicts with that choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "DEFAULT_PROFILE",
    "Boundary",
    "Matching",
    "Profile",
    "ProfileError",
    "RefreshExpiry",
]


class Boundary(StrEnum):
    """``INT-BOUNDARY-INCLUSIVE``: whether a timer has fired at exactly its instant."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class Matching(StrEnum):
    """``INT-CASE-SENSITIVE``: how availability and activity strings are matched."""

    CASE_SENSITIVE = "case-sensitive"
    CASE_INSENSITIVE = "case-insensitive"


class RefreshExpiry(StrEnum):
    """``INT-SET-OVERWRITES``: the expiry a repeated setPresence without ``expirationDuration`` gets."""

    RESET_TO_DEFAULT = "reset-to-default"
    KEEP_PREVIOUS = "keep-previous"


class ProfileError(ValueError):
    """A profile mapping names an unknown field or an unsupported value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One implementation's answers to the open questions. Every field has a registry clause."""

    boundary: Boundary = Boundary.INCLUSIVE
    matching: Matching = Matching.CASE_SENSITIVE
    refresh_expiry: RefreshExpiry = RefreshExpiry.RESET_TO_DEFAULT
    write_status: int = 200  # INT-WRITE-STATUS: 200 (prose) or 204 (Graph's metadata)
    session_id_mismatch_status: int = 400  # INT-SESSIONID-MISMATCH: 400 or 403
    clear_expired_status: int = 404  # INT-CLEAR-EXPIRED: 404 or 200
    clear_preferred_none_status: int = 200  # INT-CLEAR-PREFERRED-NONE: 200 or 404

    def has_reached(self, now: datetime, instant: datetime) -> bool:
        """Whether a timer due at ``instant`` has fired when the clock reads ``now``."""
        if self.boundary is Boundary.INCLUSIVE:
            return now >= instant
        return now > instant

    def deviations(self) -> dict[str, object]:
        """The fields where this profile differs from the default, by field name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(DEFAULT_PROFILE, f.name)
        }

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Profile:
        """Build a profile from a config mapping (keys as field names, with ``-`` or ``_``).

        Raises:
            ProfileError: naming the key and the values it accepts.
        """
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for raw_key, raw_value in values.items():
            key = str(raw_key).replace("-", "_")
            if key not in known:
                raise ProfileError(f"unknown profile key {raw_key!r}; known: {', '.join(sorted(known))}")
            allowed = _ALLOWED[key]
            value = raw_value if isinstance(raw_value, int) else str(raw_value)
            if value not in allowed:
                choices = ", ".join(str(a) for a in allowed)
                raise ProfileError(f"profile {raw_key!r} must be one of {choices} (got {raw_value!r})")
            changes[key] = value
        base = cls()
        converted = {k: (type(getattr(base, k))(v)) for k, v in changes.items()}
        return replace(base, **converted)

    def to_mapping(self) -> dict[str, object]:
        """The profile as plain values, for results files and reports."""
        return {f.name: (str(v) if isinstance(v := getattr(self, f.name), StrEnum) else v) for f in fields(self)}


_ALLOWED: dict[str, tuple[object, ...]] = {
    "boundary": tuple(Boundary),
    "matching": tuple(Matching),
    "refresh_expiry": tuple(RefreshExpiry),
    "write_status": (200, 204),
    "session_id_mismatch_status": (400, 403),
    "clear_expired_status": (404, 200),
    "clear_preferred_none_status": (200, 404),
}

DEFAULT_PROFILE = Profile()
