"""What extraction returns, and how one offer is chosen among several a page declares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol
from urllib.parse import unquote, urljoin, urlsplit

from contracts.catalog import Availability

# Sources, most trusted first. A retailer rule is the operator's explicit instruction.
SOURCES = ("rule", "jsonld", "microdata", "meta", "heuristic")

_IN_STOCK_WORDS = frozenset(
    "instock instoreonly onlineonly limitedavailability preorder presale backorder "
    "available in_stock true".split()
)
_OUT_OF_STOCK_WORDS = frozenset(
    "outofstock soldout discontinued out_of_stock unavailable false".split()
)
_NON_WORD = re.compile(r"[^a-z_]")


def normalize_availability(value: object) -> Availability:
    """Map schema.org availability (URL, prefixed or bare, any casing) or prose to our three."""
    if not isinstance(value, str):
        return Availability.UNKNOWN
    token = value.strip().lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    token = _NON_WORD.sub("", token)
    if token in _IN_STOCK_WORDS:
        return Availability.IN_STOCK
    if token in _OUT_OF_STOCK_WORDS:
        return Availability.OUT_OF_STOCK
    return Availability.UNKNOWN


@dataclass(frozen=True, slots=True)
class OfferCandidate:
    """One price a page states, with what identifies the offer it belongs to."""

    price: Decimal
    currency: str | None
    availability: Availability
    source: str
    url: str | None = None
    sku: str | None = None
    name: str | None = None  # of the product the offer is for, as the source states it
    # An AggregateOffer's highPrice above its lowPrice (`price`): the price is then only the
    # cheapest of the offers it sums up (variants, or a graduated price's largest quantity).
    highest: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What one structured source states: its offers with a price, and the stock status of
    the offers it states without one (an out-of-stock product often shows no price).

    `single_product` says whether everything the source states is about one product (a
    page's only Product, or meta tags, which describe the page): then, unless it offers
    that product at several prices, a status it states is the page's whatever its price.

    `former` holds the prices the source names as the product's pre-sale price, beside a
    lower current one (Open Graph's `og:price:standard_amount`): another source stating
    one of them holds a stale list price.
    """

    candidates: list[OfferCandidate]
    unpriced: tuple[Availability, ...] = ()
    single_product: bool = True
    former: frozenset[Decimal] = frozenset()

    def availability_of(self, price: Decimal | None) -> Availability:
        """The status this source states for the page's offer at `price` (None: the page
        shows no price): that of its offers at that price, else the one status it states
        about its one product at one price (or none); unknown when it states none, or
        several."""
        same_price = {
            candidate.availability
            for candidate in self.candidates
            if candidate.price == price and candidate.availability != Availability.UNKNOWN
        }
        if same_price:
            return min(same_price, key=availability_rank)
        if not self.single_product or len({c.price for c in self.candidates}) > 1:
            return Availability.UNKNOWN  # several products, or one product's several offers
        stated = {candidate.availability for candidate in self.candidates}
        stated.update(self.unpriced)
        stated.discard(Availability.UNKNOWN)
        return stated.pop() if len(stated) == 1 else Availability.UNKNOWN


@dataclass(frozen=True, slots=True)
class Offer:
    """The page's price, where it came from, and how sure extraction is of it.

    `price` is None only for an out-of-stock page that shows no price: its availability is
    then OUT_OF_STOCK, `currency` None, and `source` the evidence of the status.
    """

    price: Decimal | None
    currency: str | None
    availability: Availability
    source: str
    confidence: float = 1.0
    ambiguous: bool = False
    alternatives: tuple[Decimal, ...] = field(default=())
    # The sources that stated this price, most trusted first, when several were compared.
    agreed_sources: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "price": None if self.price is None else str(self.price),
            "currency": self.currency,
            "availability": self.availability,
            "source": self.source,
            "confidence": round(self.confidence, 3),
            "ambiguous": self.ambiguous,
            "alternatives": [str(price) for price in self.alternatives],
            "agreed_sources": list(self.agreed_sources),
        }


class ProductPage(Protocol):
    """What tells the product a page is about (`extraction.page_identity.PageIdentity`)."""

    @property
    def urls(self) -> Sequence[str]:
        """The page's own addresses."""
        ...

    def best_named(self, names: Iterable[str]) -> tuple[frozenset[str], bool]:
        """Those of `names` that name the page's product best, and whether exactly."""
        ...


def choose_offer(
    candidates: Sequence[OfferCandidate],
    page_url: str | None = None,
    *,
    identity: ProductPage | None = None,
) -> Offer | None:
    """Pick the offer a shopper on `page_url` sees among those one source declares.

    Prices equal once parsed (2879.2 and "2879.20") are one offer, not a conflict. When
    they differ, the offers of the product the page is about are chosen among: those whose
    url or sku matches the page's URL (or, with the page's `identity`, its canonical URL or
    og:url), else those whose product name is the page's (`PageIdentity.best_named`: its
    og:title, <title> or first h1). When that leaves one price it wins, unambiguous unless
    only a loose name match chose it; otherwise the lowest in-stock price among them does,
    flagged ambiguous so that the choice is cross-checked and can be logged.
    """
    if not candidates:
        return None
    distinct = {(candidate.price, candidate.currency) for candidate in candidates}
    ambiguous = False
    if len(distinct) == 1:
        chosen = min(candidates, key=_availability_rank)
    else:
        own, certain = _offers_of_the_page(candidates, page_url, identity)
        if len({(c.price, c.currency) for c in own}) == 1:
            chosen = min(own, key=_availability_rank)
            ambiguous = not certain
        else:
            ambiguous = True
            chosen = min(own, key=lambda c: (_availability_rank(c), c.price))
    same_price = [c for c in candidates if (c.price, c.currency) == (chosen.price, chosen.currency)]
    stated_currencies = {c.currency for c in candidates if c.currency}
    # An offer that omits its currency shares the page's, when the page states only one.
    currency = chosen.currency or (
        next(iter(stated_currencies)) if len(stated_currencies) == 1 else None
    )
    return Offer(
        price=chosen.price,
        currency=currency,
        availability=min((c.availability for c in same_price), key=_AVAILABILITY_ORDER.index),
        source=chosen.source,
        ambiguous=ambiguous,
        alternatives=tuple(sorted({price for price, _ in distinct if price != chosen.price})),
    )


def _offers_of_the_page(
    candidates: Sequence[OfferCandidate], page_url: str | None, identity: ProductPage | None
) -> tuple[Sequence[OfferCandidate], bool]:
    """The candidates of the product the page is about, as far as its addresses and titles
    tell (all of them when nothing tells), and whether that evidence is certain: an address,
    or a name equal to the page's title, not one merely contained in it."""
    urls = identity.urls if identity is not None else tuple(filter(None, [page_url]))
    pages = {comparable for url in urls if (comparable := _comparable_url(url))}
    base = urls[0] if urls else None
    matching = [c for c in candidates if pages and _matches_page(c, pages, base)]
    own: Sequence[OfferCandidate] = matching or candidates
    certain = bool(matching)
    if identity is not None and len({(c.price, c.currency) for c in own}) > 1:
        named, exactly = identity.best_named(c.name for c in own if c.name)
        if named:
            own = [candidate for candidate in own if candidate.name in named]
            certain = exactly
    return own, certain


_AVAILABILITY_ORDER = (Availability.IN_STOCK, Availability.UNKNOWN, Availability.OUT_OF_STOCK)


def _availability_rank(candidate: OfferCandidate) -> int:
    return _AVAILABILITY_ORDER.index(candidate.availability)


def availability_rank(availability: Availability) -> int:
    """Order of preference between statuses of one price: in stock, unknown, out of stock."""
    return _AVAILABILITY_ORDER.index(availability)


def _matches_page(candidate: OfferCandidate, pages: set[str], base: str | None) -> bool:
    """Its url is one of the page's (`pages`, as `_comparable_url` gives them; a relative
    url is on the site of `base`), or its sku is a word of one of them."""
    if candidate.url and _comparable_url(candidate.url.strip(), base) in pages:
        return True
    sku = (candidate.sku or "").strip().lower()
    if len(sku) < 3:  # "1" or "A" would match nearly any URL
        return False
    found = re.compile(rf"(?<![a-z0-9]){re.escape(sku)}(?![a-z0-9])")
    return any(found.search(page) is not None for page in pages)


def _comparable_url(url: str, base: str | None = None) -> str | None:
    """Host, path and query, lower-cased and decoded: what identifies a product listing
    (None for a malformed URL). `url` may be relative to `base`."""
    try:
        parts = urlsplit(urljoin(base, url) if base else url.strip())
    except ValueError:  # "http://[::1" and the like, from hostile markup
        return None
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/").lower()
    query = f"?{unquote(parts.query).lower()}" if parts.query else ""
    return f"{host}{path}{query}"
