"""What `pricemon history` and `pricemon report` know about prices: plain frozen data.

A `HistoryRow` is one row of the prices table (a successful observation; its price is None
when an out-of-stock page showed none) and `State` what the catalog item said after it; the
rest is what the two commands derive and show: a product's period (`ProductHistory`), the
alerts the detector's rules raise along it (`DerivedAlert`), and the report's changed
products (`PeriodReport`). The page
(html_report.py) and the commands read these, and nothing here reads a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from contracts.timestamps import iso_millis
from pricemon.status import RunSummary

DERIVED_NOTE = (
    "derived from the history with the detector's rules and the product's current"
    " threshold; not a log of the notifications sent"
)


@dataclass(frozen=True)
class State:
    """What the catalog item said after an observation: the images' `last_*` fields."""

    price: Decimal | None  # None: an out-of-stock page that showed no price
    currency: str | None
    availability: str | None
    run_id: str | None
    checked_at: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    """One row of the prices table: a successful observation."""

    product_id: str
    timestamp_ms: int
    price: Decimal | None  # None: an out-of-stock page that showed no price
    currency: str | None
    availability: str
    run_id: str
    scraped_at: str | None = None
    previous_price: Decimal | None = None  # the catalog item's last price before this one

    @property
    def observed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    @property
    def state(self) -> State:
        checked = self.scraped_at or iso_millis(self.observed_at)
        return State(self.price, self.currency, self.availability, self.run_id, checked)

    @property
    def state_before(self) -> State | None:
        """The item's state before this observation, as far as the row records it: the
        price (and, as the row has no other, its currency); None on a first observation."""
        if self.previous_price is None:
            return None
        return State(self.previous_price, self.currency, None, None)


@dataclass(frozen=True)
class Threshold:
    """The stack's default drop threshold, and where it was read."""

    percent: Decimal
    source: str


@dataclass(frozen=True)
class ProductInfo:
    product_id: str
    retailer: str | None
    name: str | None
    url: str | None
    drop_threshold_percent: Decimal  # the product's own, else the stack default
    own_threshold: bool
    target_price: Decimal | None


@dataclass(frozen=True)
class HistoryEntry:
    observed_at: datetime
    price: Decimal | None  # None: an out-of-stock page that showed no price
    currency: str | None
    availability: str
    change_percent: Decimal | None  # vs the previous observation: + a rise, - a drop
    run_id: str


@dataclass(frozen=True)
class DerivedAlert:
    kind: str
    observed_at: datetime
    run_id: str
    old_price: Decimal | None  # None: back in stock after an observation without a price
    new_price: Decimal
    # As the notification's change_percent: positive for a drop; None without an old price.
    drop_percent: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class AllTimeLow:
    price: Decimal
    currency: str | None
    observed_at: datetime


@dataclass(frozen=True)
class ProductHistory:
    product: ProductInfo
    threshold: Threshold
    since: datetime
    entries: list[HistoryEntry]
    stored_observations: int
    all_time_low: AllTimeLow | None
    alerts: list[DerivedAlert]
    alerts_note: str = DERIVED_NOTE


@dataclass(frozen=True)
class Change:
    """An observation whose price or availability differs from the one before."""

    observed_at: datetime
    run_id: str
    old_price: Decimal | None  # None: an observation without a price, either side
    new_price: Decimal | None
    currency: str | None
    old_availability: str | None  # None: before the period (the row records no availability)
    new_availability: str
    change_percent: Decimal | None  # None unless both have a price
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class ChangedProduct:
    product: ProductInfo
    observations: list[HistoryRow]
    changes: list[Change]
    alerts: list[DerivedAlert]


@dataclass(frozen=True)
class PeriodReport:
    """Everything the report page shows."""

    since: datetime
    until: datetime
    days: int
    threshold: Threshold
    catalog_products: int
    observed_products: int
    observations: int
    changed: list[ChangedProduct]
    runs: list[RunSummary]
    unknown_products: int = 0  # observed in the period, no longer in the catalog
    alerts_note: str = DERIVED_NOTE
    problems: list[str] = field(default_factory=list)

    @property
    def alert_count(self) -> int:
        return sum(len(product.alerts) for product in self.changed)
