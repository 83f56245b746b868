"""Renderer Lambda: render queue batch -> product jobs scraped with a browser fetch.

A thin adapter, the scraper's twin (`handlers.product_jobs`): the render queue carries the
`scrape_product` jobs of retailers whose pages a script renders (sent by the dispatcher for
`fetch: browser` retailers, and forwarded by the scraper for `auto` ones), and this
function scrapes them with the same code as the scraper (`monitor.scrape`), its fetch being
`rendering.render_page` with the retailer's wait_for, consent_selector and page caps
(`monitor.routing`). Everything after the fetch, extraction, state, history, archive and
the run's tally, is the scraper's. It never forwards a job.

One Chromium per container (`rendering.shared_browser`), launched on the first invocation
and reused by every page after it. Partial batch failures as the scraper reports them;
anything else on the render queue (a dispatch message) is poison here. Configuration comes
only from `contracts.environment.load("renderer")`, the variables the Function declares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts.messages import ContinueDispatch, StartRun
from handlers.product_jobs import ProductJobFunction, ScrapeRuntime
from monitor.routing import PageFetchers
from monitor.telemetry import logger, metrics
from rendering import Browser, BrowserUnavailable, render_page, shared_browser


@cache
def _browser() -> Browser:
    """The container's Chromium, launched now rather than within the first page's time."""
    browser = shared_browser()
    try:
        browser.start()
    except BrowserUnavailable:
        # Each page then fails to render (a transient failure, retried, then dead-lettered)
        # and the launch is tried again at the next page.
        logger.exception("the browser could not be started")
    return browser


def _browser_fetchers(runtime: ScrapeRuntime) -> PageFetchers:
    return PageFetchers.renderer(partial(render_page, browser=_browser()), runtime.proxies)


def _refuse_dispatches(
    runtime: ScrapeRuntime,
    dispatches: Sequence[tuple[str, StartRun | ContinueDispatch]],
    context: LambdaContext,
) -> list[str]:
    for message_id, message in dispatches:
        logger.error(
            "not a product job; the render queue carries only those",
            extra={"message_id": message_id, "run_id": message.run_id},
        )
    return [message_id for message_id, _ in dispatches]


_function = ProductJobFunction("renderer", _browser_fetchers, _refuse_dispatches)


def reset() -> None:
    """Forget the container's configuration and robots.txt cache (tests); the browser stays."""
    _function.reset()


def shut_down() -> None:
    """Close the container's browser if it was started (tests; Lambda ends containers)."""
    if _browser.cache_info().currsize:
        _browser().close()
        _browser.cache_clear()
        shared_browser.cache_clear()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: Mapping[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return _function.handle(event, context)
