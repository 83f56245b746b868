"""Find the price a shopper sees on a product page that declares none (Amazon among them).

The page's main price is not marked up, but it is recognisable: an element whose class, id,
itemprop or data attribute says "price", whose text is a price with its currency, sitting
next to the product title and the add-to-cart button. Decoys look the same on their own
(the struck-through "was" price, shipping, "4 payments of", a related product's card), so
each candidate is scored on what it says, what surrounds it and what its ancestors are, and
the amount with the best score wins. Confidence says how clearly it won: the scraper trusts
a heuristic offer only from `DEFAULT_MIN_CONFIDENCE` up, since a wrong price makes a wrong
alert, and prefers no answer to a guess.

Scoring, in points (a plain price beside title and cart scores about 6):

* placement, known from the walk alone: a price attribute (+2), nearness to the product
  title (the h1 most like the <title>, up to +2.5) and to the add-to-cart control nearest it
  (up to +1.5), height in the document (0 to -1);
* content, read for the best placed candidates only: a strong attribute ("sale-price",
  itemprop=price, +1), a price-marked parent (+1.5), a currency (+1, none -1.5), several
  prices in one text (-1.5, unless the others are labelled former: "Was $5 Now $4" reads
  as $4), its own and its ancestors' class/id words, in the page's language
  too ("prix-barre", "streichpreis": struck -5, shipping -4, instalment -5, saving -4,
  related/carousel/nav/footer -3, hidden -3, cart -3), and the label words before
  it ("Was", "List Price", "You save", "Shipping", "4 payments of": -2.5 to -5; "Now", "Sale",
  "Price": +0.5) or right after it ("/mo", "shipping": -5);
* per amount, the best element counts, plus up to +0.6 when the amount is shown repeatedly.

The tree is walked once with cheap tests (tag names, a substring of the raw start tag);
attributes, text and ancestor context are computed only for the few candidate elements.
Pages without an h1 get a second walk, to find an element named like a product title.

`VisiblePage` holds that reading of one tree, and also tells, for checking structured data
against what a shopper sees (`extraction.cross_check`), whether the page shows an amount
at all, and whether it shows it only as a former price (struck, or labelled so).
"""

from __future__ import annotations

import bisect
import html
import math
import re
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from itertools import chain, islice

from contracts.catalog import Availability
from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import BLOCK_TAGS, Element, walk
from extraction.offer import Offer
from extraction.other_products import (
    SECTION_HEADING_TAGS,
    BlocksOfOtherProducts,
    SectionHeadings,
    TilesOfOtherProducts,
    in_section_of_other_products,
    other_product_sections,
)
from extraction.page_locale import locale_currency
from extraction.price import (
    GROUPING_APOSTROPHES,
    NUMBER_CHARACTERS,
    has_currency_marker,
    is_currency_marker,
    parse_price,
    split_after_marked_price,
)
from extraction.visible import (
    CART_ATTRIBUTES,
    HIDDEN_CLASSES,
    WORDS_OF_TEXT,
    PhraseTable,
    in_unselected_variant,
    in_variant_picker,
    is_hidden,
    is_toggled_off,
    may_name_cart,
    may_name_cart_control,
    names_cart_control,
    own_names,
    phrases_pattern,
    stated_stock,
)
from extraction.vocabulary import (
    AFTER_PRICE,
    FOREIGN_BLOCK_STEMS,
    FOREIGN_BLOCK_WORDS,
    FREE_SHIPPING,
    LABELS,
    MEASURE_UNITS,
    PRICE_NAMES,
    QUANTITY_FROM,
    QUANTITY_UNITS,
    THRESHOLD_WORDS,
    WIDE_SCRIPTS,
)

# The confidence from which a heuristic offer is trusted. On the development pages (fathom
# training, metascraper, extruct) every wrong answer scored under 0.51 (but one page whose
# label says it has no price while it shows "Price: $165.95") and 21 of the 30 right ones
# from 0.6; on the held-out fathom test pages 0.6 keeps precision at 100% (38 of 38) for 79%
# recall. A missed price costs one check; a wrong one costs a false alert.
DEFAULT_MIN_CONFIDENCE = 0.6

# Content a shopper never sees, and option lists whose prices are per-variant choices.
_SKIPPED_TAGS = frozenset(
    "head script style noscript template select option optgroup datalist textarea title svg "
    "iframe object canvas button".split()
)
# Start tags a price is never the text of (void or form elements).
_NO_TEXT_TAGS = frozenset("meta link input img br hr source wbr area base col embed param".split())
_SIGNS = "$€£¥₹₩₽₺₪₫฿"
_CURRENCY_SIGN = re.compile(f"[{_SIGNS}]")
_SIGN_OR_DIGIT = re.compile(rf"[{_SIGNS}\d]")
_CURRENCY_ENTITY = re.compile(
    r"&(?:#36|#x24|#163|#xa3|#8364|#x20ac|#165|pound|euro|yen|dollar);", re.IGNORECASE
)


SOURCE = "heuristic"  # the source named for what the visible page shows
_CART_ATTRIBUTES_OF_FORM = (*CART_ATTRIBUTES, "action")
_TITLE_ATTRIBUTE = re.compile(
    r"product[\s_-]*(?:title|name)|pdp[\s_-]*(?:title|name)|item[\s_-]*(?:title|name)",
    re.IGNORECASE,
)
_MAX_STOCK_TEXT = 60
_STOCK_REACH = 80  # elements between a stock status and the price (or cart) it is about


def price_names(kind: str) -> list[str]:
    """The class and id words of one kind (`vocabulary.PRICE_NAMES`), of every language."""
    return [word for names in PRICE_NAMES.values() for word in names.get(kind, ())]


def label_phrases(group: str) -> list[str]:
    """The label phrases of one group (`vocabulary.LABELS`), of every language."""
    return [phrase for groups in LABELS.values() for phrase in groups.get(group, ())]


# What the words of an element's class and id (split at case changes, "-" and "_") say
# about a price inside it. Words that name a kind of price ("list", "old", "compare") are
# only read so when the same attributes also say price: a "list-inline" menu is no list price.
_CONTEXT_TOKENS: dict[str, str] = {
    **dict.fromkeys(
        "was rrp msrp strike strikethrough crossed linethrough wasprice oldprice listprice "
        "origprice crossedprice strikeprice".split(),
        "struck",
    ),
    **dict.fromkeys(
        "nav navbar navigation menu footer carousel related recommended recommendations "
        "recommendation similar sponsored upsell crosssell slider modal popup tooltip "
        "review reviews qa ad ads".split(),
        "decoy",
    ),
    # Other products' blocks: a price there is never the page's own (see _abstains).
    **dict.fromkeys(FOREIGN_BLOCK_WORDS, "foreign"),
    **dict.fromkeys("cart minicart subtotal basket checkout".split(), "cart"),
    **dict.fromkeys("shipping delivery freight postage".split(), "ship"),
    **dict.fromkeys(
        "klarna afterpay affirm installment installments instalment instalments financing "
        "monthly sezzle emi".split(),
        "instalment",
    ),
    **dict.fromkeys("save saving savings yousave".split(), "saving"),
    **dict.fromkeys("masthead".split(), "header"),
}
_PRICE_KIND_TOKENS: dict[str, str] = {
    **dict.fromkeys(price_names("current"), "current"),
    **dict.fromkeys(price_names("former"), "struck"),
    # Demandware's "price-standard" is the list price; a "StandardPriceBlock" holds them all.
    "standard": "standard",
    **dict.fromkeys("regular reg regprice total".split(), "regular"),
}
_PRICE_TOKENS = frozenset(price_names("price"))
# Price words also read inside longer words ("verkaufspreis", "prixbarre").
_PRICE_STEM = re.compile("|".join(price_names("stems")))
# Stems inside longer words and inline styles ("relatedProducts", "display: none").
_CONTEXT_STEMS = re.compile(
    r"(?P<struck>line-through|strike|listprice|wasprice|oldprice)"
    r"|(?P<decoy>carousel|footer|navbar)"
    rf"|(?P<foreign>{'|'.join(FOREIGN_BLOCK_STEMS)})"
    r"|(?P<hidden>display:none|display: none|visibility:hidden|visibility: hidden)"
    r"|(?P<instalment>klarna|afterpay|affirm|installment|instalment|financing)"
    r"|(?P<header>site-header|global-header|siteheader|globalheader)"
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
# A name for the add-to-cart controls ("prices-add-to-cart-actions", "AddToBasket"): the buy
# box, where the product's own price sits, is no cart.
_ADD_TO_CART_NAME = re.compile(r"add[\s_-]*to[\s_-]*(?:cart|basket|bag)", re.IGNORECASE)
# A list of prices, not a list price: Shopify themes' '<price-list class="price-list">' holds
# the sale and compare-at prices ("price--list", a BEM modifier, may still be a list price).
_PRICE_LIST_NAME = re.compile(r"price[_-]?list(?![_-]?price)", re.IGNORECASE)
_DECOY_TAGS = frozenset(("nav", "footer", "aside"))
_STRUCK_TAGS = frozenset(("s", "del", "strike"))
_SCREEN_READER_CLASSES = frozenset(
    (
        "a-offscreen",
        "sr-only",
        "visually-hidden",
        "visuallyhidden",
        "screen-reader-text",
        "u-hidden-visually",
        "offscreen",
    )
)

# What the words just before or after a price, or the price's own text, say about it: the
# label groups of every language, as one pattern with a named group each.
_LABEL_GROUP_NAMES = {
    "former": "struck", "saving": "saving", "shipping": "ship", "instalment": "instalment",
    "unit": "unit", "vat": "vat", "cart": "cart", "regular": "regular", "current": "now",
    "tier": "tier", "elsewhere": "elsewhere", "payment": "payment",
}  # fmt: skip


_LABELS = PhraseTable(
    {
        "free": FREE_SHIPPING,  # says nothing about the price beside it
        **{name: label_phrases(group) for group, name in _LABEL_GROUP_NAMES.items()},
    }
)
# Words right after a price that make it a part payment, a shipping cost or a unit price.
_AFTER_WORDS = re.compile(
    r"\W{0,3}(?:"
    + "|".join(
        f"(?P<{_LABEL_GROUP_NAMES[group]}>{phrases_pattern(phrases)})"
        for group, phrases in AFTER_PRICE.items()
    )
    + r"|(?P<months>for\s+\d+\s+months|with\s+(?:klarna|afterpay|affirm))"
    + rf"|(?P<measure>/\s*\d+(?:[.,]\d+)?\s*(?:{phrases_pattern(MEASURE_UNITS)})(?!\w)))",
    re.IGNORECASE,
)
# Groups of `_AFTER_WORDS` that are another label group's way of writing.
_AFTER_GROUPS = {"months": "instalment", "measure": "unit"}
_RANGE = re.compile(r"\d\s*(?:-|–|—|to)\s*\D{0,3}\d")
# A label ending in the quantity a graduated price's tier starts or ends at ("Ab 50",
# "bis 9 Stück", "from 10"): the price after it is that tier's, not one unit's.
_QUANTITY_TIER = re.compile(
    rf"(?:{phrases_pattern(QUANTITY_FROM)})\s+(?!0*1(?!\d))\d+"
    rf"(?:\s*(?:{phrases_pattern(QUANTITY_UNITS)})\.?)?[\s:*)]*$",
    re.IGNORECASE,
)
# A threshold word right before an amount (and its currency sign): "over $", "ab ".
_THRESHOLD_BEFORE = re.compile(
    rf"(?<!\w)(?:{phrases_pattern(THRESHOLD_WORDS)})\s*[^\w\s]{{0,3}}\s*$", re.IGNORECASE
)
# Class and id words of the price to pay ("sale-price", "our-price", "buybox").
_STRONG_PRICE_ATTRIBUTE = re.compile(
    r"current|sale|our|final|now|offer|deal|actual|selling|special|product[\s_-]*price|pdp"
    r"|main|priceblock|a-price|buybox|buy-box|your|pay",
    re.IGNORECASE,
)
_PRICE_ATTRIBUTE = re.compile(r"price", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# A price element holds its amount and a few words ("Now $99.00", "inkl. MwSt."); a text of
# more words is a sentence, a promotion or a note ("Free Expedited Shipping on orders over
# $49"), whose amount is seldom the price.
_WORD_OF_SENTENCE = re.compile(r"[^\W\d_]{2,}")
_MAX_PRICE_WORDS = 5
_SENTENCE_CHARS = 200  # of a text read for its words
_SENTENCE_PENALTY = 3.0
_PRICE_PART_CLASS = re.compile(
    r"whole|fraction|decimal|cent|dollar|symbol|currency|integer|characteristic|mantissa",
    re.IGNORECASE,
)
_CENTS_CLASS = re.compile(r"cent|fraction|decimal|minor", re.IGNORECASE)
# A price written whole, cents or the dash of whole units included ("29,99", "2.299,-"): no
# part of one, whatever its class says ('<span class="site-currency-lg">2.299,-</span>').
_WHOLE_PRICE = re.compile(r"[0-9][.,](?:[0-9]{2}(?![0-9])|[-–])")
_UNITS_DASH = re.compile(r"[0-9][.,][-–](?![-–0-9])")  # "2.299,-", "49.–": a price's form
# Cents set small right after the whole part, after the sign that marks them, with no class
# to say so: "329<sup>€99</sup>" (the parent reads "329€99": 329.99).
_CENTS_TAGS = frozenset(("sup", "sub", "small"))
_CENTS_PART = re.compile(r"\s*[^\w\s]{1,3}\s*\d{2}\s*")
_DOT_GROUPED = re.compile(r"\d\.\d{3}$")  # "2.199": a whole part grouped by dots

_MAX_PRICE_TEXT = 80  # characters; a price with its label is short, a paragraph is not
_MAX_MARKER_TEXT = 12  # characters of a text that is a currency marker alone, spaces and all
_MAX_VISITS = 200  # nodes read for one text: bounds the work on any element
_SHORTLIST = 24  # prices scored in full, of those best placed
_MAX_READ = 200  # candidates read to find them (many have no price text)
_MAX_REPETITION_BONUS = 0.6
# The most that reading a candidate can add to its placement score (strong price attribute,
# price-marked parent, currency, a "now"-like label, repetition): a bound for pruning.
_MAX_CONTENT_GAIN = 1.0 + 1.5 + 1.0 + 0.5 + _MAX_REPETITION_BONUS
_MAX_LANDMARKS = 200
_MAX_NEIGHBOURS = 32  # siblings read for the label beside a price
_MAX_HEADINGS = 12
_NO_TITLE_TAGS = frozenset(("a", "img", "link", "meta", "input", "form", "li", "ul", "body"))
_LANDMARK_TAGS = frozenset(("h1", "input", "form"))
_MAX_AMOUNT = Decimal(10**12)  # IDR and VND prices run to hundreds of millions

# Penalties and bonuses, in score points; a plain price next to title and cart scores ~6.
_CONTEXT_PENALTY = {
    "struck": 5.0,
    "decoy": 3.0,
    "foreign": 3.0,
    "others": 3.0,
    "hidden": 3.0,
    "cart": 3.0,
    "ship": 4.0,
    "instalment": 5.0,
    "saving": 4.0,
    "header": 1.5,
    "regular": 0.5,
}
# The score of an amount that is no price at all (a free-shipping threshold): it never wins.
_NOT_A_PRICE = -100.0
# What a price in a variant picker's option other than the selected one loses.
_UNSELECTED_PENALTY = 3.0
_LABEL_SCORE = {
    "struck": -2.5,
    "saving": -4.0,
    "ship": -3.0,
    "instalment": -5.0,
    "unit": -4.0,
    "tier": -4.0,
    "elsewhere": -5.0,
    "payment": -4.0,
    "vat": 0.0,
    "cart": -2.5,
    "regular": -0.5,
    "now": 0.5,
}


@dataclass(slots=True)
class _Candidate:
    element: Element
    order: int
    by_attribute: bool = False
    amount: Decimal = Decimal(0)
    currency: str | None = None
    text: str = ""
    score: float = 0.0


@dataclass(slots=True)
class _Survey:
    """What one walk over the tree found: candidates and the landmarks that place them."""

    candidates: list[_Candidate] = field(default_factory=list)
    headings: list[tuple[int, Element]] = field(default_factory=list)  # h1s
    section_headings: SectionHeadings = field(default_factory=SectionHeadings)
    # Ids of the elements in sections of other products, named so by their headings.
    other_products: set[int] = field(default_factory=set)
    carts: list[int] = field(default_factory=list)
    # Texts that may state a stock status (no price), by position: read only near the
    # winner or the cart (`_availability`), not all of them as the walk meets them.
    stock_texts: list[tuple[int, str, Element]] = field(default_factory=list)
    size: int = 0
    title: int | None = None  # the product title's position, once chosen
    # Ids of the elements holding the product title (its h1), once chosen.
    title_holders: frozenset[int] = frozenset()
    cart: int | None = None  # the add-to-cart control nearest the title


def find_visible_price(
    root: Element, url: str | None = None, budget: Budget = UNLIMITED
) -> Offer | None:
    """The main price the page shows, scored from its markup and surroundings, or None.

    `url`'s country domain, like the page's declared locale, tells which currency a marker
    several share means ("kr", "$"); scoring does not use it.
    The returned offer's confidence (0..1) reflects the winner's score and its margin over
    the best different price; `ambiguous` is set when that margin is small. Raises
    `ExtractionTooSlowError` once `budget` is spent.
    """
    return VisiblePage(root, url, budget).offer


# Elements whose text no shopper sees, for `VisiblePage.shows_as_price`.
_UNSHOWN_TAGS = frozenset(("head", "script", "style", "template"))
# A number as pages write it, separators and all ("1.299,00", "1 299", "26.50").
_NUMBER = re.compile(rf"\d++(?:[.,{GROUPING_APOSTROPHES}\u00a0\u202f ]\d++){{0,6}}")
_NON_DIGITS = re.compile(r"\D")
# How much of an element's text is read for a price shown with its currency marker.
_MAX_MARKED_TEXT = 64
# Price elements read to tell how the page shows an amount (more: it cannot tell), the
# appearances of one amount weighed (more: it is no mere former price), and how near a
# struck-marked ancestor strikes a price (a page-wide "has-old-prices" class does not).
_MAX_SHOWN_READ = 1_000
_MAX_APPEARANCES = 24
_STRUCK_REACH = 4


class VisiblePage:
    """What a page's tree shows a shopper of prices, each read on first use, at most once:
    its main price (`offer`), whether it shows an amount at all (`shows_amount`), and
    whether it shows one only as a former price (`shown_as_former`). Structured data is
    checked against these (`extraction.cross_check`). Raises `ExtractionTooSlowError` once
    `budget` is spent."""

    def __init__(self, root: Element, url: str | None = None, budget: Budget = UNLIMITED) -> None:
        self._root = root
        self._url = url  # its country domain may tell a shared marker's currency
        self._budget = budget
        # The price texts of the elements named so, read only as far as asked, once.
        self._named_read: list[tuple[Element, str]] = []
        self._named_unread = self._price_texts(self._named_price_elements())
        self._shown_as_price: dict[Decimal, bool] = {}  # by amount, once read

    @cached_property
    def offer(self) -> Offer | None:
        """The main price the page shows (see `find_visible_price`)."""
        survey = self._survey
        ranked, context = _ranked_prices(survey, self._budget)
        if not ranked:
            return None
        winner = ranked[0]
        if winner.score < _MIN_SCORE or _in_foreign_block(winner.element, context):
            return None  # noise, or another product's price: the page shows none of its own
        runner_up = ranked[1].score if len(ranked) > 1 else None
        confidence = _confidence(winner.score, runner_up)
        alternatives = tuple(c.amount for c in ranked[1:6] if c.score > _ALTERNATIVE_FLOOR)
        return Offer(
            price=winner.amount,
            currency=self._localized_currency(winner.text, winner.currency),
            availability=_availability(winner, survey, context, self._budget),
            source=SOURCE,
            confidence=confidence,
            ambiguous=runner_up is not None and winner.score - runner_up < _AMBIGUOUS_MARGIN,
            alternatives=alternatives,
        )

    def _localized_currency(self, text: str, currency: str | None) -> str | None:
        """The currency of a price `text` (read as `currency`), its marker read as the
        page's locale means it when several currencies share it ("kr" on a Swedish page:
        SEK; "$" on a Canadian one: CAD)."""
        if not _states_price(text):
            return currency  # no marker in its text (maybe one beside it) to read
        hint = locale_currency(self._root, self._url)
        if hint is None:
            return currency
        return parse_price(text, hint).currency

    def currency_shown_with(self, amount: Decimal) -> str | None:
        """The currency the page shows `amount` with as a current price, in the first
        element named a price that reads it with a marker ("€ 24,90"); None when none does."""
        context = _ContextCache()
        for reading in self._named_price_readings(amount):
            marked = reading.currency is not None or has_currency_marker(reading.text)
            if marked and reading.shows_current(context):
                return self._localized_currency(reading.text, reading.currency)
        return None

    def shown_as_former(self, amount: Decimal) -> bool:
        """Whether the page shows `amount` as a price only as a former one, and at least
        once: every element whose price text reads it strikes it (`<del>`, `<s>`, a line-
        through or "old-price" class, on it or on an ancestor near it), or reads it only
        from struck parts, or labels it "was", "UVP", "statt", "prix barré"... (the
        vocabulary's former-price labels). False when the page has more price elements
        than are read, or shows the amount too often to be a mere former price."""
        context = _ContextCache()
        # A block named for other products, however far up (a "recommendations" grid of
        # tiles), says nothing of how this page shows its own price.
        blocks = BlocksOfOtherProducts(self._budget)
        # Most structured prices are shown as current by an element named a price: that
        # settles it without surveying the page's text.
        for reading in self._named_price_readings(amount):
            if reading.shows_current(context) and not blocks.holds(reading.element):
                return False
        readings = self._price_readings
        if readings is None:
            return False
        appearances = 0
        for reading in readings:
            if (
                reading.amount != amount
                or _in_foreign_block(reading.element, context)
                or blocks.holds(reading.element)
            ):
                continue
            appearances += 1
            if appearances > _MAX_APPEARANCES or not reading.shows_former(context):
                return False
        return appearances > 0

    def shows_as_current(self, amount: Decimal) -> bool:
        """Whether a price element of the page's own shows `amount` as a current price: not
        struck nor labelled former, nor a graduated price's tier ("Ab 50 6,95 €"), outside
        other products' blocks (named so by their class or id, or by their heading). True
        when the page has more price elements than are read: it cannot tell."""
        blocks = BlocksOfOtherProducts(self._budget)

        def current(reading: _PriceReading, context: _ContextCache) -> bool:
            return (
                reading.amount == amount
                and reading.shows_current(context)
                and not _QUANTITY_TIER.search(_label(reading.element)[0])
                and not blocks.holds(reading.element)
            )

        # An element named a price showing it as current usually tells, without surveying
        # the page (as `shown_as_former` does), unless a heading before it names a section
        # of other products (which only the survey would have told).
        named = _ContextCache()
        if any(
            current(reading, named) and not in_section_of_other_products(reading.element)
            for reading in self._named_price_readings(amount)
        ):
            return True
        readings = self._price_readings
        if readings is None:
            return True
        survey = self._survey
        context = _ContextCache(survey.other_products, survey.title_holders)
        return any(current(reading, context) for reading in readings)

    def shows_as_price(self, amount: Decimal) -> bool:
        """Whether an element shows `amount` as a price: one named a price reads it
        ('<span class="price-value">3.999</span>'), or a shown element's text reads it with
        its currency marker ("CHF 1’299.–"), even one whose text no price is taken from (a
        button's: Galaxus' price opens its price history). A structured price no element
        shows so is no price the page shows, whatever bare numbers match it ("1" for an
        auction's starting price of 1.00)."""
        shown = self._shown_as_price.get(amount)
        if shown is None:
            # An element named a price ("price" in a class or an itemprop) reading it is
            # found by a test of each start tag, without reading the page's text.
            named = next(self._named_price_readings(amount), None) is not None
            shown = named or self._marked_as_price(amount)
            self._shown_as_price[amount] = shown
        return shown

    def _marked_as_price(self, amount: Decimal) -> bool:
        """Whether a shown element's text, or its parent's, reads `amount` with its
        currency marker."""
        digits = _significant_digits(amount)
        read: set[int] = set()
        for element, text in self._shown_texts():
            if id(element) in read or digits not in _NON_DIGITS.sub("", text):
                continue
            read.add(id(element))
            # The marker may be the parent's ('<span>€</span><span>26,50</span>').
            if any(_reads_with_marker(holder, amount) for holder in (element, element.parent)):
                return True
        return False

    def _shown_texts(self) -> Iterator[tuple[Element, str]]:
        """Each text of the page's shown elements (scripts, styles and the head aside;
        hidden parts count) holding a digit, with its element, in document order."""
        stack: list[tuple[Element, Element | str]] = [(self._root, self._root)]
        walked = 0
        while stack:
            walked += 1
            if not walked % BUDGET_STRIDE:
                self._budget.check()
            parent, node = stack.pop()
            if isinstance(node, str):
                if _DIGIT.search(node):
                    yield parent, node
            elif node.tag not in _UNSHOWN_TAGS:
                stack.extend((node, child) for child in reversed(node.children))

    @cached_property
    def _survey(self) -> _Survey:
        return _survey(self._root, self._budget)

    @cached_property
    def _price_readings(self) -> list[_PriceReading] | None:
        """Each price element's reading; None when the page has more than are read."""
        candidates = self._survey.candidates
        if len(candidates) > _MAX_SHOWN_READ:
            return None
        return list(self._readings(candidate.element for candidate in candidates))

    def _named_price_readings(self, amount: Decimal) -> Iterator[_PriceReading]:
        """The readings of `amount` by the first price elements named so in their start tag
        ("price" in a class or an itemprop): some of `_price_readings`, found by a test of
        each start tag, without reading the page's text. Read as far as the caller goes:
        the first usually settles the question."""
        digits = _significant_digits(amount)
        for element, text in chain(self._named_read, self._named_unread_texts()):
            # Only a text holding the amount's digits can read as it: most are not parsed.
            if not text.isascii() or digits in _NON_DIGITS.sub("", text):
                reading = _reading(element, text)
                if reading is not None and reading.amount == amount:
                    yield reading

    def _named_unread_texts(self) -> Iterator[tuple[Element, str]]:
        for element_text in self._named_unread:
            self._named_read.append(element_text)
            yield element_text

    def _named_price_elements(self) -> Iterator[Element]:
        named = (
            element
            for element in walk(self._root, self._budget, _SKIPPED_TAGS)
            if "rice" in element.raw_attributes and element.tag not in _SKIPPED_TAGS
        )
        return islice(named, _MAX_SHOWN_READ)

    def _readings(self, elements: Iterable[Element]) -> Iterator[_PriceReading]:
        for element, text in self._price_texts(elements):
            reading = _reading(element, text)
            if reading is not None:
                yield reading

    def _price_texts(self, elements: Iterable[Element]) -> Iterator[tuple[Element, str]]:
        for count, element in enumerate(elements, 1):
            if not count % BUDGET_STRIDE:
                self._budget.check()
            yield element, _price_text(element, with_struck=True)


def _reading(element: Element, text: str) -> _PriceReading | None:
    """The amount an element's price text (struck parts included) reads, if a price."""
    shown = _parsed_price(element, text)
    return None if shown is None else _PriceReading(element, text, *shown)


def _reads_with_marker(element: Element | None, amount: Decimal) -> bool:
    """Whether the start of `element`'s text reads as `amount` with a currency."""
    if element is None:
        return False
    read = parse_price(element.text(_MAX_MARKED_TEXT))
    return read.amount == amount and read.currency is not None


def _significant_digits(amount: Decimal) -> str:
    """The digits of `amount` without leading or trailing zeros ("224.90" -> "2249"): any
    number that reads as it holds them in a row, its separators aside."""
    return f"{amount:f}".replace(".", "").strip("0")


@dataclass(frozen=True, slots=True)
class _PriceReading:
    """A price element's text with its struck parts, and the amount and currency it reads."""

    element: Element
    text: str
    amount: Decimal
    currency: str | None

    def shows_current(self, context: _ContextCache) -> bool:
        """Whether it shows its amount as the page's current price: not as a former one,
        nor as another seller's or condition's offer ("27 ofert od 1 249,00 zł"), nor as a
        part payment, a unit price or a price for paying one way ("R$ 3.134,05 no Pix"), nor
        in another product's block or a variant's option other than the one selected."""
        if _in_foreign_block(self.element, context) or self._struck(context):
            return False
        if in_unselected_variant(self.element):
            return False
        after = _AFTER_WORDS.match(_words_after_price(self.text))
        if after is not None and after.lastgroup is not None:
            return False
        return self._label_groups().isdisjoint(("struck", "elsewhere"))

    def shows_former(self, context: _ContextCache) -> bool:
        """Whether it shows its amount as a former price: only in struck parts, struck by
        itself or an ancestor near it, or labelled a former price."""
        return self._struck(context) or "struck" in self._label_groups()

    def _struck(self, context: _ContextCache) -> bool:
        # Read without its struck parts only here: most readings are of other amounts.
        unstruck = _parsed_price(self.element, _price_text(self.element))
        if unstruck is None or unstruck[0] != self.amount:
            return True
        own = context.own(self.element)
        if "struck" in own or "standard" in own:
            return True
        return context.inherited(self.element).get("struck", _STRUCK_REACH + 1) <= _STRUCK_REACH

    def _label_groups(self) -> set[str]:
        before, _ = _label(self.element)
        # Its own words before the amount label it ("7 weitere Angebote ab 179,99 €"); later
        # ones label a price after it.
        return _LABELS.groups(f"{before} | {self.text[: self._amount_start()]}")

    def _amount_start(self) -> int:
        """Where its amount's number starts in its text (its first number's, when no
        number reads as the amount's digits)."""
        whole, _, cents = f"{self.amount:.2f}".partition(".")
        forms = {whole + cents, whole} if cents == "00" else {whole + cents}
        first = None
        for number in _NUMBER.finditer(self.text):
            if _NON_DIGITS.sub("", number[0]) in forms:
                return number.start()
            first = number.start() if first is None else first
        return len(self.text) if first is None else first


def _ranked_prices(survey: _Survey, budget: Budget) -> tuple[list[_Candidate], _ContextCache]:
    """The page's distinct amounts, each with its best-scoring element, best first (with
    the context flags read on the way, for availability)."""
    budget.check()
    # Where a candidate stands costs nothing to rank by; what it says and what surrounds it
    # is read only for the most promising ones.
    for candidate in survey.candidates:
        candidate.score = _placement_score(candidate, survey)
    by_placement = sorted(survey.candidates, key=lambda c: c.score, reverse=True)
    context = _ContextCache(survey.other_products, survey.title_holders)
    best_by_amount: dict[Decimal, _Candidate] = {}
    counts: dict[Decimal, int] = {}
    top_two = [-math.inf, -math.inf]  # best scores of two different amounts so far
    scored = 0
    for candidate in by_placement[:_MAX_READ]:
        if candidate.score + _MAX_CONTENT_GAIN < top_two[1]:
            break  # neither this nor any later candidate can reach the first two
        if not _read_price(candidate):
            continue
        candidate.score += _content_score(candidate, context)
        if candidate.score > 0:
            counts[candidate.amount] = counts.get(candidate.amount, 0) + 1
        best = best_by_amount.get(candidate.amount)
        if best is None or candidate.score > best.score:
            best_by_amount[candidate.amount] = candidate
            top_two = sorted((top_two[0], top_two[1], candidate.score), reverse=True)[:2]
        scored += 1
        if scored == _SHORTLIST:
            break
    for amount, candidate in best_by_amount.items():
        candidate.score += _repetition_bonus(counts.get(amount, 0))
    ranked = sorted(best_by_amount.values(), key=lambda c: c.score, reverse=True)
    return ranked, context


# Score of a candidate worth showing as an alternative, and the margin below which the
# runner-up is close enough to call the result ambiguous.
_ALTERNATIVE_FLOOR = 1.0
_AMBIGUOUS_MARGIN = 1.0
# Score at which a lone candidate is an even bet, how fast confidence grows past it, and
# how fast it grows with the margin over the runner-up (calibrated on the development
# pages: wrong answers there score under 2.6 or win by under 0.6).
_EVEN_SCORE = 3.0
_SCORE_SCALE = 0.8
_MARGIN_SCALE = 0.6
# Below this the best candidate is noise (a price in a footer, a promotion): no answer.
_MIN_SCORE = 0.0


# Ancestors a tile's price sits within: a wider wrapper with such a name (a page-level
# "has-accessories" class) says nothing about one price.
_FOREIGN_REACH = 4


# Ancestors of a price looked at for a tile of another product (`TilesOfOtherProducts`):
# a carousel's price sits a few wrappers deep in its tile ("li > div > a > span > span").
_TILE_REACH = 6


def _in_foreign_block(element: Element, context: _ContextCache) -> bool:
    """Inside a recommendation, recently-viewed, accessory or bundle block: named so by its
    class or id near the price, or by its heading (at any depth: the section is only what
    follows that heading)."""
    own, inherited = context.own(element), context.inherited(element)
    if "foreign" in own or "others" in own or "others" in inherited:
        return True
    return inherited.get("foreign", _FOREIGN_REACH + 1) <= _FOREIGN_REACH


def _confidence(top: float, runner_up: float | None) -> float:
    """Probability-like 0..1 from the winning score and its margin over a different price."""
    absolute = 1.0 / (1.0 + math.exp(-(top - _EVEN_SCORE) / _SCORE_SCALE))
    if runner_up is None:
        return round(absolute, 3)
    margin = max(0.0, top - runner_up)
    return round(absolute * (1.0 - math.exp(-margin / _MARGIN_SCALE)), 3)


def _repetition_bonus(count: int) -> float:
    """A price shown several times (buy box, sticky bar) is more likely the page's own."""
    return min(_MAX_REPETITION_BONUS, 0.3 * max(0, count - 1))


def _survey(root: Element, budget: Budget) -> _Survey:
    """Walk the tree once, in document order, collecting candidates and landmarks.

    Only tag names and substrings of raw start tags are tested here: attributes are parsed
    later, for the shortlisted candidates only.
    """
    survey = _Survey()
    candidates = survey.candidates
    headings = survey.headings
    section_headings = survey.section_headings
    carts = survey.carts
    stock_texts = survey.stock_texts
    find_currency = _CURRENCY_SIGN.search
    find_sign_or_digit = _SIGN_OR_DIGIT.search
    listed: set[int] = set()  # the parents made candidates for the currency beside them
    order = 0
    for element in walk(root, budget, _SKIPPED_TAGS):
        tag = element.tag
        if tag in _SKIPPED_TAGS:
            if tag == "button" and len(carts) < _MAX_LANDMARKS and _is_cart_control(element):
                carts.append(order)
            continue
        order += 1
        if tag in _LANDMARK_TAGS:
            if tag == "h1":
                if len(headings) < _MAX_HEADINGS:
                    headings.append((order, element))
            elif len(carts) < _MAX_LANDMARKS and _is_cart_control(element):
                carts.append(order)
        elif tag in SECTION_HEADING_TAGS:
            section_headings.meet(element)
        by_text = numbered = False
        for child in element.children:
            if type(child) is not str or child.isspace():
                continue
            # One search finds the first sign or digit: most texts have neither.
            first = find_sign_or_digit(child)
            signed = first is not None and (
                first[0] in _SIGNS or find_currency(child, first.end()) is not None
            )
            if signed or ("&" in child and _CURRENCY_ENTITY.search(child)):
                by_text = True
                numbered = numbered or _DIGIT.search(child) is not None
            elif len(child) > _MAX_STOCK_TEXT * 4:
                continue  # a paragraph: neither a price nor a stock status
            elif first is not None and len(child) < _MAX_PRICE_TEXT and has_currency_marker(child):
                by_text = numbered = True  # a digit, no sign: "149,00 EUR", "1 299 Kč", "3000円"
            elif first is not None and len(child) < _MAX_PRICE_TEXT and _UNITS_DASH.search(child):
                by_text = numbered = True  # whole units and a dash, no marker: "2.299,-"
            elif first is None and len(child) <= _MAX_MARKER_TEXT and is_currency_marker(child):
                by_text = True  # "129,<span>99</span> zł": the currency beside the number
            else:
                numbered = numbered or first is not None
                stock_texts.append((order, child, element))
        by_attribute = "rice" in element.raw_attributes
        if by_attribute or by_text:
            candidates.append(_Candidate(element, order, by_attribute=by_attribute))
            parent = element.parent
            if (
                by_text
                and (not numbered or (tag in _CENTS_TAGS and _after_digits(element)))
                and parent is not None
                and id(parent) not in listed
            ):
                # A currency alone in its element ("<span>1 299</span> <span>Kč</span>"), or
                # cents set small after their sign ("329<sup>€99</sup>"): the price is its
                # parent's text, the number beside it.
                listed.add(id(parent))
                candidates.append(_Candidate(parent, order, by_attribute=False))
    survey.size = order
    _place_landmarks(survey, root, budget)
    title = next((element for at, element in headings if at == survey.title), None)
    # Named headings are among the short texts read: no test of every element for them.
    section_headings.meet_texts_of(element for _, _, element in stock_texts)
    survey.other_products = other_product_sections(section_headings.found, title)
    return survey


def _place_landmarks(survey: _Survey, root: Element, budget: Budget) -> None:
    """Choose the product title among the h1s, and the add-to-cart control beside it.

    Pages carry several h1s (modal messages, section headings) and several add-to-cart
    buttons (related products, comparison tables): the title is the h1 that shares most
    words with the document's <title> (the longest, without one), and the cart control is
    the one nearest to it. Without an h1, the first element named like a product title is.
    """
    if survey.headings:
        title_words = _words(_document_title(root))
        survey.title, title = max(
            survey.headings,
            key=lambda heading: _title_likeness(heading[1], title_words),
        )
        survey.title_holders = frozenset(id(holder) for holder in title.ancestors())
    else:
        survey.title = _named_title(root, budget)
    if survey.carts:
        anchor = survey.title if survey.title is not None else 0
        survey.cart = min(survey.carts, key=lambda cart: abs(cart - anchor))


def _named_title(root: Element, budget: Budget) -> int | None:
    """Position of the first element whose class or id says product title (a second walk,
    made only for pages without an h1)."""
    order = 0
    for element in walk(root, budget, _SKIPPED_TAGS):
        if element.tag in _SKIPPED_TAGS:
            continue
        order += 1
        if (
            element.has_attribute_text("roduct")
            and element.tag not in _NO_TITLE_TAGS
            and _TITLE_ATTRIBUTE.search(_attribute_words(element))
        ):
            return order
    return None


def _title_likeness(heading: Element, title_words: set[str]) -> tuple[int, int]:
    text = _bounded_text(heading, 120, from_end=False)
    return len(_words(text) & title_words), len(text)


def _words(text: str) -> set[str]:
    return {word for word in WORDS_OF_TEXT.findall(text.lower()) if len(word) > 2}


def _document_title(root: Element) -> str:
    """Text of the <title> in the document's head (looked for two levels down only)."""
    for html_element in _child_elements(root):
        for head in (html_element, *_child_elements(html_element)):
            for child in _child_elements(head):
                if child.tag == "title":
                    return child.text()
    return ""


def _child_elements(element: Element) -> list[Element]:
    return [child for child in element.children if isinstance(child, Element)]


def _attribute_words(element: Element) -> str:
    attrs = element.attrs
    return f"{attrs.get('class', '')} {attrs.get('id', '')}"


def _says_price(element: Element) -> bool:
    """An attribute name or value (other than a link or style) mentions price."""
    for name, value in element.attrs.items():
        if name in ("href", "src", "style", "action", "content", "value", "onclick", "title"):
            continue
        if _PRICE_ATTRIBUTE.search(name) or _PRICE_ATTRIBUTE.search(value):
            return True
    return False


def _is_cart_control(element: Element) -> bool:
    """An add-to-cart / buy-now button, input or form, by its attributes (and a button's
    own text). Links are left out: pages have hundreds, and the cart link in the header
    would look like one."""
    tag = element.tag
    if tag != "button" and not may_name_cart(element.raw_attributes):
        return False
    attrs = element.attrs
    names = _CART_ATTRIBUTES_OF_FORM if tag == "form" else CART_ATTRIBUTES
    said = " ".join(attrs.get(name, "") for name in names)
    if may_name_cart_control(said) and names_cart_control(said):
        return True
    if tag == "button":
        text = _bounded_text(element, 40, from_end=False)
        return len(text) < 40 and may_name_cart_control(text) and names_cart_control(text)
    return False


def _read_price(candidate: _Candidate) -> bool:
    """Parse the candidate's text; False when it is not a sane price."""
    text = _after_former_price(_price_text(candidate.element))
    parsed = _parsed_price(candidate.element, text)
    if parsed is None:
        return False
    candidate.amount, candidate.currency = parsed
    candidate.text = text
    return True


def _after_former_price(text: str) -> str:
    """A price text from after the former price it opens with, when another price follows
    ("Was $599.00 Now $499.00", "statt 599,00 € nur 499,00 €": the second is the one to
    pay); else the whole text."""
    if not _has_numbers_after_the_first(text) or not _opens_with_former_label(text):
        return text  # (the cheaper test first: most price texts hold one number)
    return _price_and_rest(text)[1] or text


def _price_and_rest(text: str) -> tuple[str, str]:
    """A price text cut after the price it reads, when another price follows ("$499.00 was
    $599.00": "$499.00" and " was $599.00", the words after the cut labelling the next
    price); else the whole text and ""."""
    split = split_after_marked_price(text) if _has_numbers_after_the_first(text) else None
    if split is None or not _states_price(split[1]):
        return text, ""
    return split


def _words_after_price(text: str) -> str:
    """What a price text holds after the price it reads ("6 598,00 zł / 1 l": " / 1 l");
    "" when nothing, or when it reads no price with a marker."""
    split = split_after_marked_price(text)
    return "" if split is None else split[1]


def _has_numbers_after_the_first(text: str) -> bool:
    digit = _DIGIT.search(text)
    if digit is None:
        return False
    first = _NUMBER.match(text, digit.start())
    return first is not None and _DIGIT.search(text, first.end()) is not None


def _opens_with_former_label(text: str) -> bool:
    """Whether the words before a text's first number label it a former price ("Was $5")."""
    digit = _DIGIT.search(text)
    return "struck" in _LABELS.groups(text[: digit.start()] if digit else text)


def _states_price(text: str) -> bool:
    """Whether the text holds a number with a currency sign or marker ("$5", "29,90 TL"), or
    written as only a price is ("2.299,-")."""
    return bool(_DIGIT.search(text)) and bool(
        _CURRENCY_SIGN.search(text) or has_currency_marker(text) or _UNITS_DASH.search(text)
    )


def _parsed_price(element: Element, text: str) -> tuple[Decimal, str | None] | None:
    """Amount and currency of an element's price text; None when it is not a sane price."""
    if not text or not _DIGIT.search(text):
        return None
    if _is_price_part(element, text):
        return None  # "29" of "$29.99", "€99" of "329<sup>€99</sup>": its parent holds it whole
    parsed = parse_price(text)
    amount = parsed.amount
    if amount is None or not amount.is_finite() or amount <= 0 or amount >= _MAX_AMOUNT:
        return None
    return amount, parsed.currency


def _is_price_part(element: Element, text: str) -> bool:
    """Whether an element is a part of a price its parent shows whole. By its class: a
    whole or a currency part without a sign ("29" of "$29.99"), or cents right after the
    whole part, even with the sign ('599,<span class="decimals">90€</span>'). By its tag:
    cents set small after their sign right after the whole part ("329<sup>€99</sup>")."""
    if element.tag in _CENTS_TAGS and _CENTS_PART.fullmatch(text) and _after_digits(element):
        return True
    if not element.has_attribute_text("class"):
        return False
    names = element.get("class", "")
    if not _PRICE_PART_CLASS.search(names) or _WHOLE_PRICE.search(text):
        return False
    if not _CURRENCY_SIGN.search(text):
        return True
    return _CENTS_CLASS.search(names) is not None and _after_digits(element)


def _after_digits(element: Element) -> bool:
    """Whether the text just before the element, in its parent, ends a number ("599,")."""
    parent = element.parent
    if parent is None:
        return False
    previous: Element | str | None = None
    for child in parent.children:
        if child is element:
            break
        previous = child
    return isinstance(previous, str) and previous.rstrip()[-1:] in NUMBER_CHARACTERS


def _price_text(element: Element, with_struck: bool = False) -> str:
    """The element's own inline text, as a price reads: no block children, no hidden parts,
    no struck parts unless `with_struck`.

    Split prices are rejoined: "$", "29", "99" in cents/fraction parts read "$29.99". Text
    longer than a labelled price gives "" (a description that mentions a price is not one).
    """
    parts: list[str] = []
    length = 0
    visits = 0
    stack: list[Element | str] = list(reversed(element.children))
    while stack:
        node = stack.pop()
        visits += 1
        if visits > _MAX_VISITS:
            return ""  # a price is a few nodes, not a subtree
        if isinstance(node, str):
            parts.append(node)
            length += len(node.strip())
            if length > _MAX_PRICE_TEXT:
                return ""
            continue
        tag = node.tag
        if (
            tag in _SKIPPED_TAGS
            or tag in BLOCK_TAGS
            or tag in _NO_TEXT_TAGS
            or (tag in _STRUCK_TAGS and not with_struck)
            or is_hidden(node)
        ):
            continue  # "<del>$79.99</del> <ins>$39.99</ins>" reads $39.99
        if node.has_attribute_text("class"):
            classes = node.classes
            if not _SCREEN_READER_CLASSES.isdisjoint(classes):
                continue  # a screen-reader copy of the visible parts beside it
            if not with_struck and "struck" in _flags_of(
                tag, node.get("class", ""), node.get("style", ""), False
            ):
                continue
            is_cents = any(_CENTS_CLASS.search(name) for name in classes)
        else:
            is_cents = False
        if (is_cents or tag == "sup") and parts:
            read = "".join(parts).rstrip()
            if read[-1:].isdigit() or (read[-1:] in (",", ".") and read[-2:-1].isdigit()):
                cents = _bounded_text(node, 3, from_end=False)
                if len(cents) == 2 and cents.isdigit():
                    # "29" then "99" in a cents part: 29.99; "192," then "32": 192,32 (a
                    # space between the parts is the markup's layout, not the page's);
                    # "2.199" then "99": 2.199,99, the dot grouping thousands.
                    if read[-1] not in ",.":
                        read += "," if _DOT_GROUPED.search(read) else "."
                    parts[:] = [read]
        stack.extend(reversed(node.children))
    text = " ".join("".join(parts).split())
    if "&" in text:
        text = html.unescape(text)
    return text if len(text) <= _MAX_PRICE_TEXT else ""


class _ContextCache:
    """Context flags of elements from their own attributes and their ancestors', memoised
    per element and per distinct tag and attributes (pages repeat "row", "col-md-6", ...)."""

    def __init__(
        self, other_products: Set[int] = frozenset(), title_holders: Set[int] = frozenset()
    ) -> None:
        self._by_element: dict[int, frozenset[str]] = {}
        self._by_words: dict[tuple[str, str, str, bool], frozenset[str]] = {}
        self._other_products = other_products  # element ids (`_Survey.other_products`)
        self._title_holders = title_holders  # element ids (`_Survey.title_holders`)
        self._tiles: dict[int, bool] = {}  # by element id, once told
        self._grids = TilesOfOtherProducts()

    def own(self, element: Element) -> frozenset[str]:
        key = id(element)
        flags = self._by_element.get(key)
        if flags is None:
            flags = self._own_flags(element)
            if key in self._other_products:
                flags = flags | _OTHER_PRODUCTS
            if key in self._title_holders and "cart" in flags:
                flags = flags - _CART  # named like a cart, holding the title: the buy box
            self._by_element[key] = flags
        return flags

    def inherited(self, element: Element, depth: int = 12) -> dict[str, int]:
        """Flags of the nearest `depth` ancestors, with the distance to the nearest one. A
        tile of another product's among the nearest `_TILE_REACH` sets "others"."""
        found: dict[str, int] = {}
        node = element.parent
        level = 1
        while node is not None and level <= depth:
            for flag in self.own(node):
                found.setdefault(flag, level)
            if level <= _TILE_REACH and "others" not in found and self._is_tile(node):
                found["others"] = level
            node = node.parent
            level += 1
        return found

    def _is_tile(self, element: Element) -> bool:
        key = id(element)
        known = self._tiles.get(key)
        if known is None:
            # A block holding the product's title is the product's own, tiles or not.
            known = key not in self._title_holders and self._grids.is_tile(element)
            self._tiles[key] = known
        return known

    def _own_flags(self, element: Element) -> frozenset[str]:
        """Flags an element's own tag and attributes set (see `_CONTEXT_TOKENS`)."""
        tag = element.tag
        if tag in ("body", "html", "#document"):
            return _NO_FLAGS  # page-wide classes say nothing about one price
        if not (
            element.has_attribute_text("class")
            or element.has_attribute_text("id")
            or element.has_attribute_text("style")
            or element.has_attribute_text("hidden")
        ):
            return _TAG_FLAGS.get(tag, _NO_FLAGS)  # data-* alone never sets a context flag
        attrs = element.attrs
        names = f"{attrs.get('class', '')} {attrs.get('id', '')}"
        key = (tag, names, attrs.get("style", ""), "hidden" in attrs)
        flags = self._by_words.get(key)
        if flags is None:
            flags = _flags_of(*key)
            self._by_words[key] = flags
        return flags


_NO_FLAGS: frozenset[str] = frozenset()
_OTHER_PRODUCTS = frozenset(("others",))
_CART = frozenset(("cart",))
_TAG_FLAGS = {
    **dict.fromkeys(_DECOY_TAGS, frozenset(("decoy",))),
    **dict.fromkeys(_STRUCK_TAGS, frozenset(("struck",))),
    "header": frozenset(("header",)),
}


# Pages repeat the same few class names thousands of times, and sites across pages.
@lru_cache(maxsize=8192)
def _flags_of(tag: str, names: str, style: str, hidden: bool) -> frozenset[str]:
    """Context flags of a tag with these class and id words, inline style and hidden-ness."""
    flags = set(_TAG_FLAGS.get(tag, _NO_FLAGS))
    names = _PRICE_LIST_NAME.sub("prices", _ADD_TO_CART_NAME.sub(" ", own_names(names)))
    words = {word.lower() for word in _WORD.findall(names)}
    says_price = not _PRICE_TOKENS.isdisjoint(words) or _PRICE_STEM.search(names.lower())
    for word in words:
        flag = _CONTEXT_TOKENS.get(word)
        if flag is None and says_price:
            flag = _PRICE_KIND_TOKENS.get(word) or _PRICE_KIND_TOKENS.get(_compounded(word))
        if flag is not None:
            flags.add(flag)
    for match in _CONTEXT_STEMS.finditer(f"{names} {style}".lower()):
        flags.add(match.lastgroup)  # type: ignore[arg-type]
    if hidden or not HIDDEN_CLASSES.isdisjoint(names.split()):
        flags.add("hidden")
    if says_price:
        flags.add("price")
    return frozenset(flags)


def _compounded(word: str) -> str:
    """What a word joins to a price word says ("streichpreis": "streich", "aktionspreis":
    "aktion", "prixbarre": "barre"); "" for any other word."""
    stem = _PRICE_STEM.search(word)
    if stem is None:
        return ""
    if stem.start() == 0:
        return word[stem.end() :]
    if stem.end() < len(word):
        return ""  # a price word in the middle of another
    rest = word[: stem.start()]
    # A German compound may join its parts with an "s".
    return rest[:-1] if rest.endswith("s") and rest[:-1] in _PRICE_KIND_TOKENS else rest


def _placement_score(candidate: _Candidate, survey: _Survey) -> float:
    """What is known without reading the element: a price attribute, nearness, height."""
    order = candidate.order
    score = 2.0 if candidate.by_attribute else 0.0
    score += _proximity(order, survey.title, 60.0, 2.5)
    score += _proximity(order, survey.cart, 120.0, 1.5)
    return score - order / max(1, survey.size)


def _content_score(candidate: _Candidate, context: _ContextCache) -> float:
    """What the candidate's attributes, text, label and ancestors say about it."""
    element = candidate.element
    own = context.own(element)
    says_price = "price" in own or (candidate.by_attribute and _says_price(element))
    score = 0.0
    if candidate.by_attribute and not says_price:
        score -= 2.0  # "rice" in a start tag that does not say price after all
    if says_price and (
        "current" in own
        or _STRONG_PRICE_ATTRIBUTE.search(_attribute_words(element))
        or element.get("itemprop") == "price"
    ):
        score += 1.0
    inherited = context.inherited(element)
    if not says_price and inherited.get("price", 99) <= 3:
        score += 1.5
    if "standard" in own:  # read on the price's own element only (see _PRICE_KIND_TOKENS)
        score -= _CONTEXT_PENALTY["struck"]
    for flag, penalty in _CONTEXT_PENALTY.items():
        if flag in own:
            score -= penalty
        elif flag in inherited:
            # The nearer the marked ancestor, the surer it is about this price (a section a
            # heading names is only what follows the heading: sure at any depth).
            score -= penalty * (1.0 if inherited[flag] <= 4 or flag == "others" else 0.6)
    if in_unselected_variant(element):
        score -= _UNSELECTED_PENALTY  # another variant's price: the picker marks another
    before, after = _label(element)
    if candidate.currency is None:
        # A currency written just outside the price's element: "$<span>5</span>",
        # "<span>3,300</span>円(税込)", "<b>129</b> zł".
        if _CURRENCY_SIGN.search(before[-3:]):
            candidate.currency = parse_price(f"{before[-3:]}{candidate.text}").currency
        elif after and not _DIGIT.match(after):
            read = parse_price(f"{candidate.text} {after[:_MAX_MARKER_TEXT]}")
            if read.amount == candidate.amount:  # the marker is this number's, not the next
                candidate.currency = read.currency
        if candidate.currency is None:
            candidate.currency = _labelled_currency(element, candidate.amount)
    score += 1.0 if candidate.currency or has_currency_marker(candidate.text) else -1.5
    # The words after another price in the text are that price's ("$499.00 was $599.00").
    own_text, rest = _price_and_rest(candidate.text)
    if (
        len(_CURRENCY_SIGN.findall(candidate.text)) > 1
        and not _RANGE.search(candidate.text)
        and not (rest and _opens_with_former_label(rest))
    ):
        score -= 1.5  # several prices in one text: a summary, not the price
    if len(_WORD_OF_SENTENCE.findall(candidate.text, 0, _SENTENCE_CHARS)) > _MAX_PRICE_WORDS:
        score -= _SENTENCE_PENALTY
    groups = _LABELS.groups(f"{before} | {own_text}")
    if _QUANTITY_TIER.search(before):
        groups.add("tier")
    if "free" in groups:
        groups.discard("free")
        digit = _DIGIT.search(own_text)
        if digit and "free" in _LABELS.groups(own_text[: digit.start()]):
            if _THRESHOLD_BEFORE.search(own_text, 0, digit.start()):
                return _NOT_A_PRICE  # "Free shipping on orders over $35": a threshold
            groups.add("ship")  # "Gratis Versand statt 4,95 €": a shipping cost
    after_words = _AFTER_WORDS.match(rest or _words_after_price(own_text) or after)
    # Every alternative of the pattern is a named group: a match names the one it took.
    if after_words and after_words.lastgroup is not None:
        groups.add(_AFTER_GROUPS.get(after_words.lastgroup, after_words.lastgroup))
    for group in groups:
        score += _LABEL_SCORE[group]
    return score


# Wrappers of a split price whose accessible name may read it whole ('<div aria-label=
# "Prijs: €5,24"><span>5</span><span>.</span><span>24</span></div>').
_LABELLED_REACH = 3


def _labelled_currency(element: Element, amount: Decimal) -> str | None:
    """The currency the accessible name (aria-label) of the price's element, or of a wrapper
    near it, reads `amount` in; None when none does."""
    node: Element | None = element
    for _ in range(_LABELLED_REACH):
        if node is None:
            return None
        if node.has_attribute_text("aria-label"):
            read = parse_price(node.get("aria-label", ""))
            if read.amount == amount:
                return read.currency
        node = node.parent
    return None


def _proximity(order: int, landmark: int | None, scale: float, weight: float) -> float:
    """`weight` at the landmark's position, decaying with the distance from it."""
    if landmark is None:
        return 0.0
    return weight * math.exp(-abs(order - landmark) / scale)


def _label(element: Element) -> tuple[str, str]:
    """The words just before and just after the price: what labels it."""
    before = after = ""
    node = element
    # A price alone in its wrapper is labelled by the wrapper's neighbours.
    for _ in range(3):
        parent = node.parent
        if parent is None or parent.tag == "#document":
            break
        siblings = parent.children
        index = siblings.index(node)  # by identity: elements do not define equality
        before = _neighbour_text(siblings, index, -1, 40)
        after = _neighbour_text(siblings, index, 1, 24)
        if _width(before) + _width(after) > 2:
            break
        node = parent
    return before, after


def _width(text: str) -> int:
    """The width of `text` in narrow characters, a wide one (CJK, Hangul) counting two: a
    word of two of them ("정가", "定価") is a label as "Was" is."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if char >= WIDE_SCRIPTS)


def _neighbour_text(siblings: Sequence[Element | str], index: int, step: int, limit: int) -> str:
    """Up to `limit` characters of text beside siblings[index], stopping at another price."""
    parts: list[str] = []
    length = 0
    index += step
    # Also bounded in siblings: thousands of empty ones must not be read for every price.
    stop = index + step * _MAX_NEIGHBOURS
    while 0 <= index < len(siblings) and length < limit and index != stop:
        sibling = siblings[index]
        if isinstance(sibling, str):
            text = sibling
        elif sibling.tag in _SKIPPED_TAGS:
            text = ""
        else:
            text = _bounded_text(sibling, limit, from_end=step < 0)
            if _states_price(text):
                break  # another price ("$5", "4,90 EUR", "29,90 TL"): its label is its own
        parts.append(text)
        length += len(text.strip())
        index += step
    if step < 0:
        parts.reverse()
    text = " ".join(" ".join(parts).split())
    if "&" in text:
        text = html.unescape(text)
    return text[-limit:] if step < 0 else text[:limit]


def _bounded_text(element: Element, limit: int, from_end: bool) -> str:
    """About `limit` characters of the element's text from its start (or its end); the
    element's own text even when its tag is one whose text the walk skips (a button's)."""
    parts: list[str] = []
    length = 0
    visits = 0
    stack: list[Element | str] = [element]
    while stack and length < limit and visits < _MAX_VISITS:
        node = stack.pop()
        visits += 1
        if isinstance(node, str):
            parts.append(node)
            length += len(node.strip())
        elif node is element or node.tag not in _SKIPPED_TAGS:
            children = node.children if from_end else reversed(node.children)
            stack.extend(children)
            if node.tag in BLOCK_TAGS:
                parts.append(" ")
    if from_end:
        parts.reverse()
    return " ".join("".join(parts).split())


def _position(text: tuple[int, str, Element]) -> int:
    return text[0]


def _availability(
    winner: _Candidate, survey: _Survey, context: _ContextCache, budget: Budget
) -> Availability:
    """The stock status stated near the price or the cart; unknown when none is, or when
    visible statuses there disagree (a sold-out size beside an in-stock product)."""
    texts = survey.stock_texts
    near: set[int] = set()  # indices in `texts` (in page order) within reach of an anchor
    for anchor in {winner.order, survey.cart or winner.order}:
        start = bisect.bisect_left(texts, anchor - _STOCK_REACH, key=_position)
        near.update(range(start, bisect.bisect_right(texts, anchor + _STOCK_REACH, key=_position)))
    statuses = set()
    for read, index in enumerate(sorted(near), 1):
        if not read % BUDGET_STRIDE:
            budget.check()
        _, text, element = texts[index]
        status = stated_stock(text, element)
        if (
            status is not None
            and "hidden" not in context.own(element)
            and "hidden" not in context.inherited(element)
            and not _in_foreign_block(element, context)
            and not in_variant_picker(element)
            and not is_toggled_off(element)
        ):
            statuses.add(status)
    return statuses.pop() if len(statuses) == 1 else Availability.UNKNOWN
