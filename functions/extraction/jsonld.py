"""Offers a page declares in schema.org JSON-LD (`<script type="application/ld+json">`).

Blocks are found on the raw markup (no element tree), from its `<script` start tags (the
pass that finds the meta tags too, `raw_scan.StartTags`), and read leniently because
real pages get JSON wrong in a handful of recurring ways: HTML comment or CDATA wrappers,
trailing commas, raw control characters inside strings, several objects concatenated in
one script, stray text after the JSON. A block that still cannot be read is
skipped; the others are used.

Only offers of Product-like nodes reachable from the top level (a list, `@graph`, a page's
`mainEntity`) count, plus top-level Offers: offers of related or similar products, reviews
and breadcrumbs are never reached. Walking is bounded in depth and node count, since the data
comes from hostile pages. An offer that states no price still tells its availability
(`read`): an out-of-stock product often has no price.
"""

from __future__ import annotations

import html as html_entities
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

from contracts.catalog import Availability
from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import NextOccurrence
from extraction.offer import OfferCandidate, SourceReading, normalize_availability
from extraction.price import normalize_currency, parse_structured_price
from extraction.raw_scan import StartTags

SOURCE = "jsonld"

# A JSON-LD script's start tag: `<script` (`raw_scan.StartTags`), then before its ">" a
# type attribute saying so.
_LD_TYPE = re.compile(r"""(?<![\w-])type\s*+=\s*+["']?+\s*+application/ld\+json\b""", re.IGNORECASE)
_SCRIPT_END = re.compile(r"</script\s*>", re.IGNORECASE)
# Whitespace, comment and CDATA openers, and JS comments wrapped around the JSON.
_LEADING_JUNK = re.compile(r"(?:\s+|<!--|<!\[CDATA\[|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_SEPARATORS = re.compile(r"[\s,;]*")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_BAD_ESCAPE = re.compile(r"""\\(["\\/bfnrt]|u[0-9a-fA-F]{4}|.)""", re.DOTALL)
_TYPE_PREFIX = re.compile(r"[/:#]")
_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw control characters in strings

_PRODUCT_TYPES = frozenset(
    "product productgroup productmodel individualproduct someproducts vehicle car motorcycle "
    "book softwareapplication videogame dietarysupplement drug".split()
)
_OFFER_TYPES = frozenset(("offer", "aggregateoffer"))
# Price specifications that state a former or reference price, not the price to pay.
_NOT_SELLING_PRICE_TYPES = frozenset(
    "strikethroughprice listprice srp msrp invoiceprice minimumadvertisedprice".split()
)

_MAX_BLOCK_CHARS = 2_000_000
_MAX_VALUES_PER_BLOCK = 50
_MAX_DEPTH = 8
_MAX_NODES = 5_000
_MAX_CANDIDATES = 500


def candidates(html: str, budget: Budget = UNLIMITED) -> list[OfferCandidate]:
    """Every offer the page's JSON-LD declares for its product(s); never raises but
    `ExtractionTooSlowError` once `budget` is spent."""
    return read(html, budget).candidates


def read(html: str, budget: Budget = UNLIMITED, tags: StartTags | None = None) -> SourceReading:
    """The page's JSON-LD offers with a price, and the availability of those without one;
    never raises but `ExtractionTooSlowError` once `budget` is spent."""
    found: list[OfferCandidate] = []
    unpriced: list[Availability] = []
    products: set[str] = set()
    for block in _blocks(html, budget, StartTags.of(html, tags)):
        budget.check()
        walk = _Walk()
        try:
            for value in loads_lenient(block):
                walk.top_level(value)
        except RecursionError:  # absurdly nested data: keep what was read before
            pass
        found.extend(walk.results())
        unpriced.extend(walk.unpriced)
        products.update(walk.products)
        if len(found) >= _MAX_CANDIDATES:
            break
    return SourceReading(
        found[:_MAX_CANDIDATES], tuple(unpriced[:_MAX_CANDIDATES]), len(products) <= 1
    )


def _blocks(html: str, budget: Budget, tags: StartTags) -> list[str]:
    """The text of each JSON-LD script, in page order (type attribute in any case/quoting)."""
    blocks = []
    next_gt = NextOccurrence(html, ">")
    position = 0  # where the last JSON-LD script ended
    searched_to = -1  # the ">" of the last start tag found to be no JSON-LD script
    for scripts, name_end in enumerate(tags.name_ends("script", budget), 1):
        if not scripts % BUDGET_STRIDE:
            budget.check()
        if name_end < position:
            continue  # within a JSON-LD script's text
        tag_end = next_gt.after(name_end)
        if tag_end < 0:
            break  # no ">" left: no later start tag can end either
        if tag_end == searched_to or not _is_ld_json(html, name_end, tag_end):
            # A "<script" inside the attributes of one already searched has nothing more.
            searched_to = tag_end
            continue
        end = _SCRIPT_END.search(html, tag_end + 1)
        content_end = end.start() if end else len(html)
        if content_end - tag_end - 1 <= _MAX_BLOCK_CHARS:
            blocks.append(html[tag_end + 1 : content_end])
        position = end.end() if end else len(html)
    return blocks


def _is_ld_json(html: str, start: int, end: int) -> bool:
    """Whether the attributes `html[start:end]` of a script say JSON-LD. Most scripts' say
    nothing with the "+" of "ld+json", which `str.find` rules out far faster than a search
    of the pattern at each character."""
    return html.find("+", start, end) >= 0 and _LD_TYPE.search(html, start, end) is not None


def loads_lenient(text: str) -> list[object]:
    """The JSON values in a script's text, tolerating the usual real-world damage.

    Returns an empty list when nothing can be read; never raises.
    """
    text = text[_end_of(_LEADING_JUNK, text, 0) :]
    if text[:1] not in ("{", "["):
        # Stray text before the JSON (`var data = {...}`): start at the first bracket.
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        if not starts:
            return []
        text = text[min(starts) :]
    values: list[object] = []
    position = 0
    repaired = False
    while len(values) < _MAX_VALUES_PER_BLOCK:
        position = _end_of(_SEPARATORS, text, position)
        if position >= len(text) or text[position] not in "{[":
            break  # end, or stray text (`-->`, `]]>`, `//]]>`) after the JSON
        try:
            value, position = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            if repaired:
                break
            text = _repair(text[position:])
            position, repaired = 0, True
            continue
        values.append(value)
    return values


def _repair(text: str) -> str:
    """Undo the common JSON mistakes: trailing commas, invalid escapes, escaped markup."""
    if "&quot;" in text:
        text = html_entities.unescape(text)
    text = _TRAILING_COMMA.sub(r"\1", text)
    return _BAD_ESCAPE.sub(_fixed_escape, text)


def _end_of(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where `pattern`, which also matches the empty string, stops matching from `position`."""
    match = pattern.match(text, position)
    assert match is not None  # an empty match is still a match
    return match.end()


def _fixed_escape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    return match.group(0) if len(escaped) > 1 or escaped in '"\\/bfnrt' else escaped


class _Found(NamedTuple):
    candidate: OfferCandidate
    aggregate: bool  # read from an AggregateOffer's own lowPrice/price


class _Walk:
    """One block's walk: offers found, nodes already visited, and the node budget."""

    def __init__(self) -> None:
        self.found: list[_Found] = []
        self.visited: set[int] = set()
        self.budget = _MAX_NODES
        self.ids: dict[str, dict] = {}
        self.unpriced: list[Availability] = []  # stated by offers without a price
        # What names each top-level product (a page repeats its Product in several blocks).
        self.products: set[str] = set()

    def results(self) -> list[OfferCandidate]:
        return [found.candidate for found in self.found]

    def top_level(self, value: object) -> None:
        roots = list(_roots(value, 0))
        for node in roots:
            node_id = node.get("@id")
            if isinstance(node_id, str) and len(node) > 1:
                self.ids.setdefault(node_id, node)
        # Products first, so an Offer they reference by @id is read with its product's sku/url.
        offers: list[dict] = []
        for node in roots:
            for entity in [node, *map(self.resolve, _as_list(_get(node, "mainEntity")))]:
                if not isinstance(entity, dict):
                    continue
                types = _types(entity)
                if types & _PRODUCT_TYPES:
                    self.products.add(_identity(entity))
                    self.product(entity, 0, self.found, _text(_get(entity, "name")))
                elif types & _OFFER_TYPES:
                    offers.append(entity)
        for node in offers:
            self.offer(node, None, 0, self.found)

    def resolve(self, value: object) -> object:
        """A `{"@id": ...}` reference replaced by the node it names in the same block."""
        if isinstance(value, dict) and len(value) <= 2 and isinstance(value.get("@id"), str):
            return self.ids.get(value["@id"], value)
        return value

    def enter(self, node: dict, depth: int) -> bool:
        """Whether to walk into `node`: not seen before, and within depth and budget."""
        if depth > _MAX_DEPTH or self.budget <= 0 or id(node) in self.visited:
            return False
        self.visited.add(id(node))
        self.budget -= 1
        return True

    def product(self, node: dict, depth: int, out: list[_Found], name: str | None) -> None:
        """Offers of a product and its variants, all named `name` (the top-level product's:
        its variants are the same product to the page) when it has one."""
        if not self.enter(node, depth):
            return
        own: list[_Found] = []
        self.offers(_get(node, "offers"), node, depth + 1, own)
        variants: list[_Found] = []
        for variant in map(self.resolve, _as_list(_get(node, "hasVariant"))):
            if isinstance(variant, dict) and not _types(variant) & _OFFER_TYPES:
                self.product(variant, depth + 1, variants, name)
        if variants or any(not found.aggregate for found in own):
            # An aggregate price range only summarises the concrete offers beside it.
            own = [found for found in own if not found.aggregate]
        if name is not None:
            own = [found._replace(candidate=replace(found.candidate, name=name)) for found in own]
        out.extend(own)
        out.extend(variants)

    def offers(self, value: object, product: dict | None, depth: int, out: list[_Found]) -> None:
        for item in map(self.resolve, _as_list(value)):
            if isinstance(item, list) and depth < _MAX_DEPTH:
                self.offers(item, product, depth + 1, out)
            elif isinstance(item, dict) and not _types(item) & _PRODUCT_TYPES:
                self.offer(item, product, depth, out)

    def offer(self, node: dict, product: dict | None, depth: int, out: list[_Found]) -> None:
        if not self.enter(node, depth):
            return
        offered = map(self.resolve, _as_list(_get(node, "itemOffered")))
        context = next((item for item in offered if isinstance(item, dict)), product)
        nested: list[_Found] = []
        self.offers(_get(node, "offers"), context, depth + 1, nested)
        concrete = [found for found in nested if not found.aggregate]
        if concrete:  # an aggregate's own offers are more precise than its lowPrice
            out.extend(concrete)
            return
        candidate = _offer_candidate(node, context)
        if candidate is not None:
            out.append(_Found(candidate, aggregate="aggregateoffer" in _types(node)))
            return
        out.extend(nested)
        availability = normalize_availability(_scalar(_get(node, "availability")))
        if not nested and availability != Availability.UNKNOWN:
            self.unpriced.append(availability)


def _offer_candidate(node: dict, product: dict | None) -> OfferCandidate | None:
    aggregate = "aggregateoffer" in _types(node)
    keys = ("lowPrice", "price") if aggregate else ("price", "lowPrice")
    value = next((v for v in (_scalar(_get(node, key)) for key in keys) if v is not None), None)
    currency_value = _get(node, "priceCurrency")
    if value is None:
        value, currency_value = _specified_price(node, currency_value)
    amount, currency = _amount(value, currency_value)
    if amount is None:
        return None
    highest = _amount(_scalar(_get(node, "highPrice")), currency_value)[0] if aggregate else None
    return OfferCandidate(
        price=amount,
        currency=currency,
        availability=normalize_availability(_scalar(_get(node, "availability"))),
        source=SOURCE,
        url=_text(_get(node, "url")) or (_text(_get(product, "url")) if product else None),
        sku=_text(_get(node, "sku")) or (_text(_get(product, "sku")) if product else None),
        name=_text(_get(product, "name")) if product else None,
        highest=highest if highest is not None and highest > amount else None,
    )


def _identity(product: dict) -> str:
    """What names a product node: its name, else its sku, @id or url ("" for none)."""
    for key in ("name", "sku", "@id", "url"):
        text = _text(_get(product, key))
        if text:
            return f"{key}:{text.lower()}"
    return ""


def _specified_price(node: dict, currency_value: object) -> tuple[object, object]:
    """Price and currency from the offer's priceSpecification: the selling price, not a
    strikethrough/list price, preferring a whole-item price over a per-unit one."""
    selling = []
    for spec in _as_list(_get(node, "priceSpecification")):
        if not isinstance(spec, dict):
            continue
        price_type = _token(_scalar(_get(spec, "priceType")))
        if price_type in _NOT_SELLING_PRICE_TYPES or _scalar(_get(spec, "price")) is None:
            continue
        selling.append(spec)
    selling.sort(key=lambda spec: _get(spec, "referenceQuantity") is not None)
    if not selling:
        return None, currency_value
    spec = selling[0]
    return _scalar(_get(spec, "price")), _get(spec, "priceCurrency") or currency_value


def _amount(value: object, currency_value: object) -> tuple[Decimal | None, str | None]:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, None
    stated = _scalar(currency_value)
    currency = normalize_currency(stated) if isinstance(stated, str) else None
    parsed = parse_structured_price(value, currency)
    amount = parsed.amount
    if amount is None or not amount.is_finite() or amount <= 0:
        return None, None
    return amount, currency or parsed.currency


def _roots(value: object, depth: int) -> Iterator[dict]:
    """Top-level nodes: the value itself, list items and `@graph` members, recursively."""
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value[:_MAX_NODES]:
            yield from _roots(item, depth + 1)
    elif isinstance(value, dict):
        graph = _get(value, "@graph")
        if graph is not None:
            yield from _roots(graph, depth + 1)
        yield value


def _get(node: object, key: str) -> object:
    """A property, also when written with a "schema:" or schema.org URL prefix, or
    capitalised (Wix writes "Offers" and "Availability")."""
    if not isinstance(node, dict):
        return None
    value = node.get(key)
    if value is None:
        capitalised = key[:1].upper() + key[1:]
        for name in (
            capitalised,
            "schema:" + key,
            "http://schema.org/" + key,
            "https://schema.org/" + key,
        ):
            value = node.get(name)
            if value is not None:
                break
    return value


def _types(node: dict) -> set[str]:
    raw = node.get("@type", node.get("type"))
    return {_token(value) for value in _as_list(raw) if isinstance(value, str)}


def _token(value: object) -> str:
    """`http://schema.org/InStock`, `schema:InStock` and `InStock` all read `instock`."""
    if not isinstance(value, str):
        return ""
    return _TYPE_PREFIX.split(value.strip())[-1].lower()


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value[:_MAX_NODES] if isinstance(value, list) else [value]


def _scalar(value: object) -> object:
    """The first plain value of a property that may be a list or a JSON-LD value object."""
    for _ in range(3):
        if isinstance(value, list):
            value = value[0] if value else None
        elif isinstance(value, dict):
            value = value.get("@value", value.get("@id"))
        else:
            break
    return None if isinstance(value, list | dict) else value


def _text(value: object) -> str | None:
    value = _scalar(value)
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None
