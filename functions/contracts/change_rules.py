"""The change rules: which events an observation raises, from a catalog item's two states.

The products table stream gives the item before (`old`) and after (`new`) a write. The
scraper writes the latest state of a successful observation on the item (`last_price`,
`last_currency`, `last_availability`, `last_run_id`, `last_checked_at`, `last_status=ok`);
failures and blocked pages never overwrite it, so the old state is always the last
*successful* observation. An observation may have no price (an out-of-stock page that
shows none): its state has `last_availability` `out_of_stock` and no `last_price`.
Rules (docs/architecture.md "Detector"), always on:

- `price_drop`: `(old - new) / old * 100 >= threshold` (the item's `drop_threshold_percent`,
  else the stack default);
- `target_price`: `new <= target_price < old`;
- `back_in_stock`: `out_of_stock` -> `in_stock`, also after an observation without a
  price (then the event's `old_price` and `change_percent` are None);

and opt-in (`OPT_IN_KINDS`: on when the stack enables them, `OptInRules.kinds`, or the item
lists them in its `alerts`):

- `price_increase`: `(new - old) / old * 100 >= threshold` (the item's
  `increase_threshold_percent`, else the stack default);
- `any_change`: `new != old`;
- `new_low`: `new < old` and `new < recent_low`, the lowest price of the last N days (the
  item's `new_low_days`, else the stack default) before this observation, which the caller
  looks up (`new_low_window_days` says when and how far back) and passes in;
- `out_of_stock`: `in_stock` -> `out_of_stock`, also when the new observation shows no price
  (then the event's `new_price` and `change_percent` are None).

Nothing at all when the new state is not a successful observation (error, blocked),
when the old state has no observation at all (first observation), when `last_run_id` did
not change (not a new observation: a catalog edit, or a rewrite of the same one), or when
the currency changed between two prices (they cannot be compared; a currency the page did
not state counts as its own value). When the new observation has no price, only
`out_of_stock` can be raised: there is no price to compare, and its return is what raises
`back_in_stock`.

The rules take `ProductState`s: the detector reads them from stream images
(`ProductState.from_image`), `pricemon history` builds them from the prices table's rows.
Everything here is pure and uses `Decimal`, as DynamoDB numbers arrive.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, TypeVar

from contracts import catalog_rules
from contracts.catalog import Availability, ScrapeStatus

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_Choice = TypeVar("_Choice", Availability, ScrapeStatus)


class EventKind(StrEnum):
    """What an event says; its order is the order of a state change's events."""

    PRICE_DROP = "price_drop"
    TARGET_PRICE = "target_price"
    BACK_IN_STOCK = "back_in_stock"
    PRICE_INCREASE = "price_increase"
    ANY_CHANGE = "any_change"
    NEW_LOW = "new_low"
    OUT_OF_STOCK = "out_of_stock"


# The kinds a stack or product must ask for (catalog_rules holds their names for the
# catalog file's reader, which cannot import this module).
OPT_IN_KINDS = frozenset(EventKind(kind) for kind in catalog_rules.OPT_IN_ALERT_KINDS)
ALWAYS_ON_KINDS = frozenset(EventKind) - OPT_IN_KINDS
DEFAULT_INCREASE_THRESHOLD_PERCENT = Decimal(10)
DEFAULT_NEW_LOW_DAYS = 30


@dataclass(frozen=True)
class OptInRules:
    """The stack's settings of the opt-in rules: the kinds on for every product, and the
    defaults of the products' own numbers."""

    kinds: frozenset[EventKind] = frozenset()
    increase_threshold_percent: Decimal = DEFAULT_INCREASE_THRESHOLD_PERCENT
    new_low_days: int = DEFAULT_NEW_LOW_DAYS

    def __post_init__(self) -> None:
        always_on = self.kinds - OPT_IN_KINDS
        if always_on:
            raise ValueError(f"not opt-in kinds: {', '.join(sorted(always_on))}")


NO_OPT_INS = OptInRules()


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
    alerts: frozenset[EventKind] = frozenset()  # the opt-in kinds the item adds to the stack's
    increase_threshold_percent: Decimal | None = None  # None: the stack default applies
    new_low_days: int | None = None  # None: the stack default applies

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
        if not (isinstance(self.alerts, frozenset) and self.alerts <= OPT_IN_KINDS):
            raise MalformedImageError(
                product_id,
                "alerts",
                f"must be a set of {', '.join(catalog_rules.OPT_IN_ALERT_KINDS)}, not"
                f" {self.alerts!r}",
            )
        increase = self.increase_threshold_percent
        if increase is not None and not (
            isinstance(increase, Decimal)
            and increase.is_finite()
            and catalog_rules.increase_threshold_problem(increase) is None
        ):
            raise MalformedImageError(
                product_id,
                "increase_threshold_percent",
                f"must be a number in (0, {catalog_rules.MAX_INCREASE_THRESHOLD_PERCENT}],"
                f" not {increase!r}",
            )
        days = self.new_low_days
        if days is not None and not (
            isinstance(days, int)
            and not isinstance(days, bool)
            and days in catalog_rules.NEW_LOW_DAYS
        ):
            raise MalformedImageError(
                product_id,
                "new_low_days",
                f"must be a whole number from {catalog_rules.NEW_LOW_DAYS.start} to"
                f" {catalog_rules.NEW_LOW_DAYS[-1]}, not {days!r}",
            )

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
            alerts=_alert_kinds(image.get("alerts"), product_id),
            increase_threshold_percent=image.get("increase_threshold_percent"),
            new_low_days=_whole_days(image.get("new_low_days"), product_id),
        )

    def opt_in_kinds(self, rules: OptInRules) -> frozenset[EventKind]:
        """The opt-in kinds on for this product: the stack's and its own."""
        return rules.kinds | self.alerts


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
    new_price: Decimal | None  # None: out of stock, and the page shows no price
    # Drop in percent of the old price, 2 places (negative: a rise); None without one.
    change_percent: Decimal | None
    observed_at: str
    run_id: str
    # The lowest price of the product's `new_low` window before this observation, when it
    # was looked up (the rule is on and the price fell): shown to people as the recent low.
    recent_low: Decimal | None = None

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
    old: ProductState,
    new: ProductState,
    default_threshold_percent: Decimal,
    *,
    rules: OptInRules = NO_OPT_INS,
    recent_low: Decimal | None = None,
) -> list[PriceEvent]:
    """The events between two states of a catalog item, in EventKind order.

    `rules` are the stack's opt-in settings; `recent_low` is the lowest price of the
    product's `new_low` window before this observation (None: not looked up, or none in
    it), which only `new_low` reads. Raises MalformedImageError when the new observation
    lacks a field the rules need.
    """
    skip = skip_reason(old, new)
    if skip is not None and skip is not Skip.NO_PRICE:
        return []
    product = new.catalog
    opt_ins = product.opt_in_kinds(rules)
    raised = _stock_kinds(old, new, opt_ins)
    # Checked when the state was built; None: an observation without a price.
    old_price, new_price = old.price, new.price
    if skip is None:
        new_price = _required_price(new_price, "last_price", product.product_id)
        if old_price is not None:
            raised |= _price_kinds(
                old_price, new_price, product, default_threshold_percent, rules, opt_ins
            )
            if (
                EventKind.NEW_LOW in opt_ins
                and recent_low is not None
                and new_price < min(old_price, recent_low)
            ):
                raised.add(EventKind.NEW_LOW)
    if not raised:
        return []

    observed_at = _required_text(new.checked_at, "last_checked_at", product.product_id)
    run_id = _required_text(new.run_id, "last_run_id", product.product_id)
    change = (
        None if old_price is None or new_price is None else price_drop_percent(old_price, new_price)
    )
    return [
        PriceEvent(
            kind=kind,
            product_id=product.product_id,
            retailer=product.retailer,
            name=product.name,
            url=product.url,
            # Without a new price, the old one is the only price the event states.
            currency=new.currency if new_price is not None else old.currency,
            old_price=old_price,
            new_price=new_price,
            change_percent=change,
            observed_at=observed_at,
            run_id=run_id,
            recent_low=recent_low,
        )
        for kind in EventKind
        if kind in raised
    ]


def new_low_window_days(
    old: ProductState, new: ProductState, rules: OptInRules = NO_OPT_INS
) -> int | None:
    """How many days back `new_low` compares the new price with, when it can be raised
    (the product has it on and its price fell between two comparable observations);
    None when no lookup of the recent low is needed.

    Raises MalformedImageError as `skip_reason` does.
    """
    product = new.catalog
    if (
        EventKind.NEW_LOW not in product.opt_in_kinds(rules)
        or skip_reason(old, new) is not None
        or old.price is None
        or new.price is None
        or not new.price < old.price
    ):
        return None
    return rules.new_low_days if product.new_low_days is None else product.new_low_days


def _stock_kinds(
    old: ProductState, new: ProductState, opt_ins: frozenset[EventKind]
) -> set[EventKind]:
    was, now = old.availability, new.availability
    kinds = set()
    if was is Availability.OUT_OF_STOCK and now is Availability.IN_STOCK:
        kinds.add(EventKind.BACK_IN_STOCK)
    if (
        EventKind.OUT_OF_STOCK in opt_ins
        and was is Availability.IN_STOCK
        and now is Availability.OUT_OF_STOCK
    ):
        kinds.add(EventKind.OUT_OF_STOCK)
    return kinds


def _price_kinds(
    old_price: Decimal,
    new_price: Decimal,
    product: CatalogFields,
    default_threshold_percent: Decimal,
    rules: OptInRules,
    opt_ins: frozenset[EventKind],
) -> set[EventKind]:
    """The kinds two comparable prices raise, but for `new_low` (which needs the history)."""
    drop_threshold = (
        default_threshold_percent
        if product.drop_threshold_percent is None
        else product.drop_threshold_percent
    )
    increase_threshold = (
        rules.increase_threshold_percent
        if product.increase_threshold_percent is None
        else product.increase_threshold_percent
    )
    target = product.target_price
    kinds = set()
    if new_price < old_price and _drop_percent(old_price, new_price) >= drop_threshold:
        kinds.add(EventKind.PRICE_DROP)
    if target is not None and new_price <= target < old_price:
        kinds.add(EventKind.TARGET_PRICE)
    if (
        EventKind.PRICE_INCREASE in opt_ins
        and new_price > old_price
        and -_drop_percent(old_price, new_price) >= increase_threshold
    ):
        kinds.add(EventKind.PRICE_INCREASE)
    if EventKind.ANY_CHANGE in opt_ins and new_price != old_price:
        kinds.add(EventKind.ANY_CHANGE)
    return kinds


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


def _alert_kinds(value: object, product_id: str) -> frozenset[EventKind]:
    # DynamoDB's string set arrives as a Python set; absent means none.
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, Set | list | tuple):
        raise MalformedImageError(product_id, "alerts", f"must be a set of kinds, not {value!r}")
    kinds = set()
    for kind in value:
        problem = (
            catalog_rules.alert_kind_problem(kind)
            if isinstance(kind, str)
            else f"holds {kind!r}, not an alert kind"
        )
        if problem is not None:
            raise MalformedImageError(product_id, "alerts", problem)
        kinds.add(EventKind(kind))
    return frozenset(kinds)


def _whole_days(value: object, product_id: str) -> int | None:
    # DynamoDB numbers arrive as Decimal; the field's range is checked on construction.
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise MalformedImageError(
        product_id, "new_low_days", f"must be a whole number of days, not {value!r}"
    )
