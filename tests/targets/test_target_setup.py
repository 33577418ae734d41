"""Opening targets (bundled, by URL, by file, in process) and the smoke check's actionable messages."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.cases.model import AppSpec
from conformance.errors import ConfigError, NotVerifiable, TargetError
from conformance.targets.auth import MintedTokens, StaticTokens
from conformance.targets.base import HttpRequest
from conformance.targets.clock import ControlApiClock, RealTimeClock
from conformance.targets.inprocess import InProcessTarget, ServiceClockDriver
from conformance.targets.setup import IN_PROCESS_START, TargetSetup, open_in_process, open_target, smoke_check
from reference_impl.model import Boundary, Profile
from reference_impl.server.runner import RunningServer

USER = "11111111-1111-4111-8111-111111111111"
WRITER = AppSpec("teams")


def set_presence(setup: TargetSetup, user: str, availability: str = "Busy", activity: str = "InACall") -> int:
    users = {"u": user}
    body = {"sessionId": setup.auth.app_id(WRITER, users), "availability": availability, "activity": activity}
    request = HttpRequest(
        "POST",
        f"/v1.0/users/{user}/presence/setPresence",
        {"Authorization": setup.auth.authorization(WRITER, users), "Content-Type": "application/json"},
        json.dumps(body).encode(),
    )
    return setup.target.send(request).status


def read_presence(setup: TargetSetup, user: str) -> dict[str, str]:
    header = setup.auth.authorization(WRITER, {"u": user})
    response = setup.target.send(HttpRequest("GET", f"/v1.0/users/{user}/presence", {"Authorization": header}))
    assert response.status == 200, response.body
    document: dict[str, str] = json.loads(response.body)
    return document


def test_in_process_setup_runs_without_sockets() -> None:
    with open_in_process(Profile(boundary=Boundary.EXCLUSIVE)) as setup:
        assert isinstance(setup.target, InProcessTarget) and isinstance(setup.clock, ServiceClockDriver)
        assert setup.profile.boundary is Boundary.EXCLUSIVE and setup.tolerance == timedelta(0)
        smoke_check(setup)
        assert setup.clock.start() == IN_PROCESS_START
        assert set_presence(setup, USER) == 200
        assert read_presence(setup, USER)["availability"] == "Busy"
        # Tokens follow the service clock, so they stay valid however far it moves.
        setup.clock.advance(timedelta(days=30))
        assert read_presence(setup, USER)["availability"] == "Offline"
        setup.reset()
        setup.clock.finish()


def test_bundled_reference_over_http() -> None:
    with open_target() as setup:
        assert isinstance(setup.clock, ControlApiClock) and isinstance(setup.auth, MintedTokens)
        assert setup.description.startswith("http://127.0.0.1:") and "bundled reference" in setup.description
        smoke_check(setup)
        now = setup.clock.start()
        assert set_presence(setup, USER) == 200
        assert setup.clock.advance(timedelta(hours=5)) == now + timedelta(hours=5)
        assert read_presence(setup, USER)["availability"] == "Offline"
        setup.clock.finish()
        setup.reset()
    setup.close()  # twice is fine


def test_bundled_reference_takes_profile_overrides() -> None:
    with open_target(profile_overrides={"write-status": "204"}) as setup:
        assert setup.profile.write_status == 204
        assert set_presence(setup, USER) == 204
    with pytest.raises(ConfigError, match=r"--profile: profile 'boundary' must be one of"):
        open_target(profile_overrides={"boundary": "sometimes"})


def test_url_with_a_control_api(reference: RunningServer) -> None:
    with open_target(url=reference.url, environ={}) as setup:
        assert isinstance(setup.clock, ControlApiClock)
        assert setup.settings["clock"] == "control" and setup.can_reset
        assert setup.user_pool is None
        smoke_check(setup)
        # The server's clock may be far from the wall clock (an earlier run advanced it): tokens follow it.
        setup.clock.start()
        setup.clock.advance(timedelta(days=10))
        setup.clock.finish()
        smoke_check(setup)
        setup.reset()


def test_url_without_a_control_api_runs_in_real_time(reference_without_control: RunningServer) -> None:
    with open_target(url=reference_without_control.url, environ={"PRESENCE_TIME_SCALE": "600"}) as setup:
        assert isinstance(setup.clock, RealTimeClock) and setup.clock.time_scale == 600
        assert not setup.can_reset
        with pytest.raises(NotVerifiable, match="has no test-control API"):
            setup.reset()
        smoke_check(setup)


def test_config_file(tmp_path: Path, reference: RunningServer) -> None:
    path = tmp_path / "target.yaml"
    path.write_text(
        f"""
base_url: http://127.0.0.1:1/not-used
clock: control
settle: PT3S
users: [{USER}]
profile: {{clear-expired-status: 200}}
auth: {{kind: minted, secret_env: SECRET}}
concurrency: 64
"""
    )
    environ = {"SECRET": "presence-conformance-development-secret-not-for-production"}
    with open_target(url=reference.url, config=path, environ=environ) as setup:
        assert setup.settle == timedelta(seconds=3) and setup.user_pool == (USER,)
        assert setup.profile.clear_expired_status == 200 and setup.concurrency == 64
        assert setup.settings["source"] == str(path) and setup.settings["base_url"] == reference.url
        smoke_check(setup)


def test_clock_control_required_but_absent(tmp_path: Path, reference_without_control: RunningServer) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(f"base_url: {reference_without_control.url}\nclock: control\n")
    with pytest.raises(ConfigError, match=r"clock: 'control', but GET .*/_conformance/clock does not answer"):
        open_target(config=path, environ={})
    path.write_text(f"base_url: {reference_without_control.url}\nclock: control\ncontrol_url: false\n")
    with pytest.raises(ConfigError, match=r"needs the control API, but control_url is false"):
        open_target(config=path, environ={})


def test_config_without_a_url(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("clock: real-time\n")
    with pytest.raises(ConfigError, match=r"t.yaml: base_url: missing"):
        open_target(config=path, environ={})


# ---- smoke check failures ---------------------------------------------------------------------------------


def test_smoke_check_unreachable(refused_url: str) -> None:
    with pytest.raises(TargetError, match=rf"cannot connect to {refused_url}: connection refused"):
        open_target(url=refused_url, environ={})
    setup = open_target(url=refused_url, environ={"PRESENCE_CONTROL_URL": "false"})
    with pytest.raises(TargetError, match=rf"cannot connect to {refused_url}: connection refused"):
        smoke_check(setup)
    setup.close()


def test_smoke_check_wrong_secret(reference: RunningServer) -> None:
    with (
        open_target(url=reference.url, token_secret="a-wrong-secret-that-is-long-enough-to-sign", environ={}) as setup,
        pytest.raises(
            ConfigError, match=r"the target rejected the token .*401 InvalidAuthenticationToken.*check --token-secret"
        ),
    ):
        smoke_check(setup)


def test_smoke_check_secret_from_the_environment(reference: RunningServer) -> None:
    environ = {"PRESENCE_TOKEN_SECRET": "a-wrong-secret-that-is-long-enough-to-sign"}
    with (
        open_target(url=reference.url, environ=environ) as setup,
        pytest.raises(ConfigError, match="rejected the token"),
    ):
        smoke_check(setup)


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        (
            "/nothing",
            ConfigError,
            r"no presence API at http://127.0.0.1:\d+/nothing/v1.0/users/[-0-9a-f]+/presence \(404",
        ),
        ("/html", TargetError, r"answered 200 but not a presence resource: '<html>"),
        ("/presence-bad", TargetError, r"answered 200 but not a presence resource"),
        ("/status/403", ConfigError, r"refused the token's permissions .*403 nope refused on purpose"),
        ("/status/500", TargetError, r"answered 500 nope refused on purpose"),
        ("/redirect", TargetError, r"answered 302, a redirect to /ok"),
    ],
)
def test_smoke_check_answers(hostile_url: str, path: str, error: type[Exception], message: str) -> None:
    with (
        open_target(url=hostile_url + path, environ={"PRESENCE_CONTROL_URL": "false"}) as setup,
        pytest.raises(error, match=message),
    ):
        smoke_check(setup)


def test_smoke_check_without_a_reading_app(reference: RunningServer) -> None:
    setup = TargetSetup(
        target=InProcessTarget(reference.service),
        auth=StaticTokens([], environ={}),
        clock=RealTimeClock(),
        description="x",
    )
    with pytest.raises(ConfigError, match=r"needs an application app with Presence.Read.All"):
        smoke_check(setup)
