"""Fetching a page as a browser renders it, for retailers whose price a script writes.

``render_page`` returns the same ``fetching.FetchResult`` as ``fetch_page``, its text the
rendered page, so what the scraper does after the fetch is unchanged. The browser (Chromium,
driven by Playwright, ``rendering.browser``) never reaches the network itself: every request
the page makes is refused or performed by the guarded client (``rendering.interception``),
and each refusal is counted and logged (``rendering.refusals``). Importing this package does
not import Playwright; launching the browser does.
"""

from rendering.browser import (
    CHROMIUM_PATH,
    DEFAULT_CHROMIUM_PATH,
    LAUNCH_ARGS,
    Browser,
    BrowserUnavailable,
    shared_browser,
)
from rendering.interception import FETCHED_RESOURCE_TYPES
from rendering.refusals import Refusal, loggable_url
from rendering.render import RenderError, render_page

__all__ = [
    "CHROMIUM_PATH",
    "DEFAULT_CHROMIUM_PATH",
    "FETCHED_RESOURCE_TYPES",
    "LAUNCH_ARGS",
    "Browser",
    "BrowserUnavailable",
    "Refusal",
    "RenderError",
    "loggable_url",
    "render_page",
    "shared_browser",
]
