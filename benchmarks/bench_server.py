"""The reference server under load: requests per second and p50/p99 latency, with concurrent clients.

The server runs as a separate process (``python -m reference_impl.server --port 0``) so that it has the
GIL to itself; a small load generator of threads, each with its own ``requests.Session`` (keep-alive),
sends requests to it on loopback. Every scenario is bounded in count (``--requests``) and in time
(``--seconds``) and stops by itself. Scenarios:

- ``setPresence``: each client writes its own users (one app per client);
- ``getPresence``: each client reads users that have a session;
- ``getPresencesByUserId``: batches of 10 ids;
- ``bare GET /_conformance/clock``: no token, no model: the HTTP stack's own cost (a ceiling).

The load generator is Python too and shares the machine's cores with the server: on a 2-core machine
the figures are a lower bound on what the server alone can do.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_server.py [--clients 1 4 16] [--requests 2000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import _common
import requests

from reference_impl.service import DEV_TOKEN_SECRET
from reference_impl.service.tokens import mint_token

APP = "22553876-f5ab-4529-bffb-cfe50aa89f87"
USERS = [str(uuid.UUID(int=0xBE7C000 + i)) for i in range(64)]


@contextmanager
def server_process() -> Iterator[str]:
    command = [sys.executable, "-m", "reference_impl.server", "--port", "0", "--log-level", "warning"]
    env = {**os.environ, "PYTHONPATH": str(_common.ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = next(word for word in line.split() if word.startswith("http://"))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Figures:
    count: int
    errors: int
    wall: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.count / self.wall

    def row(self, name: str, clients: int) -> list[object]:
        p50 = 1000 * _common.percentile(self.latencies, 0.50)
        p99 = 1000 * _common.percentile(self.latencies, 0.99)
        return [name, clients, self.count, self.errors, self.rps, p50, p99]


def load(url: str, make: Callable[[int, int], Request], clients: int, total: int, seconds: float) -> Figures:
    """``clients`` threads share ``total`` requests (``make(client, n)``), stopping at ``seconds`` anyway."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]
    per_client = max(1, total // clients)

    def client(index: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with requests.Session() as session:
            session.get(url + "/_conformance/clock", timeout=10)  # open the connection before timing
            barrier.wait()
            for n in range(per_client):
                if time.perf_counter() > deadline[0]:
                    break
                request = make(index, n)
                started = time.perf_counter()
                response = session.request(
                    request.method, url + request.path, headers=request.headers, data=request.body, timeout=10
                )
                mine.append(time.perf_counter() - started)
                bad += not response.ok
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds + 60  # set before release; corrected just below
    barrier.wait()
    started = time.perf_counter()
    deadline[0] = started + seconds
    for thread in threads:
        thread.join()
    return Figures(len(latencies), errors, time.perf_counter() - started, latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario and client count")
    parser.add_argument("--seconds", type=float, default=15.0, help="time limit per scenario and client count")
    args = parser.parse_args(argv)

    _common.header("bench_server: the reference server in its own process, loaded from threads on loopback")
    rows: list[list[object]] = []
    with server_process() as url:
        clock = requests.get(url + "/_conformance/clock", timeout=10).json()
        now = datetime.fromisoformat(clock["now"])
        token = mint_token(
            secret=DEV_TOKEN_SECRET, app_id=APP, roles=["Presence.ReadWrite.All"], now=now, lifetime=timedelta(days=1)
        )
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        pairs = [("Available", "Available"), ("Busy", "InACall"), ("Away", "Away"), ("DoNotDisturb", "Presenting")]

        def set_presence(client: int, n: int) -> Request:
            user = USERS[(client * 7 + n) % len(USERS)]
            availability, activity = pairs[n % len(pairs)]
            body = {"sessionId": APP, "availability": availability, "activity": activity, "expirationDuration": "PT1H"}
            return Request("POST", f"/v1.0/users/{user}/presence/setPresence", auth, json.dumps(body).encode())

        def get_presence(client: int, n: int) -> Request:
            return Request("GET", f"/v1.0/users/{USERS[(client + n) % len(USERS)]}/presence", auth)

        def batch(client: int, n: int) -> Request:
            ids = [USERS[(client + n + k) % len(USERS)] for k in range(10)]
            body = json.dumps({"ids": ids}).encode()
            return Request("POST", "/v1.0/communications/getPresencesByUserId", auth, body)

        def bare(client: int, n: int) -> Request:
            return Request("GET", "/_conformance/clock", {})

        scenarios: list[tuple[str, Callable[[int, int], Request]]] = [
            ("setPresence", set_presence),
            ("getPresence", get_presence),
            ("getPresencesByUserId (10 ids)", batch),
            ("bare GET /_conformance/clock", bare),
        ]
        for name, make in scenarios:
            for clients in args.clients:
                figures = load(url, make, clients, args.requests, args.seconds)
                rows.append(figures.row(name, clients))
    _common.table(rows, ["scenario", "clients", "requests", "non-2xx", "req/s", "p50 ms", "p99 ms"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
