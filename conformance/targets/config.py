"""Target configuration files: where the target is, how to authenticate, how its clock is driven.

Precedence is **environment > file > defaults**; the command line (``--target URL``) beats all three.
Secrets are never read from the file: it names environment variables (``secret_env``, ``token_env``,
``client_secret_env``, ``passphrase_env``) and a secret-looking key with a literal value (``secret``,
``token``, ``client_secret``, ``password``, ...) is refused. :meth:`TargetConfig.redacted` gives a
dict that is safe to put in reports.

Environment overrides of file values:

=========================  ================  ==========================================
variable                   key               example
=========================  ================  ==========================================
``PRESENCE_TARGET_URL``    ``base_url``      ``https://presence.example.test``
``PRESENCE_CONTROL_URL``   ``control_url``   ``http://localhost:9000/_conformance``, ``false``
``PRESENCE_CLOCK``         ``clock``         ``auto``, ``control``, ``real-time``
``PRESENCE_TIME_SCALE``    ``time_scale``    ``600``
``PRESENCE_SETTLE``        ``settle``        ``PT10S``
``PRESENCE_TOLERANCE``     ``tolerance``     ``PT5S``
``PRESENCE_CONCURRENCY``   ``concurrency``   ``8``
=========================  ================  ==========================================

The file format, with every key, is documented in ``docs/targets.md``.
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from reference_impl.model import DEFAULT_PROFILE, DurationError, Profile, ProfileError, format_duration, parse_duration

from ..errors import ConfigError
from .auth import CertificateCredential, MsalApp, PoolApp
from .http import check_url, redact_url

__all__ = [
    "ENV_OVERRIDES",
    "AuthConfig",
    "ClockMode",
    "MintedAuth",
    "MsalAuth",
    "StaticAuth",
    "TargetConfig",
    "config_from_mapping",
    "load_target_config",
]


class ClockMode(StrEnum):
    """How the target's time is driven: probe for the control API, require it, or wait in real time."""

    AUTO = "auto"
    CONTROL = "control"
    REAL_TIME = "real-time"


@dataclass(frozen=True, slots=True)
class MintedAuth:
    """Sign tokens with the target's HS256 secret, read from ``$secret_env`` (default: the dev secret,
    or ``$PRESENCE_TOKEN_SECRET``)."""

    secret_env: str | None = None
    kind: str = field(default="minted", init=False)


@dataclass(frozen=True, slots=True)
class StaticAuth:
    """Tokens prepared outside the suite, one per pool app, each read from its ``token_env``."""

    apps: tuple[PoolApp, ...]
    kind: str = field(default="static", init=False)


@dataclass(frozen=True, slots=True)
class MsalAuth:
    """Client-credentials tokens from Microsoft Entra ID for a pool of app registrations."""

    tenant_id: str
    apps: tuple[MsalApp, ...]
    authority_host: str = "https://login.microsoftonline.com"
    kind: str = field(default="msal", init=False)


AuthConfig = MintedAuth | StaticAuth | MsalAuth

ENV_OVERRIDES: Mapping[str, str] = {
    "PRESENCE_TARGET_URL": "base_url",
    "PRESENCE_CONTROL_URL": "control_url",
    "PRESENCE_CLOCK": "clock",
    "PRESENCE_TIME_SCALE": "time_scale",
    "PRESENCE_SETTLE": "settle",
    "PRESENCE_TOLERANCE": "tolerance",
    "PRESENCE_CONCURRENCY": "concurrency",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetConfig:
    """A loaded target configuration. It holds the *names* of secret variables, never secrets.

    ``control_url`` is ``None`` for the default (the target's origin + ``/_conformance``); when
    ``control_disabled`` is set, the control API is not used (``control_url: false``), not even for
    resets. ``users`` is ``None`` for fresh GUIDs per case, else the pool of real user ids to use.
    """

    base_url: str | None = None
    control_url: str | None = None
    control_disabled: bool = False
    clock: ClockMode = ClockMode.AUTO
    time_scale: float = 1.0
    settle: timedelta = timedelta(0)
    tolerance: timedelta = timedelta(seconds=2)
    profile: Profile = DEFAULT_PROFILE
    auth: AuthConfig = field(default_factory=MintedAuth)
    users: tuple[str, ...] | None = None
    concurrency: int = 16
    source: str | None = None
    env_overrides: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # The base URL's query may hold a gateway key: show only what a report may show.
        shown = ", ".join(f"{key}={value!r}" for key, value in self.redacted().items())
        return f"TargetConfig({shown})"

    def redacted(self) -> dict[str, object]:
        """The configuration as plain values, safe for reports: URLs without credentials or query values,
        secrets only by the name of their environment variable."""
        control: object = (
            False if self.control_disabled else (redact_url(self.control_url) if self.control_url else None)
        )
        return {
            "source": self.source,
            "base_url": redact_url(self.base_url) if self.base_url else None,
            "control_url": control,
            "clock": str(self.clock),
            "time_scale": self.time_scale,
            "settle": format_duration(self.settle),
            "tolerance": format_duration(self.tolerance),
            "profile": self.profile.to_mapping(),
            "auth": _redacted_auth(self.auth),
            "users": list(self.users) if self.users is not None else None,
            "concurrency": self.concurrency,
            "env_overrides": list(self.env_overrides),
        }


def _redacted_auth(auth: AuthConfig) -> dict[str, object]:
    if isinstance(auth, MintedAuth):
        return {"kind": auth.kind, "secret_env": auth.secret_env}
    if isinstance(auth, StaticAuth):
        return {
            "kind": auth.kind,
            "apps": [
                {
                    "name": a.name,
                    "app_id": a.app_id,
                    "roles": list(a.roles),
                    "scopes": list(a.scopes),
                    "delegated_user": a.delegated_user,
                    "token_env": a.token_env,
                }
                for a in auth.apps
            ],
        }
    return {
        "kind": auth.kind,
        "tenant_id": auth.tenant_id,
        "authority_host": auth.authority_host,
        "apps": [
            {
                "name": a.name,
                "client_id": a.client_id,
                "roles": list(a.roles),
                "client_secret_env": a.client_secret_env,
                "certificate": None
                if a.certificate is None
                else {
                    "path": str(a.certificate.path),
                    "thumbprint": a.certificate.thumbprint,
                    "passphrase_env": a.certificate.passphrase_env,
                },
            }
            for a in auth.apps
        ],
    }


def load_target_config(path: Path | str, environ: Mapping[str, str] = os.environ) -> TargetConfig:
    """Read a target configuration file, apply environment overrides and check it all.

    Raises:
        ConfigError: the file is unreadable or not YAML, a key is unknown or has a wrong value, a secret is
            written in the file, or a named environment variable is unset. The message names the file
            and the key (``target.yaml: auth.apps[0].token_env: ...``), never a secret's value.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read the target configuration: {reason}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if data is None:
        data = {}
    return config_from_mapping(data, source=str(path), environ=environ, base_dir=path.parent)


def config_from_mapping(
    data: object,
    *,
    source: str = "<target config>",
    environ: Mapping[str, str] = os.environ,
    base_dir: Path | None = None,
) -> TargetConfig:
    """Build a :class:`TargetConfig` from parsed YAML (or a dict), with environment overrides.

    ``base_dir`` resolves relative certificate paths (the config file's folder). See
    :func:`load_target_config` for errors.
    """
    reader = _Reader(source, environ, base_dir or Path.cwd())
    return reader.read(data)


# ---- reading ----------------------------------------------------------------------------------------

_TOP_KEYS = frozenset(
    {
        "base_url",
        "control_url",
        "clock",
        "time_scale",
        "settle",
        "tolerance",
        "profile",
        "auth",
        "users",
        "concurrency",
    }
)
# Keys that would hold a secret if given a value, and the key to use instead.
_SECRET_KEYS = {
    "secret": "secret_env",
    "token": "token_env",
    "access_token": "token_env",
    "client_secret": "client_secret_env",
    "password": "passphrase_env",
    "passphrase": "passphrase_env",
    "private_key": "certificate: {path: ...}",
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_MAX_CONCURRENCY = 256
_EXAMPLE_GUID = "6e5b6a12-0d5c-4b4e-9d0e-6f0c1b8c2a11"
T = TypeVar("T")


class _Reader:
    """One pass over a config mapping; every error names the source and the dotted key."""

    def __init__(self, source: str, environ: Mapping[str, str], base_dir: Path) -> None:
        self.source = source
        self.environ = environ
        self.base_dir = base_dir
        self.env_keys: dict[str, str] = {}

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}")

    def read(self, data: object) -> TargetConfig:
        if not isinstance(data, Mapping):
            raise self.fail("", "a target configuration must be a mapping of keys (base_url, auth, ...)")
        self.refuse_literal_secrets(data, "")
        self.only(data, _TOP_KEYS, "")
        values = dict(data)
        overridden: list[str] = []
        for variable, key in ENV_OVERRIDES.items():
            value = self.environ.get(variable)
            if value is not None and value.strip():
                values[key] = _from_env_text(key, value.strip())
                overridden.append(variable)
        self.env_keys.update({ENV_OVERRIDES[v]: v for v in overridden})
        base_url = self.optional(values, "base_url", self.url)
        control_raw = values.get("control_url")
        control_disabled = control_raw is False
        control_url = None if control_disabled or control_raw is None else self.url(control_raw, "control_url")
        users = self.optional(values, "users", self.users)
        auth = self.auth(values.get("auth", {"kind": "minted"}), users)
        return TargetConfig(
            base_url=base_url,
            control_url=control_url,
            control_disabled=control_disabled,
            clock=self.get(values, "clock", self.clock, ClockMode.AUTO),
            time_scale=self.get(values, "time_scale", self.positive_number, 1.0),
            settle=self.get(values, "settle", self.duration, timedelta(0)),
            tolerance=self.get(values, "tolerance", self.duration, timedelta(seconds=2)),
            profile=self.get(values, "profile", self.profile, DEFAULT_PROFILE),
            auth=auth,
            users=users,
            concurrency=self.get(values, "concurrency", self.concurrency, 16),
            source=self.source,
            env_overrides=tuple(overridden),
        )

    # -- helpers

    def where(self, key: str) -> str:
        variable = self.env_keys.get(key)
        return f"{key} (from ${variable})" if variable else key

    def optional(self, values: Mapping[str, Any], key: str, convert: Callable[[Any, str], T]) -> T | None:
        value = values.get(key)
        return None if value is None else convert(value, self.where(key))

    def get(self, values: Mapping[str, Any], key: str, convert: Callable[[Any, str], T], default: T) -> T:
        value = self.optional(values, key, convert)
        return default if value is None else value

    def only(self, data: Mapping[Any, Any], allowed: frozenset[str], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                name = f"{prefix}{key}"
                raise self.fail(name, f"unknown key; expected one of {', '.join(sorted(allowed))}")

    def refuse_literal_secrets(self, data: object, prefix: str) -> None:
        if isinstance(data, Mapping):
            for key, value in data.items():
                name = f"{prefix}{key}"
                if str(key).lower() in _SECRET_KEYS and value is not None and value is not False:
                    raise self.fail(
                        name,
                        "secrets are not read from configuration files; put it in an environment variable "
                        f"and name the variable with {_SECRET_KEYS[str(key).lower()]}",
                    )
                self.refuse_literal_secrets(value, f"{name}.")
        elif isinstance(data, list):
            for index, item in enumerate(data):
                self.refuse_literal_secrets(item, f"{prefix.rstrip('.')}[{index}].")

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string (got {_kind(value)})")
        return value.strip()

    def url(self, value: object, key: str) -> str:
        text = self.text(value, key)
        try:
            check_url(text, what="the URL")
        except ConfigError as exc:
            raise self.fail(key, str(exc)) from None
        return text

    def clock(self, value: object, key: str) -> ClockMode:
        try:
            return ClockMode(str(value))
        except ValueError:
            raise self.fail(key, f"must be one of {', '.join(m.value for m in ClockMode)} (got {value!r})") from None

    def positive_number(self, value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise self.fail(key, f"must be a positive number (got {value!r})")
        return float(value)

    def duration(self, value: object, key: str) -> timedelta:
        try:
            return parse_duration(self.text(value, key))
        except DurationError as exc:
            raise self.fail(key, str(exc)) from None

    def concurrency(self, value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_CONCURRENCY:
            raise self.fail(key, f"must be a whole number from 1 to {_MAX_CONCURRENCY} (got {value!r})")
        return value

    def profile(self, value: object, key: str) -> Profile:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a mapping of interpretation names to values (got {_kind(value)})")
        try:
            return Profile.from_mapping(value)
        except ProfileError as exc:
            raise self.fail(key, str(exc)) from None

    def guid(self, value: object, key: str) -> str:
        try:
            return str(uuid.UUID(self.text(value, key)))
        except ValueError:
            raise self.fail(
                key, f"must be a GUID such as 6e5b6a12-0d5c-4b4e-9d0e-6f0c1b8c2a11 (got {value!r})"
            ) from None

    def users(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of user ids (or be left out for fresh GUIDs per case)")
        ids = tuple(self.guid(item, f"{key}[{i}]") for i, item in enumerate(value))
        if len(set(ids)) != len(ids):
            raise self.fail(key, "lists a user twice")
        return ids

    def env_name(self, value: object, key: str) -> str:
        # The message never echoes the value: a secret pasted here by mistake must not reach a log.
        if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
            raise self.fail(key, "must be the name of an environment variable (letters, digits, _), not a secret")
        if not self.environ.get(value, "").strip():
            raise self.fail(key, f"the environment variable ${value} is not set")
        return value

    def permissions(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(p, str) and p.strip() for p in value):
            raise self.fail(key, "must be a non-empty list of permission names such as Presence.ReadWrite.All")
        return tuple(p.strip() for p in value)

    def mapping(self, value: object, key: str, allowed: frozenset[str], required: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a mapping (got {_kind(value)})")
        self.only(value, allowed, f"{key}.")
        for name in required:
            if value.get(name) is None:
                raise self.fail(f"{key}.{name}", "is required")
        return value

    # -- auth

    def auth(self, value: object, users: tuple[str, ...] | None) -> AuthConfig:
        if not isinstance(value, Mapping):
            raise self.fail("auth", f"must be a mapping with a kind (got {_kind(value)})")
        kind = value.get("kind")
        if kind == "minted":
            body = self.mapping(value, "auth", frozenset({"kind", "secret_env"}), ("kind",))
            secret_env = self.optional(body, "secret_env", lambda v, _: self.env_name(v, "auth.secret_env"))
            return MintedAuth(secret_env=secret_env)
        if kind == "static":
            body = self.mapping(value, "auth", frozenset({"kind", "apps"}), ("kind", "apps"))
            apps = self.app_list(body["apps"], "auth.apps")
            return StaticAuth(tuple(self.static_app(app, f"auth.apps[{i}]", users) for i, app in enumerate(apps)))
        if kind == "msal":
            body = self.mapping(
                value, "auth", frozenset({"kind", "tenant_id", "authority_host", "apps"}), ("kind", "tenant_id", "apps")
            )
            apps = self.app_list(body["apps"], "auth.apps")
            authority = body.get("authority_host")
            return MsalAuth(
                tenant_id=self.text(body["tenant_id"], "auth.tenant_id"),
                apps=tuple(self.msal_app(app, f"auth.apps[{i}]") for i, app in enumerate(apps)),
                authority_host=self.url(authority, "auth.authority_host")
                if authority is not None
                else "https://login.microsoftonline.com",
            )
        raise self.fail("auth.kind", f"must be minted, static or msal (got {kind!r})")

    def app_list(self, value: object, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of apps")
        names = [item.get("name") for item in value if isinstance(item, Mapping)]
        duplicates = sorted({str(n) for n in names if names.count(n) > 1})
        if duplicates:
            raise self.fail(key, f"app names must be unique ({', '.join(duplicates)} repeated)")
        return value

    def static_app(self, value: object, key: str, users: tuple[str, ...] | None) -> PoolApp:
        allowed = frozenset({"name", "app_id", "roles", "scopes", "delegated_user", "token_env"})
        body = self.mapping(value, key, allowed, ("name", "app_id", "token_env"))
        if ("roles" in body) == ("scopes" in body):
            raise self.fail(key, "give roles (an application token) or scopes (a delegated token), not both")
        delegated = body.get("delegated_user")
        if "scopes" in body and delegated is None:
            raise self.fail(f"{key}.delegated_user", "is required with scopes: the user who signed in for the token")
        if "roles" in body and delegated is not None:
            raise self.fail(f"{key}.delegated_user", "belongs to delegated tokens (scopes), not to roles")
        user = None if delegated is None else self.guid(delegated, f"{key}.delegated_user")
        if user is not None and users is not None and user not in users:
            raise self.fail(f"{key}.delegated_user", f"{user} is not in users, so no case can be bound to it")
        return PoolApp(
            name=self.text(body["name"], f"{key}.name"),
            app_id=self.text(body["app_id"], f"{key}.app_id"),
            token_env=self.env_name(body["token_env"], f"{key}.token_env"),
            roles=self.permissions(body["roles"], f"{key}.roles") if "roles" in body else (),
            scopes=self.permissions(body["scopes"], f"{key}.scopes") if "scopes" in body else (),
            delegated_user=user,
        )

    def msal_app(self, value: object, key: str) -> MsalApp:
        allowed = frozenset({"name", "client_id", "roles", "client_secret_env", "certificate"})
        body = self.mapping(value, key, allowed, ("name", "client_id", "roles"))
        if ("client_secret_env" in body) == ("certificate" in body):
            raise self.fail(key, "give client_secret_env or certificate (exactly one)")
        certificate = None
        if "certificate" in body:
            ckey = f"{key}.certificate"
            cert = self.mapping(
                body["certificate"], ckey, frozenset({"path", "thumbprint", "passphrase_env"}), ("path", "thumbprint")
            )
            path = Path(self.text(cert["path"], f"{ckey}.path")).expanduser()
            if not path.is_absolute():
                path = self.base_dir / path
            if not path.is_file():
                raise self.fail(f"{ckey}.path", f"no file at {path}")
            thumbprint = self.text(cert["thumbprint"], f"{ckey}.thumbprint").replace(":", "")
            if not re.fullmatch(r"[0-9A-Fa-f]{40}", thumbprint):
                raise self.fail(f"{ckey}.thumbprint", "must be the certificate's SHA-1 thumbprint (40 hex digits)")
            passphrase_env = self.optional(
                cert, "passphrase_env", lambda v, _: self.env_name(v, f"{ckey}.passphrase_env")
            )
            certificate = CertificateCredential(path=path, thumbprint=thumbprint.upper(), passphrase_env=passphrase_env)
        return MsalApp(
            name=self.text(body["name"], f"{key}.name"),
            client_id=self.guid(body["client_id"], f"{key}.client_id"),
            roles=self.permissions(body["roles"], f"{key}.roles"),
            client_secret_env=self.env_name(body["client_secret_env"], f"{key}.client_secret_env")
            if "client_secret_env" in body
            else None,
            certificate=certificate,
        )


def _from_env_text(key: str, text: str) -> object:
    """An environment value typed as the file would have it (numbers, ``false``)."""
    if key == "control_url" and text.lower() in ("false", "off", "none", "no"):
        return False
    if key in ("time_scale",):
        try:
            return float(text)
        except ValueError:
            return text
    if key == "concurrency":
        return int(text) if text.isdigit() else text
    return text


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
