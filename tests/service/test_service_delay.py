"""The propagation delay: reads see the state, and the timers, as they stood ``delay`` ago."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_helpers import APP_A, APP_B, START, USER, Api

from reference_impl.model import Applied, ErrorCode, Outcome, Refusal, UserPresence
from reference_impl.service import PresenceService, PresenceStore, ServiceClock, ServiceConfig

DELAY = timedelta(seconds=30)


@pytest.fixture
def delayed() -> Api:
    return Api(PresenceService(ServiceConfig(propagation_delay=DELAY), ServiceClock.manual(START)))


def test_a_write_shows_only_after_the_delay(delayed: Api) -> None:
    assert delayed.set_presence(availability="Busy", activity="InACall").status == 200
    assert delayed.pair() == "Offline/Offline"
    delayed.clock.advance(DELAY - timedelta(microseconds=1))
    assert delayed.pair() == "Offline/Offline"
    delayed.clock.advance(timedelta(microseconds=1))
    assert delayed.pair() == "Busy/InACall"


def test_successive_writes_show_in_order(delayed: Api) -> None:
    delayed.set_presence(app_id=APP_A, availability="Away", activity="Away", duration="PT1H")
    delayed.clock.advance(timedelta(seconds=10))
    delayed.set_presence(app_id=APP_B, availability="DoNotDisturb", activity="Presenting", duration="PT1H")
    delayed.clock.advance(timedelta(seconds=20))
    assert delayed.pair() == "Away/Away"
    delayed.clock.advance(timedelta(seconds=10))
    assert delayed.pair() == "DoNotDisturb/Presenting"
    delayed.clear_presence(app_id=APP_B)
    assert delayed.pair() == "DoNotDisturb/Presenting"
    delayed.clock.advance(DELAY)
    assert delayed.pair() == "Away/Away"


def test_timers_show_late_too(delayed: Api) -> None:
    delayed.set_presence(duration="PT1H")
    delayed.clock.advance(timedelta(minutes=5))
    assert delayed.pair() == "Available/Available"
    delayed.clock.advance(DELAY)
    assert delayed.pair() == "Available/AvailableInactive"


def test_batch_reads_are_delayed(delayed: Api) -> None:
    delayed.set_presence()
    body = {"ids": [USER]}
    assert (
        delayed.request("POST", "/v1.0/communications/getPresencesByUserId", body).json()["value"][0]["availability"]
        == "Offline"
    )


def test_writes_and_snapshot_use_the_current_state(delayed: Api) -> None:
    delayed.set_presence()
    # The session exists now even though reads do not show it yet: clearing it succeeds.
    assert len(delayed.snapshot().sessions) == 1
    assert delayed.clear_presence().status == 200
    assert delayed.snapshot().sessions == ()


def test_history_older_than_the_delay_is_dropped() -> None:
    clock = ServiceClock.manual(START)
    store = PresenceStore(clock, DELAY)

    def write(n: int) -> None:
        store.write(USER, lambda user, now: Applied(UserPresence(writes=n), Outcome(200)))

    for n in range(1, 11):
        write(n)
        clock.advance(timedelta(seconds=10))
    timeline = store._users[USER]
    # Writes at 0, 10, ... 90 s; the last one pruned against 60 s, the instant a read then looked at.
    assert [state.writes for _, state in timeline.entries] == [7, 8, 9, 10]
    write(11)  # at 100 s: a read now looks at 70 s
    assert [state.writes for _, state in timeline.entries] == [8, 9, 10, 11]
    assert store.current(USER).writes == 11


def test_without_delay_only_the_current_state_is_kept() -> None:
    clock = ServiceClock.manual(START)
    store = PresenceStore(clock)
    for n in range(5):
        store.write(USER, lambda user, now, n=n: Applied(UserPresence(writes=n), Outcome(200)))
    assert len(store._users[USER].entries) == 1


def test_a_refused_write_records_nothing() -> None:
    store = PresenceStore(ServiceClock.manual(START))
    refusal = Refusal(404, ErrorCode.NOT_FOUND, "no such session")
    store.write(USER, lambda user, now: Applied(UserPresence(writes=9), Outcome.refused(refusal)))
    assert USER not in store._users


def test_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError):
        ServiceConfig(propagation_delay=timedelta(seconds=-1))
    with pytest.raises(ValueError):
        PresenceStore(ServiceClock.manual(START), timedelta(seconds=-1))
