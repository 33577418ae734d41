"""The last line of defence against secrets in reports: one function that scrubs any text.

The engine already records ``Authorization: Bearer <redacted>``, and target descriptions are built
without credentials; every writer of :mod:`conformance.report` still passes every string it takes from a
results file through :func:`redact` before writing it, so a secret that slipped through (a token echoed
in a response body, a secret in a target description, a hand-edited results file) never reaches an HTML,
Markdown, JUnit, Allure or YAML output.

What is replaced (by ``<redacted>``):

- values of credential-bearing headers and fields, in header, JSON, Python-repr and query-string form:
  ``Authorization``, ``Proxy-Authorization``, ``Cookie``/``Set-Cookie``, API keys, ``client_secret``,
  ``client_assertion``, ``access_token``/``refresh_token``/``id_token``, ``token``, ``secret``,
  ``credential``, passwords, ``sig``;
- the credential after an HTTP authentication scheme (``Bearer …``, ``Basic …``, …);
- JSON Web Tokens (``eyJ…`` base64url segments), whole or cut short;
- PEM blocks (private keys, certificates), whole or cut short;
- the password of a URL's user info (``https://user:<redacted>@host``);
- literal secrets: the ones passed in ``secrets`` and the values (8 characters or more) of environment
  variables whose names say they hold one (``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*API_KEY*``,
  ``*CLIENT_ASSERTION*``, ``*PRIVATE_KEY*``, ``*CERTIFICATE*``), such as ``PRESENCE_TOKEN_SECRET`` or a CI
  runner's ``GITHUB_TOKEN``.

Redaction may over-redact prose ("Bearer credentials" becomes "Bearer <redacted>"); it never under-redacts
the forms above. It is idempotent: redacting redacted text changes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

__all__ = ["REDACTED", "environment_secrets", "redact", "redact_json", "secret_scope"]

REDACTED = "<redacted>"

_MIN_LITERAL = 8
_SECRET_ENV_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CLIENT_?ASSERTION|PRIVATE_?KEY|CERTIFICATE|CREDENTIAL", re.IGNORECASE
)

_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]{1,40})-----(?:[\s\S]*?-----END [A-Z0-9 ]{1,40}-----|[\s\S]*\Z)",
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}")
_SCHEMES = r"Bearer|Basic|Digest|Negotiate|NTLM|Token|MAC|PoP|HOBA|Mutual|SCRAM-SHA-\d+|AWS4-HMAC-SHA256"
_SCHEME_CREDENTIAL = re.compile(
    rf"\b(?P<scheme>{_SCHEMES})(?P<space>[ \t]+)(?P<cred>[A-Za-z0-9\-._~+/=:,]{{8,}})", re.I
)
_KEYS = (
    r"proxy-authorization|authorization|set-cookie|cookie|x-api-key|api[-_]?key|apikey|subscription[-_]?key"
    r"|ocp-apim-subscription-key|client[-_]?secret|client[-_]?assertion|access[-_]?token|refresh[-_]?token"
    r"|id[-_]?token|token[-_]?secret|auth[-_]?token|session[-_]?token|password|passwd|private[-_]?key|sig"
    r"|token|secret|credentials?"
)
# key, optional closing quote of the key, separator, then a quoted or a bare value.
_KEY_VALUE = re.compile(
    rf"(?P<key>(?<![A-Za-z0-9_-])(?:{_KEYS}))(?P<kq>[\"']?)(?P<sep>[ \t]*[:=][ \t]*)"
    r"(?:(?P<q>[\"'])(?P<quoted>(?:\\.|(?!(?P=q))[^\\\n]){0,4096})(?P=q)"
    rf"|(?P<bare>(?:(?:{_SCHEMES})[ \t]+)?(?:{REDACTED}|[^\s\"'&,;}}<>]{{1,4096}})))",
    re.I,
)
_SCHEME_WORDS = (
    "bearer",
    "basic",
    "digest",
    "negotiate",
    "ntlm",
    "token",
    "mac",
    "pop",
    "hoba",
    "mutual",
    "scram",
    "aws4",
)
_KEY_WORDS = ("auth", "cookie", "key", "secret", "assertion", "token", "passw", "sig", "credential")
_URL_USERINFO = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.-]{0,20}://)(?P<user>[^/\s:@<>\"']{0,256}):(?P<pw>[^/\s@<>\"']{1,1024})@", re.I
)


def environment_secrets(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The values of environment variables whose names say they hold a secret (8 characters or more)."""
    env = os.environ if environ is None else environ
    return frozenset(
        value.strip()
        for name, value in env.items()
        if _SECRET_ENV_NAME.search(name) and len(value.strip()) >= _MIN_LITERAL
    )


_SCOPE: ContextVar[frozenset[str] | None] = ContextVar("presence_report_secrets", default=None)


@contextmanager
def secret_scope(secrets: Iterable[str] = ()) -> Iterator[frozenset[str]]:
    """Within the block, :func:`redact` uses ``secrets`` plus the environment's, read once at entry.

    Writers wrap a whole document in one scope: the environment is then scanned once, not per string,
    and literal secrets known to the caller (a target configuration's client secret) reach every string
    without being passed around. Scopes nest: an inner scope adds to the outer one.
    """
    outer = _SCOPE.get()
    known = frozenset(secrets) | (outer if outer is not None else environment_secrets())
    token = _SCOPE.set(known)
    try:
        yield known
    finally:
        _SCOPE.reset(token)


@lru_cache(maxsize=32)
def _literal_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    usable = sorted((s for s in secrets if len(s) >= _MIN_LITERAL), key=len, reverse=True)
    if not usable:
        return None
    return re.compile("|".join(re.escape(s) for s in usable))


def _key_value(match: re.Match[str]) -> str:
    quote = match.group("q")
    value = match.group("quoted") if quote is not None else match.group("bare")
    head = f"{match.group('key')}{match.group('kq')}{match.group('sep')}"
    if value is None or REDACTED in value or not value.strip():
        return match.group(0)
    scheme = re.match(rf"(?:{_SCHEMES})[ \t]+", value, re.I)
    kept = scheme.group(0) if scheme else ""
    if quote is not None:
        return f"{head}{quote}{kept}{REDACTED}{quote}"
    return f"{head}{kept}{REDACTED}"


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential replaced by ``<redacted>`` (see the module docstring for what counts).

    ``secrets`` are literal values to remove wherever they appear, in addition to the environment's (read
    now, or once at the entry of the enclosing :func:`secret_scope`, whose secrets count too); values
    shorter than 8 characters are ignored (too likely to match innocent text).
    """
    if not text:
        return text
    scoped = _SCOPE.get()
    literals = _literal_pattern(frozenset(secrets) | (scoped if scoped is not None else environment_secrets()))
    if literals is not None:
        text = literals.sub(REDACTED, text)
    if "-----BEGIN" in text:
        text = _PEM.sub(lambda m: f"-----BEGIN {m.group(1)}-----{REDACTED}-----END {m.group(1)}-----", text)
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    lowered = text.lower()
    if any(word in lowered for word in _SCHEME_WORDS):
        text = _SCHEME_CREDENTIAL.sub(lambda m: f"{m.group('scheme')}{m.group('space')}{REDACTED}", text)
    if any(word in lowered for word in _KEY_WORDS):
        text = _KEY_VALUE.sub(_key_value, text)
    if "@" in text:
        text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{REDACTED}@", text)
    return text


def redact_json(value: Any, *, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON value with :func:`redact` applied to every string (keys included).

    Values under a credential-bearing key (``Authorization``, ``client_secret``, …) are replaced whole.
    """
    known = frozenset(secrets)
    if isinstance(value, str):
        return redact(value, secrets=known)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = redact(str(key), secrets=known)
            if isinstance(item, str) and _is_credential_key(name) and item and REDACTED not in item:
                scheme = re.match(rf"(?:{_SCHEMES})[ \t]+", item, re.I)
                out[name] = (scheme.group(0) if scheme else "") + REDACTED
            else:
                out[name] = redact_json(item, secrets=known)
        return out
    if isinstance(value, list | tuple):
        return [redact_json(item, secrets=known) for item in value]
    return value


_CREDENTIAL_KEY = re.compile(rf"(?:{_KEYS})", re.I)


def _is_credential_key(name: str) -> bool:
    return _CREDENTIAL_KEY.fullmatch(name.strip()) is not None
