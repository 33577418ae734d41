"""Bindings: which real user ids and app ids a case's logical users and apps stand for in one run.

Every case runs on its own users (fresh GUIDs, or ids from the target's user pool), so cases never see
each other's presence and can share one timeline. Apps come from the run's
:class:`~conformance.targets.base.AuthProvider`; a provider that cannot serve an app the case needs
raises :class:`~conformance.errors.NotVerifiable`, and the case is then *not verified*.

Checks read through an implicit **observer** app with ``Presence.Read.All`` (or, if the provider has
none, ``Presence.ReadWrite.All``, or else one of the case's own application apps that may read): it never
writes, so it cannot disturb what it looks at.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..cases.model import AppSpec, AuthMode, Case
from ..errors import NotVerifiable
from ..targets.base import AuthProvider

__all__ = [
    "OBSERVER",
    "Bindings",
    "BoundApp",
    "bind_case",
    "case_users",
    "fresh_user_ids",
    "release_case",
]

OBSERVER = AppSpec("observer", roles=("Presence.Read.All",))
"""The app checks read through, by default."""
_OBSERVER_FALLBACK = AppSpec("observer", roles=("Presence.ReadWrite.All",))
_READ_ROLES = frozenset({"Presence.Read.All", "Presence.ReadWrite.All"})


@dataclass(frozen=True, slots=True)
class BoundApp:
    """A logical app and the application id it runs with (its ``sessionId``)."""

    spec: AppSpec
    app_id: str


@dataclass(frozen=True, slots=True)
class Bindings:
    """A case's logical names, bound: ``users`` maps user names to ids, ``apps`` app names to apps.

    ``observer`` is the app checks read through (``None`` when the case has no check).
    ``credentials`` holds the ``Authorization`` values fetched while binding, by app spec name, so the
    first requests need not fetch them again (never printed).
    """

    users: Mapping[str, str]
    apps: Mapping[str, BoundApp]
    observer: BoundApp | None
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    def label(self, user_id: str) -> str:
        """The logical name of ``user_id`` (any case), or the id itself."""
        lowered = user_id.lower()
        return next((name for name, bound in self.users.items() if bound.lower() == lowered), user_id)

    def to_json(self) -> dict[str, str]:
        """``{"user:alice": id, "app:teams": app id, ...}`` for the results file."""
        out = {f"user:{name}": user_id for name, user_id in self.users.items()}
        out.update({f"app:{name}": bound.app_id for name, bound in self.apps.items()})
        if self.observer is not None:
            out["app:(observer)"] = self.observer.app_id
        return out


def case_users(case: Case) -> tuple[str, ...]:
    """Every logical user the case names (declared first, then any a step or app refers to), in order."""
    names: dict[str, None] = dict.fromkeys(case.users)
    for app in case.apps.values():
        if app.delegated_user is not None:
            names.setdefault(app.delegated_user)
    for step in case.steps:
        for name in (step.user, step.check_user, *step.users):
            if name is not None:
                names.setdefault(name)
    return tuple(names)


def fresh_user_ids(names: Iterable[str]) -> dict[str, str]:
    """A fresh GUID per logical user name."""
    return {name: str(uuid.uuid4()) for name in names}


def _token_apps(case: Case) -> set[str]:
    """The apps some step authenticates as with a real token (others only lend their id)."""
    return {s.app for s in case.steps if s.app is not None and s.auth is AuthMode.TOKEN}


def _call_optional(auth: AuthProvider, method: str, *args: Any) -> None:
    # reserve/release are optional extras of pool providers (see conformance.targets.auth).
    function = getattr(auth, method, None)
    if callable(function):
        function(*args)


def bind_case(case: Case, auth: AuthProvider, user_ids: Mapping[str, str]) -> Bindings:
    """Bind ``case``'s apps through ``auth`` for a run whose logical users are ``user_ids``.

    Apps a step authenticates as must be served (their credential is fetched once here, so a provider
    that lacks it fails before the case starts); an app that only ever sends no or an invalid token
    only needs an id, and gets a fresh GUID if the provider has none.

    Raises:
        NotVerifiable: the provider cannot serve an app (or any observer) the case needs.
    """
    _call_optional(auth, "reserve", list(case.apps.values()), user_ids)
    needed = _token_apps(case)
    apps: dict[str, BoundApp] = {}
    credentials: dict[str, str] = {}
    for name, spec in case.apps.items():
        try:
            app_id = auth.app_id(spec, user_ids)
            if name in needed:
                credentials[spec.name] = auth.authorization(spec, user_ids)
        except NotVerifiable:
            if name in needed:
                raise
            app_id = str(uuid.uuid4())
        apps[name] = BoundApp(spec, app_id)
    observer = None
    if any(step.is_check for step in case.steps):
        observer, credential = _observer(case, auth, user_ids, apps)
        credentials[observer.spec.name] = credential
    return Bindings(dict(user_ids), apps, observer, credentials)


def release_case(auth: AuthProvider, user_ids: Mapping[str, str]) -> None:
    """Tell a pool provider the case run is over (a no-op for others)."""
    _call_optional(auth, "release", user_ids)


def _observer(
    case: Case, auth: AuthProvider, user_ids: Mapping[str, str], apps: Mapping[str, BoundApp]
) -> tuple[BoundApp, str]:
    reasons = []
    for candidate in (OBSERVER, _OBSERVER_FALLBACK):
        spec = candidate
        if spec.name in case.apps:  # a case app called "observer" keeps its name
            spec = AppSpec("(observer)", roles=candidate.roles)
        try:
            app_id = auth.app_id(spec, user_ids)
            credential = auth.authorization(spec, user_ids)
        except NotVerifiable as exc:
            reasons.append(str(exc))
            continue
        return BoundApp(spec, app_id), credential
    # A case app that may read everyone's presence serves as well: reading changes nothing.
    for bound in apps.values():
        if not bound.spec.delegated and _READ_ROLES & set(bound.spec.roles):
            try:
                credential = auth.authorization(bound.spec, user_ids)
            except NotVerifiable:
                continue
            return bound, credential
    raise NotVerifiable("no app can read presence for the checks: " + "; ".join(reasons))
