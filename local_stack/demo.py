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
- `alertChannels`: three channels delivering to a webhook receiver on loopback
  (`local_stack.webhook_receiver`), each a kind of service users point Apprise at:
  `demo-json` (Apprise's JSON webhook, every alert), `team-chat` (a Slack-format webhook,
  through Apprise's Mattermost plugin; its URL holds a token, so it is the value of a secret
  created like the proxy's, and the channel hears the ops topic too) and `big-drops` (a
  self-hosted ntfy topic, filtered to price drops of 15 % or more).
  `DemoChannels.deliveries()` says what each received and how long after the observation.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from contracts.fetch_modes import FetchMode
from local_stack.forward_proxy import ForwardProxy
from local_stack.program import NAMESPACE
from local_stack.report import ChannelDelivery, channel_lines
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
from local_stack.webhook_receiver import JSON_HOOK_PATH, ReceivedPost, WebhookReceiver
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
JSON_CHANNEL, CHAT_CHANNEL, NTFY_CHANNEL = "demo-json", "team-chat", "big-drops"
CHAT_SECRET = "price-monitor/demo/team-chat"
NTFY_TOPIC = "price-drops"
BIG_DROP_PERCENT = 15
# The templates' footer names the product: how a received notification finds its alert.
_PRODUCT_IN_BODY = re.compile(r"\(product ([^()\s]+)\)")
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


def demo_overrides(
    config: Mapping[str, str],
    *,
    browser: bool,
    alert_channels: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The runner's overrides of a stack's config bag (`program.stack_config`): its retailers
    with the demo's two added (script-shop only with a `browser`), the demo's proxy, and
    `alert_channels` (DemoChannels.config()) when given."""
    retailers: dict[str, Any] = json.loads(config.get(f"{NAMESPACE}retailers") or "{}")
    if browser:
        retailers[SCRIPT_SHOP] = {"fetch": str(FetchMode.BROWSER), "waitFor": SCRIPT_SHOP_FILLED}
    retailers[WALLED_SHOP] = {"proxy": PROXY_NAME}
    overrides: dict[str, Any] = {
        "retailers": retailers,
        "proxies": {PROXY_NAME: {"secret": PROXY_SECRET}},
    }
    if alert_channels:
        overrides["alertChannels"] = [dict(channel) for channel in alert_channels]
    return overrides


@dataclass(frozen=True)
class DemoChannels:
    """The demo's alert channels, all delivering to one running webhook receiver."""

    receiver: WebhookReceiver
    token: str  # the team-chat webhook's token: never in a log line or the report

    @property
    def chat_url(self) -> str:
        """The team-chat channel's URL, token included: the value of its secret."""
        return self.receiver.mattermost_url(self.token)

    def config(self) -> list[dict[str, Any]]:
        """The channels as `alertChannels` declares them (contracts/alert_channels.py's format)."""
        return [
            {"name": JSON_CHANNEL, "url": self.receiver.json_url()},
            {"name": CHAT_CHANNEL, "secret": CHAT_SECRET, "topics": ["alerts", "ops"]},
            {
                "name": NTFY_CHANNEL,
                "url": self.receiver.ntfy_url(NTFY_TOPIC),
                "kinds": ["price_drop"],
                "min_change_percent": BIG_DROP_PERCENT,
            },
        ]

    def descriptions(self) -> list[tuple[str, str]]:
        """Each channel's name, and what the demo's lines say it is."""
        return [
            (JSON_CHANNEL, "json://, every alert"),
            (CHAT_CHANNEL, f"mmost://, Slack-format; its URL in the secret {CHAT_SECRET}"),
            (NTFY_CHANNEL, f"ntfy://, price drops of {BIG_DROP_PERCENT} % or more"),
        ]

    def create_secret(self, region: str) -> None:
        """The team-chat channel's secret in the stack's Secrets Manager (moto)."""
        boto3.client("secretsmanager", region_name=region).create_secret(
            Name=CHAT_SECRET,
            Description="The demo's Slack-format webhook, token included (team-chat)",
            SecretString=self.chat_url,
        )

    def received(self, channel: str) -> list[ReceivedPost]:
        """What `channel` was delivered (the receiver answered 200), in arrival order."""
        if channel == JSON_CHANNEL:
            return self.receiver.accepted(JSON_HOOK_PATH)
        if channel == CHAT_CHANNEL:
            return self.receiver.accepted(f"/hooks/{self.token}")
        if channel == NTFY_CHANNEL:
            return self.receiver.accepted("/", topic=NTFY_TOPIC)
        raise KeyError(f"no demo channel {channel!r}")

    def deliveries(self, notifications: Iterable[str]) -> list[ChannelDelivery]:
        """Every channel's deliveries, each with its latency: the arrival at the receiver
        minus the observed_at of the alert (of the `notifications` published) it carries."""
        observed = _observed_times(notifications)
        return [
            _delivery(name, post, observed)
            for name, _ in self.descriptions()
            for post in self.received(name)
        ]

    def lines(self, deliveries: Iterable[ChannelDelivery]) -> list[str]:
        """What the demo prints of the channels after its cycles."""
        return [
            f"alert channels, delivered by the notifier to the webhook receiver at "
            f"{self.receiver.host_port} (latency: arrival minus the alert's observed_at):",
            *channel_lines(self.descriptions(), deliveries),
        ]


@contextmanager
def demo_channels() -> Iterator[DemoChannels]:
    """The webhook receiver on loopback and the demo's channels, with a fresh token."""
    with WebhookReceiver() as receiver:
        yield DemoChannels(receiver, secrets.token_hex(13))


def _observed_times(notifications: Iterable[str]) -> dict[str, list[datetime]]:
    """Each product's alerts' observed_at, in publishing order."""
    observed: dict[str, list[datetime]] = {}
    for body in notifications:
        alert = json.loads(body)
        observed.setdefault(str(alert["product_id"]), []).append(
            datetime.fromisoformat(alert["observed_at"])
        )
    return observed


def _delivery(
    channel: str, post: ReceivedPost, observed: Mapping[str, list[datetime]]
) -> ChannelDelivery:
    body = post.body if isinstance(post.body, dict) else {}
    text = str(body.get("message") or body.get("text") or "")
    found = _PRODUCT_IN_BODY.search(text)
    product = found.group(1) if found else None
    # The latest of the product's observations made before the notification arrived.
    before = [
        moment.timestamp()
        for moment in observed.get(product or "", [])
        if moment.timestamp() <= post.arrived_at
    ]
    latency = post.arrived_at - max(before) if before else None
    return ChannelDelivery(channel, post.title, product, latency)


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
