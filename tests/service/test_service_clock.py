"""The service clock: running (scaled), frozen, advanced, released and reset; thread-safe."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from reference_impl.service import ServiceClock

WALL = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeTime:
    """A wall clock and a monotonic clock that move only when told."""

    def __init__(self) -> None:
        self.wall_now = WALL
        self.elapsed = 100.0

    def wall(self) -> datetime:
        return self.wall_now

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.wall_now += timedelta(seconds=seconds)
        self.elapsed += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def _clock(fake: FakeTime, time_scale: float = 1.0) -> ServiceClock:
    return ServiceClock(time_scale=time_scale, wall=fake.wall, monotonic=fake.monotonic)


def test_running_clock_follows_real_time(fake: FakeTime) -> None:
    clock = _clock(fake)
    assert clock.now() == WALL and not clock.frozen
    fake.sleep(2.5)
    assert clock.now() == WALL + timedelta(seconds=2.5)


def test_time_scale_runs_faster_than_real_time(fake: FakeTime) -> None:
    clock = _clock(fake, time_scale=600)
    fake.sleep(0.5)
    assert clock.now() == WALL + timedelta(minutes=5)
    assert clock.time_scale == 600


def test_freeze_stops_the_clock_where_it_stands(fake: FakeTime) -> None:
    clock = _clock(fake)
    fake.sleep(1)
    assert clock.freeze() == WALL + timedelta(seconds=1)
    fake.sleep(60)
    assert clock.now() == WALL + timedelta(seconds=1) and clock.frozen
    assert clock.freeze() == WALL + timedelta(seconds=1)  # freezing again changes nothing


def test_advance_freezes_a_running_clock_first(fake: FakeTime) -> None:
    clock = _clock(fake)
    fake.sleep(3)
    assert clock.advance(timedelta(minutes=5)) == WALL + timedelta(minutes=5, seconds=3)
    fake.sleep(10)
    assert clock.now() == WALL + timedelta(minutes=5, seconds=3) and clock.frozen


def test_advance_by_zero_only_freezes(fake: FakeTime) -> None:
    clock = _clock(fake)
    assert clock.advance(timedelta(0)) == WALL and clock.frozen


def test_release_runs_on_from_where_it_stands(fake: FakeTime) -> None:
    clock = _clock(fake, time_scale=2)
    clock.advance(timedelta(hours=1))
    fake.sleep(30)
    assert clock.release() == WALL + timedelta(hours=1)
    assert not clock.frozen
    fake.sleep(5)
    assert clock.now() == WALL + timedelta(hours=1, seconds=10)
    assert clock.release() == WALL + timedelta(hours=1, seconds=10)  # releasing a running clock: a no-op


def test_reset_goes_back_to_real_time_unfrozen(fake: FakeTime) -> None:
    clock = _clock(fake)
    clock.advance(timedelta(days=3))
    fake.sleep(7)
    assert clock.reset() == WALL + timedelta(seconds=7)
    assert not clock.frozen
    fake.sleep(1)
    assert clock.now() == WALL + timedelta(seconds=8)


def test_manual_clock_is_frozen_at_its_start() -> None:
    start = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    clock = ServiceClock.manual(start)
    assert clock.frozen
    assert clock.now() == start and clock.now().tzinfo is UTC
    assert clock.advance(timedelta(minutes=5)) == start + timedelta(minutes=5)
    assert clock.reading() == (start + timedelta(minutes=5), True)


def test_every_instant_is_aware_utc(fake: FakeTime) -> None:
    fake.wall_now = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    clock = _clock(fake)
    assert clock.now().tzinfo is UTC and clock.now() == WALL


def test_the_clock_never_goes_backwards(fake: FakeTime) -> None:
    clock = _clock(fake)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    fake.elapsed -= 10  # a misbehaving monotonic source
    assert clock.now() == WALL


@pytest.mark.parametrize("scale", [0, -1, float("inf"), float("nan")])
def test_time_scale_must_be_positive_and_finite(scale: float) -> None:
    with pytest.raises(ValueError):
        ServiceClock(time_scale=scale)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        ServiceClock.manual(datetime(2024, 5, 1, 12))
    with pytest.raises(ValueError):
        ServiceClock(wall=lambda: datetime(2024, 5, 1, 12))


def test_default_clock_is_real_time() -> None:
    before = datetime.now(UTC)
    now = ServiceClock().now()
    assert before <= now <= datetime.now(UTC)


def test_concurrent_advances_add_up() -> None:
    clock = ServiceClock.manual(WALL)

    def advance() -> None:
        for _ in range(200):
            clock.advance(timedelta(seconds=1))

    threads = [threading.Thread(target=advance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == WALL + timedelta(seconds=1600)


def test_repr_names_the_state() -> None:
    assert "frozen" in repr(ServiceClock.manual(WALL))
    assert "running x600" in repr(ServiceClock(time_scale=600))
