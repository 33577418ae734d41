"""Auth providers: where the ``Authorization`` header of each logical app of a case comes from.

- :class:`MintedTokens` signs HS256 tokens itself (the reference server, or any target that shares
  its signing secret). Any permission set can be had, so no case is ever "not verifiable" for auth.
- :class:`StaticTokens` serves tokens prepared outside the suite, read from environment variables.
- :class:`MsalClientCredentials` gets application tokens from Microsoft Entra ID for a pool of app
  registrations (real Microsoft Graph).

**Pools.** Static and MSAL providers hold a fixed *pool* of apps, each with declared permissions. A
case's :class:`~conformance.cases.model.AppSpec` is served by a pool app whose permissions equal the
spec's (as sets); a delegated spec also needs the pool app to be delegated by the very user the case's
logical user is bound to. No match is :class:`~conformance.errors.NotVerifiable`.

**Distinct app ids.** Two logical apps of one case must not share an app id (it is their
``sessionId``: they would overwrite each other's session). Pool providers keep an assignment per case
run, keyed by the run's ``user_ids`` mapping (every concurrent case run has its own users): the first
logical app asking gets the first free matching pool app, in pool order, and keeps it for the run. So
that the assignment does not depend on which app asks first, the engine calls ``reserve(apps,
user_ids)`` with the case's apps in declaration order before the first step (an app the pool cannot
serve is skipped there, and raises NotVerifiable when asked for), and ``release(user_ids)`` after the
last. Both are optional (``release`` only frees memory). Minted tokens need neither: their app ids are
derived from the app's name and permissions, so distinct names give distinct ids, and the methods are
no-ops there.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import jwt

from reference_impl.service.tokens import DEV_TOKEN_SECRET, GRAPH_AUDIENCE, mint_token

from ..cases.model import AppSpec
from ..errors import ConfigError, NotVerifiable

__all__ = [
    "APP_ID_NAMESPACE",
    "GRAPH_DEFAULT_SCOPE",
    "CertificateCredential",
    "MintedTokens",
    "MsalApp",
    "MsalClientCredentials",
    "PoolApp",
    "StaticTokens",
]

APP_ID_NAMESPACE = uuid.UUID("5b0c7a38-51f2-4c0e-9a5e-4f1d0c1c2e11")
"""The uuid5 namespace of minted app ids: fixed, so an app's id is the same in every run."""
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _user_of(app: AppSpec, user_ids: Mapping[str, str]) -> str:
    user = app.delegated_user
    if user is None or user not in user_ids:
        raise ConfigError(f"app {app.name!r} is delegated by logical user {user!r}, who has no user id in this run")
    return user_ids[user]


def _describe(app: AppSpec) -> str:
    listed = ", ".join(sorted(app.permissions))
    return f"scopes [{listed}]" if app.delegated else f"roles [{listed}]"


def _forged_token() -> str:
    """A well-formed, unexpired JWT signed with a throw-away secret: it must fail verification anywhere."""
    now = int(_utc_now().timestamp())
    claims = {
        "aud": GRAPH_AUDIENCE,
        "appid": str(uuid.uuid4()),
        "roles": ["Presence.ReadWrite.All"],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, secrets.token_hex(32), algorithm="HS256")


class MintedTokens:
    """Signs an HS256 token per logical app, as the reference server expects them.

    The app id of a logical app is ``uuid5(APP_ID_NAMESPACE, name + kind + sorted permissions)``:
    stable across runs, distinct for distinct names. An application app gets ``roles``; a delegated
    app gets ``scp`` and ``oid`` = the id of the user it is delegated by.

    Args:
        secret: the target's signing secret (at least 32 bytes).
        now: the target's now; tokens are checked against the *target's* clock, which a control API
            may have moved far from the wall clock.
        lifetime: validity from ``now``.
    """

    def __init__(
        self,
        secret: str = DEV_TOKEN_SECRET,
        *,
        now: Callable[[], datetime] = _utc_now,
        lifetime: timedelta = timedelta(hours=1),
    ) -> None:
        if len(secret.encode("utf-8")) < 32:
            raise ConfigError("the token secret must be at least 32 bytes long")
        self._secret = secret
        self._now = now
        self._lifetime = lifetime
        # Random, so it cannot be the real secret; kept, so invalid tokens look alike within a run.
        self._wrong_secret = "not-" + secrets.token_hex(32)

    def app_id(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        kind = "delegated" if app.delegated else "application"
        key = "\x1f".join((app.name, kind, *sorted(app.permissions)))
        return str(uuid.uuid5(APP_ID_NAMESPACE, key))

    def token(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        """The bare token for ``app`` (without ``Bearer``)."""
        if app.delegated:
            return mint_token(
                secret=self._secret,
                app_id=self.app_id(app, user_ids),
                scopes=app.scopes,
                user_id=_user_of(app, user_ids),
                now=self._now(),
                lifetime=self._lifetime,
            )
        return mint_token(
            secret=self._secret,
            app_id=self.app_id(app, user_ids),
            roles=app.roles,
            now=self._now(),
            lifetime=self._lifetime,
        )

    def authorization(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        return f"Bearer {self.token(app, user_ids)}"

    def invalid_authorization(self) -> str:
        """A token shaped exactly like a good one, signed with another secret."""
        token = mint_token(
            secret=self._wrong_secret,
            app_id=str(uuid.uuid5(APP_ID_NAMESPACE, "invalid")),
            roles=("Presence.ReadWrite.All",),
            now=self._now(),
            lifetime=self._lifetime,
        )
        return f"Bearer {token}"

    def reserve(self, apps: Iterable[AppSpec], user_ids: Mapping[str, str]) -> None:
        """Nothing to reserve: minted app ids are distinct by name."""

    def release(self, user_ids: Mapping[str, str]) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "MintedTokens(secret=***)"


# ---- pools ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolApp:
    """An app of a static-token pool. The token is read from the environment variable ``token_env``.

    ``delegated_user`` is a real user id (GUID) for a delegated token, ``None`` for an application one.
    """

    name: str
    app_id: str
    token_env: str
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    delegated_user: str | None = None

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(self.scopes if self.delegated_user is not None else self.roles)


@dataclass(frozen=True, slots=True)
class CertificateCredential:
    """A certificate credential: a PEM file holding the private key (and certificate), and its SHA-1
    thumbprint as registered in Entra ID. The key's passphrase, if any, is read from ``passphrase_env``."""

    path: Path
    thumbprint: str
    passphrase_env: str | None = None


@dataclass(frozen=True, slots=True)
class MsalApp:
    """An app registration for client-credentials tokens: a client secret (read from the environment
    variable ``client_secret_env``) or a certificate. ``roles`` are the application permissions
    granted to it (with admin consent)."""

    name: str
    client_id: str
    roles: tuple[str, ...]
    client_secret_env: str | None = None
    certificate: CertificateCredential | None = None

    @property
    def app_id(self) -> str:
        return self.client_id

    @property
    def delegated_user(self) -> str | None:
        return None

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(self.roles)


class _Pooled(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def app_id(self) -> str: ...
    @property
    def delegated_user(self) -> str | None: ...
    @property
    def permissions(self) -> frozenset[str]: ...


P = TypeVar("P", bound=_Pooled)


def _run_key(user_ids: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(user_ids.items()))


@dataclass
class _Assignments(Generic[P]):
    """Which pool app serves which logical app, per case run (see the module docstring)."""

    pool: Sequence[P]
    _runs: dict[tuple[tuple[str, str], ...], dict[str, P]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pick(self, app: AppSpec, user_ids: Mapping[str, str]) -> P:
        with self._lock:
            taken = self._runs.setdefault(_run_key(user_ids), {})
            chosen = taken.get(app.name)
            if chosen is None:
                chosen = self._choose(app, user_ids, taken)
                taken[app.name] = chosen
            return chosen

    def release(self, user_ids: Mapping[str, str]) -> None:
        with self._lock:
            self._runs.pop(_run_key(user_ids), None)

    @staticmethod
    def reserve(
        apps: Iterable[AppSpec], user_ids: Mapping[str, str], pick: Callable[[AppSpec, Mapping[str, str]], P]
    ) -> None:
        for app in apps:
            try:
                pick(app, user_ids)
            except NotVerifiable:
                # Not an error yet: an app that never authenticates only needs an id, which the engine
                # can make up; one that does will raise again when its token is asked for.
                continue

    def _choose(self, app: AppSpec, user_ids: Mapping[str, str], taken: Mapping[str, P]) -> P:
        wanted = frozenset(app.permissions)
        user = _user_of(app, user_ids) if app.delegated else None
        matching = [
            p for p in self.pool if p.permissions == wanted and (p.delegated_user or "").lower() == (user or "").lower()
        ]
        if not matching:
            who = f" delegated by user {user} (logical user {app.delegated_user!r})" if user else ""
            raise NotVerifiable(f"no app in the pool has {_describe(app)}{who} (needed by app {app.name!r})")
        for candidate in matching:
            if all(_compatible(candidate, other) for other in taken.values()):
                return candidate
        raise NotVerifiable(
            f"the case needs {sum(1 for p in taken.values() if p in matching) + 1} distinct apps with "
            f"{_describe(app)}; the pool has {len(matching)} (add apps with other ids)"
        )


def _compatible(candidate: _Pooled, other: _Pooled) -> bool:
    """Whether two pool apps may serve two logical apps of one case run."""
    if candidate is other:
        return False
    if candidate.app_id != other.app_id:
        return True
    # One app registration delegated by two users: each can only write its own user's presence, so the
    # shared sessionId never meets itself on one user.
    return candidate.delegated_user is not None and other.delegated_user not in (None, candidate.delegated_user)


class StaticTokens:
    """Tokens prepared outside the suite, one per pool app, read from environment variables.

    Tokens are read once, when the provider is made; a run longer than their lifetime (about an hour
    for Entra ID) fails with 401 answers.

    Args:
        apps: the pool, in preference order.
        environ: where the token variables are read.

    Raises:
        ConfigError: a token variable is unset or empty (the message names the variable, never a value).
    """

    def __init__(self, apps: Sequence[PoolApp], *, environ: Mapping[str, str] = os.environ) -> None:
        self._tokens: dict[str, str] = {}
        for app in apps:
            value = environ.get(app.token_env, "").strip()
            if not value:
                raise ConfigError(f"the token of pool app {app.name!r} is read from ${app.token_env}, which is not set")
            self._tokens[app.name] = value.removeprefix("Bearer ").strip()
        self._pool = _Assignments(list(apps))

    @property
    def apps(self) -> tuple[PoolApp, ...]:
        return tuple(self._pool.pool)

    def app_id(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        return self._pool.pick(app, user_ids).app_id

    def authorization(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        return f"Bearer {self._tokens[self._pool.pick(app, user_ids).name]}"

    def invalid_authorization(self) -> str:
        return f"Bearer {_forged_token()}"

    def reserve(self, apps: Iterable[AppSpec], user_ids: Mapping[str, str]) -> None:
        """Assign pool apps to a case's apps now, in this order; apps the pool cannot serve are skipped."""
        self._pool.reserve(apps, user_ids, self._pool.pick)

    def release(self, user_ids: Mapping[str, str]) -> None:
        self._pool.release(user_ids)

    def __repr__(self) -> str:
        return f"StaticTokens({len(self._tokens)} apps)"


class MsalClientCredentials:
    """Application tokens from Microsoft Entra ID (client-credentials flow) for a pool of app registrations.

    One ``msal.ConfidentialClientApplication`` is made per pool app on first use and kept: MSAL caches
    the token in memory and renews it shortly before it expires. Delegated app specs cannot be served
    (client credentials act for no user) and are :class:`~conformance.errors.NotVerifiable`.

    Args:
        tenant_id: the directory (tenant) id or domain.
        apps: the pool, in preference order.
        environ: where client secrets and key passphrases are read.
        authority_host: the Entra ID endpoint (another cloud's, for a national cloud).
        scopes: the scopes asked for; Graph's ``.default``.
        client_factory: makes the confidential client (tests); ``msal.ConfidentialClientApplication``
            when omitted.

    Raises:
        ConfigError: msal is not installed, a secret variable is unset, a certificate file is unreadable.
    """

    def __init__(
        self,
        tenant_id: str,
        apps: Sequence[MsalApp],
        *,
        environ: Mapping[str, str] = os.environ,
        authority_host: str = "https://login.microsoftonline.com",
        scopes: Sequence[str] = (GRAPH_DEFAULT_SCOPE,),
        client_factory: Callable[..., Any] | None = None,
    ) -> None:
        if client_factory is None:
            client_factory = _msal_factory()
        self._factory = client_factory
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._scopes = list(scopes)
        self._credentials: dict[str, object] = {app.name: _credential(app, environ) for app in apps}
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pool = _Assignments(list(apps))

    @property
    def apps(self) -> tuple[MsalApp, ...]:
        return tuple(self._pool.pool)

    def app_id(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        return self._pick(app, user_ids).client_id

    def authorization(self, app: AppSpec, user_ids: Mapping[str, str]) -> str:
        chosen = self._pick(app, user_ids)
        result = self._client(chosen).acquire_token_for_client(scopes=self._scopes)
        token = result.get("access_token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            error = result.get("error", "no token") if isinstance(result, dict) else "no answer"
            detail = str(result.get("error_description", "")).splitlines()[0] if isinstance(result, dict) else ""
            raise ConfigError(
                f"Entra ID gave no token for pool app {chosen.name!r} (client {chosen.client_id}): {error}"
                + (f": {detail}" if detail else "")
            )
        return f"Bearer {token}"

    def invalid_authorization(self) -> str:
        return f"Bearer {_forged_token()}"

    def reserve(self, apps: Iterable[AppSpec], user_ids: Mapping[str, str]) -> None:
        """Assign pool apps to a case's apps now, in this order; apps the pool cannot serve are skipped."""
        self._pool.reserve(apps, user_ids, self._pick)

    def release(self, user_ids: Mapping[str, str]) -> None:
        self._pool.release(user_ids)

    def _pick(self, app: AppSpec, user_ids: Mapping[str, str]) -> MsalApp:
        if app.delegated:
            raise NotVerifiable(
                f"app {app.name!r} needs delegated {_describe(app)}; client credentials cannot act for a user"
            )
        return self._pool.pick(app, user_ids)

    def _client(self, app: MsalApp) -> Any:
        with self._lock:
            client = self._clients.get(app.name)
            if client is None:
                try:
                    client = self._factory(
                        app.client_id, client_credential=self._credentials[app.name], authority=self._authority
                    )
                except ValueError as exc:
                    # MSAL checks the authority when the client is made: a wrong tenant shows here.
                    raise ConfigError(f"MSAL refused pool app {app.name!r} ({self._authority}): {exc}") from None
                self._clients[app.name] = client
            return client

    def __repr__(self) -> str:
        return f"MsalClientCredentials({self._authority!r}, {len(self._credentials)} apps)"


def _msal_factory() -> Callable[..., Any]:
    try:
        # Imported here: msal is an optional dependency (the 'graph' extra), needed only for real Graph.
        import msal
    except ImportError:
        raise ConfigError(
            "auth kind 'msal' needs the msal package: pip install 'presence-conformance[graph]'"
        ) from None
    factory: Callable[..., Any] = msal.ConfidentialClientApplication
    return factory


def _credential(app: MsalApp, environ: Mapping[str, str]) -> object:
    if app.client_secret_env is not None:
        value = environ.get(app.client_secret_env, "")
        if not value:
            raise ConfigError(
                f"the client secret of pool app {app.name!r} is read from ${app.client_secret_env}, which is not set"
            )
        return value
    certificate = app.certificate
    if certificate is None:
        raise ConfigError(f"pool app {app.name!r} needs client_secret_env or certificate")
    try:
        pem = certificate.path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the certificate of pool app {app.name!r} at {certificate.path}: {exc}"
        ) from None
    credential: dict[str, str] = {"private_key": pem, "thumbprint": certificate.thumbprint}
    if certificate.passphrase_env is not None:
        passphrase = environ.get(certificate.passphrase_env, "")
        if not passphrase:
            raise ConfigError(
                f"the key passphrase of pool app {app.name!r} is read from ${certificate.passphrase_env}, "
                "which is not set"
            )
        credential["passphrase"] = passphrase
    return credential
