"""Shared test configuration.

- The project's own pytest run loads the presence plugin (an installed package registers it), so any
  ``*.presence.yaml`` file under ``tests/`` would be collected as a conformance case. Fixture case files
  (valid, failing and deliberately broken ones) live in ``fixtures/`` folders: data, not tests.
- ``pytester`` runs pytest inside tests (tests/plugin); pytest accepts ``pytest_plugins`` only here.
- ``deviant_target``: a target that fails some cases; ``closed_port``: a port nothing listens on.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

collect_ignore_glob = ["**/fixtures/*"]
pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def deviant_target() -> Iterator[str]:
    """The URL of a reference server that answers successful writes ``204`` where the default profile
    says ``200``: a target with an undeclared interpretation (``INT-WRITE-STATUS``) and the control API."""
    from reference_impl.model import Profile
    from reference_impl.server.runner import serve_in_thread
    from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

    service = PresenceService(ServiceConfig(profile=Profile(write_status=204)), ServiceClock())
    with serve_in_thread(service) as server:
        yield server.url


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): an unreachable target."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
