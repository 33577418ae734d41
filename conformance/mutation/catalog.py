"""The mutants: deliberately wrong variants of the reference server, each breaking one clause.

Each :class:`Mutant` names the clause it breaks (an id of ``reference_impl/clauses.yaml``), its family,
what it does in one sentence, and ``apply``: a function that patches the reference model or service so
that the server built afterwards misbehaves that way. Each one is a mistake real implementations make:
a precedence table in the wrong order, a timer off by a minute, a range check off by one, a lenient
parser, a forgotten check.

``apply`` monkeypatches module attributes for the rest of the process's life, so it must only ever run
in a throwaway child process that serves the mutant (:mod:`conformance.mutation.server`): the engine's
oracle is the very same model, and patching it in the engine's process would make the oracle agree
with the mutant. :func:`arm` is the child's explicit consent; until it is called, every patch raises
:class:`MutantMisuse`.

Patches go where the name is looked up at call time: a function imported by name into another module
(``from .aggregation import aggregate``) is patched in every module that calls it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from reference_impl.clause_registry import load_registry
from reference_impl.model import aggregation, authorization, operations, sessions, transitions
from reference_impl.model import profile as profile_module
from reference_impl.model.aggregation import UserPresence
from reference_impl.model.authorization import Access, Caller, Permission
from reference_impl.model.durations import DurationError
from reference_impl.model.operations import ClearPresence, SetPresence, SetUserPreferredPresence
from reference_impl.model.outcomes import ErrorCode, Refusal
from reference_impl.model.profile import Matching, Profile, RefreshExpiry
from reference_impl.model.sessions import FadeStage, Session, SessionView
from reference_impl.model.transitions import Applied
from reference_impl.model.vocabulary import Activity, Availability, PresencePair
from reference_impl.service import routing as routing_module
from reference_impl.service import service as service_module
from reference_impl.service import store as store_module
from reference_impl.service.routing import Call, Endpoint, Handler, ServiceResponse

__all__ = ["CATALOG", "Mutant", "MutantMisuse", "arm", "by_name", "is_armed"]


class MutantMisuse(RuntimeError):
    """A mutant was applied outside a mutant server's child process."""


_armed = False


def arm() -> None:
    """Allow mutants to patch this process. Only a mutant server's child process calls this."""
    global _armed
    _armed = True


def is_armed() -> bool:
    """Whether :func:`arm` was called in this process."""
    return _armed


@dataclass(frozen=True, slots=True)
class Mutant:
    """One deliberately wrong variant of the reference server.

    Attributes:
        name: a stable, unique kebab-case name, starting with the family in lower case.
        clause: the registry clause it breaks; a case citing it must kill it.
        family: the clause's family (``SET``, ``EXP``, ... ``INT``).
        description: what the mutant does wrong, in one sentence.
        apply: patches this process so the server built afterwards has the defect (child process only).
    """

    name: str
    clause: str
    family: str
    description: str
    apply: Callable[[], None]


# ---- patching helpers -----------------------------------------------------------------------------


def _patch(owner: ModuleType | type, name: str, value: object) -> None:
    """Replace ``owner.name`` (a module's or a class's); refuse in an unarmed process and for names that
    no longer exist (the reference was refactored: the catalogue must follow)."""
    where = f"{owner.__name__}.{name}"
    if not _armed:
        raise MutantMisuse(
            f"refusing to patch {where} outside a mutant server's child process: "
            "the engine's oracle would be mutated too"
        )
    if not hasattr(owner, name):
        raise AttributeError(f"{where} does not exist: the mutant catalogue is out of date")
    setattr(owner, name, value)


def _current(owner: ModuleType | type, name: str) -> Any:
    """``owner.name`` as it is now (names a module imported from elsewhere are not part of its API)."""
    return getattr(owner, name)


def _patch_all(name: str, value: object, *modules: ModuleType) -> None:
    for module in modules:
        _patch(module, name, value)


def _replace_endpoints(change: Callable[[Endpoint], Endpoint | None]) -> None:
    """Rewrite the service's endpoint table (read when a service is built): ``None`` drops an endpoint."""
    rows = (change(endpoint) for endpoint in service_module.ENDPOINTS)
    _patch(service_module, "ENDPOINTS", tuple(row for row in rows if row is not None))


def _wrap_endpoint(name: str, wrap: Callable[[Handler], Handler]) -> None:
    _replace_endpoints(lambda e: replace(e, handler=wrap(e.handler)) if e.name == name else e)


def _with_profile(function: Callable[..., Any], position: int, **changes: Any) -> Callable[..., Any]:
    """``function`` called with its ``position``-th argument (a Profile) changed by ``changes``."""

    def wrapper(*args: Any) -> Any:
        changed = list(args)
        changed[position] = replace(args[position], **changes)
        return function(*changed)

    return wrapper


def _live_session(user: UserPresence, session_id: str, now: datetime) -> Session | None:
    session = user.session(session_id)
    if session is None or sessions.view_session(session, now, profile_module.DEFAULT_PROFILE) is None:
        return None
    return session


_SetPresence = Callable[[UserPresence, SetPresence, datetime, Profile], UserPresence]


def _wrap_set_presence(
    change: Callable[[_SetPresence, UserPresence, SetPresence, datetime, Profile], UserPresence],
) -> None:
    original: _SetPresence = transitions._set_presence
    _patch(transitions, "_set_presence", lambda user, op, now, profile: change(original, user, op, now, profile))


def _replace_new_session(after: UserPresence, session_id: str, **changes: Any) -> UserPresence:
    """``after`` with the session ``session_id`` (just written) changed."""
    return replace(
        after, sessions=tuple(replace(s, **changes) if s.session_id == session_id else s for s in after.sessions)
    )


def _pair(availability: Availability, activity: Activity) -> PresencePair:
    return PresencePair(availability, activity)


# ---- SET ------------------------------------------------------------------------------------------


def _conference_call_refused() -> None:
    missing = _pair(Availability.BUSY, Activity.IN_A_CONFERENCE_CALL)
    _patch(operations, "SESSION_PAIRS", _current(operations, "SESSION_PAIRS") - {missing})


def _session_id_unchecked() -> None:
    # The session is keyed by whatever sessionId the request carries.
    _patch(operations, "_check_session_id", lambda session_id, caller, profile: session_id)


def _set_presence_202() -> None:
    def wrap(handler: Handler) -> Handler:
        def answer(service: Any, call: Call) -> ServiceResponse:
            response = handler(service, call)
            return replace(response, status=202) if 200 <= response.status < 300 else response

        return answer

    _wrap_endpoint("setPresence", wrap)


def _overwrite_ignored() -> None:
    def change(original: _SetPresence, user: UserPresence, op: SetPresence, now: datetime, p: Profile) -> UserPresence:
        return user if _live_session(user, op.session_id, now) is not None else original(user, op, now, p)

    _wrap_set_presence(change)


# ---- EXP ------------------------------------------------------------------------------------------


def _default_ten_minutes() -> None:
    _patch(transitions, "DEFAULT_SESSION_EXPIRY", timedelta(minutes=10))


def _duration_ignored() -> None:
    _wrap_set_presence(lambda original, user, op, now, p: original(user, replace(op, duration=None), now, p))


def _never_expires() -> None:
    original = sessions.view_session
    forever = datetime.max.replace(tzinfo=UTC)

    def view(session: Session, now: datetime, profile: Profile) -> SessionView | None:
        return original(replace(session, expires_at=forever), now, profile)

    _patch_all("view_session", view, aggregation, transitions)


def _refresh_keeps_expiry() -> None:
    def change(original: _SetPresence, user: UserPresence, op: SetPresence, now: datetime, p: Profile) -> UserPresence:
        previous = _live_session(user, op.session_id, now)
        after = original(user, op, now, p)
        if previous is None:
            return after
        return _replace_new_session(after, op.session_id, expires_at=previous.expires_at)

    _wrap_set_presence(change)


def _range_excludes_pt5m() -> None:
    _patch(operations, "MIN_SESSION_EXPIRY", timedelta(minutes=5, microseconds=1))


def _range_excludes_pt4h() -> None:
    _patch(operations, "MAX_SESSION_EXPIRY", timedelta(hours=4, microseconds=-1))


def _range_unchecked() -> None:
    _patch(operations, "MIN_SESSION_EXPIRY", timedelta(0))
    _patch(operations, "MAX_SESSION_EXPIRY", timedelta.max)


# ---- FADE -----------------------------------------------------------------------------------------


def _no_fade() -> None:
    _patch(sessions, "_fades", lambda session: False)


def _first_fade_after_six_minutes() -> None:
    _patch(sessions, "FIRST_FADE_AFTER", timedelta(minutes=6))


def _no_second_fade() -> None:
    _patch(sessions, "SECOND_FADE_AFTER", timedelta(days=36500))


def _fade_timer_not_restarted() -> None:
    def change(original: _SetPresence, user: UserPresence, op: SetPresence, now: datetime, p: Profile) -> UserPresence:
        previous = _live_session(user, op.session_id, now)
        after = original(user, op, now, p)
        if previous is None:
            return after
        return _replace_new_session(after, op.session_id, set_at=previous.set_at)

    _wrap_set_presence(change)


# ---- AGG ------------------------------------------------------------------------------------------


def _last_writer_wins() -> None:
    _patch(aggregation, "_rank", lambda view: (view.session.set_at, view.session.arrival))


def _busy_over_dnd() -> None:
    swapped = {**aggregation.PRECEDENCE, Availability.BUSY: 4, Availability.DO_NOT_DISTURB: 3}
    _patch(aggregation, "PRECEDENCE", swapped)


def _one_session_per_user() -> None:
    def change(original: _SetPresence, user: UserPresence, op: SetPresence, now: datetime, p: Profile) -> UserPresence:
        after = original(user, op, now, p)
        return replace(after, sessions=tuple(s for s in after.sessions if s.session_id == op.session_id))

    _wrap_set_presence(change)


_SHARED_USER = "shared"


class _SharedStore(store_module.PresenceStore):
    """Every user's presence kept under one key: sessions shared across users."""

    def write(self, user_id: str, change: Callable[[UserPresence, datetime], Applied]) -> Applied:
        return super().write(_SHARED_USER, change)

    def read(self, user_ids: Sequence[str], view: Callable[[UserPresence, str, datetime], Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for user_id in user_ids:

            def as_asked(state: UserPresence, _: str, instant: datetime, asked: str = user_id) -> Any:
                return view(state, asked, instant)

            out += super().read([_SHARED_USER], as_asked)
        return tuple(out)


def _sessions_shared_across_users() -> None:
    _patch(service_module, "PresenceStore", _SharedStore)


def _preferred_ignored() -> None:
    _patch(aggregation, "_preferred_is_live", lambda preferred, now, profile: False)


def _preferred_without_session() -> None:
    original = aggregation.aggregate

    def aggregate(user: UserPresence, now: datetime, profile: Profile) -> PresencePair:
        preferred = user.preferred
        if preferred is not None and not profile.has_reached(now, preferred.expires_at):
            return preferred.pair
        return original(user, now, profile)

    _patch_all("aggregate", aggregate, aggregation, transitions)


def _faded_ranks_lowest() -> None:
    def rank(view: SessionView) -> tuple[int, bool, datetime, int]:
        level = 0 if view.faded else aggregation.PRECEDENCE.get(view.pair.availability, 0)
        return (level, not view.faded, view.session.set_at, view.session.arrival)

    _patch(aggregation, "_rank", rank)


def _tie_break_first_set_wins() -> None:
    def rank(view: SessionView) -> tuple[int, bool, float, int]:
        level = aggregation.PRECEDENCE.get(view.pair.availability, 0)
        return (level, not view.faded, -view.session.set_at.timestamp(), -view.session.arrival)

    _patch(aggregation, "_rank", rank)


# ---- CLEAR ----------------------------------------------------------------------------------------

_ClearPresence = Callable[[UserPresence, ClearPresence, datetime, Profile], UserPresence]


def _wrap_clear_presence(
    change: Callable[[_ClearPresence, UserPresence, ClearPresence, datetime, Profile], UserPresence],
) -> None:
    original: _ClearPresence = transitions._clear_presence
    _patch(transitions, "_clear_presence", lambda user, op, now, profile: change(original, user, op, now, profile))


def _clear_does_nothing() -> None:
    def change(
        original: _ClearPresence, user: UserPresence, op: ClearPresence, now: datetime, p: Profile
    ) -> UserPresence:
        original(user, op, now, p)  # still 404 for a session that does not exist
        return user

    _wrap_clear_presence(change)


def _clear_removes_all_sessions() -> None:
    _wrap_clear_presence(lambda original, user, op, now, p: replace(original(user, op, now, p), sessions=()))


def _clear_unknown_200() -> None:
    def change(
        original: _ClearPresence, user: UserPresence, op: ClearPresence, now: datetime, p: Profile
    ) -> UserPresence:
        try:
            return original(user, op, now, p)
        except Refusal as refusal:
            if refusal.status == 404:
                return user
            raise

    _wrap_clear_presence(change)


def _cleared_user_presence_unknown() -> None:
    original = aggregation.aggregate
    unknown = _pair(Availability.PRESENCE_UNKNOWN, Activity.PRESENCE_UNKNOWN)

    def aggregate(user: UserPresence, now: datetime, profile: Profile) -> PresencePair:
        # A user whose sessions were all cleared (expired ones linger in the state) shows Unknown.
        if not user.sessions and user.writes > 0 and user.preferred is None:
            return unknown
        return original(user, now, profile)

    _patch_all("aggregate", aggregate, aggregation, transitions)


# ---- PREF -----------------------------------------------------------------------------------------


def _offwork_refused() -> None:
    missing = _pair(Availability.OFFLINE, Activity.OFF_WORK)
    _patch(operations, "PREFERRED_PAIRS", _current(operations, "PREFERRED_PAIRS") - {missing})


def _preferred_default_seven_days() -> None:
    _patch(transitions, "preferred_default_expiry", lambda pair: timedelta(days=7))


def _preferred_expiry_ignored() -> None:
    original = transitions._set_preferred

    def set_preferred(user: UserPresence, op: SetUserPreferredPresence, now: datetime) -> UserPresence:
        return original(user, replace(op, duration=None), now)

    _patch(transitions, "_set_preferred", set_preferred)


def _preferred_clear_does_nothing() -> None:
    original = transitions._clear_preferred

    def clear(user: UserPresence, now: datetime, profile: Profile) -> UserPresence:
        original(user, now, profile)  # keeps the status it answers
        return user

    _patch(transitions, "_clear_preferred", clear)


# ---- READ -----------------------------------------------------------------------------------------


def _activity_shows_availability() -> None:
    original = _current(service_module, "presence_resource")

    def resource(view: Any, *, context: str | None = None) -> dict[str, Any]:
        document: dict[str, Any] = original(view, context=context)
        document["activity"] = document["availability"]
        return document

    _patch(service_module, "presence_resource", resource)


def _me_not_found() -> None:
    _replace_endpoints(lambda e: None if e.name == "getMyPresence" else e)


def _batch_omits_offline() -> None:
    def wrap(handler: Handler) -> Handler:
        def answer(service: Any, call: Call) -> ServiceResponse:
            response = handler(service, call)
            if response.status != 200:
                return response
            document = response.json()
            document["value"] = [item for item in document["value"] if item["availability"] != "Offline"]
            return routing_module.json_response(200, document)

        return answer

    _wrap_endpoint("getPresencesByUserId", wrap)


# ---- AUTH -----------------------------------------------------------------------------------------


def _token_not_enforced() -> None:
    original: Callable[[str | None, str, datetime], Caller] = _current(service_module, "verify_authorization")
    everything = frozenset({Permission.READ_ALL, Permission.READ_WRITE_ALL})

    def verify(header: str | None, secret: str, now: datetime) -> Caller:
        try:
            return original(header, secret, now)
        except Refusal as refusal:
            if refusal.status != 401:
                raise
            return Caller("anonymous", everything)

    _patch(service_module, "verify_authorization", verify)


def _read_role_writes() -> None:
    table = {
        Access.READ: {Permission.READ_ALL, Permission.READ_WRITE_ALL},
        Access.WRITE: {Permission.READ_ALL, Permission.READ_WRITE_ALL},
    }
    _patch(authorization, "_APPLICATION", table)


def _me_with_app_token() -> None:
    # /me for an application caller reads the user whose id is the application's id.
    _patch(service_module, "authorize_me", lambda caller: caller.user_id or caller.app_id.lower())


# ---- ERR ------------------------------------------------------------------------------------------


def _error_body_unwrapped() -> None:
    def body(refusal: Refusal, ids: Any, date: datetime) -> bytes:
        return json.dumps({"code": refusal.code, "message": refusal.message}).encode("utf-8")

    _patch(service_module, "error_body", body)


# ---- INT ------------------------------------------------------------------------------------------


def _busy_fades_too() -> None:
    _patch(sessions, "_fades", lambda session: True)


def _boundary_exclusive() -> None:
    _patch(profile_module.Profile, "has_reached", lambda self, now, instant: now > instant)


def _fade_beats_expiry() -> None:
    original = sessions.view_session
    forever = datetime.max.replace(tzinfo=UTC)

    def view(session: Session, now: datetime, profile: Profile) -> SessionView | None:
        shown = original(session, now, profile)
        if shown is None and now == session.expires_at:
            # The fade is looked at before the expiry: a fade due at the same instant shows once.
            alive = original(replace(session, expires_at=forever), now, profile)
            if alive is not None and alive.stage is not FadeStage.FRESH:
                return alive
        return shown

    _patch_all("view_session", view, aggregation, transitions)


def _preferred_dropped_without_session() -> None:
    original = transitions._set_preferred

    def set_preferred(user: UserPresence, op: SetUserPreferredPresence, now: datetime) -> UserPresence:
        after: UserPresence = original(user, op, now)
        if next(aggregation.live_views(user, now, profile_module.DEFAULT_PROFILE), None) is None:
            return replace(after, preferred=None)
        return after

    _patch(transitions, "_set_preferred", set_preferred)


def _preferred_duration_session_range() -> None:
    original = _current(service_module, "parse_set_user_preferred_presence")

    def parse(body: object, profile: Profile) -> SetUserPreferredPresence:
        op: SetUserPreferredPresence = original(body, profile)
        low, high = operations.MIN_SESSION_EXPIRY, operations.MAX_SESSION_EXPIRY
        if op.duration is not None and not low <= op.duration <= high:
            raise Refusal(400, ErrorCode.INVALID_REQUEST, "expirationDuration must be PT5M to PT4H")
        return op

    _patch(service_module, "parse_set_user_preferred_presence", parse)


class _LaggingStore(store_module.PresenceStore):
    """Reads see writes and timers 30 seconds late."""

    def __init__(self, clock: Any, delay: timedelta = timedelta(0)) -> None:
        super().__init__(clock, timedelta(seconds=30))


def _reads_lag() -> None:
    _patch(service_module, "PresenceStore", _LaggingStore)


def _delegated_writes_others() -> None:
    table = {Access.READ: {Permission.READ_ALL}, Access.WRITE: {Permission.READ_WRITE}}
    _patch(authorization, "_DELEGATED_OTHER", table)


def _case_insensitive() -> None:
    _patch(operations, "_match", _with_profile(operations._match, 2, matching=Matching.CASE_INSENSITIVE))


def _unsupported_pairs_accepted() -> None:
    every = frozenset(_pair(a, b) for a in Availability for b in Activity)
    _patch(operations, "SESSION_PAIRS", every)


def _unknown_property_ignored() -> None:
    original = operations._object

    def lenient(body: object, allowed: set[str], operation: str) -> Mapping[str, Any]:
        if isinstance(body, dict):
            body = {key: value for key, value in body.items() if key in allowed}
        result: Mapping[str, Any] = original(body, allowed, operation)
        return result

    _patch(operations, "_object", lenient)


def _session_id_mismatch_403() -> None:
    _patch(
        operations, "_check_session_id", _with_profile(operations._check_session_id, 2, session_id_mismatch_status=403)
    )


def _clear_expired_200() -> None:
    _patch(transitions, "_clear_presence", _with_profile(transitions._clear_presence, 3, clear_expired_status=200))


def _clear_preferred_none_404() -> None:
    _patch(
        transitions, "_clear_preferred", _with_profile(transitions._clear_preferred, 2, clear_preferred_none_status=404)
    )


def _write_status_204() -> None:
    _patch(service_module, "apply", _with_profile(_current(service_module, "apply"), 3, write_status=204))


def _refresh_keeps_previous_expiry() -> None:
    changed = _with_profile(transitions._set_presence, 3, refresh_expiry=RefreshExpiry.KEEP_PREVIOUS)
    _patch(transitions, "_set_presence", changed)


_MINUTES_AND_HOURS = re.compile(r"PT(?:[0-9]+H)?(?:[0-9]+M)?")


def _duration_forms_refused() -> None:
    original = _current(operations, "parse_duration")

    def parse(text: str) -> timedelta:
        if text in ("PT", "") or not _MINUTES_AND_HOURS.fullmatch(text):
            raise DurationError(f"{text[:64]!r} is not a duration in hours and minutes such as PT5M")
        result: timedelta = original(text)
        return result

    _patch(operations, "parse_duration", parse)


class _KnownUsersStore(store_module.PresenceStore):
    """Only users something was written to exist; reading any other is 404."""

    def read(self, user_ids: Sequence[str], view: Callable[[UserPresence, str, datetime], Any]) -> tuple[Any, ...]:
        unknown = [user_id for user_id in user_ids if user_id not in self._users]
        if unknown:
            raise Refusal(404, ErrorCode.NOT_FOUND, f"user {unknown[0]} was not found")
        return super().read(user_ids, view)


def _unknown_users_404() -> None:
    _patch(service_module, "PresenceStore", _KnownUsersStore)


def _batch_ids_unchecked() -> None:
    original = _current(service_module, "parse_batch_ids")
    limit = operations.BATCH_LIMIT

    def parse(body: object) -> tuple[str, ...]:
        ids = body.get("ids") if isinstance(body, dict) else None
        if isinstance(ids, list) and not ids:
            return ()
        if isinstance(ids, list) and len(ids) > limit:
            head: tuple[str, ...] = original({"ids": ids[:limit]})
            return head + tuple(i for i in original({"ids": ids[limit:]}) if i not in head)
        result: tuple[str, ...] = original(body)
        return result

    _patch(service_module, "parse_batch_ids", parse)


def _offline_pair_offwork() -> None:
    _patch(aggregation, "OFFLINE", _pair(Availability.OFFLINE, Activity.OFF_WORK))


# ---- the catalogue --------------------------------------------------------------------------------

_ENTRIES: tuple[tuple[str, str, str, Callable[[], None]], ...] = (
    # SET
    (
        "set-pairs-conference-call-refused",
        "SET-PAIRS",
        "Busy/InAConferenceCall is missing from the setPresence pair table, so it is refused",
        _conference_call_refused,
    ),
    (
        "set-sessionid-unchecked",
        "SET-SESSIONID",
        "sessionId is not checked against the caller's app id: any id opens (or addresses) a session",
        _session_id_unchecked,
    ),
    (
        "set-success-202",
        "SET-SUCCESS",
        "a successful setPresence answers 202 Accepted instead of 200",
        _set_presence_202,
    ),
    (
        "set-overwrite-ignored",
        "SET-OVERWRITE",
        "a setPresence by an app that already has a live session changes nothing (first write wins)",
        _overwrite_ignored,
    ),
    # EXP
    (
        "exp-default-ten-minutes",
        "EXP-DEFAULT",
        "without expirationDuration a session lives 10 minutes instead of 5",
        _default_ten_minutes,
    ),
    (
        "exp-duration-ignored",
        "EXP-HONOURED",
        "expirationDuration is validated but ignored: every session lives the default 5 minutes",
        _duration_ignored,
    ),
    (
        "exp-never-expires",
        "EXP-OFFLINE",
        "sessions never expire: an expired session keeps showing its state",
        _never_expires,
    ),
    (
        "exp-refresh-keeps-expiry",
        "EXP-KEEPALIVE",
        "a refreshing setPresence keeps the session's first expiry, even with a new expirationDuration",
        _refresh_keeps_expiry,
    ),
    (
        "exp-range-pt5m-excluded",
        "EXP-RANGE",
        "off by one at the lower bound: expirationDuration PT5M is refused",
        _range_excludes_pt5m,
    ),
    (
        "exp-range-pt4h-excluded",
        "EXP-RANGE",
        "off by one at the upper bound: expirationDuration PT4H is refused",
        _range_excludes_pt4h,
    ),
    (
        "exp-range-unchecked",
        "EXP-RANGE",
        "expirationDuration is not range-checked: PT1M and P1D are accepted",
        _range_unchecked,
    ),
    # FADE
    ("fade-none", "FADE-FIRST", "an Available session never fades", _no_fade),
    (
        "fade-first-after-six-minutes",
        "FADE-FIRST",
        "the first fade comes after 6 minutes instead of 5",
        _first_fade_after_six_minutes,
    ),
    (
        "fade-second-missing",
        "FADE-SECOND",
        "there is no second fade: an idle Available session stays Available/AvailableInactive",
        _no_second_fade,
    ),
    (
        "fade-timer-not-restarted",
        "FADE-KEEPALIVE",
        "a refreshing setPresence does not restart the fade timer, which counts from the session's creation",
        _fade_timer_not_restarted,
    ),
    # AGG
    (
        "agg-last-writer-wins",
        "AGG-PRECEDENCE",
        "precedence flattened to last-writer-wins: the most recently set session shows",
        _last_writer_wins,
    ),
    ("agg-busy-over-dnd", "AGG-PRECEDENCE", "precedence order swapped: Busy outranks DoNotDisturb", _busy_over_dnd),
    (
        "agg-one-session-per-user",
        "AGG-SESSIONS",
        "one session per user: an app's setPresence replaces the other apps' sessions",
        _one_session_per_user,
    ),
    (
        "agg-sessions-shared-across-users",
        "AGG-SESSIONS",
        "sessions are kept per app, not per user: every user shows the same aggregate",
        _sessions_shared_across_users,
    ),
    ("agg-preferred-ignored", "AGG-PREFERRED", "preferred presence is stored but never shown", _preferred_ignored),
    # CLEAR
    ("clear-does-nothing", "CLEAR-SESSION", "clearPresence answers 200 but the session stays", _clear_does_nothing),
    (
        "clear-removes-all-sessions",
        "CLEAR-SESSION",
        "clearPresence removes every app's session of the user, not only the caller's",
        _clear_removes_all_sessions,
    ),
    (
        "clear-unknown-200",
        "CLEAR-NOT-FOUND",
        "clearPresence of a session that does not exist answers 200",
        _clear_unknown_200,
    ),
    (
        "clear-last-presence-unknown",
        "CLEAR-LAST-OFFLINE",
        "a user whose last session was cleared shows PresenceUnknown/PresenceUnknown",
        _cleared_user_presence_unknown,
    ),
    # PREF
    (
        "pref-pairs-offwork-refused",
        "PREF-PAIRS",
        "Offline/OffWork is missing from the preferred pair table, so it is refused",
        _offwork_refused,
    ),
    (
        "pref-shown-without-session",
        "PREF-NEEDS-SESSION",
        "preferred presence shows even when the user has no session",
        _preferred_without_session,
    ),
    (
        "pref-default-expiry-seven-days",
        "PREF-DEFAULT-EXPIRY",
        "every preferred presence defaults to 7 days, Busy and DoNotDisturb too",
        _preferred_default_seven_days,
    ),
    (
        "pref-expiry-ignored",
        "PREF-EXPIRY",
        "a preferred presence's expirationDuration is ignored (the default applies)",
        _preferred_expiry_ignored,
    ),
    (
        "pref-clear-does-nothing",
        "PREF-CLEAR",
        "clearUserPreferredPresence answers 200 but the preferred presence stays",
        _preferred_clear_does_nothing,
    ),
    # READ
    (
        "read-activity-shows-availability",
        "READ-PRESENCE",
        "a single read reports the availability as the activity too (Busy/Busy for Busy/InACall)",
        _activity_shows_availability,
    ),
    ("read-me-not-found", "READ-ME", "GET /me/presence is not implemented (404)", _me_not_found),
    (
        "read-batch-omits-offline",
        "READ-BATCH",
        "getPresencesByUserId leaves Offline users out of its answer",
        _batch_omits_offline,
    ),
    # AUTH
    (
        "auth-token-not-enforced",
        "AUTH-TOKEN",
        "requests without a valid token are served as an anonymous app with every permission",
        _token_not_enforced,
    ),
    (
        "auth-read-role-writes",
        "AUTH-PERMISSIONS",
        "the application permission Presence.Read.All may write presence",
        _read_role_writes,
    ),
    (
        "auth-me-with-app-token",
        "AUTH-ME-APP",
        "GET /me/presence with an application token answers the presence of the user named by the app id",
        _me_with_app_token,
    ),
    # ERR
    (
        "err-body-unwrapped",
        "ERR-FORMAT",
        'error bodies are {"code", "message"} without the enclosing "error" object',
        _error_body_unwrapped,
    ),
    # INT
    (
        "int-boundary-exclusive",
        "INT-BOUNDARY-INCLUSIVE",
        "timers fire just after their instant, not at it",
        _boundary_exclusive,
    ),
    (
        "int-fade-beats-expiry",
        "INT-EXPIRY-ENDS-FADE",
        "a fade due at the session's expiry instant shows at that instant",
        _fade_beats_expiry,
    ),
    (
        "int-busy-fades-too",
        "INT-FADE-AVAILABLE-ONLY",
        "every session fades after 5 minutes, Busy, DoNotDisturb and Away too",
        _busy_fades_too,
    ),
    (
        "int-set-overwrites-keeps-expiry",
        "INT-SET-OVERWRITES",
        "a refresh without expirationDuration keeps the previous expiry (undeclared keep-previous)",
        _refresh_keeps_previous_expiry,
    ),
    (
        "int-faded-ranks-lowest",
        "INT-FADED-RANK",
        "a faded session ranks below every fresh one, Away included",
        _faded_ranks_lowest,
    ),
    (
        "int-tie-break-first-set-wins",
        "INT-TIE-BREAK",
        "between sessions of equal availability the earliest set one wins",
        _tie_break_first_set_wins,
    ),
    (
        "int-offline-pair-offwork",
        "INT-OFFLINE-PAIR",
        "a user with nothing to show is Offline/OffWork instead of Offline/Offline",
        _offline_pair_offwork,
    ),
    (
        "int-pref-dropped-without-session",
        "INT-PREF-RETAINED",
        "a preferred presence set while the user has no live session is dropped",
        _preferred_dropped_without_session,
    ),
    (
        "int-pref-duration-session-range",
        "INT-PREF-DURATION",
        "a preferred presence's expirationDuration is held to the session range PT5M..PT4H",
        _preferred_duration_session_range,
    ),
    (
        "int-duration-forms-refused",
        "INT-DURATION-FORMS",
        "only PT<h>H<m>M spellings are accepted: PT300S and P0DT1H are refused",
        _duration_forms_refused,
    ),
    (
        "int-sessionid-mismatch-403",
        "INT-SESSIONID-MISMATCH",
        "a sessionId that is not the caller's app id is refused with 403 (undeclared)",
        _session_id_mismatch_403,
    ),
    (
        "int-case-insensitive",
        "INT-CASE-SENSITIVE",
        "availability and activity are matched without regard to case",
        _case_insensitive,
    ),
    (
        "int-unsupported-pair-accepted",
        "INT-UNSUPPORTED-PAIR",
        "setPresence accepts any availability/activity pair, Busy/Busy included",
        _unsupported_pairs_accepted,
    ),
    (
        "int-unknown-property-ignored",
        "INT-BAD-INPUT",
        "unknown body properties are silently ignored",
        _unknown_property_ignored,
    ),
    ("int-write-status-204", "INT-WRITE-STATUS", "successful writes answer 204 (undeclared)", _write_status_204),
    (
        "int-clear-expired-200",
        "INT-CLEAR-EXPIRED",
        "clearPresence of an expired session answers 200 (undeclared)",
        _clear_expired_200,
    ),
    (
        "int-clear-preferred-none-404",
        "INT-CLEAR-PREFERRED-NONE",
        "clearUserPreferredPresence with nothing set answers 404 (undeclared)",
        _clear_preferred_none_404,
    ),
    (
        "int-delegated-writes-others",
        "INT-DELEGATED-OWN",
        "a delegated Presence.ReadWrite caller may write other users' presence",
        _delegated_writes_others,
    ),
    (
        "int-users-unknown-404",
        "INT-USERS",
        "a user id nothing was written to is 404 instead of an Offline user",
        _unknown_users_404,
    ),
    (
        "int-batch-ids-unchecked",
        "INT-BATCH-IDS",
        "getPresencesByUserId accepts an empty list and more than 650 ids",
        _batch_ids_unchecked,
    ),
    ("int-reads-lag", "INT-READ-IMMEDIATE", "reads see writes and timers 30 seconds late", _reads_lag),
)


def _build() -> tuple[Mutant, ...]:
    registry = load_registry()
    mutants = []
    for name, clause, description, apply in _ENTRIES:
        family = registry[clause].family
        mutants.append(Mutant(name, clause, family, description, apply))
    return tuple(mutants)


CATALOG: tuple[Mutant, ...] = _build()
"""Every mutant, in registry family order."""

_BY_NAME: dict[str, Mutant] = {mutant.name: mutant for mutant in CATALOG}


def by_name(name: str) -> Mutant:
    """The mutant called ``name``.

    Raises:
        KeyError: no such mutant (the message lists the close names).
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        close = [known for known in _BY_NAME if name in known or known in name]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        raise KeyError(f"no mutant called {name!r}{hint}") from None
