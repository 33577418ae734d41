"""Starting and stopping servers, their options, and the ``serve`` command."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from server_helpers import APP_A, TIMEOUT, USER, HttpApi, assert_graph_error, users

from reference_impl.model import ErrorCode, Profile
from reference_impl.server import ServerOptions, add_serve_arguments, run_serve, serve_in_thread
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceClock, ServiceConfig

ROOT = Path(__file__).resolve().parents[2]


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_servers_start_and_stop_quickly_and_release_their_port() -> None:
    started = time.monotonic()
    for _ in range(4):
        with serve_in_thread(PresenceService()) as server:
            port = int(server.url.rsplit(":", 1)[1])
            assert requests.get(server.url + "/_conformance/clock", timeout=TIMEOUT).status_code == 200
        with socket.socket() as probe:  # the port is free again
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
    assert time.monotonic() - started < 8


def test_stop_is_idempotent() -> None:
    server = serve_in_thread(PresenceService())
    server.stop()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/_conformance/clock", timeout=TIMEOUT)


def test_a_taken_port_is_an_oserror() -> None:
    with serve_in_thread(PresenceService()) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            serve_in_thread(PresenceService(), port=port)


def test_time_scale_runs_the_clock_fast() -> None:
    service = PresenceService(ServiceConfig(), ServiceClock(time_scale=600))
    with serve_in_thread(service) as server, requests.Session() as session:
        api = HttpApi(server.url, session)
        first = api.now()
        time.sleep(0.05)
        second = api.now()
        assert second - first >= timedelta(seconds=30)  # 0.05 s at x600
        assert api.clock()["frozen"] is False

        # An Available session fades after 5 service minutes (half a real second) and reaches Away
        # 5 minutes later; polling every 10 ms sees the first fade unless the host stalls for 0.5 s.
        assert api.set_presence(duration="PT1H").status_code == 200
        seen: list[tuple[float, str]] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (not seen or seen[-1][1] == "Available/Available"):
            seen.append((time.monotonic(), api.pair()))
            time.sleep(0.01)
        assert api.now() - first >= timedelta(minutes=5)
        if seen[-1][1] == "Away/Away":
            assert seen[-1][0] - seen[-2][0] > 0.4, "skipped the first fade without a stall"
        else:
            assert seen[-1][1] == "Available/AvailableInactive"


def test_without_control_the_clock_api_is_a_graph_404() -> None:
    with serve_in_thread(PresenceService(ServiceConfig(control_enabled=False))) as server:
        for method, path in [
            ("GET", "/_conformance/clock"),
            ("POST", "/_conformance/clock"),
            ("POST", "/_conformance/reset"),
        ]:
            response = requests.request(method, server.url + path, json={"freeze": True}, timeout=TIMEOUT)
            assert_graph_error(response, 404, ErrorCode.NOT_FOUND)


def test_propagation_delay_over_http() -> None:
    service = PresenceService(ServiceConfig(propagation_delay=timedelta(seconds=30)), ServiceClock())
    with serve_in_thread(service) as server, requests.Session() as session:
        api = HttpApi(server.url, session)
        api.post_clock({"freeze": True})
        api.set_presence(availability="Busy", activity="InACall")
        assert api.pair() == "Offline/Offline"
        api.advance("PT30S")
        assert api.pair() == "Busy/InACall"


def test_options_from_arguments() -> None:
    args = _parse(
        "--port", "0", "--no-control", "--propagation-delay", "PT30S", "--time-scale", "600",
        "--profile", "write_status=204", "boundary=exclusive", "--profile", "session-id-mismatch-status=403",
    )  # fmt: skip
    options = ServerOptions.from_args(args)
    assert options.port == 0 and options.host == "127.0.0.1"
    assert not options.control_enabled
    assert options.propagation_delay == timedelta(seconds=30)
    assert options.time_scale == 600
    assert options.profile == Profile.from_mapping(
        {"write_status": 204, "boundary": "exclusive", "session_id_mismatch_status": 403}
    )
    assert options.token_secret == DEV_TOKEN_SECRET
    service = options.build_service()
    assert service.clock.time_scale == 600 and service.config.profile.write_status == 204
    assert "token_secret" not in repr(options)


def test_token_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESENCE_TOKEN_SECRET", "s" * 40)
    assert ServerOptions.from_args(_parse()).token_secret == "s" * 40
    assert ServerOptions.from_args(_parse("--token-secret", "t" * 40)).token_secret == "t" * 40


@pytest.mark.parametrize(
    "argv",
    [
        ["--propagation-delay", "30s"],
        ["--time-scale", "0"],
        ["--time-scale", "fast"],
        ["--profile", "boundary"],
        ["--profile", "boundary=sometimes"],
        ["--profile", "colour=blue"],
        ["--profile", "write_status=201"],
        ["--log-level", "loud"],
    ],
)
def test_bad_serve_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse(*argv)
    assert exited.value.code == 2
    capsys.readouterr()


def _serve_process(*argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("PRESENCE_TOKEN_SECRET", None)
    command = [sys.executable, "-m", "reference_impl.server", "--port", "0", "--log-level", "warning", *argv]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_command_prints_its_url_and_stops_cleanly(stop: signal.Signals) -> None:
    process = _serve_process("--profile", "write_status=204")
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().strip()
        assert banner.startswith("Presence reference server on http://127.0.0.1:")
        assert banner.endswith("(test-control API at /_conformance)")
        url = banner.split(" on ", 1)[1].split(" ", 1)[0]
        with requests.Session() as session:
            api = HttpApi(url, session)
            assert api.set_presence().status_code == 204
            assert api.pair() == "Available/Available"
        process.send_signal(stop)
        process.wait(timeout=10)
        assert process.stderr is not None
        out, err = process.stdout.read(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert process.returncode == 0, err
    assert "write_status = 204" in out
    assert "development secret" in out and DEV_TOKEN_SECRET not in out + err + banner


def test_serve_command_refuses_a_short_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_serve(_parse("--token-secret", "short", "--port", "0")) == 2
    captured = capsys.readouterr()
    assert "32 bytes" in captured.err and captured.out == ""


def test_serve_command_reports_a_taken_port(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_in_thread(PresenceService()) as server:
        port = server.url.rsplit(":", 1)[1]
        assert run_serve(_parse("--port", port)) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_tokens_are_checked_against_the_server_clock(api: HttpApi) -> None:
    from reference_impl.service import mint_token

    token = mint_token(
        secret=DEV_TOKEN_SECRET,
        app_id=APP_A,
        roles=["Presence.ReadWrite.All"],
        now=api.now(),
        lifetime=timedelta(hours=1),
    )
    assert api.request("GET", users(USER), token=token).status_code == 200
    api.advance("PT1H5M")
    assert_graph_error(api.request("GET", users(USER), token=token), 401, ErrorCode.UNAUTHENTICATED)
    assert isinstance(api.now(), datetime)
