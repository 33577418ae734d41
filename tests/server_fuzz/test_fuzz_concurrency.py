"""Many apps writing one user's presence from many threads at once, over real HTTP: no update is lost.

``THREADS`` threads each drive ``APPS_PER_THREAD`` apps of their own through a random (seeded) sequence of
``setPresence`` and ``clearPresence`` calls, all against one user, while reader threads poll it. The
server's clock is frozen, so every write lands at the same instant and the only thing that can go wrong
is the store itself: a lost or reordered update shows up as a wrong status (a clear of a session that
should exist), a wrong session, a wrong write count, or a wrong aggregate.

The expected final presence comes from the oracle (an in-process service on a manual clock) given the
last write of each app. Those last writes are chosen so that the aggregate does not depend on their
arrival order (one activity per availability), which the test checks too; the clock is then moved
through fades and expiries and both are compared again.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from fuzz_helpers import START, USER, token

from reference_impl.model import SESSION_PAIRS
from reference_impl.server import RunningServer, serve_in_thread
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

THREADS, APPS_PER_THREAD, ROUNDS, READERS = 6, 3, 6, 2
TIMEOUT = 10.0
DURATIONS = ["PT5M", "PT10M", "PT30M", "PT1H", "PT4H"]
# The final pair of every app: one activity per availability, so equal availabilities are equal pairs.
FINAL_PAIRS = [("DoNotDisturb", "Presenting"), ("Busy", "InACall"), ("Available", "Available"), ("Away", "Away")]
ALL_PAIRS = sorted((str(p.availability), str(p.activity)) for p in SESSION_PAIRS)
MOVES = ["PT0S", "PT7M", "PT20M", "PT50M", "PT3H", "PT2H"]  # cumulative: 0, 7 min, 27 min, 77 min, 4h17, 6h17


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(PresenceService(ServiceConfig(), ServiceClock.manual(START))) as running:
        yield running


def _set_body(app: str, pair: tuple[str, str], duration: str) -> dict[str, str]:
    return {"sessionId": app, "availability": pair[0], "activity": pair[1], "expirationDuration": duration}


def _plan(rng: random.Random, app: str) -> list[tuple[str, dict[str, str], int]]:
    """An app's calls: (action, body, expected status); the last one is a set with a final pair."""
    calls: list[tuple[str, dict[str, str], int]] = []
    has_session = False
    for _ in range(ROUNDS - 1):
        if has_session and rng.random() < 0.3:
            calls.append(("clearPresence", {"sessionId": app}, 200))
            has_session = False
        elif not has_session and rng.random() < 0.1:
            calls.append(("clearPresence", {"sessionId": app}, 404))  # nothing to clear
        else:
            calls.append(("setPresence", _set_body(app, rng.choice(ALL_PAIRS), rng.choice(DURATIONS)), 200))
            has_session = True
    calls.append(("setPresence", _set_body(app, rng.choice(FINAL_PAIRS), rng.choice(DURATIONS)), 200))
    return calls


def _oracle(final: dict[str, dict[str, str]], order: list[str]) -> PresenceService:
    """An in-process service that received only the last write of each app, in ``order``."""
    oracle = PresenceService(ServiceConfig(), ServiceClock.manual(START))
    for app in order:
        answer = oracle.dispatch(
            "POST",
            f"/v1.0/users/{USER}/presence/setPresence",
            {"Authorization": "Bearer " + token(app), "Content-Type": "application/json"},
            json.dumps(final[app]).encode(),
        )
        assert answer.status == 200, answer.body
    return oracle


def _pair(document: dict[str, object]) -> str:
    return f"{document['availability']}/{document['activity']}"


def test_many_apps_many_threads_one_user(server: RunningServer) -> None:
    rng = random.Random(20240501)
    apps = [[str(uuid.UUID(int=0xC0FFEE00 + t * 16 + a)) for a in range(APPS_PER_THREAD)] for t in range(THREADS)]
    plans = {app: _plan(rng, app) for group in apps for app in group}
    tokens = {app: "Bearer " + token(app) for app in plans}
    reader_token = "Bearer " + token(str(uuid.uuid4()), roles=("Presence.Read.All",))
    url = server.url + f"/v1.0/users/{USER}/presence"
    barrier = threading.Barrier(THREADS + READERS)
    done = threading.Event()
    lock = threading.Lock()
    wrong: list[str] = []
    reads: list[str] = []

    def write(group: list[str]) -> None:
        with requests.Session() as session:
            barrier.wait()
            # Round-robin over the thread's apps: each app's calls stay in order, apps interleave.
            for calls in itertools.zip_longest(*(plans[app] for app in group)):
                for app, call in zip(group, calls, strict=True):
                    if call is None:
                        continue
                    action, body, expected = call
                    response = session.post(
                        f"{url}/{action}", json=body, headers={"Authorization": tokens[app]}, timeout=TIMEOUT
                    )
                    if response.status_code != expected:
                        with lock:
                            wrong.append(f"{app} {action}: {response.status_code} (expected {expected})")

    def read() -> None:
        with requests.Session() as session:
            barrier.wait()
            while not done.is_set():
                response = session.get(url, headers={"Authorization": reader_token}, timeout=TIMEOUT)
                with lock:
                    reads.append(f"{response.status_code} {_pair(response.json())}")

    writers = [threading.Thread(target=write, args=(group,)) for group in apps]
    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()

    assert wrong == []
    assert reads and all(r.startswith("200 ") and r != "200 None/None" for r in reads)
    state = server.service.snapshot(USER)
    successful = sum(1 for calls in plans.values() for _, _, status in calls if status == 200)
    assert state.writes == successful, "a write was lost (or counted twice)"
    final = {app: calls[-1][1] for app, calls in plans.items()}
    assert {s.session_id: (str(s.pair.availability), str(s.pair.activity)) for s in state.sessions} == {
        app: (body["availability"], body["activity"]) for app, body in final.items()
    }

    order = list(final)
    oracles = [_oracle(final, order), _oracle(final, order[::-1]), _oracle(final, rng.sample(order, len(order)))]
    http = requests.Session()
    for move in MOVES:
        response = http.post(server.url + "/_conformance/clock", json={"advance": move}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        observed = http.get(url, headers={"Authorization": reader_token}, timeout=TIMEOUT).json()
        expected = set()
        for oracle in oracles:
            oracle.clock.advance(_duration(move))
            answer = oracle.dispatch("GET", f"/v1.0/users/{USER}/presence", {"Authorization": reader_token})
            expected.add(_pair(answer.json()))
        assert len(expected) == 1, f"the prediction depends on arrival order at +{move}: {expected}"
        assert _pair(observed) == expected.pop(), f"after advancing {move}"
    http.close()


def _duration(text: str) -> timedelta:
    from reference_impl.model import parse_duration

    return parse_duration(text)
