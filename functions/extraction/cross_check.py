"""Settle a price the page's sources disagree on, or check a lone one, by what the page
visibly shows.

Structured data is often stale or about something else: JSON-LD or microdata holding the
list price while the page shows the sale price, an auction's starting price, an unrounded
net price ("210.852001") beside the displayed "210,85 €", a recommendation tile's Product
beside the page's own, an og:price in another currency than the page's. A cross-check
weighs every source's prices against the price the visible page shows as the current one
(the heuristic's winner, which already discounts struck, former, saving, shipping and
instalment amounts):

1. a structured price the page clearly shows as its current price wins, to the cent,
   whatever its currency;
2. else the price most sources state (og:price agreeing with microdata beats a lone
   JSON-LD price), ties going to the more trusted source; a price in another currency
   than the trusted source's never outvotes it (it may be the same price, converted),
   and a price a source names as the pre-sale one (`og:price:standard_amount` above
   `og:price:amount`) never wins: JSON-LD still stating the list price of a sale;
3. a price only one structured source states (`overruled_by_page`) loses to the visible
   price when the page is confident of that one (heuristic confidence from
   `DEFAULT_MIN_CONFIDENCE`, not ambiguous) and shows the structured price only as a
   former one (struck through, or labelled "was", "UVP", "statt", "prix barré"...) or
   nowhere as a price (an auction's starting price under the current bid, a stale
   og:price): bare numbers that match it ("1" for 1.00, a litre's "26,50") do not count;
4. an AggregateOffer's low price (`shown_within_range`), the cheapest of the offers it sums
   up, loses to the visible price when that lies within its range and the page shows the
   low price as no current price of its own (the variant selected, one unit of a
   graduated price).

It is run only when the trusted source's choice is ambiguous, another source disagrees,
or the price is more precise than any page displays: pages whose sources agree pay
nothing for it. The check of a lone price (3) needs the element tree, so it is made on
pages that build it anyway (a microdata or meta price, or a cross-check); a JSON-LD price
no other source contradicts is checked only when the raw markup may show it as a former
price (`may_show_as_former`: struck, or after a former-price word) or writes it nowhere as
text (`first_written_as_text`), else taken as it is, without the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from itertools import islice

from contracts.catalog import Availability
from extraction.heuristic import (
    DEFAULT_MIN_CONFIDENCE,
    VisiblePage,
    label_phrases,
    price_names,
)
from extraction.heuristic import (
    SOURCE as VISIBLE_SOURCE,
)
from extraction.offer import SOURCES, Offer, OfferCandidate, availability_rank
from extraction.price import GROUPING_APOSTROPHES, NUMBER_CHARACTERS
from extraction.visible import WORDS_OF_TEXT

_CENT = Decimal("0.01")


def displayed(amount: Decimal) -> Decimal:
    """The amount as a page displays it: to the cent ("210.852001" shows as 210.85)."""
    return amount.quantize(_CENT) if amount.as_tuple().exponent < -2 else amount  # type: ignore[operator]


def needs_cross_check(offer: Offer, others: Sequence[OfferCandidate]) -> bool:
    """Whether `offer` is in doubt: ambiguous, finer than cents, or contradicted by another
    source's price (in any currency, or with none stated)."""
    if offer.price is None:
        return False  # a page that shows no price has none to contradict
    if offer.ambiguous or displayed(offer.price) != offer.price:
        return True
    return any(displayed(other.price) != offer.price for other in others)


def cross_check(
    trusted: Offer,
    found: Mapping[str, Sequence[OfferCandidate]],
    page: VisiblePage | None,
    former: Set[Decimal] = frozenset(),
) -> Offer:
    """The price the sources (`found`, by source name) and the visible page agree on best;
    `trusted` (the most trusted source's own choice) when nothing settles it better.

    `page` is what the page visibly shows, None when the visible page is not to be read;
    `former`, the prices a source names as the pre-sale price (`SourceReading.former`).
    The result names the sources that agreed on it in `agreed_sources`.
    """
    if trusted.price is None:
        return trusted  # nothing to settle (a source's choice always has a price)
    by_amount: dict[Decimal, list[OfferCandidate]] = {}
    for candidates in found.values():
        for candidate in candidates:
            by_amount.setdefault(displayed(candidate.price), []).append(candidate)
    own = displayed(trusted.price)
    visible = None if page is None else page.offer
    if visible is not None and visible.ambiguous:
        visible = None  # a near tie between shown prices settles nothing
    shown_current = _only_shown_as_current(by_amount, page) if visible is None else None
    if visible is not None and visible.price in by_amount:
        chosen = visible.price
    elif shown_current is not None:
        chosen = shown_current  # the page's prices tie, but it shows only this one as current
    else:
        current = {a: c for a, c in by_amount.items() if a not in former} or by_amount
        voting = {
            amount: candidates
            for amount, candidates in current.items()
            if amount == own or any(_same_currency(c, trusted) for c in candidates)
        } or current
        chosen = max(voting, key=lambda amount: _support(voting[amount]))
        if own in current and _support(voting[chosen])[0] <= _support(by_amount[own])[0]:
            chosen = own  # no better agreement: the trusted source's choice among its offers
    alternatives = tuple(sorted(amount for amount in by_amount if amount != chosen))
    agreeing = by_amount[chosen]
    sources = sorted({c.source for c in agreeing}, key=SOURCES.index)
    currencies = {c.currency for c in agreeing if c.currency}
    currency = next(iter(currencies)) if len(currencies) == 1 else None
    if page is not None and len(sources) == 1:
        shown = overruled_by_page(chosen, currency or trusted.currency, page)
        if shown is not None:
            return replace(shown, alternatives=tuple(sorted(by_amount)))
    shown_here = visible is not None and visible.price == chosen
    if shown_here:
        sources.append(VISIBLE_SOURCE)
    if currency is None and shown_here:
        currency = visible.currency  # type: ignore[union-attr]
    availability = min((c.availability for c in agreeing), key=availability_rank)
    if availability == Availability.UNKNOWN and shown_here:
        availability = visible.availability  # type: ignore[union-attr]
    return Offer(
        price=chosen,
        currency=currency,
        availability=availability,
        source=sources[0],
        confidence=1.0,
        ambiguous=len(sources) < 2 and (trusted.ambiguous or len(by_amount) > 1),
        alternatives=alternatives,
        agreed_sources=tuple(sources),
    )


def checked_against_page(offer: Offer, page: VisiblePage) -> Offer:
    """A structured price no other source contradicts, stated by one source or agreed on
    by several: `offer`, or the visible price when the page overrules it
    (`overruled_by_page`)."""
    if offer.price is None:
        return offer
    shown = overruled_by_page(displayed(offer.price), offer.currency, page)
    if shown is None:
        return offer
    return replace(shown, alternatives=(displayed(offer.price),))


def overruled_by_page(price: Decimal, currency: str | None, page: VisiblePage) -> Offer | None:
    """The visible price, when it overrules `price`, a price one structured source alone
    states (in `currency`); None when `price` stands.

    It is overruled when the page shows it only as a former price (struck, labelled "was",
    "UVP", "statt", "prix barré"...) or nowhere as a price at all (an auction's starting
    price under the current bid, a stale og:price), while it is confident of a different
    current price (the heuristic's, from `DEFAULT_MIN_CONFIDENCE` and not ambiguous).
    """
    # Most lone prices stand, shown as current by an element named a price: both tests
    # tell that first, without ranking the page's prices.
    if not page.shown_as_former(price) and page.shows_as_price(price):
        return None
    visible = page.offer
    if (
        visible is None
        or visible.price is None
        or visible.ambiguous
        or visible.confidence < DEFAULT_MIN_CONFIDENCE
        or displayed(visible.price) == price
    ):
        return None
    return replace(
        visible,
        currency=visible.currency or currency,
        alternatives=(),
        agreed_sources=(VISIBLE_SOURCE,),
    )


def shown_within_range(offer: Offer, highest: Decimal, page: VisiblePage) -> Offer:
    """The visible price in place of an AggregateOffer's low price (`offer`'s, the range
    going up to `highest`): the cheapest of the offers it sums up, which a page showing the
    variant selected, or one unit of a graduated price, need not show at all. `offer` when
    the page shows its price as a current one, or shows no price within the range above it."""
    if offer.price is None or page.shows_as_current(offer.price):
        return offer
    visible = page.offer
    if (
        visible is None
        or visible.price is None
        or not offer.price < visible.price <= highest
        or (None not in (visible.currency, offer.currency) and visible.currency != offer.currency)
    ):
        return offer
    return replace(
        visible,
        currency=visible.currency or offer.currency,
        alternatives=(offer.price,),
        agreed_sources=(VISIBLE_SOURCE,),
    )


def _only_shown_as_current(amounts: Iterable[Decimal], page: VisiblePage | None) -> Decimal | None:
    """The one amount of the sources' that the page shows as a current price (outside other
    products' and sellers' blocks, not struck, not a part payment...); None when it shows
    none of them so, or several."""
    if page is None:
        return None
    shown = [amount for amount in amounts if page.shows_as_current(amount)]
    return shown[0] if len(shown) == 1 else None


def _same_currency(candidate: OfferCandidate, trusted: Offer) -> bool:
    """Stated in the trusted offer's currency, or either states none."""
    return None in (candidate.currency, trusted.currency) or candidate.currency == trusted.currency


def _support(candidates: Sequence[OfferCandidate]) -> tuple[int, int]:
    """How many sources state a price, then how trusted the most trusted of them is."""
    sources = {c.source for c in candidates}
    return len(sources), -min(SOURCES.index(source) for source in sources)


# What marks a former price in raw markup just before it: a struck element or style, and
# a word of a former-price label or class name in any language ("was", "uvp", "statt",
# "barre", "old"), each multi-word label by its longest word.
_STRUCK_MARKUP = re.compile(r"<(?:s|del|strike)\b|line-through|strike-?through")
# Former-price words markup writes for itself: "alt" ("alter Preis") names every image's
# text, "org" ("prc-org", original) every schema.org type.
_MARKUP_WORDS = frozenset(("alt", "org"))
# The words of raw markup: class names join theirs by "_" too ("pdp-price__old").
_WORD_OF_MARKUP = re.compile(r"[^\W_]+")


def _former_words() -> frozenset[str]:
    price_words = {*price_names("price"), *price_names("stems")}
    words = set(price_names("former"))
    for label in label_phrases("former"):
        named = [w for w in WORDS_OF_TEXT.findall(label.lower()) if w not in price_words]
        if named:
            words.add(max(named, key=len))
    return frozenset(word for word in words - price_words - _MARKUP_WORDS if len(word) > 2)


_FORMER_WORDS = _former_words()
# How far before an amount a marker is looked for, and at how many of its appearances.
_FORMER_REACH = 240
_MAX_AMOUNTS_READ = 16
_MAX_MATCHES_READ = 256


def may_show_as_former(html: str, amount: Decimal, *, struck_only: bool = False) -> bool:
    """Whether the raw markup may show `amount` as a former price: it writes the amount
    (grouped or not, with either decimal mark) shortly after a struck element or a former-
    price word (`struck_only`: a struck element). Cheap, with no element tree, and
    generous: a lone JSON-LD price it clears is taken as it is, one it does not is checked
    against the visible page (`checked_against_page`), which decides. Stale JSON-LD on a
    sale reads so: its list price, struck on the page beside the sale price."""
    for start in _written_at(html, amount):
        before = html[max(0, start - _FORMER_REACH) : start].lower()
        if _STRUCK_MARKUP.search(before):
            return True
        if not struck_only and not _FORMER_WORDS.isdisjoint(_WORD_OF_MARKUP.findall(before)):
            return True
    return False


def first_written_as_text(html: str, amount: Decimal) -> int | None:
    """Where the raw markup first writes `amount` in the text of an element, not only in a
    script or a tag's attributes (JSON-LD, a data-price, a meta tag); None when it writes
    it in none. Cheap, with no element tree: a lone JSON-LD price the page writes nowhere
    else is no price the page shows (an auction's starting price under the current bid, a
    stale price on a page that is sold out) and is checked against the visible page."""
    # Its whole part: a page splits the cents off in markup of their own ("208,<sup>60").
    for start in _written_at(html, amount.to_integral_value(ROUND_DOWN)):
        in_tag = html.rfind("<", 0, start) > html.rfind(">", 0, start)
        if not in_tag and html.rfind("<script", 0, start) <= html.rfind("</script", 0, start):
            return start
    return None


def _written_at(html: str, amount: Decimal) -> Iterator[int]:
    """Where the raw markup writes `amount` (`_written_amount`), at its first
    `_MAX_AMOUNTS_READ` appearances, not as the end of a longer number ("1129.99" for
    129.99: ids and addresses hold many, read up to `_MAX_MATCHES_READ`)."""
    found = islice(_written_amount(amount).finditer(html), _MAX_MATCHES_READ)
    starts = (m.start() for m in found)
    yield from islice(
        (s for s in starts if not (s and html[s - 1] in NUMBER_CHARACTERS)), _MAX_AMOUNTS_READ
    )


def _written_amount(amount: Decimal) -> re.Pattern[str]:
    """The amount as pages write it: "1299.00", "1,299.00", "1.299,00", "1 299", "1’299"."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = [whole[max(0, end - 3) : end] for end in range(len(whole), 0, -3)][::-1]
    pattern = rf"[.,{GROUPING_APOSTROPHES}\s\u00a0\u202f]?".join(groups)
    if cents != "00":
        pattern += f"[.,]{cents}"
    else:
        pattern += "(?:[.,]00|[.,]-|,–)?"  # "1299", "1.299,00", "29,-"
    # No look-behind at the start: a pattern opening with its literal digits is searched
    # for as a string is, many times faster on a large page.
    return re.compile(rf"{pattern}(?!\d)")
