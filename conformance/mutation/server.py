"""Serving a mutant: the reference server with one mutant applied, in a child process of its own.

The engine's oracle is the reference model itself, so a mutant must never be applied in the engine's
process. :class:`MutantServer` binds a loopback socket here (port 0: a free port, known before the child
starts), then starts a child that applies the mutant and serves the reference HTTP app on that socket:

- ``fork`` (the default where the platform has it): the child is a copy of this process, so nothing is
  imported again and a server is up in a few milliseconds;
- ``subprocess``: a fresh interpreter (``python -m conformance.mutation.server NAME --fd N``) that
  inherits only the socket; slower to start, but shares nothing else with this process.

The socket listens before the child starts, so requests sent at once wait in its backlog rather than
fail. This process closes its own copy as soon as the child has it: if the child dies, connecting fails
at once instead of hanging. The server has the test-control API and verifies tokens with the development
secret, like the bundled reference server.

Run one by hand (for ``presence-conformance run --target`` or ``fuzz --target``)::

    python -m conformance.mutation.server agg-last-writer-wins --port 8766
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

import requests

from .catalog import CATALOG, Mutant, arm, by_name

__all__ = ["MutantServer", "StartMethod", "default_start_method", "main", "serve_on"]

StartMethod = Literal["fork", "subprocess"]

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 3.0
_PROBE_PATH = "/_conformance/clock"
# One child is started at a time: a socket bound for one child must not leak into another forked meanwhile.
_START_LOCK = threading.Lock()


def default_start_method() -> StartMethod:
    """``fork`` where the platform offers it, else ``subprocess``."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "subprocess"


def _bind(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only on sockets that say they are TCP (as the
    # reference runner does), else every keep-alive answer waits for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.bind((host, 0))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def serve_on(mutant: Mutant | str | None, sock: socket.socket) -> None:
    """Apply ``mutant`` (a catalogue name, or ``None`` for none) to this process and serve on ``sock``
    until stopped.

    Only ever called in a child process: it patches the reference model for good.
    """
    # Imported here: the parent needs none of it, and a fresh subprocess pays for it only once.
    import uvicorn

    from reference_impl.server.app import create_app
    from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

    arm()
    if mutant is not None:
        (by_name(mutant) if isinstance(mutant, str) else mutant).apply()
    service = PresenceService(ServiceConfig(), ServiceClock())
    config = uvicorn.Config(
        create_app(service),
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=1,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _forked_child(mutant: Mutant | None, sock: socket.socket, parent: int) -> None:
    _exit_with_parent(parent)
    serve_on(mutant, sock)


def _exit_with_parent(parent: int) -> None:
    """End this (child) process when ``parent`` is gone, however it ended (a kill skips its clean-up)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


class MutantServer:
    """A reference server with ``mutant`` applied (``None``: the plain reference), in a child process.

    A context manager: ``with MutantServer(mutant) as server: ... server.url``. :meth:`start` returns once
    the server answers its control API; :meth:`stop` ends the child (idempotent). With ``subprocess``
    the mutant must be in the catalogue (the child finds it by name); ``fork`` serves any :class:`Mutant`.

    Args:
        mutant: the mutant to serve, or ``None`` for the unmodified reference.
        host: the loopback address to listen on.
        start_method: ``fork`` or ``subprocess`` (default: :func:`default_start_method`).
    """

    def __init__(
        self, mutant: Mutant | None, *, host: str = "127.0.0.1", start_method: StartMethod | None = None
    ) -> None:
        self.mutant = mutant
        self._host = host
        self._method: StartMethod = start_method or default_start_method()
        self._process: multiprocessing.process.BaseProcess | subprocess.Popen[bytes] | None = None
        self.url = ""

    @property
    def name(self) -> str:
        return self.mutant.name if self.mutant is not None else "reference"

    def start(self) -> MutantServer:
        """Start the child and wait until it serves.

        Raises:
            RuntimeError: the child died or did not answer within 15 seconds (the mutant failed to apply,
                or the server could not start).
        """
        name = None if self.mutant is None else self.mutant.name
        with _START_LOCK:
            sock = _bind(self._host)
            try:
                host, port = sock.getsockname()[:2]
                self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
                if self._method == "fork":
                    context = multiprocessing.get_context("fork")
                    # A forked child gets the Mutant itself (nothing is pickled), so any Mutant can be served.
                    args = (self.mutant, sock, os.getpid())
                    process = context.Process(target=_forked_child, args=args, name=f"mutant {self.name}", daemon=True)
                    with warnings.catch_warnings():
                        # Python 3.12+ warns that forking a process with threads may deadlock the child. The
                        # child only serves HTTP on its own event loop and takes no lock a thread could hold.
                        warnings.simplefilter("ignore", DeprecationWarning)
                        process.start()
                    self._process = process
                else:
                    self._process = _spawn(name, sock)
            finally:
                sock.close()  # the child has its own copy
        self._wait_until_serving()
        return self

    def _alive(self) -> bool:
        process = self._process
        if process is None:
            return False
        if isinstance(process, subprocess.Popen):
            return process.poll() is None
        return process.is_alive()

    def _exit_code(self) -> int | None:
        process = self._process
        if isinstance(process, subprocess.Popen):
            return process.poll()
        return None if process is None else process.exitcode

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        last: Exception | None = None
        with requests.Session() as session:
            session.trust_env = False  # loopback: never through a proxy
            while time.monotonic() < deadline:
                if not self._alive():
                    break
                try:
                    response = session.get(self.url + _PROBE_PATH, timeout=_START_TIMEOUT)
                except requests.RequestException as exc:
                    last = exc
                    time.sleep(0.01)
                    continue
                if response.status_code == 200:
                    return
                last = RuntimeError(f"GET {_PROBE_PATH} answered {response.status_code}")
                break
        code = self._exit_code()
        self.stop()
        state = f"exited with code {code}" if code is not None else "did not answer"
        raise RuntimeError(f"the {self.name} server on {self.url} {state} (see its stderr)") from last

    def stop(self) -> None:
        """Stop the child: SIGTERM, then SIGKILL if it lingers. Safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if isinstance(process, subprocess.Popen):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(_STOP_TIMEOUT)
            return
        if process.is_alive():
            process.terminate()
            process.join(_STOP_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join(_STOP_TIMEOUT)
        process.close()

    def __enter__(self) -> MutantServer:
        return self.start() if self._process is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<MutantServer {self.name} {self.url or '(not started)'}>"


def _spawn(mutant_name: str | None, sock: socket.socket) -> subprocess.Popen[bytes]:
    fd = sock.fileno()
    command = [sys.executable, "-m", "conformance.mutation.server", "--fd", str(fd), "--parent", str(os.getpid())]
    command.append(mutant_name if mutant_name is not None else "reference")
    env = dict(os.environ)
    # The child must import this very copy of the suite (a checkout or an install).
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(command, pass_fds=(fd,), env=env)


# ---- python -m conformance.mutation.server ------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve one mutant in the foreground until Ctrl-C (or on an inherited socket with ``--fd``)."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.mutation.server",
        description="Serve the reference server with one mutant applied (test-control API on, development secret).",
    )
    parser.add_argument("mutant", nargs="?", help="the mutant's name, or 'reference' for none (see --list)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # an inherited listening socket
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # exit when this process is gone
    args = parser.parse_args(argv)
    if args.list:
        for mutant in CATALOG:
            print(f"{mutant.name:<36} {mutant.clause:<24} {mutant.description}")
        return 0
    if not args.mutant:
        parser.error("name a mutant (or 'reference'); --list shows them")
    name = None if args.mutant == "reference" else args.mutant
    if name is not None:
        try:
            by_name(name)
        except KeyError as exc:
            parser.error(str(exc.args[0]))
    if args.parent is not None:
        _exit_with_parent(args.parent)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(128)
        host, port = sock.getsockname()[:2]
        print(f"mutant {args.mutant} on http://{host}:{port} (test-control API at /_conformance)", flush=True)
    try:
        serve_on(name, sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
