"""Concurrency (no lost update) and arbitrary input (never a 5xx, never a change when refused)."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import START, USER, Api, users

from reference_impl.model import PresencePair, read
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

PAIRS = [("Available", "Available"), ("Busy", "InACall"), ("Away", "Away"), ("DoNotDisturb", "Presenting")]
THREADS, WRITES = 8, 40


def test_concurrent_writes_to_one_user_lose_no_update() -> None:
    service = PresenceService(ServiceConfig(), ServiceClock.manual(START))
    api = Api(service)
    apps = [str(uuid.UUID(int=i + 1)) for i in range(THREADS)]
    tokens = {app: api.token(app) for app in apps}
    barrier = threading.Barrier(THREADS)
    failures: list[int] = []

    def hammer(index: int, app: str) -> None:
        barrier.wait()
        for n in range(WRITES):
            availability, activity = PAIRS[(index + n) % len(PAIRS)]
            body = {"sessionId": app, "availability": availability, "activity": activity, "expirationDuration": "PT1H"}
            response = api.request("POST", users(USER, "setPresence"), body, token=tokens[app])
            if response.status != 200:
                failures.append(response.status)

    threads = [threading.Thread(target=hammer, args=(i, app)) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    state = service.snapshot(USER)
    assert state.writes == THREADS * WRITES
    assert sorted(s.arrival for s in state.sessions) == sorted({s.arrival for s in state.sessions})
    last = {app: PAIRS[(i + WRITES - 1) % len(PAIRS)] for i, app in enumerate(apps)}
    assert {s.session_id: (str(s.pair.availability), str(s.pair.activity)) for s in state.sessions} == last
    view = read(state, USER, START, service.config.profile)
    assert api.pair() == str(view.pair)
    assert api.presence()["sequenceNumber"] == view.sequence


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    keys = st.sampled_from(["sessionId", "availability", "activity", "expirationDuration", "ids", "x"]) | st.text(
        max_size=5
    )
    words = st.sampled_from(["Available", "Busy", "InACall", "Away", "PT5M", "PT4H", "P1D", "-PT5M", USER, "", "<b>"])
    return st.recursive(
        scalars | words,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=12,
    )


PATHS = [
    users(USER, "setPresence"),
    users(USER, "clearPresence"),
    users(USER, "setUserPreferredPresence"),
    users(USER, "clearUserPreferredPresence"),
    "/v1.0/communications/getPresencesByUserId",
    "/_conformance/clock",
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), body=_json_values() | st.binary(max_size=64))
def test_arbitrary_bodies_never_cause_a_server_error(path: str, body: Any) -> None:
    service = PresenceService(ServiceConfig(), ServiceClock.manual(START))
    api = Api(service)
    api.set_presence(duration="PT1H")
    before = (service.snapshot(USER), service.clock.reading())
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api.request("POST", path, raw, headers={"content-type": "application/json"})
    assert response.status < 500, response.body
    if response.status >= 400:
        assert set(response.json()["error"]) == {"code", "message", "innerError"}
        assert (service.snapshot(USER), service.clock.reading()) == before


@settings(max_examples=60, deadline=None)
@given(
    segment=st.text(max_size=40), method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
)
def test_arbitrary_paths_never_cause_a_server_error(segment: str, method: str) -> None:
    api = Api(PresenceService(ServiceConfig(), ServiceClock.manual(START)))
    for path in (f"/v1.0/users/{segment}/presence", f"/v1.0/{segment}", f"/{segment}", segment):
        response = api.request(method, path, {})
        assert response.status < 500, response.body


def test_pairs_used_here_are_valid() -> None:
    from reference_impl.model import SESSION_PAIRS, Activity, Availability

    assert {PresencePair(Availability(a), Activity(b)) for a, b in PAIRS} <= SESSION_PAIRS
