"""Clearing pool users before a wave: real users keep their presence from one wave (or run) to the next.

With a user pool, a wave's users may carry sessions and a preferred presence left by an earlier wave or
an earlier run. Before the wave starts, each of its pool users gets, from every app the campaign's cases
use, a ``clearPresence`` of that app's session, and one ``clearUserPreferredPresence``. Answers are not
judged (404 just means there was nothing to clear); only a target that gives no answer stops the wave.

Sessions set by apps outside the campaign (a real Teams client, say) cannot be cleared by the suite;
with such users, checks may show their presence instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from ..cases.model import AppSpec, Case
from ..errors import NotVerifiable
from ..targets.base import HttpRequest
from ..targets.setup import TargetSetup
from .bindings import release_case

__all__ = ["CLEANER", "clear_pool_users"]

CLEANER = AppSpec("pool-cleaner", roles=("Presence.ReadWrite.All",))
"""The app that clears preferred presence (any app with ``Presence.ReadWrite.All`` serves)."""
_POOL_KEY = "(pool)"


def _specs(cases: Sequence[Case]) -> list[AppSpec]:
    seen: dict[tuple[object, ...], AppSpec] = {}
    for case in cases:
        for spec in case.apps.values():
            seen.setdefault((spec.name, spec.delegated_user, tuple(sorted(spec.permissions))), spec)
    return list(seen.values())


def _post(setup: TargetSetup, user_id: str, operation: str, authorization: str, body: object | None) -> None:
    headers = {"Authorization": authorization}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    path = f"/v1.0/users/{quote(user_id, safe='')}/presence/{operation}"
    setup.target.send(HttpRequest("POST", path, headers, data))


def clear_pool_users(setup: TargetSetup, users: Sequence[str], cases: Sequence[Case]) -> None:
    """Clear the sessions of the apps of ``cases`` and the preferred presence of each of ``users``.

    Raises:
        TargetError: the target gave no answer.
    """
    specs = _specs(cases)
    auth = setup.auth
    for user in users:
        # One run mapping per user: every logical user a delegated app acts for is this pool user.
        user_ids = {_POOL_KEY: user, **{s.delegated_user: user for s in specs if s.delegated_user is not None}}
        try:
            for spec in specs:
                try:
                    app_id = auth.app_id(spec, user_ids)
                    authorization = auth.authorization(spec, user_ids)
                except NotVerifiable:
                    continue
                _post(setup, user, "clearPresence", authorization, {"sessionId": app_id})
            for spec in (CLEANER, *(s for s in specs if not s.delegated and "Presence.ReadWrite.All" in s.roles)):
                try:
                    authorization = auth.authorization(spec, user_ids)
                except NotVerifiable:
                    continue
                _post(setup, user, "clearUserPreferredPresence", authorization, None)
                break
        finally:
            release_case(auth, user_ids)
