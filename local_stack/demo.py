"""The demo's set-up: the local retailer site running, its sample catalog as a file, and what
the two retailers a plain HTTP client cannot read need (issue 13).

`python -m local_stack demo` runs its cycles inside `demo_site()`, moving the site
to each cycle with `site.set_cycle(n)`; `describe_cycle(n)` says, product by product, what
the site shows in that cycle and what the service should make of it.

Beyond the dev stack's settings, the demo gives the stack (as runner overrides, never in
Pulumi.dev.yaml) what a user would give their own such retailers:

- `script-shop: {fetch: browser, waitFor: <the element its script fills last>}`: its jobs
  go to the renderer, which reads the page as Chromium draws it. Where Chromium is missing
  (`missing_chromium()`), script-shop is left out of the demo's catalog and settings, so the
  stack has no renderer; the rest of the demo is unchanged.
- `walled-shop: {proxy: local-proxy}` and `proxies: {local-proxy: {secret: <name>}}`: its
  fetches go through a forward proxy on loopback (`local_stack.forward_proxy`) that wants
  credentials; the proxy's URL, credentials included, is the value of a secret created in
  the local stack's Secrets Manager before the first cycle, as a user would with
  `aws secretsmanager create-secret`. The config names only the secret.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from contracts.fetch_modes import FetchMode
from local_stack.forward_proxy import ForwardProxy
from local_stack.program import NAMESPACE
from local_stack.retailer_site import (
    ALL_PRODUCTS,
    API_PREFIX,
    BROWSER,
    CAPTCHA,
    FLAKY,
    MISSING,
    PRODUCTS,
    PROXY,
    REACHED_BY,
    SCRIPT_SHOP_FILLED,
    Product,
    RetailerSite,
    expected,
)
from pricemon.catalog_file import write_catalog
from rendering.browser import Browser

CATALOG_NAME = "demo-catalog.csv"
PROXY_NAME = "local-proxy"
PROXY_SECRET = "price-monitor/demo/local-proxy"
PROXY_USER = "demo"
SCRIPT_SHOP, WALLED_SHOP = "script-shop", "walled-shop"
INSTALL_CHROMIUM = (
    "install it with `apt-get install chromium` (Debian, Ubuntu), or set CHROMIUM_PATH "
    "to a Chromium or Chrome binary"
)
# What each hard-to-reach retailer's lines say of how its page was read.
_HOW_READ = {BROWSER: "drawn by its script, read by the browser", PROXY: "through the proxy"}


@contextmanager
def demo_site(products: Iterable[Product] = PRODUCTS) -> Iterator[tuple[RetailerSite, Path]]:
    """The running site and its sample catalog file of `products`; both go away on exit."""
    with (
        RetailerSite() as site,
        tempfile.TemporaryDirectory(prefix="price-monitor-demo-") as directory,
    ):
        catalog_path = Path(directory) / CATALOG_NAME
        write_catalog(site.sample_catalog(products), catalog_path)
        yield site, catalog_path


def missing_chromium() -> str | None:
    """Where the renderer would look for Chromium, when nothing runnable is there."""
    path = Browser().executable_path  # $CHROMIUM_PATH, else Debian's /usr/bin/chromium
    return None if shutil.which(path) else path


def demo_products(*, browser: bool) -> tuple[Product, ...]:
    """The demo's products: all of the site's, less script-shop's without a browser."""
    return tuple(p for p in ALL_PRODUCTS if browser or p.reached_by != BROWSER)


@dataclass(frozen=True)
class DemoEgress:
    """The running forward proxy walled-shop's fetches go through, and its password."""

    proxy: ForwardProxy
    password: str  # what must never show in a log line or a report

    @property
    def url(self) -> str:
        """The proxy's URL, credentials included: the value of its secret."""
        return self.proxy.url

    @property
    def host_port(self) -> str:
        """What allowedHosts must list for the fetcher to reach the proxy on loopback."""
        return self.proxy.host_port

    def create_secret(self, region: str) -> None:
        """The proxy's secret in the stack's Secrets Manager (moto), holding its URL."""
        boto3.client("secretsmanager", region_name=region).create_secret(
            Name=PROXY_SECRET,
            Description="The demo's forward proxy, credentials included (walled-shop)",
            SecretString=self.url,
        )

    def carried(self, site: RetailerSite) -> int:
        """Requests the proxy forwarded to `site`."""
        return self.proxy.forwarded[site.host_port]


@contextmanager
def demo_egress() -> Iterator[DemoEgress]:
    """The forward proxy on loopback, wanting a fresh password, from start to exit."""
    password = secrets.token_urlsafe(18)
    with ForwardProxy(credentials=(PROXY_USER, password)) as proxy:
        yield DemoEgress(proxy, password)


def demo_overrides(config: Mapping[str, str], *, browser: bool) -> dict[str, Any]:
    """The runner's overrides of a stack's config bag (`program.stack_config`): its retailers
    with the demo's two added (script-shop only with a `browser`), and the demo's proxy."""
    retailers: dict[str, Any] = json.loads(config.get(f"{NAMESPACE}retailers") or "{}")
    if browser:
        retailers[SCRIPT_SHOP] = {"fetch": str(FetchMode.BROWSER), "waitFor": SCRIPT_SHOP_FILLED}
    retailers[WALLED_SHOP] = {"proxy": PROXY_NAME}
    return {"retailers": retailers, "proxies": {PROXY_NAME: {"secret": PROXY_SECRET}}}


def describe_cycle(cycle: int, products: Iterable[Product] = PRODUCTS) -> list[str]:
    """One line per product: its page in `cycle`, and the notifications it is due."""
    products = tuple(products)
    previous = expected(cycle - 1, products) if cycle > 0 else {}
    lines = []
    for product_id, page in expected(cycle, products).items():
        where = f"{product_id} ({page.retailer})"
        if page.outcome is None:
            lines.append(f"{where}: inactive in the catalog, never fetched")
        elif page.page == MISSING:
            lines.append(f"{where}: HTTP 404, recorded as failed")
        elif page.page == CAPTCHA:
            lines.append(f"{where}: a captcha page, recorded as blocked")
        else:
            assert page.availability is not None  # an offer page (OFFER, FLAKY) has stock
            price = "no price" if page.price is None else f"{page.price} {page.currency}"
            shown = f"{price}, {page.availability.replace('_', ' ')}"
            before = previous.get(product_id)
            if before is not None and before.price != page.price:
                shown = f"{before.price or 'no price'} -> {shown}"
            if page.page == FLAKY:
                shown = f"HTTP 503 first, then {shown} on the retry"
            if page.retailer in REACHED_BY:
                shown = f"{shown} ({_HOW_READ[REACHED_BY[page.retailer]]})"
            due = ", ".join(page.alerts) if page.alerts else "no notification"
            lines.append(f"{where}: {shown}; {'first sight, ' if cycle == 0 else ''}{due}")
    return lines


def reach_lines(site: RetailerSite, egress: DemoEgress, *, browser: bool) -> list[str]:
    """What the demo's closing lines say of how script-shop and walled-shop were read."""
    lines = []
    if browser:
        # Each a page whose script ran in Chromium: only a browser fetches the JSON.
        rendered = [r for r in site.requests() if r.path.startswith(API_PREFIX)]
        lines.append(
            f"{SCRIPT_SHOP}: rendered by the browser; its pages' script fetched their "
            f"product {_times(len(rendered))} ({API_PREFIX})"
        )
    walled = site.requests_to(WALLED_SHOP)
    direct = [request for request in walled if not request.proxied]
    lines.append(
        f"{WALLED_SHOP}: fetched through the forward proxy at {egress.host_port}, which "
        f"carried {_count(egress.carried(site), 'request')}; "
        f"{_count(sum(r.proxied for r in walled), 'page request')} reached the site through "
        f"it, {len(direct)} direct ones met the bot wall (403)"
    )
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _times(number: int) -> str:
    return "once" if number == 1 else f"{number} times"
