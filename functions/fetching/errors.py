"""Exceptions raised by the fetcher.

Every error carries the URL it is about. ``retryable`` tells the scraper whether trying the
same URL again later can succeed (network trouble) or not (a refused or disallowed URL), so
it can choose between "back to the queue" and "record and move on" without a type switch.
"""

from __future__ import annotations


class FetchError(Exception):
    """Base class: fetching ``url`` failed before a response could be returned."""

    retryable = False

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{message}: {url}")
        self.url = url
        self.reason = message


class UnsafeURLError(FetchError, ValueError):
    """The URL (or a redirect target) is not an http(s) URL to a public address.

    Raised before any connection is made. Also a ValueError: the input itself is bad.
    """


class UnsafeProxyError(UnsafeURLError):
    """The proxy's own host is refused by the address rule (not public, not allowed).

    Raised before any connection; ``url`` is the target the fetch was for.
    """


class TooManyRedirects(FetchError):
    """The redirect chain is longer than ``max_redirects``."""


class DisallowedByRobots(FetchError):
    """robots.txt (or its unavailability, per RFC 9309) forbids fetching the URL.

    ``retryable`` is True when the reason is that robots.txt could not be fetched (5xx, 429,
    network failure): a later run may be allowed.
    """

    def __init__(self, url: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(url, message)
        self.retryable = retryable


class FetchNetworkError(FetchError):
    """A transient problem talking to the server; trying again later may succeed."""

    retryable = True


class FetchDNSError(FetchNetworkError):
    """The host name did not resolve to any address."""


class FetchConnectionError(FetchNetworkError):
    """The connection could not be made, or the server dropped it."""


class FetchProxyError(FetchConnectionError):
    """The proxy would not carry the request: it answered CONNECT (or, for an http target,
    the request) with a refusal. ``status`` is its HTTP status.

    Retryable when the proxy's trouble may pass (5xx: it could not reach the target; 429);
    not when it refuses us as we are (407: credentials; 403 and other 4xx: its policy).
    """

    def __init__(self, url: str, message: str, *, status: int) -> None:
        super().__init__(url, message)
        self.status = status
        self.retryable = status >= 500 or status == 429


class FetchTLSError(FetchConnectionError):
    """The TLS handshake or certificate verification failed."""


class FetchTimeout(FetchNetworkError):
    """The fetch did not complete within its time budget."""


class FetchProtocolError(FetchNetworkError):
    """The server's reply was not valid HTTP, ended early, or its body could not be decoded."""


class ContentEncodingError(ValueError):
    """A compressed body is corrupt or uses an encoding we did not ask for.

    Raised by the pure decoding functions, which know nothing of URLs; ``fetch_page`` turns it
    into a ``FetchProtocolError``.
    """
