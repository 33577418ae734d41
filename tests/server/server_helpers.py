"""Helpers for the HTTP tests: a small client for a running reference server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests

from reference_impl.service import DEV_TOKEN_SECRET
from reference_impl.service.tokens import mint_token

APP_A = "22553876-f5ab-4529-bffb-cfe50aa89f87"
APP_B = "3f0a7c1e-9b2d-4c5e-8f6a-1b2c3d4e5f60"
USER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
READ_WRITE_ALL = "Presence.ReadWrite.All"
TIMEOUT = 10


def users(user_id: str, action: str = "") -> str:
    return f"/v1.0/users/{user_id}/presence" + (f"/{action}" if action else "")


class HttpApi:
    """Requests to a reference server at ``url``, with tokens minted at the server's clock."""

    def __init__(self, url: str, session: requests.Session) -> None:
        self.url = url
        self.session = session
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}

    def clock(self) -> dict[str, Any]:
        response = self.session.get(self.url + "/_conformance/clock", timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def now(self) -> datetime:
        return datetime.fromisoformat(self.clock()["now"])

    def post_clock(self, body: object) -> requests.Response:
        return self.session.post(self.url + "/_conformance/clock", json=body, timeout=TIMEOUT)

    def advance(self, duration: str) -> dict[str, Any]:
        response = self.post_clock({"advance": duration})
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def token(self, app_id: str = APP_A, *, roles: tuple[str, ...] = (READ_WRITE_ALL,)) -> str:
        """A token minted at the server's now when first asked for, good for 30 days of its clock."""
        key = (app_id, roles)
        if key not in self._tokens:
            self._tokens[key] = mint_token(
                secret=DEV_TOKEN_SECRET, app_id=app_id, roles=roles, now=self.now(), lifetime=timedelta(days=30)
            )
        return self._tokens[key]

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        data: bytes | None = None,
        token: str | None = "app",
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = "Bearer " + (self.token() if token == "app" else token)
        return self.session.request(method, self.url + path, json=json, data=data, headers=sent, timeout=TIMEOUT)

    def set_presence(
        self,
        user_id: str = USER,
        app_id: str = APP_A,
        availability: str = "Available",
        activity: str = "Available",
        duration: str | None = None,
        token: str | None = None,
    ) -> requests.Response:
        body: dict[str, Any] = {"sessionId": app_id, "availability": availability, "activity": activity}
        if duration is not None:
            body["expirationDuration"] = duration
        return self.request("POST", users(user_id, "setPresence"), json=body, token=token or self.token(app_id))

    def pair(self, user_id: str = USER) -> str:
        response = self.request("GET", users(user_id))
        assert response.status_code == 200, response.text
        document = response.json()
        return f"{document['availability']}/{document['activity']}"


def assert_graph_error(response: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Check ``response`` is a Graph error with ``status`` (and ``code``); return its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert list(document) == ["error"]
    error: dict[str, Any] = document["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert set(error["innerError"]) == {"request-id", "date", "client-request-id"}
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    if code is not None:
        assert error["code"] == code
    return error
