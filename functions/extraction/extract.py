"""Read the offer of a product page: price, currency and availability, with its source.

A retailer rule, when given, is the operator's explicit instruction and alone decides.
Otherwise sources are tried in order of trust: schema.org JSON-LD, microdata, RDFa/meta
tags, and last a heuristic over the visible page (marked with its confidence). The first
source that yields a price decides it; lower sources may still fill in a currency or
availability the deciding source left out, when they agree on the price.

Cheap sources run first on the raw text; the element tree, which costs more than all of
them together on a large page, is built only when microdata, a selector rule or the
heuristic needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cached_property

from contracts.catalog import Availability
from extraction import heuristic, jsonld, meta, microdata
from extraction import rules as retailer_rules
from extraction.blocked import classify_blocked
from extraction.budget import UNLIMITED, Budget
from extraction.cross_check import cross_check, needs_cross_check
from extraction.markup import Element, parse_html
from extraction.offer import Offer, OfferCandidate, choose_offer


class Page:
    """A page's markup with its element tree built on first use, at most once."""

    def __init__(self, html: str, url: str | None = None, budget: Budget = UNLIMITED) -> None:
        self.html = html
        self.url = url
        self.budget = budget

    @cached_property
    def tree(self) -> Element:
        tree = parse_html(self.html, self.budget)
        self.budget.check()
        return tree


def extract_offer(
    html: str,
    url: str | None = None,
    rules: Mapping[str, object] | None = None,
    *,
    use_heuristic: bool = True,
    budget: Budget = UNLIMITED,
) -> Offer | None:
    """The offer a shopper sees on the page, or None when the page states no price.

    A captcha or bot-wall page has no offer, whatever numbers it shows. Raises
    `InvalidRuleError` for a malformed rule, never for malformed pages, and
    `ExtractionTooSlowError` once the page has spent its `budget`.
    """
    budget.check()
    if not html or classify_blocked(html) is not None:
        return None
    budget.check()
    page = Page(html, url, budget)
    sources = _structured_sources(page)
    if rules:
        # A rule exists because the page's own data is missing or wrong for this retailer:
        # when it finds nothing, the page has no price, rather than a silently stale one.
        from_rules = retailer_rules.candidates(page.html, lambda: page.tree, rules, budget)
        offer = choose_offer(from_rules, url)
        return None if offer is None else _completed(offer, [read for _, read in sources], budget)
    for position, (name, read_source) in enumerate(sources):
        offer = choose_offer(read_source(), url)
        budget.check()
        if offer is None:
            continue
        # Meta tags are read from the raw text, cheaply: enough to tell whether the trusted
        # source is contradicted, before paying for the tree and the visible page.
        later = sources[position + 1 :]
        contradicting = [c for other, read in later if other == meta.SOURCE for c in read()]
        if not needs_cross_check(offer, contradicting):
            agreed = [name, *{c.source for c in contradicting if c.price == offer.price}]
            offer = replace(offer, agreed_sources=tuple(agreed))
            return _completed(offer, [read for _, read in later], budget)
        found = {other: read() for other, read in sources}
        visible = heuristic.find_visible_price(page.tree, url, budget) if use_heuristic else None
        return cross_check(offer, found, visible)
    if use_heuristic:
        return heuristic.find_visible_price(page.tree, url, budget)
    return None


Source = Callable[[], list[OfferCandidate]]


def _structured_sources(page: Page) -> list[tuple[str, Source]]:
    """Readers of each structured source, most trusted first; each runs only when asked,
    at most once."""
    budget = page.budget
    return [
        (jsonld.SOURCE, _once(lambda: jsonld.candidates(page.html, budget))),
        (
            microdata.SOURCE,
            _once(
                lambda: (
                    microdata.candidates(page.tree, budget)
                    if microdata.may_contain(page.html)
                    else []
                )
            ),
        ),
        (meta.SOURCE, _once(lambda: meta.candidates(page.html, budget))),
    ]


def _once(read: Source) -> Source:
    """`read`, run on first call only; later calls return the same candidates."""
    cache: list[list[OfferCandidate]] = []

    def cached() -> list[OfferCandidate]:
        if not cache:
            cache.append(read())
        return cache[0]

    return cached


def _completed(offer: Offer, other_sources: list[Source], budget: Budget) -> Offer:
    """Fill a missing currency or availability from less trusted sources that agree on price."""
    for read_source in other_sources:
        if offer.currency is not None and offer.availability != Availability.UNKNOWN:
            break
        budget.check()
        for candidate in read_source():
            if candidate.price != offer.price:
                continue
            if offer.currency is None and candidate.currency:
                offer = replace(offer, currency=candidate.currency)
            if (
                offer.availability == Availability.UNKNOWN
                and candidate.availability != Availability.UNKNOWN
            ):
                offer = replace(offer, availability=candidate.availability)
    return offer
