"""The detector's change rules replayed over a product's stored history.

The alerts `pricemon history` and `pricemon report` show are *derived*: the detector's own
rules (functions/contracts/change_rules.py) applied to each pair of consecutive
observations, as the states the catalog item was in after each, with the product's current
threshold and target price. They say what the rules make of the history, not which
notifications were sent (SNS keeps no log): a threshold changed since, or a run that failed
to publish, would differ. The output labels them so (`history_models.DERIVED_NOTE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from contracts.catalog import Availability, ScrapeStatus
from contracts.change_rules import (
    CatalogFields,
    MalformedImageError,
    ProductState,
    detect_changes,
    price_drop_percent,
)
from pricemon.history_models import DerivedAlert, HistoryRow, State


def derive_alerts(
    catalog_item: Mapping[str, Any],
    rows: Sequence[HistoryRow],
    default_threshold_percent: Decimal,
    *,
    before: State | None = None,
) -> list[DerivedAlert]:
    """The alerts the detector's rules raise along `rows` (oldest first); `before` is the
    item's state before the first row, when known."""
    if not rows:
        return []
    try:
        catalog = CatalogFields.from_image(catalog_item)
    except MalformedImageError:
        # A catalog item breaking the data contract: the detector raised no alert either.
        return []
    olds: list[State | None] = [before, *(row.state for row in rows[:-1])]
    alerts: list[DerivedAlert] = []
    for old, row in zip(olds, rows, strict=True):
        if old is None:
            continue
        try:
            events = detect_changes(
                observed(catalog, old), observed(catalog, row.state), default_threshold_percent
            )
        except MalformedImageError:
            # An observation breaking the data contract: the detector raised no alert either.
            continue
        alerts.extend(
            DerivedAlert(
                kind=str(event.kind),
                observed_at=row.observed_at,
                run_id=row.run_id,
                old_price=event.old_price,
                new_price=event.new_price,
                drop_percent=event.change_percent,
                currency=event.currency,
            )
            for event in events
            # Replayed without opt-in rules: every event the always-on ones raise has a price.
            if event.new_price is not None
        )
    return alerts


def observed(catalog: CatalogFields, state: State) -> ProductState:
    """The catalog item as a successful observation in `state` leaves it (as the scraper
    writes it). Raises MalformedImageError when the row's values break the data contract."""
    return ProductState(
        catalog=catalog,
        status=ScrapeStatus.OK,
        price=state.price,
        currency=state.currency,
        availability=_availability(state.availability),
        run_id=state.run_id or None,  # a row without one reads "" (row_from_item)
        checked_at=state.checked_at,
    )


def _availability(text: str | None) -> Availability | None:
    # A value the scraper never writes is neither in nor out of stock to the rules.
    if text is None or text not in tuple(Availability):
        return None
    return Availability(text)


def change_percent(old: Decimal, new: Decimal) -> Decimal:
    """The change from `old` to `new` in percent of `old` (+ a rise), 2 places."""
    return -price_drop_percent(old, new)
