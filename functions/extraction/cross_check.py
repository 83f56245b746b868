"""Settle a price the page's sources disagree on, by what the page visibly shows.

Structured data is often stale or about something else: JSON-LD or microdata holding the
list price while the page shows the sale price, an auction's starting price, an unrounded
net price ("210.852001") beside the displayed "210,85 €", a recommendation tile's Product
beside the page's own. A cross-check weighs every source's prices against the price the
visible page shows as the current one (the heuristic's winner, which already discounts
struck, former, saving, shipping and instalment amounts):

1. a structured price the page clearly shows as its current price wins, to the cent;
2. else the price most sources state (og:price agreeing with microdata beats a lone
   JSON-LD price), ties going to the more trusted source.

It is run only when the trusted source's choice is ambiguous, another source disagrees,
or the price is more precise than any page displays: pages whose sources agree pay
nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from contracts.catalog import Availability
from extraction.offer import SOURCES, Offer, OfferCandidate, availability_rank

_CENT = Decimal("0.01")


def displayed(amount: Decimal) -> Decimal:
    """The amount as a page displays it: to the cent ("210.852001" shows as 210.85)."""
    return amount.quantize(_CENT) if amount.as_tuple().exponent < -2 else amount  # type: ignore[operator]


def needs_cross_check(offer: Offer, others: Sequence[OfferCandidate]) -> bool:
    """Whether `offer` is in doubt: ambiguous, finer than cents, or contradicted by another
    source's price (in the same currency, or with none stated)."""
    if offer.price is None:
        return False  # a page that shows no price has none to contradict
    if offer.ambiguous or displayed(offer.price) != offer.price:
        return True
    return any(
        displayed(other.price) != offer.price
        and (other.currency is None or offer.currency is None or other.currency == offer.currency)
        for other in others
    )


def cross_check(
    trusted: Offer, found: Mapping[str, Sequence[OfferCandidate]], visible: Offer | None
) -> Offer:
    """The price the sources (`found`, by source name) and the visible page agree on best;
    `trusted` (the most trusted source's own choice) when nothing settles it better.

    `visible` is the heuristic's offer for the page, or None when it shows no price.
    The result names the sources that agreed on it in `agreed_sources`.
    """
    if trusted.price is None:
        return trusted  # nothing to settle (a source's choice always has a price)
    by_amount: dict[Decimal, list[OfferCandidate]] = {}
    for candidates in found.values():
        for candidate in candidates:
            by_amount.setdefault(displayed(candidate.price), []).append(candidate)
    own = displayed(trusted.price)
    if visible is not None and visible.ambiguous:
        visible = None  # a near tie between shown prices settles nothing
    if visible is not None and visible.price in by_amount:
        chosen = visible.price
    else:
        chosen = max(by_amount, key=lambda amount: _support(by_amount[amount]))
        if _support(by_amount[chosen])[0] <= _support(by_amount[own])[0]:
            chosen = own  # no better agreement: the trusted source's choice among its offers
    agreeing = by_amount[chosen]
    sources = sorted({c.source for c in agreeing}, key=SOURCES.index)
    shown = visible is not None and visible.price == chosen
    if shown:
        sources.append("heuristic")
    currencies = {c.currency for c in agreeing if c.currency}
    currency = next(iter(currencies)) if len(currencies) == 1 else None
    if currency is None and shown:
        currency = visible.currency  # type: ignore[union-attr]
    availability = min((c.availability for c in agreeing), key=availability_rank)
    if availability == Availability.UNKNOWN and shown:
        availability = visible.availability  # type: ignore[union-attr]
    return Offer(
        price=chosen,
        currency=currency,
        availability=availability,
        source=sources[0],
        confidence=1.0,
        ambiguous=len(sources) < 2 and (trusted.ambiguous or len(by_amount) > 1),
        alternatives=tuple(sorted(amount for amount in by_amount if amount != chosen)),
        agreed_sources=tuple(sources),
    )


def _support(candidates: Sequence[OfferCandidate]) -> tuple[int, int]:
    """How many sources state a price, then how trusted the most trusted of them is."""
    sources = {c.source for c in candidates}
    return len(sources), -min(SOURCES.index(source) for source in sources)
