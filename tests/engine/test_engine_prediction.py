"""The oracle on its own: predictions per step, and hand-written expectations that disagree with it."""

from __future__ import annotations

from datetime import timedelta

from engine_helpers import action, check, make_case, set_presence

from conformance.cases.model import ActionKind, AppSpec, Expectation, PresenceExpectation, StatusExpectation
from conformance.engine import predict_case, self_check
from reference_impl.model import Profile


def test_predictions_follow_the_timeline() -> None:
    case = make_case(
        "fade",
        set_presence(duration="PT1H"),
        check("5m"),
        check("10m"),
        action(ActionKind.GET_PRESENCES_BY_USER_ID, "10m", users=("alice",), extra_ids=1),
    )
    first, faded, away, batch = predict_case(case)
    assert (first.status, first.presence, first.error) == (200, None, None)
    assert first.method == "POST" and first.path.endswith("/presence/setPresence")
    assert faded.presence == {"availability": "Available", "activity": "AvailableInactive"}
    assert away.presence == {"availability": "Away", "activity": "Away"}
    assert faded.at == timedelta(minutes=5)
    assert batch.presences is not None
    assert batch.presences["alice"] == {"availability": "Away", "activity": "Away"}
    assert sorted(v["availability"] for v in batch.presences.values()) == ["Away", "Offline"]


def test_predictions_use_the_profile() -> None:
    case = make_case("status", set_presence())
    assert predict_case(case)[0].status == 200
    assert predict_case(case, Profile(write_status=204))[0].status == 204


def test_refusals_carry_the_graph_error() -> None:
    case = make_case("bad", set_presence(duration="PT1M"))
    (refused,) = predict_case(case)
    assert refused.status == 400
    assert refused.error is not None and refused.error["code"] == "invalidRequest"


def test_a_case_that_agrees_with_the_oracle_has_no_problems() -> None:
    case = make_case(
        "agrees",
        set_presence(status="200"),
        check("0", "Available", "Available"),
        set_presence("1m", duration="PT1M", status="4xx"),
    )
    assert self_check(case) == []


def test_every_kind_of_disagreement_is_named_with_its_place() -> None:
    apps = {"app": AppSpec("app")}
    case = make_case(
        "disagrees",
        set_presence(status="204"),
        check("0", "Busy"),
        action(
            ActionKind.GET_PRESENCES_BY_USER_ID,
            users=("alice",),
            expect=Expectation(presences={"alice": PresenceExpectation("Away", None)}),
        ),
        set_presence(expect=Expectation(graph_error=True)),
        action(
            ActionKind.GET_PRESENCE,
            user="alice",
            expect=Expectation(status=StatusExpectation("404"), presence=PresenceExpectation("Available")),
        ),
        apps=apps,
    )
    problems = self_check(case)
    assert problems == [
        "tests/disagrees.presence.yaml:10: disagrees step 0 at PT0S (setPresence by app for alice): "
        "written status 204, the oracle answers 200",
        "tests/disagrees.presence.yaml:11: disagrees step 1 at PT0S (check alice): "
        "written presence {'availability': 'Busy'}, the oracle predicts Available/Available",
        "tests/disagrees.presence.yaml:12: disagrees step 2 at PT0S (getPresencesByUserId by app): "
        "written presence of alice {'availability': 'Away'}, the oracle predicts Available/Available",
        "tests/disagrees.presence.yaml:13: disagrees step 3 at PT0S (setPresence by app for alice): "
        "written graph_error, the oracle answers 200 without an error",
        "tests/disagrees.presence.yaml:14: disagrees step 4 at PT0S (getPresence by app for alice): "
        "written status 404, the oracle answers 200",
    ]
