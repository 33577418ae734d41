"""Many clients at once, over HTTP: no lost update, and the answer the model gives on the final state."""

from __future__ import annotations

import threading
import uuid

import requests
from server_helpers import TIMEOUT, USER, HttpApi, users

from reference_impl.model import read
from reference_impl.server import RunningServer

PAIRS = [("Available", "Available"), ("Busy", "InACall"), ("Away", "Away"), ("DoNotDisturb", "Presenting")]
THREADS, WRITES = 8, 15


def test_eight_apps_writing_one_user_at_once(api: HttpApi, server: RunningServer) -> None:
    apps = [str(uuid.UUID(int=0xA000 + i)) for i in range(THREADS)]
    tokens = {app: api.token(app) for app in apps}
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def hammer(index: int, app: str) -> None:
        with requests.Session() as session:
            barrier.wait()
            for n in range(WRITES):
                availability, activity = PAIRS[(index + n) % len(PAIRS)]
                body = {
                    "sessionId": app,
                    "availability": availability,
                    "activity": activity,
                    "expirationDuration": "PT1H",
                }
                response = session.post(
                    api.url + users(USER, "setPresence"),
                    json=body,
                    headers={"Authorization": f"Bearer {tokens[app]}"},
                    timeout=TIMEOUT,
                )
                with lock:
                    statuses.append(response.status_code)

    threads = [threading.Thread(target=hammer, args=(i, app)) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * (THREADS * WRITES)
    state = server.service.snapshot(USER)
    assert state.writes == THREADS * WRITES
    last = {app: PAIRS[(i + WRITES - 1) % len(PAIRS)] for i, app in enumerate(apps)}
    assert {s.session_id: (str(s.pair.availability), str(s.pair.activity)) for s in state.sessions} == last
    expected = read(state, USER, api.now(), server.service.config.profile)
    document = api.request("GET", users(USER)).json()
    assert f"{document['availability']}/{document['activity']}" == str(expected.pair)
    assert document["sequenceNumber"] == expected.sequence
