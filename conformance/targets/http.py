"""A target reached over real HTTP, through one pooled :class:`requests.Session`.

:class:`HttpTarget` is safe to share between threads: the session's connection pool is sized for the
engine's concurrency, it never stores cookies (so no request depends on another's), and every call is
independent. It never follows redirects and never reads more than ``max_body_bytes`` of an answer.

Transport failures become :class:`~conformance.errors.TargetError` with a one-line reason that names
the method and path, such as::

    cannot connect to http://127.0.0.1:8400: connection refused (GET /v1.0/users/…/presence)

Messages never hold header values or the base URL's query (which may carry a key, as Azure Functions
URLs do), so they are safe to print and to put in reports.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import SplitResult, urlsplit, urlunsplit

import requests
import requests.utils
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from ..errors import ConfigError, TargetError
from .base import HttpRequest, HttpResponse

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TIMEOUT",
    "HttpTarget",
    "check_url",
    "origin_of",
    "redact_url",
]

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
"""(connect, read) seconds. The read timeout is per socket read, as requests applies it."""

DEFAULT_MAX_BODY_BYTES = 1 << 20
_CHUNK = 64 * 1024
_USER_AGENT = "presence-conformance"


class HttpTarget:
    """The implementation under test at ``base_url``, reached with one pooled session.

    Request paths from the engine (``/v1.0/users/{id}/presence``) are appended to ``base_url``. A base
    URL that already ends in ``/v1.0`` is accepted and the version segment is not repeated, so both
    ``https://graph.microsoft.com`` and ``https://graph.microsoft.com/v1.0`` work. A query string in
    ``base_url`` (an API gateway key, say) is sent with every request and redacted everywhere else.

    Environment proxies (``HTTPS_PROXY``, ``NO_PROXY``) and CA bundles (``REQUESTS_CA_BUNDLE``) are
    honoured; ``.netrc`` is not, because it could add an ``Authorization`` header to requests that a
    case sends without one on purpose.

    Args:
        base_url: ``http(s)://host[:port][/prefix][?query]``; credentials in the URL are refused.
        timeout: (connect, read) seconds.
        max_body_bytes: the most of an answer's body that is read; a longer body is a TargetError.
        pool_size: connections kept per host; at least the engine's concurrency.
        session: use this session instead of making one (the caller keeps ownership and closes it).

    Raises:
        ConfigError: ``base_url`` is not an absolute http(s) URL, or carries credentials.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        pool_size: int = 32,
        session: requests.Session | None = None,
    ) -> None:
        parts = check_url(base_url, what="target URL")
        path = parts.path.rstrip("/")
        self._version_in_base = path.endswith("/v1.0")
        self._prefix = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        self._query = parts.query
        self._description = redact_url(base_url)
        self._timeout = timeout
        self._max_body_bytes = max_body_bytes
        self._owns_session = session is None
        self._session = session if session is not None else _new_session(self._prefix, pool_size)

    @property
    def description(self) -> str:
        """The base URL without credentials or query values."""
        return self._description

    @property
    def base_url(self) -> str:
        """The base URL without its query (it may hold a secret)."""
        return self._prefix

    @property
    def session(self) -> requests.Session:
        """The pooled session, for helpers (the clock control API) that talk to the same host."""
        return self._session

    def url_for(self, path: str) -> str:
        """The absolute URL of an engine path, with the base URL's query (not safe to print)."""
        if self._version_in_base and (path == "/v1.0" or path.startswith("/v1.0/")):
            path = path[len("/v1.0") :]
        url = self._prefix + path
        if self._query:
            url += ("&" if "?" in path else "?") + self._query
        return url

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` below the base URL; see :meth:`fetch`."""
        url = self.url_for(request.path)
        return self.fetch(request.method, url, headers=request.headers, body=request.body, deadline=request.timeout)

    def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        deadline: float | None = None,
    ) -> HttpResponse:
        """Send one request to an absolute ``url`` and return the answer, whatever its status.

        Redirects are not followed (a 3xx is returned as is). ``elapsed`` runs from sending to the end
        of the body. ``deadline`` (seconds) bounds the whole exchange, the reading of the body included.

        Raises:
            TargetError: no HTTP answer (refused, unresolved, timed out, not HTTP) or a body larger than
                ``max_body_bytes``.
        """
        where = f"{method} {_path_of(url)}"
        started = time.monotonic()
        timeout = self._timeout if deadline is None else (self._timeout[0], min(self._timeout[1], deadline))
        try:
            response = self._session.request(
                method,
                url,
                headers=dict(headers or {}),
                data=body,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            raise TargetError(f"{_describe_failure(exc, timeout, url)} ({where})") from None
        try:
            content = self._read_capped(response, where, None if deadline is None else (started, deadline))
        except requests.RequestException as exc:
            raise TargetError(f"{_describe_failure(exc, timeout, url)} ({where})") from None
        finally:
            # Closing a streamed response that was read to the end returns its connection to the pool;
            # one abandoned half-way (too large) is dropped instead of being reused mid-body.
            response.close()
        elapsed = time.monotonic() - started
        return HttpResponse(
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            body=content,
            elapsed=elapsed,
        )

    def _read_capped(self, response: requests.Response, where: str, deadline: tuple[float, float] | None) -> bytes:
        limit = self._max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TargetError(f"answer larger than {_size(limit)} ({where}: Content-Length {declared})")
        buffer = bytearray()
        for chunk in _chunks(response):
            buffer += chunk
            if len(buffer) > limit:
                raise TargetError(f"answer larger than {_size(limit)} ({where})")
            if deadline is not None and time.monotonic() > deadline[0] + deadline[1]:
                raise TargetError(f"the answer took more than the step timeout {deadline[1]:g} s ({where})")
        return bytes(buffer)

    def close(self) -> None:
        """Close the pooled connections (when this target made its session)."""
        if self._owns_session:
            self._session.close()

    def __repr__(self) -> str:
        return f"HttpTarget({self._description!r})"


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: whatever bytes are there at each read (so a deadline is checked between
    reads even when a target drips its answer a byte at a time), or fixed-size chunks with an older urllib3."""
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # pragma: no cover - urllib3 < 2
        yield from response.iter_content(chunk_size=_CHUNK)
        return
    while chunk := read1(_CHUNK, decode_content=True):
        yield chunk


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, without credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def redact_url(url: str) -> str:
    """``url`` safe to print: credentials dropped, query values replaced by ``***``."""
    parts = urlsplit(url)
    try:
        netloc = origin_of(url).split("://", 1)[1] if parts.netloc else ""
    except ValueError:  # an invalid port: keep the text after any credentials
        netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def check_url(url: str, *, what: str) -> SplitResult:
    """Split ``url``, refusing anything but an absolute http(s) URL without credentials or fragment.

    Raises:
        ConfigError: naming ``what`` and the URL (redacted).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError as exc:
        raise ConfigError(f"{what} {redact_url(url)!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} {redact_url(url)!r} must be an absolute http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{what} {redact_url(url)!r} carries credentials; remove them and configure auth instead")
    if parts.fragment:
        raise ConfigError(f"{what} {redact_url(url)!r} must not have a #fragment")
    return parts


def _new_session(prefix: str, pool_size: int) -> requests.Session:
    session = requests.Session()
    # trust_env would also read .netrc and add credentials to requests meant to go without any; take
    # only what the environment says about proxies and CA bundles.
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(prefix))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    # Cookies would make one request's outcome depend on another's (and on thread timing).
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.headers["User-Agent"] = _USER_AGENT
    # No retries: a retried POST could apply an operation twice, which a conformance run must not hide.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _path_of(url: str) -> str:
    # The path only: the query may carry a key.
    return urlsplit(url).path or "/"


def _size(limit: int) -> str:
    if limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    if limit % (1 << 10) == 0:
        return f"{limit >> 10} KiB"
    return f"{limit} bytes"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: requests and urllib3 nest the socket error several levels deep."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                stack.append(linked)


def _describe_failure(exc: requests.RequestException, timeout: tuple[float, float], url: str) -> str:
    """A one-line reason for a transport failure, with no header value or query in it."""
    origin = origin_of(url)
    causes = list(_causes(exc))

    def has(*kinds: type[BaseException]) -> bool:
        return any(isinstance(c, kinds) for c in causes)

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"cannot connect to {origin}: no connection within {timeout[0]:g} s"
    if has(ConnectionRefusedError):
        return f"cannot connect to {origin}: connection refused"
    if has(socket.gaierror, urllib3.exceptions.NameResolutionError):
        return f"cannot connect to {origin}: host name not found"
    if has(ssl.SSLError):
        return f"cannot connect to {origin}: TLS handshake failed"
    # urllib3's NewConnectionError is a kind of ConnectTimeoutError, so timeouts are told apart only now.
    if isinstance(exc, requests.exceptions.ReadTimeout) or has(TimeoutError, urllib3.exceptions.ReadTimeoutError):
        return f"{origin} did not answer within {timeout[1]:g} s"
    if has(http.client.BadStatusLine, http.client.LineTooLong) and not has(http.client.RemoteDisconnected):
        return f"{origin} answered something that is not HTTP"
    if has(http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return f"{origin} closed the connection without a complete answer"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"{origin} sent a broken body (truncated or bad chunked encoding)"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return f"{origin} sent a body that does not decode as its Content-Encoding says"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
        return f"the request to {origin} is not valid HTTP ({type(exc).__name__})"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot connect to {origin}: {_innermost(causes)}"
    return f"request to {origin} failed: {type(exc).__name__}"


def _innermost(causes: list[BaseException]) -> str:
    # The type names are informative and, unlike messages, never echo the URL with its query.
    for cause in reversed(causes):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
    return type(causes[-1]).__name__
