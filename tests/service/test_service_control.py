"""The test-control API in-process: the clock contract, reset, and its absence when disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from service_helpers import START, USER, Api, assert_graph_error, users

from reference_impl.model import ErrorCode
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig, format_instant


def _clock_post(api: Api, body: object) -> tuple[int, object]:
    response = api.request("POST", "/_conformance/clock", body, token=None)
    return response.status, response.json() if response.body else None


def test_get_clock_needs_no_token(api: Api) -> None:
    response = api.request("GET", "/_conformance/clock", token=None)
    assert response.status == 200
    assert response.json() == {"now": "2024-05-01T12:00:00Z", "frozen": True}


def test_advance_moves_a_frozen_clock(api: Api) -> None:
    assert _clock_post(api, {"advance": "PT5M"}) == (200, {"now": "2024-05-01T12:05:00Z", "frozen": True})
    assert _clock_post(api, {"advance": "P1DT0.5S"}) == (200, {"now": "2024-05-02T12:05:00.500000Z", "frozen": True})


def test_freeze_advance_release_on_a_running_clock() -> None:
    ticks = [0.0]
    clock = ServiceClock(wall=lambda: START, monotonic=lambda: ticks[0])
    api = Api(PresenceService(ServiceConfig(), clock))
    ticks[0] = 1.0
    assert _clock_post(api, {"freeze": True}) == (200, {"now": "2024-05-01T12:00:01Z", "frozen": True})
    ticks[0] = 5.0
    assert _clock_post(api, {"advance": "PT10M"}) == (200, {"now": "2024-05-01T12:10:01Z", "frozen": True})
    assert _clock_post(api, {"freeze": False}) == (200, {"now": "2024-05-01T12:10:01Z", "frozen": False})
    ticks[0] = 7.0
    assert api.request("GET", "/_conformance/clock").json() == {"now": "2024-05-01T12:10:03Z", "frozen": False}
    # advance on a running clock freezes it first
    assert _clock_post(api, {"advance": "PT1S"}) == (200, {"now": "2024-05-01T12:10:04Z", "frozen": True})


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance": "-PT5M"},
        {"advance": "5 minutes"},
        {"advance": "P1M"},
        {"advance": 300},
        {"advance": "PT5M", "freeze": True},
        {"freeze": "yes"},
        {"freeze": None},
        {"rewind": "PT5M"},
        ["advance", "PT5M"],
        {"advance": "P3000000D"},
        {"advance": "P999999999D"},
    ],
)
def test_bad_clock_requests_are_400_and_change_nothing(api: Api, body: object) -> None:
    response = api.request("POST", "/_conformance/clock", body, token=None)
    assert_graph_error(response, 400, ErrorCode.INVALID_REQUEST)
    assert api.clock.reading() == (START, True)


def test_malformed_clock_body_is_400(api: Api) -> None:
    response = api.request(
        "POST", "/_conformance/clock", b"{advance", token=None, headers={"content-type": "application/json"}
    )
    assert_graph_error(response, 400)


def test_reset_drops_state_and_returns_the_clock_to_real_time(api: Api) -> None:
    api.set_presence()
    api.clock.advance(timedelta(hours=3))
    before = datetime.now(UTC)
    response = api.request("POST", "/_conformance/reset", token=None)
    assert response.status == 204 and response.body == b""
    assert "request-id" in response.headers
    now, frozen = api.clock.reading()
    assert not frozen and before <= now <= datetime.now(UTC) + timedelta(seconds=1)
    assert api.pair() == "Offline/Offline"
    assert api.service.snapshot(USER).sessions == ()


def test_disabled_control_api_is_not_there() -> None:
    api = Api(PresenceService(ServiceConfig(control_enabled=False), ServiceClock.manual(START)))
    for method, path in [
        ("GET", "/_conformance/clock"),
        ("POST", "/_conformance/clock"),
        ("POST", "/_conformance/reset"),
    ]:
        assert_graph_error(api.request(method, path, {"freeze": True}, token=None), 404, ErrorCode.NOT_FOUND)
    assert api.clock.reading() == (START, True)
    assert all(not endpoint.control for endpoint in api.service.endpoints)
    assert api.request("GET", users(USER)).status == 200


def test_format_instant() -> None:
    assert format_instant(START) == "2024-05-01T12:00:00Z"
    assert format_instant(START + timedelta(microseconds=5)) == "2024-05-01T12:00:00.000005Z"


def test_the_control_api_takes_json_whatever_its_content_type(api: Api) -> None:
    # curl -d labels its body application/x-www-form-urlencoded; the control API is test tooling and reads it.
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = api.service.dispatch("POST", "/_conformance/clock", form, b'{"advance": "PT5M"}')
    assert (response.status, response.json()) == (200, {"now": "2024-05-01T12:05:00Z", "frozen": True})
    garbage = api.service.dispatch("POST", "/_conformance/clock", form, b"advance=PT5M")
    assert garbage.status == 400
