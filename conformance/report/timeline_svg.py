"""The timeline picture of a case: a lane per application session, the aggregated presence, the checks.

:func:`build_timeline` reads a :class:`~conformance.engine.CaseResult` only (so it works on any results
file, later): the writes come from the steps' recorded request paths and bodies, the names from the case's
bindings, and what the sessions show over time from the oracle's own rules, replayed with
:func:`reference_impl.model.apply`, :func:`~reference_impl.model.view_session` and
:func:`~reference_impl.model.aggregate` under the run's profile. Nothing here restates a presence rule.

- A write is replayed when the oracle accepted it (the step's expected status is 2xx); the target's
  answer is drawn on the write's marker (red when the step mismatched).
- Session lanes show, per application session, ``set`` (the pair as set), the two fade stages, ``expired``
  and ``cleared``; a preferred lane appears for users whose preferred presence was written.
- The aggregated lane shows the oracle's aggregate over time (``expected``) and, below it, what the target
  answered at each check or read (``observed``), with the check points marked: a mismatch is red and
  highlighted across the user's lanes.
- A case that stopped early (mismatch, broken, not verifiable) ends its lanes at the step that stopped it;
  the rest of the planned timeline is greyed.

The time axis is compressed (gaps drawn on a log scale, ticks at every instant that matters) so that a
1-second race and a 4-hour expiry are both legible; tick labels give the true offsets.

:func:`render_svg` draws a :class:`Timeline` as SVG. Every text in it (labels, tooltips) is escaped; with
``standalone=True`` it carries its own stylesheet (for an Allure attachment), else it relies on
:data:`TIMELINE_CSS` being in the page.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Literal
from urllib.parse import unquote

from reference_impl.model import (
    DEFAULT_PROFILE,
    Activity,
    Availability,
    ClearPresence,
    ClearUserPreferredPresence,
    DurationError,
    Operation,
    PresencePair,
    Profile,
    ProfileError,
    SetPresence,
    SetUserPreferredPresence,
    UserPresence,
    aggregate,
    apply,
    parse_duration,
    view_session,
)
from reference_impl.model.sessions import FadeStage, session_instants

from ..engine.results import CaseResult, StepResult, StepStatus
from .redaction import secret_scope
from .text import LINE_LIMIT, html_text

__all__ = [
    "TIMELINE_CSS",
    "Lane",
    "Marker",
    "Segment",
    "Timeline",
    "build_timeline",
    "case_timeline_svg",
    "offset_label",
    "render_svg",
]

_T0 = datetime(2000, 1, 1, tzinfo=UTC)
_WRITE_PATH = re.compile(
    r"^/v1\.0/users/(?P<user>[^/?#]+)/presence/"
    r"(?P<op>setPresence|clearPresence|setUserPreferredPresence|clearUserPreferredPresence)$"
)
_READ_PATH = re.compile(r"^/v1\.0/users/(?P<user>[^/?#]+)/presence$")
_FOR_USER = re.compile(r" for (?P<user>[^\s']+)$")
_SAME_INSTANT = 1e-4

SegmentState = Literal["set", "inactive", "away", "expired", "cleared", "aggregate", "preferred"]
MarkerKind = Literal["write", "check", "read"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of a lane over which it shows one thing. ``start``/``end`` are seconds from the case start.

    ``label`` is the pair shown (``Busy/InACall``), empty for ``expired``/``cleared``; ``until`` says
    when and why the span ends, if that is after the drawn horizon (``+1h (expiry)``).
    """

    start: float
    end: float
    state: SegmentState
    label: str = ""
    availability: str = ""
    until: str = ""


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on a lane: a write, or a check/read with what was expected and observed.

    ``ok`` is ``True`` (matched), ``False`` (mismatch: highlighted) or ``None`` (not judged: broken,
    not verifiable). ``observed_availability`` colours the observed mark of checks and reads.
    """

    at: float
    kind: MarkerKind
    ok: bool | None
    title: str
    step: int
    observed: str = ""
    observed_availability: str = ""
    accepted: bool = True


@dataclass(slots=True)
class Lane:
    """One row of the picture. ``kind`` is ``session``, ``preferred``, ``expected`` or ``observed``."""

    user: str
    label: str
    kind: Literal["session", "preferred", "expected", "observed"]
    segments: list[Segment] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A case's picture: lanes grouped by user (in order), the axis instants, and where the case stopped.

    Times are axis *positions*: seconds from the case start, except that steps sharing an instant get
    positions a tenth of a millisecond apart, in step order (so a check, a write and a check at the same
    instant read left to right); ``real`` maps those positions back to their instant. ``end`` is the
    planned end of the axis; ``stopped_at`` the position of the step that stopped the case (lanes end
    there), or ``None``; ``steps`` the positions of every step (ticks).
    """

    lanes: tuple[Lane, ...]
    instants: tuple[float, ...]
    end: float
    stopped_at: float | None
    steps: tuple[float, ...]
    real: Mapping[float, float] = field(default_factory=dict)

    def label(self, position: float) -> str:
        """The offset label of an axis position (steps sharing an instant share its label)."""
        return offset_label(self.real.get(position, position))

    @property
    def users(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lane.user for lane in self.lanes))


# ---- reading the steps ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Write:
    at: float  # position on the axis
    real: float  # the instant the target and the oracle got it
    step: int
    user: str
    lane: str  # the session's lane label, or "preferred"
    session_id: str | None
    op: Operation | None  # None: not modelled (a body that is not a valid operation)
    accepted: bool  # the oracle accepted it
    refused: bool  # the oracle refused it (its expected status is not 2xx); False when unknown
    ok: bool | None
    title: str

    @property
    def key(self) -> str:
        """The lane this write belongs to: ``preferred``, the session id, or ``?`` (no session id sent)."""
        return "preferred" if self.lane == "preferred" else (self.session_id or "?")


def _offset(step: StepResult) -> float:
    return step.sent_offset if step.sent_offset is not None else step.at.total_seconds()


def _is_2xx(status: object) -> bool:
    if isinstance(status, bool):
        return False
    if isinstance(status, int):
        return 200 <= status < 300
    return isinstance(status, str) and status.startswith("2")


def _step_ok(step: StepResult) -> bool | None:
    if step.status is StepStatus.OK:
        return True
    if step.status is StepStatus.MISMATCH:
        return False
    return None


def _enum(kind: type[Availability] | type[Activity], text: object) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return kind(text)
    except ValueError:
        folded = text.casefold()
        return next((member for member in kind if member.value.casefold() == folded), None)


def _pair(body: Mapping[str, Any]) -> PresencePair | None:
    availability = _enum(Availability, body.get("availability"))
    activity = _enum(Activity, body.get("activity"))
    if availability is None or activity is None:
        return None
    return PresencePair(availability, activity)


def _duration(body: Mapping[str, Any]) -> timedelta | None:
    text = body.get("expirationDuration")
    if not isinstance(text, str):
        return None
    try:
        return parse_duration(text)
    except DurationError:
        return None


def _body(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _operation(op: str, body: Mapping[str, Any]) -> Operation | None:
    session_id = body.get("sessionId")
    if op == "setPresence":
        pair = _pair(body)
        if not isinstance(session_id, str) or pair is None:
            return None
        return SetPresence(session_id, pair, _duration(body))
    if op == "clearPresence":
        return ClearPresence(session_id) if isinstance(session_id, str) else None
    if op == "setUserPreferredPresence":
        pair = _pair(body)
        return None if pair is None else SetUserPreferredPresence(pair, _duration(body))
    return ClearUserPreferredPresence()


def _short(value: object, limit: int = 48) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pair_text(value: object) -> str:
    if isinstance(value, Mapping):
        parts = [str(value[k]) for k in ("availability", "activity") if k in value]
        return "/".join(parts) if parts else _short(dict(value))
    return _short(value)


def _availability_of(value: object) -> str:
    if isinstance(value, Mapping):
        availability = value.get("availability")
        if isinstance(availability, str):
            return availability
    return ""


class _Reader:
    """Pulls writes and reads out of a case's steps, with names from its bindings."""

    def __init__(self, case: CaseResult) -> None:
        self.users: dict[str, str] = {}  # lower-case id -> logical name
        self.apps: dict[str, str] = {}
        self.user_order: list[str] = []
        for key, value in case.bindings.items():
            kind, _, name = key.partition(":")
            if kind == "user":
                self.users[str(value).lower()] = name
                self.user_order.append(name)
            elif kind == "app" and name != "(observer)":
                self.apps[str(value).lower()] = name
        self.writes: list[_Write] = []
        self.reads: list[tuple[str, Marker]] = []
        # Steps that share an instant keep their order on the axis: each gets its own position, _SAME_INSTANT
        # apart, while the model is always given the real instant.
        self.position: dict[int, float] = {}
        self.real: dict[float, float] = {}
        seen: dict[float, int] = {}
        for step in case.steps:
            real = _offset(step) if step.status is not StepStatus.SKIPPED else step.at.total_seconds()
            rank = seen.get(real, 0)
            seen[real] = rank + 1
            self.position[step.index] = real + rank * _SAME_INSTANT
            self.real[self.position[step.index]] = real
        for step in case.steps:
            if step.status is not StepStatus.SKIPPED and step.exchanges:
                self._step(step)

    def _user(self, path_id: str) -> str:
        raw = unquote(path_id)
        return self.users.get(raw.lower(), raw if len(raw) <= 12 else raw[:11] + "…")

    def _session_label(self, session_id: str) -> str:
        name = self.apps.get(session_id.lower())
        return name if name is not None else f"session {session_id[:8]}"

    def _step(self, step: StepResult) -> None:
        exchange = step.exchanges[0]
        write = _WRITE_PATH.match(exchange.path) if exchange.method == "POST" else None
        if write is not None:
            self._write(step, write.group("op"), self._user(write.group("user")), exchange.request_body)
            return
        expected, observed = step.expected or {}, step.observed or {}
        if "presences" in expected or "presences" in observed:
            self._batch(step, expected.get("presences") or {}, observed.get("presences") or {})
            return
        if "presence" not in expected and "presence" not in observed and step.status is StepStatus.OK:
            return  # a read that answered an error on purpose: nothing to draw
        user = self._read_user(step, exchange.path)
        if user is not None:
            kind: MarkerKind = "check" if step.description.startswith("check ") else "read"
            self._read(step, user, kind, expected.get("presence"), observed.get("presence"), _step_ok(step))

    def _read_user(self, step: StepResult, path: str) -> str | None:
        if step.description.startswith("check "):
            return step.description.removeprefix("check ").strip()
        read = _READ_PATH.match(path)
        if read is not None:
            return self._user(read.group("user"))
        mine = _FOR_USER.search(step.description)
        return mine.group("user") if mine else None

    def _write(self, step: StepResult, op: str, user: str, request_body: str | None) -> None:
        body = _body(request_body)
        operation = _operation(op, body)
        session_id = body.get("sessionId") if isinstance(body.get("sessionId"), str) else None
        preferred = op in ("setUserPreferredPresence", "clearUserPreferredPresence")
        if preferred:
            lane = "preferred"
        elif session_id is not None:
            lane = self._session_label(session_id)
        else:
            lane = "session ?"
        expected_status = (step.expected or {}).get("status")
        observed_status = (step.observed or {}).get("status", step.exchanges[0].status)
        accepted = _is_2xx(expected_status) if expected_status is not None else _is_2xx(observed_status)
        what = op
        if isinstance(operation, SetPresence | SetUserPreferredPresence):
            what += f" {operation.pair}"
            duration = body.get("expirationDuration")
            if isinstance(duration, str):
                what += f" for {_short(duration, 24)}"
        title = (
            f"{offset_label(_offset(step))} step {step.index}: {what} → {_short(observed_status)}"
            f" (expected {_short(expected_status)})"
        )
        if operation is None:
            title += ", not drawn: the body is not a valid operation"
        elif not accepted:
            title += ", refused by the oracle: no change"
        self.writes.append(
            _Write(
                self.position[step.index],
                _offset(step),
                step.index,
                user,
                lane,
                session_id,
                operation,
                accepted,
                expected_status is not None and not accepted,
                _step_ok(step),
                title,
            )
        )

    def _read(
        self, step: StepResult, user: str, kind: MarkerKind, expected: object, observed: object, ok: bool | None
    ) -> None:
        at = self.position[step.index]
        title = f"{offset_label(_offset(step))} step {step.index} {step.description}: expected {_pair_text(expected)}"
        if observed is not None:
            title += f", observed {_pair_text(observed)}"
        if step.message and ok is not True:
            title += f": {step.message}"
        marker = Marker(
            at,
            kind,
            ok,
            title,
            step.index,
            _pair_text(observed) if observed is not None else "",
            _availability_of(observed),
        )
        self.reads.append((user, marker))

    def _batch(self, step: StepResult, expected: Mapping[str, Any], observed: Mapping[str, Any]) -> None:
        judged = _step_ok(step)
        for user in dict.fromkeys([*expected, *observed]):
            want, got = expected.get(user), observed.get(user)
            ok: bool | None = judged
            if judged is False and isinstance(want, Mapping) and isinstance(got, Mapping):
                ok = all(got.get(k) == v for k, v in want.items())
            self._read(step, str(user), "read", want, got, ok)


# ---- replaying the writes in the model ----------------------------------------------------------------


def _profile(values: Mapping[str, object]) -> Profile:
    try:
        return Profile.from_mapping(values)
    except (ProfileError, TypeError, ValueError):
        return DEFAULT_PROFILE


def _at(seconds: float) -> datetime:
    return _T0 + timedelta(seconds=seconds)


def _seconds(instant: datetime) -> float:
    return (instant - _T0).total_seconds()


def offset_label(seconds: float) -> str:
    """``0s``, ``+1s``, ``+5m``, ``+5m30s``, ``+1h``, ``+4h0m1s``, ``+1.5s``."""
    if seconds <= 0:
        return "0s"
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes or (hours and secs):
        parts.append(f"{minutes}m")
    if fraction > 0.0005:
        parts.append(f"{secs + fraction:.3f}".rstrip("0").rstrip(".") + "s")
    elif secs:
        parts.append(f"{secs}s")
    return "+" + "".join(parts)


@dataclass(slots=True)
class _UserHistory:
    snapshots: list[tuple[float, UserPresence]] = field(default_factory=lambda: [(0.0, UserPresence())])
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> lane label (first-seen order)
    events: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # lane key -> (at, "set"|"clear")
    preferred: bool = False

    def state_at(self, seconds: float) -> UserPresence:
        state = self.snapshots[0][1]
        for at, snapshot in self.snapshots:
            if at > seconds:
                break
            state = snapshot
        return state


def _replay(writes: Sequence[_Write], profile: Profile) -> dict[str, _UserHistory]:
    histories: dict[str, _UserHistory] = {}
    for write in sorted(writes, key=lambda w: (w.at, w.step)):
        history = histories.setdefault(write.user, _UserHistory())
        key = write.key
        if write.lane == "preferred":
            history.preferred = True
        else:
            history.sessions.setdefault(key, write.lane)
        if write.op is None or not write.accepted:
            continue
        before = history.snapshots[-1][1]
        applied = apply(before, write.op, _at(write.real), profile)
        if not applied.outcome.ok:
            continue
        history.snapshots.append((write.at, applied.user))
        kind = "clear" if isinstance(write.op, ClearPresence | ClearUserPreferredPresence) else "set"
        history.events.setdefault(key, []).append((write.at, kind))
    return histories


def _last_event(events: Sequence[tuple[float, str]], at: float) -> str | None:
    kind = None
    for when, what in events:
        if when > at:
            break
        kind = what
    return kind


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.state == segment.state
            and last.label == segment.label
            and last.end == segment.start
        ):
            merged[-1] = Segment(last.start, segment.end, last.state, last.label, last.availability, segment.until)
        else:
            merged.append(segment)
    return merged


_STAGE_STATE: dict[FadeStage, SegmentState] = {
    FadeStage.FRESH: "set",
    FadeStage.INACTIVE: "inactive",
    FadeStage.AWAY: "away",
}


def _next_change(history: _UserHistory, key: str, after: float, profile: Profile) -> str:
    """When the lane's last span ends, if that lies after the horizon: ``+1h (expiry)``, ``+10m (fade)``."""
    state = history.state_at(after)
    if key == "preferred":
        if state.preferred is not None:
            return f"{offset_label(_seconds(state.preferred.expires_at))} (expiry)"
        return ""
    session = state.session(key)
    if session is None:
        return ""
    for instant in session_instants(session):
        seconds = _seconds(instant)
        if seconds > after:
            return f"{offset_label(seconds)} ({'expiry' if instant == session.expires_at else 'fade'})"
    return ""


def _lane_segments(
    history: _UserHistory, key: str, cuts: Sequence[float], profile: Profile, horizon: float
) -> list[Segment]:
    events = history.events.get(key, [])
    segments: list[Segment] = []
    for start, end in itertools.pairwise(cuts):
        middle = (start + end) / 2
        state = history.state_at(start)
        now = _at(middle)
        if key == "preferred":
            preferred = state.preferred
            if preferred is not None and not profile.has_reached(now, preferred.expires_at):
                pair = preferred.pair
                segments.append(Segment(start, end, "preferred", str(pair), str(pair.availability)))
                continue
        else:
            session = state.session(key)
            view = view_session(session, now, profile) if session is not None else None
            if view is not None:
                segments.append(
                    Segment(start, end, _STAGE_STATE[view.stage], str(view.pair), str(view.pair.availability))
                )
                continue
        last = _last_event(events, start)
        if last == "clear":
            segments.append(Segment(start, end, "cleared"))
        elif last == "set":
            segments.append(Segment(start, end, "expired"))
    merged = _merge(segments)
    if merged and merged[-1].end >= horizon and merged[-1].state not in ("expired", "cleared"):
        until = _next_change(history, key, horizon, profile)
        last_segment = merged[-1]
        merged[-1] = Segment(
            last_segment.start,
            last_segment.end,
            last_segment.state,
            last_segment.label,
            last_segment.availability,
            until,
        )
    return merged


def _aggregate_segments(history: _UserHistory, cuts: Sequence[float], profile: Profile) -> list[Segment]:
    segments = []
    for start, end in itertools.pairwise(cuts):
        pair = aggregate(history.state_at(start), _at((start + end) / 2), profile)
        segments.append(Segment(start, end, "aggregate", str(pair), str(pair.availability)))
    return _merge(segments)


def _timer_instants(history: _UserHistory) -> set[float]:
    instants: set[float] = set()
    for _, state in history.snapshots:
        for session in state.sessions:
            instants.update(_seconds(i) for i in session_instants(session))
        if state.preferred is not None:
            instants.add(_seconds(state.preferred.expires_at))
    return instants


def build_timeline(case: CaseResult, profile: Mapping[str, object] | None = None) -> Timeline | None:
    """The picture of ``case`` under the run's ``profile`` (the results file's ``profile``).

    Returns ``None`` when there is nothing to draw: no presence write and no presence read was sent.
    """
    model_profile = _profile(profile or {})
    reader = _Reader(case)
    if not reader.writes and not reader.reads:
        return None
    step_offsets = tuple(sorted(set(reader.position.values())))
    planned_end = max(step_offsets, default=0.0)
    ran = [s for s in case.steps if s.status is not StepStatus.SKIPPED]
    stopped = len(ran) < len(case.steps)
    stopped_at = max((reader.position[s.index] for s in ran), default=0.0) if stopped else None
    horizon = stopped_at if stopped_at is not None else planned_end + max(60.0, round(planned_end * 0.1 / 60) * 60)
    histories = _replay(reader.writes, model_profile)
    users = list(dict.fromkeys([*reader.user_order, *histories, *(user for user, _ in reader.reads)]))
    instants = {0.0, horizon, *step_offsets}
    for history in histories.values():
        instants.update(t for t in _timer_instants(history) if 0 <= t <= horizon)
    cuts = sorted(t for t in instants if t <= horizon)
    if len(cuts) < 2:
        cuts = [0.0, max(horizon, 1.0)]
    lanes: list[Lane] = []
    for user in users:
        history = histories.get(user, _UserHistory())
        reads = [marker for who, marker in reader.reads if who == user]
        writes = [w for w in reader.writes if w.user == user]
        if not writes and not reads:
            continue
        for key, label in history.sessions.items():
            lane = Lane(user, label, "session", _lane_segments(history, key, cuts, model_profile, horizon))
            lane.markers = [
                Marker(w.at, "write", w.ok, w.title, w.step, accepted=not w.refused) for w in writes if w.key == key
            ]
            lanes.append(lane)
        if history.preferred:
            lane = Lane(
                user, "preferred", "preferred", _lane_segments(history, "preferred", cuts, model_profile, horizon)
            )
            lane.markers = [
                Marker(w.at, "write", w.ok, w.title, w.step, accepted=not w.refused)
                for w in writes
                if w.lane == "preferred"
            ]
            lanes.append(lane)
        lanes.append(Lane(user, "expected", "expected", _aggregate_segments(history, cuts, model_profile), reads))
        if reads:
            lanes.append(Lane(user, "observed", "observed", [], reads))
    all_instants = sorted({*cuts, *step_offsets, planned_end})
    return Timeline(
        tuple(lanes), tuple(all_instants), max(planned_end, horizon), stopped_at, step_offsets, dict(reader.real)
    )


# ---- drawing ----------------------------------------------------------------------------------------------

TIMELINE_CSS = resources.files(__package__).joinpath("assets", "timeline.css").read_text(encoding="utf-8")
"""The picture's stylesheet: included once by the HTML report, or inside a standalone SVG."""

_WIDTH = 1000
_LABEL_W = 150
_PLOT_X0 = _LABEL_W + 10
_PLOT_X1 = _WIDTH - 20
_AXIS_H = 30
_ROW_H = 20
_ROW_GAP = 6
_USER_H = 18
_CHAR_W = 6.1
_DARK_TEXT = frozenset({"Away", "BeRightBack", "Offline"})
_KNOWN_AVAILABILITY = frozenset({"Available", "Busy", "DoNotDisturb", "Away", "BeRightBack", "Offline"})


def _availability_class(availability: str) -> str:
    return f"av-{availability}" if availability in _KNOWN_AVAILABILITY else "av-x"


class _Scale:
    """A compressed time axis: each gap between key instants gets a width growing with log10(1 + seconds)."""

    def __init__(self, instants: Sequence[float]) -> None:
        points = sorted(set(instants)) or [0.0, 1.0]
        if len(points) == 1:
            points.append(points[0] + 1.0)
        weights = [max(0.35, math.log10(1.0 + b - a)) for a, b in itertools.pairwise(points)]
        total = sum(weights)
        self.points = points
        self.xs = [float(_PLOT_X0)]
        for weight in weights:
            self.xs.append(self.xs[-1] + weight / total * (_PLOT_X1 - _PLOT_X0))

    def __call__(self, seconds: float) -> float:
        points, xs = self.points, self.xs
        if seconds <= points[0]:
            return xs[0]
        if seconds >= points[-1]:
            return xs[-1]
        for i in range(1, len(points)):
            if seconds <= points[i]:
                a, b = points[i - 1], points[i]
                return xs[i - 1] + (xs[i] - xs[i - 1]) * (seconds - a) / (b - a)
        return xs[-1]  # pragma: no cover - the loop always returns


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _title(text: str) -> str:
    return f"<title>{html_text(text, LINE_LIMIT)}</title>"


def _segment_svg(
    segment: Segment,
    x: _Scale,
    y: float,
    out: list[str],
    *,
    label: Callable[[float], str],
    obstacles: Sequence[float] = (),
) -> None:
    x0, x1 = x(segment.start), x(segment.end)
    width = max(x1 - x0, 0.5)
    span = f"{label(segment.start)} – {label(segment.end)}"
    if segment.state in ("expired", "cleared"):
        tooltip = f"{segment.state} ({span})"
        out.append(
            f'<rect class="st-{segment.state}" x="{_n(x0)}" y="{_n(y + 4)}" width="{_n(width)}" height="{_ROW_H - 8}">'
            f"{_title(tooltip)}</rect>"
        )
        if width > len(segment.state) * _CHAR_W + 8:
            out.append(f'<text class="gonet" x="{_n(x0 + 4)}" y="{_n(y + 14)}">{segment.state}</text>')
        return
    stage = {"inactive": " (faded: first stage)", "away": " (faded: second stage)"}.get(segment.state, "")
    until = f", until {segment.until}" if segment.until else ""
    tooltip = f"{segment.label}{stage} ({span}{until})"
    classes = f"seg {_availability_class(segment.availability)} st-{segment.state}"
    out.append(
        f'<rect class="{classes}" x="{_n(x0)}" y="{_n(y)}" width="{_n(width)}" height="{_ROW_H}">'
        f"{_title(tooltip)}</rect>"
    )
    # the text starts after any marker drawn over the segment's left part, if there is still room for it
    inset = 4.0
    for mark in sorted(obstacles):
        if x0 - 8 <= mark <= x0 + inset + len(segment.label) * _CHAR_W + 4:
            inset = max(inset, mark - x0 + 9)
    room = width - inset - 4
    text = segment.label if room > len(segment.label) * _CHAR_W else segment.availability
    if room > len(text) * _CHAR_W:
        dark = " dark" if segment.availability in _DARK_TEXT or segment.state in ("inactive", "away") else ""
        out.append(f'<text class="segt{dark}" x="{_n(x0 + inset)}" y="{_n(y + 14)}">{html_text(text, 60)}</text>')


def _marker_class(ok: bool | None) -> str:
    return "ok" if ok is True else ("bad" if ok is False else "na")


def _write_marker(marker: Marker, x: _Scale, y: float, out: list[str]) -> None:
    cx = x(marker.at)
    points = f"{_n(cx - 5)},{_n(y - 3)} {_n(cx + 5)},{_n(y - 3)} {_n(cx)},{_n(y + 6)}"
    refused = "" if marker.accepted else " ref"
    out.append(
        f'<polygon class="w {_marker_class(marker.ok)}{refused}" points="{points}">{_title(marker.title)}</polygon>'
    )


def _check_marker(marker: Marker, x: _Scale, y: float, out: list[str]) -> None:
    cx, cy = x(marker.at), y + _ROW_H / 2
    cls = _marker_class(marker.ok)
    out.append(f'<g>{_title(marker.title)}<circle class="c {cls}" cx="{_n(cx)}" cy="{_n(cy)}" r="6"/>')
    if marker.ok is True:
        out.append(f'<path class="ck" d="M{_n(cx - 3)} {_n(cy)} l2 2.5 l4 -5"/>')
    elif marker.ok is False:
        out.append(f'<path class="cx" d="M{_n(cx - 3)} {_n(cy - 3)} l6 6 M{_n(cx + 3)} {_n(cy - 3)} l-6 6"/>')
    out.append("</g>")


def _observed_marker(marker: Marker, x: _Scale, y: float, out: list[str]) -> None:
    cx = x(marker.at)
    cls = f"obs {_availability_class(marker.observed_availability)}{' bad' if marker.ok is False else ''}"
    out.append(
        f'<rect class="{cls}" x="{_n(cx - 5)}" y="{_n(y + 3)}" width="10" height="{_ROW_H - 6}">'
        f"{_title(marker.title)}</rect>"
    )
    if marker.ok is False and marker.observed:
        label = f"saw {marker.observed}"
        anchor = "end" if cx > (_PLOT_X0 + _PLOT_X1) / 2 else "start"
        tx = cx - 8 if anchor == "end" else cx + 8
        out.append(
            f'<text class="obst" x="{_n(tx)}" y="{_n(y + 14)}" text-anchor="{anchor}">{html_text(label, 60)}</text>'
        )


def render_svg(timeline: Timeline, *, standalone: bool = False, label: str = "") -> str:
    """``timeline`` as an SVG element (a complete document with its own style when ``standalone``).

    ``label`` is the picture's accessible name (escaped). Every text is redacted and escaped.
    """
    with secret_scope():
        return _render_svg(timeline, standalone=standalone, label=label)


def _render_svg(timeline: Timeline, *, standalone: bool, label: str) -> str:
    x = _Scale(timeline.instants)
    users = timeline.users
    several = len(users) > 1
    rows_h = sum(_ROW_H + _ROW_GAP for _ in timeline.lanes) + (len(users) * _USER_H if several else 0)
    height = _AXIS_H + rows_h + 6
    body: list[str] = []
    # ticks at every step instant, labels where there is room (never overlapping the previous one)
    last_right = -1e9
    last_text = ""
    for offset in timeline.steps:
        tx = x(offset)
        body.append(f'<line class="tick" x1="{_n(tx)}" y1="{_AXIS_H - 6}" x2="{_n(tx)}" y2="{_n(height - 4)}"/>')
        text = timeline.label(offset)
        half = len(text) * 2.9
        left = max(tx - half, 0.0)
        if left >= last_right + 6 and text != last_text:
            last_text = text
            body.append(f'<text class="tickl" x="{_n(left + half)}" y="12" text-anchor="middle">{text}</text>')
            last_right = left + 2 * half
    end_x = x(timeline.end)
    y = float(_AXIS_H)
    highlights: list[str] = []
    for user in users:
        lanes = [lane for lane in timeline.lanes if lane.user == user]
        top = y
        if several:
            body.append(f'<text class="usr" x="4" y="{_n(y + 13)}">user {html_text(user, 40)}</text>')
            y += _USER_H
        for lane in lanes:
            name = {"expected": "expected (oracle)", "observed": "observed (target)"}.get(lane.kind, lane.label)
            if lane.kind == "preferred":
                name = "preferred presence"
            body.append(f'<text class="lbl" x="4" y="{_n(y + 14)}">{html_text(name, 24)}</text>')
            marks = [x(marker.at) for marker in lane.markers] if lane.kind == "expected" else []
            for segment in lane.segments:
                _segment_svg(segment, x, y, body, label=timeline.label, obstacles=marks)
            for marker in lane.markers:
                if lane.kind in ("session", "preferred"):
                    _write_marker(marker, x, y, body)
                elif lane.kind == "expected":
                    _check_marker(marker, x, y, body)
                else:
                    _observed_marker(marker, x, y, body)
            y += _ROW_H + _ROW_GAP
        for lane in lanes:
            for marker in lane.markers:
                if marker.ok is False and lane.kind in ("session", "preferred", "expected"):
                    mx = x(marker.at)
                    highlights.append(
                        f'<rect class="hl" x="{_n(mx - 7)}" y="{_n(top)}" width="14" '
                        f'height="{_n(y - top - _ROW_GAP)}"/>'
                    )
        if several:
            body.append(f'<line class="sep" x1="0" y1="{_n(y - 3)}" x2="{_WIDTH}" y2="{_n(y - 3)}"/>')
    if timeline.stopped_at is not None:
        sx = x(timeline.stopped_at)
        if end_x - sx > 1:
            body.append(
                f'<rect class="stop" x="{_n(sx + 1)}" y="{_AXIS_H - 6}" width="{_n(end_x - sx + 10)}" '
                f'height="{_n(height - _AXIS_H + 2)}"/>'
            )
            if end_x - sx > 70:
                body.append(f'<text class="stopt" x="{_n(sx + 6)}" y="{_n(height - 6)}">not run</text>')
        body.append(f'<line class="hll" x1="{_n(sx)}" y1="{_AXIS_H - 6}" x2="{_n(sx)}" y2="{_n(height - 2)}"/>')
    name = html_text(label or "case timeline", LINE_LIMIT)
    head = (
        f'<svg class="tl" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_n(height)}" role="img" '
        f'aria-label="{name}">'
    )
    style = f"<style>{TIMELINE_CSS}</style>" if standalone else ""
    return head + style + "".join(body) + "".join(highlights) + "</svg>"


def case_timeline_svg(
    case: CaseResult, profile: Mapping[str, object] | None = None, *, standalone: bool = False
) -> str:
    """The SVG picture of ``case``, or ``""`` when it sends no presence write or read."""
    timeline = build_timeline(case, profile)
    if timeline is None:
        return ""
    return render_svg(timeline, standalone=standalone, label=f"timeline of {case.case_id}")
