"""Running the reference server: in a background thread (tests, the engine) or in the foreground (CLI).

Both bind the listening socket here and hand it to uvicorn, so port ``0`` gives a free port whose URL is
known before the first request. ``serve_in_thread`` logs nothing below warnings and keeps no access log;
it starts in a few milliseconds and stops in a few tenths of a second, as often as a test session likes::

    with serve_in_thread(PresenceService()) as server:
        requests.get(f"{server.url}/_conformance/clock")
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any

import uvicorn

from ..model import DEFAULT_PROFILE, DurationError, Profile, ProfileError, parse_duration
from ..service import PresenceService, ServiceClock, ServiceConfig
from ..service.tokens import DEV_TOKEN_SECRET, SECRET_ENV
from .app import create_app

__all__ = ["RunningServer", "ServerOptions", "add_serve_arguments", "run_serve", "serve_in_thread"]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerOptions:
    """Everything ``presence-conformance serve`` can be told, with its defaults."""

    host: str = "127.0.0.1"
    port: int = 8765
    token_secret: str = field(default=DEV_TOKEN_SECRET, repr=False)
    control_enabled: bool = True
    propagation_delay: timedelta = timedelta(0)
    time_scale: float = 1.0
    profile: Profile = DEFAULT_PROFILE
    log_level: str = "info"
    access_log: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServerOptions:
        """The options parsed by a parser prepared with :func:`add_serve_arguments`.

        Raises:
            ProfileError: the ``--profile`` settings do not make a profile.
        """
        return cls(
            host=args.host,
            port=args.port,
            token_secret=args.token_secret or os.environ.get(SECRET_ENV) or DEV_TOKEN_SECRET,
            control_enabled=not args.no_control,
            propagation_delay=args.propagation_delay,
            time_scale=args.time_scale,
            profile=Profile.from_mapping(dict(args.profile)),
            log_level=args.log_level,
            access_log=args.access_log,
        )

    def build_service(self) -> PresenceService:
        """A service configured by these options, on a real-time clock running at ``time_scale``.

        Raises:
            ValueError: the token secret is shorter than 32 bytes.
        """
        config = ServiceConfig(
            token_secret=self.token_secret,
            profile=self.profile,
            control_enabled=self.control_enabled,
            propagation_delay=self.propagation_delay,
        )
        return PresenceService(config, ServiceClock(time_scale=self.time_scale))


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are
    # TCP, and with Nagle on, every keep-alive answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _config(service: PresenceService, *, log_level: str, access_log: bool, log_config: Any) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(service),
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="off",
        log_level=log_level,
        access_log=access_log,
        log_config=log_config,
        timeout_graceful_shutdown=2,
    )


class RunningServer:
    """A server running in a background thread; a context manager that stops it on exit.

    Attributes:
        url: ``http://host:port`` it listens on.
        service: the service it serves (tests may inspect or reset it directly).
    """

    def __init__(self, service: PresenceService, host: str, port: int, *, log_level: str = "warning") -> None:
        self.service = service
        self._socket = _bind(host, port)
        self.url = _url(self._socket)
        # log_config=None leaves the process's logging alone: a test session's handlers stay as they are.
        self._server = uvicorn.Server(_config(service, log_level=log_level, access_log=False, log_config=None))
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"presence-server {self.url}", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(), not by the thread's excepthook
            self._error = exc

    def start(self) -> RunningServer:
        """Start serving; return once the server accepts connections.

        Raises:
            RuntimeError: it failed to start within 10 seconds.
        """
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the reference server did not start on {self.url}") from self._error
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(_STOP_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningServer {self.url}>"


def serve_in_thread(service: PresenceService, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``service`` on ``host:port`` (``0``: a free port) in a daemon thread; started when returned.

    Raises:
        OSError: the address cannot be bound.
        RuntimeError: the server failed to start.
    """
    return RunningServer(service, host, port).start()


# ---- the `serve` command --------------------------------------------------------------------------


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _time_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"the time scale must be a positive number (got {text!r})")
    return value


def _profile_setting(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"a profile setting is key=value (got {text!r})")
    value: object = int(raw) if raw.isdigit() else raw
    try:
        Profile.from_mapping({key: value})
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return key, value


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` command's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one (default 8765)")
    parser.add_argument(
        "--token-secret",
        help=f"HS256 secret tokens are verified with (default: ${SECRET_ENV}, else the development secret)",
    )
    parser.add_argument("--no-control", action="store_true", help="serve without the test-control API")
    parser.add_argument(
        "--propagation-delay",
        type=_duration,
        default=timedelta(0),
        metavar="DURATION",
        help="reads see writes and timers this late, e.g. PT30S (default: none)",
    )
    parser.add_argument(
        "--time-scale",
        type=_time_scale,
        default=1.0,
        metavar="FACTOR",
        help="service seconds per real second while the clock runs, e.g. 600 (default 1)",
    )
    parser.add_argument(
        "--profile",
        type=_profile_setting,
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="an interpretation to deviate from, e.g. write_status=204 boundary=exclusive",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"], help="(default info)"
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")


def _describe(options: ServerOptions, url: str) -> list[str]:
    control = "test-control API at /_conformance" if options.control_enabled else "test-control API disabled"
    lines = [f"Presence reference server on {url} ({control})"]
    secret = "the development secret" if options.token_secret == DEV_TOKEN_SECRET else "a configured secret"
    lines.append(f"  tokens: HS256 signed with {secret}")
    if options.propagation_delay:
        lines.append(f"  propagation delay: {options.propagation_delay}")
    if options.time_scale != 1.0:
        lines.append(f"  time scale: x{options.time_scale:g}")
    lines += [f"  profile: {key} = {value}" for key, value in options.profile.deviations().items()]
    return lines


def run_serve(args: argparse.Namespace) -> int:
    """``presence-conformance serve``: serve in the foreground until Ctrl-C.

    Returns 0 once stopped by Ctrl-C or SIGTERM, 1 if the address cannot be bound, 2 for bad options.
    """
    try:
        options = ServerOptions.from_args(args)
        service = options.build_service()
    except (ProfileError, ValueError) as exc:
        print(f"presence-conformance serve: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _bind(options.host, options.port)
    except OSError as exc:
        print(f"presence-conformance serve: cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 1
    logging.basicConfig(level=options.log_level.upper(), format="%(levelname)s: %(name)s: %(message)s")
    config = _config(
        service, log_level=options.log_level, access_log=options.access_log, log_config=uvicorn.config.LOGGING_CONFIG
    )
    print("\n".join(_describe(options, _url(sock))), flush=True)
    # In the main thread uvicorn handles SIGINT and SIGTERM itself: it stops gracefully, restores the
    # previous handlers and raises the signal again. SIGINT then surfaces as KeyboardInterrupt; for SIGTERM
    # a no-op handler is put in place, so that a stop by a process manager is a clean exit too.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None) if in_main else None
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sock.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m reference_impl.server``: the ``serve`` command without the project's CLI."""
    parser = argparse.ArgumentParser(prog="python -m reference_impl.server", description="Run the reference server.")
    add_serve_arguments(parser)
    return run_serve(parser.parse_args(argv))
