"""Every request a rendered page makes: refused, or performed by the guarded HTTP client.

The browser never talks to the network itself. Playwright's routing hands each request to
``Interceptor.handle``, which refuses it (``route.abort``, counted and logged by
``rendering.refusals``) or performs it with ``fetching.fetch_resource`` (the checks, pinned
connections and caps of ``fetch_page``) and answers with what came back (``route.fulfill``).

- Only documents, scripts, stylesheets and XHR/fetch are fetched; images, fonts, media,
  beacons, pings, prefetches and the rest are refused without a request.
- Only GET, HEAD and POST are performed.
- Redirects are followed here, one ``fetch_resource`` per hop, each hop vetted: a browser
  given a redirect by ``route.fulfill`` follows it without routing the next request, so it
  never gets one (the answer it gets is the last hop's, under the URL it asked for).
- The page's first navigation (``page.goto``) is answered with the document the renderer
  already fetched with ``fetch_page`` (robots.txt, redirects, the page's byte cap).
- Together the subresources may use ``max_subresource_bytes``; beyond that they are refused.
- Every fetch gets what is left of the page's deadline; a fetch that runs out of it marks the
  page timed out.
- WebSockets are closed unopened (``refuse_websocket``); one that Playwright's routing does not
  see (a worker's) is counted as unrouted: the browser's own network stack cannot resolve or
  reach anything (``rendering.browser``), so it fails there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetching import (
    FetchedResource,
    FetchError,
    FetchResult,
    FetchTimeout,
    Proxy,
    TooManyRedirects,
    UnsafeURLError,
    fetch_resource,
)
from fetching.address import Resolver
from fetching.client import RESOURCE_METHODS
from fetching.deadline import Clock, Deadline
from rendering.refusals import Refusal, RefusalLog, loggable_url

if TYPE_CHECKING:
    from playwright.sync_api import Request, Route, WebSocket, WebSocketRoute

logger = logging.getLogger(__name__)

FETCHED_RESOURCE_TYPES = frozenset({"document", "script", "stylesheet", "xhr", "fetch"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Response headers not passed to the browser: the body it gets is decoded and whole (so no
# encoding or length of the wire form), and it keeps no cookies (none are ever sent).
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
    | {"set-cookie", "set-cookie2"}
)


@dataclass(frozen=True)
class GuardSettings:
    """What every guarded fetch of one page shares (fetch_resource's arguments)."""

    allowed_hosts: tuple[str, ...]
    user_agent: str | None
    contact_url: str | None
    resolver: Resolver | None
    max_redirects: int
    clock: Clock
    proxy: Proxy | None = None  # the retailer's forward proxy, for every request of the page


def mime_type(headers: Mapping[str, str]) -> str:
    """The media type of Content-Type, lower-case, without parameters ("" when absent)."""
    return headers.get("Content-Type", "").partition(";")[0].strip().lower()


class Interceptor:
    """The route and WebSocket handlers of one page, and what they refused."""

    def __init__(
        self,
        document: FetchResult,
        settings: GuardSettings,
        deadline: Deadline,
        max_subresource_bytes: int,
        refusals: RefusalLog,
    ) -> None:
        self._document: FetchResult | None = document
        self._settings = settings
        self._deadline = deadline
        self._bytes_left = max_subresource_bytes
        self.refusals = refusals
        self.timed_out = False

    def handle(self, route: Route) -> None:
        """Playwright's route handler: answer or refuse one request, never leave it waiting."""
        request = route.request
        try:
            if self._document is not None and request.is_navigation_request():
                # The first navigation is the renderer's own page.goto to the fetched page.
                document, self._document = self._document, None
                _fulfil_document(route, document)
                return
            self._perform(route, request)
        except Exception:
            # An unanswered route would hold the page until its deadline; whatever went wrong
            # (the page closed under us, usually) the request is dropped.
            logger.exception("routing a rendered page's request failed")
            with suppress(Exception):
                route.abort("failed")

    def refuse_websocket(self, websocket: WebSocketRoute) -> None:
        """Playwright's WebSocket route handler: close it without connecting anywhere."""
        self.refusals.refuse(
            Refusal.WEBSOCKET, resource_type="websocket", method="GET", url=websocket.url
        )
        websocket.close(code=1008, reason="refused")

    def note_unrouted_websocket(self, websocket: WebSocket) -> None:
        """A WebSocket the browser's network stack saw: counted, it cannot connect."""
        self.refusals.refuse(
            Refusal.UNROUTED_WEBSOCKET,
            resource_type="websocket",
            method="GET",
            url=websocket.url,
            detail="not routable; the browser resolves no name",
        )

    def _perform(self, route: Route, request: Request) -> None:
        kind, method, url = request.resource_type, request.method, request.url
        navigation = request.is_navigation_request()

        # A refused navigation is "aborted": the page stays as it is, with no error page.
        aborted = "aborted" if navigation else "blockedbyclient"

        def refuse(
            reason: Refusal, detail: str = "", *, at: str = url, error: str = aborted
        ) -> None:
            self.refusals.refuse(reason, resource_type=kind, method=method, url=at, detail=detail)
            route.abort(error)

        if kind not in FETCHED_RESOURCE_TYPES:
            refuse(Refusal.RESOURCE_TYPE)
            return
        if method not in RESOURCE_METHODS:
            refuse(Refusal.METHOD)
            return
        if self._bytes_left <= 0:
            refuse(Refusal.BYTE_CAP, "the page's subresources used their byte cap")
            return
        try:
            response = self._fetch_following_redirects(request)
        except _HopRefused as hop:
            refuse(Refusal.UNSAFE_URL, hop.detail, at=hop.url)
            return
        except TooManyRedirects as exc:
            refuse(Refusal.TOO_MANY_REDIRECTS, exc.reason)
            return
        except (FetchTimeout, TimeoutError):
            self.timed_out = True
            refuse(Refusal.FETCH_FAILED, "the page's time cap was reached", error="timedout")
            return
        except (FetchError, ValueError) as exc:
            detail = exc.reason if isinstance(exc, FetchError) else str(exc)
            refuse(Refusal.FETCH_FAILED, detail)
            return
        self._bytes_left -= len(response.body)
        if response.truncated:
            self._bytes_left = 0
            refuse(Refusal.BYTE_CAP, "the page's subresources reached their byte cap")
            return
        _fulfil(route, response)

    def _fetch_following_redirects(self, request: Request) -> FetchedResource:
        """The final answer to ``request``, each redirect hop fetched (and vetted) in turn."""
        url, method = request.url, request.method
        headers, body = dict(request.headers), request.post_data_buffer
        settings = self._settings
        for hop in range(settings.max_redirects + 1):
            try:
                response = fetch_resource(
                    url,
                    method=method,
                    headers=headers,
                    body=body if method == "POST" else None,
                    allowed_hosts=settings.allowed_hosts,
                    timeout=self._deadline.remaining(),
                    max_bytes=self._bytes_left,
                    user_agent=settings.user_agent,
                    contact_url=settings.contact_url,
                    resolver=settings.resolver,
                    clock=settings.clock,
                    proxy=settings.proxy,
                )
            except UnsafeURLError as exc:
                # Refused by check_url, or (exc.url being its Location) an unreadable redirect,
                # whose reason would quote the URL in full.
                reason = exc.reason if exc.url == url else "malformed redirect Location"
                where = f", redirected from {loggable_url(request.url)}" if hop else ""
                raise _HopRefused(url, reason + where) from exc
            if response.redirect_url is None:
                return response
            url = response.redirect_url
            method, body = _redirected_method(response.status, method, body)
            if body is None:
                headers.pop("content-type", None)
        raise TooManyRedirects(request.url, f"more than {settings.max_redirects} redirects")


class _HopRefused(Exception):
    """check_url refused ``url``, the request's own URL or a redirect hop of it."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(detail)
        self.url = url
        self.detail = detail


def _redirected_method(status: int, method: str, body: bytes | None) -> tuple[str, bytes | None]:
    """The method and body of the request a redirect leads to (Fetch standard, 4.4)."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return "GET", None
    return method, body


def _fulfil(route: Route, response: FetchedResource) -> None:
    headers = _passed_headers(response.headers)
    if 300 <= response.status < 400:
        # Never a Location the browser could follow unrouted (ours are followed above).
        headers = {name: value for name, value in headers.items() if name.lower() != "location"}
    route.fulfill(status=response.status, headers=headers, body=response.body)


def _fulfil_document(route: Route, document: FetchResult) -> None:
    """Answer with the fetched page as fetch_page decoded it, re-encoded as UTF-8.

    The header's charset outranks a <meta charset> in the page (HTML's encoding sniffing),
    so the browser reads the text exactly as the http path's extraction does.
    """
    headers = {
        name: value
        for name, value in _passed_headers(document.headers).items()
        if name.lower() != "content-type"
    }
    headers["Content-Type"] = f"{mime_type(document.headers) or 'text/html'}; charset=utf-8"
    route.fulfill(status=document.status, headers=headers, body=document.text.encode("utf-8"))


def _passed_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name.lower() not in _DROPPED_RESPONSE_HEADERS
    }
