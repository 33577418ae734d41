"""What the engine tests share: case builders, fake targets, clocks and auth providers.

Cases are built as values (no YAML), so these tests depend only on the case model, not on the loader.
Expectations in the tests are literals; nothing here computes what the oracle ought to answer.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.cases.model import (
    ActionKind,
    AppSpec,
    AuthMode,
    Case,
    Expectation,
    PresenceExpectation,
    StatusExpectation,
    Step,
)
from conformance.errors import NotVerifiable, TargetError
from conformance.targets.base import AuthProvider, HttpRequest, HttpResponse, Target
from conformance.targets.setup import TargetSetup, open_in_process
from reference_impl.model import DEFAULT_PROFILE, Profile

DEFAULT_APPS = {"app": AppSpec("app")}


def at(text: str) -> timedelta:
    """``"5m"``, ``"30s"``, ``"4h"``, ``"0"`` as a timedelta."""
    if text in ("0", ""):
        return timedelta(0)
    unit = {"s": "seconds", "m": "minutes", "h": "hours"}[text[-1]]
    return timedelta(**{unit: float(text[:-1])})


def set_presence(
    when: str = "0",
    availability: str = "Available",
    activity: str = "Available",
    *,
    app: str = "app",
    user: str = "alice",
    duration: str | None = "PT1H",
    status: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    params = {"availability": availability, "activity": activity}
    if duration is not None:
        params["expirationDuration"] = duration
    expect = extra.pop("expect", None) or Expectation(status=StatusExpectation(status) if status else None)
    fields = {"action": ActionKind.SET_PRESENCE, "at": at(when), "app": app, "user": user, "params": params}
    return {**fields, "session_id_of": app, "expect": expect, **extra}


def action(
    kind: ActionKind, when: str = "0", *, app: str = "app", status: str | None = None, **extra: Any
) -> dict[str, Any]:
    expect = extra.pop("expect", None) or Expectation(status=StatusExpectation(status) if status else None)
    return dict(action=kind, at=at(when), app=app, expect=expect, **extra)


def check(
    when: str = "0", availability: str | None = None, activity: str | None = None, *, user: str = "alice"
) -> dict[str, Any]:
    return dict(at=at(when), check_user=user, expect=Expectation(presence=PresenceExpectation(availability, activity)))


def make_case(
    case_id: str,
    *steps: dict[str, Any],
    clauses: tuple[str, ...] = ("AGG-SESSIONS",),
    users: tuple[str, ...] = ("alice",),
    apps: Mapping[str, AppSpec] | None = None,
    requires: tuple[str, ...] = (),
) -> Case:
    built = tuple(Step(index=i, line=10 + i, **fields) for i, fields in enumerate(steps))
    return Case(
        id=case_id,
        title=f"test case {case_id}",
        clauses=clauses,
        tags=("test",),
        requires=requires,
        users=users,
        apps=dict(apps or DEFAULT_APPS),
        steps=built,
        path=f"tests/{case_id}.presence.yaml",
        line=3,
    )


def simple_case(case_id: str = "simple", **kwargs: Any) -> Case:
    """Set Available/Available, then check it at once."""
    return make_case(case_id, set_presence(), check("0", "Available", "Available"), **kwargs)


def in_process(target_profile: Profile = DEFAULT_PROFILE, **changes: Any) -> TargetSetup:
    """The in-process reference as target; ``changes`` replace setup fields (e.g. the declared profile)."""
    setup = open_in_process(target_profile)
    return dataclasses.replace(setup, concurrency=4, **changes) if changes else setup


class WrappedTarget:
    """A target that lets ``edit`` change each answer of the wrapped one (or raise)."""

    def __init__(self, inner: Target, edit: Callable[[HttpRequest, HttpResponse], HttpResponse]) -> None:
        self.inner = inner
        self.edit = edit
        self.requests: list[HttpRequest] = []
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return "wrapped " + self.inner.description

    def send(self, request: HttpRequest) -> HttpResponse:
        with self._lock:
            self.requests.append(request)
        return self.edit(request, self.inner.send(request))

    def close(self) -> None:
        self.inner.close()


def flip_availability(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A wrong target: every presence read shows Busy instead of Available."""
    if request.method != "GET" or response.status != 200:
        return response
    document = json.loads(response.body)
    if document.get("availability") == "Available":
        document["availability"] = "Busy"
    return dataclasses.replace(response, body=json.dumps(document).encode())


def refuse_everything(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    raise TargetError("connection refused (test)")


def garbage_reads(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.method == "GET":
        return dataclasses.replace(response, body=b"<html>oops</html>")
    return response


class RefusingAuth:
    """An auth provider that has no credential for apps whose permissions include ``refused``."""

    def __init__(self, inner: AuthProvider, refused: str) -> None:
        self.inner = inner
        self.refused = refused
        self.asked: list[AppSpec] = []

    def _gate(self, app: AppSpec) -> None:
        self.asked.append(app)
        if self.refused in app.permissions:
            raise NotVerifiable(f"no app with {self.refused} in the test pool")

    def authorization(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        self._gate(app)
        return self.inner.authorization(app, user_ids)

    def app_id(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        self._gate(app)
        return self.inner.app_id(app, user_ids)

    def invalid_authorization(self) -> str:
        return self.inner.invalid_authorization()


class RecordingClock:
    """Wraps a clock driver, recording every call; ``controls_time`` can be forced false (real-time)."""

    def __init__(self, inner: Any, *, controls_time: bool | None = None, fail_advance: bool = False) -> None:
        self.inner = inner
        self._controls = controls_time
        self.fail_advance = fail_advance
        self.calls: list[tuple[str, timedelta | None]] = []

    @property
    def controls_time(self) -> bool:
        return bool(self.inner.controls_time) if self._controls is None else self._controls

    def start(self) -> datetime:
        self.calls.append(("start", None))
        return self.inner.start()  # type: ignore[no-any-return]

    def advance(self, delta: timedelta) -> datetime:
        self.calls.append(("advance", delta))
        if self.fail_advance:
            raise TargetError("the control API went away (test)")
        return self.inner.advance(delta)  # type: ignore[no-any-return]

    def finish(self) -> None:
        self.calls.append(("finish", None))
        self.inner.finish()

    def current(self) -> datetime:
        return self.inner.current()  # type: ignore[no-any-return]

    @property
    def advanced(self) -> timedelta:
        return sum((d for name, d in self.calls if name == "advance" and d is not None), timedelta(0))


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
AUTH_NONE = AuthMode.NONE
