"""Whether the page's product is in stock, from every piece of evidence the page gives.

The source that decided the price usually states its availability with it. When it does
not, or when the page shows no price at all (an out-of-stock product often has none), the
evidence is read in order of trust:

1. schema.org availability in any structured source (JSON-LD, microdata, meta
   `product:availability` / `og:availability`, RDFa), when it is about the offer: an offer
   at the same price, or a source about the page's one product that states one status,
   with or without a price (`SourceReading.availability_of`);
2. the visible page (`visible_availability`): the page's main buy control ("Add to cart",
   "In den Warenkorb", "Ajouter au panier", ...), enabled (in stock) or disabled (out of
   stock), or an offer to tell the shopper once the product is back in its place ("Notify
   me when available", "Benachrichtigen, wenn verfügbar": out of stock), and a stock status
   stated on its own near the product title or that control ("Sold out", "Ausverkauft",
   "Épuisé"; "Only 3 left", "Nur noch 3 Stück": in stock).
   The two must not disagree: a disabled button beside "In stock" (a size not chosen yet)
   says nothing.

A structured status gives way only to a page that shows the other one both ways
(`surely_shown`): its main control (disabled or offering a restock notice, or enabled) and
a status stated beside it agree against it (a stale JSON-LD "InStock" by "Stokta yok" and
"Gelince Haber Ver"; a stale "OutOfStock" by "Є в наявності" and "Купити"). A cheap look
at the raw markup around the shown price (`may_state`) spares the tree on the many pages
that state no such status.

No evidence leaves the status unknown. A disabled buy control counts only when it is the
page's main one: the one nearest the product title, outside the page's header, footer,
navigation and other products' blocks (recommendations, accessories, recently viewed).

The visible page is walked once (linear in its size, the budget checked every
BUDGET_STRIDE elements), and only as far as it can change the reading: to the title, then
outwards from it to the nearest control, and the statuses within reach of either. Each
control, status and heading found costs a bounded look at its label and ancestors, and at
most a few hundred are looked at.
A page has hundreds of links: each one's start tag and label get one cheap substring test
(`visible.may_name_buy_action`) before any is parsed or matched word by word.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass
from decimal import Decimal
from itertools import count, islice

from contracts.catalog import Availability
from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.heuristic import SOURCE as VISIBLE_SOURCE
from extraction.markup import Element, walk
from extraction.offer import SourceReading
from extraction.other_products import (
    HEADING_TAGS,
    OtherProducts,
    SectionHeadings,
    is_block_of_other_products,
)
from extraction.visible import (
    CART_ATTRIBUTES,
    CLASS_WORD,
    in_variant_picker,
    is_hidden,
    is_toggled_off,
    may_name_buy_action,
    names_buy_action,
    offers_restock_notice,
    stated_stock,
)

# How sure the visible page makes the status: its main buy control and a stated status
# agreeing, or only one of them. Both are above the heuristic's trusted confidence
# (heuristic.DEFAULT_MIN_CONFIDENCE): either is how a shopper tells.
CONFIDENCE_AGREED = 0.9
CONFIDENCE_ONE = 0.7

# Content a shopper never sees, and option lists (a sold-out size is no sold-out product).
_UNSEEN_TAGS = frozenset(
    "head script style noscript template select option optgroup datalist textarea title svg "
    "iframe object canvas".split()
)
_CONTROL_TAGS = frozenset(("button", "input", "a"))
_SUBMIT_TYPES = frozenset(("submit", "button", "image"))
_CART_FORM_ATTRIBUTES = ("action", "id", "class")
# Page chrome: a cart button there is the site's, not the product's.
_CHROME_TAGS = frozenset(("nav", "header", "footer"))
# Class and id words of the page's chrome, besides those of other products' blocks.
_CHROME_WORDS = frozenset("nav navbar navigation menu footer minicart carousel modal popup".split())

_MAX_HEADINGS = 12
_MAX_CONTROLS = 200
_MAX_STATEMENTS = 200
_MAX_STOCK_TEXT = 240  # characters: a longer text is a paragraph, not a stated status
_MAX_LABEL = 60  # characters of a control's label
_MAX_LABEL_VISITS = 30  # nodes read for one label
_ANCESTORS = 12  # how far up a control or a status is placed in a block
_REACH = 80  # elements between a stated status and the title or control it is about
# Raw characters before and after the first price the page writes as text within which
# its buy box states the stock.
_BUY_BOX_BEFORE = 2000
_BUY_BOX_AFTER = 4000
_TEXT_IN_MARKUP = re.compile(rf">([^<]{{2,{_MAX_STOCK_TEXT}}})<")


@dataclass(frozen=True, slots=True)
class StockEvidence:
    """A stock status, where it was read (a structured source, or the visible page), and
    how sure it is."""

    availability: Availability
    source: str
    confidence: float = 1.0


Reading = Callable[[], SourceReading]


def page_availability(
    price: Decimal | None,
    readings: Iterable[tuple[str, Reading]],
    tree: Callable[[], Element] | None,
    budget: Budget = UNLIMITED,
) -> StockEvidence | None:
    """The most trusted evidence of the stock status of the page's offer at `price` (None:
    the page shows no price): what a structured source states about it, else what the
    visible page shows (`tree`, when given). None when nothing tells."""
    for name, read in readings:
        budget.check()
        status = read().availability_of(price)
        if status != Availability.UNKNOWN:
            return StockEvidence(status, name)
    if tree is None:
        return None
    return visible_availability(tree(), budget)


def visible_availability(root: Element, budget: Budget = UNLIMITED) -> StockEvidence | None:
    """What the visible page says of the product's stock: its main buy control, enabled or
    disabled, and a status stated near the title or that control; None when they say
    nothing, or disagree. Raises `ExtractionTooSlowError` once `budget` is spent."""
    page = _WalkedPage(root, budget)
    title = page.title()
    control = page.main_control(title)
    anchors = [position for position in (title, control[0] if control else None) if position]
    statements = list(page.statements(anchors))
    others = page.other_products(title, max((at for at, _, _ in statements), default=0))
    statuses = {
        status
        for _, status, element in statements
        if page.shown(element, others=others)
        and not in_variant_picker(element)
        and not is_toggled_off(element)
    }
    if len(statuses) > 1:
        return None  # the page states both: about sizes or variants, not the product
    stated = next(iter(statuses), None)
    if control is None or control[1] == stated:
        if stated is None:
            return None
        confidence = CONFIDENCE_ONE if control is None else CONFIDENCE_AGREED
        return StockEvidence(stated, VISIBLE_SOURCE, confidence)
    _, shown_by_control, disabled = control
    if stated is None:
        return StockEvidence(shown_by_control, VISIBLE_SOURCE, CONFIDENCE_ONE)
    if disabled:
        # A button disabled as served, the status stated beside it: pages disable theirs
        # until a script loads (Magento's add-to-cart) or a size is chosen.
        return StockEvidence(stated, VISIBLE_SOURCE, CONFIDENCE_ONE)
    return None  # an enabled buy control, a stated out of stock: they disagree


def may_state(markup: str, shown_at: int, status: Availability) -> bool:
    """Whether the raw markup states `status` in a text ("Sold out", "Stokta yok"; "In
    stock", "Є в наявності") near `shown_at`, where it first writes the offer's price as
    text: cheap, with no tree, and generous; `surely_shown` decides."""
    around = markup[max(0, shown_at - _BUY_BOX_BEFORE) : shown_at + _BUY_BOX_AFTER]
    for match in _TEXT_IN_MARKUP.finditer(around):
        text = match[1]
        if not text.isspace() and stated_stock(html.unescape(text)) == status:
            return True
    return False


def surely_shown(root: Element, status: Availability, budget: Budget = UNLIMITED) -> bool:
    """Whether the visible page shows the product's stock as `status` both by its main
    control and by a status stated beside it: surer than any structured status left in
    the markup."""
    evidence = visible_availability(root, budget)
    return (
        evidence is not None
        and evidence.availability == status
        and evidence.confidence >= CONFIDENCE_AGREED
    )


class _WalkedPage:
    """The page's elements by position in its walk (the first is 1), read from the walk only
    as far as a question needs: the product title (the first shown h1), the buy control
    nearest it (outside the page's chrome and other products' blocks; in stock when
    enabled), and the statuses stated within reach of either. A page is read in full only
    when it has no title or no control; otherwise from its start to the title and then
    around the title, as far as its nearest control and that control's reach.

    What is asked of many elements is read once per page: whether an ancestor hides what it
    holds or is another product's block (each control and status asks of a dozen, mostly
    the same ones), and the headings of other products' sections, only up to the furthest
    element asked about (a section follows its heading, so a heading after an element
    names no section around it)."""

    def __init__(self, root: Element, budget: Budget) -> None:
        self._unread = walk(root, budget, _UNSEEN_TAGS)
        self._read: list[Element] = []
        self._budget = budget
        self._section_headings = SectionHeadings()
        self._headings_met = 0  # of `_read`, by `_section_headings`
        self._other_products: OtherProducts | None = None
        self._headings_added = 0  # of `_section_headings`, to `_other_products`
        self._unshown_blocks: dict[int, bool] = {}  # by id of each ancestor tested

    def other_products(self, title: int | None, upto: int) -> Set[int]:
        """Ids of the elements in sections of other products that the headings up to
        `upto` name ("You may also like"): every section around an element up to there."""
        if self._other_products is None:
            self._other_products = OtherProducts(self.at(title or 0))
        read, meet = self._read, self._section_headings.meet
        upto = min(upto, len(read))
        for start in range(self._headings_met, upto, BUDGET_STRIDE):
            self._budget.check()
            for element in read[start : min(start + BUDGET_STRIDE, upto)]:
                if element.tag in HEADING_TAGS:
                    meet(element)
        self._headings_met = max(self._headings_met, upto)
        headings = self._section_headings.found
        self._other_products.add(headings[self._headings_added :])
        self._headings_added = len(headings)
        return self._other_products.ids

    def at(self, position: int) -> Element | None:
        """The element at `position`, None past the end of the page (or before its start)."""
        read = self._read
        while len(read) < position:
            more = list(islice(self._unread, BUDGET_STRIDE))
            if not more:
                return None
            read.extend(more)
        return read[position - 1] if position > 0 else None

    def title(self) -> int | None:
        """Where the first shown h1 of the first few is: a page's own h1 may sit in a
        <header>, so only a hidden one, or another block's, is not the title."""
        headings = 0
        read = self._read
        start = 0  # of the elements not looked at yet
        while self.at(start + 1) is not None:
            # Each run read, from the list: one call of `at` per run, not per element.
            for index in range(start, len(read)):
                element = read[index]
                if element.tag == "h1":
                    if self.shown(element, chrome=False):
                        return index + 1
                    headings += 1
                    if headings == _MAX_HEADINGS:
                        return None
            start = len(read)
        return None

    def main_control(self, title: int | None) -> tuple[int, Availability, bool] | None:
        """The page's own buy control, its status and whether the status is only its being
        disabled: the shown one nearest the title (the first, without a title), among the
        nearest named ones found, outside the sections of other products."""
        anchor = title or 0
        read = self._read
        cart_forms: dict[int, bool] = {}
        named = 0
        distance = 0
        while True:
            distance += 1
            if not distance % BUDGET_STRIDE:
                self._budget.check()
            before = read[anchor - distance - 1] if anchor - distance > 0 else None
            after_at = anchor + distance
            after = read[after_at - 1] if after_at <= len(read) else self.at(after_at)
            # At the same distance, the earlier one: before the title, then after it.
            for element, position in ((before, anchor - distance), (after, after_at)):
                if element is None or element.tag not in _CONTROL_TAGS:
                    continue
                status = _buy_control_status(element, cart_forms)
                if status is None:
                    continue
                if self.shown(element, others=self.other_products(title, position)):
                    return position, *status
                named += 1
                if named == _MAX_CONTROLS:
                    return None
            if after is None and anchor - distance < 1:
                return None

    def statements(self, anchors: list[int]) -> Iterator[tuple[int, Availability, Element]]:
        """The stock statuses stated on their own within reach of an anchor (anywhere,
        without one), with the elements stating them and their positions, in page order."""
        if anchors:
            near = {
                position
                for anchor in anchors
                for position in range(max(1, anchor - _REACH), anchor + _REACH + 1)
            }
            positions: Iterable[int] = sorted(near)
        else:
            positions = count(1)
        read = self._read
        found = 0
        for steps, position in enumerate(positions, 1):
            if not steps % BUDGET_STRIDE:
                self._budget.check()
            element = read[position - 1] if position <= len(read) else self.at(position)
            if element is None:
                return  # past the page's end
            if element.tag in _UNSEEN_TAGS:
                continue
            for child in element.children:
                if (
                    type(child) is str
                    and len(child) <= _MAX_STOCK_TEXT
                    and not child.isspace()  # most texts: states nothing, as no word
                    and (status := stated_stock(child, element)) is not None
                ):
                    yield position, status, element
                    found += 1
                    if found == _MAX_STATEMENTS:
                        return

    def shown(self, element: Element, chrome: bool = True, others: Set[int] = frozenset()) -> bool:
        """Visible, and part of the product's own block: not hidden, not in another
        product's block (named so by its class or id, or in `others`, the ids of sections
        of other products), nor (with `chrome`) in the page's header, footer or navigation
        (looked for among the nearest ancestors)."""
        unshown = self._unshown_blocks
        node: Element | None = element
        for _ in range(_ANCESTORS):
            if node is None or node.tag in ("body", "html", "#document"):
                return True
            if (chrome and node.tag in _CHROME_TAGS) or id(node) in others:
                return False
            known = unshown.get(id(node))
            if known is None:
                known = unshown[id(node)] = is_hidden(node) or is_block_of_other_products(
                    node, also=_CHROME_WORDS
                )
            if known:
                return False
            node = node.parent
        return True


def _buy_control_status(
    element: Element, cart_forms: dict[int, bool]
) -> tuple[Availability, bool] | None:
    """In stock for an enabled add-to-cart / buy-now button, input or link, out of stock
    for a disabled one or a restock notice, with whether the status is only its being
    disabled; None when the element is no buy control. `cart_forms` keeps, by `id`,
    whether each form met adds to the cart."""
    tag = element.tag
    if tag == "input" and element.attrs.get("type", "").strip().lower() not in _SUBMIT_TYPES:
        return None  # a hidden product id, a quantity field
    label = "" if tag == "input" else _label(element)
    # One cheap test of all the control says spares reading most of them word by word.
    named = may_name_buy_action(f"{_start_tag_text(element)} {label}") and (
        _attributes_name_buy_action(element, CART_ATTRIBUTES)
        or (len(label) <= _MAX_LABEL and names_buy_action(label))
    )
    if not named and tag != "a":
        named = _in_cart_form(element, cart_forms)  # <form action="/cart/add"><button>Sold out
    if not named:
        # "Notify me when available" in place of the buy control: out of stock.
        restock = len(label) <= _MAX_LABEL and offers_restock_notice(label)
        return (Availability.OUT_OF_STOCK, False) if restock else None
    if _is_disabled(element.attrs):
        return Availability.OUT_OF_STOCK, True
    return Availability.IN_STOCK, False


def _start_tag_text(element: Element) -> str:
    """The element's start tag after its name, which holds each attribute's value as
    parsing decodes it (an entity's name holds no quote nor space): tested whole, it tells
    at once of most tags that no value names a buy action, without parsing it."""
    raw = element.raw_attributes
    if "&" not in raw:
        return raw
    if raw.count("&") == raw.count("&amp;"):
        return raw.replace("&amp;", "&")  # most: links' query strings, as html.unescape does
    return html.unescape(raw)


def _attributes_name_buy_action(element: Element, names: tuple[str, ...]) -> bool:
    """Whether one of the element's attributes `names` names a buy action."""
    attrs = element.attrs
    return any(names_buy_action(attrs[name]) for name in names if name in attrs)


def _is_disabled(attrs: dict[str, str]) -> bool:
    if "disabled" in attrs or attrs.get("aria-disabled", "").strip().lower() == "true":
        return True
    return "disabled" in CLASS_WORD.findall(attrs.get("class", "").lower())


def _in_cart_form(element: Element, cart_forms: dict[int, bool]) -> bool:
    """Inside a form that adds to the cart (by its action, id or class)."""
    node = element.parent
    for _ in range(_ANCESTORS):
        if node is None:
            return False
        if node.tag == "form":
            if id(node) not in cart_forms:
                cart_forms[id(node)] = may_name_buy_action(
                    _start_tag_text(node)
                ) and _attributes_name_buy_action(node, _CART_FORM_ATTRIBUTES)
            return cart_forms[id(node)]
        node = node.parent
    return False


def _label(element: Element) -> str:
    """The start of the element's text, up to a little over `_MAX_LABEL` characters."""
    children = element.children
    if len(children) == 1 and isinstance(children[0], str):
        return " ".join(children[0].split())  # most links: what the loop below makes of it
    parts: list[str] = []
    length = 0
    visits = 0
    stack: list[Element | str] = list(reversed(element.children))
    while stack and length <= _MAX_LABEL and visits < _MAX_LABEL_VISITS:
        node = stack.pop()
        visits += 1
        if isinstance(node, str):
            parts.append(node)
            length += len(node.strip())
        elif node.tag not in _UNSEEN_TAGS:
            stack.extend(reversed(node.children))
    return " ".join(" ".join(parts).split())
