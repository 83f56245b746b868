"""render_page: a product page as a browser shows it, for the scraper's usual extraction.

The page itself is fetched with ``fetch_page`` (URL checks, robots.txt, redirects by hand,
the byte cap), so a page that cannot be fetched fails exactly as on the http path, before any
browser is involved. A 2xx HTML page is then opened in a fresh browser context whose every
request goes through ``rendering.interception``; the optional consent button is clicked, the
optional ``wait_for`` selector awaited, and the rendered DOM (``page.content()``) comes back
as the ``text`` of the same FetchResult, with the counts of the requests refused.

One deadline bounds it all: the fetch, the wait for the browser, navigation, every
subresource fetch and the waits; past it, FetchTimeout. Any other answer (a redirect loop, a
404, a JSON document) is returned as fetch_page returned it, unrendered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from fetching import (
    FetchNetworkError,
    FetchResult,
    FetchTimeout,
    Proxy,
    RobotsPolicy,
    fetch_page,
    user_agent_header,
)
from fetching.address import Resolver
from fetching.client import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_SECONDS
from fetching.deadline import Clock, Deadline
from rendering.browser import Browser, BrowserUnavailable, shared_browser
from rendering.interception import HTML_TYPES, GuardSettings, Interceptor, mime_type
from rendering.refusals import RefusalLog

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PlaywrightBrowser
    from playwright.sync_api import Page

logger = logging.getLogger(__name__)

SUBRESOURCE_BYTES_PER_PAGE_BYTE = 4  # the default cap of all subresources: 4 x max_bytes
# Without wait_for, the page is read once its network has been idle for 500 ms (Playwright's
# "networkidle"), or after this long, whichever comes first.
SETTLE_SECONDS = 3.0
CONSENT_CLICK_SECONDS = 2.0
# Beyond the page's own deadline, how long a caller waits for the browser to hand the page
# back (closing its context) before giving up on it.
HANDBACK_SECONDS = 5.0
_CONTENT_ATTEMPTS = 3  # page.content() fails while a navigation replaces the document


class RenderError(FetchNetworkError):
    """The browser failed while rendering the page (could not start, crashed, closed)."""


def render_page(
    url: str,
    *,
    allowed_hosts: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str | None = None,
    contact_url: str | None = None,
    robots: RobotsPolicy | None = None,
    wait_for: str | None = None,
    consent_selector: str | None = None,
    resolver: Resolver | None = None,
    browser: Browser | None = None,
    clock: Clock = time.monotonic,
    max_redirects: int = 5,
    max_subresource_bytes: int | None = None,
    proxy: Proxy | None = None,
) -> FetchResult:
    """Fetch ``url`` as fetch_page does and, for a 2xx HTML page, return it rendered.

    ``wait_for`` is a CSS selector the page must have before it is read (FetchTimeout if it
    does not appear in time); ``consent_selector`` a button clicked first when present.
    ``browser`` defaults to the container's (``shared_browser``). The text is cut at
    ``max_bytes`` (UTF-8) and then ``truncated``; the subresources together may use
    ``max_subresource_bytes`` (default 4 x ``max_bytes``). With ``proxy``, the document and
    every request of the page go through that forward proxy. Raises what fetch_page raises,
    FetchTimeout past ``timeout``, and RenderError when the browser fails.
    """
    if max_subresource_bytes is not None and max_subresource_bytes < 0:
        raise ValueError("max_subresource_bytes must be zero or more")
    deadline = Deadline.after(timeout, clock)
    started = clock()
    allowed = (allowed_hosts,) if isinstance(allowed_hosts, str) else tuple(allowed_hosts)
    document = fetch_page(  # checks timeout and max_bytes, as for the http path
        url,
        allowed_hosts=allowed,
        timeout=timeout,
        max_bytes=max_bytes,
        user_agent=user_agent,
        contact_url=contact_url,
        robots=robots,
        max_redirects=max_redirects,
        resolver=resolver,
        clock=clock,
        proxy=proxy,
    )
    if not (200 <= document.status < 300 and mime_type(document.headers) in {"", *HTML_TYPES}):
        return document
    job = _PageRender(
        url=url,
        document=document,
        settings=GuardSettings(
            allowed, user_agent, contact_url, resolver, max_redirects, clock, proxy
        ),
        deadline=deadline,
        max_bytes=max_bytes,
        max_subresource_bytes=(
            max_subresource_bytes
            if max_subresource_bytes is not None
            else SUBRESOURCE_BYTES_PER_PAGE_BYTE * max_bytes
        ),
        wait_for=wait_for,
        consent_selector=consent_selector,
    )
    try:
        rendered = (browser or shared_browser()).run(
            job.render, wait_seconds=_seconds_left(deadline, url) + HANDBACK_SECONDS
        )
    except TimeoutError:
        raise FetchTimeout(url, "the browser did not hand the page back in time") from None
    except BrowserUnavailable as exc:
        raise RenderError(url, f"browser unavailable ({exc})") from exc
    return replace(
        document,
        text=rendered.text,
        truncated=document.truncated or rendered.truncated,
        elapsed_ms=round((clock() - started) * 1000),
        refused_requests=MappingProxyType(rendered.refused),
    )


@dataclass(frozen=True)
class _Rendered:
    text: str
    truncated: bool
    refused: dict[str, int]


@dataclass
class _PageRender:
    """One page's render, run on the browser's thread (``Browser.run``)."""

    url: str
    document: FetchResult
    settings: GuardSettings
    deadline: Deadline
    max_bytes: int
    max_subresource_bytes: int
    wait_for: str | None
    consent_selector: str | None

    def render(self, browser: PlaywrightBrowser) -> _Rendered:
        from playwright.sync_api import Error
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self._ms_left()  # the deadline may have passed while earlier pages were rendered
        refusals = RefusalLog(self.document.url)
        interceptor = Interceptor(
            self.document, self.settings, self.deadline, self.max_subresource_bytes, refusals
        )
        context = browser.new_context(
            user_agent=user_agent_header(self.settings.user_agent, self.settings.contact_url),
            service_workers="block",  # a worker's requests would not be routed
            accept_downloads=False,
            locale="en",
        )
        try:
            context.set_default_timeout(self._ms_left())
            context.route("**/*", interceptor.handle)
            context.route_web_socket("**/*", interceptor.refuse_websocket)
            page = context.new_page()
            page.on("websocket", interceptor.note_unrouted_websocket)
            try:
                page.goto(self.document.url, wait_until="commit", timeout=self._ms_left())
                self._wait_until_loaded(page)
                self._click_consent(page)
                self._wait(page)
                html = self._content(page)
            except PlaywrightTimeout as exc:
                raise FetchTimeout(self.url, _first_line(exc)) from None
            except Error as exc:
                if interceptor.timed_out or self._past_deadline():
                    raise FetchTimeout(self.url, "time cap reached while rendering") from None
                raise RenderError(self.url, f"browser failed ({_first_line(exc)})") from None
            if interceptor.timed_out:
                raise FetchTimeout(self.url, "a request of the page ran out of time")
        finally:
            try:
                context.close()
            except Error:
                logger.warning("closing a rendered page's browser context failed", exc_info=True)
        text, truncated = _capped(html, self.max_bytes)
        return _Rendered(text, truncated, dict(interceptor.refusals.counts))

    def _wait_until_loaded(self, page: Page) -> None:
        """Until the document is complete, as the load event would say.

        Not the load event itself: a navigation the page starts while loading (a form
        submitted by script) stops the document's parser, and when the renderer refuses
        that navigation the page stays as it is, complete, but no load event ever fires.
        """
        page.wait_for_function(
            "document.readyState === 'complete'", polling=100, timeout=self._ms_left()
        )

    def _click_consent(self, page: Page) -> None:
        """Click the consent button if the page shows one; a failed click is not fatal."""
        from playwright.sync_api import Error

        if not self.consent_selector:
            return
        button = page.locator(self.consent_selector).first
        try:
            if button.count():
                button.click(timeout=min(self._ms_left(), CONSENT_CLICK_SECONDS * 1000))
        except Error as exc:
            logger.info(
                "consent button not clicked",
                extra={"selector": self.consent_selector, "error": _first_line(exc)},
            )

    def _wait(self, page: Page) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        if self.wait_for:
            try:
                page.wait_for_selector(self.wait_for, state="attached", timeout=self._ms_left())
            except PlaywrightTimeout:
                raise FetchTimeout(self.url, f"{self.wait_for!r} did not appear in time") from None
            return
        try:
            page.wait_for_load_state(
                "networkidle", timeout=min(self._ms_left(), SETTLE_SECONDS * 1000)
            )
        except PlaywrightTimeout:
            self._ms_left()  # still busy: read it now, unless that was the page's whole time

    def _content(self, page: Page) -> str:
        from playwright.sync_api import Error

        for attempt in range(_CONTENT_ATTEMPTS):
            try:
                return page.content()
            except Error:
                if attempt == _CONTENT_ATTEMPTS - 1:
                    raise
                page.wait_for_load_state("domcontentloaded", timeout=self._ms_left())
        raise AssertionError("unreachable")

    def _ms_left(self) -> float:
        return _seconds_left(self.deadline, self.url) * 1000

    def _past_deadline(self) -> bool:
        return self.deadline.at <= self.deadline.clock()


def _seconds_left(deadline: Deadline, url: str) -> float:
    try:
        return deadline.remaining()
    except TimeoutError:
        raise FetchTimeout(url, "timed out") from None


def _capped(html: str, max_bytes: int) -> tuple[str, bool]:
    """``html`` cut to at most ``max_bytes`` of UTF-8 (never inside a character)."""
    encoded = html.encode("utf-8")
    if len(encoded) <= max_bytes:
        return html, False
    return encoded[:max_bytes].decode("utf-8", "ignore"), True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
