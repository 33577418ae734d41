"""Fixtures for the target tests: a hostile little HTTP server and the reference server, both on loopback.

The hostile server picks its behaviour from the first path segment, so one server covers every case:
``http://127.0.0.1:PORT/<behaviour>/...``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reference_impl.server.runner import RunningServer, serve_in_thread
from reference_impl.service import PresenceService, ServiceConfig

HUGE = 2 * 1024 * 1024


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HostileServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), received))
        behaviour = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        if behaviour == "ok":
            self._send(200, b'{"ok": true}', Set_Cookie="session=abc; Path=/")
        elif behaviour == "echo":
            self._send(200, json.dumps({"path": self.path, "headers": dict(self.headers)}).encode())
        elif behaviour == "redirect":
            self._send(302, b"", content_type="text/plain", Location="/ok")
        elif behaviour == "huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            self.close_connection = True
        elif behaviour == "huge-streamed":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(HUGE // 65536 + 1):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
            self.close_connection = True
        elif behaviour == "hang":
            time.sleep(1.5)
            self.close_connection = True
        elif behaviour == "garbage":
            self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n")
            self.close_connection = True
        elif behaviour == "close":
            self.close_connection = True
        elif behaviour == "html":
            self._send(200, b"<html><body>hello</body></html>", content_type="text/html")
        elif behaviour == "status":
            status = int(self.path.strip("/").split("/")[1])
            self._send(status, b'{"error": {"code": "nope", "message": "refused on purpose"}}')
        elif behaviour == "presence-bad":
            self._send(200, b'{"id": "x", "availability": 3}')
        elif behaviour == "clock-bad":
            self._send(200, b'{"now": "yesterday", "frozen": true}')
        elif behaviour == "clock-naive":
            self._send(200, b'{"now": "2024-05-01T12:00:00", "frozen": true}')
        elif behaviour == "clock-stuck":
            # Claims to freeze and advance but never moves.
            self._send(200, b'{"now": "2024-05-01T12:00:00Z", "frozen": true}')
        elif behaviour == "clock-unfrozen":
            self._send(200, b'{"now": "2024-05-01T12:00:00Z", "frozen": false}')
        else:
            self._send(404, b'{"error": {"code": "itemNotFound", "message": "no such path"}}')


class _HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections when many threads connect at once

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hostile)
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def handle_error(self, request: Any, client_address: Any) -> None:  # broken pipes are the point here
        pass


@pytest.fixture(scope="session")
def hostile() -> Iterator[_HostileServer]:
    server = _HostileServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def hostile_url(hostile: _HostileServer) -> str:
    host, port = hostile.server_address[:2]
    return f"http://{host}:{port}"


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningServer]:
    """The reference server with its control API, shared by the tests of a session."""
    with serve_in_thread(PresenceService()) as server:
        yield server


@pytest.fixture(scope="session")
def reference_without_control() -> Iterator[RunningServer]:
    with serve_in_thread(PresenceService(ServiceConfig(control_enabled=False))) as server:
        yield server
