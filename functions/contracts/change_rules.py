"""The change rules: which events an observation raises, from a catalog item's two images.

The products table stream gives the item before (`old`) and after (`new`) a write. The
scraper writes the latest state of a successful observation on the item (`last_price`,
`last_currency`, `last_availability`, `last_run_id`, `last_checked_at`, `last_status=ok`);
failures and blocked pages never overwrite `last_price`, so the old image's price is always
the last *successful* one. Rules (docs/architecture.md "Detector"):

- `price_drop`: `(old - new) / old * 100 >= threshold` (the item's `drop_threshold_percent`,
  else the stack default);
- `target_price`: `new <= target_price < old`;
- `back_in_stock`: `out_of_stock` -> `in_stock`;

and nothing at all when the new image is not a successful observation (error, blocked),
when the old image has no price (first observation), when `last_run_id` did not change (not
a new observation: a catalog edit, or a rewrite of the same one), or when the currency
changed (the prices cannot be compared; a currency the page did not state counts as its
own value). Everything here is pure and uses `Decimal`, as
DynamoDB numbers arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

STATUS_OK = "ok"
IN_STOCK = "in_stock"
OUT_OF_STOCK = "out_of_stock"

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class EventKind(StrEnum):
    PRICE_DROP = "price_drop"
    TARGET_PRICE = "target_price"
    BACK_IN_STOCK = "back_in_stock"


class Skip(StrEnum):
    """Why a pair of images raises no event whatever the prices say."""

    NOT_SUCCESSFUL = "not_successful"  # new status is error or blocked
    FIRST_OBSERVATION = "first_observation"  # nothing to compare with
    SAME_OBSERVATION = "same_observation"  # last_run_id unchanged: a catalog edit or rewrite
    CURRENCY_CHANGED = "currency_changed"  # prices in different currencies


class MalformedImageError(ValueError):
    """An image that breaks the catalog's data contract; no retry makes it valid."""

    def __init__(self, product_id: str | None, field: str, problem: str) -> None:
        super().__init__(f"product {product_id!r}: {field} {problem}")
        self.product_id = product_id
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class PriceEvent:
    """One event a new observation raised: the facts a notification is made of."""

    kind: EventKind
    product_id: str
    retailer: str
    name: str | None
    url: str
    currency: str | None  # None when the pages do not say (both observations alike)
    old_price: Decimal
    new_price: Decimal
    change_percent: Decimal  # drop in percent of the old price, 2 places (negative: a rise)
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


def skip_reason(old: Mapping[str, Any], new: Mapping[str, Any]) -> Skip | None:
    """Why these images cannot raise any event, or None when the rules apply."""
    product_id = _product_id(new)
    if new.get("last_status") != STATUS_OK:
        return Skip.NOT_SUCCESSFUL
    if old.get("last_price") is None:
        return Skip.FIRST_OBSERVATION
    if old.get("last_run_id") == _text(new, "last_run_id", product_id):
        return Skip.SAME_OBSERVATION
    # The scraper removes last_currency when a page does not say it: unknown on both sides
    # is the same page's same currency; known on one side only is a change.
    if old.get("last_currency") != _optional_text(new, "last_currency", product_id):
        return Skip.CURRENCY_CHANGED
    return None


def detect_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], default_threshold_percent: Decimal
) -> list[PriceEvent]:
    """The events between two images of a catalog item, in kind order (drop, target, stock).

    Raises MalformedImageError when a field the rules need is missing or of the wrong type.
    """
    if skip_reason(old, new) is not None:
        return []
    product_id = _product_id(new)
    old_price = _price(old, "last_price", product_id)
    new_price = _price(new, "last_price", product_id)
    threshold = _threshold(new, product_id, default_threshold_percent)
    target = _optional_price(new, "target_price", product_id)

    kinds: list[EventKind] = []
    if new_price < old_price and _drop_percent(old_price, new_price) >= threshold:
        kinds.append(EventKind.PRICE_DROP)
    if target is not None and new_price <= target < old_price:
        kinds.append(EventKind.TARGET_PRICE)
    if old.get("last_availability") == OUT_OF_STOCK and new.get("last_availability") == IN_STOCK:
        kinds.append(EventKind.BACK_IN_STOCK)
    if not kinds:
        return []

    name = new.get("name")
    facts = {
        "product_id": product_id,
        "retailer": _text(new, "retailer", product_id),
        "name": name if isinstance(name, str) and name.strip() else None,
        "url": _text(new, "url", product_id),
        "currency": _optional_text(new, "last_currency", product_id),
        "old_price": old_price,
        "new_price": new_price,
        "change_percent": price_drop_percent(old_price, new_price),
        "observed_at": _text(new, "last_checked_at", product_id),
        "run_id": _text(new, "last_run_id", product_id),
    }
    return [PriceEvent(kind=kind, **facts) for kind in kinds]


def _drop_percent(old_price: Decimal, new_price: Decimal) -> Decimal:
    # Exact (to Decimal's 28 digits): thresholds are compared before any rounding, so a
    # 9.996 % drop does not pass a 10 % threshold by being displayed as 10.00.
    return (old_price - new_price) / old_price * _HUNDRED


def _product_id(image: Mapping[str, Any]) -> str:
    return _text(image, "product_id", None)


def _text(image: Mapping[str, Any], field: str, product_id: str | None) -> str:
    value = image.get(field)
    if not isinstance(value, str) or not value.strip():
        raise MalformedImageError(product_id, field, f"must be a non-empty string, not {value!r}")
    return value


def _optional_text(image: Mapping[str, Any], field: str, product_id: str) -> str | None:
    return None if image.get(field) is None else _text(image, field, product_id)


def _optional_price(image: Mapping[str, Any], field: str, product_id: str) -> Decimal | None:
    if image.get(field) is None:
        return None
    return _price(image, field, product_id)


def _price(image: Mapping[str, Any], field: str, product_id: str) -> Decimal:
    value = image.get(field)
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise MalformedImageError(product_id, field, f"must be a positive number, not {value!r}")
    return value


def _threshold(image: Mapping[str, Any], product_id: str, default: Decimal) -> Decimal:
    value = image.get("drop_threshold_percent")
    if value is None:
        return default
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= _HUNDRED:
        raise MalformedImageError(
            product_id, "drop_threshold_percent", f"must be a number from 0 to 100, not {value!r}"
        )
    return value
