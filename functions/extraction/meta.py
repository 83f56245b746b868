"""Offers a page states in meta tags: Open Graph / Facebook product tags, Twitter cards, RDFa.

Read on the raw markup (no element tree): its `<meta>` tags (found by the pass that finds
scripts too, `raw_scan.StartTags`), and with a regular expression tried only where
"property" occurs, the `property="..."` attributes of other elements for simple RDFa
(`<span property="schema:price" content="12.99">`). Only keys that name a price, its
currency or availability are parsed, so the cost is the scans.

Which price: a sale price (`product:sale_price:amount`) over the regular one; otherwise the
Open Graph price (`product:price:amount`, `og:price:amount`), else RDFa `price`, else a
Twitter card labelled "Price". The pre-sale price (`og:price:standard_amount`,
`product:original_price:amount`, or the regular price beside a sale price) is never the
price: when it is above every price stated, it is reported as the former price
(`SourceReading.former`), which outvotes another source stating it.
"""

from __future__ import annotations

import html as html_entities
import re
from decimal import Decimal

from contracts.catalog import Availability
from extraction.budget import UNLIMITED, Budget
from extraction.markup import NextOccurrence, parse_attributes
from extraction.offer import OfferCandidate, SourceReading, normalize_availability
from extraction.price import ParsedPrice, normalize_currency, parse_price, parse_structured_price
from extraction.raw_scan import LiteralLed, StartTags

SOURCE = "meta"

# Literal first, so that only its occurrences are tried; the character before it is checked
# in code.
_RDFA_PROPERTY = LiteralLed(
    "property",
    r"""property\s*+=\s*+["']?+\s*+(?:schema:|https?://schema\.org/)?"""
    r"""(price|lowPrice|priceCurrency|availability|product:price:amount)\s*["']?(?=[\s/>])""",
)
_TAG_NAME = re.compile(r"<([a-zA-Z][\w:-]*)")
_INTERESTING = ("price", "availab", "twitter:", "currency")
_TWITTER = re.compile(r"twitter:(label|data)(\d{1,2})")

_SALE_PRICE_KEYS = frozenset(("product:sale_price:amount", "og:sale_price:amount"))
_PRICE_KEYS = frozenset(("product:price:amount", "og:price:amount", "product:price", "og:price"))
_PRE_SALE_PRICE_KEYS = frozenset(
    "og:price:standard_amount product:original_price:amount og:original_price:amount".split()
)
_CURRENCY_KEYS = frozenset(
    "product:price:currency og:price:currency product:sale_price:currency "
    "og:sale_price:currency".split()
)
_AVAILABILITY_KEYS = frozenset(("product:availability", "og:availability"))
_RDFA_PREFIXES = ("schema:", "http://schema.org/", "https://schema.org/")
# Facebook catalogue wording that schema.org availability names do not cover.
_AVAILABILITY_WORDS = {
    "oos": Availability.OUT_OF_STOCK,
    "out of stock": Availability.OUT_OF_STOCK,
    "available for order": Availability.IN_STOCK,
    "in stock": Availability.IN_STOCK,
    "preorder": Availability.IN_STOCK,
    "pre-order": Availability.IN_STOCK,
}
_LOOKBEHIND = 2_000  # how far before a property attribute its start tag may begin
_MAX_CANDIDATES = 20


class _Found:
    """What the page's tags state, before choosing which prices to report."""

    def __init__(self) -> None:
        self.sale: list[tuple[str, bool]] = []  # (value, machine-readable)
        self.regular: list[tuple[str, bool]] = []
        self.pre_sale: list[tuple[str, bool]] = []
        self.rdfa: list[tuple[str, bool]] = []
        self.twitter_labels: dict[str, str] = {}
        self.twitter_data: dict[str, str] = {}
        self.currencies: list[str] = []  # Open Graph first, then RDFa/itemprop
        self.fallback_currencies: list[str] = []
        self.availability: list[str] = []


def candidates(html: str, budget: Budget = UNLIMITED) -> list[OfferCandidate]:
    """One candidate per distinct price the page's meta/RDFa tags state; never raises but
    `ExtractionTooSlowError` once `budget` is spent."""
    return read(html, budget).candidates


def read(html: str, budget: Budget = UNLIMITED, tags: StartTags | None = None) -> SourceReading:
    """The prices the page's meta/RDFa tags state, and the availability they state when
    they state no price; the tags describe the page, so one product. Never raises but
    `ExtractionTooSlowError` once `budget` is spent."""
    found = _Found()
    for raw in StartTags.of(html, tags).attributes(("meta",), budget):
        lowered = raw.lower()
        if any(word in lowered for word in _INTERESTING):
            _read_meta(parse_attributes(raw), found)
    budget.check()
    elements = _RdfaElements(html)
    for match in _RDFA_PROPERTY.finditer(html, budget):
        if match.start() and not html[match.start() - 1].isspace():
            continue  # "data-property=..." and the like
        elements.read(match, found)

    currency = next(filter(None, map(normalize_currency, found.currencies)), None) or next(
        filter(None, map(normalize_currency, found.fallback_currencies)), None
    )
    availability = next(
        (a for a in map(_availability, found.availability) if a != Availability.UNKNOWN),
        Availability.UNKNOWN,
    )
    twitter = [
        (found.twitter_data[index], False)
        for index, label in sorted(found.twitter_labels.items())
        if label.strip().lower() == "price" and index in found.twitter_data
    ]
    prices = found.sale or found.regular or found.rdfa or twitter
    results: list[OfferCandidate] = []
    seen: set[tuple[Decimal, str | None]] = set()
    for value, machine in prices:
        parsed = _parse(value, machine, currency)
        amount = parsed.amount
        if amount is None or not amount.is_finite() or amount <= 0:
            continue
        key = (amount, currency or parsed.currency)
        if key in seen:
            continue
        seen.add(key)
        results.append(OfferCandidate(amount, key[1], availability, SOURCE))
        if len(results) >= _MAX_CANDIDATES:
            break
    stated_alone = () if results or availability == Availability.UNKNOWN else (availability,)
    return SourceReading(results, stated_alone, former=_former_prices(found, results, currency))


def _former_prices(
    found: _Found, results: list[OfferCandidate], currency: str | None
) -> frozenset[Decimal]:
    """The pre-sale prices the tags state above every price they report: a pre-sale price
    equal to the price says only that the product is not on sale."""
    if not results:
        return frozenset()
    pre_sale = found.pre_sale + (found.regular if found.sale else [])
    highest = max(candidate.price for candidate in results)
    amounts = (_parse(value, machine, currency).amount for value, machine in pre_sale)
    return frozenset(
        amount
        for amount in amounts
        if amount is not None and amount.is_finite() and amount > highest
    )


def _read_meta(attrs: dict[str, str], found: _Found) -> None:
    content = attrs.get("content")
    if content is None or not content.strip():
        return
    itemprop = attrs.get("itemprop", "").strip().lower()
    if itemprop == "pricecurrency":
        found.fallback_currencies.append(content)
    for attribute in ("property", "name"):
        key = attrs.get(attribute, "").strip().lower()
        if not key:
            continue
        if key in _SALE_PRICE_KEYS:
            found.sale.append((content, True))
        elif key in _PRICE_KEYS:
            found.regular.append((content, True))
        elif key in _PRE_SALE_PRICE_KEYS:
            found.pre_sale.append((content, True))
        elif key in _CURRENCY_KEYS:
            found.currencies.append(content)
        elif key in _AVAILABILITY_KEYS:
            found.availability.append(content)
        elif attribute == "property":
            _read_rdfa(key, content, True, found)
        if twitter := _TWITTER.fullmatch(key):
            kind, index = twitter.groups()
            target = found.twitter_labels if kind == "label" else found.twitter_data
            target.setdefault(index, content)
        return  # one key per tag; property wins over name


def _read_rdfa(key: str, value: str, machine: bool, found: _Found) -> None:
    for prefix in _RDFA_PREFIXES:
        key = key.removeprefix(prefix)
    if key in ("price", "lowprice", "product:price:amount"):
        found.rdfa.append((value, machine))
    elif key == "pricecurrency":
        found.fallback_currencies.append(value)
    elif key == "availability":
        found.availability.append(value)


class _RdfaElements:
    """Reads RDFa properties on any element but <meta>: each start tag's attributes are
    parsed once, however many property attributes it holds."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.next_gt = NextOccurrence(html, ">")
        self.tag_start = -1
        self.attrs: dict[str, str] = {}

    def read(self, match: re.Match[str], found: _Found) -> None:
        """The property's content attribute, else its element's text."""
        html = self.html
        tag_start = html.rfind("<", max(0, match.start() - _LOOKBEHIND), match.start())
        tag_end = self.next_gt.after(match.end() - 1)
        name = _TAG_NAME.match(html, tag_start) if tag_start >= 0 else None
        if name is None or tag_end < 0 or name.group(1).lower() == "meta":
            return
        if html.find(">", tag_start, match.start()) >= 0:
            return  # the property text is not inside this tag (e.g. in a script)
        if tag_start != self.tag_start:
            self.tag_start = tag_start
            self.attrs = parse_attributes(html[name.end() : tag_end])
        attrs = self.attrs
        value = attrs.get("content") or attrs.get("href")
        machine = value is not None
        if value is None:
            text_end = html.find("<", tag_end + 1, tag_end + 500)
            text = html[tag_end + 1 : text_end] if text_end >= 0 else ""
            value = html_entities.unescape(text) if "&" in text else text
        if value.strip():
            _read_rdfa(match.group(1).lower(), value, machine, found)


def _parse(value: str, machine: bool, currency: str | None) -> ParsedPrice:
    parsed = parse_structured_price(value, currency) if machine else None
    if parsed is None or parsed.amount is None:
        parsed = parse_price(value, currency)  # "$249.95" or "48,00" in a content attribute
    return parsed


def _availability(value: str) -> Availability:
    words = " ".join(value.lower().replace("_", " ").split())
    return _AVAILABILITY_WORDS.get(words) or normalize_availability(value)
