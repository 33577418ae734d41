"""Clock drivers for targets reached over HTTP: the test-control API, or real time.

The optional test-control API of a target lives at a control URL (by default the target's origin plus
``/_conformance``)::

    GET  {control}/clock                      -> 200 {"now": "2024-05-01T12:00:00Z", "frozen": false}
    POST {control}/clock {"freeze": true}     -> 200 {"now": ..., "frozen": true}
    POST {control}/clock {"advance": "PT5M"}  -> 200 {"now": ..., "frozen": true}
    POST {control}/clock {"freeze": false}    -> 200 {"now": ..., "frozen": false}
    POST {control}/reset                      -> 204

:class:`ControlApiClock` drives it (``controls_time`` is true). :class:`RealTimeClock` is for targets
without it: it waits real time, scaled for targets whose clock runs faster than the wall clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from reference_impl.model import format_duration

from ..errors import TargetError
from .base import HttpRequest, HttpResponse, Target
from .http import HttpTarget, origin_of

__all__ = [
    "CONTROL_PATH",
    "ControlApiClock",
    "RealTimeClock",
    "default_control_url",
    "parse_rfc3339",
    "reset_target",
]

CONTROL_PATH = "/_conformance"

# A target that keeps time in milliseconds may round what it reports; more than this is a wrong advance.
_ADVANCE_SLACK = timedelta(milliseconds=1)
_JSON = {"Content-Type": "application/json", "Accept": "application/json"}

_Exchange = Callable[[str, str, bytes | None], HttpResponse]


def default_control_url(base_url: str) -> str:
    """The control URL a target at ``base_url`` offers by convention: its origin plus ``/_conformance``."""
    return origin_of(base_url) + CONTROL_PATH


def parse_rfc3339(text: object) -> datetime | None:
    """``text`` as an aware UTC datetime, or ``None`` when it is not an RFC 3339 date-time with an offset."""
    if not isinstance(text, str) or len(text) < 16 or len(text) > 64:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def _channel(via: requests.Session | Target, control_url: str) -> tuple[_Exchange, str]:
    """A function sending (method, suffix, body) to the control API, and the API's printable location.

    An HTTP target or a session reaches an absolute ``control_url`` (or a path on the target's origin);
    any other target (in-process) is sent the control path as an ordinary request.
    """
    base = control_url.rstrip("/")
    if isinstance(via, requests.Session | HttpTarget):
        if isinstance(via, requests.Session):
            http = HttpTarget(base, session=via)
        else:
            http = via
            if base.startswith("/"):
                base = origin_of(via.base_url) + base

        def fetch(method: str, suffix: str, body: bytes | None) -> HttpResponse:
            return http.fetch(method, base + suffix, headers=_JSON, body=body)

        return fetch, base
    if not base.startswith("/"):
        raise TypeError(f"an in-process target takes a control path such as {CONTROL_PATH!r}, not a URL")
    target: Target = via

    def send(method: str, suffix: str, body: bytes | None) -> HttpResponse:
        return target.send(HttpRequest(method, base + suffix, _JSON, body))

    return send, base


def reset_target(control_url: str, *, via: requests.Session | Target | None = None) -> None:
    """Ask the target to forget all presence state: ``POST {control_url}/reset``.

    Args:
        control_url: absolute, or a path when ``via`` is an in-process target.
        via: the session or target to send through; a short-lived one when omitted.

    Raises:
        TargetError: unreachable, or any answer other than 2xx.
    """
    if via is None:
        with closing(HttpTarget(control_url)) as own:
            exchange, where = _channel(own, control_url)
            response = exchange("POST", "/reset", None)
    else:
        exchange, where = _channel(via, control_url)
        response = exchange("POST", "/reset", None)
    if not 200 <= response.status < 300:
        raise TargetError(f"POST {where}/reset answered {response.status}; the target's reset did not work")


class ControlApiClock:
    """Drives the target's clock through its test-control API; ``controls_time`` is true.

    ``start`` freezes the clock, ``advance`` jumps it and checks that it moved by exactly the asked
    amount, ``finish`` lets it run again. Every answer must be 2xx with ``{"now": RFC 3339, "frozen":
    bool}``; anything else is a :class:`~conformance.errors.TargetError`, because a clock that cannot be
    trusted makes every timed verdict meaningless.

    Args:
        session_or_target: a :class:`requests.Session` or :class:`HttpTarget` (``control_url`` absolute,
            or a path on the target's origin), or an in-process target (``control_url`` a path).
        control_url: where the API lives, e.g. ``http://host:8400/_conformance``.
    """

    def __init__(self, session_or_target: requests.Session | Target, control_url: str) -> None:
        self._exchange, self._where = _channel(session_or_target, control_url)
        self._via = session_or_target
        self._last: datetime | None = None
        self._frozen = False

    @property
    def controls_time(self) -> bool:
        return True

    @property
    def control_url(self) -> str:
        return self._where

    def probe(self) -> bool:
        """Whether the target offers the API: ``GET {control}/clock`` answers 200 with the right shape.

        Any other HTTP answer (404, HTML, a different JSON) means "no"; an unreachable control URL is
        not a "no" but a :class:`~conformance.errors.TargetError`, so a mistyped URL is not silently
        taken for a target without the API.
        """
        response = self._exchange("GET", "/clock", None)
        state = _clock_state(response.body) if response.status == 200 else None
        if state is None:
            return False
        self._last = state[0]
        return True

    def now(self) -> datetime:
        """The target's now, as ``GET {control}/clock`` reports it."""
        return self._call("GET", None)[0]

    def current(self) -> datetime:
        """The last now the API reported (no request); the wall clock before the first one."""
        return self._last if self._last is not None else datetime.now(UTC)

    def start(self) -> datetime:
        now, frozen = self._call("POST", {"freeze": True})
        if not frozen:
            raise TargetError(f"POST {self._where}/clock {{'freeze': true}} answered frozen=false")
        self._frozen = True
        return now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError(f"cannot move a clock backwards ({delta!r})")
        before = self._last
        text = format_duration(delta)
        now, frozen = self._call("POST", {"advance": text})
        if self._frozen and not frozen:
            raise TargetError(f"POST {self._where}/clock advance {text}: the clock is no longer frozen")
        if self._frozen and before is not None and abs(now - (before + delta)) > _ADVANCE_SLACK:
            raise TargetError(
                f"POST {self._where}/clock advance {text} moved the clock from {before.isoformat()} to "
                f"{now.isoformat()}, not by {text}"
            )
        return now

    def finish(self) -> None:
        self._frozen = False
        self._call("POST", {"freeze": False})

    def reset(self) -> None:
        """``POST {control}/reset``: see :func:`reset_target`.

        A reset may also put the target's clock back on real time (the reference's does), so call
        :meth:`start` again before relying on a frozen clock.
        """
        self._frozen = False
        self._last = None
        response = self._exchange("POST", "/reset", None)
        if not 200 <= response.status < 300:
            raise TargetError(f"POST {self._where}/reset answered {response.status}; the target's reset did not work")

    def _call(self, method: str, payload: dict[str, Any] | None) -> tuple[datetime, bool]:
        body = None if payload is None else json.dumps(payload).encode()
        what = f"{method} {self._where}/clock" + ("" if payload is None else f" {json.dumps(payload)}")
        response = self._exchange(method, "/clock", body)
        if not 200 <= response.status < 300:
            raise TargetError(f"{what} answered {response.status}: {_excerpt(response.body)}")
        state = _clock_state(response.body)
        if state is None:
            raise TargetError(f'{what} answered {_excerpt(response.body)}, not {{"now": RFC 3339, "frozen": bool}}')
        self._last = state[0]
        return state

    def __repr__(self) -> str:
        return f"ControlApiClock({self._where!r})"


def _clock_state(body: bytes) -> tuple[datetime, bool] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(data, dict):
        return None
    now = parse_rfc3339(data.get("now"))
    frozen = data.get("frozen")
    if now is None or not isinstance(frozen, bool):
        return None
    return now, frozen


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = body[: limit * 4].decode("utf-8", "replace").replace("\n", " ").strip()
    if not text:
        return "an empty body"
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RealTimeClock:
    """Real time, for targets without a control API; ``controls_time`` is false.

    ``advance(delta)`` sleeps until ``delta / time_scale`` real seconds after the previous target
    instant. Deadlines are measured from ``start`` on the monotonic clock, so oversleeping in one
    step shortens the next wait instead of accumulating.

    ``now()`` estimates the target's logical time as ``wall-clock at start + elapsed * time_scale``: the
    offset between the target's clock and ours is unknown, so only differences between two readings
    are meaningful (which is all the engine uses).

    Args:
        time_scale: how many target seconds pass per real second (600 for a reference server run with
            ``--time-scale 600``); must be positive.
        sleep, monotonic, wall: injectable for tests.
    """

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = _utc_now,
    ) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be positive (got {time_scale!r})")
        self._scale = time_scale
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall = wall
        self._started_mono: float | None = None
        self._started_wall = wall()
        self._target_offset = timedelta(0)

    @property
    def controls_time(self) -> bool:
        return False

    @property
    def time_scale(self) -> float:
        return self._scale

    def start(self) -> datetime:
        self._started_mono = self._monotonic()
        self._started_wall = self._wall()
        self._target_offset = timedelta(0)
        return self._started_wall

    def now(self) -> datetime:
        """The target's logical now, estimated (see the class docstring)."""
        if self._started_mono is None:
            return self._wall()
        elapsed = self._monotonic() - self._started_mono
        return self._started_wall + timedelta(seconds=elapsed * self._scale)

    def current(self) -> datetime:
        """Same as :meth:`now` (no request is involved)."""
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError(f"cannot move a clock backwards ({delta!r})")
        if self._started_mono is None:
            self.start()
        started = self._started_mono if self._started_mono is not None else self._monotonic()
        self._target_offset += delta
        deadline = started + self._target_offset.total_seconds() / self._scale
        remaining = deadline - self._monotonic()
        # Sleep can return early (signals on some platforms): loop until the deadline has passed.
        while remaining > 0:
            self._sleep(remaining)
            remaining = deadline - self._monotonic()
        return self.now()

    def finish(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"RealTimeClock(time_scale={self._scale:g})"
