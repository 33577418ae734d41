"""Which clauses a fuzz finding is about: inferred from its operations, the oracle's state and the mismatch.

The inference explains, it does not predict: what the target should have answered is always the
oracle's. It reads the finding with the model's public vocabulary (pair tables, duration bounds, fade
delays, a session's view at an instant) and names the clauses whose rule the mismatching step
exercises:

- a **request** that the oracle and the target answer with different statuses (or a refusal without a
  Graph error body) is about what makes that request valid or refused: its token, its app's
  permissions, its pair, duration, sessionId or body, the session it clears, the ids it reads;
- a **read** that shows another presence is about the state behind the read user: expired or fading
  sessions, several sessions and their ranking, a preferred presence (shown, hidden, expired or
  cleared), nothing at all.

Interpretation clauses are only named where the finding turns on them (an exact timer instant, a tie,
another status within the same class), so that a finding against documented behaviour reads as a
failure, not as a deviation. The result is in registry order, never empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from reference_impl.clause_registry import load_registry
from reference_impl.model import (
    DEFAULT_SESSION_EXPIRY,
    FIRST_FADE_AFTER,
    MAX_SESSION_EXPIRY,
    MIN_SESSION_EXPIRY,
    PRECEDENCE,
    PREFERRED_PAIRS,
    SECOND_FADE_AFTER,
    SESSION_PAIRS,
    Availability,
    DurationError,
    FadeStage,
    PresencePair,
    Profile,
    Session,
    UserPresence,
    format_duration,
    parse_duration,
    view_session,
)

from ..cases.model import ActionKind, AuthMode
from .runner import CHECK, Executed, Trace
from .strategies import APPS

__all__ = ["duration_kind", "infer_clauses", "pair_kind"]

_READ_CLAUSES = {
    CHECK: "READ-PRESENCE",
    ActionKind.GET_PRESENCE.value: "READ-PRESENCE",
    ActionKind.GET_MY_PRESENCE.value: "READ-ME",
    ActionKind.GET_PRESENCES_BY_USER_ID.value: "READ-BATCH",
}


def pair_kind(availability: str, activity: str, table: frozenset[PresencePair]) -> str:
    """``supported`` (in ``table`` as written), ``miscased`` (only in another casing) or ``unsupported``."""
    pairs = {(str(p.availability), str(p.activity)) for p in table}
    if (availability, activity) in pairs:
        return "supported"
    if (availability.lower(), activity.lower()) in {(a.lower(), b.lower()) for a, b in pairs}:
        return "miscased"
    return "unsupported"


def duration_kind(text: str) -> str:
    """``malformed``, ``out-of-range`` (for sessions), ``bound`` (PT5M or PT4H as such), ``other-spelling``
    (a length written otherwise than canonically, such as PT300S) or ``plain``."""
    try:
        value = parse_duration(text)
    except DurationError:
        return "malformed"
    if not MIN_SESSION_EXPIRY <= value <= MAX_SESSION_EXPIRY:
        return "out-of-range"
    if format_duration(value) != text:
        return "other-spelling"
    return "bound" if value in (MIN_SESSION_EXPIRY, MAX_SESSION_EXPIRY) else "plain"


def _class(status: Any) -> int:
    return int(str(status)[0]) if str(status)[:1].isdigit() else 0


def _ordered(found: Iterable[str]) -> tuple[str, ...]:
    registry = load_registry()
    position = {clause_id: i for i, clause_id in enumerate(registry.clauses)}
    return tuple(sorted({c for c in found if c in registry}, key=lambda c: position[c]))


def infer_clauses(trace: Trace) -> tuple[str, ...]:
    """The registry clauses ``trace``'s mismatch is about (see the module docstring).

    Raises:
        ValueError: the trace has no mismatch.
    """
    mismatch = trace.mismatch
    if mismatch is None:
        raise ValueError("the trace has no mismatch to explain")
    expected, observed = mismatch.expected, mismatch.observed
    found: list[str] = []
    status_differs = expected.get("status") != observed.get("status")
    if not status_differs and ("presence" in expected or "presences" in expected):
        for user in _users_shown_wrongly(mismatch):
            found += _Explain(trace, user).clauses()
        found.append(_READ_CLAUSES[mismatch.kind])
    else:
        found += _request_clauses(trace, mismatch)
    if not found:
        found.append(_READ_CLAUSES.get(mismatch.kind, "READ-PRESENCE"))
    return _ordered(found)


def _users_shown_wrongly(step: Executed) -> list[str]:
    if step.kind == CHECK:
        return [step.params["user"]]
    if step.kind == ActionKind.GET_PRESENCE.value:
        return [step.params["user"]] if "user" in step.params else []
    if step.kind == ActionKind.GET_MY_PRESENCE.value:
        delegated = APPS[step.params["as"]].delegated_user
        return [delegated] if delegated is not None else []
    expected = step.expected.get("presences", {})
    observed = step.observed.get("presences", {})
    # A user missing from the answer is READ-BATCH's business alone: there is no presence to explain.
    return [name for name, pair in expected.items() if name in observed and observed[name] != pair]


# ---- requests ----------------------------------------------------------------------------------------


def _request_clauses(trace: Trace, step: Executed) -> list[str]:
    expected, observed = step.expected.get("status"), step.observed.get("status")
    if expected == observed:  # a refusal whose body is not a Graph error
        return ["ERR-FORMAT"]
    kind = step.kind
    same_class = _class(expected) == _class(observed)
    if _class(expected) == 2 and same_class:
        if kind == ActionKind.SET_PRESENCE.value and observed not in (200, 204):
            return ["SET-SUCCESS"]
        if kind != CHECK and ActionKind(kind).is_write:
            return ["INT-WRITE-STATUS"]
        return [_READ_CLAUSES.get(kind, "READ-PRESENCE")]
    if _class(expected) == 2:
        return _refused_wrongly(trace, step, int(observed) if isinstance(observed, int) else 0)
    return _accepted_wrongly(trace, step, same_class)


def _auth_clauses(step: Executed, status: int) -> list[str]:
    params = step.params
    if params.get("auth") in (AuthMode.NONE.value, AuthMode.INVALID.value) or status == 401:
        return ["AUTH-TOKEN"]
    app = APPS[params["as"]]
    if status == 403:
        if app.delegated and "user" in params and params["user"] != app.delegated_user and step.kind != CHECK:
            return ["INT-DELEGATED-OWN"]
        return ["AUTH-PERMISSIONS"]
    if step.kind == ActionKind.GET_MY_PRESENCE.value and not app.delegated and status == 400:
        return ["AUTH-ME-APP"]
    return []


def _accepted_wrongly(trace: Trace, step: Executed, same_class: bool) -> list[str]:
    """The oracle refuses (4xx); the target answers otherwise. Why the oracle refuses."""
    status = int(step.expected["status"])
    params, kind = step.params, step.kind
    found = _auth_clauses(step, status)
    if found:
        return found
    if "body" in params or "rawBody" in params:
        return ["INT-BAD-INPUT"]
    if status == 404 and "userId" in params:
        return ["INT-USERS"]
    if kind == ActionKind.GET_PRESENCES_BY_USER_ID.value:
        return ["INT-BATCH-IDS"]
    if kind in (ActionKind.SET_PRESENCE.value, ActionKind.CLEAR_PRESENCE.value) and (
        "sessionId" in params or "sessionIdOf" in params
    ):
        found += ["INT-SESSIONID-MISMATCH"] if same_class else ["SET-SESSIONID"]
    if kind == ActionKind.SET_PRESENCE.value:
        found += _pair_clauses(params, SESSION_PAIRS)
        duration = params.get("expirationDuration")
        if duration is not None:
            found += {"malformed": ["INT-DURATION-FORMS"], "out-of-range": ["EXP-RANGE"]}.get(
                duration_kind(duration), []
            )
    elif kind == ActionKind.SET_USER_PREFERRED_PRESENCE.value:
        found += _pair_clauses(params, PREFERRED_PAIRS)
        if "expirationDuration" in params and not _positive(params["expirationDuration"]):
            found.append("INT-PREF-DURATION")
    elif kind == ActionKind.CLEAR_PRESENCE.value and status == 404:
        found.append("INT-CLEAR-EXPIRED" if _session_lingers(trace, step) else "CLEAR-NOT-FOUND")
    elif kind == ActionKind.CLEAR_USER_PREFERRED_PRESENCE.value:
        found.append("INT-CLEAR-PREFERRED-NONE")
    return found


def _refused_wrongly(trace: Trace, step: Executed, observed: int) -> list[str]:
    """The oracle accepts (2xx); the target refuses or fails. What the accepted request exercises."""
    params, kind = step.params, step.kind
    if observed in (401, 403):
        return ["AUTH-TOKEN" if observed == 401 else "AUTH-PERMISSIONS"]
    duration = params.get("expirationDuration")
    if kind == ActionKind.SET_PRESENCE.value:
        if duration is None:
            return ["SET-PAIRS"]
        return ["INT-DURATION-FORMS" if duration_kind(duration) == "other-spelling" else "EXP-RANGE"]
    if kind == ActionKind.SET_USER_PREFERRED_PRESENCE.value:
        return ["PREF-PAIRS" if duration is None else "INT-PREF-DURATION"]
    if kind == ActionKind.CLEAR_PRESENCE.value:
        return ["CLEAR-SESSION"]
    if kind == ActionKind.CLEAR_USER_PREFERRED_PRESENCE.value:
        return ["PREF-CLEAR" if _preferred_was_set(trace, step) else "INT-CLEAR-PREFERRED-NONE"]
    if observed == 404 and kind in (CHECK, ActionKind.GET_PRESENCE.value, ActionKind.GET_PRESENCES_BY_USER_ID.value):
        return ["INT-USERS"]
    return [_READ_CLAUSES.get(kind, "READ-PRESENCE")]


def _pair_clauses(params: Mapping[str, Any], table: frozenset[PresencePair]) -> list[str]:
    """Why the oracle refuses the pair, if it does: another casing, or a pair outside the table."""
    kind = pair_kind(str(params.get("availability")), str(params.get("activity")), table)
    return {"miscased": ["INT-CASE-SENSITIVE"], "unsupported": ["INT-UNSUPPORTED-PAIR"]}.get(kind, [])


def _positive(text: str) -> bool:
    try:
        return parse_duration(text) > timedelta(0)
    except DurationError:
        return False


def _writes_before(trace: Trace, step: Executed, kind: ActionKind, user: str) -> list[Executed]:
    return [
        s
        for s in trace.steps[: step.index]
        if s.kind == kind.value and s.params.get("user") == user and _class(s.expected.get("status")) == 2
    ]


def _session_lingers(trace: Trace, step: Executed) -> bool:
    """Whether the app's session of the user exists in the oracle's state (expired: it still lingers)."""
    user = step.params.get("user")
    app = step.params.get("sessionIdOf", step.params.get("as"))
    state = trace.states.get(str(user))
    app_id = trace.app_ids.get(str(app))
    return state is not None and app_id is not None and state.session(app_id) is not None


def _preferred_was_set(trace: Trace, step: Executed) -> bool:
    return bool(_writes_before(trace, step, ActionKind.SET_USER_PREFERRED_PRESENCE, str(step.params.get("user"))))


# ---- reads ---------------------------------------------------------------------------------------------


class _Explain:
    """The clauses behind what one user should show at the mismatch."""

    def __init__(self, trace: Trace, user: str) -> None:
        self.trace = trace
        self.user = user
        self.step = trace.steps[-1]
        self.state: UserPresence = trace.states.get(user, UserPresence())
        self.now: datetime = trace.instant or datetime.min
        self.profile: Profile = trace.profile
        self.found: list[str] = []

    def _sets_by(self, session_id: str) -> list[Executed]:
        """The accepted setPresence steps that wrote this session (its app's, for this user)."""
        apps = {name for name, app_id in self.trace.app_ids.items() if app_id == session_id}
        return [
            s
            for s in _writes_before(self.trace, self.step, ActionKind.SET_PRESENCE, self.user)
            if s.params.get("sessionIdOf", s.params["as"]) in apps and "sessionId" not in s.params
        ]

    def clauses(self) -> list[str]:
        views = [(session, view_session(session, self.now, self.profile)) for session in self.state.sessions]
        live = [view for _, view in views if view is not None]
        expired = [session for session, view in views if view is None]
        self._expiry(expired)
        self._fades(live)
        self._timers()
        self._refreshes()
        self._ranking(live)
        shown = self._preferred(bool(live))
        if not live and not shown:
            self._nothing_to_show()
        if live and _writes_before(self.trace, self.step, ActionKind.CLEAR_PRESENCE, self.user):
            self.found.append("CLEAR-SESSION")
        if live and not self.found:
            self.found.append("SET-PAIRS")  # a session shows the pair it was set with
        return self.found

    def _expiry(self, expired: list[Session]) -> None:
        for session in expired:
            self.found.append("EXP-OFFLINE")
            sets = self._sets_by(session.session_id)
            explicit = bool(sets) and "expirationDuration" in sets[-1].params
            self.found.append("EXP-HONOURED" if explicit else "EXP-DEFAULT")

    def _fades(self, live: list[Any]) -> None:
        for view in live:
            # Alive past the default expiry: only because its expirationDuration was honoured.
            if self.profile.has_reached(self.now, view.session.set_at + DEFAULT_SESSION_EXPIRY):
                self.found.append("EXP-HONOURED")
        fading = False
        for view in live:
            if view.stage is FadeStage.INACTIVE:
                self.found.append("FADE-FIRST")
                fading = True
            elif view.stage is FadeStage.AWAY:
                self.found.append("FADE-SECOND")
                fading = True
        for view in live:
            session = view.session
            old = self.profile.has_reached(self.now, session.set_at + FIRST_FADE_AFTER)
            if session.pair.availability is not Availability.AVAILABLE and old and not fading:
                self.found.append("INT-FADE-AVAILABLE-ONLY")

    def _timers(self) -> None:
        for session in self.state.sessions:
            fades = (session.set_at + FIRST_FADE_AFTER, session.set_at + SECOND_FADE_AFTER)
            if self.now == session.expires_at or (
                session.pair.availability is Availability.AVAILABLE and self.now in fades
            ):
                self.found.append("INT-BOUNDARY-INCLUSIVE")
            available = session.pair.availability is Availability.AVAILABLE
            if available and self.now == session.expires_at and session.expires_at in fades:
                self.found.append("INT-EXPIRY-ENDS-FADE")
        preferred = self.state.preferred
        if preferred is not None and self.now == preferred.expires_at:
            self.found.append("INT-BOUNDARY-INCLUSIVE")

    def _refreshes(self) -> None:
        for session in self.state.sessions:
            sets = self._sets_by(session.session_id)
            if len(sets) < 2:
                continue
            first, last = sets[0], sets[-1]
            if any(
                (s.params["availability"], s.params["activity"])
                != (last.params["availability"], last.params["activity"])
                for s in sets
            ):
                self.found.append("SET-OVERWRITE")
            if "expirationDuration" not in last.params and any("expirationDuration" in s.params for s in sets):
                self.found.append("INT-SET-OVERWRITES")
            if view_session(session, self.now, self.profile) is None:
                continue
            elapsed = self.step.at - first.at
            available = session.pair.availability is Availability.AVAILABLE
            if available and last.at > first.at and elapsed >= FIRST_FADE_AFTER:
                self.found.append("FADE-KEEPALIVE")  # the refresh restarted the fade timer
            first_life = _life(first.params.get("expirationDuration"))
            if first_life is not None and elapsed >= first_life:
                self.found.append("EXP-KEEPALIVE")  # alive past its first expiry thanks to the refresh

    def _ranking(self, live: list[Any]) -> None:
        if len(live) < 2:
            return
        self.found.append("AGG-SESSIONS")
        ranks = [PRECEDENCE.get(view.pair.availability, 0) for view in live]
        if len(set(ranks)) > 1:
            self.found.append("AGG-PRECEDENCE")
        if ranks.count(max(ranks)) > 1:
            self.found.append("INT-TIE-BREAK")
        if any(view.faded for view in live):
            self.found.append("INT-FADED-RANK")

    def _preferred(self, sessions_live: bool) -> bool:
        """Clauses of the preferred presence; whether it is what the user shows."""
        preferred = self.state.preferred
        if preferred is None:
            cleared = _writes_before(self.trace, self.step, ActionKind.CLEAR_USER_PREFERRED_PRESENCE, self.user)
            if sessions_live and cleared and self._preferred_sets():
                self.found.append("PREF-CLEAR")  # the sessions show again
            return False
        if self.profile.has_reached(self.now, preferred.expires_at):
            sets = self._preferred_sets()
            explicit = bool(sets) and "expirationDuration" in sets[-1].params
            self.found.append("PREF-EXPIRY" if explicit else "PREF-DEFAULT-EXPIRY")
            return False
        if not sessions_live:
            self.found.append("PREF-NEEDS-SESSION")
            return False
        self.found.append("AGG-PREFERRED")
        sets = self._preferred_sets()
        sessions = _writes_before(self.trace, self.step, ActionKind.SET_PRESENCE, self.user)
        if sets and not any(s.index < sets[-1].index for s in sessions):
            self.found.append("INT-PREF-RETAINED")  # set while hidden, shown once a session came
        return True

    def _preferred_sets(self) -> list[Executed]:
        return _writes_before(self.trace, self.step, ActionKind.SET_USER_PREFERRED_PRESENCE, self.user)

    def _nothing_to_show(self) -> None:
        observed = self.step.observed.get("presence") or self.step.observed.get("presences", {}).get(self.user, {})
        offline = observed.get("availability") == "Offline"
        if _writes_before(self.trace, self.step, ActionKind.CLEAR_PRESENCE, self.user) and not self.state.sessions:
            self.found += ["CLEAR-LAST-OFFLINE", "CLEAR-SESSION"]
        if not self.state.sessions and self.state.preferred is None and not self.state.writes and not offline:
            # Never written to, yet it shows a presence: someone else's?
            others = any(s.params.get("user") not in (None, self.user) for s in self.trace.steps if s.kind != CHECK)
            if others:
                self.found.append("AGG-SESSIONS")
        if offline or not self.found:
            self.found.append("INT-OFFLINE-PAIR")


def _life(text: str | None) -> timedelta | None:
    if text is None:
        return DEFAULT_SESSION_EXPIRY
    try:
        return parse_duration(text)
    except DurationError:
        return None
