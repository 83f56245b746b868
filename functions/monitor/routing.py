"""Which fetch a product job gets: by http here, in a browser here, or on the render queue.

Two functions run the same scrape code (monitor.scrape) with different fetches:

- the scraper fetches by http. A `fetch: browser` retailer's job that reaches it anyway (a
  redriven one, say: the dispatcher sends them to the render queue) is forwarded to the
  render queue unfetched. An `auto` retailer's job is fetched by http; when the answer is
  blocked, or has no price and looks script-rendered, the job is forwarded instead of
  recorded as a failure, and the retailer is remembered as needing a browser for the rest
  of that run (`EscalatedRetailers`, in the container), so its later jobs of the run are
  forwarded unfetched.
- the renderer renders every job's page in a browser (`rendering.render_page`, with the
  retailer's wait_for, consent_selector and page caps) and never forwards.

Without a render queue (a stack with no renderer) nothing is forwarded: `auto` retailers
stay on http, and a `browser` retailer is a configuration error the container refuses at
start (`RetailerDirectory.require_renderer`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from contracts.environment import ScrapeSettings
from contracts.fetch_modes import FetchMode
from fetching import FetchNetworkError, FetchResult, RobotsPolicy, fetch_page
from monitor.proxies import ProxyDirectory, ProxySecretError
from monitor.retailers import RetailerPolicy

# How many runs' escalations a container remembers: a run's jobs may still arrive while the
# next run starts (retries), and older runs are over.
REMEMBERED_RUNS = 3

Fetcher = Callable[..., FetchResult]  # fetch_page's signature
BrowserFetcher = Callable[..., FetchResult]  # render_page's: fetch_page's + wait_for, ...


class Route(StrEnum):
    """Where a job's page is read."""

    HTTP = "http"  # fetched here with the guarded HTTP client
    BROWSER = "browser"  # rendered here in a browser (the renderer function)
    RENDERER = "renderer"  # forwarded to the render queue, unfetched (the scraper function)


class EscalatedRetailers:
    """The `auto` retailers this container found needing a browser, per run.

    Bounded: only the latest `REMEMBERED_RUNS` runs are kept (run ids are scheduled times,
    so the order of the strings is the order of the runs). Thread-safe: the scrape workers
    of a batch share it.
    """

    def __init__(self, remembered_runs: int = REMEMBERED_RUNS) -> None:
        self._remembered_runs = remembered_runs
        self._by_run: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def add(self, run_id: str, retailer: str) -> None:
        with self._lock:
            self._by_run.setdefault(run_id, set()).add(retailer)
            for old in sorted(self._by_run)[: -self._remembered_runs]:
                del self._by_run[old]

    def includes(self, run_id: str, retailer: str) -> bool:
        with self._lock:
            return retailer in self._by_run.get(run_id, ())

    def runs(self) -> list[str]:
        with self._lock:
            return sorted(self._by_run)


@dataclass(frozen=True)
class PageFetchers:
    """How this function reads pages: the scraper's (`browser` None: http, forwarding the
    jobs that need a browser) or the renderer's (`browser` set: every page rendered); a
    retailer with a `proxy` is read through that proxy of `proxies` either way."""

    http: Fetcher = fetch_page
    browser: BrowserFetcher | None = None
    escalated: EscalatedRetailers = field(default_factory=EscalatedRetailers)
    proxies: ProxyDirectory = field(default_factory=ProxyDirectory.none)

    @classmethod
    def renderer(
        cls, browser: BrowserFetcher, proxies: ProxyDirectory | None = None
    ) -> PageFetchers:
        return cls(browser=browser, proxies=proxies or ProxyDirectory.none())

    def route(self, policy: RetailerPolicy, run_id: str, render_queue_url: str) -> Route:
        """Where this job of `policy`'s retailer is read, before any fetch."""
        if self.browser is not None:
            return Route.BROWSER
        if not render_queue_url:
            return Route.HTTP
        if policy.fetch is FetchMode.BROWSER:
            return Route.RENDERER
        if policy.fetch is FetchMode.AUTO and self.escalated.includes(run_id, policy.name):
            return Route.RENDERER
        return Route.HTTP

    def may_escalate(self, policy: RetailerPolicy, render_queue_url: str) -> bool:
        """Whether an http answer of this retailer may send its job on to the renderer."""
        return self.browser is None and bool(render_queue_url) and policy.fetch is FetchMode.AUTO

    def time_cap(self, route: Route, policy: RetailerPolicy, settings: ScrapeSettings) -> float:
        """The longest one page of `route` may take: a browser fetch's is the retailer's
        `render_timeout_seconds` when set."""
        if route is Route.BROWSER and policy.render_timeout_seconds is not None:
            return policy.render_timeout_seconds
        return settings.fetch_timeout_seconds

    def fetch(
        self,
        route: Route,
        url: str,
        policy: RetailerPolicy,
        settings: ScrapeSettings,
        *,
        timeout: float,
        robots: RobotsPolicy | None,
    ) -> FetchResult:
        """Fetch `url` by `route` (HTTP or BROWSER) within `timeout` seconds (at most
        `time_cap`, and what the invocation has left). An unreadable proxy secret is a
        transient failure (FetchNetworkError naming the proxy and secret, never the value)."""
        try:
            proxy = self.proxies.proxy(policy.proxy) if policy.proxy else None
        except ProxySecretError as error:
            raise FetchNetworkError(url, str(error)) from None
        if route is Route.BROWSER:
            if self.browser is None:
                raise ValueError("a browser route needs the renderer's browser fetch")
            return self.browser(
                url,
                allowed_hosts=settings.allowed_hosts,
                timeout=timeout,
                max_bytes=policy.render_max_bytes or settings.max_page_bytes,
                contact_url=settings.contact_url or None,
                robots=robots,
                wait_for=policy.wait_for,
                consent_selector=policy.consent_selector,
                proxy=proxy,
            )
        if route is not Route.HTTP:
            raise ValueError(f"route {route} is not fetched here")
        return self.http(
            url,
            allowed_hosts=settings.allowed_hosts,
            timeout=timeout,
            max_bytes=settings.max_page_bytes,
            contact_url=settings.contact_url or None,
            robots=robots,
            proxy=proxy,
        )
