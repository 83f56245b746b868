"""The change rules: which events an observation raises, from a catalog item's two states.

The products table stream gives the item before (`old`) and after (`new`) a write. The
scraper writes the latest state of a successful observation on the item (`last_price`,
`last_currency`, `last_availability`, `last_run_id`, `last_checked_at`, `last_status=ok`);
failures and blocked pages never overwrite it, so the old state is always the last
*successful* observation. An observation may have no price (an out-of-stock page that
shows none): its state has `last_availability` `out_of_stock` and no `last_price`.
Rules (docs/architecture.md "Detector"):

- `price_drop`: `(old - new) / old * 100 >= threshold` (the item's `drop_threshold_percent`,
  else the stack default);
- `target_price`: `new <= target_price < old`;
- `back_in_stock`: `out_of_stock` -> `in_stock`, also after an observation without a
  price (then the event's `old_price` and `change_percent` are None);

and nothing at all when the new state is not a successful observation (error, blocked),
when the old state has no observation at all (first observation), when `last_run_id` did
not change (not a new observation: a catalog edit, or a rewrite of the same one), when the
new observation has no price (nothing to compare; its price's return is what raises
`back_in_stock`), or when the currency changed between two prices (they cannot be
compared; a currency the page did not state counts as its own value).

The rules take `ProductState`s: the detector reads them from stream images
(`ProductState.from_image`), `pricemon history` builds them from the prices table's rows.
Everything here is pure and uses `Decimal`, as DynamoDB numbers arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, TypeVar

from contracts.catalog import Availability, ScrapeStatus

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_Choice = TypeVar("_Choice", Availability, ScrapeStatus)


class EventKind(StrEnum):
    PRICE_DROP = "price_drop"
    TARGET_PRICE = "target_price"
    BACK_IN_STOCK = "back_in_stock"


class Skip(StrEnum):
    """Why a pair of states raises no event whatever the prices say."""

    NOT_SUCCESSFUL = "not_successful"  # new status is error or blocked
    FIRST_OBSERVATION = "first_observation"  # nothing to compare with
    SAME_OBSERVATION = "same_observation"  # last_run_id unchanged: a catalog edit or rewrite
    NO_PRICE = "no_price"  # the new observation is out of stock and shows no price
    CURRENCY_CHANGED = "currency_changed"  # prices in different currencies


class MalformedImageError(ValueError):
    """An image that breaks the catalog's data contract; no retry makes it valid.

    `field` is the item's attribute (`last_price`, `url`, ...), whichever way the state was
    built.
    """

    def __init__(self, product_id: str | None, field: str, problem: str) -> None:
        super().__init__(f"product {product_id!r}: {field} {problem}")
        self.product_id = product_id
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class CatalogFields:
    """What the rules read of an item's catalog part: the product, and its own settings."""

    product_id: str
    retailer: str
    url: str
    name: str | None  # None: no name, or a blank one
    drop_threshold_percent: Decimal | None  # None: the stack default applies
    target_price: Decimal | None

    def __post_init__(self) -> None:
        product_id = _required_text(self.product_id, "product_id", None)
        _required_text(self.retailer, "retailer", product_id)
        _required_text(self.url, "url", product_id)
        threshold = self.drop_threshold_percent
        if threshold is not None and not (
            isinstance(threshold, Decimal) and threshold.is_finite() and 0 <= threshold <= _HUNDRED
        ):
            raise MalformedImageError(
                product_id,
                "drop_threshold_percent",
                f"must be a number from 0 to 100, not {threshold!r}",
            )
        _optional_price(self.target_price, "target_price", product_id)

    @classmethod
    def from_image(cls, image: Mapping[str, Any]) -> CatalogFields:
        """The catalog fields of a products-table item; MalformedImageError names a bad one."""
        product_id = _required_text(image.get("product_id"), "product_id", None)
        name = image.get("name")
        return cls(
            product_id=product_id,
            retailer=_required_text(image.get("retailer"), "retailer", product_id),
            url=_required_text(image.get("url"), "url", product_id),
            name=name if isinstance(name, str) and name.strip() else None,
            drop_threshold_percent=image.get("drop_threshold_percent"),
            target_price=image.get("target_price"),
        )


@dataclass(frozen=True)
class ProductState:
    """A catalog item as the rules compare it: its catalog fields and its latest state.

    A field absent from the item is None (a product never observed has no state yet); one
    present is checked on construction, so a state that breaks the data contract is never
    built. A successful observation's price, run id and time must be there only when the
    rules compare it with an earlier one (`skip_reason`, `detect_changes`).
    """

    catalog: CatalogFields
    status: ScrapeStatus | None  # last_status
    price: Decimal | None  # last_price: of the last successful observation, if it showed one
    currency: str | None  # last_currency: None when the page did not state one
    availability: Availability | None  # last_availability
    run_id: str | None  # last_run_id: the last run that observed the product, whatever came of it
    checked_at: str | None  # last_checked_at

    def __post_init__(self) -> None:
        product_id = self.catalog.product_id
        _optional_price(self.price, "last_price", product_id)
        for value, field in (
            (self.currency, "last_currency"),
            (self.run_id, "last_run_id"),
            (self.checked_at, "last_checked_at"),
        ):
            if value is not None:
                _required_text(value, field, product_id)
        _check_choice(self.status, ScrapeStatus, "last_status", product_id)
        _check_choice(self.availability, Availability, "last_availability", product_id)

    @property
    def product_id(self) -> str:
        return self.catalog.product_id

    @property
    def observed(self) -> bool:
        """Whether a successful observation is recorded (with a price, or out of stock
        without one)."""
        return self.price is not None or self.availability is not None

    @classmethod
    def from_image(cls, image: Mapping[str, Any]) -> ProductState:
        """An image of a products-table item (plain values, numbers as Decimal) as a state.

        Raises MalformedImageError naming the field that breaks the data contract.
        """
        catalog = CatalogFields.from_image(image)
        product_id = catalog.product_id
        return cls(
            catalog=catalog,
            status=_choice(image, "last_status", ScrapeStatus, product_id),
            price=image.get("last_price"),
            currency=image.get("last_currency"),
            availability=_choice(image, "last_availability", Availability, product_id),
            run_id=image.get("last_run_id"),
            checked_at=image.get("last_checked_at"),
        )


@dataclass(frozen=True)
class PriceEvent:
    """One event a new observation raised: the facts a notification is made of."""

    kind: EventKind
    product_id: str
    retailer: str
    name: str | None
    url: str
    currency: str | None  # None when the pages do not say (both observations alike)
    old_price: Decimal | None  # None: back in stock after an observation without a price
    new_price: Decimal
    # Drop in percent of the old price, 2 places (negative: a rise); None without one.
    change_percent: Decimal | None
    observed_at: str
    run_id: str

    @property
    def notification_id(self) -> str:
        """Unique per product, run and kind: what makes a redelivered event publish once."""
        return f"{self.product_id}#{self.run_id}#{self.kind}"


def price_drop_percent(old_price: Decimal, new_price: Decimal) -> Decimal:
    """How far the price fell, in percent of the old price, rounded half up to 2 places.

    Negative when the price rose. The old price must be positive (a percentage of nothing
    means nothing): ValueError otherwise.
    """
    if not old_price > 0:
        raise ValueError(f"old price must be positive, not {old_price}")
    return _drop_percent(old_price, new_price).quantize(_CENT, rounding=ROUND_HALF_UP)


def skip_reason(old: ProductState, new: ProductState) -> Skip | None:
    """Why these states cannot raise any event, or None when the rules apply.

    Raises MalformedImageError when the new state, a successful observation after an
    earlier one, has no run id, or no price without being out of stock.
    """
    if new.status is not ScrapeStatus.OK:
        return Skip.NOT_SUCCESSFUL
    if not old.observed:
        return Skip.FIRST_OBSERVATION
    if old.run_id == _required_text(new.run_id, "last_run_id", new.product_id):
        return Skip.SAME_OBSERVATION
    if new.price is None:
        if new.availability is Availability.OUT_OF_STOCK:
            return Skip.NO_PRICE
        raise MalformedImageError(
            new.product_id, "last_price", "is missing, and the product is not out of stock"
        )
    # The scraper removes last_currency when a page does not say it: unknown on both sides
    # is the same page's same currency; known on one side only is a change. An old state
    # without a price has no currency to compare.
    if old.price is not None and old.currency != new.currency:
        return Skip.CURRENCY_CHANGED
    return None


def detect_changes(
    old: ProductState, new: ProductState, default_threshold_percent: Decimal
) -> list[PriceEvent]:
    """The events between two states of a catalog item, in kind order (drop, target, stock).

    Raises MalformedImageError when the new observation lacks a field the rules need.
    """
    if skip_reason(old, new) is not None:
        return []
    product = new.catalog
    # Checked when the state was built; None: an observation without a price.
    old_price = old.price
    new_price = _required_price(new.price, "last_price", product.product_id)
    threshold = (
        default_threshold_percent
        if product.drop_threshold_percent is None
        else product.drop_threshold_percent
    )
    target = product.target_price

    kinds: list[EventKind] = []
    if (
        old_price is not None
        and new_price < old_price
        and _drop_percent(old_price, new_price) >= threshold
    ):
        kinds.append(EventKind.PRICE_DROP)
    if old_price is not None and target is not None and new_price <= target < old_price:
        kinds.append(EventKind.TARGET_PRICE)
    if old.availability is Availability.OUT_OF_STOCK and new.availability is Availability.IN_STOCK:
        kinds.append(EventKind.BACK_IN_STOCK)
    if not kinds:
        return []

    observed_at = _required_text(new.checked_at, "last_checked_at", product.product_id)
    run_id = _required_text(new.run_id, "last_run_id", product.product_id)
    return [
        PriceEvent(
            kind=kind,
            product_id=product.product_id,
            retailer=product.retailer,
            name=product.name,
            url=product.url,
            currency=new.currency,
            old_price=old_price,
            new_price=new_price,
            change_percent=None if old_price is None else price_drop_percent(old_price, new_price),
            observed_at=observed_at,
            run_id=run_id,
        )
        for kind in kinds
    ]


def _drop_percent(old_price: Decimal, new_price: Decimal) -> Decimal:
    # Exact (to Decimal's 28 digits): thresholds are compared before any rounding, so a
    # 9.996 % drop does not pass a 10 % threshold by being displayed as 10.00.
    return (old_price - new_price) / old_price * _HUNDRED


def _required_text(value: object, field: str, product_id: str | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedImageError(product_id, field, f"must be a non-empty string, not {value!r}")
    return value


def _required_price(value: object, field: str, product_id: str) -> Decimal:
    if isinstance(value, Decimal) and value.is_finite() and value > 0:
        return value
    raise MalformedImageError(product_id, field, f"must be a positive number, not {value!r}")


def _optional_price(value: object, field: str, product_id: str) -> None:
    if value is not None:
        _required_price(value, field, product_id)


def _choice(
    image: Mapping[str, Any], field: str, kind: type[_Choice], product_id: str
) -> _Choice | None:
    value = image.get(field)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise MalformedImageError(product_id, field, _not_one_of(kind, value)) from None


def _check_choice(value: object, kind: type[StrEnum], field: str, product_id: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise MalformedImageError(product_id, field, _not_one_of(kind, value))


def _not_one_of(kind: type[StrEnum], value: object) -> str:
    return f"must be one of {', '.join(kind)}, not {value!r}"
