"""The reference service as a target without sockets: the engine's fast path and the oracle harness.

:class:`InProcessTarget` hands each request straight to ``PresenceService.dispatch``;
:class:`ServiceClockDriver` moves the service's :class:`~reference_impl.service.clock.ServiceClock`
directly. Together they run a case in microseconds per step and never wait for real time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from requests.structures import CaseInsensitiveDict

from ..errors import TargetError
from .base import HttpRequest, HttpResponse

__all__ = ["IN_PROCESS_BASE_URL", "InProcessTarget", "ServiceClockDriver"]

IN_PROCESS_BASE_URL = "http://reference.invalid"
"""The base URL the service is told it is served at (for the links it writes); ``.invalid`` never resolves."""


class _ServiceResponse(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str] | Iterable[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...


class _Service(Protocol):
    """What :class:`InProcessTarget` needs of ``reference_impl.service.PresenceService``."""

    def dispatch(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, *, base_url: str
    ) -> _ServiceResponse: ...


class _Clock(Protocol):
    """What :class:`ServiceClockDriver` needs of ``reference_impl.service.ServiceClock``."""

    def now(self) -> datetime: ...
    def freeze(self) -> datetime: ...
    def advance(self, delta: timedelta) -> datetime: ...
    def release(self) -> datetime: ...


class InProcessTarget:
    """A :class:`~conformance.targets.base.Target` that calls ``service.dispatch`` in the calling thread.

    The service is thread-safe, so this target is too. An exception escaping the service is a bug in
    the reference, not an answer: it becomes a :class:`~conformance.errors.TargetError` chained to the
    original, so its traceback stays visible.
    """

    def __init__(self, service: _Service, *, base_url: str = IN_PROCESS_BASE_URL) -> None:
        self._service = service
        self._base_url = base_url

    @property
    def description(self) -> str:
        return "in-process reference service"

    @property
    def service(self) -> _Service:
        return self._service

    def send(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        try:
            answer = self._service.dispatch(
                request.method,
                request.path,
                dict(request.headers),
                request.body if request.body is not None else b"",
                base_url=self._base_url,
            )
        except Exception as exc:
            raise TargetError(
                f"the reference service crashed on {request.method} {request.path}: {type(exc).__name__}"
            ) from exc
        headers = answer.headers
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        return HttpResponse(
            status=answer.status,
            headers=CaseInsensitiveDict(dict(pairs)),
            body=bytes(answer.body),
            elapsed=time.monotonic() - started,
        )

    def close(self) -> None:
        """Nothing to release: no sockets were opened."""

    def __repr__(self) -> str:
        return "InProcessTarget()"


class ServiceClockDriver:
    """Drives a ``ServiceClock`` directly; ``controls_time`` is true and ``advance`` never waits."""

    def __init__(self, clock: _Clock) -> None:
        self._clock = clock

    @property
    def controls_time(self) -> bool:
        return True

    @property
    def clock(self) -> _Clock:
        return self._clock

    def start(self) -> datetime:
        return self._clock.freeze()

    def advance(self, delta: timedelta) -> datetime:
        """Jump the clock by ``delta``; a negative ``delta`` is a ValueError (time never goes back)."""
        return self._clock.advance(delta)

    def finish(self) -> None:
        self._clock.release()

    def now(self) -> datetime:
        return self._clock.now()

    def current(self) -> datetime:
        """The clock's now (reading it costs nothing here)."""
        return self._clock.now()

    def __repr__(self) -> str:
        return f"ServiceClockDriver({self._clock!r})"
