"""Read the offer of a product page: price, currency and availability, with its source.

A retailer rule, when given, is the operator's explicit instruction and alone decides.
Otherwise sources are tried in order of trust: schema.org JSON-LD, microdata, RDFa/meta
tags, and last a heuristic over the visible page (marked with its confidence). The first
source that yields a price decides it, among its offers those of the product the page is
about (`choose_offer`, with the page's addresses and titles, `extraction.page_identity`);
a price in doubt, or one source's alone, is checked against the visible page
(`extraction.cross_check`). Lower sources may still fill in a currency the deciding source
left out, when they agree on the price, and last the visible page, showing that price with
one. A stock status the deciding source leaves out is read from the page's other evidence
(`extraction.availability`), which also tells an out-of-stock page that shows no price:
its offer has none; so does a page that shows the product sold out and no price while a
structured source alone keeps an in-stock offer of before.

Cheap sources run first on the raw text; the element tree, which costs more than all of
them together on a large page, is built only when microdata, a selector rule, the
heuristic, a cross-check, a price no source gives a currency or a page declaring several
products needs it: a JSON-LD price no other source contradicts is read without it, unless
the raw markup may show it as a former price (the stale list price of a sale) or writes it
nowhere as text (an auction's starting price, a stale offer of a sold-out page).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from functools import cached_property

from contracts.catalog import Availability
from extraction import jsonld, meta, microdata
from extraction import rules as retailer_rules
from extraction.availability import (
    StockEvidence,
    may_state,
    page_availability,
    surely_shown,
    visible_availability,
)
from extraction.blocked import classify_blocked
from extraction.budget import UNLIMITED, Budget
from extraction.cross_check import (
    checked_against_page,
    cross_check,
    displayed,
    first_written_as_text,
    may_show_as_former,
    needs_cross_check,
    shown_within_range,
)
from extraction.heuristic import SOURCE as VISIBLE_SOURCE
from extraction.heuristic import VisiblePage
from extraction.markup import Element, parse_html
from extraction.offer import Offer, OfferCandidate, SourceReading, choose_offer
from extraction.page_identity import PageIdentity
from extraction.raw_scan import StartTags

# What no reader of the tree uses, other than a retailer rule: the heuristic and the stock
# reading skip these parts unseen (or, for navigation, the site's banner and footer, take a
# price or a buy control there for the site's, not the product's: "Cart 0,00 €", "Free
# shipping over $49"), and the tree builder keeps the microdata and the h1 in them.
# Navigation alone is a fifth of a product page's elements, the banner another tenth.
_UNREAD_TAGS = frozenset(
    "nav header footer svg select datalist template noscript iframe object canvas".split()
)


class Page:
    """A page's markup with its element tree, what it names and what it visibly shows,
    each read on first use, at most once. The tree leaves out what the sources of a page's
    offer never read (`_UNREAD_TAGS`), unless a retailer rule, which may select anything,
    reads it (`complete`)."""

    def __init__(
        self,
        html: str,
        url: str | None = None,
        budget: Budget = UNLIMITED,
        *,
        complete: bool = False,
    ) -> None:
        self.html = html
        self.url = url
        self.budget = budget
        self.complete = complete
        # Where its script, meta and link tags are, for every reader of the raw text.
        self.start_tags = StartTags(html)
        # Its addresses and titles, read only when a source declares several products.
        self.identity = PageIdentity(html, url, lambda: self.tree, budget, self.start_tags)
        self._written_as_text: dict[Decimal, int | None] = {}

    @cached_property
    def tree(self) -> Element:
        tree = parse_html(self.html, self.budget, frozenset() if self.complete else _UNREAD_TAGS)
        self.budget.check()
        return tree

    @cached_property
    def visible(self) -> VisiblePage:
        return VisiblePage(self.tree, self.url, self.budget)

    def first_written_as_text(self, amount: Decimal) -> int | None:
        """Where the markup first writes `amount` in an element's text (None: nowhere), read
        once for the checks that ask."""
        if amount not in self._written_as_text:
            self._written_as_text[amount] = first_written_as_text(self.html, amount)
        return self._written_as_text[amount]


def extract_offer(
    html: str,
    url: str | None = None,
    rules: Mapping[str, object] | None = None,
    *,
    use_heuristic: bool = True,
    budget: Budget = UNLIMITED,
) -> Offer | None:
    """The offer a shopper sees on the page, or None when the page states no price (and
    does not show the product out of stock).

    An out-of-stock page that shows no price has an offer without one: price and currency
    None, availability OUT_OF_STOCK, and the evidence of it as the source
    (`extraction.availability`). A captcha or bot-wall page has no offer, whatever numbers
    it shows. Raises `InvalidRuleError` for a malformed rule, never for malformed pages, and
    `ExtractionTooSlowError` once the page has spent its `budget`.
    """
    with _collection_paused():
        return _extract_offer(html, url, rules, use_heuristic, budget)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a page is read, when it runs: the page's
    element tree is thousands of new objects (each child pointing at its parent) that all
    live until the page is read, and collections meanwhile only walk them again, a twentieth
    of the whole time. The next collection after frees them. Left as found when another
    caller (another thread reading a page) paused it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _extract_offer(
    html: str,
    url: str | None,
    rules: Mapping[str, object] | None,
    use_heuristic: bool,
    budget: Budget,
) -> Offer | None:
    budget.check()
    if not html or classify_blocked(html) is not None:
        return None
    budget.check()
    page = Page(html, url, budget, complete=bool(rules))
    sources = _structured_sources(page)
    offer = _priced_offer(page, sources, rules, use_heuristic)
    # The visible page is read for the stock status only where the heuristic may read it.
    tree = (lambda: page.tree) if use_heuristic else None
    evidence = None
    if offer is None or offer.availability == Availability.UNKNOWN:
        price = None if offer is None else offer.price
        evidence = page_availability(price, sources, tree, budget)
    if offer is None:
        return _sold_out(evidence)
    if evidence is not None:
        offer = replace(offer, availability=evidence.availability)
    read_from_page = VISIBLE_SOURCE in (offer.source, evidence and evidence.source)
    if read_from_page or not use_heuristic:
        return offer  # the visible page gave the price or the status: it has had its say
    return _as_surely_shown(offer, page)


Source = Callable[[], SourceReading]


def _priced_offer(
    page: Page,
    sources: list[tuple[str, Source]],
    rules: Mapping[str, object] | None,
    use_heuristic: bool,
) -> Offer | None:
    """The page's price, from the rule, else the most trusted source stating one (cross-
    checked when in doubt; a lone microdata or meta price, and the low end of a price range,
    checked against the visible page), else the visible page; None when none states a
    price."""
    url, budget = page.url, page.budget
    if rules:
        # A rule exists because the page's own data is missing or wrong for this retailer:
        # when it finds nothing, the page has no price, rather than a silently stale one.
        from_rules = retailer_rules.candidates(page.html, lambda: page.tree, rules, budget)
        offer = choose_offer(from_rules, url)
        return None if offer is None else _with_currency(offer, [read for _, read in sources])
    for position, (name, read_source) in enumerate(sources):
        offer = choose_offer(read_source().candidates, url, identity=page.identity)
        budget.check()
        if offer is None:
            continue
        # Meta tags are read from the raw text, cheaply: enough to tell whether the trusted
        # source is contradicted, before paying for the tree and the visible page.
        later = sources[position + 1 :]
        contradicting = [
            c for other, read in later if other == meta.SOURCE for c in read().candidates
        ]
        if needs_cross_check(offer, contradicting):
            found = {other: read().candidates for other, read in sources}
            former = frozenset().union(*(read().former for _, read in sources))
            return cross_check(offer, found, page.visible if use_heuristic else None, former)
        agreed = [name, *{c.source for c in contradicting if c.price == offer.price}]
        offer = replace(offer, agreed_sources=tuple(agreed))
        highest = _range_top(offer, read_source().candidates)
        if use_heuristic and highest is not None:
            offer = shown_within_range(offer, highest, page.visible)
        elif use_heuristic and _checked(name, offer, len(agreed), page):
            offer = checked_against_page(offer, page.visible)
            unpriced = _sold_out_without_price(offer, page)
            if unpriced is not None:
                return unpriced
        offer = _with_currency(offer, [read for _, read in later])
        if offer.currency is None and offer.price is not None and use_heuristic:
            # Last, the currency the page shows the price with ("€ 24,90" beside a microdata
            # price of 24.90): a price without one cannot be compared with the next.
            shown = page.visible.currency_shown_with(displayed(offer.price))
            offer = replace(offer, currency=shown)
        return offer
    if use_heuristic:
        return page.visible.offer
    return None


def _range_top(offer: Offer, candidates: list[OfferCandidate]) -> Decimal | None:
    """The top of the price range whose low end is `offer`'s price (an AggregateOffer's
    highPrice), None when the offer states one price (or a range from it to itself)."""
    return next(
        (
            c.highest
            for c in candidates
            if c.price == offer.price and c.highest is not None and c.highest > c.price
        ),
        None,
    )


def _checked(source: str, offer: Offer, agreeing: int, page: Page) -> bool:
    """Whether a price `agreeing` structured sources state, no other contradicting it, is
    checked against the visible page. A price several state, when the raw markup may strike
    it (JSON-LD and og:price may both hold the list price of a sale). A price one states
    alone: from microdata or meta tags always (microdata built the tree already, and a page
    stating its price only in meta tags pays for it), from JSON-LD only when the raw markup
    may show it as a former price or writes it nowhere as text (a JSON-LD page does not pay
    for the tree otherwise)."""
    price = offer.price
    if price is None:
        return False
    if agreeing > 1:
        return may_show_as_former(page.html, price, struck_only=True)
    return (
        source != jsonld.SOURCE
        or page.first_written_as_text(price) is None
        or may_show_as_former(page.html, price)
    )


def _sold_out_without_price(offer: Offer, page: Page) -> Offer | None:
    """The page's offer without a price, out of stock, when `offer`, checked against the
    page, is a price left in the markup of a sold-out page that shows none of its own: out
    of stock at a price the page shows as no current one (Rozetka's JSON-LD "OutOfStock" at
    35999 under "Немає в наявності", shown nowhere; one shown only struck, or as where
    other sellers' offers start), or in stock at a price shown nowhere as a price beside
    the page's own sold-out evidence (Magalu's stale "InStock" at 2499.00 by "Produto
    indisponível"). None otherwise: the page shows the price, or may render an in-stock
    one by script."""
    if offer.price is None or offer.source == VISIBLE_SOURCE:
        return None
    if offer.availability == Availability.UNKNOWN:
        return None
    amount = displayed(offer.price)
    if offer.availability == Availability.OUT_OF_STOCK:
        if page.visible.shows_as_current(amount):
            return None
        return replace(offer, price=None, currency=None, alternatives=())
    if page.first_written_as_text(amount) is not None or page.visible.shows_as_price(amount):
        return None
    return _sold_out(visible_availability(page.tree, page.budget))


# The status a page may show against a structured source's, stale in the markup.
_CONTRARY = {
    Availability.IN_STOCK: Availability.OUT_OF_STOCK,
    Availability.OUT_OF_STOCK: Availability.IN_STOCK,
}


def _as_surely_shown(offer: Offer, page: Page) -> Offer:
    """`offer` with the stock status the visible page shows against the structured one,
    by its main control and a stated status both (a stale "InStock" by "Stokta yok" and
    "Gelince Haber Ver", a stale "OutOfStock" by "Є в наявності" and "Купити")."""
    contrary = _CONTRARY.get(offer.availability)
    if contrary is None or offer.price is None:
        return offer
    shown_at = page.first_written_as_text(offer.price)
    if shown_at is None or not may_state(page.html, shown_at, contrary):
        return offer
    if not surely_shown(page.tree, contrary, page.budget):
        return offer
    return replace(offer, availability=contrary)


def _sold_out(evidence: StockEvidence | None) -> Offer | None:
    """The offer without a price of a page the `evidence` shows out of stock; None when
    it does not."""
    if evidence is None or evidence.availability != Availability.OUT_OF_STOCK:
        return None
    return Offer(
        price=None,
        currency=None,
        availability=Availability.OUT_OF_STOCK,
        source=evidence.source,
        confidence=evidence.confidence,
    )


def _structured_sources(page: Page) -> list[tuple[str, Source]]:
    """Readers of each structured source, most trusted first; each runs only when asked,
    at most once."""
    budget = page.budget
    return [
        (jsonld.SOURCE, _once(lambda: jsonld.read(page.html, budget, page.start_tags))),
        (
            microdata.SOURCE,
            _once(
                lambda: (
                    microdata.read(page.tree, budget)
                    if microdata.may_contain(page.html, budget)
                    else SourceReading([])
                )
            ),
        ),
        (meta.SOURCE, _once(lambda: meta.read(page.html, budget, page.start_tags))),
    ]


def _once(read: Source) -> Source:
    """`read`, run on first call only; later calls return the same reading."""
    cache: list[SourceReading] = []

    def cached() -> SourceReading:
        if not cache:
            cache.append(read())
        return cache[0]

    return cached


def _with_currency(offer: Offer, other_sources: list[Source]) -> Offer:
    """A missing currency filled from less trusted sources that agree on the price."""
    for read_source in other_sources:
        if offer.currency is not None:
            break
        for candidate in read_source().candidates:
            if candidate.price == offer.price and candidate.currency:
                return replace(offer, currency=candidate.currency)
    return offer
