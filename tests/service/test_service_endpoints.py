"""Every endpoint's successful answer, in-process through ``dispatch``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from service_helpers import APP_A, APP_B, OTHER_USER, READ_WRITE_ALL, START, USER, Api, users

from reference_impl.model import Profile, read
from reference_impl.service import ENDPOINTS, PresenceService, ServiceClock, ServiceConfig

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def test_set_presence_answers_200_with_no_body(api: Api) -> None:
    response = api.set_presence(availability="Busy", activity="InACall")
    assert response.status == 200 and response.body == b""
    assert set(response.headers) == {"request-id", "client-request-id"}
    assert api.pair() == "Busy/InACall"


def test_presence_resource_has_graphs_shape(api: Api) -> None:
    api.set_presence(availability="DoNotDisturb", activity="Presenting")
    response = api.request("GET", users(USER))
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert list(document) == [
        "@odata.context",
        "id",
        "availability",
        "activity",
        "statusMessage",
        "outOfOfficeSettings",
        "sequenceNumber",
    ]
    assert document["@odata.context"] == f"http://localhost/v1.0/$metadata#users('{USER}')/presence/$entity"
    assert document["id"] == USER
    assert (document["availability"], document["activity"]) == ("DoNotDisturb", "Presenting")
    assert document["statusMessage"] is None
    assert document["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}
    assert isinstance(document["sequenceNumber"], str)


def test_unwritten_user_is_offline(api: Api) -> None:
    assert api.pair(OTHER_USER) == "Offline/Offline"


def test_user_ids_are_reported_in_lower_case(api: Api) -> None:
    api.set_presence(USER.upper())
    assert api.presence(USER.upper())["id"] == USER
    assert api.pair(USER) == "Available/Available"


def test_base_url_feeds_the_context(service: PresenceService, api: Api) -> None:
    response = service.dispatch(
        "GET", users(USER), {"authorization": "Bearer " + api.token()}, base_url="https://graph.example/"
    )
    assert response.json()["@odata.context"].startswith("https://graph.example/v1.0/$metadata#users(")


def test_query_strings_are_ignored_and_paths_percent_decoded(api: Api) -> None:
    api.set_presence()
    assert api.request("GET", users(USER) + "?$select=availability").json()["id"] == USER
    encoded = users(USER).replace("presence", "%70resence")
    assert api.request("GET", encoded).status == 200


def test_communications_presences_reads_the_same_presence(api: Api) -> None:
    api.set_presence(availability="Away", activity="Away")
    document = api.request("GET", f"/v1.0/communications/presences/{USER}").json()
    assert document["@odata.context"] == "http://localhost/v1.0/$metadata#communications/presences/$entity"
    assert (document["id"], document["availability"], document["activity"]) == (USER, "Away", "Away")


@pytest.mark.parametrize("scope", ["Presence.Read", "Presence.Read.All", "Presence.ReadWrite"])
def test_me_presence_reads_the_signed_in_user(api: Api, scope: str) -> None:
    api.set_presence(availability="Busy", activity="InAConferenceCall")
    token = api.token(APP_B, scopes=[scope], user_id=USER)
    document = api.request("GET", "/v1.0/me/presence", token=token).json()
    assert document["@odata.context"] == f"http://localhost/v1.0/$metadata#users('{USER}')/presence/$entity"
    assert (document["id"], document["activity"]) == (USER, "InAConferenceCall")


def test_delegated_caller_writes_its_own_presence(api: Api) -> None:
    token = api.token(APP_B, scopes=["Presence.ReadWrite"], user_id=USER)
    body = {"sessionId": APP_B, "availability": "Busy", "activity": "InACall"}
    assert api.request("POST", users(USER, "setPresence"), body, token=token).status == 200
    assert api.request("GET", users(USER), token=token).json()["availability"] == "Busy"


def test_batch_answers_each_distinct_id_once_in_request_order(api: Api) -> None:
    api.set_presence(USER, availability="Busy", activity="InACall")
    third = "5d2c4b3a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
    ids = [OTHER_USER, USER.upper(), third, USER]
    response = api.request("POST", "/v1.0/communications/getPresencesByUserId", {"ids": ids})
    assert response.status == 200
    document = response.json()
    assert document["@odata.context"] == "http://localhost/v1.0/$metadata#Collection(microsoft.graph.presence)"
    assert [(p["id"], p["availability"]) for p in document["value"]] == [
        (OTHER_USER, "Offline"),
        (USER, "Busy"),
        (third, "Offline"),
    ]
    assert all("@odata.context" not in p for p in document["value"])
    assert set(document["value"][0]) == {
        "id",
        "availability",
        "activity",
        "statusMessage",
        "outOfOfficeSettings",
        "sequenceNumber",
    }


@pytest.mark.parametrize("role", ["Presence.Read.All", READ_WRITE_ALL])
def test_batch_with_application_read_permissions(api: Api, role: str) -> None:
    token = api.token(roles=[role])
    response = api.request("POST", "/v1.0/communications/getPresencesByUserId", {"ids": [USER]}, token=token)
    assert response.status == 200


def test_batch_with_delegated_read_all(api: Api) -> None:
    token = api.token(scopes=["Presence.Read.All"], user_id=USER)
    response = api.request("POST", "/v1.0/communications/getPresencesByUserId", {"ids": [OTHER_USER]}, token=token)
    assert response.status == 200


def test_two_apps_aggregate_by_precedence(api: Api) -> None:
    api.set_presence(app_id=APP_A, availability="Available", activity="Available")
    api.set_presence(app_id=APP_B, availability="Busy", activity="InACall")
    assert api.pair() == "Busy/InACall"
    assert api.clear_presence(app_id=APP_B).status == 200
    assert api.pair() == "Available/Available"
    assert api.clear_presence(app_id=APP_A).status == 200
    assert api.pair() == "Offline/Offline"


def test_preferred_presence_overrides_sessions_and_clears(api: Api) -> None:
    api.set_presence(availability="Busy", activity="InACall")
    assert api.set_preferred(availability="BeRightBack", activity="BeRightBack").status == 200
    assert api.pair() == "BeRightBack/BeRightBack"
    response = api.request("POST", users(USER, "clearUserPreferredPresence"))
    assert response.status == 200 and response.body == b""
    assert api.pair() == "Busy/InACall"


def test_clear_preferred_takes_an_empty_object_too(api: Api) -> None:
    api.set_preferred()
    assert api.request("POST", users(USER, "clearUserPreferredPresence"), {}).status == 200
    assert api.snapshot().preferred is None


def test_available_fades_then_expires(api: Api, clock: ServiceClock) -> None:
    api.set_presence(duration="PT1H")
    clock.advance(timedelta(minutes=5))
    assert api.pair() == "Available/AvailableInactive"
    clock.advance(timedelta(minutes=5))
    assert api.pair() == "Away/Away"
    clock.advance(timedelta(minutes=50))
    assert api.pair() == "Offline/Offline"


def test_sequence_number_grows_with_writes_and_timers(api: Api, clock: ServiceClock) -> None:
    first = api.presence()["sequenceNumber"]
    api.set_presence(duration="PT1H")
    second = api.presence()["sequenceNumber"]
    clock.advance(timedelta(minutes=5))
    third = api.presence()["sequenceNumber"]
    assert first < second < third


def test_read_matches_the_model_on_the_snapshot(api: Api, service: PresenceService, clock: ServiceClock) -> None:
    api.set_presence(app_id=APP_A, duration="PT2H")
    api.set_presence(app_id=APP_B, availability="Away", activity="Away", duration="PT30M")
    clock.advance(timedelta(minutes=7))
    view = read(service.snapshot(USER), USER, clock.now(), service.config.profile)
    document = api.presence()
    assert (document["availability"], document["activity"], document["sequenceNumber"]) == (
        view.pair.availability,
        view.pair.activity,
        view.sequence,
    )


def test_snapshot_accepts_any_case(api: Api, service: PresenceService) -> None:
    api.set_presence()
    assert service.snapshot(USER.upper()) == service.snapshot(USER)
    assert len(service.snapshot(USER).sessions) == 1


def test_write_status_follows_the_profile() -> None:
    service = PresenceService(ServiceConfig(profile=Profile(write_status=204)), ServiceClock.manual(START))
    api = Api(service)
    assert api.set_presence().status == 204
    assert api.clear_presence().status == 204


def test_profile_reaches_the_parsers() -> None:
    profile = Profile.from_mapping({"matching": "case-insensitive"})
    api = Api(PresenceService(ServiceConfig(profile=profile), ServiceClock.manual(START)))
    assert api.set_presence(availability="busy", activity="inacall").status == 200
    assert api.pair() == "Busy/InACall"


def test_reset_drops_every_user(api: Api, service: PresenceService) -> None:
    api.set_presence()
    service.reset(clock=False)
    assert api.pair() == "Offline/Offline"
    assert service.clock.now() == START


def test_endpoint_table_is_the_documented_one() -> None:
    rows = {(e.method, e.path) for e in ENDPOINTS}
    assert rows == {
        ("POST", "/v1.0/users/{id}/presence/setPresence"),
        ("POST", "/v1.0/users/{id}/presence/clearPresence"),
        ("POST", "/v1.0/users/{id}/presence/setUserPreferredPresence"),
        ("POST", "/v1.0/users/{id}/presence/clearUserPreferredPresence"),
        ("GET", "/v1.0/users/{id}/presence"),
        ("GET", "/v1.0/communications/presences/{id}"),
        ("GET", "/v1.0/me/presence"),
        ("POST", "/v1.0/communications/getPresencesByUserId"),
        ("GET", "/_conformance/clock"),
        ("POST", "/_conformance/clock"),
        ("POST", "/_conformance/reset"),
    }


def test_request_ids_are_fresh_uuid4s(api: Api) -> None:
    first, second = api.request("GET", users(USER)), api.request("GET", users(USER))
    assert re.fullmatch(UUID4, first.headers["request-id"])
    assert first.headers["request-id"] != second.headers["request-id"]
    assert first.headers["client-request-id"] == first.headers["request-id"]


def test_sane_client_request_id_is_echoed(api: Api) -> None:
    response = api.request("GET", users(USER), headers={"Client-Request-Id": "my-call-42"})
    assert response.headers["client-request-id"] == "my-call-42"
