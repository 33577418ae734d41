"""The three seams between the engine and the outside world: target, auth and clock.

- :class:`Target` sends one HTTP request to the implementation under test and returns its answer.
- :class:`AuthProvider` gives the ``Authorization`` header value for a logical app of a case.
- :class:`ClockDriver` moves (or waits for) the target's time.

Each has an HTTP or real-world version and an in-process version, so the engine's own tests need no
sockets and no waiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ..cases.model import AppSpec

__all__ = ["AuthProvider", "ClockDriver", "HttpRequest", "HttpResponse", "Target"]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request, relative to the target's base URL (``path`` starts with ``/v1.0/``... or ``/users``).

    ``timeout`` (seconds) bounds the whole exchange, answer included: a target that drips its answer
    slowly is cut off there even when every single read arrives in time.
    """

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One answer. ``body`` is at most the engine's size limit; ``elapsed`` is in seconds."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float = 0.0


@runtime_checkable
class Target(Protocol):
    """An implementation under test.

    ``send`` raises :class:`~conformance.errors.TargetError` when no HTTP answer could be had
    (refused, timed out, too large, not HTTP); any HTTP answer, whatever its status, is returned.
    """

    @property
    def description(self) -> str:
        """Where the target is, safe to print (no credentials)."""
        ...

    def send(self, request: HttpRequest) -> HttpResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class AuthProvider(Protocol):
    """Credentials for a case's logical apps.

    ``authorization`` returns the full header value (``"Bearer ..."``) for ``app`` acting in a case
    whose logical users map to ``user_ids``; it raises :class:`~conformance.errors.NotVerifiable` when
    this provider has no credential with the app's permissions.
    """

    def authorization(self, app: AppSpec, user_ids: Mapping[str, str]) -> str: ...

    def app_id(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        """The application id the credential for ``app`` carries (the sessionId it must send)."""
        ...

    def invalid_authorization(self) -> str:
        """A header value that looks like a bearer token but must fail verification."""
        ...


@runtime_checkable
class ClockDriver(Protocol):
    """The target's time, as the engine sees and moves it.

    ``controls_time`` is true when ``advance`` jumps the target's clock (a test-control API); otherwise
    ``advance`` waits in real time and checks near a timer boundary may not be verifiable.
    """

    @property
    def controls_time(self) -> bool: ...

    def start(self) -> datetime:
        """Prepare the clock for a campaign (freeze it, if it can) and return the target's now."""
        ...

    def advance(self, delta: timedelta) -> datetime:
        """Move the target's now forward by ``delta`` (or wait it out) and return the new now."""
        ...

    def finish(self) -> None:
        """Release the clock after a campaign (let it run again)."""
        ...
