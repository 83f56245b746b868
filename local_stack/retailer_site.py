"""A local retailer site for the demo and the end-to-end tests: product pages on 127.0.0.1.

Four retailers, each writing its pages the way a family of real shops does: `jsonld-mart`
(schema.org JSON-LD), `micro-store` (microdata), `meta-shop` (Open Graph product meta tags)
and `example-shop`, whose pages carry no structured data and are read with the retailer
rule of Pulumi.dev.yaml (`#product .price`, `#product .stock`, "sold out", EUR).

Two more are out of a plain HTTP client's reach (`HARD_TO_REACH`, issue 13): `script-shop`,
a single-page app whose product page is an empty shell until its script has fetched
`/api/products/<id>.json` and drawn the product (with the JSON-LD such apps insert), so only
a browser sees a price; and `walled-shop`, which answers every direct request with a bot wall
(403) and its real page only to requests that came through a forward proxy (they carry the
`Via` header RFC 9110 requires of a proxy). `PRODUCTS` are the ones any stack reads;
`ALL_PRODUCTS` adds those two, which the demo's settings reach (`fetch: browser`, a proxy).

What each page shows is table-driven (`PRODUCTS`), cycle by cycle: `set_cycle(n)` before
each run of the scraper moves the whole site to cycle n (past the table, the last column
repeats). The table gives every case the service must handle: drops above, at and below
the 10 % default threshold, a product with its own threshold, a rise, out of stock (its
page then showing no price, an observation without one) and back, a target price reached,
a page that is gone (404), a flaky page (503 to the first request of each cycle, then the
page), a captcha page served with 200, and a product the catalog marks inactive.
`expected(cycle)` says what each page shows and what the service should make of it, and
the site logs every request so tests can check retries and politeness. robots.txt allows
everything.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message
from types import MappingProxyType
from urllib.parse import urlsplit

from contracts.catalog import Availability, ScrapeStatus
from contracts.change_rules import EventKind
from local_stack.loopback_site import LoopbackSite
from pricemon.catalog_file import CatalogRow

# What a product's page is, whatever the cycle.
OFFER = "offer"  # the product page, with this cycle's price and stock
MISSING = "missing"  # 404: the product is gone (a permanent failure)
FLAKY = "flaky"  # 503 to the first request of each cycle, then the product page
CAPTCHA = "captcha"  # a captcha page served with 200 (blocked, never a price)

# How a retailer's pages can be read: what the stack's settings must give the retailer.
DIRECT = "direct"  # any fetch reads them
BROWSER = "browser"  # an app shell: only a browser that runs the page's script sees the price
PROXY = "proxy"  # a bot wall to direct requests: only requests through a proxy get the page

# The catalog item's last_status after a cycle, per page kind (DESIGN data contract).
OUTCOMES = {
    OFFER: ScrapeStatus.OK,
    FLAKY: ScrapeStatus.OK,
    MISSING: ScrapeStatus.ERROR,
    CAPTCHA: ScrapeStatus.BLOCKED,
}

ROBOTS_TXT = "User-agent: *\nAllow: /\n"

# Each retailer's currency; example-shop's is also its rule's `currency` in Pulumi.dev.yaml.
CURRENCIES = MappingProxyType(
    {
        "jsonld-mart": "EUR",
        "micro-store": "GBP",
        "meta-shop": "USD",
        "example-shop": "EUR",
        "script-shop": "GBP",
        "walled-shop": "USD",
    }
)
# The retailers a plain HTTP client cannot read, and what each needs; the others are DIRECT.
REACHED_BY = MappingProxyType({"script-shop": BROWSER, "walled-shop": PROXY})
# Where script-shop's pages fetch their product from, and the element its script fills last
# (the demo's `waitFor`: once it is there, the price and the JSON-LD are in the DOM).
API_PREFIX = "/api/products/"
API_PATH = API_PREFIX + "{product_id}.json"
SCRIPT_SHOP_FILLED = "#app .price"


@dataclass(frozen=True)
class Product:
    """One product of the site and its page, cycle by cycle (past the end: the last)."""

    product_id: str
    retailer: str
    name: str
    prices: tuple[str, ...]
    in_stock: tuple[bool, ...] = (True,)
    page: str = OFFER
    drop_threshold_percent: Decimal | None = None
    target_price: Decimal | None = None
    active: bool = True
    # Whether its page still shows the price while out of stock (many shops show none).
    priced_when_sold_out: bool = True
    # The notifications each cycle's observation raises: the demo's story, by hand, so the
    # tests compare the service against an account written independently of its code.
    alerts: Mapping[int, tuple[EventKind, ...]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"/{self.retailer}/{self.product_id}"

    @property
    def reached_by(self) -> str:
        """What a fetch needs to read its page (DIRECT, BROWSER, PROXY)."""
        return REACHED_BY.get(self.retailer, DIRECT)

    def price(self, cycle: int) -> Decimal:
        return Decimal(self.prices[min(cycle, len(self.prices) - 1)])

    def shown_price(self, cycle: int) -> Decimal | None:
        """The price the page shows in `cycle`: None when it is out of stock and says so
        without a price."""
        if self.priced_when_sold_out or self.availability(cycle) == Availability.IN_STOCK:
            return self.price(cycle)
        return None

    def availability(self, cycle: int) -> Availability:
        in_stock = self.in_stock[min(cycle, len(self.in_stock) - 1)]
        return Availability.IN_STOCK if in_stock else Availability.OUT_OF_STOCK


# fmt: off
PRODUCTS = (
    Product("kettle", "jsonld-mart", "Steel kettle 1.7 l", ("40.00", "34.00"),
            alerts={1: (EventKind.PRICE_DROP,)}),  # -15 %
    Product("toaster", "jsonld-mart", "Two-slot toaster", ("50.00", "50.00", "45.00"),
            alerts={2: (EventKind.PRICE_DROP,)}),  # -10 %: exactly the threshold
    Product("blender", "jsonld-mart", "Blender 600 W", ("80.00", "76.00")),  # -5 %: too small
    Product("grill", "jsonld-mart", "Contact grill", ("64.99",), page=MISSING),
    Product("fryer", "jsonld-mart", "Air fryer (retired)", ("99.00", "49.00"), active=False),
    Product("headphones", "micro-store", "Wireless headphones", ("100.00", "110.00")),  # a rise
    Product("speaker", "micro-store", "Bluetooth speaker", ("59.00",), page=FLAKY),
    Product("lamp", "meta-shop", "Desk lamp", ("30.00", "29.00", "28.00"),
            target_price=Decimal("28.50"),
            alerts={2: (EventKind.TARGET_PRICE,)}),  # -3.4 %: only the target price speaks
    Product("desk-chair", "meta-shop", "Office chair", ("200.00", "190.00"),
            drop_threshold_percent=Decimal(5),
            alerts={1: (EventKind.PRICE_DROP,)}),  # -5 %: its own threshold
    Product("standing-desk", "meta-shop", "Standing desk", ("450.00",), page=CAPTCHA),
    Product("espresso-machine", "example-shop", "Espresso machine", ("249.00", "199.00"),
            alerts={1: (EventKind.PRICE_DROP,)}),  # -20 %
    Product("grinder", "example-shop", "Coffee grinder", ("89.90",), in_stock=(True, False, True),
            priced_when_sold_out=False,  # sold out, its page shows no price
            alerts={2: (EventKind.BACK_IN_STOCK,)}),
)
HARD_TO_REACH = (
    Product("robot-vacuum", "script-shop", "Robot vacuum cleaner", ("300.00", "255.00"),
            alerts={1: (EventKind.PRICE_DROP,)}),  # -15 %, seen only by the browser
    Product("smart-bulb", "script-shop", "Smart bulb E27", ("12.99",)),
    Product("gaming-monitor", "walled-shop", "27-inch gaming monitor", ("329.00", "339.00")),
    Product("webcam", "walled-shop", "HD webcam", ("79.00",)),
)
# fmt: on
ALL_PRODUCTS = PRODUCTS + HARD_TO_REACH


@dataclass(frozen=True)
class ExpectedPage:
    """What a product's page shows in a cycle, and what the service should make of it.

    `outcome` is the catalog item's `last_status` after the cycle (None: an inactive
    product, never fetched); `price`, `currency` and `availability` are what an
    observation reads (None when the page has no offer; price and currency None when an
    out-of-stock page shows no price); `alerts` the notifications due.
    """

    product_id: str
    retailer: str
    page: str
    http_status: int  # of the page; a flaky page answers 503 first in every cycle
    outcome: ScrapeStatus | None
    price: Decimal | None
    currency: str | None
    availability: Availability | None
    alerts: tuple[EventKind, ...]


@dataclass(frozen=True)
class SiteRequest:
    """One request the site answered."""

    cycle: int
    path: str
    status: int
    user_agent: str
    at: float  # time.monotonic()
    via: str = ""  # the Via header: the proxies the request came through ("" when direct)

    @property
    def proxied(self) -> bool:
        return bool(self.via)


def expected(cycle: int, products: Iterable[Product] = PRODUCTS) -> dict[str, ExpectedPage]:
    """What each of `products`' pages shows in `cycle` (to a fetch that can read it), by
    product_id."""
    _check_cycle(cycle)
    pages = {}
    for product in products:
        has_offer = product.page in (OFFER, FLAKY)
        price = product.shown_price(cycle) if has_offer else None
        pages[product.product_id] = ExpectedPage(
            product_id=product.product_id,
            retailer=product.retailer,
            page=product.page,
            http_status=404 if product.page == MISSING else 200,
            outcome=OUTCOMES[product.page] if product.active else None,
            price=price,
            currency=CURRENCIES[product.retailer] if price is not None else None,
            availability=product.availability(cycle) if has_offer else None,
            alerts=product.alerts.get(cycle, ()) if product.active else (),
        )
    return pages


class RetailerSite(LoopbackSite):
    """The site, served on 127.0.0.1 at a free port from `start()` to `stop()`."""

    name = "retailer site"
    server_version = "RetailerSite/1.0"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._cycle = 0
        self._requests: list[SiteRequest] = []
        self._served: Counter[tuple[int, str]] = Counter()  # (cycle, path) -> requests

    def url(self, product_id: str) -> str:
        return f"http://{self.host_port}{_PRODUCTS[product_id].path}"

    def set_cycle(self, cycle: int) -> None:
        """Show every page as it is in `cycle` from now on."""
        _check_cycle(cycle)
        with self._lock:
            self._cycle = cycle

    def expected(
        self, cycle: int, products: Iterable[Product] = PRODUCTS
    ) -> dict[str, ExpectedPage]:
        """What the pages show in `cycle` (the module's `expected`)."""
        return expected(cycle, products)

    def sample_catalog(self, products: Iterable[Product] = PRODUCTS) -> list[CatalogRow]:
        """The catalog of `products` (by default those any stack reads), with URLs on this
        site's port."""
        return [
            CatalogRow(
                product_id=product.product_id,
                retailer=product.retailer,
                url=self.url(product.product_id),
                name=product.name,
                drop_threshold_percent=product.drop_threshold_percent,
                target_price=product.target_price,
                active=product.active,
            )
            for product in products
        ]

    def requests(self) -> list[SiteRequest]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._requests)

    def request_count(self, path: str, cycle: int | None = None) -> int:
        """How many requests `path` received (in `cycle`, or in all cycles)."""
        with self._lock:
            if cycle is not None:
                return self._served[cycle, path]
            return sum(count for (_, served), count in self._served.items() if served == path)

    def requests_to(self, retailer: str) -> list[SiteRequest]:
        """Every request answered so far for `retailer`'s product pages, in order."""
        prefix = f"/{retailer}/"
        return [request for request in self.requests() if request.path.startswith(prefix)]

    def answer(self, path: str, headers: Message) -> tuple[int, str, str]:
        """A GET of `path` with these request headers: the proxies it came through count."""
        return self.respond(path, headers.get("User-Agent", ""), via=headers.get("Via", ""))

    def respond(self, path: str, user_agent: str = "", via: str = "") -> tuple[int, str, str]:
        """The (status, content type, body) answering a GET of `path` that came through the
        proxies `via` names ("" for a direct request); the request is logged."""
        path = urlsplit(path).path
        with self._lock:
            cycle = self._cycle
            self._served[cycle, path] += 1
            first_of_cycle = self._served[cycle, path] == 1
            status, content_type, body = _page(path, cycle, first_of_cycle, proxied=bool(via))
            self._requests.append(
                SiteRequest(cycle, path, status, user_agent, time.monotonic(), via)
            )
        return status, content_type, body


_PRODUCTS = MappingProxyType({product.product_id: product for product in ALL_PRODUCTS})
_BY_PATH = MappingProxyType({product.path: product for product in ALL_PRODUCTS})
_BY_API_PATH = MappingProxyType(
    {
        API_PATH.format(product_id=product.product_id): product
        for product in ALL_PRODUCTS
        if product.reached_by == BROWSER
    }
)
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"


def _check_cycle(cycle: int) -> None:
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 0:
        raise ValueError(f"a cycle is a number from 0, not {cycle!r}")


def _page(path: str, cycle: int, first_of_cycle: bool, proxied: bool) -> tuple[int, str, str]:
    if path == "/robots.txt":
        return 200, "text/plain; charset=utf-8", ROBOTS_TXT
    if path == "/":
        return 200, _HTML, _INDEX_PAGE
    if path in _BY_API_PATH:
        return 200, _JSON, _api_product(_BY_API_PATH[path], cycle)
    product = _BY_PATH.get(path)
    if product is None or product.page == MISSING:
        return 404, _HTML, _document("Not found", "<h1>Not found</h1><p>No such product.</p>")
    if product.reached_by == PROXY and not proxied:
        return 403, _HTML, _BOT_WALL_PAGE
    if product.page == FLAKY and first_of_cycle:
        body = "<h1>Service unavailable</h1><p>Please try again in a moment.</p>"
        return 503, _HTML, _document("Service unavailable", body)
    if product.page == CAPTCHA:
        return 200, _HTML, _CAPTCHA_PAGE
    return 200, _HTML, _MARKUP[product.retailer](product, cycle)


def _document(title: str, body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{head}</head><body>{body}</body></html>"
    )


def _jsonld_page(product: Product, cycle: int) -> str:
    price = product.shown_price(cycle)
    offer = {
        "@type": "Offer",
        "availability": "https://schema.org/"
        + ("InStock" if product.availability(cycle) == Availability.IN_STOCK else "OutOfStock"),
    }
    if price is not None:
        offer |= {"price": str(price), "priceCurrency": CURRENCIES[product.retailer]}
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
    }
    data |= {"sku": product.product_id, "offers": offer}
    # "</" cannot end the script early: JSON allows "<\/".
    script = json.dumps(data).replace("</", "<\\/")
    head = f'<script type="application/ld+json">{script}</script>'
    shown = _shown(price, "{} " + CURRENCIES[product.retailer])
    body = f"<h1>{html.escape(product.name)}</h1><p>{shown}</p>"
    return _document(f"{product.name} | {_SHOP_NAMES[product.retailer]}", body, head)


def _microdata_page(product: Product, cycle: int) -> str:
    stock = "InStock" if product.availability(cycle) == Availability.IN_STOCK else "OutOfStock"
    price = product.shown_price(cycle)
    priced = (
        f'<span itemprop="priceCurrency" content="{CURRENCIES[product.retailer]}">£</span>'
        f'<span itemprop="price" content="{price}">{price}</span>'
        if price is not None
        else ""
    )
    body = (
        '<main itemscope itemtype="https://schema.org/Product">'
        f'<h1 itemprop="name">{html.escape(product.name)}</h1>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        f"{priced}"
        f'<link itemprop="availability" href="https://schema.org/{stock}">'
        "</div></main>"
    )
    return _document(f"{product.name} - Micro Store", body)


def _meta_page(product: Product, cycle: int) -> str:
    stock = "in stock" if product.availability(cycle) == Availability.IN_STOCK else "out of stock"
    price = product.shown_price(cycle)
    properties = {"og:type": "product", "og:title": product.name}
    if price is not None:
        properties["product:price:amount"] = str(price)
        properties["product:price:currency"] = CURRENCIES[product.retailer]
    properties["product:availability"] = stock
    head = "".join(
        f'<meta property="{key}" content="{html.escape(value)}">'
        for key, value in properties.items()
    )
    body = f"<h1>{html.escape(product.name)}</h1><p>{_shown(price, '${}')}</p>"
    return _document(f"{product.name} — Meta Shop", body, head)


def _rule_page(product: Product, cycle: int) -> str:
    # No structured data: only example-shop's retailer rule finds the price ("249,00 €").
    # Sold out without a price, the page's "Sold out" is what tells (extraction.availability).
    price = product.shown_price(cycle)
    shown = "" if price is None else f"{price:.2f}".replace(".", ",")
    stock = "In stock" if product.availability(cycle) == Availability.IN_STOCK else "Sold out"
    body = (
        f'<div id="product"><h1>{html.escape(product.name)}</h1>'
        + (f'<span class="price">{shown} €</span>' if price is not None else "")
        + f'<span class="stock">{stock}</span></div>'
        "<aside><h2>You may also like</h2><p>Milk frother <span>39,00 €</span></p></aside>"
    )
    return _document(f"{product.name} · Example Shop", body)


def _app_shell(product: Product, cycle: int) -> str:
    # What a single-page app serves: no product in the HTML, a script that fetches it and
    # draws it (JSON-LD first, then the visible product, SCRIPT_SHOP_FILLED last). It writes
    # text with textContent, never as markup, as such apps' frameworks do.
    api = json.dumps(API_PATH.format(product_id=product.product_id))
    script = (
        "fetch(" + api + ").then((r) => r.json()).then((p) => {"
        "const offer = {'@type': 'Offer', availability: 'https://schema.org/' +"
        " (p.in_stock ? 'InStock' : 'OutOfStock')};"
        "if (p.price !== null) { offer.price = p.price; offer.priceCurrency = p.currency; }"
        "const ld = document.createElement('script'); ld.type = 'application/ld+json';"
        "ld.textContent = JSON.stringify({'@context': 'https://schema.org', '@type': 'Product',"
        " name: p.name, sku: p.id, offers: offer});"
        "document.head.appendChild(ld);"
        "const app = document.getElementById('app'); app.replaceChildren();"
        "const add = (tag, cls, text) => { const e = document.createElement(tag);"
        " if (cls) e.className = cls; e.textContent = text; app.appendChild(e); };"
        "add('h1', '', p.name);"
        "add('p', 'stock', p.in_stock ? 'In stock' : 'Out of stock');"
        "add('p', 'price', p.price === null ? '' : '\u00a3' + p.price);"
        "});"
    )
    body = f'<div id="app"></div><script>{script}</script>'
    return _document("Script Shop", body)


def _api_product(product: Product, cycle: int) -> str:
    price = product.shown_price(cycle)
    return json.dumps(
        {
            "id": product.product_id,
            "name": product.name,
            "price": None if price is None else str(price),
            "currency": CURRENCIES[product.retailer],
            "in_stock": product.availability(cycle) == Availability.IN_STOCK,
        }
    )


def _shown(price: Decimal | None, template: str) -> str:
    """The price as the page's text shows it, or nothing when it shows none."""
    return "" if price is None else template.format(price)


_MARKUP = MappingProxyType(
    {
        "jsonld-mart": _jsonld_page,
        "micro-store": _microdata_page,
        "meta-shop": _meta_page,
        "example-shop": _rule_page,
        "script-shop": _app_shell,
        "walled-shop": _jsonld_page,  # behind its wall, a page like any other
    }
)
_SHOP_NAMES = MappingProxyType({"jsonld-mart": "JSON-LD Mart", "walled-shop": "Walled Shop"})

_INDEX_PAGE = _document(
    "Local retailer site",
    "<h1>Local retailer site</h1><ul>"
    + "".join(
        f'<li><a href="{product.path}">{html.escape(product.name)}</a> ({product.retailer})</li>'
        for product in ALL_PRODUCTS
    )
    + "</ul>",
)
_CAPTCHA_PAGE = _document(
    "Captcha check",
    "<h1>Please confirm you are not a robot</h1>"
    '<form action="/captcha" method="post"><div class="g-recaptcha" data-sitekey="local"></div>'
    "<button>Continue</button></form>",
)
# What walled-shop answers a direct request, with 403: a bot wall, as its vendors serve.
_BOT_WALL_PAGE = _document(
    "Access denied",
    "<h1>Are you a robot?</h1><p>Automated requests from this network are not allowed.</p>"
    '<div class="h-captcha" data-sitekey="local"></div>',
)
