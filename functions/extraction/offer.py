"""What extraction returns, and how one offer is chosen among several a page declares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import unquote, urlsplit

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


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What one structured source states: its offers with a price, and the stock status of
    the offers it states without one (an out-of-stock product often shows no price).

    `single_product` says whether everything the source states is about one product (a
    page's only Product, or meta tags, which describe the page): then, unless it offers
    that product at several prices, a status it states is the page's whatever its price.
    """

    candidates: list[OfferCandidate]
    unpriced: tuple[Availability, ...] = ()
    single_product: bool = True

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


def choose_offer(candidates: Sequence[OfferCandidate], page_url: str | None = None) -> Offer | None:
    """Pick the offer a shopper on `page_url` sees among those one source declares.

    Prices equal once parsed (2879.2 and "2879.20") are one offer, not a conflict. When
    they differ, the offer whose url or sku matches the page URL wins; otherwise the lowest
    in-stock price does, and the result is flagged ambiguous so the choice can be logged.
    """
    if not candidates:
        return None
    distinct = {(candidate.price, candidate.currency) for candidate in candidates}
    matching = [candidate for candidate in candidates if _matches_page(candidate, page_url)]
    ambiguous = False
    if len(distinct) == 1:
        chosen = min(candidates, key=_availability_rank)
    elif matching and len({(c.price, c.currency) for c in matching}) == 1:
        chosen = min(matching, key=_availability_rank)
    else:
        ambiguous = True
        chosen = min(matching or candidates, key=lambda c: (_availability_rank(c), c.price))
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


_AVAILABILITY_ORDER = (Availability.IN_STOCK, Availability.UNKNOWN, Availability.OUT_OF_STOCK)


def _availability_rank(candidate: OfferCandidate) -> int:
    return _AVAILABILITY_ORDER.index(candidate.availability)


def availability_rank(availability: Availability) -> int:
    """Order of preference between statuses of one price: in stock, unknown, out of stock."""
    return _AVAILABILITY_ORDER.index(availability)


def _matches_page(candidate: OfferCandidate, page_url: str | None) -> bool:
    if not page_url:
        return False
    page = _comparable_url(page_url)
    if candidate.url and _comparable_url(candidate.url) == page:
        return True
    sku = (candidate.sku or "").strip().lower()
    if len(sku) < 3:  # "1" or "A" would match nearly any URL
        return False
    return re.search(rf"(?<![a-z0-9]){re.escape(sku)}(?![a-z0-9])", page) is not None


def _comparable_url(url: str) -> str:
    """Host, path and query, lower-cased and decoded: what identifies a product listing."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/").lower()
    query = f"?{unquote(parts.query).lower()}" if parts.query else ""
    return f"{host}{path}{query}"
