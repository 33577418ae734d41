"""The reference server over real HTTP: the walkthrough of docs/reference-server.md, step by step."""

from __future__ import annotations

from server_helpers import APP_A, APP_B, USER, HttpApi, assert_graph_error, users

from reference_impl.model import ErrorCode


def test_two_apps_aggregate_by_precedence(api: HttpApi) -> None:
    assert (
        api.set_presence(app_id=APP_A, availability="Available", activity="Available", duration="PT1H").status_code
        == 200
    )
    assert api.pair() == "Available/Available"
    response = api.set_presence(app_id=APP_B, availability="Busy", activity="InACall", duration="PT1H")
    assert response.status_code == 200 and response.content == b""
    assert api.pair() == "Busy/InACall"
    response = api.request("POST", users(USER, "clearPresence"), json={"sessionId": APP_B}, token=api.token(APP_B))
    assert response.status_code == 200
    assert api.pair() == "Available/Available"


def test_presence_document_over_http(api: HttpApi) -> None:
    api.set_presence(availability="DoNotDisturb", activity="Presenting")
    response = api.request("GET", users(USER))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["@odata.context"] == f"{api.url}/v1.0/$metadata#users('{USER}')/presence/$entity"
    assert document["id"] == USER
    assert document["statusMessage"] is None
    assert document["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}
    batch = api.request("POST", "/v1.0/communications/getPresencesByUserId", json={"ids": [USER]}).json()
    assert batch["value"][0]["availability"] == "DoNotDisturb"


def test_preferred_presence_overrides_then_clears(api: HttpApi) -> None:
    api.set_presence(availability="Busy", activity="InACall", duration="PT1H")
    body = {"availability": "Away", "activity": "Away", "expirationDuration": "PT8H"}
    assert api.request("POST", users(USER, "setUserPreferredPresence"), json=body).status_code == 200
    assert api.pair() == "Away/Away"
    assert api.request("POST", users(USER, "clearUserPreferredPresence")).status_code == 200
    assert api.pair() == "Busy/InACall"


def test_preferred_presence_needs_a_session(api: HttpApi) -> None:
    body = {"availability": "DoNotDisturb", "activity": "DoNotDisturb"}
    assert api.request("POST", users(USER, "setUserPreferredPresence"), json=body).status_code == 200
    assert api.pair() == "Offline/Offline"
    api.set_presence()
    assert api.pair() == "DoNotDisturb/DoNotDisturb"


def test_available_fades_at_5_and_10_minutes_and_expires(api: HttpApi) -> None:
    api.set_presence(duration="PT15M")
    assert api.advance("PT4M59S")["frozen"] is True
    assert api.pair() == "Available/Available"
    api.advance("PT1S")
    assert api.pair() == "Available/AvailableInactive"
    api.advance("PT5M")
    assert api.pair() == "Away/Away"
    api.advance("PT5M")
    assert api.pair() == "Offline/Offline"


def test_a_refresh_restarts_the_fade(api: HttpApi) -> None:
    api.set_presence(duration="PT1H")
    api.advance("PT4M")
    api.set_presence(duration="PT1H")
    api.advance("PT4M")
    assert api.pair() == "Available/Available"


def test_busy_busy_is_400(api: HttpApi) -> None:
    response = api.set_presence(availability="Busy", activity="Busy")
    assert_graph_error(response, 400, ErrorCode.INVALID_REQUEST)
    assert api.pair() == "Offline/Offline"


def test_no_token_is_401(api: HttpApi) -> None:
    body = {"sessionId": APP_A, "availability": "Available", "activity": "Available"}
    response = api.request("POST", users(USER, "setPresence"), json=body, token=None)
    assert_graph_error(response, 401, ErrorCode.UNAUTHENTICATED)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert api.pair() == "Offline/Offline"


def test_clearing_an_unknown_session_is_404(api: HttpApi) -> None:
    response = api.request("POST", users(USER, "clearPresence"), json={"sessionId": APP_A})
    assert_graph_error(response, 404, ErrorCode.NOT_FOUND)


def test_clearing_an_expired_session_is_404(api: HttpApi) -> None:
    api.set_presence()
    api.advance("PT5M")
    response = api.request("POST", users(USER, "clearPresence"), json={"sessionId": APP_A})
    assert_graph_error(response, 404, ErrorCode.NOT_FOUND)


def test_clock_api_round_trip(api: HttpApi) -> None:
    frozen = api.clock()
    assert frozen["frozen"] is True and frozen["now"].endswith("Z")
    assert api.advance("PT1H")["now"] > frozen["now"]
    released = api.post_clock({"freeze": False})
    assert released.status_code == 200 and released.json()["frozen"] is False
    assert_graph_error(api.post_clock({"advance": "-PT5M"}), 400, ErrorCode.INVALID_REQUEST)


def test_reset_over_http(api: HttpApi) -> None:
    api.set_presence()
    response = api.session.post(api.url + "/_conformance/reset")
    assert response.status_code == 204 and response.content == b""
    assert api.clock()["frozen"] is False
    assert api.pair() == "Offline/Offline"
