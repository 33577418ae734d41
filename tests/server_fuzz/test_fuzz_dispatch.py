"""Fuzzing the service through ``PresenceService.dispatch`` (no sockets, so many examples are cheap).

Each example is one request against a fresh, seeded service on a manual clock (``fuzz_helpers``): it must
never answer 5xx, must answer every error in Graph's format, and must change nothing when it refuses.
What it answers when it accepts is checked too: a write answers the profile's status with an empty body,
a read a presence resource for the id asked.
"""

from __future__ import annotations

import json

from fuzz_helpers import (
    START,
    USER,
    FuzzRequest,
    check_answer,
    requests_,
    seed,
    snapshot,
    touched_users,
)
from hypothesis import HealthCheck, given, settings

from reference_impl.model import Availability
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

AVAILABILITIES = {str(a) for a in Availability}
WRITES = {"setPresence", "clearPresence", "setUserPreferredPresence", "clearUserPreferredPresence"}


def fresh_service() -> PresenceService:
    service = PresenceService(ServiceConfig(), ServiceClock.manual(START))
    seed(service)
    return service


def _endpoint_of(service: PresenceService, request: FuzzRequest) -> str | None:
    path = request.path.partition("?")[0]
    for endpoint in service.endpoints:
        if endpoint.method == request.method and endpoint.match(path) is not None:
            return endpoint.name
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=requests_())
def test_no_5xx_graph_errors_and_refusals_change_nothing(request: FuzzRequest) -> None:
    service = fresh_service()
    users = touched_users(request)
    before = snapshot(service, users)
    answer = service.dispatch(request.method, request.path, request.headers, request.body, base_url="http://fuzz")
    what = request.describe()
    check_answer(answer.status, answer.headers, answer.body, what)
    after = snapshot(service, users)
    if answer.status >= 400:
        assert after == before, f"a refused request ({answer.status}) changed the state: {what}"
        return
    name = _endpoint_of(service, request)
    assert name is not None, f"{answer.status} for a request no endpoint takes: {what}"
    if name in WRITES:
        assert answer.status == service.config.profile.write_status and answer.body == b"", what
    elif name in ("getPresence", "getCommunicationsPresence", "getMyPresence"):
        assert after == before, f"a read changed the state: {what}"
        document = json.loads(answer.body)
        assert document["availability"] in AVAILABILITIES, what
        assert isinstance(document["activity"], str) and document["id"] == document["id"].lower(), what
    elif name == "getPresencesByUserId":
        assert after == before, f"a read changed the state: {what}"
        items = json.loads(answer.body)["value"]
        asked = json.loads(request.body)["ids"]
        assert [item["id"] for item in items] == list(dict.fromkeys(i.lower() for i in asked)), what


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(first=requests_(), second=requests_())
def test_two_requests_in_a_row_keep_the_invariants(first: FuzzRequest, second: FuzzRequest) -> None:
    # The second request meets whatever state (and clock) the first one left.
    service = fresh_service()
    for request in (first, second):
        users = touched_users(request)
        before = snapshot(service, users)
        answer = service.dispatch(request.method, request.path, request.headers, request.body)
        check_answer(answer.status, answer.headers, answer.body, request.describe())
        if answer.status >= 400:
            assert snapshot(service, users) == before, request.describe()


def test_the_seeded_user_reads_as_seeded() -> None:
    from fuzz_helpers import TOKENS

    service = fresh_service()
    answer = service.dispatch("GET", f"/v1.0/users/{USER}/presence", {"Authorization": TOKENS.values["app"] or ""})
    assert answer.status == 200
    assert (answer.json()["availability"], answer.json()["activity"]) == ("DoNotDisturb", "DoNotDisturb")
