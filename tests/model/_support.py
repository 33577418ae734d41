"""What the model tests share: fixed instants, application ids, and a tiny script runner.

Expectations in the tests are literals (``"Busy/InACall"``, ``404``, an instant); nothing here computes
what the model ought to answer. :func:`run` only plays a script through the model the way the service
would: a request body is validated by the matching ``parse_*`` function and, if accepted, applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reference_impl.model import (
    DEFAULT_PROFILE,
    Activity,
    Availability,
    Caller,
    Operation,
    Outcome,
    PresencePair,
    Profile,
    Refusal,
    UserPresence,
    aggregate,
    apply,
    parse_clear_presence,
    parse_clear_user_preferred_presence,
    parse_set_presence,
    parse_set_user_preferred_presence,
)

__all__ = [
    "APP_A",
    "APP_B",
    "APP_C",
    "APP_D",
    "T0",
    "USER",
    "Clear",
    "Prefer",
    "Run",
    "Script",
    "Set",
    "Shows",
    "Step",
    "Unprefer",
    "after",
    "app_caller",
    "pair",
    "refusal_of",
    "run",
]

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

APP_A = "22553876-f5ab-4529-bffb-cfe50aa89f87"  # the application id of the documentation's example
APP_B = "bbbbbbbb-0000-4000-8000-000000000002"
APP_C = "cccccccc-0000-4000-8000-000000000003"
APP_D = "dddddddd-0000-4000-8000-000000000004"
USER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"

_WRITE_ALL = "Presence.ReadWrite.All"


def after(*, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0, microseconds: int = 0) -> datetime:
    """The instant that long after :data:`T0`."""
    return T0 + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=microseconds)


def pair(shows: str) -> PresencePair:
    """``"Busy/InACall"`` as a :class:`PresencePair` (for building states and operations directly)."""
    availability, activity = shows.split("/")
    return PresencePair(Availability(availability), Activity(activity))


def app_caller(app_id: str) -> Caller:
    """An application caller holding Presence.ReadWrite.All."""
    return Caller(app_id, frozenset({_WRITE_ALL}))


def _pair_body(shows: str) -> dict[str, str]:
    availability, activity = shows.split("/")
    return {"availability": availability, "activity": activity}


@dataclass(frozen=True)
class Set:
    """setPresence by ``app`` (with its own id as sessionId unless ``session_id`` is given)."""

    at: datetime
    app: str
    shows: str
    duration: str | None = None
    session_id: str | None = None

    def body(self) -> dict[str, str]:
        body = {"sessionId": self.app if self.session_id is None else self.session_id, **_pair_body(self.shows)}
        if self.duration is not None:
            body["expirationDuration"] = self.duration
        return body

    def operation(self, profile: Profile) -> Operation:
        return parse_set_presence(self.body(), app_caller(self.app), profile)


@dataclass(frozen=True)
class Clear:
    """clearPresence by ``app``."""

    at: datetime
    app: str
    session_id: str | None = None

    def operation(self, profile: Profile) -> Operation:
        body = {"sessionId": self.app if self.session_id is None else self.session_id}
        return parse_clear_presence(body, app_caller(self.app), profile)


@dataclass(frozen=True)
class Prefer:
    """setUserPreferredPresence."""

    at: datetime
    shows: str
    duration: str | None = None

    def operation(self, profile: Profile) -> Operation:
        body = _pair_body(self.shows)
        if self.duration is not None:
            body["expirationDuration"] = self.duration
        return parse_set_user_preferred_presence(body, profile)


@dataclass(frozen=True)
class Unprefer:
    """clearUserPreferredPresence."""

    at: datetime

    def operation(self, profile: Profile) -> Operation:
        del profile
        return parse_clear_user_preferred_presence({})


@dataclass(frozen=True)
class Shows:
    """A check inside a script: at ``at`` the user shows ``expected`` (``Availability/Activity``)."""

    at: datetime
    expected: str


Step = Set | Clear | Prefer | Unprefer
Script = Step | Shows


@dataclass
class Run:
    """The user after a script, with every step's outcome."""

    user: UserPresence
    profile: Profile
    outcomes: list[Outcome] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    last_write: datetime | None = None

    @property
    def statuses(self) -> list[int]:
        return [o.status for o in self.outcomes]

    @property
    def last(self) -> Outcome:
        return self.outcomes[-1]

    def shows(self, now: datetime) -> str:
        """The user's aggregate at ``now``, spelled ``Availability/Activity``.

        Only instants from the last write on are meaningful: the state no longer holds what was
        overwritten, so an earlier instant would be a question about a past that never happened.
        """
        if self.last_write is not None and now < self.last_write:
            raise ValueError(f"{now} is before the last write at {self.last_write}")
        return str(aggregate(self.user, now, self.profile))


def run(*script: Script, profile: Profile = DEFAULT_PROFILE, user: UserPresence | None = None) -> Run:
    """Play ``script`` in order, collecting outcomes and the :class:`Shows` checks that did not hold.

    Instants must not go back before the latest step.
    """
    result = Run(UserPresence() if user is None else user, profile)
    for item in script:
        if result.last_write is not None and item.at < result.last_write:
            raise ValueError(f"script goes back in time at {item!r}")
        if isinstance(item, Shows):
            got = result.shows(item.at)
            if got != item.expected:
                result.mismatches.append(f"at T0+{item.at - T0}: expected {item.expected}, got {got}")
            continue
        result.last_write = item.at
        try:
            operation = item.operation(profile)
        except Refusal as refusal:
            result.outcomes.append(Outcome(refusal.status, refusal=refusal))
            continue
        applied = apply(result.user, operation, item.at, profile)
        result.user = applied.user
        result.outcomes.append(applied.outcome)
    return result


def refusal_of(outcome: Outcome) -> Mapping[str, Any]:
    """The refusal's status and code, for compact assertions."""
    assert outcome.refusal is not None, f"expected a refusal, got {outcome!r}"
    return {"status": outcome.status, "code": outcome.refusal.code}
