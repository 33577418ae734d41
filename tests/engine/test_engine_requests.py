"""From steps to requests: paths, bodies, session ids, auth modes; the oracle sees the same requests."""

from __future__ import annotations

import dataclasses
import json

from engine_helpers import WrappedTarget, action, check, in_process, make_case, set_presence

from conformance.cases.model import ActionKind, AppSpec, AuthMode, Expectation, Step
from conformance.engine import StepStatus, Verdict, run_campaign
from conformance.engine.bindings import Bindings, BoundApp
from conformance.engine.exchanges import plan_request
from conformance.targets.base import HttpRequest, HttpResponse

APP = BoundApp(AppSpec("app"), "aaaaaaaa-0000-4000-8000-000000000001")
OTHER = BoundApp(AppSpec("other"), "aaaaaaaa-0000-4000-8000-000000000002")
ALICE = "bbbbbbbb-0000-4000-8000-000000000001"
BINDINGS = Bindings({"alice": ALICE}, {"app": APP, "other": OTHER}, None)


def _step(**fields: object) -> Step:
    return Step(index=0, line=1, **fields)  # type: ignore[arg-type]


def test_set_presence_sends_the_acting_apps_id_as_session_id() -> None:
    request = plan_request(_step(**set_presence()), BINDINGS)
    assert (request.method, request.path) == ("POST", f"/v1.0/users/{ALICE}/presence/setPresence")
    assert json.loads(request.body or b"") == {
        "availability": "Available",
        "activity": "Available",
        "expirationDuration": "PT1H",
        "sessionId": APP.app_id,
    }
    assert request.writes == ALICE and not request.is_read
    http = request.http("Bearer x")
    assert http.headers == {"Authorization": "Bearer x", "Content-Type": "application/json"}


def test_session_id_of_another_app_and_literal_session_ids() -> None:
    other = plan_request(_step(**set_presence(session_id_of="other")), BINDINGS)
    assert json.loads(other.body or b"")["sessionId"] == OTHER.app_id
    literal = set_presence()
    literal["params"] = {**literal["params"], "sessionId": "not-my-app"}
    assert json.loads(plan_request(_step(**literal), BINDINGS).body or b"")["sessionId"] == "not-my-app"


def test_whole_bodies_are_sent_as_written() -> None:
    raw = plan_request(_step(**action(ActionKind.SET_PRESENCE, user="alice", raw_body="{not json")), BINDINGS)
    assert raw.body == b"{not json"
    null = plan_request(_step(**action(ActionKind.SET_PRESENCE, user="alice", has_body=True, body=None)), BINDINGS)
    assert null.body == b"null"
    listed = plan_request(_step(**action(ActionKind.SET_PRESENCE, user="alice", has_body=True, body=[1])), BINDINGS)
    assert listed.body == b"[1]"


def test_clear_user_preferred_presence_sends_no_body() -> None:
    request = plan_request(_step(**action(ActionKind.CLEAR_USER_PREFERRED_PRESENCE, user="alice")), BINDINGS)
    assert request.body is None
    assert "Content-Type" not in request.http(None).headers
    assert request.http(None).headers == {}


def test_hostile_literal_ids_are_percent_encoded() -> None:
    request = plan_request(_step(**action(ActionKind.GET_PRESENCE, user_id="../../x y?z#")), BINDINGS)
    assert request.path == "/v1.0/users/..%2F..%2Fx%20y%3Fz%23/presence"


def test_batch_reads_carry_bound_and_fresh_ids() -> None:
    request = plan_request(
        _step(**action(ActionKind.GET_PRESENCES_BY_USER_ID, users=("alice",), extra_ids=2)), BINDINGS
    )
    ids = json.loads(request.body or b"")["ids"]
    assert ids[0] == ALICE and len(ids) == 3 and len(set(ids)) == 3
    assert request.reads == tuple(i.lower() for i in ids) and request.is_read


def test_target_and_oracle_agree_on_hostile_and_unauthenticated_requests() -> None:
    case = make_case(
        "hostile",
        action(ActionKind.GET_PRESENCE, user_id="../x y"),
        action(ActionKind.SET_PRESENCE, user="alice", raw_body='{"availability": '),
        action(ActionKind.SET_PRESENCE, user="alice", auth=AuthMode.INVALID, params={"availability": "Busy"}),
        action(ActionKind.GET_PRESENCE, user="alice", auth=AuthMode.NONE),
        check("0", "Offline", "Offline"),
        clauses=("AUTH-TOKEN", "INT-BAD-INPUT"),
    )
    with in_process() as setup:
        target = WrappedTarget(setup.target, lambda _, response: response)
        (result,) = run_campaign([case], dataclasses.replace(setup, target=target)).results
    assert result.verdict is Verdict.PASSED, result.reason
    statuses = [s.expected["status"] if s.expected else None for s in result.steps]
    assert statuses == ["4xx", "4xx", "4xx", "4xx", "2xx"]  # no status written: compared by class
    assert target.requests[0].path == "/v1.0/users/..%2Fx%20y/presence"
    assert "Authorization" not in target.requests[3].headers
    assert target.requests[2].headers["Authorization"].startswith("Bearer ")


def test_a_delegated_app_reads_its_own_presence_through_me() -> None:
    apps = {"app": AppSpec("app"), "mine": AppSpec("mine", delegated_user="alice", scopes=("Presence.Read",))}
    case = make_case(
        "me",
        set_presence("0", "Busy", "InACall"),
        action(ActionKind.GET_MY_PRESENCE, app="mine", user="alice", expect=Expectation()),
        apps=apps,
        clauses=("READ-ME",),
    )
    with in_process() as setup:
        (result,) = run_campaign([case], setup).results
    assert result.verdict is Verdict.PASSED, result.reason
    assert result.steps[1].status is StepStatus.OK
    assert result.steps[1].observed == {"status": 200, "presence": {"availability": "Busy", "activity": "InACall"}}
    assert result.steps[1].exchanges[0].path == "/v1.0/me/presence"


def test_exchanges_record_exactly_what_was_sent() -> None:
    seen: list[HttpRequest] = []

    def spy(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        seen.append(request)
        return response

    case = make_case("same", set_presence(), check())
    with in_process() as setup:
        target = WrappedTarget(setup.target, spy)
        (result,) = run_campaign([case], dataclasses.replace(setup, target=target)).results
    assert result.verdict is Verdict.PASSED
    sent = [(r.method, r.path, None if r.body is None else r.body.decode()) for r in seen]
    recorded = [(e.method, e.path, e.request_body) for s in result.steps for e in s.exchanges]
    assert sent == recorded
