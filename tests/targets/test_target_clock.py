"""Clock drivers: the control API (in-process, over HTTP, and misbehaving) and real time with fake sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from conformance.errors import TargetError
from conformance.targets.base import ClockDriver
from conformance.targets.clock import (
    ControlApiClock,
    RealTimeClock,
    default_control_url,
    parse_rfc3339,
    reset_target,
)
from conformance.targets.http import HttpTarget
from conformance.targets.inprocess import InProcessTarget, ServiceClockDriver
from reference_impl.server.runner import RunningServer
from reference_impl.service import PresenceService, ServiceClock, ServiceConfig

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# ---- real time ----------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that sleeps move; each sleep overshoots by ``oversleep`` seconds."""

    def __init__(self, oversleep: float = 0.0) -> None:
        self.t = 100.0
        self.oversleep = oversleep
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds + self.oversleep


def real_time(fake: FakeTime, scale: float = 1.0) -> RealTimeClock:
    return RealTimeClock(time_scale=scale, sleep=fake.sleep, monotonic=fake.monotonic, wall=lambda: START)


def test_real_time_clock_is_a_clock_driver_that_does_not_control_time() -> None:
    clock = real_time(FakeTime())
    assert isinstance(clock, ClockDriver)
    assert clock.controls_time is False


def test_real_time_advance_sleeps_the_scaled_delta() -> None:
    fake = FakeTime()
    clock = real_time(fake, scale=600)
    assert clock.start() == START
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    assert fake.sleeps == [pytest.approx(0.5)]


def test_oversleeping_does_not_accumulate() -> None:
    fake = FakeTime(oversleep=0.2)
    clock = real_time(fake)
    clock.start()
    for _ in range(5):
        clock.advance(timedelta(seconds=1))
    # Each wait is shortened by the previous overshoot: the fifth step ends 1.2 s late, not 5 * 0.2 s.
    assert fake.sleeps[0] == pytest.approx(1.0)
    assert fake.sleeps[1:] == [pytest.approx(0.8)] * 4
    assert fake.t - 100.0 == pytest.approx(5.2)
    assert clock.now() == START + timedelta(seconds=5.2)


def test_no_sleep_when_already_past_the_deadline() -> None:
    fake = FakeTime()
    clock = real_time(fake)
    clock.start()
    fake.t += 3  # the engine was busy for 3 s
    clock.advance(timedelta(seconds=2))
    assert fake.sleeps == []


def test_an_early_wakeup_sleeps_again() -> None:
    fake = FakeTime(oversleep=-0.4)
    clock = real_time(fake)
    clock.start()
    original = fake.sleep

    def wake_early_once(seconds: float) -> None:
        original(seconds)
        fake.oversleep = 0.0

    clock._sleep = wake_early_once
    clock.advance(timedelta(seconds=1))
    assert fake.sleeps == [pytest.approx(1.0), pytest.approx(0.4)]


def test_real_time_refuses_going_back_and_bad_scales() -> None:
    with pytest.raises(ValueError):
        real_time(FakeTime()).advance(timedelta(seconds=-1))
    for scale in (0, -1, float("nan")):
        with pytest.raises(ValueError):
            RealTimeClock(time_scale=scale)


# ---- the control API ------------------------------------------------------------------------------


def in_process(start: datetime = START) -> tuple[PresenceService, InProcessTarget]:
    service = PresenceService(ServiceConfig(), ServiceClock.manual(start))
    service.clock.release()  # running, as a served reference would be
    return service, InProcessTarget(service)


def test_control_clock_through_an_in_process_target() -> None:
    service, target = in_process()
    clock = ControlApiClock(target, "/_conformance")
    assert clock.controls_time is True
    assert clock.probe() is True
    now = clock.start()
    assert service.clock.frozen
    assert clock.advance(timedelta(minutes=5)) == now + timedelta(minutes=5)
    assert clock.advance(timedelta(microseconds=1500)) == now + timedelta(minutes=5, microseconds=1500)
    assert clock.current() == service.clock.now()
    clock.finish()
    assert not service.clock.frozen


def test_control_clock_over_http(reference: RunningServer) -> None:
    target = HttpTarget(reference.url)
    clock = ControlApiClock(target, default_control_url(reference.url))
    try:
        assert clock.probe()
        now = clock.start()
        assert clock.advance(timedelta(hours=4)) == now + timedelta(hours=4)
        assert clock.now() == now + timedelta(hours=4)
    finally:
        clock.finish()
        target.close()
    assert reference.service.clock.frozen is False


def test_control_clock_with_a_plain_session_and_a_relative_path(reference: RunningServer) -> None:
    with requests.Session() as session:
        assert ControlApiClock(session, f"{reference.url}/_conformance/").probe()
    target = HttpTarget(reference.url + "/v1.0")
    assert ControlApiClock(target, "/_conformance").control_url == f"{reference.url}/_conformance"
    target.close()


def test_probe_says_no_to_other_answers(hostile_url: str, reference_without_control: RunningServer) -> None:
    target = HttpTarget(hostile_url)
    for path in ("/nothing", "/html", "/clock-bad", "/clock-naive", "/status/500"):
        assert ControlApiClock(target, hostile_url + path).probe() is False, path
    assert ControlApiClock(HttpTarget(reference_without_control.url), reference_without_control.url).probe() is False


def test_probe_of_an_unreachable_control_url_is_an_error(refused_url: str) -> None:
    with pytest.raises(TargetError, match="connection refused"):
        ControlApiClock(HttpTarget(refused_url), refused_url + "/_conformance").probe()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/clock-bad", r'answered .*yesterday.*not \{"now": RFC 3339'),
        ("/status/404", r"answered 404"),
        ("/html", r"answered '<html>"),
        ("/clock-unfrozen", r"answered frozen=false"),
    ],
)
def test_malformed_control_answers_are_target_errors(hostile_url: str, path: str, message: str) -> None:
    clock = ControlApiClock(HttpTarget(hostile_url), hostile_url + path)
    with pytest.raises(TargetError, match=message):
        clock.start()


def test_an_advance_that_does_not_move_the_clock_is_a_target_error(hostile_url: str) -> None:
    clock = ControlApiClock(HttpTarget(hostile_url), hostile_url + "/clock-stuck")
    clock.start()
    with pytest.raises(TargetError, match=r"moved the clock from .* not by PT5M"):
        clock.advance(timedelta(minutes=5))


def test_reset_target(reference: RunningServer, hostile_url: str) -> None:
    reset_target(f"{reference.url}/_conformance")
    with pytest.raises(TargetError, match=r"POST .*/nothing/reset answered 404"):
        reset_target(f"{hostile_url}/nothing")
    _, target = in_process()
    reset_target("/_conformance", via=target)


def test_parse_rfc3339() -> None:
    assert parse_rfc3339("2024-05-01T12:00:00Z") == START
    assert parse_rfc3339("2024-05-01T14:00:00.1234567+02:00") == START + timedelta(microseconds=123456)
    for bad in ("2024-05-01T12:00:00", "2024-05-01", "now", 12, None):
        assert parse_rfc3339(bad) is None


# ---- the in-process driver --------------------------------------------------------------------------


def test_service_clock_driver() -> None:
    clock = ServiceClock.manual(START)
    driver = ServiceClockDriver(clock)
    assert isinstance(driver, ClockDriver) and driver.controls_time
    assert driver.start() == START
    assert driver.advance(timedelta(days=7)) == START + timedelta(days=7)
    with pytest.raises(ValueError):
        driver.advance(timedelta(seconds=-1))
    driver.finish()
    assert not clock.frozen
