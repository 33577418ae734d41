"""Bearer tokens the reference service accepts (``AUTH-TOKEN``): HS256 JWTs shaped like Entra ID's.

An **application** token carries ``roles`` (a list of application permissions); a **delegated** token
carries ``scp`` (space-separated scopes) and ``oid`` (the signed-in user). Both carry ``appid`` (the
application id, which is also the ``sessionId`` the app must send), ``aud`` =
``https://graph.microsoft.com``, ``tid``, ``iat``, ``nbf`` and ``exp``::

    {"aud": "https://graph.microsoft.com", "tid": "...", "appid": "<app id>",
     "roles": ["Presence.ReadWrite.All"], "iat": 1714564800, "nbf": 1714564800, "exp": 1714568400}

Tokens are checked against the **service clock**, not the host's: a server whose clock was advanced by
four hours refuses a one-hour token minted from the wall clock. Mint with the server's ``now``
(``GET /_conformance/clock``) or with a lifetime that covers the clock moves of a run.

:data:`DEV_TOKEN_SECRET` is the documented development secret. It protects nothing: anyone can read it
here. The server takes another with ``--token-secret`` or ``PRESENCE_TOKEN_SECRET``.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import jwt

from ..model import Caller, DurationError, ErrorCode, Refusal, parse_duration

__all__ = [
    "ALGORITHM",
    "DEV_TENANT_ID",
    "DEV_TOKEN_SECRET",
    "GRAPH_AUDIENCE",
    "LEEWAY",
    "SECRET_ENV",
    "add_token_arguments",
    "check_secret",
    "main_token",
    "mint_token",
    "run_token",
    "verify_authorization",
]

DEV_TOKEN_SECRET = "presence-conformance-development-secret-not-for-production"
"""The development signing secret: public, for local runs and CI only."""
DEV_TENANT_ID = "00000000-0000-4000-8000-000000000000"
SECRET_ENV = "PRESENCE_TOKEN_SECRET"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
ALGORITHM = "HS256"
LEEWAY = timedelta(minutes=5)
"""Tolerated clock skew for ``exp`` and ``nbf``, as Entra ID tolerates it."""

# Graph accepts its app id as the audience too.
_AUDIENCES = (GRAPH_AUDIENCE, "00000003-0000-0000-c000-000000000000")
# PyJWT warns below 32 bytes for HS256 (RFC 7518 §3.2 asks for a key as long as the hash).
_MIN_SECRET_BYTES = 32
# Far above any real token, low enough that a hostile header costs nothing to refuse.
_MAX_TOKEN_CHARS = 16 * 1024


def check_secret(secret: str) -> str:
    """Return ``secret`` if it is long enough to sign HS256 tokens.

    Raises:
        ValueError: shorter than 32 bytes in UTF-8.
    """
    if len(secret.encode("utf-8")) < _MIN_SECRET_BYTES:
        raise ValueError(f"the token secret must be at least {_MIN_SECRET_BYTES} bytes long")
    return secret


def mint_token(
    *,
    secret: str,
    app_id: str,
    roles: Iterable[str] = (),
    scopes: Iterable[str] = (),
    user_id: str | None = None,
    now: datetime,
    lifetime: timedelta = timedelta(hours=1),
    tenant_id: str = DEV_TENANT_ID,
) -> str:
    """A signed token for ``app_id``: an application token, or a delegated one when ``user_id`` is given.

    Args:
        roles: application permissions (application tokens only).
        scopes: delegated permissions (delegated tokens only).
        user_id: the signed-in user's object id, for a delegated token.
        now: the instant the token is issued at (timezone-aware); use the target's clock.
        lifetime: how long it is valid from ``now``.

    Raises:
        ValueError: roles on a delegated token, scopes on an application token, an empty ``app_id``, a
            naive ``now``, a non-positive lifetime, or a secret shorter than 32 bytes.
    """
    check_secret(secret)
    roles, scopes = list(roles), list(scopes)
    if not app_id:
        raise ValueError("app_id must not be empty")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be positive")
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "aud": GRAPH_AUDIENCE,
        "tid": tenant_id,
        "appid": app_id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(lifetime.total_seconds()),
    }
    if user_id is None:
        if scopes:
            raise ValueError("scopes belong to delegated tokens: give user_id, or use roles")
        claims["roles"] = roles
    else:
        if roles:
            raise ValueError("roles belong to application tokens: drop user_id, or use scopes")
        claims["scp"] = " ".join(scopes)
        claims["oid"] = user_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _unauthenticated(message: str) -> Refusal:
    return Refusal(401, ErrorCode.UNAUTHENTICATED, message)


def _bearer(header_value: str | None) -> str:
    if header_value is None or not header_value.strip():
        raise _unauthenticated("Access token is empty.")
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise _unauthenticated("The Authorization header must use the Bearer scheme.")
    token = token.strip()
    if not token:
        raise _unauthenticated("Access token is empty.")
    if len(token) > _MAX_TOKEN_CHARS:
        raise _unauthenticated("Access token validation failure: the token is too long.")
    return token


@functools.lru_cache(maxsize=4096)
def _decode(token: str, secret: str) -> Mapping[str, Any]:
    """The verified claims of ``token`` (signature, algorithm, audience; not time, which is checked per
    request against the service clock).

    Cached: verifying an HS256 signature costs more than the rest of a request, and clients send the same
    token many times. Only successes are cached (a refusal raises), and the claims are read-only.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _unauthenticated("Access token validation failure: the token is not a JWT.") from None
    if header.get("alg") != ALGORITHM:
        # Checked before decoding so that "none" and asymmetric algorithms are named in the answer;
        # decode() below refuses them again by its algorithms list.
        raise _unauthenticated(f"Access token validation failure: the token must be signed with {ALGORITHM}.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=_AUDIENCES,
            # Time is checked below against the service clock, which may be frozen or advanced.
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp"]},
        )
    except jwt.InvalidSignatureError:
        raise _unauthenticated("Access token validation failure: invalid signature.") from None
    except jwt.InvalidAudienceError:
        raise _unauthenticated("Access token validation failure. Invalid audience.") from None
    except jwt.MissingRequiredClaimError as exc:
        raise _unauthenticated(f"Access token validation failure: the {exc.claim!r} claim is missing.") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise _unauthenticated("Access token validation failure.") from None
    if not isinstance(claims, dict):  # pragma: no cover - PyJWT only returns objects
        raise _unauthenticated("Access token validation failure.")
    return MappingProxyType(claims)


def _timestamp(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _unauthenticated(f"Access token validation failure: the {name!r} claim must be a number.")
    return float(value)


def _check_lifetime(claims: Mapping[str, Any], now: datetime) -> None:
    instant = now.timestamp()
    leeway = LEEWAY.total_seconds()
    expires = _timestamp(claims, "exp")
    if expires is not None and instant >= expires + leeway:
        raise _unauthenticated("Lifetime validation failed, the token is expired.")
    not_before = _timestamp(claims, "nbf")
    if not_before is not None and instant < not_before - leeway:
        raise _unauthenticated("Lifetime validation failed, the token is not yet valid.")


def _caller(claims: Mapping[str, Any]) -> Caller:
    app_id = claims.get("appid")
    if not isinstance(app_id, str) or not app_id:
        raise _unauthenticated("Access token validation failure: the 'appid' claim is missing.")
    if "scp" in claims:
        scopes, user_id = claims["scp"], claims.get("oid")
        if not isinstance(scopes, str):
            raise _unauthenticated("Access token validation failure: the 'scp' claim must be a string.")
        if not isinstance(user_id, str) or not user_id:
            raise _unauthenticated("Access token validation failure: a delegated token needs an 'oid' claim.")
        # User ids are kept in lower case (check_user_id), so the signed-in user is too.
        return Caller(app_id, frozenset(scopes.split()), user_id.lower())
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise _unauthenticated("Access token validation failure: the 'roles' claim must be a list of strings.")
    return Caller(app_id, frozenset(roles))


def verify_authorization(header_value: str | None, secret: str, now: datetime) -> Caller:
    """The caller an ``Authorization`` header value stands for, checked at the service's ``now``.

    A token whose claims hold ``scp`` is delegated (it needs ``oid``); any other is an application token
    whose permissions are its ``roles``.

    Raises:
        Refusal: 401 ``InvalidAuthenticationToken`` when the header is missing or not ``Bearer``, the token
            is malformed, not HS256 (``none`` included), wrongly signed, for another audience, expired
            or not yet valid (5 minutes' leeway either way), or lacks ``appid``.
        ValueError: ``secret`` is shorter than 32 bytes (a configuration error, not the caller's).
    """
    check_secret(secret)
    claims = _decode(_bearer(header_value), secret)
    _check_lifetime(claims, now)
    return _caller(claims)


# ---- the `token` command --------------------------------------------------------------------------


def _lifetime(text: str) -> timedelta:
    try:
        value = parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= timedelta(0):
        raise argparse.ArgumentTypeError("the lifetime must be longer than zero")
    return value


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an RFC 3339 instant") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a zone (such as Z)")
    return value.astimezone(UTC)


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``token`` command's options to ``parser``."""
    parser.add_argument("--app-id", required=True, help="the application id (appid claim; also the sessionId)")
    parser.add_argument(
        "--role", action="append", default=[], help="an application permission, e.g. Presence.ReadWrite.All (repeat)"
    )
    parser.add_argument("--scope", action="append", default=[], help="a delegated permission (repeat; needs --user)")
    parser.add_argument("--user", help="the signed-in user's object id: makes a delegated token (oid claim)")
    parser.add_argument(
        "--secret", help=f"signing secret (default: ${SECRET_ENV}, else the documented development secret)"
    )
    parser.add_argument("--lifetime", type=_lifetime, default=timedelta(hours=1), help="ISO 8601 (default PT1H)")
    parser.add_argument(
        "--now", type=_instant, help="issue the token at this RFC 3339 instant (default: now); use the server's clock"
    )


def run_token(args: argparse.Namespace) -> int:
    """Print a token for the parsed ``token`` options; 2 (with a message on stderr) when they conflict."""
    secret = args.secret or os.environ.get(SECRET_ENV) or DEV_TOKEN_SECRET
    try:
        token = mint_token(
            secret=secret,
            app_id=args.app_id,
            roles=args.role,
            scopes=args.scope,
            user_id=args.user,
            now=args.now or datetime.now(UTC),
            lifetime=args.lifetime,
        )
    except ValueError as exc:
        print(f"presence-conformance token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def main_token(argv: Sequence[str] | None = None) -> int:
    """``presence-conformance token``: print a bearer token the reference server accepts.

    Example::

        presence-conformance token --app-id 22553876-f5ab-4529-bffb-cfe50aa89f87 --role Presence.ReadWrite.All
    """
    parser = argparse.ArgumentParser(
        prog="presence-conformance token", description="Print an HS256 token the reference server accepts."
    )
    add_token_arguments(parser)
    return run_token(parser.parse_args(argv))
