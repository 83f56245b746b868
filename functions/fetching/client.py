"""fetch_page: one polite GET, capped in time and size, following redirects by hand; and
fetch_resource: one request for a browser's subresource, following none.

Both go through the same hop (``_hop``): ``check_url``, the proxy's own address check when
there is a proxy, robots.txt when asked, then one exchange on a fresh connection to exactly
the addresses the checks vetted: the target's, or the proxy's (a CONNECT tunnel for https,
an absolute-form request for http; ``fetching.proxy``). Each hop of fetch_page (the URL
itself, every redirect target, robots.txt) is one; fetch_resource is one, and whoever
follows its redirect calls it again, so every target is checked the same way.
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

from fetching.address import AllowedHosts, ParsedURL, Resolver, SafeTarget, check_url
from fetching.deadline import Clock, Deadline
from fetching.decoding import decode_text, decompress_body
from fetching.errors import (
    ContentEncodingError,
    DisallowedByRobots,
    FetchConnectionError,
    FetchDNSError,
    FetchProtocolError,
    FetchProxyError,
    FetchTimeout,
    FetchTLSError,
    TooManyRedirects,
    UnsafeProxyError,
    UnsafeURLError,
)
from fetching.headers import Headers
from fetching.proxy import Proxy
from fetching.response import FetchedResource, FetchResult
from fetching.robots import PRODUCT_TOKEN, ROBOTS_MAX_REDIRECTS, RobotsPolicy
from fetching.transport import (
    PinnedHTTPConnection,
    PinnedHTTPSConnection,
    TunnelledHTTPSConnection,
    TunnelRefused,
)

PRODUCT_VERSION = "0.1.0"
DEFAULT_PRODUCT = f"{PRODUCT_TOKEN}/{PRODUCT_VERSION}"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# One fetch's caps when the caller sets none (fetch_page, fetch_resource, render_page).
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 2_000_000
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
_MAX_PROXY_REASON = 100  # characters of a proxy's reason phrase quoted in an error


@dataclass(frozen=True)
class _Settings:
    """What stays the same for every hop of one fetch."""

    allowed: AllowedHosts
    resolver: Resolver | None
    request_headers: Mapping[str, str]
    max_redirects: int
    proxy: Proxy | None = None


@dataclass(frozen=True)
class _ProxyRoute:
    """The proxy a hop goes through, and the addresses its host was vetted at."""

    proxy: Proxy
    addresses: tuple[str, ...]


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
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str | None = None,
    contact_url: str | None = None,
    robots: RobotsPolicy | None = None,
    max_redirects: int = 5,
    resolver: Callable[[str], list[str]] | None = None,
    clock: Clock = time.monotonic,
    proxy: Proxy | None = None,
) -> FetchResult:
    """GET ``url`` safely and return its response, decoded to text.

    ``timeout`` bounds the whole call: robots.txt, every redirect hop, connects, TLS, each
    read and the decompression of the body (host-name resolution excepted: getaddrinfo cannot
    be interrupted), measured on ``clock`` (monotonic seconds). With ``proxy``, every request
    (robots.txt and redirects too) goes through that forward proxy, whose own host must be
    public or allowed. Raises UnsafeURLError (UnsafeProxyError for the proxy's host),
    DisallowedByRobots, TooManyRedirects, or a FetchNetworkError subclass (FetchDNSError,
    FetchConnectionError, FetchProxyError, FetchTLSError, FetchTimeout, FetchProtocolError).
    """
    _check_limits(timeout, max_bytes)
    if max_redirects < 0:
        raise ValueError("max_redirects must be zero or more")
    settings = _Settings(
        allowed=AllowedHosts(allowed_hosts),
        resolver=resolver,
        request_headers=request_headers(user_agent, contact_url),
        max_redirects=max_redirects,
        proxy=proxy,
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
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str | None = None,
    contact_url: str | None = None,
    resolver: Callable[[str], list[str]] | None = None,
    clock: Clock = time.monotonic,
    proxy: Proxy | None = None,
) -> FetchedResource:
    """One GET, HEAD or POST of ``url`` for a browser, through fetch_page's checks and caps.

    Follows no redirect: a redirect comes back with ``redirect_url`` set, for the caller to
    request (and so check) in turn. ``headers`` are sent along with the client's own, which
    they cannot replace (User-Agent, Accept-Encoding, Connection), hop-by-hop headers and
    Cookie left out. The body is returned as bytes with its Content-Encoding undone, cut at
    ``max_bytes``. ``proxy`` as for fetch_page. Raises ValueError for another method, a body
    on anything but POST or a malformed header, and otherwise what fetch_page raises:
    UnsafeURLError or a FetchNetworkError subclass.
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
        proxy=proxy,
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
    """One request: vet the URL and the proxy, consult robots.txt if asked, exchange with a
    vetted address.

    The only way either fetch function reaches the network, so nothing skips a check. The
    target is vetted even through a proxy, which resolves it again itself (docs/architecture.md,
    "Proxies and SSRF").
    """
    target = check_url(url, allowed_hosts=settings.allowed, resolver=settings.resolver)
    via = _vet_proxy(url, settings)
    if robots is not None:
        _enforce_robots(url, robots, settings, deadline)
    return _exchange(target, request, deadline, max_bytes, via)


def _vet_proxy(url: str, settings: _Settings) -> _ProxyRoute | None:
    """The proxy's addresses, checked as a target's are: public, unless its host is allowed."""
    proxy = settings.proxy
    if proxy is None:
        return None
    try:
        vetted = check_url(
            proxy.vetting_url, allowed_hosts=settings.allowed, resolver=settings.resolver
        )
    except UnsafeURLError as exc:
        raise UnsafeProxyError(url, f"proxy {proxy} refused ({exc.reason})") from None
    except FetchDNSError as exc:
        raise FetchDNSError(url, f"proxy {proxy}: {exc.reason}") from None
    return _ProxyRoute(proxy, vetted.addresses)


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
    target: SafeTarget,
    request: _Request,
    deadline: Deadline,
    max_bytes: int,
    via: _ProxyRoute | None,
) -> _Response:
    """One request/response on a fresh connection to a vetted address (the proxy's, if any)."""
    parsed = target.parsed
    connection, request_target, headers = _connection(target, request, deadline, via)
    response: http.client.HTTPResponse | None = None
    with _network_errors(parsed.url, via):
        try:
            connection.request(request.method, request_target, body=request.body, headers=headers)
            response = connection.getresponse()
            response_headers = Headers(response.getheaders())
            if via is not None and parsed.scheme == "http" and response.status == 407:
                # The proxy's own answer (a site has no business sending 407): a refusal.
                raise _proxy_refusal(parsed.url, via.proxy, response.status, response.reason)
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


def _connection(
    target: SafeTarget, request: _Request, deadline: Deadline, via: _ProxyRoute | None
) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """The connection for one exchange, its request target and the headers to send."""
    parsed = target.parsed
    headers = dict(request.headers)
    if via is None:
        direct = PinnedHTTPSConnection if parsed.scheme == "https" else PinnedHTTPConnection
        return (
            direct(parsed.host, parsed.port, target.addresses, deadline),
            parsed.request_target,
            headers,
        )
    proxy = via.proxy
    if parsed.scheme == "https":
        # The credentials go on CONNECT only; inside the tunnel the request is the target's.
        tunnel = TunnelledHTTPSConnection(
            parsed.host, parsed.port, via.addresses, proxy.port, deadline, proxy.request_headers()
        )
        return tunnel, parsed.request_target, headers
    # An http target: the proxy gets the request itself, in absolute form (http.client then
    # sends the target's Host), with the proxy's credentials.
    connection = PinnedHTTPConnection(proxy.host, proxy.port, via.addresses, deadline)
    return connection, _absolute_form(parsed), headers | proxy.request_headers()


def _absolute_form(parsed: ParsedURL) -> str:
    """``http://host[:port]/path?query``, the request target a forward proxy is sent."""
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    default = parsed.port == (443 if parsed.scheme == "https" else 80)
    authority = host if default else f"{host}:{parsed.port}"
    return f"{parsed.scheme}://{authority}{parsed.request_target}"


def _proxy_refusal(url: str, proxy: Proxy, status: int, reason: str) -> FetchProxyError:
    """FetchProxyError naming the proxy (never its password) and what it said."""
    said = "".join(c if c.isprintable() else "?" for c in proxy.redact(reason))
    said = said[:_MAX_PROXY_REASON]
    return FetchProxyError(
        url, f"proxy {proxy} refused the request (HTTP {status} {said})", status=status
    )


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
def _network_errors(url: str, via: _ProxyRoute | None = None) -> Iterator[None]:
    """Translate socket, TLS and HTTP parsing failures into FetchError subclasses.

    Through a proxy, each message names it (``str(Proxy)``: never its password).
    """
    where = f" via proxy {via.proxy}" if via is not None else ""
    try:
        yield
    except TunnelRefused as exc:
        if via is None:  # only a tunnelled connection raises it
            raise
        raise _proxy_refusal(url, via.proxy, exc.status, exc.reason) from None
    except TimeoutError as exc:
        raise FetchTimeout(url, "timed out" + where) from exc
    except ssl.SSLError as exc:  # includes certificate verification failures
        raise FetchTLSError(url, f"TLS failure{where} ({exc})") from exc
    except http.client.RemoteDisconnected as exc:
        raise FetchConnectionError(
            url, f"server closed the connection without answering{where}"
        ) from exc
    except (http.client.HTTPException, ContentEncodingError) as exc:
        raise FetchProtocolError(url, f"malformed response{where} ({exc!r})") from exc
    except OSError as exc:
        raise FetchConnectionError(url, f"connection failed{where} ({exc})") from exc
