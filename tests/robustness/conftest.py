"""Fixtures of the hostile-server tests: ``serve(behaviour)`` starts a server (``hostile_servers.py``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from hostile_servers import Behaviour, HostileServer


@pytest.fixture
def serve() -> Iterator[Callable[..., HostileServer]]:
    """Start hostile servers (``serve(behaviour)``); all are stopped after the test."""
    started: list[tuple[HostileServer, threading.Thread]] = []

    def start(behaviour: Behaviour, *, honest_control: bool = True) -> HostileServer:
        server = HostileServer(behaviour, honest_control=honest_control)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
