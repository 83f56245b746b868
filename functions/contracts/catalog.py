"""The products table's item: a catalog entry and its latest observed state.

DESIGN.md "Data contracts" is the specification. The catalog part (`product_id`,
`retailer`, `url`, `name`, `active`, `drop_threshold_percent`, `target_price`, and the
opt-in alert rules `alerts` (a string set of opt-in kinds), `increase_threshold_percent`,
`new_low_days`) comes from the catalog import; the latest state (`last_*`,
`consecutive_failures`) is written by the scraper. Items arrive as boto3 resource-style
mappings (numbers are Decimal); a row that breaks the contract raises
InvalidCatalogItemError naming the product and the problem, so the caller can record or
skip that one product instead of failing a whole batch. The rules
of the catalog fields are `contracts.catalog_rules`, which the catalog file applies too.

Two readings of an item: `CatalogItem.from_item` (the whole item, for the scraper) and
`CatalogListing.from_item` (what the dispatcher projects: `LISTING_ATTRIBUTES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from contracts import catalog_rules


class Availability(StrEnum):
    """`last_availability` of a product, and `availability` of an observation and an offer."""

    IN_STOCK = "in_stock"
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN = "unknown"


class ScrapeStatus(StrEnum):
    """`last_status` of a product: how its last check ended (a failure's class decides
    `error` or `blocked`: monitor.failures)."""

    OK = "ok"
    ERROR = "error"
    BLOCKED = "blocked"


# The attributes the dispatcher reads of each catalog row (a Scan projection).
LISTING_ATTRIBUTES = ("product_id", "retailer", "active")


class InvalidCatalogItemError(ValueError):
    """A products-table item that breaks the data contract: which product, and what is wrong."""

    def __init__(self, product_id: str | None, problem: str) -> None:
        super().__init__(f"catalog item {product_id!r}: {problem}")
        self.product_id = product_id
        self.problem = problem


@dataclass(frozen=True)
class CatalogListing:
    """A catalog row as the dispatcher sees it: enough to enqueue a product job."""

    product_id: str
    retailer: str
    active: bool

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> CatalogListing:
        product_id = _product_id(item)
        reader = _Reader(item, product_id)
        return cls(product_id, reader.required_text("retailer"), reader.active())


@dataclass(frozen=True)
class CatalogItem:
    """A catalog entry with its latest state (absent state: never observed yet)."""

    product_id: str
    retailer: str
    url: str
    name: str | None
    active: bool
    drop_threshold_percent: Decimal | None
    target_price: Decimal | None
    last_price: Decimal | None  # None also when the last observation showed no price
    last_currency: str | None
    last_availability: Availability | None
    last_checked_at: str | None
    last_run_id: str | None
    last_status: ScrapeStatus | None
    last_error: str | None
    consecutive_failures: int
    # The opt-in alert kinds the product adds to the stack's, in catalog_rules order.
    alerts: tuple[str, ...] = ()
    increase_threshold_percent: Decimal | None = None  # None: the stack default applies
    new_low_days: int | None = None  # None: the stack default applies

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> CatalogItem:
        product_id = _product_id(item)
        reader = _Reader(item, product_id)
        threshold = reader.checked_number(
            "drop_threshold_percent", catalog_rules.drop_threshold_problem
        )
        target_price = reader.checked_number("target_price", catalog_rules.target_price_problem)
        increase_threshold = reader.checked_number(
            "increase_threshold_percent", catalog_rules.increase_threshold_problem
        )
        new_low_days = reader.checked_number("new_low_days", catalog_rules.new_low_days_problem)
        last_price = reader.number("last_price")
        if last_price is not None and last_price < 0:
            reader.reject("last_price", f"{last_price} is negative")
        currency = reader.text("last_currency")
        if currency is not None and not (
            len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()
        ):
            reader.reject("last_currency", f"{currency!r} is not an ISO 4217 code")
        failures = reader.number("consecutive_failures")
        if failures is not None and (failures < 0 or failures != failures.to_integral_value()):
            reader.reject("consecutive_failures", f"{failures} is not a count")
        return cls(
            product_id=product_id,
            retailer=reader.required_text("retailer"),
            url=reader.url(),
            # A blank name in an imported CSV row means "no name".
            name=(reader.text("name") or "").strip() or None,
            active=reader.active(),
            drop_threshold_percent=threshold,
            target_price=target_price,
            last_price=last_price,
            last_currency=currency,
            last_availability=reader.choice("last_availability", Availability),
            last_checked_at=reader.text("last_checked_at"),
            last_run_id=reader.text("last_run_id"),
            last_status=reader.choice("last_status", ScrapeStatus),
            last_error=reader.text("last_error"),
            consecutive_failures=0 if failures is None else int(failures),
            alerts=reader.alert_kinds(),
            increase_threshold_percent=increase_threshold,
            new_low_days=None if new_low_days is None else int(new_low_days),
        )


def _product_id(item: Mapping[str, Any]) -> str:
    product_id = item.get("product_id")
    if not isinstance(product_id, str) or not product_id.strip():
        raise InvalidCatalogItemError(None, f"product_id {product_id!r} is not a non-empty string")
    return product_id


_Choice = TypeVar("_Choice", bound=StrEnum)


class _Reader:
    """Typed access to one item's attributes; every problem names the product."""

    def __init__(self, item: Mapping[str, Any], product_id: str) -> None:
        self._item = item
        self._product_id = product_id

    def reject(self, attribute: str, problem: str) -> NoReturn:
        raise InvalidCatalogItemError(self._product_id, f"{attribute}: {problem}")

    def text(self, attribute: str) -> str | None:
        # DynamoDB NULL arrives as None: the same as an absent attribute.
        value = self._item.get(attribute)
        if value is not None and not isinstance(value, str):
            self.reject(attribute, f"is a {type(value).__name__}, not a string")
        return value

    def required_text(self, attribute: str) -> str:
        value = self.text(attribute)
        if value is None or not value.strip():
            self.reject(attribute, "is missing or empty")
        return value

    def choice(self, attribute: str, allowed: type[_Choice]) -> _Choice | None:
        value = self.text(attribute)
        if value is None:
            return None
        try:
            return allowed(value)
        except ValueError:
            self.reject(attribute, f"{value!r} is not one of {', '.join(allowed)}")

    def number(self, attribute: str) -> Decimal | None:
        value = self._item.get(attribute)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
            self.reject(attribute, f"is a {type(value).__name__}, not a number")
        if isinstance(value, float):
            if not math.isfinite(value):
                self.reject(attribute, f"{value} is not a finite number")
            return Decimal(str(value))
        number = Decimal(value)
        if not number.is_finite():
            self.reject(attribute, f"{value} is not a finite number")
        return number

    def checked_number(
        self, attribute: str, problem_of: Callable[[Decimal], str | None]
    ) -> Decimal | None:
        number = self.number(attribute)
        problem = None if number is None else problem_of(number)
        if problem is not None:
            self.reject(attribute, problem)
        return number

    def alert_kinds(self) -> tuple[str, ...]:
        """`alerts`: a string set (DynamoDB SS; a list is read alike) of opt-in kinds."""
        value = self._item.get("alerts")
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, Set | list | tuple):
            self.reject("alerts", f"is a {type(value).__name__}, not a set of alert kinds")
        for kind in value:
            if not isinstance(kind, str):
                self.reject("alerts", f"holds a {type(kind).__name__}, not an alert kind")
            problem = catalog_rules.alert_kind_problem(kind)
            if problem is not None:
                self.reject("alerts", problem)
        return tuple(kind for kind in catalog_rules.OPT_IN_ALERT_KINDS if kind in value)

    def active(self) -> bool:
        value = self._item.get("active")
        if value is None:
            return True  # DESIGN: active defaults to true
        if not isinstance(value, bool):
            self.reject("active", f"{value!r} is not a boolean")
        return value

    def url(self) -> str:
        url = self.required_text("url")
        problem = catalog_rules.url_problem(url)
        if problem is not None:
            self.reject("url", problem)
        return url
