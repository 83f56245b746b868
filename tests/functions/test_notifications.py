"""Notifications: the message body contract, the attributes subscribers filter on, the subject."""

import json
from dataclasses import replace
from decimal import Decimal

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sns_inbox import subscribe_inbox

from contracts.change_rules import EventKind, PriceEvent
from monitor.notifications import (
    NAME_MAX_CHARS,
    SNS_MESSAGE_MAX_BYTES,
    SUBJECT_MAX_CHARS,
    URL_MAX_CHARS,
    NotificationTooLargeError,
    dedup_key,
    notification_for,
    publish,
)

# sha256 of "acme-kettle-1#2024-05-01T06:00:00Z#price_drop", DROP's notification id.
DROP_DEDUP_KEY = "35673145e6cebfa36017f3e0476536b630e287bdcdcea5d7acd2dbc2b99ab057"

DROP = PriceEvent(
    kind=EventKind.PRICE_DROP,
    product_id="acme-kettle-1",
    retailer="acme",
    name="Kettle 1.7 l",
    url="https://shop.example/kettle",
    currency="EUR",
    old_price=Decimal("19.99"),
    new_price=Decimal("17.99"),
    change_percent=Decimal("10.01"),
    observed_at="2024-05-01T06:01:30.250Z",
    run_id="2024-05-01T06:00:00Z",
)


def body_of(event):
    return json.loads(notification_for(event).body, parse_float=Decimal, parse_int=Decimal)


def is_sns_subject(subject):
    # SNS: ASCII, printable (no line breaks or control characters), under 100 characters.
    return 0 < len(subject) < 100 and all(" " <= char <= "~" for char in subject)


def test_body_is_the_design_notification_contract():
    assert body_of(DROP) == {
        "kind": "price_drop",
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "name": "Kettle 1.7 l",
        "url": "https://shop.example/kettle",
        "currency": "EUR",
        "old_price": Decimal("19.99"),
        "new_price": Decimal("17.99"),
        "change_percent": Decimal("10.01"),
        "observed_at": "2024-05-01T06:01:30.250Z",
        "run_id": "2024-05-01T06:00:00Z",
        "dedup_key": DROP_DEDUP_KEY,
    }


def test_the_recent_low_is_in_the_body_when_looked_up_and_the_notifier_shows_it():
    from delivery.alert import parse_alert
    from delivery.templates import render_alert

    body = notification_for(replace(DROP, kind=EventKind.NEW_LOW, recent_low=Decimal("18.49"))).body
    assert '"recent_low":18.49' in body
    alert = parse_alert(body)
    assert alert.recent_low == Decimal("18.49")
    assert "Recent low: 18.49 EUR." in render_alert(alert).body
    assert "recent_low" not in body_of(DROP)


def test_amounts_are_json_numbers_with_their_exact_digits():
    event = replace(DROP, old_price=Decimal("1234567.10"), new_price=Decimal("0.30"))
    text = notification_for(event).body
    assert '"old_price":1234567.10' in text
    assert '"new_price":0.30' in text
    assert '"change_percent":10.01' in text
    body = json.loads(text)
    assert isinstance(body["change_percent"], float)  # numbers, for numeric filter policies


def test_body_has_null_name_when_the_product_has_none():
    assert body_of(replace(DROP, name=None))["name"] is None


def test_unstated_currency_is_null_in_the_body_and_left_out_of_the_subject():
    notification = notification_for(replace(DROP, currency=None))
    assert json.loads(notification.body)["currency"] is None
    assert notification.subject == "Price drop 10.01%: Kettle 1.7 l, now 17.99 (was 19.99)"


def test_back_in_stock_after_an_observation_without_a_price_has_null_old_price_and_change():
    back = replace(DROP, kind=EventKind.BACK_IN_STOCK, old_price=None, change_percent=None)
    notification = notification_for(back)

    assert '"old_price":null' in notification.body
    body = body_of(back)
    assert (body["old_price"], body["new_price"], body["change_percent"]) == (
        None,
        Decimal("17.99"),
        None,
    )
    assert notification.subject == "Back in stock: Kettle 1.7 l, at 17.99 EUR"


def test_body_keeps_unicode_names_and_escapes_json_specials():
    name = 'Crème brûlée "deluxe"\nset'
    text = notification_for(replace(DROP, name=name)).body
    assert "Crème brûlée" in text
    assert json.loads(text)["name"] == name


def test_attributes_let_subscribers_filter_by_kind_product_and_retailer():
    notification = notification_for(replace(DROP, kind=EventKind.TARGET_PRICE))
    assert notification.attributes == {
        "kind": "target_price",
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "dedup_key": dedup_key("acme-kettle-1#2024-05-01T06:00:00Z#target_price"),
    }


def test_notification_id_is_product_run_and_kind():
    assert notification_for(DROP).id == "acme-kettle-1#2024-05-01T06:00:00Z#price_drop"
    back = notification_for(replace(DROP, kind=EventKind.BACK_IN_STOCK))
    assert back.id == "acme-kettle-1#2024-05-01T06:00:00Z#back_in_stock"


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (EventKind.PRICE_DROP, "Price drop 10.01%: Kettle 1.7 l, now 17.99 EUR (was 19.99)"),
        (EventKind.TARGET_PRICE, "Target price reached: Kettle 1.7 l, now 17.99 EUR"),
        (EventKind.BACK_IN_STOCK, "Back in stock: Kettle 1.7 l, at 17.99 EUR"),
    ],
)
def test_subject_says_what_happened_to_which_product(kind, subject):
    assert notification_for(replace(DROP, kind=kind)).subject == subject


def test_subject_folds_accents_and_drops_line_breaks_and_other_scripts():
    event = replace(DROP, name="Crème\tbrûlée\r\nset 日本 ✓", kind=EventKind.BACK_IN_STOCK)
    assert notification_for(event).subject == "Back in stock: Creme brulee set, at 17.99 EUR"


def test_subject_names_the_product_id_when_the_name_has_nothing_printable():
    for name in (None, "日本語", "\n\t"):
        subject = notification_for(replace(DROP, name=name)).subject
        assert subject == "Price drop 10.01%: acme-kettle-1, now 17.99 EUR (was 19.99)"


def test_long_name_is_shortened_with_an_ellipsis_and_the_prices_kept():
    subject = notification_for(replace(DROP, name="Extra long kettle " * 20)).subject
    assert len(subject) == SUBJECT_MAX_CHARS
    assert subject.startswith("Price drop 10.01%: Extra long kettle")
    assert subject.endswith("..., now 17.99 EUR (was 19.99)")


@given(
    name=st.one_of(st.none(), st.text(max_size=300)),
    product_id=st.text(min_size=1, max_size=300),
    kind=st.sampled_from(EventKind),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**12), places=2),
    currency=st.one_of(st.none(), st.text(max_size=5)),
)
def test_subject_is_always_valid_for_sns(name, product_id, kind, price, currency):
    event = replace(
        DROP, name=name, product_id=product_id, kind=kind, old_price=price, currency=currency
    )
    assert is_sns_subject(notification_for(event).subject)


def test_publish_sends_body_subject_and_string_attributes(alerts_topic):
    inbox = subscribe_inbox(alerts_topic)
    notification = notification_for(DROP)
    message_id = publish(boto3.client("sns"), alerts_topic, notification)

    (envelope,) = inbox.envelopes()
    assert envelope["MessageId"] == message_id
    assert envelope["Subject"] == notification.subject
    assert envelope["Message"] == notification.body
    assert envelope["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "price_drop"},
        "product_id": {"Type": "String", "Value": "acme-kettle-1"},
        "retailer": {"Type": "String", "Value": "acme"},
        "dedup_key": {"Type": "String", "Value": DROP_DEDUP_KEY},
    }


# --- repeats: one key per event -----------------------------------------------------------


def test_dedup_key_is_the_same_for_every_copy_of_an_event_and_differs_between_events():
    first, again = notification_for(DROP), notification_for(replace(DROP, name="Renamed"))
    other_kind = notification_for(replace(DROP, kind=EventKind.TARGET_PRICE))
    other_run = notification_for(replace(DROP, run_id="2024-05-01T12:00:00Z"))

    assert first.dedup_key == again.dedup_key == DROP_DEDUP_KEY
    assert len({first.dedup_key, other_kind.dedup_key, other_run.dedup_key}) == 3
    assert json.loads(first.body)["dedup_key"] == first.attributes["dedup_key"]


# --- size: display fields cut, identifiers whole ------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("name", NAME_MAX_CHARS), ("url", URL_MAX_CHARS)])
def test_a_display_field_at_its_limit_is_whole_and_one_character_more_is_cut(field, limit):
    at_limit = "a" * (limit - 1) + "z"
    over = at_limit + "!"

    assert body_of(replace(DROP, **{field: at_limit}))[field] == at_limit
    cut = body_of(replace(DROP, **{field: over}))[field]
    assert len(cut) == limit
    assert cut == "a" * (limit - 1) + "\u2026"


def test_a_name_and_url_near_the_item_limit_publish_cut_with_whole_identifiers(alerts_topic):
    inbox = subscribe_inbox(alerts_topic)
    product_id = "p" * 2048  # DynamoDB's largest partition key
    event = replace(
        DROP,
        product_id=product_id,
        name="Kettle " + "é" * 130_000,  # 260 KB of UTF-8
        url="https://shop.example/" + "k" * 250_000,
    )
    notification = notification_for(event)

    publish(boto3.client("sns"), alerts_topic, notification)

    (envelope,) = inbox.envelopes()
    body = json.loads(envelope["Message"])
    assert body["name"] == ("Kettle " + "é" * 130_000)[: NAME_MAX_CHARS - 1] + "\u2026"
    assert body["url"] == event.url[: URL_MAX_CHARS - 1] + "\u2026"
    assert (body["product_id"], body["retailer"], body["run_id"]) == (
        product_id,
        "acme",
        DROP.run_id,
    )
    assert envelope["MessageAttributes"]["product_id"]["Value"] == product_id
    # The id stands in the body, the attributes and the e-mail text: still far below SNS's.
    assert notification.size_bytes < 40_000


def test_identifiers_too_large_for_sns_are_refused_naming_the_product():
    # Only an item edited past the catalog's rules (retailer names have 64 characters).
    event = replace(DROP, retailer="r" * SNS_MESSAGE_MAX_BYTES)

    with pytest.raises(NotificationTooLargeError, match="acme-kettle-1") as raised:
        notification_for(event)
    assert raised.value.size_bytes > SNS_MESSAGE_MAX_BYTES


def test_size_counts_the_message_and_every_attribute_in_utf8_bytes():
    notification = notification_for(replace(DROP, name="é"))
    attributes = sum(
        len(name) + len("String") + len(value.encode())
        for name, value in notification.attributes.items()
    )
    assert notification.size_bytes == len(notification.message.encode()) + attributes


# --- what people read: e-mail text beside the JSON contract --------------------------------


class RecordingSNS:
    """An SNS client that keeps what it was asked to publish."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def publish(self, **request: object) -> dict[str, str]:
        self.calls.append(request)
        return {"MessageId": "m-1"}


def test_email_subscribers_get_the_text_and_every_other_protocol_the_json_contract():
    sns = RecordingSNS()
    notification = notification_for(DROP)

    publish(sns, "arn:aws:sns:eu-west-1:123456789012:alerts", notification)  # type: ignore[arg-type]

    (call,) = sns.calls
    assert call["MessageStructure"] == "json"
    assert json.loads(str(call["Message"])) == {
        "default": notification.body,
        "email": notification.email_text,
    }


@pytest.mark.parametrize(
    ("event", "lines"),
    [
        (
            DROP,
            [
                "Price drop: Kettle 1.7 l",
                "Now 17.99 EUR, was 19.99 EUR: 2.00 EUR less (-10.01%).",
            ],
        ),
        (
            replace(
                DROP,
                kind=EventKind.TARGET_PRICE,
                old_price=Decimal("20"),
                new_price=Decimal("21.50"),
                change_percent=Decimal("-7.50"),
            ),
            [
                "Target price reached: Kettle 1.7 l",
                "Now 21.50 EUR, was 20 EUR: 1.50 EUR more (+7.50%).",
            ],
        ),
        (
            replace(
                DROP,
                kind=EventKind.BACK_IN_STOCK,
                name=None,
                currency=None,
                old_price=None,
                change_percent=None,
            ),
            ["Back in stock: acme-kettle-1", "Now 17.99 (it was out of stock, without a price)."],
        ),
        (
            replace(
                DROP,
                kind=EventKind.BACK_IN_STOCK,
                old_price=Decimal("17.99"),
                change_percent=Decimal("0.00"),
            ),
            ["Back in stock: Kettle 1.7 l", "Now 17.99 EUR, as before."],
        ),
    ],
)
def test_the_email_text_says_what_happened_with_both_prices(event, lines):
    text = notification_for(event).email_text

    assert text.splitlines()[:2] == lines
    assert "Retailer: acme\nhttps://shop.example/kettle\n" in text
    assert text.endswith(
        "Seen at 2024-05-01T06:01:30.250Z, in the run of 2024-05-01T06:00:00Z"
        " (product acme-kettle-1).\n"
    )


def test_the_email_text_uses_the_shortened_name_and_url():
    event = replace(
        DROP, name="K" * (NAME_MAX_CHARS + 5), url="https://s.example/" + "u" * URL_MAX_CHARS
    )
    body, text = body_of(event), notification_for(event).email_text

    assert text.splitlines()[0] == f"Price drop: {body['name']}"
    assert body["url"] in text.splitlines()


# --- the opt-in kinds -----------------------------------------------------------------------

RISE = replace(
    DROP,
    kind=EventKind.PRICE_INCREASE,
    old_price=Decimal("17.99"),
    new_price=Decimal("19.99"),
    change_percent=Decimal("-11.12"),
)
# Out of stock, and the page shows no price: only the last price seen is stated.
GONE_WITHOUT_PRICE = replace(DROP, kind=EventKind.OUT_OF_STOCK, new_price=None, change_percent=None)


@pytest.mark.parametrize(
    ("event", "subject"),
    [
        (RISE, "Price increase 11.12%: Kettle 1.7 l, now 19.99 EUR (was 17.99)"),
        (
            replace(DROP, kind=EventKind.ANY_CHANGE),
            "Price changed: Kettle 1.7 l, now 17.99 EUR (was 19.99)",
        ),
        (
            replace(DROP, kind=EventKind.NEW_LOW),
            "New low price: Kettle 1.7 l, now 17.99 EUR (was 19.99)",
        ),
        (replace(DROP, kind=EventKind.OUT_OF_STOCK), "Out of stock: Kettle 1.7 l, at 17.99 EUR"),
        (GONE_WITHOUT_PRICE, "Out of stock: Kettle 1.7 l, was 19.99 EUR"),
    ],
)
def test_subject_of_each_opt_in_kind_says_what_happened(event, subject):
    assert notification_for(event).subject == subject


@pytest.mark.parametrize(
    ("event", "lines"),
    [
        (
            RISE,
            [
                "Price increase: Kettle 1.7 l",
                "Now 19.99 EUR, was 17.99 EUR: 2.00 EUR more (+11.12%).",
            ],
        ),
        (
            replace(DROP, kind=EventKind.ANY_CHANGE),
            [
                "Price changed: Kettle 1.7 l",
                "Now 17.99 EUR, was 19.99 EUR: 2.00 EUR less (-10.01%).",
            ],
        ),
        (
            replace(DROP, kind=EventKind.NEW_LOW),
            [
                "New low price: Kettle 1.7 l",
                "Now 17.99 EUR, was 19.99 EUR: 2.00 EUR less (-10.01%).",
            ],
        ),
        (GONE_WITHOUT_PRICE, ["Out of stock: Kettle 1.7 l", "No price shown now, was 19.99 EUR."]),
        (
            replace(GONE_WITHOUT_PRICE, currency=None),
            ["Out of stock: Kettle 1.7 l", "No price shown now, was 19.99."],
        ),
    ],
)
def test_the_email_text_of_each_opt_in_kind_says_what_happened(event, lines):
    text = notification_for(event).email_text

    assert text.splitlines()[:2] == lines
    assert "Retailer: acme\nhttps://shop.example/kettle\n" in text


def test_out_of_stock_without_a_price_has_null_new_price_and_change_in_the_body():
    body = body_of(GONE_WITHOUT_PRICE)

    assert (body["kind"], body["old_price"], body["new_price"]) == (
        "out_of_stock",
        Decimal("19.99"),
        None,
    )
    assert (body["change_percent"], body["currency"]) == (None, "EUR")


@given(
    name=st.one_of(st.none(), st.text(max_size=300)),
    old_price=st.one_of(
        st.none(), st.decimals(min_value=Decimal("0.01"), max_value=10**12, places=2)
    ),
    currency=st.one_of(st.none(), st.text(max_size=5)),
)
def test_subject_of_an_out_of_stock_without_a_price_is_always_valid_for_sns(
    name, old_price, currency
):
    event = replace(GONE_WITHOUT_PRICE, name=name, old_price=old_price, currency=currency)
    assert is_sns_subject(notification_for(event).subject)
