"""Fixtures for the HTTP tests: one reference server for the session, reset and frozen for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from server_helpers import TIMEOUT, HttpApi

from reference_impl.server import RunningServer, serve_in_thread
from reference_impl.service import PresenceService


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(PresenceService()) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def api(server: RunningServer, http: requests.Session) -> HttpApi:
    """A client of the shared server, after ``POST /_conformance/reset`` and with the clock frozen."""
    assert http.post(server.url + "/_conformance/reset", timeout=TIMEOUT).status_code == 204
    assert http.post(server.url + "/_conformance/clock", json={"freeze": True}, timeout=TIMEOUT).status_code == 200
    return HttpApi(server.url, http)
