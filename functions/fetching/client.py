"""fetch_page: one polite GET, capped in time and size, following redirects by hand; and
fetch_resource: one request for a browser's subresource, following none.

Both go through the same hop (``_hop``): ``check_url``, robots.txt when asked, then one
exchange on a fresh connection to exactly the addresses the check vetted. Each hop of
fetch_page (the URL itself, every redirect target, robots.txt) is one; fetch_resource is one,
and whoever follows its redirect calls it again, so every target is checked the same way.
Non-2xx answers are returned for the caller to classify; only failures to get an answer at
all raise.
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
from fetching.response import FetchedResource, FetchResult
from fetching.robots import PRODUCT_TOKEN, ROBOTS_MAX_REDIRECTS, RobotsPolicy
from fetching.transport import PinnedHTTPConnection, PinnedHTTPSConnection

PRODUCT_VERSION = "0.1.0"
DEFAULT_PRODUCT = f"{PRODUCT_TOKEN}/{PRODUCT_VERSION}"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# What fetch_resource performs; a browser asking for anything else is refused.
RESOURCE_METHODS = ("GET", "HEAD", "POST")
# Request headers a caller of fetch_resource cannot set: the client's own (who we are, what
# we decode, one request per connection), those http.client computes from the request, and
# hop-by-hop ones. Cookies are never sent, as by fetch_page.
_CLIENT_HEADERS = frozenset(
    {
        "user-agent",
        "accept-encoding",
        "connection",
        "host",
        "content-length",
        "transfer-encoding",
        "cookie",
        "expect",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class _Settings:
    """What stays the same for every hop of one fetch."""

    allowed: AllowedHosts
    resolver: Resolver | None
    request_headers: Mapping[str, str]
    max_redirects: int


@dataclass(frozen=True)
class _Request:
    """What one hop sends: the method, every header but Host, and the body if any."""

    method: str
    headers: Mapping[str, str]
    body: bytes | None = None


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
    _check_limits(timeout, max_bytes)
    if max_redirects < 0:
        raise ValueError("max_redirects must be zero or more")
    settings = _Settings(
        allowed=AllowedHosts(allowed_hosts),
        resolver=resolver,
        request_headers=request_headers(user_agent, contact_url),
        max_redirects=max_redirects,
    )
    deadline = Deadline.after(timeout, clock)
    return _fetch(url, settings, deadline=deadline, max_bytes=max_bytes, robots=robots)


def fetch_resource(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    allowed_hosts: Iterable[str] = (),
    timeout: float = 10.0,
    max_bytes: int = 2_000_000,
    user_agent: str | None = None,
    contact_url: str | None = None,
    resolver: Callable[[str], list[str]] | None = None,
    clock: Clock = time.monotonic,
) -> FetchedResource:
    """One GET, HEAD or POST of ``url`` for a browser, through fetch_page's checks and caps.

    Follows no redirect: a redirect comes back with ``redirect_url`` set, for the caller to
    request (and so check) in turn. ``headers`` are sent along with the client's own, which
    they cannot replace (User-Agent, Accept-Encoding, Connection), hop-by-hop headers and
    Cookie left out. The body is returned as bytes with its Content-Encoding undone, cut at
    ``max_bytes``. Raises ValueError for another method, a body on anything but POST or a
    malformed header, and otherwise what fetch_page raises: UnsafeURLError or a
    FetchNetworkError subclass.
    """
    _check_limits(timeout, max_bytes)
    method = method.upper()
    if method not in RESOURCE_METHODS:
        raise ValueError(f"method {method} is not fetched (only {', '.join(RESOURCE_METHODS)})")
    if body is not None and method != "POST":
        raise ValueError(f"a {method} request has no body")
    given = {k: v for k, v in (headers or {}).items() if k.lower() not in _CLIENT_HEADERS}
    replaced = {name.lower() for name in given}  # e.g. the browser's Accept for a script
    own = request_headers(user_agent, contact_url).items()
    sent = {name: value for name, value in own if name.lower() not in replaced} | given
    settings = _Settings(
        allowed=AllowedHosts(allowed_hosts),
        resolver=resolver,
        request_headers=sent,
        max_redirects=0,
    )
    deadline = Deadline.after(timeout, clock)
    request = _Request(method, sent, body)
    response = _hop(url, request, settings, deadline, max_bytes, robots=None)
    location = response.redirect_location
    if location is not None:
        return FetchedResource(
            response.status, url, response.headers, b"", False, _redirect_target(url, location)
        )
    content, truncated = _decoded_body(url, response, max_bytes, deadline)
    return FetchedResource(response.status, url, response.headers, content, truncated)


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
    request = _Request("GET", settings.request_headers)
    while True:
        try:
            response = _hop(current, request, settings, deadline, max_bytes, robots)
        except UnsafeURLError as exc:
            if not redirects:
                raise
            raise UnsafeURLError(
                current, f"redirect from {redirects[-1]} refused: {exc.reason}"
            ) from exc
        location = response.redirect_location
        if location is None:
            return _result(current, response, max_bytes, redirects, started, deadline)
        if len(redirects) >= settings.max_redirects:
            raise TooManyRedirects(url, f"more than {settings.max_redirects} redirects")
        redirects.append(current)
        current = _redirect_target(current, location)


def _hop(
    url: str,
    request: _Request,
    settings: _Settings,
    deadline: Deadline,
    max_bytes: int,
    robots: RobotsPolicy | None,
) -> _Response:
    """One request: vet the URL, consult robots.txt if asked, exchange with a vetted address.

    The only way either fetch function reaches the network, so nothing skips a check.
    """
    target = check_url(url, allowed_hosts=settings.allowed, resolver=settings.resolver)
    if robots is not None:
        _enforce_robots(url, robots, settings, deadline)
    return _exchange(target, request, deadline, max_bytes)


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
    target: SafeTarget, request: _Request, deadline: Deadline, max_bytes: int
) -> _Response:
    """One request/response on a fresh connection to a vetted address."""
    parsed = target.parsed
    connection_class = PinnedHTTPSConnection if parsed.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(parsed.host, parsed.port, target.addresses, deadline)
    response: http.client.HTTPResponse | None = None
    with _network_errors(parsed.url):
        try:
            connection.request(
                request.method,
                parsed.request_target,
                body=request.body,
                headers=dict(request.headers),
            )
            response = connection.getresponse()
            response_headers = Headers(response.getheaders())
            if response.status in REDIRECT_STATUSES and "Location" in response_headers:
                # The body of a redirect is never read: closing the connection discards it.
                return _Response(response.status, response_headers, b"", False)
            if request.method == "HEAD":  # the answer has headers only, whatever they say
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
    body, truncated = _decoded_body(url, response, max_bytes, deadline)
    return FetchResult(
        status=response.status,
        url=url,
        headers=response.headers,
        text=decode_text(body, response.headers.get("Content-Type"), complete=not truncated),
        truncated=truncated,
        elapsed_ms=round((deadline.clock() - started) * 1000),
        redirects=tuple(redirects),
    )


def _decoded_body(
    url: str, response: _Response, max_bytes: int, deadline: Deadline
) -> tuple[bytes, bool]:
    """The body with its Content-Encoding undone, and whether it was cut at max_bytes."""
    with _network_errors(url):
        # Inside the fetch's budget: a body of many tiny gzip members takes real time.
        body, cut = decompress_body(
            response.raw, response.headers.get("Content-Encoding"), max_bytes, deadline=deadline
        )
    return body, response.raw_truncated or cut


def _check_limits(timeout: float, max_bytes: int) -> None:
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError("timeout must be a positive number of seconds")
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")


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
