"""robots.txt, fetched once per origin and kept for the life of a ``RobotsPolicy``.

Availability follows RFC 9309 §2.3.1: a 4xx answer means there are no rules (allow
everything), a 5xx answer or a network failure means the site cannot tell us, so nothing is
fetched from it. 429 counts as a server error: the site is asking us to slow down. Up to
five redirects are followed; more count as no robots.txt. Only the first 500 KiB are read
(the RFC's minimum). Rules are read and matched by ``fetching.robots_rules`` (RFC 9309).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from fetching.address import ALLOWED_SCHEMES, parse_http_url
from fetching.errors import FetchError, TooManyRedirects
from fetching.response import FetchResult
from fetching.robots_rules import RobotsGroup, parse_robots_txt

PRODUCT_TOKEN = "price-monitor"
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least the first 500 KiB
ROBOTS_TIMEOUT = 5.0
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309: follow at least five

# (robots_url, timeout, max_bytes) -> response; fetch_page supplies one that goes through
# the same safety checks as the page itself.
RobotsFetcher = Callable[[str, float, int], FetchResult]


@dataclass(frozen=True)
class RobotsRules:
    """What one origin's robots.txt says for our product token."""

    origin: str
    summary: str  # why these rules, for logs and DisallowedByRobots messages
    allow_all: bool = False  # no robots.txt (4xx)
    unreachable: bool = False  # robots.txt could not be fetched (5xx, 429, network): allow none
    product_token: str = PRODUCT_TOKEN
    group: RobotsGroup | None = None  # the group our product token obeys (200)

    def allows(self, url: str) -> bool:
        """True when ``url`` (on this origin) may be fetched."""
        if self.unreachable:
            return False
        if self.allow_all or self.group is None:
            return True
        return self.group.allows(parse_http_url(url).request_target)

    @property
    def crawl_delay(self) -> float | None:
        """Crawl-delay of the group we obey, in seconds, if it gives one."""
        return self.group.crawl_delay if self.group is not None else None


class RobotsPolicy:
    """robots.txt cache for one scraper run; safe to share between threads.

    Each origin (scheme, host, port) is fetched at most once, even when several threads ask
    for it together.
    """

    def __init__(
        self,
        product_token: str = PRODUCT_TOKEN,
        *,
        max_bytes: int = ROBOTS_MAX_BYTES,
        timeout: float = ROBOTS_TIMEOUT,
    ) -> None:
        self.product_token = product_token
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._rules: dict[str, RobotsRules] = {}
        self._origin_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def rules_for(self, url: str, fetch: RobotsFetcher) -> RobotsRules:
        """The rules for ``url``'s origin, fetching robots.txt with ``fetch`` the first time."""
        origin = origin_of(url)
        with self._guard:
            if origin in self._rules:
                return self._rules[origin]
            lock = self._origin_locks.setdefault(origin, threading.Lock())
        with lock:
            with self._guard:
                if origin in self._rules:  # another thread loaded it while we waited
                    return self._rules[origin]
            rules = self._load(origin, fetch)
            with self._guard:
                self._rules[origin] = rules
            return rules

    def crawl_delay(self, url: str) -> float | None:
        """Crawl-delay for ``url``'s origin if its robots.txt is already known, else None."""
        with self._guard:
            rules = self._rules.get(origin_of(url))
        return rules.crawl_delay if rules else None

    def _load(self, origin: str, fetch: RobotsFetcher) -> RobotsRules:
        robots_url = f"{origin}/robots.txt"
        try:
            response = fetch(robots_url, self.timeout, self.max_bytes)
        except TooManyRedirects:
            return self._rules_with(origin, "robots.txt redirects too often", allow_all=True)
        except FetchError as exc:
            return self._rules_with(
                origin, f"robots.txt unreachable ({exc.reason})", unreachable=True
            )
        status = response.status
        if 200 <= status < 300:
            text = _whole_lines(response.text) if response.truncated else response.text
            group = parse_robots_txt(text).group_for(self.product_token)
            return self._rules_with(origin, "robots.txt rules", group=group)
        if status == 429 or status >= 500:
            return self._rules_with(
                origin, f"robots.txt unreachable (HTTP {status})", unreachable=True
            )
        return self._rules_with(origin, f"no robots.txt (HTTP {status})", allow_all=True)

    def _rules_with(
        self,
        origin: str,
        summary: str,
        *,
        allow_all: bool = False,
        unreachable: bool = False,
        group: RobotsGroup | None = None,
    ) -> RobotsRules:
        return RobotsRules(
            origin,
            summary,
            allow_all=allow_all,
            unreachable=unreachable,
            product_token=self.product_token,
            group=group,
        )


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL: canonical host, default port left out."""
    parsed = parse_http_url(url)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    if parsed.port != ALLOWED_SCHEMES[parsed.scheme]:
        host = f"{host}:{parsed.port}"
    return f"{parsed.scheme}://{host}"


def _whole_lines(text: str) -> str:
    """``text`` without its last line, which the size cap may have cut short.

    A cut "Allow: /account/orders" would read as "Allow: /acc" and allow far more.
    """
    return text[: max(text.rfind("\n"), text.rfind("\r"), 0)]
