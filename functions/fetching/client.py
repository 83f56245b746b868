"""fetch_page: one polite GET, capped in time and size, following redirects by hand.

Each hop (the URL itself, every redirect target, robots.txt) goes through ``check_url`` and
connects only to the addresses it vetted. Non-2xx answers are returned for the caller to
classify; only failures to get an answer at all raise.
"""

from __future__ import annotations

import http.client
import math
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from urllib.parse import urldefrag, urljoin

from fetching.address import AllowedHosts, Resolver, SafeTarget, check_url
from fetching.deadline import Clock, Deadline
from fetching.decoding import decode_text, decompress_body
from fetching.errors import (
    ContentEncodingError,
    DisallowedByRobots,
    FetchConnectionError,
    FetchProtocolError,
    FetchTimeout,
    FetchTLSError,
    TooManyRedirects,
    UnsafeURLError,
)
from fetching.headers import Headers
from fetching.response import FetchResult
from fetching.robots import PRODUCT_TOKEN, ROBOTS_MAX_REDIRECTS, RobotsPolicy
from fetching.transport import PinnedHTTPConnection, PinnedHTTPSConnection

PRODUCT_VERSION = "0.1.0"
DEFAULT_PRODUCT = f"{PRODUCT_TOKEN}/{PRODUCT_VERSION}"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class _Settings:
    """What stays the same for every hop of one fetch_page call."""

    allowed: AllowedHosts
    resolver: Resolver | None
    request_headers: Mapping[str, str]
    max_redirects: int


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Headers
    raw: bytes
    raw_truncated: bool

    @property
    def redirect_location(self) -> str | None:
        return self.headers.get("Location") if self.status in REDIRECT_STATUSES else None


def fetch_page(
    url: str,
    *,
    allowed_hosts: Iterable[str] = (),
    timeout: float = 10.0,
    max_bytes: int = 2_000_000,
    user_agent: str | None = None,
    contact_url: str | None = None,
    robots: RobotsPolicy | None = None,
    max_redirects: int = 5,
    resolver: Callable[[str], list[str]] | None = None,
    clock: Clock = time.monotonic,
) -> FetchResult:
    """GET ``url`` safely and return its response, decoded to text.

    ``timeout`` bounds the whole call: robots.txt, every redirect hop, connects, TLS, each
    read and the decompression of the body (host-name resolution excepted: getaddrinfo cannot
    be interrupted), measured on ``clock`` (monotonic seconds). Raises UnsafeURLError,
    DisallowedByRobots, TooManyRedirects, or a FetchNetworkError subclass (FetchDNSError,
    FetchConnectionError, FetchTLSError, FetchTimeout, FetchProtocolError).
    """
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError("timeout must be a positive number of seconds")
    if max_bytes < 1 or max_redirects < 0:
        raise ValueError("max_bytes must be positive and max_redirects not negative")
    settings = _Settings(
        allowed=AllowedHosts(allowed_hosts),
        resolver=resolver,
        request_headers=request_headers(user_agent, contact_url),
        max_redirects=max_redirects,
    )
    deadline = Deadline.after(timeout, clock)
    return _fetch(url, settings, deadline=deadline, max_bytes=max_bytes, robots=robots)


def user_agent_header(user_agent: str | None = None, contact_url: str | None = None) -> str:
    """``price-monitor/<version> (+<contact_url>)``; ``user_agent`` replaces the product part."""
    product = user_agent or DEFAULT_PRODUCT
    value = f"{product} (+{contact_url})" if contact_url else product
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"User-Agent must be printable ASCII: {value!r}")
    return value


def request_headers(
    user_agent: str | None = None, contact_url: str | None = None
) -> dict[str, str]:
    """Headers sent with every request (http.client adds Host). No cookies, ever."""
    return {
        "User-Agent": user_agent_header(user_agent, contact_url),
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "Accept-Language": "en",
        "Connection": "close",  # one request per connection; lets the server free it at once
    }


def _fetch(
    url: str,
    settings: _Settings,
    *,
    deadline: Deadline,
    max_bytes: int,
    robots: RobotsPolicy | None,
) -> FetchResult:
    started = deadline.clock()
    current = url
    redirects: list[str] = []  # the URLs that redirected, in order
    while True:
        try:
            target = check_url(current, allowed_hosts=settings.allowed, resolver=settings.resolver)
        except UnsafeURLError as exc:
            if not redirects:
                raise
            raise UnsafeURLError(
                current, f"redirect from {redirects[-1]} refused: {exc.reason}"
            ) from exc
        if robots is not None:
            _enforce_robots(current, robots, settings, deadline)
        response = _exchange(target, settings.request_headers, deadline, max_bytes)
        location = response.redirect_location
        if location is None:
            return _result(current, response, max_bytes, redirects, started, deadline)
        if len(redirects) >= settings.max_redirects:
            raise TooManyRedirects(url, f"more than {settings.max_redirects} redirects")
        redirects.append(current)
        current = _redirect_target(current, location)


def _enforce_robots(
    url: str, robots: RobotsPolicy, settings: _Settings, deadline: Deadline
) -> None:
    def fetch_robots_txt(robots_url: str, timeout: float, max_bytes: int) -> FetchResult:
        # Same checks and allowed hosts as the page; the page's deadline still applies.
        robots_settings = replace(settings, max_redirects=ROBOTS_MAX_REDIRECTS)
        return _fetch(
            robots_url,
            robots_settings,
            deadline=deadline.within(timeout),
            max_bytes=max_bytes,
            robots=None,
        )

    rules = robots.rules_for(url, fetch_robots_txt)
    if not rules.allows(url):
        raise DisallowedByRobots(url, f"refused by {rules.summary}", retryable=rules.unreachable)


def _exchange(
    target: SafeTarget, headers: Mapping[str, str], deadline: Deadline, max_bytes: int
) -> _Response:
    """One request/response on a fresh connection to a vetted address."""
    parsed = target.parsed
    connection_class = PinnedHTTPSConnection if parsed.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(parsed.host, parsed.port, target.addresses, deadline)
    response: http.client.HTTPResponse | None = None
    with _network_errors(parsed.url):
        try:
            connection.request("GET", parsed.request_target, headers=dict(headers))
            response = connection.getresponse()
            response_headers = Headers(response.getheaders())
            if response.status in REDIRECT_STATUSES and "Location" in response_headers:
                # The body of a redirect is never read: closing the connection discards it.
                return _Response(response.status, response_headers, b"", False)
            raw, truncated = _read_capped(response, response_headers, max_bytes)
            return _Response(response.status, response_headers, raw, truncated)
        finally:
            # Closing without draining: whatever the server still sends is never read.
            if response is not None:
                response.close()
            connection.close()


def _read_capped(
    response: http.client.HTTPResponse, headers: Headers, max_bytes: int
) -> tuple[bytes, bool]:
    """Read at most max_bytes + 1 bytes (the extra byte tells "exactly" from "more")."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = response.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    raw = b"".join(chunks)
    if total > max_bytes:
        return raw[:max_bytes], True
    declared = headers.get("Content-Length", "").strip()
    chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
    has_body = response.status not in (204, 304) and response.status >= 200
    if declared.isdigit() and not chunked and has_body and int(declared) > total:
        # http.client reports an early close of a sized body as a normal end; it is not.
        raise http.client.IncompleteRead(raw, int(declared) - total)
    return raw, False


def _result(
    url: str,
    response: _Response,
    max_bytes: int,
    redirects: list[str],
    started: float,
    deadline: Deadline,
) -> FetchResult:
    with _network_errors(url):
        # Inside the fetch's budget: a body of many tiny gzip members takes real time.
        body, cut = decompress_body(
            response.raw, response.headers.get("Content-Encoding"), max_bytes, deadline=deadline
        )
    truncated = response.raw_truncated or cut
    return FetchResult(
        status=response.status,
        url=url,
        headers=response.headers,
        text=decode_text(body, response.headers.get("Content-Type"), complete=not truncated),
        truncated=truncated,
        elapsed_ms=round((deadline.clock() - started) * 1000),
        redirects=tuple(redirects),
    )


def _redirect_target(current: str, location: str) -> str:
    # http.client decodes header bytes as Latin-1; a UTF-8 Location must be read as UTF-8.
    with suppress(UnicodeError):
        location = location.encode("latin-1").decode("utf-8")
    try:
        return urldefrag(urljoin(current, location.strip())).url
    except ValueError as exc:
        raise UnsafeURLError(location, f"malformed redirect from {current} ({exc})") from None


@contextmanager
def _network_errors(url: str) -> Iterator[None]:
    """Translate socket, TLS and HTTP parsing failures into FetchError subclasses."""
    try:
        yield
    except TimeoutError as exc:
        raise FetchTimeout(url, "timed out") from exc
    except ssl.SSLError as exc:  # includes certificate verification failures
        raise FetchTLSError(url, f"TLS failure ({exc})") from exc
    except http.client.RemoteDisconnected as exc:
        raise FetchConnectionError(url, "server closed the connection without answering") from exc
    except (http.client.HTTPException, ContentEncodingError) as exc:
        raise FetchProtocolError(url, f"malformed response ({exc!r})") from exc
    except OSError as exc:
        raise FetchConnectionError(url, f"connection failed ({exc})") from exc
