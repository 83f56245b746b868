"""Offers a page declares in schema.org microdata (`itemscope` / `itemprop` attributes).

Items and their properties follow the HTML microdata model: an `itemprop` belongs to the
nearest enclosing `itemscope`, an item's `itemref` pulls in the properties of the elements
it names, and a property's value is its `content` attribute, else the URL, machine value or
text its element type carries. Prices come from Offer, AggregateOffer and Product items,
and also from an `itemprop="price"` outside any item, which sloppy pages often write.

Items reached through related-product, review or list properties are skipped: their
prices are someone else's. An item that states no price still tells its availability
(`read`): an out-of-stock product often has no price.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from contracts.catalog import Availability
from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import Element, walk
from extraction.offer import OfferCandidate, SourceReading, normalize_availability
from extraction.other_products import BlocksOfOtherProducts
from extraction.price import normalize_currency, parse_price, parse_structured_price
from extraction.raw_scan import LiteralLed

SOURCE = "microdata"

# `may_contain` reads an itemprop's value (to a quote or ">") for a price or availability.
_ITEMPROP_VALUE = LiteralLed("itemprop", r"""itemprop\s*+=\s*+["']?+""")
_VALUE_END = re.compile(r"""["'>]""")
_PRICE_NAME = re.compile(r"(?<![\w-])(?:[pP]rice|low[pP]rice|availability)(?![\w-])")
_URL_ATTRIBUTE = {
    "a": "href", "area": "href", "link": "href",
    "audio": "src", "embed": "src", "iframe": "src", "img": "src", "source": "src",
    "track": "src", "video": "src", "object": "data",
}  # fmt: skip
_PRODUCT_TYPES = frozenset(
    "product productgroup productmodel individualproduct someproducts vehicle car book".split()
)
# Properties and item types whose nested prices belong to other products or to nobody.
_FOREIGN_PROPERTIES = frozenset(
    "isrelatedto issimilarto isaccessoryorsparepartfor isconsumablefor related_products "
    "relatedproducts relatedproduct related review reviews aggregaterating".split()
)
_FOREIGN_TYPES = frozenset(
    "review aggregaterating rating itemlist breadcrumblist listitem organization".split()
)
_NOT_SELLING_PRICE_TYPES = frozenset(
    "strikethroughprice listprice srp msrp invoiceprice minimumadvertisedprice".split()
)
_TYPE_PREFIX = re.compile(r"[/:#]")
_MAX_PRICES_PER_ITEM = 20
_MAX_REFERENCE_STEPS = 10_000
_MAX_VALUE_CHARS = 1_000  # of a property's text: a price, currency or stock status is short


def may_contain(html: str, budget: Budget = UNLIMITED) -> bool:
    """Whether the page has an `itemprop` price or availability at all: a cheap test before
    building a tree.

    Unquoted values run to the next quote or ">", so the values of consecutive itemprops
    may end at the same place; each such stretch is searched once. Never raises but
    `ExtractionTooSlowError` once `budget` is spent.
    """
    searched_to = -1
    for value in _ITEMPROP_VALUE.finditer(html, budget):
        start = value.end()
        if start <= searched_to:
            continue  # inside the value of an earlier itemprop, already searched
        end = _VALUE_END.search(html, start)
        searched_to = end.start() if end else len(html)
        if _PRICE_NAME.search(html, start, searched_to) is not None:
            return True
    return False


class _Item:
    """One microdata item (or the page itself, for properties outside any item)."""

    __slots__ = (
        "_by_name", "_concrete_child", "_first", "children", "element", "names", "parent",
        "props", "types",
    )  # fmt: skip

    def __init__(self, element: Element | None, parent: _Item | None) -> None:
        self.element = element
        self.parent = parent
        self.children: list[_Item] = []
        self.props: list[tuple[str, Element]] = []
        attrs = element.attrs if element is not None else {}
        self.names = {name.lower() for name in attrs.get("itemprop", "").split()}
        self.types = {_token(t) for t in attrs.get("itemtype", "").split()}
        # Read once all properties are known; items ask for the same ones many times.
        self._by_name: dict[str, list[Element]] | None = None
        self._first: dict[str, str | None] = {}
        self._concrete_child: bool | None = None

    def values(self, name: str) -> Iterator[tuple[str, bool]]:
        """The values of a property, each with whether it is a machine-readable value."""
        if self._by_name is None:
            self._by_name = {}
            for prop_name, element in self.props:
                self._by_name.setdefault(prop_name, []).append(element)
        for element in self._by_name.get(name, ()):
            if "itemscope" not in element.attrs:
                value = _property_value(element)
                if value is not None and value[0].strip():
                    yield value

    def first(self, name: str) -> str | None:
        if name not in self._first:
            self._first[name] = next((value.strip() for value, _ in self.values(name)), None)
        return self._first[name]

    def has_concrete_offer_child(self) -> bool:
        """Whether one of its child items is an Offer with a price."""
        if self._concrete_child is None:
            self._concrete_child = any(
                "offer" in child.types and child.first("price") is not None
                for child in self.children
            )
        return self._concrete_child

    def is_foreign(self) -> bool:
        """Whether its prices are another product's or nobody's: it is reached through a
        related-product, review or list property or item."""
        item: _Item | None = self
        for _ in range(50):
            if item is None:
                return False
            if item.names & _FOREIGN_PROPERTIES or item.types & _FOREIGN_TYPES:
                return True
            item = item.parent
        return True  # absurd nesting: not worth trusting

    def product(self) -> _Item | None:
        """The product this item offers: itself, or its nearest product ancestor."""
        item: _Item | None = self
        for _ in range(5):
            if item is None or item.types & _PRODUCT_TYPES:
                return item
            item = item.parent
        return None

    def outermost_product(self) -> _Item | None:
        """The product this item offers that is no other product's part (a variant's or
        an accessory's product is the one around it)."""
        product = self.product()
        for _ in range(5):
            outer = product.parent.product() if product and product.parent else None
            if outer is None:
                return product
            product = outer
        return product


def candidates(root: Element, budget: Budget = UNLIMITED) -> list[OfferCandidate]:
    """Every offer the page's microdata declares for its product(s); never raises but
    `ExtractionTooSlowError` once `budget` is spent."""
    return read(root, budget).candidates


def read(root: Element, budget: Budget = UNLIMITED) -> SourceReading:
    """The page's microdata offers with a price, and the availability of items that state
    none; never raises but `ExtractionTooSlowError` once `budget` is spent."""
    page, items = _items(root, budget)
    budget.check()
    stated = {
        currency
        for item in (page, *items)
        for name in ("pricecurrency", "currency")
        for value, _ in item.values(name)
        if (currency := normalize_currency(value.strip()))
    }
    page_currency = next(iter(stated)) if len(stated) == 1 else None
    found: list[OfferCandidate] = []
    unpriced: list[Availability] = []
    products: set[str] = set()  # what names each product that is no other's part
    blocks = BlocksOfOtherProducts(budget)
    for count, item in enumerate((page, *items), 1):
        if not count % BUDGET_STRIDE:
            budget.check()
        if "pricespecification" in item.names or item.is_foreign():
            continue  # a specification is read with its offer; foreign prices are not ours
        if item.element is not None and blocks.holds(item.element):
            continue  # a "related products" tile (which may alone carry microdata)
        product = item.outermost_product()
        if product is not None and product.element is not None and blocks.in_tile(product.element):
            continue  # one of a grid of products, each linking to its page: not ours
        if item.types & _PRODUCT_TYPES and (item.parent is None or item.parent.product() is None):
            products.add(_identity(item))
        if "aggregateoffer" in item.types and _has_concrete_offers(item):
            continue  # concrete offers inside or beside an aggregate beat its price range
        priced = _item_candidates(item, page_currency)
        found.extend(priced)
        availability = normalize_availability(item.first("availability"))
        if not priced and availability != Availability.UNKNOWN:
            unpriced.append(availability)
    return SourceReading(found, tuple(unpriced), len(products) <= 1)


def _identity(product: _Item) -> str:
    """What names a product item: its name, else its sku or url ("" for none)."""
    for name in ("name", "sku", "url"):
        text = product.first(name)
        if text:
            return f"{name}:{text.lower()}"
    return ""


def _has_concrete_offers(aggregate: _Item) -> bool:
    """An Offer with a price inside the aggregate or beside it."""
    parent = aggregate.parent
    return aggregate.has_concrete_offer_child() or (
        parent is not None and parent.has_concrete_offer_child()
    )


def _item_candidates(item: _Item, page_currency: str | None) -> list[OfferCandidate]:
    order = ("lowprice", "price") if "aggregateoffer" in item.types else ("price", "lowprice")
    currency_text = item.first("pricecurrency") or item.first("currency")
    prices = next((list(item.values(name)) for name in order if item.first(name)), [])
    if not prices:
        prices, currency_text = _specified_prices(item, currency_text)
    if not prices:
        return []
    currency = normalize_currency(currency_text) if currency_text else None
    product = item.product()
    availability = normalize_availability(item.first("availability"))
    url = item.first("url") or (product.first("url") if product else None)
    sku = item.first("sku") or (product.first("sku") if product else None)
    named = item.outermost_product()
    name = named.first("name") if named else None
    highest = None
    if "aggregateoffer" in item.types:
        highest = next(
            (_amount(value, machine, currency)[0] for value, machine in item.values("highprice")),
            None,
        )
    found = []
    for value, machine in prices[:_MAX_PRICES_PER_ITEM]:
        amount, parsed_currency = _amount(value, machine, currency or page_currency)
        if amount is not None:
            found.append(
                OfferCandidate(
                    price=amount,
                    currency=currency or parsed_currency or page_currency,
                    availability=availability,
                    source=SOURCE,
                    url=url,
                    sku=sku,
                    name=name,
                    highest=highest if highest is not None and highest > amount else None,
                )
            )
    return found


def _specified_prices(
    item: _Item, currency_text: str | None
) -> tuple[list[tuple[str, bool]], str | None]:
    """Prices from the item's priceSpecification items that state the selling price."""
    for spec in item.children:
        if "pricespecification" not in spec.names:
            continue
        if _token(spec.first("pricetype") or "") in _NOT_SELLING_PRICE_TYPES:
            continue
        prices = list(spec.values("price"))
        if prices:
            return prices, spec.first("pricecurrency") or currency_text
    return [], currency_text


def _amount(value: str, machine: bool, hint: str | None) -> tuple[Decimal | None, str | None]:
    parsed = parse_structured_price(value, hint) if machine else None
    if parsed is None or parsed.amount is None:
        # Visible text, or a content attribute written the way the page displays prices.
        parsed = parse_price(value, hint)
    amount = parsed.amount
    if amount is None or not amount.is_finite() or amount <= 0:
        return None, None
    return amount, parsed.currency


def _items(root: Element, budget: Budget) -> tuple[_Item, list[_Item]]:
    """The page pseudo-item (properties outside any item) and every item, in page order."""
    page = _Item(None, None)
    items: list[_Item] = []
    # The items of itemscope elements met so far, by element; and the item whose properties
    # an element's children are, by element (a cache: siblings ask the same).
    item_of: dict[Element, _Item] = {}
    owner_below: dict[Element | None, _Item] = {root.parent: page}
    # Most elements declare nothing: only those that do look for their owner (a filter
    # that runs in a comprehension, a function call for the few that may).
    declaring = [
        element
        for element in walk(root, budget)
        if ("item" in element.raw_attributes or "ITEM" in element.raw_attributes)
        and _may_declare_microdata(element.raw_attributes)
    ]
    for element in declaring:
        attrs = element.attrs
        names = attrs.get("itemprop", "").split()
        if not names and "itemscope" not in attrs:
            continue
        owner = _owner(element.parent, item_of, owner_below)
        for name in names:
            owner.props.append((name.lower(), element))
        if "itemscope" in attrs:
            item_of[element] = scope = _Item(element, owner)
            owner.children.append(scope)
            items.append(scope)
    # Each item with an itemref, and the ids it names (only the page pseudo-item has no element).
    referring = [
        (item, refs)
        for item in items
        if item.element is not None and (refs := item.element.attrs.get("itemref", "").split())
    ]
    if referring:
        _add_referenced_properties(root, referring, page, items, budget)
    return page, items


def _owner(
    parent: Element | None,
    item_of: dict[Element, _Item],
    owner_below: dict[Element | None, _Item],
) -> _Item:
    """The item an element's properties belong to (its parent given): that of its nearest
    itemscope ancestor, up to the walk's root, else the page's."""
    climbed: list[Element] = []
    node = parent
    while node not in owner_below:
        assert node is not None  # the root's parent is in `owner_below`
        owner = item_of.get(node)
        if owner is not None:
            owner_below[node] = owner
            break
        climbed.append(node)
        node = node.parent
    owner = owner_below[node]
    for node in climbed:
        owner_below[node] = owner
    return owner


def _may_declare_microdata(raw_attributes: str) -> bool:
    """Whether a start tag's raw text may hold an itemprop or itemscope attribute, in any
    case: the test that spares parsing the attributes of the many elements with none (an
    "item" in a class name, "menu-item", is common; the lower-casing is paid only then)."""
    if "item" not in raw_attributes and "ITEM" not in raw_attributes:
        return False
    lowered = raw_attributes.lower()
    return "itemprop" in lowered or "itemscope" in lowered


def _add_referenced_properties(
    root: Element,
    referring: list[tuple[_Item, list[str]]],
    page: _Item,
    items: list[_Item],
    budget: Budget,
) -> None:
    """Give each itemref'ing item the properties of the elements it names (HTML microdata)."""
    wanted = {ref for _, refs in referring for ref in refs}
    by_id: dict[str, Element] = {}
    for element in walk(root, budget):
        if element.has_attribute_text("id"):
            element_id = element.get("id")
            if element_id is not None and element_id in wanted and element_id not in by_id:
                by_id[element_id] = element
    item_of = {id(item.element): item for item in items}
    claimed: set[int] = set()
    adopted_from: dict[int, _Item] = {}  # items that lost a child to a referrer
    # Bounded for the whole page, not per item: ids can point anywhere, from any number of
    # items; a step is an element visited or one of its children queued.
    steps = _MAX_REFERENCE_STEPS
    for item, refs in referring:
        pending = [by_id[ref] for ref in refs if ref in by_id]
        visited: set[int] = set()
        while pending and steps > 0:
            steps -= 1
            if not steps % BUDGET_STRIDE:
                budget.check()
            element = pending.pop()
            if id(element) in visited or element is item.element:
                continue
            visited.add(id(element))
            attrs = element.attrs if _may_declare_microdata(element.raw_attributes) else {}
            for name in attrs.get("itemprop", "").split():
                item.props.append((name.lower(), element))
                claimed.add(id(element))
            nested = item_of.get(id(element))
            if nested is None:
                steps -= len(element.children)
                pending.extend(child for child in element.children if isinstance(child, Element))
            elif attrs.get("itemprop") and nested.parent is not None:
                # A referenced item that is a property value becomes the referrer's child.
                adopted_from[id(nested.parent)] = nested.parent
                nested.parent = item
                item.children.append(nested)
    for parent in adopted_from.values():  # one pass each, not one list removal per child
        parent.children = _last_of_each_child(parent)
    # A referenced property is the referring item's, not a stray one of the page.
    page.props = [(name, element) for name, element in page.props if id(element) not in claimed]


def _last_of_each_child(parent: _Item) -> list[_Item]:
    """Its children still its own, each once at its last position (where it was appended
    when adopted again), in order."""
    kept: list[_Item] = []
    seen: set[int] = set()
    for child in reversed(parent.children):
        if child.parent is parent and id(child) not in seen:
            seen.add(id(child))
            kept.append(child)
    kept.reverse()
    return kept


def _property_value(element: Element) -> tuple[str, bool] | None:
    """A property's value per HTML microdata, with whether it is machine-readable."""
    attrs = element.attrs
    if "content" in attrs:
        return attrs["content"], True
    url_attribute = _URL_ATTRIBUTE.get(element.tag)
    if url_attribute is not None:
        return (attrs[url_attribute], True) if url_attribute in attrs else None
    if element.tag in ("data", "meter") and "value" in attrs:
        return attrs["value"], True
    if element.tag == "time" and "datetime" in attrs:
        return attrs["datetime"], True
    return element.text(_MAX_VALUE_CHARS), False


def _token(value: str) -> str:
    return _TYPE_PREFIX.split(value.strip())[-1].lower()
