"""The change rules: which catalog item updates raise price_drop, target_price, back_in_stock
and the opt-in kinds, and the states they compare, read from the items' stream images."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stream_events import OBSERVED_2, RUN_2, catalog_item, observed, observed_without_price

from contracts import catalog_rules
from contracts.catalog import Availability, ScrapeStatus
from contracts.change_rules import (
    ALWAYS_ON_KINDS,
    OPT_IN_KINDS,
    CatalogFields,
    EventKind,
    MalformedImageError,
    OptInRules,
    PriceEvent,
    ProductState,
    Skip,
    detect_changes,
    new_low_window_days,
    price_drop_percent,
    skip_reason,
)

DEFAULT = Decimal(10)
state = ProductState.from_image


def events(old, new, default=DEFAULT):
    """The events between two images of the item, as the detector reads them."""
    return detect_changes(state(old), state(new), default)


def skipped(old, new):
    return skip_reason(state(old), state(new))


def kinds(old, new, default=DEFAULT):
    return [event.kind for event in events(old, new, default)]


def second(price, **fields):
    """The next successful observation (a new run) at `price`."""
    return observed(price, run_id=RUN_2, checked_at=OBSERVED_2, **fields)


# --- price_drop and its threshold --------------------------------------------------------


def test_drop_exactly_at_the_default_threshold_notifies():
    assert kinds(observed("20.00"), second("18.00")) == [EventKind.PRICE_DROP]


def test_drop_above_the_threshold_notifies():
    assert kinds(observed("20.00"), second("15.00")) == [EventKind.PRICE_DROP]


def test_drop_just_below_the_threshold_does_not_notify():
    # 9.95 %
    assert kinds(observed("20.00"), second("18.01")) == []


def test_threshold_is_compared_before_rounding():
    # 24.99 / 250 = 9.996 %: shown rounded it would read 10.00 %, but it is below 10 %.
    assert price_drop_percent(Decimal("250.00"), Decimal("225.01")) == Decimal("10.00")
    assert kinds(observed("250.00"), second("225.01")) == []


def test_product_threshold_overrides_a_lower_default():
    old = observed("100.00", drop_threshold_percent=Decimal(20))
    new = second("85.00", drop_threshold_percent=Decimal(20))
    assert kinds(old, new) == []
    assert kinds(old, second("80.00", drop_threshold_percent=Decimal(20))) == [EventKind.PRICE_DROP]


def test_product_threshold_overrides_a_higher_default():
    new = second("94.00", drop_threshold_percent=Decimal("5.5"))
    assert kinds(observed("100.00"), new) == [EventKind.PRICE_DROP]


def test_threshold_comes_from_the_new_image_so_catalog_edits_apply_at_once():
    old = observed("100.00", drop_threshold_percent=Decimal(50))
    new = second("90.00", drop_threshold_percent=None)
    assert kinds(old, new) == [EventKind.PRICE_DROP]


def test_default_threshold_applies_when_the_product_has_none():
    assert kinds(observed("100.00"), second("85.00"), default=Decimal(20)) == []
    assert kinds(observed("100.00"), second("80.00"), default=Decimal(20)) == [EventKind.PRICE_DROP]


def test_zero_threshold_notifies_any_drop_but_not_an_unchanged_price():
    assert kinds(observed("10.00"), second("9.99"), default=Decimal(0)) == [EventKind.PRICE_DROP]
    assert kinds(observed("10.00"), second("10.00"), default=Decimal(0)) == []


def test_price_rise_does_not_notify():
    assert kinds(observed("10.00"), second("15.00")) == []


@given(
    old_cents=st.integers(min_value=1, max_value=10**9),
    new_cents=st.integers(min_value=1, max_value=10**9),
    threshold=st.integers(min_value=0, max_value=100),
)
def test_drop_notifies_exactly_when_the_new_price_is_at_most_old_times_one_minus_threshold(
    old_cents, new_cents, threshold
):
    old = observed(str(Decimal(old_cents) / 100))
    new = second(str(Decimal(new_cents) / 100))
    # The same rule in integers, without any division: new <= old * (1 - threshold / 100).
    expected = new_cents < old_cents and new_cents * 100 <= old_cents * (100 - threshold)
    assert (EventKind.PRICE_DROP in kinds(old, new, Decimal(threshold))) is expected


# --- target_price -------------------------------------------------------------------------


def test_crossing_the_target_price_notifies():
    old = observed("25.00", target_price=Decimal("20.00"), drop_threshold_percent=Decimal(50))
    new = second("19.99", target_price=Decimal("20.00"), drop_threshold_percent=Decimal(50))
    assert kinds(old, new) == [EventKind.TARGET_PRICE]


def test_reaching_the_target_price_exactly_notifies():
    new = second("20.00", target_price=Decimal("20.00"), drop_threshold_percent=Decimal(50))
    assert kinds(observed("21.00"), new) == [EventKind.TARGET_PRICE]


def test_price_already_below_target_does_not_notify_again():
    new = second("17.00", target_price=Decimal("20.00"), drop_threshold_percent=Decimal(50))
    assert kinds(observed("18.00"), new) == []


def test_price_still_above_target_does_not_notify():
    new = second("20.01", target_price=Decimal("20.00"), drop_threshold_percent=Decimal(50))
    assert kinds(observed("25.00"), new) == []


def test_large_drop_through_the_target_raises_both_events_in_kind_order():
    new = second("15.00", target_price=Decimal("20.00"))
    assert kinds(observed("25.00"), new) == [EventKind.PRICE_DROP, EventKind.TARGET_PRICE]


# --- back_in_stock ------------------------------------------------------------------------


def test_out_of_stock_to_in_stock_notifies_back_in_stock():
    old = observed("30.00", availability="out_of_stock")
    assert kinds(old, second("30.00", availability="in_stock")) == [EventKind.BACK_IN_STOCK]


def test_unknown_to_in_stock_is_not_back_in_stock():
    old = observed("30.00", availability="unknown")
    assert kinds(old, second("30.00", availability="in_stock")) == []


def test_going_out_of_stock_does_not_notify():
    assert kinds(observed("30.00"), second("30.00", availability="out_of_stock")) == []


def test_back_in_stock_at_a_lower_price_raises_drop_and_stock_events():
    old = observed("30.00", availability="out_of_stock")
    assert kinds(old, second("20.00")) == [EventKind.PRICE_DROP, EventKind.BACK_IN_STOCK]


# --- observations without a price (an out-of-stock page that shows none) --------------------


def test_the_price_returning_in_stock_after_an_observation_without_one_is_back_in_stock():
    old = observed_without_price(target_price=Decimal("50.00"))
    (event,) = events(old, second("20.00", target_price=Decimal("50.00")))

    # Only the stock event: there is no old price to have dropped from or crossed a target.
    assert event.kind is EventKind.BACK_IN_STOCK
    assert (event.old_price, event.new_price, event.change_percent) == (None, Decimal(20), None)
    assert event.currency == "EUR"  # the new page's: the old one stated none


def test_the_price_returning_still_out_of_stock_raises_nothing():
    assert kinds(observed_without_price(), second("20.00", availability="out_of_stock")) == []


def test_an_observation_without_a_price_raises_nothing():
    old = observed("30.00", availability="out_of_stock")
    new = observed_without_price(run_id=RUN_2, checked_at=OBSERVED_2, target_price=Decimal(50))

    assert skipped(old, new) is Skip.NO_PRICE
    assert kinds(old, new) == []
    assert kinds(observed("30.00"), new) == []


def test_an_observation_without_a_price_is_an_observation_not_a_first_one():
    assert state(observed_without_price()).observed
    assert not state(catalog_item(last_status="error", last_run_id="x")).observed
    assert skipped(observed_without_price(), second("20.00")) is None


def test_an_in_stock_observation_without_a_price_breaks_the_contract():
    new = observed_without_price(run_id=RUN_2, checked_at=OBSERVED_2, last_availability="in_stock")
    with pytest.raises(MalformedImageError) as raised:
        events(observed("20.00"), new)
    assert raised.value.field == "last_price"


# --- when nothing is compared -------------------------------------------------------------


def test_first_observation_raises_nothing():
    old = catalog_item(target_price=Decimal("50.00"))
    new = second("10.00", target_price=Decimal("50.00"))
    assert skipped(old, new) is Skip.FIRST_OBSERVATION
    assert kinds(old, new) == []


def test_catalog_edit_without_a_new_observation_raises_nothing():
    # The user lowers the threshold and sets a target under the last price: same run id.
    old = observed("40.00", availability="out_of_stock")
    new = observed(
        "40.00",
        availability="out_of_stock",
        target_price=Decimal("45.00"),
        drop_threshold_percent=Decimal(0),
    )
    assert skipped(old, new) is Skip.SAME_OBSERVATION
    assert kinds(old, new) == []


def test_rewrite_of_the_same_observation_raises_nothing():
    old = second("10.00")
    assert kinds(old, second("10.00")) == []


def test_currency_change_raises_nothing():
    old = observed("100.00", currency="EUR", availability="out_of_stock")
    new = second("50.00", currency="GBP", target_price=Decimal("60.00"))
    assert skipped(old, new) is Skip.CURRENCY_CHANGED
    assert kinds(old, new) == []


def test_currency_known_on_one_side_only_raises_nothing():
    old = observed("100.00", currency="EUR")
    assert skipped(old, second("50.00", currency=None)) is Skip.CURRENCY_CHANGED
    assert skipped(observed("100.00", currency=None), second("50.00")) is Skip.CURRENCY_CHANGED


def test_prices_compare_when_neither_page_states_a_currency():
    (event,) = events(observed("100.00", currency=None), second("50.00", currency=None), DEFAULT)
    assert (event.kind, event.currency) == (EventKind.PRICE_DROP, None)


@pytest.mark.parametrize("status", ["error", "blocked"])
def test_failed_or_blocked_observation_raises_nothing(status):
    # Even an image that (wrongly) carries a new low price and stock change.
    old = observed("100.00", availability="out_of_stock")
    new = second("1.00", last_status=status, last_error="captcha")
    assert skipped(old, new) is Skip.NOT_SUCCESSFUL
    assert kinds(old, new) == []


def test_rules_apply_after_failures_between_two_successful_observations():
    # Failures keep last_price: the old image after a failed run still has the last good price.
    old = observed("100.00", last_run_id="2024-05-01T03:00:00Z", last_status="error")
    assert kinds(old, second("80.00")) == [EventKind.PRICE_DROP]


# --- the event's facts --------------------------------------------------------------------


def test_event_carries_the_facts_of_the_new_observation():
    (event,) = events(observed("19.99"), second("17.99"), DEFAULT)
    assert event == PriceEvent(
        kind=EventKind.PRICE_DROP,
        product_id="acme-kettle-1",
        retailer="acme",
        name="Kettle 1.7 l",
        url="https://shop.example/kettle",
        currency="EUR",
        old_price=Decimal("19.99"),
        new_price=Decimal("17.99"),
        change_percent=Decimal("10.01"),
        observed_at=OBSERVED_2,
        run_id=RUN_2,
    )
    assert event.notification_id == f"acme-kettle-1#{RUN_2}#price_drop"


def test_event_has_no_name_when_the_catalog_has_none_or_a_blank_one():
    for name in (None, "   "):
        (event,) = events(observed("20.00"), second("10.00", name=name), DEFAULT)
        assert event.name is None


def test_change_percent_of_a_back_in_stock_event_is_the_price_change():
    old = observed("20.00", availability="out_of_stock")
    (event,) = events(old, second("22.00"))
    assert event.change_percent == Decimal("-10.00")


# --- price_drop_percent -------------------------------------------------------------------


def test_drop_percent_is_exact_decimal_rounded_to_two_places():
    assert price_drop_percent(Decimal("19.99"), Decimal("17.99")) == Decimal("10.01")
    assert price_drop_percent(Decimal("3"), Decimal("2.99")) == Decimal("0.33")


def test_drop_percent_rounds_half_up():
    # 0.01 / 200 = 0.005 %: half up gives 0.01 (banker's rounding would give 0.00).
    assert price_drop_percent(Decimal("200"), Decimal("199.99")) == Decimal("0.01")


def test_drop_percent_is_negative_for_a_rise():
    assert price_drop_percent(Decimal("10"), Decimal("11")) == Decimal("-10.00")


def test_drop_percent_of_a_non_positive_old_price_is_refused():
    with pytest.raises(ValueError, match="positive"):
        price_drop_percent(Decimal(0), Decimal(1))


# --- images that break the contract -------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (second("10.00", last_price=None), "last_price"),
        (second("10.00", last_price="9.99"), "last_price"),
        (second("10.00", last_price=Decimal("-1")), "last_price"),
        (second("10.00", last_price=Decimal("Infinity")), "last_price"),
        (second("10.00", target_price=Decimal(0)), "target_price"),
        (second("10.00", drop_threshold_percent=Decimal(101)), "drop_threshold_percent"),
        (second("10.00", drop_threshold_percent="10"), "drop_threshold_percent"),
        (second("10.00", url=None), "url"),
        (second("10.00", retailer=""), "retailer"),
        (second("10.00", last_checked_at=None), "last_checked_at"),
        (second("10.00", product_id=None), "product_id"),
        (second("10.00", last_run_id=None), "last_run_id"),
        (second("10.00", last_currency=""), "last_currency"),
    ],
)
def test_successful_observation_missing_or_mistyping_a_field_is_malformed(new, field):
    with pytest.raises(MalformedImageError) as raised:
        events(observed("20.00"), new, DEFAULT)
    assert raised.value.field == field


def test_malformed_old_price_is_reported_with_its_product():
    with pytest.raises(MalformedImageError) as raised:
        events(observed("20.00", last_price=Decimal(0)), second("10.00"), DEFAULT)
    assert (raised.value.product_id, raised.value.field) == ("acme-kettle-1", "last_price")


@pytest.mark.parametrize(
    ("image", "field"),
    [
        (observed("10.00", last_status="OK"), "last_status"),
        (observed("10.00", availability="sold_out"), "last_availability"),
        (observed("10.00", last_run_id=""), "last_run_id"),
    ],
)
def test_a_state_outside_the_catalogs_vocabulary_is_malformed(image, field):
    with pytest.raises(MalformedImageError) as raised:
        state(image)
    assert (raised.value.product_id, raised.value.field) == ("acme-kettle-1", field)


# --- the states the rules compare ---------------------------------------------------------


def test_an_image_reads_as_the_catalog_fields_and_the_latest_state():
    image = observed("19.99", availability="out_of_stock", target_price=Decimal("15.00"))

    assert state(image) == ProductState(
        catalog=CatalogFields(
            product_id="acme-kettle-1",
            retailer="acme",
            url="https://shop.example/kettle",
            name="Kettle 1.7 l",
            drop_threshold_percent=None,
            target_price=Decimal("15.00"),
        ),
        status=ScrapeStatus.OK,
        price=Decimal("19.99"),
        currency="EUR",
        availability=Availability.OUT_OF_STOCK,
        run_id="2024-05-01T00:00:00Z",
        checked_at="2024-05-01T00:01:10.000Z",
    )


def test_a_product_never_observed_has_no_state_yet():
    read = state(catalog_item())
    assert (read.status, read.price, read.currency, read.availability, read.run_id) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_states_built_without_an_image_are_checked_alike():
    catalog = state(observed("10.00")).catalog
    with pytest.raises(MalformedImageError) as raised:
        ProductState(catalog, ScrapeStatus.OK, Decimal(0), "EUR", None, RUN_2, OBSERVED_2)
    assert raised.value.field == "last_price"
    with pytest.raises(MalformedImageError, match="last_status"):
        ProductState(catalog, "ok", Decimal(1), "EUR", None, RUN_2, OBSERVED_2)


# --- the opt-in rules ---------------------------------------------------------------------

ALL_OPT_INS = OptInRules(kinds=OPT_IN_KINDS)


def opt_in_kinds(old, new, rules=ALL_OPT_INS, recent_low=None):
    events = detect_changes(state(old), state(new), DEFAULT, rules=rules, recent_low=recent_low)
    return [event.kind for event in events]


def test_the_opt_in_kinds_are_off_unless_the_stack_or_the_product_enables_them():
    # A rise of 50 %, a change, a new low and going out of stock: nothing by default.
    assert kinds(observed("10.00"), second("15.00")) == []
    assert kinds(observed("10.00"), second("10.00", availability="out_of_stock")) == []
    low = detect_changes(
        state(observed("10.00")), state(second("9.50")), DEFAULT, recent_low=Decimal("9.80")
    )
    assert low == []


def test_the_opt_in_kind_names_are_the_catalog_files():
    assert sorted(OPT_IN_KINDS) == sorted(catalog_rules.OPT_IN_ALERT_KINDS)
    assert sorted(ALWAYS_ON_KINDS) == sorted(catalog_rules.ALWAYS_ON_ALERT_KINDS)


def test_a_stack_cannot_list_an_always_on_kind_as_opt_in():
    with pytest.raises(ValueError, match="price_drop"):
        OptInRules(kinds=frozenset({EventKind.PRICE_DROP}))


def test_price_increase_at_the_stack_default_threshold_notifies():
    rules = OptInRules(kinds=frozenset({EventKind.PRICE_INCREASE}))  # default 10 %
    assert opt_in_kinds(observed("20.00"), second("22.00"), rules) == [EventKind.PRICE_INCREASE]
    assert opt_in_kinds(observed("20.00"), second("21.99"), rules) == []
    assert opt_in_kinds(observed("20.00"), second("18.00"), rules) == [EventKind.PRICE_DROP]


def test_the_products_increase_threshold_overrides_the_stacks():
    rules = OptInRules(
        kinds=frozenset({EventKind.PRICE_INCREASE}), increase_threshold_percent=Decimal(50)
    )
    own = {"increase_threshold_percent": Decimal("2.5")}
    assert opt_in_kinds(observed("100.00"), second("120.00"), rules) == []
    assert opt_in_kinds(observed("100.00"), second("102.50", **own), rules) == [
        EventKind.PRICE_INCREASE
    ]
    assert opt_in_kinds(observed("100.00"), second("102.49", **own), rules) == []


@given(
    old_cents=st.integers(min_value=1, max_value=10**9),
    new_cents=st.integers(min_value=1, max_value=10**9),
    threshold=st.integers(min_value=1, max_value=1000),
)
def test_increase_notifies_exactly_when_the_new_price_is_at_least_old_times_one_plus_threshold(
    old_cents, new_cents, threshold
):
    rules = OptInRules(
        kinds=frozenset({EventKind.PRICE_INCREASE}), increase_threshold_percent=Decimal(threshold)
    )
    old = observed(str(Decimal(old_cents) / 100))
    new = second(str(Decimal(new_cents) / 100))
    expected = new_cents > old_cents and new_cents * 100 >= old_cents * (100 + threshold)
    assert (EventKind.PRICE_INCREASE in opt_in_kinds(old, new, rules)) is expected


def test_any_change_notifies_every_price_change_and_nothing_else():
    rules = OptInRules(kinds=frozenset({EventKind.ANY_CHANGE}))
    assert opt_in_kinds(observed("10.00"), second("10.01"), rules) == [EventKind.ANY_CHANGE]
    assert opt_in_kinds(observed("10.00"), second("9.99"), rules) == [EventKind.ANY_CHANGE]
    assert opt_in_kinds(observed("10.00"), second("10.0"), rules) == []  # the same amount
    back = opt_in_kinds(observed("10.00", availability="out_of_stock"), second("10.00"), rules)
    assert back == [EventKind.BACK_IN_STOCK]


def test_new_low_needs_the_recent_low_and_a_price_below_it():
    rules = OptInRules(kinds=frozenset({EventKind.NEW_LOW}))
    old, new = observed("10.00"), second("9.50")
    assert opt_in_kinds(old, new, rules, recent_low=Decimal("9.60")) == [EventKind.NEW_LOW]
    assert opt_in_kinds(old, new, rules, recent_low=Decimal("9.50")) == []  # equals the low
    assert opt_in_kinds(old, new, rules, recent_low=Decimal("9.00")) == []
    assert opt_in_kinds(old, new, rules, recent_low=None) == []  # not looked up


def test_new_low_is_never_a_rise_whatever_low_is_passed():
    rules = OptInRules(kinds=frozenset({EventKind.NEW_LOW}))
    assert opt_in_kinds(observed("9.00"), second("9.50"), rules, recent_low=Decimal(20)) == []


def test_new_low_window_is_asked_for_only_when_the_rule_can_fire():
    on = OptInRules(kinds=frozenset({EventKind.NEW_LOW}), new_low_days=30)
    fell = (state(observed("10.00")), state(second("9.00")))
    assert new_low_window_days(*fell, on) == 30
    assert new_low_window_days(*fell) is None  # off
    assert new_low_window_days(state(observed("10.00")), state(second("11.00")), on) is None
    assert new_low_window_days(state(observed("10.00")), state(second("10.00")), on) is None
    gbp = state(second("5.00", currency="GBP"))
    assert new_low_window_days(state(observed("10.00")), gbp, on) is None
    assert new_low_window_days(state(catalog_item()), state(second("1.00")), on) is None
    assert new_low_window_days(state(observed_without_price()), state(second("1.00")), on) is None


def test_the_products_alerts_and_days_enable_new_low_for_it_alone():
    own = {"alerts": {"new_low"}, "new_low_days": Decimal(7)}
    old, new = state(observed("10.00", **own)), state(second("9.00", **own))
    assert new_low_window_days(old, new) == 7
    events = detect_changes(old, new, DEFAULT, recent_low=Decimal("9.10"))
    assert [event.kind for event in events] == [EventKind.PRICE_DROP, EventKind.NEW_LOW]


def test_out_of_stock_notifies_going_out_of_stock_with_a_price():
    rules = OptInRules(kinds=frozenset({EventKind.OUT_OF_STOCK}))
    gone = state(second("30.00", availability="out_of_stock"))
    (event,) = detect_changes(state(observed("30.00")), gone, DEFAULT, rules=rules)
    assert (event.kind, event.old_price, event.new_price) == (
        EventKind.OUT_OF_STOCK,
        Decimal(30),
        Decimal(30),
    )
    assert event.change_percent == Decimal("0.00")


def test_out_of_stock_notifies_when_the_page_shows_no_price_and_states_the_last_one():
    rules = OptInRules(kinds=frozenset({EventKind.OUT_OF_STOCK}))
    old = state(observed("30.00"))
    new = state(observed_without_price(run_id=RUN_2, checked_at=OBSERVED_2))

    assert skip_reason(old, new) is Skip.NO_PRICE  # still nothing to compare prices with
    (event,) = detect_changes(old, new, DEFAULT, rules=ALL_OPT_INS, recent_low=Decimal(1))
    assert event.kind is EventKind.OUT_OF_STOCK
    assert (event.old_price, event.new_price, event.change_percent) == (Decimal(30), None, None)
    assert event.currency == "EUR"  # the old page's: the new one states none
    assert (event.observed_at, event.run_id) == (OBSERVED_2, RUN_2)
    assert event.notification_id == f"acme-kettle-1#{RUN_2}#out_of_stock"
    assert event.recent_low == Decimal(1)  # carried for people to read
    assert detect_changes(old, new, DEFAULT, rules=rules) == [replace(event, recent_low=None)]


def test_out_of_stock_is_only_the_step_from_in_stock():
    rules = OptInRules(kinds=frozenset({EventKind.OUT_OF_STOCK}))
    gone = second("30.00", availability="out_of_stock")
    assert opt_in_kinds(observed("30.00", availability="unknown"), gone, rules) == []
    assert opt_in_kinds(observed("30.00", availability="out_of_stock"), gone, rules) == []
    assert opt_in_kinds(observed_without_price(), gone, rules) == []


def test_the_skip_reasons_hold_for_the_opt_in_kinds_too():
    low = Decimal(1)
    gone_in_gbp = second("5.00", currency="GBP", availability="out_of_stock")
    assert opt_in_kinds(observed("10.00"), gone_in_gbp, recent_low=low) == []
    assert opt_in_kinds(catalog_item(), second("5.00", availability="out_of_stock")) == []
    same_run = observed("5.00", availability="out_of_stock")
    assert opt_in_kinds(observed("10.00"), same_run, recent_low=low) == []
    failed = second("5.00", availability="out_of_stock", last_status="blocked")
    assert opt_in_kinds(observed("10.00"), failed, recent_low=low) == []


def test_every_enabled_rule_speaks_once_in_kind_order():
    old = observed("20.00", target_price=Decimal("15.00"))
    new = second("10.00", target_price=Decimal("15.00"))
    assert opt_in_kinds(old, new, recent_low=Decimal(12)) == [
        EventKind.PRICE_DROP,
        EventKind.TARGET_PRICE,
        EventKind.ANY_CHANGE,
        EventKind.NEW_LOW,
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"alerts": {"price_drop"}}, "alerts"),
        ({"alerts": {"price_rise"}}, "alerts"),
        ({"alerts": "new_low"}, "alerts"),
        ({"increase_threshold_percent": Decimal(0)}, "increase_threshold_percent"),
        ({"increase_threshold_percent": Decimal(1001)}, "increase_threshold_percent"),
        ({"increase_threshold_percent": "5"}, "increase_threshold_percent"),
        ({"new_low_days": Decimal("1.5")}, "new_low_days"),
        ({"new_low_days": Decimal(0)}, "new_low_days"),
        ({"new_low_days": Decimal(366)}, "new_low_days"),
        ({"new_low_days": "7"}, "new_low_days"),
    ],
)
def test_opt_in_settings_outside_the_catalog_contract_are_malformed(fields, field):
    with pytest.raises(MalformedImageError) as raised:
        state(second("10.00", **fields))
    assert (raised.value.product_id, raised.value.field) == ("acme-kettle-1", field)


def test_an_image_reads_the_products_opt_in_settings():
    image = observed(
        "10.00",
        alerts={"out_of_stock", "price_increase"},
        increase_threshold_percent=Decimal("2.5"),
        new_low_days=Decimal(14),
    )
    catalog = state(image).catalog
    assert catalog.alerts == {EventKind.OUT_OF_STOCK, EventKind.PRICE_INCREASE}
    assert (catalog.increase_threshold_percent, catalog.new_low_days) == (Decimal("2.5"), 14)
    assert catalog.opt_in_kinds(OptInRules(kinds=frozenset({EventKind.NEW_LOW}))) == {
        EventKind.OUT_OF_STOCK,
        EventKind.PRICE_INCREASE,
        EventKind.NEW_LOW,
    }
