"""Mutant servers: a child process per mutant, over HTTP, never touching the engine's own model."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from conformance.mutation.catalog import Mutant, by_name
from conformance.mutation.server import MutantServer
from reference_impl.model import transitions
from reference_impl.service import DEV_TOKEN_SECRET, mint_token

APP = "6f1c2d3e-0000-4000-8000-00000000a001"
USER = "6f1c2d3e-0000-4000-8000-00000000b001"


def _set_presence(session: requests.Session, url: str) -> requests.Response:
    token = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP, roles=["Presence.ReadWrite.All"], now=datetime.now(UTC))
    body = {"sessionId": APP, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"}
    return session.post(
        f"{url}/v1.0/users/{USER}/presence/setPresence",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=10,
    )


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def test_the_reference_served_from_a_child_answers_as_the_reference(http: requests.Session) -> None:
    with MutantServer(None) as server:
        assert server.name == "reference"
        assert http.get(f"{server.url}/_conformance/clock", timeout=10).json()["frozen"] is False
        assert _set_presence(http, server.url).status_code == 200


def test_a_mutant_misbehaves_in_its_child_and_only_there(http: requests.Session) -> None:
    before = transitions._set_presence
    with MutantServer(by_name("int-write-status-204")) as server:
        assert _set_presence(http, server.url).status_code == 204
    assert transitions._set_presence is before  # this process's model is untouched


def test_a_stopped_server_refuses_connections_at_once() -> None:
    server = MutantServer(by_name("fade-none")).start()
    host, port = server.url.removeprefix("http://").split(":")
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=2):
        pass


def test_a_mutant_that_cannot_be_applied_is_reported_at_start() -> None:
    def broken() -> None:
        raise RuntimeError("this mutant is broken on purpose")

    with pytest.raises(RuntimeError, match="exited with code"):
        MutantServer(Mutant("set-broken", "SET-PAIRS", "SET", "cannot be applied", broken), start_method="fork").start()


@pytest.mark.slow
def test_a_subprocess_serves_a_catalogue_mutant(http: requests.Session) -> None:
    with MutantServer(by_name("set-success-202"), start_method="subprocess") as server:
        assert _set_presence(http, server.url).status_code == 202
