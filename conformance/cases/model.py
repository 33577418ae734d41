"""Cases as typed values: what a loaded case file becomes.

A case is a small timeline on which logical actors (users and apps) act. Each step happens at an
offset from the case's start and holds either an action (an HTTP operation by an app) or a check of a
user's presence, with what must be seen. The YAML form is described in ``docs/case-format.md`` and
validated by ``conformance/cases/case.schema.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

__all__ = [
    "ActionKind",
    "AppSpec",
    "AuthMode",
    "Case",
    "Expectation",
    "PresenceExpectation",
    "Requirement",
    "StatusExpectation",
    "Step",
]


class ActionKind(StrEnum):
    """The HTTP operations a step can send; the values are the step keys of the YAML form."""

    SET_PRESENCE = "setPresence"
    CLEAR_PRESENCE = "clearPresence"
    SET_USER_PREFERRED_PRESENCE = "setUserPreferredPresence"
    CLEAR_USER_PREFERRED_PRESENCE = "clearUserPreferredPresence"
    GET_PRESENCE = "getPresence"
    GET_MY_PRESENCE = "getMyPresence"
    GET_PRESENCES_BY_USER_ID = "getPresencesByUserId"

    @property
    def is_write(self) -> bool:
        return self in _WRITES

    @property
    def takes_session_id(self) -> bool:
        return self in (ActionKind.SET_PRESENCE, ActionKind.CLEAR_PRESENCE)


_WRITES = frozenset(
    {
        ActionKind.SET_PRESENCE,
        ActionKind.CLEAR_PRESENCE,
        ActionKind.SET_USER_PREFERRED_PRESENCE,
        ActionKind.CLEAR_USER_PREFERRED_PRESENCE,
    }
)


class Requirement(StrEnum):
    """What a run must offer for a case to be verifiable (the closed ``requires`` vocabulary).

    A case lists some itself (``clock-control``); the loader adds those its actors imply: more than one
    app (``several-apps``), more than one user (``several-users``), a delegated app (``delegated``), an
    app whose permissions are not the full default of its kind (``restricted-app``).
    """

    CLOCK_CONTROL = "clock-control"
    DELEGATED = "delegated"
    RESTRICTED_APP = "restricted-app"
    SEVERAL_USERS = "several-users"
    SEVERAL_APPS = "several-apps"


class AuthMode(StrEnum):
    """How a step authenticates: the app's token, no Authorization header, or a token that fails to verify."""

    TOKEN = "token"
    NONE = "none"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class AppSpec:
    """A logical application of a case and the permissions it needs.

    An application-permission app has ``roles`` (default ``Presence.ReadWrite.All``); a delegated app has
    ``delegated_user`` (a logical user name of the case), ``scopes`` (default ``Presence.ReadWrite``) and
    no roles.
    """

    name: str
    roles: tuple[str, ...] = ("Presence.ReadWrite.All",)
    delegated_user: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def delegated(self) -> bool:
        return self.delegated_user is not None

    @property
    def permissions(self) -> tuple[str, ...]:
        return self.scopes if self.delegated else self.roles


@dataclass(frozen=True, slots=True)
class StatusExpectation:
    """An expected HTTP status: exact (``200``) or a class (``"4xx"``: any 400..499)."""

    text: str

    def matches(self, status: int) -> bool:
        if self.text.endswith("xx"):
            return str(status)[0] == self.text[0] and 100 <= status <= 599
        return status == int(self.text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class PresenceExpectation:
    """An expected presence pair; ``None`` fields are left to the oracle's prediction."""

    availability: str | None = None
    activity: str | None = None

    @property
    def from_oracle(self) -> bool:
        return self.availability is None and self.activity is None


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a step must get back. Every field is optional: what is not written is the oracle's prediction.

    Written values only narrow what is checked (a status class checks only the class). ``presence`` is set
    for a read of one user that states one and, always, for a check (``PresenceExpectation()`` when the
    check leaves it to the oracle). ``presences`` (batch reads) maps logical user names to expectations;
    users it does not name are checked against the oracle.
    """

    status: StatusExpectation | None = None
    graph_error: bool = False
    presence: PresenceExpectation | None = None
    presences: Mapping[str, PresenceExpectation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    """One point of a case's timeline: an action by an app, or a check of a user's presence.

    ``index`` is the step's 0-based position (``case.steps[index]``, ``steps[index]`` in error messages);
    ``at`` its offset from the case's start; ``line`` the line of the step in its file.

    Exactly one of ``action`` and ``check_user`` is set. For an action:

    - ``app`` is the acting logical app and ``auth`` how it authenticates.
    - The addressed user is ``user`` (a logical user) or ``user_id`` (a literal path id). For
      ``getMyPresence`` ``user`` is the acting app's delegated user (``None`` for an application app);
      for ``getPresencesByUserId`` it is ``None`` and ``users`` (logical, in order) plus ``extra_ids``
      (that many fresh GUIDs) make the ids.
    - ``params`` holds the operation's body fields exactly as written (``availability``, ``activity``,
      ``expirationDuration``, and ``sessionId`` when written literally). For ``setPresence`` and
      ``clearPresence`` without a literal ``sessionId``, ``session_id_of`` names the app whose id the
      engine sends as ``sessionId`` (the acting app unless the case says ``sessionIdOf``).
    - ``has_body``/``body`` (any JSON value, ``None`` included) or ``raw_body`` (text) replace the whole
      body when a case sends something malformed on purpose; ``params`` and ``session_id_of`` are then
      empty and the engine adds nothing.
    """

    index: int
    at: timedelta
    line: int
    expect: Expectation
    action: ActionKind | None = None
    app: str | None = None
    user: str | None = None
    user_id: str | None = None
    users: tuple[str, ...] = ()
    extra_ids: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)
    session_id_of: str | None = None
    body: Any = None
    has_body: bool = False
    raw_body: str | None = None
    auth: AuthMode = AuthMode.TOKEN
    check_user: str | None = None

    @property
    def is_check(self) -> bool:
        return self.check_user is not None

    def describe(self) -> str:
        """A short human label, e.g. ``setPresence by teams for alice`` or ``check alice``."""
        if self.check_user is not None:
            return f"check {self.check_user}"
        who = f" for {self.user}" if self.user else (f" for {self.user_id!r}" if self.user_id else "")
        return f"{self.action} by {self.app}{who}"


@dataclass(frozen=True, slots=True)
class Case:
    """One conformance case, as loaded and validated from ``path`` (starting at ``line``).

    ``users`` and ``apps`` are the declared logical actors, in the order written (``apps`` maps names to
    specs); ``requires`` is the sorted union of the requirements written and those the actors imply;
    ``steps`` are in time order. Mappings are plain dicts: treat them as read-only.
    """

    id: str
    title: str
    clauses: tuple[str, ...]
    tags: tuple[str, ...]
    requires: tuple[str, ...]
    users: tuple[str, ...]
    apps: Mapping[str, AppSpec]
    steps: tuple[Step, ...]
    path: str
    line: int = 1
    description: str = ""

    @property
    def duration(self) -> timedelta:
        """The offset of the case's last step."""
        return max((s.at for s in self.steps), default=timedelta(0))
