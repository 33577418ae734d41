"""Hostile servers for the engine: tiny loopback HTTP servers that misbehave in one way each.

Every server wraps an honest :class:`~reference_impl.service.PresenceService` (its test-control API
included, so campaigns run in clock-control mode and never wait): a *behaviour* decides what is
actually sent back for each presence request — the honest answer, a corrupted one, or something that
is not an answer at all (a hang, a drip, a reset connection). The control API stays honest unless a
test says otherwise, so a verdict is always about the presence answers.

Servers are :class:`http.server.ThreadingHTTPServer` instances on ``127.0.0.1:0`` with daemon threads;
a behaviour that stalls waits on the server's ``stopping`` event, so teardown never waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reference_impl.service import PresenceService, ServiceConfig
from reference_impl.service.routing import ServiceResponse


@dataclass(frozen=True, slots=True)
class Seen:
    """One request a hostile server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Behaviour = Callable[["HostileHandler"], None]
"""Answers one request; ``handler.honest()`` is what the reference would have answered."""


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, each answer waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    server: HostileServer
    request_body: bytes = b""

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = self.headers.get("Content-Length", "")
        self.request_body = self.rfile.read(int(length)) if length.isdigit() else b""
        seen = Seen(self.command, self.path, dict(self.headers), self.request_body)
        with self.server.lock:
            self.server.seen.append(seen)
        if self.path.startswith("/_conformance") and self.server.honest_control:
            reply(self, self.honest())
        else:
            self.server.behaviour(self)

    def honest(self) -> ServiceResponse:
        """The reference service's answer to this request."""
        return self.server.service.dispatch(
            self.command, self.path, dict(self.headers), self.request_body, base_url=self.server.url
        )

    @property
    def is_read(self) -> bool:
        """A presence read: a GET, or a batch read."""
        return self.command == "GET" or self.path.endswith("/getPresencesByUserId")


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, behaviour: Behaviour, *, honest_control: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.behaviour = behaviour
        self.honest_control = honest_control
        self.service = PresenceService(ServiceConfig())
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        host, port = self.socket.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def presence_requests(self) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if not seen.path.startswith("/_conformance")]

    def handle_error(self, request: Any, client_address: Any) -> None:  # broken pipes are the point here
        pass


def reply(
    handler: HostileHandler,
    answer: ServiceResponse | None = None,
    *,
    status: int | None = None,
    body: bytes | None = None,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    """Send ``answer`` (or the honest one), with any of its parts replaced."""
    if answer is None and (status is None or body is None):
        answer = handler.honest()
    final_status = status if status is not None else answer.status if answer is not None else 200
    final_body = body if body is not None else answer.body if answer is not None else b""
    handler.send_response(final_status)
    sent = {k.lower(): v for k, v in (answer.headers if answer is not None and body is None else {}).items()}
    sent.pop("content-length", None)
    if content_type is not None:
        sent["content-type"] = content_type
    sent.update({k.lower(): v for k, v in (headers or {}).items()})
    for name, value in sent.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(final_body)))
    handler.end_headers()
    handler.wfile.write(final_body)
