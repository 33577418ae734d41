"""Helpers for the in-process service tests: ids, a small client for the service, and Graph error checks."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reference_impl.model import UserPresence
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceClock, ServiceResponse
from reference_impl.service.tokens import mint_token

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
APP_A = "22553876-f5ab-4529-bffb-cfe50aa89f87"
APP_B = "3f0a7c1e-9b2d-4c5e-8f6a-1b2c3d4e5f60"
USER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
OTHER_USER = "0b8f2a4e-6c1d-4e3f-9a5b-7c8d9e0f1a2b"
READ_WRITE_ALL = "Presence.ReadWrite.All"


def users(user_id: str, action: str = "") -> str:
    """``/v1.0/users/{id}/presence[/action]``."""
    return f"/v1.0/users/{user_id}/presence" + (f"/{action}" if action else "")


class Api:
    """Requests to a :class:`PresenceService`, with tokens minted at its clock's now."""

    def __init__(self, service: PresenceService) -> None:
        self.service = service

    @property
    def clock(self) -> ServiceClock:
        return self.service.clock

    def token(
        self,
        app_id: str = APP_A,
        *,
        roles: Iterable[str] = (READ_WRITE_ALL,),
        scopes: Iterable[str] = (),
        user_id: str | None = None,
        lifetime: timedelta = timedelta(days=30),
        secret: str = DEV_TOKEN_SECRET,
    ) -> str:
        if user_id is not None:
            roles = ()
        return mint_token(
            secret=secret,
            app_id=app_id,
            roles=roles,
            scopes=scopes,
            user_id=user_id,
            now=self.clock.now(),
            lifetime=lifetime,
        )

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        token: str | None = "app",
        headers: Mapping[str, str] | None = None,
    ) -> ServiceResponse:
        """``body``: bytes as is, anything else but ``None`` as JSON. ``token="app"``: APP_A read-write."""
        sent: dict[str, str] = {}
        if token is not None:
            sent["Authorization"] = "Bearer " + (self.token() if token == "app" else token)
        raw = b""
        if isinstance(body, bytes):
            raw = body
        elif body is not None:
            raw = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        return self.service.dispatch(method, path, sent, raw)

    def set_presence(
        self,
        user_id: str = USER,
        app_id: str = APP_A,
        availability: str = "Available",
        activity: str = "Available",
        duration: str | None = None,
    ) -> ServiceResponse:
        body: dict[str, Any] = {"sessionId": app_id, "availability": availability, "activity": activity}
        if duration is not None:
            body["expirationDuration"] = duration
        return self.request("POST", users(user_id, "setPresence"), body, token=self.token(app_id))

    def clear_presence(self, user_id: str = USER, app_id: str = APP_A) -> ServiceResponse:
        return self.request("POST", users(user_id, "clearPresence"), {"sessionId": app_id}, token=self.token(app_id))

    def set_preferred(
        self, user_id: str = USER, availability: str = "Busy", activity: str = "Busy", duration: str | None = None
    ) -> ServiceResponse:
        body: dict[str, Any] = {"availability": availability, "activity": activity}
        if duration is not None:
            body["expirationDuration"] = duration
        return self.request("POST", users(user_id, "setUserPreferredPresence"), body)

    def presence(self, user_id: str = USER) -> dict[str, Any]:
        response = self.request("GET", users(user_id))
        assert response.status == 200, response.body
        document: dict[str, Any] = response.json()
        return document

    def pair(self, user_id: str = USER) -> str:
        document = self.presence(user_id)
        return f"{document['availability']}/{document['activity']}"

    def snapshot(self, user_id: str = USER) -> UserPresence:
        return self.service.snapshot(user_id)


def assert_graph_error(response: ServiceResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """Check ``response`` is a Graph error with ``status`` (and ``code``); return its ``error`` object."""
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert list(document) == ["error"]
    error: dict[str, Any] = document["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert isinstance(error["message"], str) and error["message"]
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    assert error["innerError"]["client-request-id"] == response.headers["client-request-id"]
    if code is not None:
        assert error["code"] == code
    return error
