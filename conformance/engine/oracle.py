"""The oracle in lockstep: an in-process reference service that gets every request the target gets.

One :class:`Oracle` serves one wave of a campaign. Its :class:`~reference_impl.service.PresenceService`
runs the target's declared profile on a manual clock that the campaign moves to the same logical
offsets as the target's; it receives the same method, path and body for the same user ids and app
ids, authenticated by tokens it mints for itself (same app ids and permissions, its own secret). Its
answer is the expected answer. Because the reference service and the pure model are the very code the
reference server runs, the suite's expectations cannot drift from the reference implementation.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reference_impl.model import Profile, UserPresence
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig, mint_token

from ..cases.model import AuthMode
from .bindings import BoundApp
from .exchanges import PlannedRequest

__all__ = ["ORACLE_BASE_URL", "Oracle", "Prediction"]

ORACLE_BASE_URL = "http://oracle.invalid"
# Long enough for any case timeline (tokens are checked against the oracle's own, moving clock).
_TOKEN_LIFETIME = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class Prediction:
    """The oracle's answer to one request: status, and the body decoded as JSON (``None`` if empty)."""

    status: int
    document: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> tuple[str, str] | None:
        """``(code, message)`` of a Graph error body, else ``None``."""
        if isinstance(self.document, dict):
            error = self.document.get("error")
            if isinstance(error, dict):
                return str(error.get("code")), str(error.get("message"))
        return None


class Oracle:
    """The reference service for one wave, on a manual clock that starts at ``start``.

    Thread-safe as the service is: steps of different cases may ask it concurrently, since they touch
    different users. Only the campaign's thread moves its clock, between instants.
    """

    def __init__(self, profile: Profile, start: datetime) -> None:
        self._profile = profile
        self._start = start
        self._secret = secrets.token_hex(32)
        self._clock = ServiceClock.manual(start)
        config = ServiceConfig(token_secret=self._secret, profile=profile, control_enabled=False)
        self._service = PresenceService(config, self._clock)
        self._tokens: dict[tuple[str, str | None, tuple[str, ...]], str] = {}
        # Signed with another secret: the oracle's view of an "invalid" token.
        forged = mint_token(
            secret=secrets.token_hex(32), app_id="invalid", roles=(), now=start, lifetime=_TOKEN_LIFETIME
        )
        self._invalid = f"Bearer {forged}"

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def now(self) -> datetime:
        return self._clock.now()

    @property
    def offset(self) -> timedelta:
        """How far the oracle's clock has moved since the wave started."""
        return self._clock.now() - self._start

    def advance_to(self, offset: timedelta) -> None:
        """Move the clock to ``offset`` from the wave's start (never backwards)."""
        delta = offset - self.offset
        if delta > timedelta(0):
            self._clock.advance(delta)

    def authorization(self, request: PlannedRequest, user_ids: Mapping[str, str]) -> str | None:
        """The ``Authorization`` value the oracle's copy of ``request`` carries."""
        if request.auth is AuthMode.NONE:
            return None
        if request.auth is AuthMode.INVALID or request.app is None:
            return self._invalid
        return self._token(request.app, user_ids)

    def _token(self, app: BoundApp, user_ids: Mapping[str, str]) -> str:
        spec = app.spec
        user_id = user_ids[spec.delegated_user] if spec.delegated_user is not None else None
        key = (app.app_id, user_id, tuple(sorted(spec.permissions)))
        token = self._tokens.get(key)
        if token is None:
            minted = mint_token(
                secret=self._secret,
                app_id=app.app_id,
                roles=() if user_id is not None else spec.roles,
                scopes=spec.scopes if user_id is not None else (),
                user_id=user_id,
                now=self._start,
                lifetime=_TOKEN_LIFETIME,
            )
            # A benign race: two threads may mint the same token; either result is right.
            token = self._tokens[key] = f"Bearer {minted}"
        return token

    def predict(self, request: PlannedRequest, user_ids: Mapping[str, str]) -> Prediction:
        """Send ``request`` to the reference service at the current instant and return its answer."""
        http = request.http(self.authorization(request, user_ids))
        answer = self._service.dispatch(
            http.method, http.path, http.headers, http.body or b"", base_url=ORACLE_BASE_URL
        )
        document = json.loads(answer.body) if answer.body else None
        return Prediction(answer.status, document)

    def snapshot(self, user_id: str) -> UserPresence:
        """The model state of ``user_id`` now (for real-time stability windows)."""
        return self._service.snapshot(user_id)
