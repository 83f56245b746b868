"""FetchResult: what one page fetch returns, whatever its status; FetchedResource: what one
request for a browser's subresource returns.

Their own module because both sides of a fetch speak them: ``fetching.client`` builds them,
``fetching.robots`` reads robots.txt from a FetchResult (through the fetch function the
client passes in) and the renderer returns one, so none has to import another to name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class FetchResult:
    """A response, whatever its status.

    ``url`` is the final URL after redirects; ``redirects`` lists the URLs that answered with
    a redirect, in order (empty when there was none). ``truncated`` means the body (raw or
    decompressed) was cut at ``max_bytes``. ``headers`` lookups are case-insensitive.
    ``refused_requests`` counts, by reason, the requests a rendered page made that were not
    performed (``rendering``); a plain fetch makes none.
    """

    status: int
    url: str
    headers: Mapping[str, str] = field(repr=False)
    text: str = field(repr=False)
    truncated: bool
    elapsed_ms: int
    redirects: tuple[str, ...] = ()
    refused_requests: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class FetchedResource:
    """One response to a browser's request, as bytes: no redirect followed, no text decoded.

    ``redirect_url`` is the absolute target of a redirect (whose body is never read), None
    for any other answer. ``body`` has its Content-Encoding undone; ``truncated`` means it was
    cut at the request's ``max_bytes``.
    """

    status: int
    url: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    truncated: bool
    redirect_url: str | None = None
