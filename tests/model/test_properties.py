"""Properties of the model (hypothesis), and a state machine that checks it against a brute-force model.

The brute-force model (:class:`Brute`) is written from the clause statements alone: a dictionary of
sessions with their explicit timers, evaluated by scanning every session at the instant asked. It shares
no code with ``reference_impl.model``; only the operation values are the model's. The state machine drives
``apply`` with writes, waits and jumps to (or a microsecond either side of) the next due timer, and after
every step compares each session's view, the preferred presence, the aggregate, the end of the presence
window and the growth of the read sequence with the brute-force model.

Every example is derived deterministically (``derandomize=True``, no example database), so a run is the
same on every machine. Profiles used: the default, the exclusive boundary, and every other alternative
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reference_impl.model import (
    DEFAULT_PROFILE,
    Applied,
    Boundary,
    ClearPresence,
    ClearUserPreferredPresence,
    Operation,
    PreferredPresence,
    Profile,
    RefreshExpiry,
    Session,
    SetPresence,
    SetUserPreferredPresence,
    UserPresence,
    aggregate,
    apply,
    change_instants,
    format_duration,
    parse_duration,
    presence_window,
    read,
    view_session,
)
from reference_impl.model.durations import MAX_DURATION

from ._support import APP_A, APP_B, APP_C, APP_D, T0, USER, pair

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=50,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)

US = timedelta(microseconds=1)
FIVE = timedelta(minutes=5)
TEN = timedelta(minutes=10)
OFF = "Offline/Offline"

# Steps between operations: the documented timer lengths and their microsecond neighbours, so that
# sums of steps land on, just before and just after fades and expiries.
FINE_GAPS = (
    timedelta(0),
    US,
    timedelta(seconds=1),
    timedelta(minutes=1),
    FIVE - US,
    FIVE,
    FIVE + US,
    TEN - US,
    TEN,
    timedelta(hours=1),
    timedelta(days=1),
)
APPS = (APP_A, APP_B, APP_C)
SESSION_SHOWS = (
    "Available/Available",
    "Busy/InACall",
    "Busy/InAConferenceCall",
    "Away/Away",
    "DoNotDisturb/Presenting",
)
PREFERRED_SHOWS = (
    "Available/Available",
    "Busy/Busy",
    "DoNotDisturb/DoNotDisturb",
    "BeRightBack/BeRightBack",
    "Away/Away",
    "Offline/OffWork",
)
SESSION_DURATIONS = (None, FIVE, timedelta(minutes=8), TEN, timedelta(hours=4))
PREFERRED_DURATIONS = (None, timedelta(minutes=1), timedelta(minutes=7), timedelta(hours=1))

EXCLUSIVE = Profile(boundary=Boundary.EXCLUSIVE)
ALTERNATIVES = Profile(
    refresh_expiry=RefreshExpiry.KEEP_PREVIOUS,
    write_status=204,
    clear_expired_status=200,
    clear_preferred_none_status=404,
)


# ---- the brute-force model ----------------------------------------------------------------------------

RANK = {"DoNotDisturb": 4, "Busy": 3, "Available": 2, "Away": 1}


@dataclass
class BruteSession:
    shows: str
    set_at: datetime
    expires_at: datetime
    order: int  # how many sets came before it: arrival order


def fired(profile: Profile, now: datetime, instant: datetime) -> bool:
    """Whether a timer due at ``instant`` has fired at ``now`` (INT-BOUNDARY-INCLUSIVE)."""
    return now >= instant if profile.boundary is Boundary.INCLUSIVE else now > instant


def brute_shows(profile: Profile, shows: str, set_at: datetime, expires_at: datetime, now: datetime) -> str | None:
    """What one session shows at ``now``, or None once it has expired. Expiry first, then the fades."""
    if fired(profile, now, expires_at):
        return None
    if shows == "Available/Available" and fired(profile, now, set_at + TEN):
        return "Away/Away"
    if shows == "Available/Available" and fired(profile, now, set_at + FIVE):
        return "Available/AvailableInactive"
    return shows


class Brute:
    """Presence for one user, kept as plainly as possible."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.sessions: dict[str, BruteSession] = {}  # by app; expired ones stay, showing nothing
        self.preferred: tuple[str, datetime] | None = None  # (pair, expires_at)
        self.sets = 0

    def _live(self, app: str, now: datetime) -> bool:
        session = self.sessions.get(app)
        return session is not None and not fired(self.profile, now, session.expires_at)

    def preferred_live(self, now: datetime) -> bool:
        return self.preferred is not None and not fired(self.profile, now, self.preferred[1])

    def presence(self, now: datetime) -> str:
        shown = []
        for session in self.sessions.values():
            pair_now = brute_shows(self.profile, session.shows, session.set_at, session.expires_at, now)
            if pair_now is not None:
                shown.append((session, pair_now))
        if not shown:
            return OFF
        if self.preferred is not None and self.preferred_live(now):
            return self.preferred[0]
        best = max(RANK[p.split("/")[0]] for _, p in shown)
        shown = [(s, p) for s, p in shown if RANK[p.split("/")[0]] == best]
        fresh = [(s, p) for s, p in shown if p == s.shows]
        if fresh:
            shown = fresh
        latest = max(s.set_at for s, _ in shown)
        shown = [(s, p) for s, p in shown if s.set_at == latest]
        last_to_arrive = max(shown, key=lambda sp: sp[0].order)
        return last_to_arrive[1]

    def timers(self) -> set[datetime]:
        """Every instant at which a fade, an expiry or the preferred presence's expiry is due."""
        instants = {i for s in self.sessions.values() for i in (s.set_at + FIVE, s.set_at + TEN, s.expires_at)}
        if self.preferred is not None:
            instants.add(self.preferred[1])
        return instants

    def next_change(self, now: datetime) -> datetime | None:
        """The first timer instant after ``now`` at which the presence differs from now's."""
        instants = self.timers()
        current = self.presence(now)
        for instant in sorted(instants):
            if fired(self.profile, now, instant):
                continue
            just_fired = instant if self.profile.boundary is Boundary.INCLUSIVE else instant + US
            if self.presence(just_fired) != current:
                return instant
        return None

    def set(self, app: str, shows: str, duration: timedelta | None, now: datetime) -> int:
        if duration is not None:
            expires_at = now + duration
        elif self.profile.refresh_expiry is RefreshExpiry.KEEP_PREVIOUS and self._live(app, now):
            expires_at = self.sessions[app].expires_at
        else:
            expires_at = now + FIVE
        self.sessions[app] = BruteSession(shows, now, expires_at, self.sets)
        self.sets += 1
        return self.profile.write_status

    def clear(self, app: str, now: datetime) -> int:
        if app not in self.sessions:
            return 404  # CLEAR-NOT-FOUND: never set, or already cleared
        if not self._live(app, now) and self.profile.clear_expired_status == 404:
            return 404  # INT-CLEAR-EXPIRED
        del self.sessions[app]
        return self.profile.write_status

    def prefer(self, shows: str, duration: timedelta | None, now: datetime) -> int:
        if duration is None:
            one_day = shows in ("Busy/Busy", "DoNotDisturb/DoNotDisturb")
            duration = timedelta(days=1 if one_day else 7)
        self.preferred = (shows, now + duration)
        return self.profile.write_status

    def unprefer(self, now: datetime) -> int:
        if not self.preferred_live(now) and self.profile.clear_preferred_none_status == 404:
            return 404
        self.preferred = None
        return self.profile.write_status


# ---- strategies and helpers ---------------------------------------------------------------------------


def operations(apps: tuple[str, ...] = APPS) -> st.SearchStrategy[Operation]:
    return st.one_of(
        st.builds(
            SetPresence,
            st.sampled_from(apps),
            st.sampled_from(SESSION_SHOWS).map(pair),
            st.sampled_from(SESSION_DURATIONS),
        ),
        st.builds(ClearPresence, st.sampled_from(apps)),
        st.builds(
            SetUserPreferredPresence, st.sampled_from(PREFERRED_SHOWS).map(pair), st.sampled_from(PREFERRED_DURATIONS)
        ),
        st.just(ClearUserPreferredPresence()),
    )


def scripts(gaps: tuple[timedelta, ...]) -> st.SearchStrategy[list[tuple[timedelta, Operation]]]:
    return st.lists(st.tuples(st.sampled_from(gaps), operations()), max_size=10)


@dataclass
class Played:
    user: UserPresence
    now: datetime  # the instant of the last operation
    steps: list[tuple[UserPresence, Applied]]  # the state before each operation, and what it gave


def play(script: list[tuple[timedelta, Operation]], profile: Profile) -> Played:
    user, now, steps = UserPresence(), T0, []
    for gap, op in script:
        now += gap
        applied = apply(user, op, now, profile)
        steps.append((user, applied))
        user = applied.user
    return Played(user, now, steps)


def shows(user: UserPresence, now: datetime, profile: Profile) -> str:
    return str(aggregate(user, now, profile))


def timer_instants(user: UserPresence) -> set[datetime]:
    """Every instant at which something in ``user`` is timed to happen, read off the state's fields."""
    instants = {i for s in user.sessions for i in (s.set_at + FIVE, s.set_at + TEN, s.expires_at)}
    if user.preferred is not None:
        instants.add(user.preferred.expires_at)
    return instants


PROFILES = st.sampled_from([DEFAULT_PROFILE, EXCLUSIVE, ALTERNATIVES])


# ---- properties ---------------------------------------------------------------------------------------


def _sessions(by_time: list[tuple[str, timedelta, timedelta]]) -> list[Session]:
    """One session per spec (shown pair, set offset from T0, duration), by a distinct app, in arrival order."""
    apps = (APP_A, APP_B, APP_C, APP_D)[: len(by_time)]
    return [
        Session(app, pair(shown), T0 + offset, T0 + offset + duration, arrival)
        for arrival, (app, (shown, offset, duration)) in enumerate(zip(apps, by_time, strict=True))
    ]


SESSION_SPECS = st.lists(
    st.tuples(
        st.sampled_from(SESSION_SHOWS),
        st.sampled_from([timedelta(0), US, timedelta(seconds=30), FIVE - US, FIVE, timedelta(minutes=7), TEN]),
        st.sampled_from([FIVE, timedelta(minutes=8), TEN, timedelta(hours=4)]),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda spec: spec[1],
)


@SETTINGS
@given(specs=SESSION_SPECS, data=st.data(), gap=st.sampled_from(FINE_GAPS), profile=PROFILES)
def test_aggregation_does_not_depend_on_the_order_sessions_are_kept_in(
    specs: list[tuple[str, timedelta, timedelta]], data: st.DataObject, gap: timedelta, profile: Profile
) -> None:
    # AGG-SESSIONS with INT-TIE-BREAK: sessions set at distinct instants, in any order, add up the same.
    by_time = sorted(specs, key=lambda spec: spec[1])
    sessions = _sessions(by_time)
    permuted = data.draw(st.permutations(sessions))
    original, other = UserPresence(tuple(sessions), None, len(sessions)), UserPresence(tuple(permuted), None, 9)
    now = T0 + by_time[-1][1] + gap
    assert shows(other, now, profile) == shows(original, now, profile)
    assert change_instants(other, profile) == change_instants(original, profile)
    assert presence_window(other, now, profile) == presence_window(original, now, profile)


@SETTINGS
@given(
    script=scripts(FINE_GAPS),
    profile=PROFILES,
    extra=st.tuples(st.sampled_from(SESSION_SHOWS), st.sampled_from(SESSION_DURATIONS[1:])),
    ago=st.sampled_from([timedelta(0), US, timedelta(minutes=3)]),
    position=st.integers(0, 10),
    arrival=st.integers(-1, 20),
)
def test_an_expired_session_never_affects_the_result(
    script: list[tuple[timedelta, Operation]],
    profile: Profile,
    extra: tuple[str, timedelta],
    ago: timedelta,
    position: int,
    arrival: int,
) -> None:
    # EXP-OFFLINE: a session that has expired by now, wherever it sits in the state, changes nothing.
    played = play(script, profile)
    now = played.now + timedelta(minutes=1)
    expires_at = now - ago if profile.boundary is Boundary.INCLUSIVE else now - ago - US
    shown, duration = extra
    expired = Session(APP_D, pair(shown), expires_at - duration, expires_at, arrival)
    sessions = list(played.user.sessions)
    sessions.insert(min(position, len(sessions)), expired)
    with_expired = UserPresence(tuple(sessions), played.user.preferred, played.user.writes)
    assert shows(with_expired, now, profile) == shows(played.user, now, profile)
    assert presence_window(with_expired, now, profile).end == presence_window(played.user, now, profile).end


@SETTINGS
@given(
    script=scripts(FINE_GAPS),
    profile=PROFILES,
    extra=st.tuples(st.sampled_from(SESSION_SHOWS), st.sampled_from(SESSION_DURATIONS)),
    position=st.integers(0, 10),
    later=st.sampled_from([timedelta(0), US, timedelta(minutes=2)]),
)
def test_a_session_set_and_expired_in_between_changes_nothing(
    script: list[tuple[timedelta, Operation]],
    profile: Profile,
    extra: tuple[str, timedelta | None],
    position: int,
    later: timedelta,
) -> None:
    # EXP-OFFLINE through the operations: another application's session, set in the middle of the script
    # and expired by the end, leaves no trace in the end result.
    position = min(position, len(script))
    shown, duration = extra
    at = T0 + sum((gap for gap, _ in script[:position]), timedelta(0))
    expires_at = at + (duration or FIVE)
    with_extra = [*script[:position], (timedelta(0), SetPresence(APP_D, pair(shown), duration)), *script[position:]]
    plain, extended = play(script, profile), play(with_extra, profile)
    end = max(plain.now, expires_at + (timedelta(0) if profile.boundary is Boundary.INCLUSIVE else US)) + later
    assert shows(extended.user, end, profile) == shows(plain.user, end, profile)


@SETTINGS
@given(script=scripts(FINE_GAPS), profile=PROFILES)
def test_a_refused_operation_leaves_the_user_unchanged(
    script: list[tuple[timedelta, Operation]], profile: Profile
) -> None:
    for before, applied in play(script, profile).steps:
        if not applied.outcome.ok:
            assert applied.user == before
        else:
            assert applied.outcome.status == profile.write_status
            assert applied.user.writes == before.writes + 1


@SETTINGS
@given(script=scripts(FINE_GAPS), profile=PROFILES, wait=st.sampled_from(FINE_GAPS))
def test_the_aggregate_is_preferred_offline_or_a_live_sessions_pair(
    script: list[tuple[timedelta, Operation]], profile: Profile, wait: timedelta
) -> None:
    played = play(script, profile)
    now = played.now + wait
    live = {
        shown
        for s in played.user.sessions
        if (shown := brute_shows(profile, str(s.pair), s.set_at, s.expires_at, now)) is not None
    }
    result = shows(played.user, now, profile)
    preferred = {str(played.user.preferred.pair)} if played.user.preferred is not None else set()
    assert result in live | preferred | {OFF}
    if not live:
        assert result == OFF  # INT-OFFLINE-PAIR and PREF-NEEDS-SESSION


@SETTINGS
@given(
    script=st.lists(
        st.tuples(
            st.sampled_from(FINE_GAPS),
            st.one_of(
                st.builds(
                    SetUserPreferredPresence,
                    st.sampled_from(PREFERRED_SHOWS).map(pair),
                    st.sampled_from(PREFERRED_DURATIONS),
                ),
                st.just(ClearUserPreferredPresence()),
            ),
        ),
        max_size=6,
    ),
    profile=PROFILES,
    wait=st.sampled_from(FINE_GAPS),
)
def test_without_sessions_the_user_is_offline(
    script: list[tuple[timedelta, Operation]], profile: Profile, wait: timedelta
) -> None:
    # PREF-NEEDS-SESSION / INT-OFFLINE-PAIR: whatever the preferred presence does, no session means Offline.
    played = play(script, profile)
    assert shows(played.user, played.now + wait, profile) == OFF


def _check_window(user: UserPresence, now: datetime, profile: Profile) -> None:
    value = shows(user, now, profile)
    window = presence_window(user, now, profile)
    inclusive = profile.boundary is Boundary.INCLUSIVE
    # The value changes at a bound: at it (inclusive) or just after it (exclusive).
    if window.start is not None:
        first_in, last_out = (window.start, window.start - US) if inclusive else (window.start + US, window.start)
        assert first_in <= now
        assert shows(user, first_in, profile) == value
        assert shows(user, last_out, profile) != value
    if window.end is not None:
        last_in, first_out = (window.end - US, window.end) if inclusive else (window.end, window.end + US)
        assert last_in >= now
        assert shows(user, last_in, profile) == value
        assert shows(user, first_out, profile) != value

    def inside(instant: datetime) -> bool:
        after_start = window.start is None or (instant >= window.start if inclusive else instant > window.start)
        before_end = window.end is None or (instant < window.end if inclusive else instant <= window.end)
        return after_start and before_end

    # Constant inside: the value can only change at a timer instant, so probing around each one suffices.
    probes = {t + d for t in timer_instants(user) for d in (-US, timedelta(0), US)}
    for probe in sorted(p for p in probes if inside(p)):
        assert shows(user, probe, profile) == value, probe


OBSERVE = st.sampled_from([timedelta(0), US, timedelta(seconds=1), FIVE - US, FIVE, TEN, timedelta(hours=1)])


@SETTINGS
@given(script=scripts(FINE_GAPS), profile=PROFILES, wait=OBSERVE)
def test_presence_window_bounds_a_constant_value(
    script: list[tuple[timedelta, Operation]], profile: Profile, wait: timedelta
) -> None:
    played = play(script, profile)
    # Observed after the last write, and on and around every timer still to come: the bounds are where
    # mistakes hide.
    around_timers = {t + d for t in timer_instants(played.user) for d in (-US, timedelta(0), US)}
    for now in sorted({played.now + wait, *(t for t in around_timers if t >= played.now)}):
        _check_window(played.user, now, profile)


CLUSTERED_SESSIONS = st.lists(
    st.tuples(
        st.sampled_from(SESSION_SHOWS),
        st.sampled_from([timedelta(0), US, 2 * US]),
        st.sampled_from([FIVE - US, FIVE, FIVE + US, TEN]),
    ),
    min_size=1,
    max_size=4,
)


@SETTINGS
@given(
    specs=CLUSTERED_SESSIONS,
    preferred=st.one_of(st.none(), st.tuples(st.sampled_from(PREFERRED_SHOWS), st.sampled_from([FIVE, FIVE + US]))),
    profile=PROFILES,
)
def test_presence_window_with_timers_microseconds_apart(
    specs: list[tuple[str, timedelta, timedelta]], preferred: tuple[str, timedelta] | None, profile: Profile
) -> None:
    # Sessions set a microsecond or two apart have timers a microsecond or two apart: the window must still
    # end exactly where the value changes, whatever the boundary.
    by_time = sorted(specs, key=lambda spec: spec[1])
    sessions = tuple(_sessions(by_time))
    kept = None if preferred is None else PreferredPresence(pair(preferred[0]), T0, T0 + preferred[1])
    user = UserPresence(sessions, kept, len(sessions))
    last_set = T0 + by_time[-1][1]
    around_timers = {t + d for t in timer_instants(user) for d in (-US, timedelta(0), US)}
    for now in sorted(t for t in around_timers if t >= last_set):
        _check_window(user, now, profile)


@SETTINGS
@given(script=scripts(FINE_GAPS), profile=PROFILES, wait=OBSERVE, op=operations())
def test_results_depend_only_on_state_instant_and_profile(
    script: list[tuple[timedelta, Operation]], profile: Profile, wait: timedelta, op: Operation
) -> None:
    played = play(script, profile)
    now = played.now + wait
    assert aggregate(played.user, now, profile) == aggregate(played.user, now, profile)
    assert presence_window(played.user, now, profile) == presence_window(played.user, now, profile)
    assert read(played.user, USER, now, profile) == read(played.user, USER, now, profile)
    assert apply(played.user, op, now, profile) == apply(played.user, op, now, profile)
    assert play(script, profile) == played


@SETTINGS
@given(value=st.timedeltas(min_value=timedelta(0), max_value=MAX_DURATION))
def test_format_then_parse_is_the_identity(value: timedelta) -> None:
    # INT-DURATION-FORMS: the canonical spelling of any duration reads back as that duration.
    text = format_duration(value)
    assert parse_duration(text) == value
    assert format_duration(parse_duration(text)) == text


# ---- the state machine ---------------------------------------------------------------------------------


def machine(profile: Profile, gaps: tuple[timedelta, ...]) -> type[RuleBasedStateMachine]:
    """A state machine driving ``apply`` under ``profile`` with steps from ``gaps``, checked against Brute."""

    class PresenceMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.user = UserPresence()
            self.now = T0
            self.brute = Brute(profile)
            self.sequence = read(self.user, USER, self.now, profile).sequence
            self.seen = OFF
            self.wrote = False

        def _apply(self, op: Operation, expected_status: int) -> None:
            applied = apply(self.user, op, self.now, profile)
            assert applied.outcome.status == expected_status, (op, applied.outcome)
            if not applied.outcome.ok:
                assert applied.user == self.user
            self.wrote = self.wrote or applied.outcome.ok
            self.user = applied.user

        @rule(gap=st.sampled_from(gaps))
        def wait(self, gap: timedelta) -> None:
            self.now += gap

        @rule(data=st.data(), nudge=st.sampled_from([-US, timedelta(0), US]))
        def wait_for_a_timer(self, data: st.DataObject, nudge: timedelta) -> None:
            # Straight to a due fade or expiry (by the brute-force model's reckoning), or a microsecond
            # either side of it: the boundaries are where the rules are easiest to get wrong.
            due = sorted(t + nudge for t in self.brute.timers() if t + nudge > self.now)
            if due:
                self.now = data.draw(st.sampled_from(due))

        def _app(self, data: st.DataObject) -> str:
            # Half the time an app that has (or had) a session, so refreshes and clears of live and expired
            # sessions are common; otherwise any app.
            known = sorted(self.brute.sessions)
            return data.draw(st.sampled_from(known) if known and data.draw(st.booleans()) else st.sampled_from(APPS))

        @rule(data=st.data(), shown=st.sampled_from(SESSION_SHOWS), duration=st.sampled_from(SESSION_DURATIONS))
        def set_presence(self, data: st.DataObject, shown: str, duration: timedelta | None) -> None:
            app = self._app(data)
            expected = self.brute.set(app, shown, duration, self.now)
            self._apply(SetPresence(app, pair(shown), duration), expected)

        @rule(data=st.data())
        def clear_presence(self, data: st.DataObject) -> None:
            app = self._app(data)
            self._apply(ClearPresence(app), self.brute.clear(app, self.now))

        @rule(shown=st.sampled_from(PREFERRED_SHOWS), duration=st.sampled_from(PREFERRED_DURATIONS))
        def set_preferred(self, shown: str, duration: timedelta | None) -> None:
            expected = self.brute.prefer(shown, duration, self.now)
            self._apply(SetUserPreferredPresence(pair(shown), duration), expected)

        @rule()
        def clear_preferred(self) -> None:
            self._apply(ClearUserPreferredPresence(), self.brute.unprefer(self.now))

        @invariant()
        def presence_agrees(self) -> None:
            for probe in (self.now, self.now + US, self.now + FIVE, self.now + TEN):
                assert shows(self.user, probe, profile) == self.brute.presence(probe), probe

        @invariant()
        def each_session_agrees(self) -> None:
            # Session by session, not only the aggregate, which can hide a wrong session behind a right one.
            for probe in (self.now, self.now + FIVE):
                for app in APPS:
                    session = self.user.session(app)
                    view = None if session is None else view_session(session, probe, profile)
                    mine = self.brute.sessions.get(app)
                    expected = (
                        None if mine is None else brute_shows(profile, mine.shows, mine.set_at, mine.expires_at, probe)
                    )
                    assert (None if view is None else str(view.pair)) == expected, (app, probe)
            preferred = self.user.preferred
            model_preferred = (
                str(preferred.pair)
                if preferred is not None and not fired(profile, self.now, preferred.expires_at)
                else None
            )
            brute_preferred = self.brute.preferred[0] if self.brute.preferred_live(self.now) else None
            assert model_preferred == brute_preferred

        @invariant()
        def window_end_agrees(self) -> None:
            assert presence_window(self.user, self.now, profile).end == self.brute.next_change(self.now)

        @invariant()
        def sequence_grows_with_writes_and_changes(self) -> None:
            sequence = read(self.user, USER, self.now, profile).sequence
            seen = self.brute.presence(self.now)
            assert sequence >= self.sequence
            if self.wrote or seen != self.seen:
                assert sequence > self.sequence
            self.sequence, self.seen, self.wrote = sequence, seen, False

    return PresenceMachine


MACHINE_SETTINGS = settings(SETTINGS, max_examples=50, stateful_step_count=25)

TestDefaultProfileAgainstBruteForce = machine(DEFAULT_PROFILE, FINE_GAPS).TestCase
TestDefaultProfileAgainstBruteForce.settings = MACHINE_SETTINGS
TestAlternativesAgainstBruteForce = machine(ALTERNATIVES, FINE_GAPS).TestCase
TestAlternativesAgainstBruteForce.settings = MACHINE_SETTINGS
TestExclusiveBoundaryAgainstBruteForce = machine(EXCLUSIVE, FINE_GAPS).TestCase
TestExclusiveBoundaryAgainstBruteForce.settings = MACHINE_SETTINGS
