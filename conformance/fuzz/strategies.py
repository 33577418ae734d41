"""What the fuzzer generates: sequences of operations by several apps on several users.

An :class:`Example` is a number of users (``alice``, ``bob``, ``carol``) and a short list of operations.
Every operation is one step of the case format (:meth:`Operation.action` gives its action key and its
parameters exactly as a case file writes them), so a failing example becomes a case file without
translation. The apps are fixed: two writers (``teams``, ``bot``), a read-only application
(``reader``) and a delegated app acting for ``alice`` (``mine``).

The values favour what breaks implementations: the documented pairs and their neighbours (Graph's other
words, other casings, the other operation's pairs); durations at and around the range bounds and the
fade instants, and other ISO 8601 spellings; another app's sessionId; missing or forged tokens; bodies
that are not what the operation takes; and clock moves to a timer boundary of the current state plus or
minus a little (:class:`AdvanceToTimer`, resolved when the example runs).

Everything is drawn from sorted tuples, so one seed gives one sequence of examples on any interpreter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from hypothesis import strategies as st

from reference_impl.model import PREFERRED_PAIRS, SESSION_PAIRS, PresencePair, format_duration

from ..cases.model import ActionKind, AppSpec, AuthMode

__all__ = [
    "APPS",
    "USER_NAMES",
    "AdvanceBy",
    "AdvanceToTimer",
    "BatchRead",
    "ClearPresence",
    "ClearUserPreferredPresence",
    "Example",
    "GetMyPresence",
    "GetPresence",
    "Operation",
    "RawWrite",
    "SetPresence",
    "SetUserPreferredPresence",
    "examples",
]

T = TypeVar("T")

USER_NAMES = ("alice", "bob", "carol")
APPS: Mapping[str, AppSpec] = {
    "teams": AppSpec("teams"),
    "bot": AppSpec("bot"),
    "reader": AppSpec("reader", roles=("Presence.Read.All",)),
    "mine": AppSpec("mine", roles=(), delegated_user="alice", scopes=("Presence.ReadWrite",)),
}
"""The apps an example may act as, in the order a case file declares them."""


def _auth(params: dict[str, Any], auth: AuthMode) -> dict[str, Any]:
    if auth is not AuthMode.TOKEN:
        params["auth"] = str(auth)
    return params


def _session(params: dict[str, Any], session_of: str | None, session_id: str | None) -> dict[str, Any]:
    if session_id is not None:
        params["sessionId"] = session_id
    elif session_of is not None:
        params["sessionIdOf"] = session_of
    return params


# ---- operations ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetPresence:
    """``setPresence`` by ``app`` for user number ``user``; ``session_of``/``session_id`` send another id."""

    app: str
    user: int
    availability: str
    activity: str
    duration: str | None = None
    session_of: str | None = None
    session_id: str | None = None
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "user": USER_NAMES[self.user]}
        _session(params, self.session_of, self.session_id)
        params.update(availability=self.availability, activity=self.activity)
        if self.duration is not None:
            params["expirationDuration"] = self.duration
        return ActionKind.SET_PRESENCE, _auth(params, self.auth)


@dataclass(frozen=True, slots=True)
class ClearPresence:
    app: str
    user: int
    session_of: str | None = None
    session_id: str | None = None
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "user": USER_NAMES[self.user]}
        return ActionKind.CLEAR_PRESENCE, _auth(_session(params, self.session_of, self.session_id), self.auth)


@dataclass(frozen=True, slots=True)
class SetUserPreferredPresence:
    app: str
    user: int
    availability: str
    activity: str
    duration: str | None = None
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "user": USER_NAMES[self.user]}
        params.update(availability=self.availability, activity=self.activity)
        if self.duration is not None:
            params["expirationDuration"] = self.duration
        return ActionKind.SET_USER_PREFERRED_PRESENCE, _auth(params, self.auth)


@dataclass(frozen=True, slots=True)
class ClearUserPreferredPresence:
    app: str
    user: int
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "user": USER_NAMES[self.user]}
        return ActionKind.CLEAR_USER_PREFERRED_PRESENCE, _auth(params, self.auth)


@dataclass(frozen=True, slots=True)
class RawWrite:
    """A write whose whole body is ``text``: sent as JSON (``body``) when ``as_json``, else verbatim."""

    kind: ActionKind
    app: str
    user: int
    text: str
    as_json: bool = True

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "user": USER_NAMES[self.user]}
        if self.as_json:
            params["body"] = json.loads(self.text)
        else:
            params["rawBody"] = self.text
        return self.kind, params


@dataclass(frozen=True, slots=True)
class GetPresence:
    """``GET /users/{id}/presence`` of user number ``user``, or of the literal path id ``user_id``."""

    app: str
    user: int = 0
    user_id: str | None = None
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app}
        if self.user_id is not None:
            params["userId"] = self.user_id
        else:
            params["user"] = USER_NAMES[self.user]
        return ActionKind.GET_PRESENCE, _auth(params, self.auth)


@dataclass(frozen=True, slots=True)
class GetMyPresence:
    app: str
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        return ActionKind.GET_MY_PRESENCE, _auth({"as": self.app}, self.auth)


@dataclass(frozen=True, slots=True)
class BatchRead:
    """``getPresencesByUserId`` for the given users (possibly none) and ``extra_ids`` fresh GUIDs."""

    app: str
    users: tuple[int, ...]
    extra_ids: int = 0
    auth: AuthMode = AuthMode.TOKEN

    def action(self) -> tuple[ActionKind, dict[str, Any]]:
        params: dict[str, Any] = {"as": self.app, "users": [USER_NAMES[u] for u in self.users]}
        if self.extra_ids:
            params["extraIds"] = self.extra_ids
        return ActionKind.GET_PRESENCES_BY_USER_ID, _auth(params, self.auth)


@dataclass(frozen=True, slots=True)
class AdvanceBy:
    """Move the clock forward by ``delta``."""

    delta: timedelta

    def __repr__(self) -> str:
        return f"AdvanceBy({format_duration(self.delta)})"


@dataclass(frozen=True, slots=True)
class AdvanceToTimer:
    """Move the clock to one of the pending timer instants (fades, expiries) plus ``nudge``.

    ``pick`` chooses among the pending instants of the example's users, in time order, modulo their
    number (so ``-1`` is the latest, often a preferred presence's expiry); with none pending, or a target
    instant not in the future, the operation does nothing.
    """

    pick: int
    nudge: timedelta

    def __repr__(self) -> str:
        sign = "-" if self.nudge < timedelta(0) else "+"
        return f"AdvanceToTimer(pick={self.pick}, nudge={sign}{format_duration(abs(self.nudge))})"


Request = (
    SetPresence
    | ClearPresence
    | SetUserPreferredPresence
    | ClearUserPreferredPresence
    | RawWrite
    | GetPresence
    | GetMyPresence
    | BatchRead
)
Operation = Request | AdvanceBy | AdvanceToTimer
"""One step of an example: a request by an app, or a clock move."""


@dataclass(frozen=True, slots=True)
class Example:
    """``users`` users (the first ``users`` of :data:`USER_NAMES`) and the operations, in order."""

    users: int
    operations: tuple[Operation, ...]

    @property
    def user_names(self) -> tuple[str, ...]:
        return USER_NAMES[: self.users]


def plainer(operation: Operation) -> tuple[Operation, ...]:
    """Plainer variants of ``operation`` to try in its place while minimizing a finding, plainest first.

    A variant changes one field towards the plain case (the first writer, a token, no duration, the own
    session), or moves a clock move one second later: past a timer rather than on it, so that a finding
    is only about a timer's exact instant when it has to be.
    """
    variants: list[Operation] = []
    if not isinstance(operation, AdvanceBy | AdvanceToTimer):
        request: Any = operation  # every request is a dataclass; only the fields it has are changed
        fields = {name: getattr(request, name) for name in request.__dataclass_fields__}
        for name, value in _PLAIN_FIELDS.items():
            if name in fields and fields[name] != value:
                variants.append(replace(request, **{name: value}))
    if isinstance(operation, AdvanceToTimer) and operation.nudge != _PAST:
        variants.append(replace(operation, nudge=_PAST))
    if isinstance(operation, AdvanceBy):
        variants.append(replace(operation, delta=operation.delta + _PAST))
    return tuple(variants)


_PAST = timedelta(seconds=1)
_PLAIN_FIELDS: Mapping[str, object] = {
    "app": "teams",
    "auth": AuthMode.TOKEN,
    "duration": None,
    "session_of": None,
    "session_id": None,
}


# ---- values -------------------------------------------------------------------------------------------


def _pairs(table: frozenset[PresencePair]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(p.availability), str(p.activity)) for p in table))


_SESSION_PAIRS = _pairs(SESSION_PAIRS)
_PREFERRED_PAIRS = _pairs(PREFERRED_PAIRS)
_OTHER_WORDS = (("Available", "InACall"), ("Busy", "Available"), ("Happy", "Dancing"), ("", "Away"))

# Accepted durations, at the fade instants (PT5M, PT10M) and the range bounds (PT5M, PT4H)...
_SESSION_DURATIONS = ("PT1H", "PT5M", "PT10M", "PT8M", "PT4H", "PT30M")
# ... and just outside the bounds, other spellings of accepted ones, and refused ones.
_ODD_SESSION_DURATIONS = ("PT4M59S", "PT4H0M1S", "PT300S", "P0DT1H", "PT9M59.5S", "PT0S", "P1D", "-PT5M", "soon")
_PREFERRED_DURATIONS = ("PT1H", "PT10M", "PT5M", "PT8H", "P1D", "P2D", "P7D", "PT1S")
_ODD_PREFERRED_DURATIONS = ("PT0S", "-PT1H", "soon")
# Without clock control an example runs in real time: nothing it sets may expire while it runs.
_LONG_PREFERRED_DURATIONS = ("PT8H", "P1D", "P2D")
_ADVANCES = tuple(
    timedelta(seconds=s) for s in (1, 60, 240, 299, 300, 301, 599, 600, 601, 1800, 3600, 14400, 86400, 604800)
)
# +1s first: shrinking prefers the instant just after a timer, where no boundary interpretation is involved.
_NUDGES = tuple(timedelta(milliseconds=ms) for ms in (1000, 0, 1000, 0, -1000, 1, -1))
_BAD_BODIES = (
    ('{"availability": "Busy", "activity": "Busy", "expirationDuration": "PT1H", "colour": "red"}', True),
    ("{}", True),
    ("[]", True),
    ("null", True),
    ('"Busy"', True),
    ('{"availability": 5, "activity": "Busy"}', True),
    ('{"sessionId": 5, "availability": "Away", "activity": "Away"}', True),
    ("{not json", False),
)
_WRITES = (
    ActionKind.SET_USER_PREFERRED_PRESENCE,
    ActionKind.SET_PRESENCE,
    ActionKind.CLEAR_PRESENCE,
    ActionKind.CLEAR_USER_PREFERRED_PRESENCE,
)

# Strategies are built once, here or per argument set (cached): Hypothesis validates each strategy object
# the first time it draws from it, which costs more than the draw.
#
# Each write comes in two kinds: *plain* (a well-formed request by an app allowed to make it, which builds
# state: sessions, preferred presence, timers) and *odd* (any app, token, pair, duration or sessionId,
# which probes validation and authorization). Plain ones are drawn about four times as often, so that
# the combinations timers need (a session, a refresh, a clock move) come up within seconds.


def _identity(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    return strategy


def _weighted(*entries: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """A choice among strategies in proportion to their weights; shrinks towards the first.

    (``st.one_of`` picks its branches evenly, and ``sampled_from`` keeps repeated entries.)
    """
    return st.sampled_from(tuple(s for weight, s in entries for _ in range(weight))).flatmap(_identity)


_Pairs = tuple[tuple[str, str], ...]


def _miscased(pairs: _Pairs) -> st.SearchStrategy[tuple[str, str]]:
    """A pair of ``pairs`` with one of its words in lower or upper case."""

    def change(pair: tuple[str, str], how: Any, first: bool) -> tuple[str, str]:
        return (how(pair[0]), pair[1]) if first else (pair[0], how(pair[1]))

    return st.builds(change, st.sampled_from(pairs), st.sampled_from((str.lower, str.upper)), st.booleans())


def _odd_pairs(own: _Pairs, other: _Pairs) -> st.SearchStrategy[tuple[str, str]]:
    """A pair the operation does not take: the other operation's, other words, or another casing."""
    return st.one_of(st.sampled_from(tuple(p for p in other if p not in own) + _OTHER_WORDS), _miscased(own))


_plain_writers = st.sampled_from(("teams", "bot"))
_odd_writers = st.sampled_from(("mine", "reader"))  # a delegated app (others' presence is refused) or a reader
_readers = st.sampled_from(("teams", "reader", "bot"))  # application apps: they read anyone's presence
_any_app = st.sampled_from(("teams", "reader", "mine", "bot"))
_any_auth = st.sampled_from((AuthMode.TOKEN,) * 4 + (AuthMode.NONE, AuthMode.INVALID))
_token = st.just(AuthMode.TOKEN)
_bad_auth = st.sampled_from((AuthMode.NONE, AuthMode.INVALID))
_own_session = st.just((None, None))
_other_sessions = st.sampled_from((("bot", None), ("teams", None), (None, "not-my-app")))
# Available twice more (only Available sessions fade, and fades are where timers meet) and Away once more
# (the lowest rank: what a faded session competes with).
_plain_session_pairs = st.sampled_from(_SESSION_PAIRS + (("Available", "Available"),) * 2 + (("Away", "Away"),))
_odd_session_pairs = _odd_pairs(_SESSION_PAIRS, _PREFERRED_PAIRS)
_plain_preferred_pairs = st.sampled_from(_PREFERRED_PAIRS)
_odd_preferred_pairs = _odd_pairs(_PREFERRED_PAIRS, _SESSION_PAIRS)
# Mostly explicit: a session that outlives the default PT5M is one whose fades and rivals can be seen.
_plain_session_durations = _weighted((1, st.none()), (2, st.sampled_from(_SESSION_DURATIONS)))
_odd_session_durations = st.sampled_from(_ODD_SESSION_DURATIONS)
_plain_preferred_durations = st.one_of(st.none(), st.sampled_from(_PREFERRED_DURATIONS))
_long_preferred_durations = st.one_of(st.none(), st.sampled_from(_LONG_PREFERRED_DURATIONS))
_odd_preferred_durations = st.sampled_from(_ODD_PREFERRED_DURATIONS)
_bad_bodies = st.sampled_from(_BAD_BODIES)
_write_kinds = st.sampled_from(_WRITES)
_literal_user_ids = st.sampled_from((None, None, None, "not-a-guid"))
_extra_ids = st.sampled_from((0, 0, 1, 2))
_me_apps = st.sampled_from(("mine", "teams", "reader"))


# One user most often: sequences that meet on one user are where aggregation and timers interact (the
# bugs only several users reveal, such as shared state, need only two operations).
_user_counts = st.sampled_from((1, 1, 1, 2, 3))


@cache
def _user(users: int) -> st.SearchStrategy[int]:
    # The first user most often: state builds up where operations meet.
    return st.sampled_from((0, 0, 0, *range(1, users)))


def _variants(
    build: Callable[..., T], plain: dict[str, st.SearchStrategy[Any]], odd: dict[str, st.SearchStrategy[Any]] | None
) -> st.SearchStrategy[T]:
    """``build(**fields)`` with every field plain or, with ``odd``, exactly one field taken from ``odd``.

    One odd field at a time: a request with two defects is refused for the first one checked, which hides
    whether the second is checked at all.
    """
    if odd is None:
        return st.builds(build, **plain)
    return st.one_of([st.builds(build, **{**plain, name: strategy}) for name, strategy in odd.items()])


def _set_presence(users: int, *, plain: bool) -> st.SearchStrategy[SetPresence]:
    def build(
        app: str, user: int, pair: tuple[str, str], duration: str | None, ref: tuple[Any, Any], auth: AuthMode
    ) -> SetPresence:
        return SetPresence(app, user, pair[0], pair[1], duration, ref[0], ref[1], auth)

    fields = {
        "app": _plain_writers,
        "user": _user(users),
        "pair": _plain_session_pairs,
        "duration": _plain_session_durations,
        "ref": _own_session,
        "auth": _token,
    }
    odd = {
        "pair": _odd_session_pairs,
        "duration": _odd_session_durations,
        "ref": _other_sessions,
        "auth": _bad_auth,
        "app": _odd_writers,
    }
    return _variants(build, fields, None if plain else odd)


def _clear_presence(users: int, *, plain: bool) -> st.SearchStrategy[ClearPresence]:
    def build(app: str, user: int, ref: tuple[Any, Any], auth: AuthMode) -> ClearPresence:
        return ClearPresence(app, user, ref[0], ref[1], auth)

    fields = {"app": _plain_writers, "user": _user(users), "ref": _own_session, "auth": _token}
    odd = {"ref": _other_sessions, "auth": _bad_auth, "app": _odd_writers}
    return _variants(build, fields, None if plain else odd)


def _set_preferred(users: int, *, plain: bool, time_travel: bool) -> st.SearchStrategy[SetUserPreferredPresence]:
    def build(
        app: str, user: int, pair: tuple[str, str], duration: str | None, auth: AuthMode
    ) -> SetUserPreferredPresence:
        return SetUserPreferredPresence(app, user, pair[0], pair[1], duration, auth)

    durations = _plain_preferred_durations if time_travel else _long_preferred_durations
    fields = {"app": _plain_writers, "user": _user(users), "pair": _plain_preferred_pairs, "duration": durations}
    fields["auth"] = _token
    odd = {"pair": _odd_preferred_pairs, "duration": _odd_preferred_durations, "auth": _bad_auth, "app": _odd_writers}
    return _variants(build, fields, None if plain else odd)


def _clear_preferred(users: int, *, plain: bool) -> st.SearchStrategy[ClearUserPreferredPresence]:
    fields = {"app": _plain_writers, "user": _user(users), "auth": _token}
    return _variants(ClearUserPreferredPresence, fields, None if plain else {"auth": _bad_auth, "app": _odd_writers})


def _raw_write(users: int) -> st.SearchStrategy[RawWrite]:
    def build(kind: ActionKind, app: str, user: int, body: tuple[str, bool]) -> RawWrite:
        return RawWrite(kind, app, user, body[0], body[1])

    return st.builds(build, _write_kinds, _plain_writers, _user(users), _bad_bodies)


def _get_presence(users: int, *, plain: bool) -> st.SearchStrategy[GetPresence]:
    if plain:
        return st.builds(GetPresence, _readers, _user(users), st.none(), _token)
    return st.builds(GetPresence, _any_app, _user(users), _literal_user_ids, _any_auth)


def _batch_read(users: int, *, plain: bool) -> st.SearchStrategy[BatchRead]:
    chosen = st.lists(_user(users), max_size=3).map(tuple)
    if plain:
        return st.builds(BatchRead, _readers, chosen, _extra_ids, _token)
    return st.builds(BatchRead, _any_app, chosen, _extra_ids, _any_auth)


def _get_my_presence() -> st.SearchStrategy[GetMyPresence]:
    return st.builds(GetMyPresence, _me_apps, _any_auth)


def _seconds(count: int) -> timedelta:
    return timedelta(seconds=count)


_advance_by = st.builds(AdvanceBy, st.one_of(st.sampled_from(_ADVANCES), st.integers(1, 7200).map(_seconds)))
# The earliest pending timers most often: they are the ones a later operation has not overtaken.
_picks = st.sampled_from((0, 0, 0, 1, 1, 1, -1, -1, 2))
_advance_to_timer = st.builds(AdvanceToTimer, _picks, st.sampled_from(_NUDGES))


@cache
def operations(users: int, *, time_travel: bool = True) -> st.SearchStrategy[Operation]:
    """One operation for an example with ``users`` users; clock moves only with ``time_travel``.

    Earlier branches are simpler: shrinking moves towards ``setPresence`` and clock moves. Built once per
    argument set: Hypothesis validates a strategy the first time it draws from it.
    """
    branches: list[tuple[int, st.SearchStrategy[Operation]]] = [(8, _set_presence(users, plain=True))]
    if time_travel:
        branches += [(6, _advance_to_timer), (2, _advance_by)]
    branches += [
        (3, _clear_presence(users, plain=True)),
        (3, _set_preferred(users, plain=True, time_travel=time_travel)),
        (2, _clear_preferred(users, plain=True)),
        (1, _get_presence(users, plain=True)),
        (2, _batch_read(users, plain=True)),
        (2, _set_presence(users, plain=False)),
        (1, _clear_presence(users, plain=False)),
        (1, _set_preferred(users, plain=False, time_travel=time_travel)),
        (1, _clear_preferred(users, plain=False)),
        (1, _get_presence(users, plain=False)),
        (1, _batch_read(users, plain=False)),
        (1, _get_my_presence()),
        (1, _raw_write(users)),
    ]
    return _weighted(*branches)


@st.composite
def examples(draw: st.DrawFn, *, time_travel: bool = True, max_operations: int = 16) -> Example:
    """An :class:`Example` of 1 to 3 users and 1 to ``max_operations`` operations (about 6 on average
    with the default 16: Hypothesis's lists average half their maximum, up to their minimum plus five)."""
    users = draw(_user_counts)
    return Example(users, tuple(draw(_operation_lists(users, time_travel, max_operations))))


@cache
def _operation_lists(users: int, time_travel: bool, max_operations: int) -> st.SearchStrategy[list[Operation]]:
    return st.lists(operations(users, time_travel=time_travel), min_size=1, max_size=max_operations)
