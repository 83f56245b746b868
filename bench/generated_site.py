"""A generated retailer site for the benchmarks: N JSON-LD product pages on 127.0.0.1.

Product i (`p000042`) belongs to retailer `shop<i mod R>` and lives at `/shop007/p000042`.
Its price depends on the cycle the site shows (`set_cycle(n)`): in even cycles every
product is at its base price; in odd cycles one product in five drops 15 % (above the
stack's 10 % threshold, so the detector publishes a notification) and the rest rise 2 %
(an observation, a stream record, no notification). Every cycle therefore changes every
price, which keeps the detector as busy as it can be.

`latency_seconds` delays every product page by that much before the answer (robots.txt is
answered at once: a run reads it once per retailer, not once per page). The server is
threaded, so concurrent fetches wait out their latency together, as they would on the web.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from local_stack.loopback_site import LoopbackSite
from pricemon.catalog_file import CatalogRow

DROP_EVERY = 5  # one product in DROP_EVERY drops in odd cycles
DROP_FACTOR = Decimal("0.85")
RISE_FACTOR = Decimal("1.02")
CURRENCY = "EUR"
ROBOTS_TXT = "User-agent: *\nAllow: /\n"
_PATH = re.compile(r"/shop(?P<retailer>\d{3})/p(?P<index>\d{6})")


@dataclass(frozen=True)
class GeneratedProduct:
    """One product of the site."""

    index: int
    retailer_count: int

    @property
    def product_id(self) -> str:
        return f"p{self.index:06d}"

    @property
    def retailer(self) -> str:
        return f"shop{self.index % self.retailer_count:03d}"

    @property
    def path(self) -> str:
        return f"/{self.retailer}/{self.product_id}"

    def price(self, cycle: int) -> Decimal:
        base = Decimal(10 + self.index % 490) + Decimal("0.99")
        if cycle % 2 == 0:
            return base
        factor = DROP_FACTOR if self.index % DROP_EVERY == 0 else RISE_FACTOR
        return (base * factor).quantize(Decimal("0.01"))

    def drops_in(self, cycle: int) -> bool:
        """Whether this product's price drops by DROP_FACTOR when the site enters `cycle`."""
        return cycle % 2 == 1 and self.index % DROP_EVERY == 0


class GeneratedSite(LoopbackSite):
    """`products` pages across `retailers` retailers, served from `start()` to `stop()`."""

    name = "generated site"
    server_version = "GeneratedSite/1.0"

    def __init__(self, products: int, retailers: int, latency_seconds: float = 0.0) -> None:
        if products < 1 or not 1 <= retailers <= 1000 or products >= 1_000_000:
            raise ValueError(
                f"a generated site has 1-999,999 products and 1-1,000 retailers, "
                f"not {products} and {retailers}"
            )
        if latency_seconds < 0:
            raise ValueError(f"page latency cannot be negative: {latency_seconds}")
        super().__init__()
        self.products = [GeneratedProduct(index, retailers) for index in range(products)]
        self.retailers = retailers
        self.latency_seconds = latency_seconds
        self.cycle = 0
        self._lock = threading.Lock()
        self._pages_served = 0

    @property
    def pages_served(self) -> int:
        """Product pages answered with 200 so far."""
        with self._lock:
            return self._pages_served

    def set_cycle(self, cycle: int) -> None:
        if cycle < 0:
            raise ValueError(f"a cycle is a number from 0, not {cycle}")
        self.cycle = cycle

    def url(self, product: GeneratedProduct) -> str:
        return f"http://{self.host_port}{product.path}"

    def catalog(self) -> list[CatalogRow]:
        """Every product as a catalog row (stack default threshold), URLs on this site."""
        return [
            CatalogRow(product.product_id, product.retailer, self.url(product), product.product_id)
            for product in self.products
        ]

    def drops(self, cycle: int) -> int:
        """How many products drop (and should notify) when the site enters `cycle`."""
        return sum(1 for product in self.products if product.drops_in(cycle))

    def respond(self, path: str, user_agent: str = "") -> tuple[int, str, str]:
        """(status, content type, body) for a GET of `path`."""
        path = path.split("?", 1)[0]
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        product = self._product_at(path)
        if product is None:
            return 404, "text/html; charset=utf-8", "<!doctype html><title>Not found</title>"
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        with self._lock:
            self._pages_served += 1
        return 200, "text/html; charset=utf-8", product_page(product, self.cycle)

    def _product_at(self, path: str) -> GeneratedProduct | None:
        match = _PATH.fullmatch(path)
        if match is None:
            return None
        index = int(match["index"])
        if index >= len(self.products):
            return None
        product = self.products[index]
        return product if product.retailer == f"shop{match['retailer']}" else None


def product_page(product: GeneratedProduct, cycle: int) -> str:
    """A product page with a schema.org JSON-LD offer, as many shops write it."""
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": f"Product {product.product_id}",
        "sku": product.product_id,
        "offers": {
            "@type": "Offer",
            "price": str(product.price(cycle)),
            "priceCurrency": CURRENCY,
            "availability": "https://schema.org/InStock",
        },
    }
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Product {product.product_id} | {product.retailer}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><h1>Product {product.product_id}</h1>"
        f"<p>{product.price(cycle)} {CURRENCY}</p></body></html>"
    )


# --- A script-rendered shop (bench/render_cost.py) ------------------------------------------

# Subresources of a script-rendered product page, as a single-page shop serves them: a
# stylesheet, a vendor bundle, the shop's app and a tag manager (all fetched by the
# renderer), images and a web font (refused by type, never requested).
SCRIPT_SHOP_ASSETS = ("/static/site.css", "/static/vendor.js", "/static/app.js", "/static/tags.js")
SCRIPT_SHOP_IMAGES = 3
PRICE_SELECTOR = "#offer .price"  # what the shop's retailer config would give as wait_for
_OFFER_PATH = re.compile(r"/api/offers/p(?P<index>\d{6})\.json")

_APP_JS = """\
// Fetches the offer after load and writes it into the page, as single-page shops do.
document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("offer");
  const answer = await fetch(`/api/offers/${box.dataset.product}.json`);
  const offer = await answer.json();
  const ld = document.createElement("script");
  ld.type = "application/ld+json";
  ld.textContent = JSON.stringify({
    "@context": "https://schema.org", "@type": "Product", name: offer.name, sku: offer.sku,
    offers: {"@type": "Offer", price: offer.price, priceCurrency: offer.currency,
             availability: offer.availability}});
  document.head.appendChild(ld);
  const price = document.createElement("span");
  price.className = "price";
  price.textContent = `${offer.price} ${offer.currency}`;
  const stock = document.createElement("span");
  stock.className = "stock";
  stock.textContent = offer.inStock ? "In stock" : "Out of stock";
  box.replaceChildren(price, stock);
});
"""


def _filler(kind: str, size: int) -> str:
    """About `size` bytes of plausible CSS or JavaScript (what bundles weigh, not do)."""
    if kind == "css":
        rule = ".c{n} {{ margin: {n}px 0; color: #{n:06x}; font-family: Brand, sans-serif; }}\n"
        head = (
            '@font-face { font-family: Brand; src: url("/static/brand.woff2") format("woff2"); }\n'
            'body { background: url("/img/background.png"); }\n'
        )
    else:
        rule = "function f{n}(a, b) {{ return (a * {n} + b) % 65521; }}\n"
        head = "(function () {\n"
    lines, total, n = [head], len(head), 0
    while total < size:
        line = rule.format(n=n)
        lines.append(line)
        total += len(line)
        n += 1
    if kind != "css":
        lines.append("})();\n")
    return "".join(lines)


class ScriptRenderedSite(LoopbackSite):
    """Product pages whose price and stock a script inserts after load from a JSON endpoint.

    The HTML of `/shopNNN/pNNNNNN` names the product but shows no price: the http path finds
    none there. Every answer but robots.txt waits `latency_seconds` first. What each request
    kind cost is counted (`served`), so a benchmark can say how many bytes a render pulled.
    """

    name = "script-rendered site"
    server_version = "ScriptRenderedSite/1.0"

    def __init__(
        self,
        products: int,
        retailers: int = 1,
        latency_seconds: float = 0.0,
        *,
        vendor_bytes: int = 120_000,
        stylesheet_bytes: int = 30_000,
    ) -> None:
        super().__init__()
        self._pages = GeneratedSite(products, retailers)  # the products, their paths, prices
        if latency_seconds < 0:
            raise ValueError(f"latency cannot be negative: {latency_seconds}")
        self.latency_seconds = latency_seconds
        self._assets = {
            "/static/site.css": ("text/css", _filler("css", stylesheet_bytes)),
            "/static/vendor.js": ("text/javascript", _filler("js", vendor_bytes)),
            "/static/app.js": ("text/javascript", _APP_JS),
            "/static/tags.js": ("text/javascript", _filler("js", 8_000)),
        }
        self._lock = threading.Lock()
        self._served: dict[str, list[int]] = {}

    @property
    def products(self) -> list[GeneratedProduct]:
        return self._pages.products

    def url(self, product: GeneratedProduct) -> str:
        return f"http://{self.host_port}{product.path}"

    def served(self) -> dict[str, tuple[int, int]]:
        """(requests, body bytes) answered so far, by kind: page, asset, offer, other."""
        with self._lock:
            return {kind: (count, size) for kind, (count, size) in self._served.items()}

    def reset_counts(self) -> None:
        with self._lock:
            self._served.clear()

    def respond(self, path: str, user_agent: str = "") -> tuple[int, str, str]:
        """(status, content type, body) for a GET of `path`."""
        path = path.split("?", 1)[0]
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        kind, answer = self._answer(path)
        with self._lock:
            counts = self._served.setdefault(kind, [0, 0])
            counts[0] += 1
            counts[1] += len(answer[2].encode("utf-8"))
        return answer

    def _answer(self, path: str) -> tuple[str, tuple[int, str, str]]:
        if path in self._assets:
            content_type, body = self._assets[path]
            return "asset", (200, f"{content_type}; charset=utf-8", body)
        offer = _OFFER_PATH.fullmatch(path)
        if offer is not None and int(offer["index"]) < len(self.products):
            offered = self.products[int(offer["index"])]
            return "offer", (200, "application/json", json.dumps(offer_data(offered)))
        product = self._pages._product_at(path)
        if product is not None:
            return "page", (200, "text/html; charset=utf-8", script_rendered_page(product))
        return "other", (404, "text/plain; charset=utf-8", "not found")


def offer_data(product: GeneratedProduct) -> dict[str, object]:
    """What the shop's JSON endpoint answers for `product` (its cycle-0 price, in stock)."""
    return {
        "sku": product.product_id,
        "name": f"Product {product.product_id}",
        "price": str(product.price(0)),
        "currency": CURRENCY,
        "availability": "https://schema.org/InStock",
        "inStock": True,
    }


def script_rendered_page(product: GeneratedProduct) -> str:
    """The page's HTML before any script runs: the product's name, no price."""
    images = "".join(
        f'<img src="/img/{product.product_id}-{n}.jpg" alt="" width="400" height="400">'
        for n in range(SCRIPT_SHOP_IMAGES)
    )
    scripts = "".join(
        f'<script src="{asset}" defer></script>'
        for asset in SCRIPT_SHOP_ASSETS
        if asset.endswith(".js")
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Product {product.product_id} | {product.retailer}</title>"
        '<link rel="stylesheet" href="/static/site.css">'
        '<link rel="preload" href="/static/brand.woff2" as="font" crossorigin>'
        f"{scripts}</head><body><header><nav>Home / Kitchen</nav></header>"
        f"<main><h1>Product {product.product_id}</h1>{images}"
        f'<div id="offer" data-product="{product.product_id}">Loading...</div></main>'
        "</body></html>"
    )
