"""Everything a run needs of its target, opened in one call: target, auth, clock, profile and timings.

:func:`open_target` covers the three ways a run is pointed somewhere:

- nothing given (no URL, no file, no ``$PRESENCE_TARGET_URL``): the bundled reference server is started
  on a free loopback port and reached over real HTTP, with minted tokens and its control clock;
- a URL (``--target``): minted tokens (the dev secret, ``$PRESENCE_TOKEN_SECRET`` or ``token_secret``),
  fresh GUID users, and the control API if the target answers at ``{origin}/_conformance``, else real
  time;
- a configuration file: as configured (``docs/targets.md``); a URL given too overrides its base URL.

:func:`open_in_process` gives the reference service without sockets (the engine's own tests, the
oracle). :func:`smoke_check` makes one read so that a wrong URL, secret or path is reported as a setup
error before any case runs, never as a conformance failure.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from reference_impl.model import DEFAULT_PROFILE, Permission, Profile, ProfileError
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceClock, ServiceConfig
from reference_impl.service.tokens import SECRET_ENV

from ..cases.model import AppSpec
from ..errors import ConfigError, NotVerifiable, TargetError
from .auth import MintedTokens, MsalClientCredentials, StaticTokens
from .base import AuthProvider, ClockDriver, HttpRequest, Target
from .clock import CONTROL_PATH, ControlApiClock, RealTimeClock, default_control_url, reset_target
from .config import ClockMode, MintedAuth, StaticAuth, TargetConfig, config_from_mapping, load_target_config
from .http import HttpTarget, redact_url
from .inprocess import InProcessTarget, ServiceClockDriver

__all__ = ["IN_PROCESS_START", "TargetSetup", "open_in_process", "open_target", "smoke_check"]

IN_PROCESS_START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
"""Where an in-process service's clock starts: fixed, so in-process runs are reproducible."""

_SMOKE_PATH = "/v1.0/users/{id}/presence"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetSetup:
    """An opened target and everything needed to run cases against it. Close it when done.

    Attributes:
        target, auth, clock: the three seams.
        profile: the interpretations the target declares (the oracle predicts with them).
        settle: how long a check may poll for a read that lags behind a write.
        tolerance: clock skew and latency allowance when the clock runs in real time.
        user_pool: real user ids to use, or ``None`` for fresh GUIDs per case.
        description: where the target is, safe to print.
        concurrency: the most requests in flight at once.
        settings: the configuration as resolved, redacted: for reports.
    """

    target: Target
    auth: AuthProvider
    clock: ClockDriver
    profile: Profile = DEFAULT_PROFILE
    settle: timedelta = timedelta(0)
    tolerance: timedelta = timedelta(seconds=2)
    user_pool: tuple[str, ...] | None = None
    description: str = ""
    concurrency: int = 16
    settings: Mapping[str, object] = field(default_factory=dict)
    _reset: Callable[[], None] | None = field(default=None, repr=False)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def can_reset(self) -> bool:
        """Whether :meth:`reset` has a control API to call."""
        return self._reset is not None

    def reset(self) -> None:
        """Make the target forget all presence state (``POST {control}/reset``).

        Raises:
            NotVerifiable: the target has no control API.
            TargetError: the reset failed.
        """
        if self._reset is None:
            raise NotVerifiable(f"{self.description} has no test-control API to reset it")
        self._reset()

    def close(self) -> None:
        """Release connections and stop a bundled server. Safe to call twice."""
        errors: list[BaseException] = []
        while self._closers:
            try:
                self._closers.pop()()
            except Exception as exc:  # every resource gets its chance to close
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> TargetSetup:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def open_target(
    *,
    url: str | None = None,
    config: Path | str | None = None,
    profile_overrides: Mapping[str, str] | None = None,
    token_secret: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> TargetSetup:
    """Open the target a run is pointed at (see the module docstring for the three ways).

    Args:
        url: the target's base URL (``--target``); beats the file and ``$PRESENCE_TARGET_URL``.
        config: a target configuration file.
        profile_overrides: interpretation choices (``--profile boundary=exclusive``) over the file's.
        token_secret: the HS256 secret for minted tokens (``--token-secret``); beats the environment.
        environ: where environment settings and secrets are read.

    Raises:
        ConfigError: the configuration is wrong (file, key and reason in the message).
        TargetError: the target (or its control API) cannot be reached.
    """
    if url is None and config is None and not environ.get("PRESENCE_TARGET_URL", "").strip():
        return _open_bundled(profile_overrides or {}, token_secret)
    if config is not None:
        settings = load_target_config(config, environ)
    else:
        settings = config_from_mapping({}, source="--target", environ=environ)
    base_url = url or settings.base_url
    if base_url is None:
        raise ConfigError(
            f"{settings.source}: base_url: missing; give it in the file, in $PRESENCE_TARGET_URL or with --target"
        )
    profile = _profile(settings.profile, profile_overrides or {})
    closers: list[Callable[[], None]] = []
    target = HttpTarget(base_url, pool_size=max(32, settings.concurrency))
    closers.append(target.close)
    try:
        clock, control_url = _open_clock(settings, target)
        auth = _open_auth(settings, clock, token_secret, environ)
    except BaseException:
        target.close()
        raise
    resolved = {
        **settings.redacted(),
        "base_url": target.description,
        "control_url": None if control_url is None else redact_url(control_url),
        "clock": "control" if clock.controls_time else "real-time",
        "profile": profile.to_mapping(),
    }
    return TargetSetup(
        target=target,
        auth=auth,
        clock=clock,
        profile=profile,
        settle=settings.settle,
        tolerance=settings.tolerance,
        user_pool=settings.users,
        description=target.description,
        concurrency=settings.concurrency,
        settings=resolved,
        _reset=None if control_url is None else _resetter(target, control_url),
        _closers=closers,
    )


def open_in_process(
    profile: Profile = DEFAULT_PROFILE,
    *,
    start: datetime = IN_PROCESS_START,
    token_secret: str = DEV_TOKEN_SECRET,
) -> TargetSetup:
    """The reference service called directly (no sockets), on a manual clock frozen at ``start``.

    Tolerance is zero (the clock is exact) and tokens are minted at the service clock's now.
    """
    service = PresenceService(ServiceConfig(token_secret=token_secret, profile=profile), ServiceClock.manual(start))
    target = InProcessTarget(service)
    return TargetSetup(
        target=target,
        auth=MintedTokens(token_secret, now=service.clock.now),
        clock=ServiceClockDriver(service.clock),
        profile=profile,
        settle=timedelta(0),
        tolerance=timedelta(0),
        description=target.description,
        settings={"target": "in-process", "clock": "control", "profile": profile.to_mapping()},
        # Only the presence state: the manual clock stays where the run put it (an HTTP reset would put
        # it back on the wall clock), so in-process runs stay reproducible.
        _reset=lambda: service.reset(clock=False),
    )


def smoke_check(setup: TargetSetup) -> None:
    """Read one user's presence with an application token that may read it; raise if that fails.

    The user is the first of the pool, or a fresh GUID. A target whose only users are real ones (Graph)
    needs a ``users:`` pool.

    Raises:
        TargetError: the target is unreachable, or answers something that is not a presence resource.
        ConfigError: the token is refused (401/403), no presence API is at the path (404), or the auth
            provider has no app that may read presence.
    """
    user = setup.user_pool[0] if setup.user_pool else str(uuid.uuid4())
    user_ids = {"smoke": user}
    header = _smoke_authorization(setup.auth, user_ids)
    path = _SMOKE_PATH.format(id=user)
    where = f"GET {setup.description.rstrip('/')}{path}"
    response = setup.target.send(
        HttpRequest("GET", path, {"Authorization": header, "Accept": "application/json"}, None)
    )
    status, body = response.status, response.body
    error = _graph_error(body)
    if status == 200:
        document = _json(body)
        if not (
            isinstance(document, dict)
            and isinstance(document.get("availability"), str)
            and isinstance(document.get("activity"), str)
        ):
            raise TargetError(f"{where} answered 200 but not a presence resource: {_excerpt(body)}")
        return
    if status == 401:
        raise ConfigError(f"the target rejected the token ({where}: 401{error}): check --token-secret / auth config")
    if status == 403:
        raise ConfigError(
            f"the target refused the token's permissions ({where}: 403{error}): the app needs "
            f"{Permission.READ_ALL} or {Permission.READ_WRITE_ALL}, with admin consent"
        )
    if status == 404:
        hint = "check the base URL" + (
            "" if setup.user_pool else "; if the target only knows real users, list their ids under users:"
        )
        raise ConfigError(f"no presence API at {setup.description.rstrip('/')}{path} (404{error}): {hint}")
    if 300 <= status < 400:
        location = redact_url(response.headers.get("Location", "") or "?")
        raise TargetError(f"{where} answered {status}, a redirect to {location}: point the suite at that URL")
    raise TargetError(f"{where} answered {status}{error}: {_excerpt(body)}")


# ---- opening --------------------------------------------------------------------------------------


def _open_bundled(overrides: Mapping[str, str], token_secret: str | None) -> TargetSetup:
    # Imported here: the HTTP server pulls in uvicorn, which runs that never start it do not need.
    from reference_impl.server.runner import serve_in_thread

    profile = _profile(DEFAULT_PROFILE, overrides)
    secret = token_secret or DEV_TOKEN_SECRET
    try:
        service = PresenceService(ServiceConfig(token_secret=secret, profile=profile), ServiceClock())
    except ValueError as exc:  # a secret too short to sign with
        raise ConfigError(f"--token-secret: {exc}") from None
    server = serve_in_thread(service)
    closers: list[Callable[[], None]] = [server.stop]
    try:
        target = HttpTarget(server.url)
        closers.append(target.close)
        control_url = server.url.rstrip("/") + CONTROL_PATH
        clock = ControlApiClock(target, control_url)
        clock.now()  # so tokens minted before the first start() carry the server's time
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    return TargetSetup(
        target=target,
        auth=MintedTokens(secret, now=clock.current),
        clock=clock,
        profile=profile,
        settle=timedelta(0),
        tolerance=timedelta(seconds=2),
        description=f"{target.description} (bundled reference)",
        settings={
            "target": "bundled reference",
            "base_url": target.description,
            "control_url": control_url,
            "clock": "control",
            "profile": profile.to_mapping(),
            "auth": {"kind": "minted", "secret": "given" if token_secret else "development"},
        },
        _reset=_resetter(target, control_url),
        _closers=closers,
    )


def _open_clock(settings: TargetConfig, target: HttpTarget) -> tuple[ClockDriver, str | None]:
    """The clock driver and the control URL to reset through (``None`` when there is no control API)."""
    control_url = None if settings.control_disabled else settings.control_url or default_control_url(target.base_url)
    if settings.clock is ClockMode.REAL_TIME:
        return RealTimeClock(time_scale=settings.time_scale), control_url
    if control_url is None:
        if settings.clock is ClockMode.CONTROL:
            raise ConfigError(f"{settings.source}: clock: 'control' needs the control API, but control_url is false")
        return RealTimeClock(time_scale=settings.time_scale), None
    clock = ControlApiClock(target, control_url)
    if clock.probe():
        return clock, control_url
    if settings.clock is ClockMode.CONTROL:
        raise ConfigError(
            f"{settings.source}: clock: 'control', but GET {redact_url(control_url)}/clock does not answer "
            'the control API (200 {"now": ..., "frozen": ...}); fix control_url or use clock: real-time'
        )
    return RealTimeClock(time_scale=settings.time_scale), None


def _open_auth(
    settings: TargetConfig, clock: ClockDriver, token_secret: str | None, environ: Mapping[str, str]
) -> AuthProvider:
    auth = settings.auth
    if isinstance(auth, MintedAuth):
        secret = (
            token_secret
            or (environ.get(auth.secret_env) if auth.secret_env else None)
            or environ.get(SECRET_ENV)
            or DEV_TOKEN_SECRET
        )
        if isinstance(clock, ControlApiClock):
            # Tokens are checked against the target's clock, which the control API moves.
            return MintedTokens(secret, now=clock.current)
        # Without control, the target's clock cannot be read; a target running faster than real time
        # would expire a one-hour token in seconds, so the lifetime grows with the scale.
        scale = clock.time_scale if isinstance(clock, RealTimeClock) else 1.0
        return MintedTokens(secret, lifetime=timedelta(hours=1) * max(1.0, scale))
    if isinstance(auth, StaticAuth):
        return StaticTokens(auth.apps, environ=environ)
    return MsalClientCredentials(auth.tenant_id, auth.apps, environ=environ, authority_host=auth.authority_host)


def _resetter(target: HttpTarget, control_url: str) -> Callable[[], None]:
    return lambda: reset_target(control_url, via=target)


def _profile(base: Profile, overrides: Mapping[str, str]) -> Profile:
    if not overrides:
        return base
    values: dict[str, Any] = dict(base.to_mapping())
    for key, value in overrides.items():
        # Command-line values are text; the numeric interpretations (write_status=204) are ints.
        values[str(key).replace("-", "_")] = int(value) if isinstance(value, str) and value.isdigit() else value
    try:
        return Profile.from_mapping(values)
    except ProfileError as exc:
        raise ConfigError(f"--profile: {exc}") from None


# ---- smoke check helpers ----------------------------------------------------------------------------


def _smoke_authorization(auth: AuthProvider, user_ids: Mapping[str, str]) -> str:
    """An application token that may read any user's presence, from whatever the provider holds."""
    last: NotVerifiable | None = None
    for role in (Permission.READ_WRITE_ALL, Permission.READ_ALL):
        try:
            return auth.authorization(AppSpec("smoke-check", roles=(role,)), user_ids)
        except NotVerifiable as exc:
            last = exc
        finally:
            release = getattr(auth, "release", None)
            if callable(release):
                release(user_ids)
    raise ConfigError(
        f"the smoke check needs an application app with {Permission.READ_ALL} or {Permission.READ_WRITE_ALL} "
        f"in the auth pool ({last})"
    )


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None


def _graph_error(body: bytes) -> str:
    """`` code: message`` of a Graph error body, or nothing."""
    document = _json(body)
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return ""
    code, message = error.get("code"), error.get("message")
    text = " ".join(str(part) for part in (code, message) if isinstance(part, str) and part)
    return f" {text[:200]}" if text else ""


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = body[: limit * 4].decode("utf-8", "replace").replace("\n", " ").strip()
    if not text:
        return "an empty body"
    return repr(text[:limit] + ("…" if len(text) > limit else ""))
