"""The notifier reads the topic's notification contract strictly, from untrusted SQS bodies."""

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from untrusted_input import mutated

from delivery.alert import Alert, MalformedAlertError, parse_alert

DEDUP_KEY = "5" * 64
BODY = {
    "kind": "price_drop",
    "product_id": "acme-kettle-1",
    "retailer": "acme",
    "name": "Acme Kettle 2000",
    "url": "https://shop.example/kettle",
    "currency": "EUR",
    "old_price": 19.99,
    "new_price": 17.99,
    "change_percent": 10.01,
    "observed_at": "2024-05-01T06:00:03Z",
    "run_id": "2024-05-01T06:00:00Z",
    "dedup_key": DEDUP_KEY,
}


def body(**changes):
    fields = {**BODY, **changes}
    return json.dumps({k: v for k, v in fields.items() if v is not ...})


def test_a_contract_body_reads_with_exact_amounts():
    alert = parse_alert(body())
    assert alert.kind == "price_drop"
    assert alert.old_price == Decimal("19.99")
    assert alert.new_price == Decimal("17.99")
    assert alert.change_percent == Decimal("10.01")
    assert alert.recent_low is None


def test_the_body_the_detector_publishes_reads():
    # The body the detector publishes (monitor.notifications), not a hand-written copy.
    from contracts.change_rules import EventKind, PriceEvent
    from monitor.notifications import notification_for

    event = PriceEvent(
        kind=EventKind.BACK_IN_STOCK,
        product_id="acme-kettle-1",
        retailer="acme",
        name="Kettle",
        url="https://shop.example/k",
        currency="EUR",
        old_price=None,
        new_price=Decimal("17.99"),
        change_percent=None,
        observed_at="2024-05-01T06:00:03Z",
        run_id="2024-05-01T06:00:00Z",
    )
    notification = notification_for(event)
    alert = parse_alert(notification.body)
    assert (alert.kind, alert.old_price, alert.new_price) == (
        "back_in_stock",
        None,
        Decimal("17.99"),
    )
    assert alert.dedup_key == notification.dedup_key


def test_an_unknown_kind_is_accepted_as_text():
    assert parse_alert(body(kind="price_rocket")).kind == "price_rocket"


def test_out_of_stock_may_have_no_new_price():
    assert parse_alert(body(kind="out_of_stock", new_price=None)).new_price is None


def test_recent_low_is_read_when_given():
    assert parse_alert(body(recent_low=15.5)).recent_low == Decimal("15.5")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "Price Drop"}, "kind"),
        ({"kind": ...}, "kind"),
        ({"product_id": ""}, "product_id"),
        ({"retailer": 7}, "retailer"),
        ({"name": ...}, "name"),
        ({"old_price": "19.99"}, "old_price"),
        ({"new_price": True}, "new_price"),
        ({"new_price": -1}, "new_price"),
        ({"change_percent": ...}, "change_percent"),
        ({"dedup_key": "abc"}, "dedup_key"),
        ({"recent_low": "low"}, "recent_low"),
    ],
)
def test_a_body_breaking_the_contract_names_the_field(changes, field):
    with pytest.raises(MalformedAlertError) as raised:
        parse_alert(body(**changes))
    assert raised.value.field == field


@pytest.mark.parametrize("text", ["", "[]", "null", "{", '{"kind": NaN}', "[" * 100_000])
def test_a_body_that_is_not_an_object_is_malformed(text):
    with pytest.raises(MalformedAlertError):
        parse_alert(text)


def test_a_rise_keeps_its_negative_change():
    assert parse_alert(body(change_percent=-12.5)).change_percent == Decimal("-12.5")


def test_to_body_reads_back_to_the_same_alert():
    alert = parse_alert(body(name='Kettle "2000"\n€', recent_low=1e-7, old_price=123456789.123))
    assert parse_alert(alert.to_body()) == alert
    assert '"recent_low":0.0000001' in alert.to_body()


@given(mutated(body()))
def test_any_mangled_body_is_an_alert_or_malformed(text):
    try:
        alert = parse_alert(text)
    except MalformedAlertError:
        return
    assert isinstance(alert, Alert)
    assert parse_alert(alert.to_body()) == alert


@given(st.text(max_size=200))
def test_any_text_is_an_alert_or_malformed(text):
    with contextlib.suppress(MalformedAlertError):
        parse_alert(text)
