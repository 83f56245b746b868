"""FetchResult: what one fetch returns, whatever its status.

Its own module because both sides of a fetch speak it: ``fetching.client`` builds it and
``fetching.robots`` reads robots.txt from it (through the fetch function the client passes
in), so neither has to import the other to name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchResult:
    """A response, whatever its status.

    ``url`` is the final URL after redirects; ``redirects`` lists the URLs that answered with
    a redirect, in order (empty when there was none). ``truncated`` means the body (raw or
    decompressed) was cut at ``max_bytes``. ``headers`` lookups are case-insensitive.
    """

    status: int
    url: str
    headers: Mapping[str, str] = field(repr=False)
    text: str = field(repr=False)
    truncated: bool
    elapsed_ms: int
    redirects: tuple[str, ...] = ()
