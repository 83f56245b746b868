"""Chromium, launched once per container and driven from one thread, a fresh context a page.

Playwright's sync API may only be used from the thread that started it, and the scraper
fetches from several threads; so the browser lives on a thread of its own and pages are
rendered there one at a time (``Browser.run``), which also keeps one container to one
Chromium's memory. Playwright is imported when the browser is first launched, never when
this module is.

The launch flags are the browser's own defence, behind the routing (``rendering.interception``)
that performs every request itself: whatever escaped routing would find that no host name,
IP literals included, resolves (``--host-resolver-rules``); that its only route out is a
proxy that does not exist (``--proxy-server``, for loopback too); and that WebRTC may not
send UDP outside that proxy, so a STUN "server" on an internal address gets nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from contracts.environment import CHROMIUM_PATH

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PlaywrightBrowser
    from playwright.sync_api import Playwright

DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium"
LAUNCH_TIMEOUT_SECONDS = 30.0
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",  # Lambda runs without the namespaces Chromium's sandbox needs
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--dns-prefetch-disable",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://proxy.invalid:9",
    "--proxy-bypass-list=<-loopback>",  # without it loopback would bypass the proxy
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)

_T = TypeVar("_T")


class BrowserUnavailable(RuntimeError):
    """Chromium could not be launched (missing, wrong path, crashed at start)."""


class Browser:
    """One Chromium, launched on first use, relaunched if it died; pages rendered in turn.

    ``executable_path`` defaults to $CHROMIUM_PATH, else /usr/bin/chromium (Debian's). The
    launch happens on the first ``run`` (or ``start``, to pay for it before the first page).
    """

    def __init__(self, executable_path: str | None = None, *, extra_args: Sequence[str] = ()):
        self.executable_path = (
            executable_path or os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH
        )
        self.args = (*LAUNCH_ARGS, *extra_args)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None

    def run(self, job: Callable[[PlaywrightBrowser], _T], *, wait_seconds: float) -> _T:
        """``job(browser)`` on the browser's thread, after the jobs before it.

        Raises TimeoutError if it has not finished within ``wait_seconds`` (one that has not
        started yet is then dropped), BrowserUnavailable if Chromium cannot be launched, and
        whatever ``job`` raises.
        """
        future = self._thread.submit(self._with_browser, job)
        try:
            return future.result(timeout=wait_seconds)
        except TimeoutError:
            future.cancel()
            raise

    def start(self) -> None:
        """Launch Chromium now rather than at the first page."""
        self.run(lambda browser: None, wait_seconds=LAUNCH_TIMEOUT_SECONDS + 5)

    def close(self) -> None:
        """Close Chromium and stop its thread; this Browser cannot be used afterwards."""
        self._thread.submit(self._shut_down).result()
        self._thread.shutdown()

    def _with_browser(self, job: Callable[[PlaywrightBrowser], _T]) -> _T:
        if self._browser is None or not self._browser.is_connected():
            self._browser = self._launch()
        return job(self._browser)

    def _launch(self) -> PlaywrightBrowser:
        from playwright.sync_api import Error, sync_playwright

        try:
            if self._playwright is None:
                self._playwright = sync_playwright().start()
            return self._playwright.chromium.launch(
                executable_path=self.executable_path,
                args=list(self.args),
                headless=True,
                timeout=LAUNCH_TIMEOUT_SECONDS * 1000,
            )
        except Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BrowserUnavailable(f"{self.executable_path}: {first_line}") from exc

    def _shut_down(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


@cache
def shared_browser() -> Browser:
    """The container's browser (created on first call; Chromium launches at the first page)."""
    return Browser()
