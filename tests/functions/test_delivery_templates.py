"""Templates: a readable title and body for every kind, safe text from the web, an HTML variant."""

import dataclasses
from decimal import Decimal

import pytest
from delivery_fixtures import alert
from hypothesis import given
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError, UndefinedError

from delivery import templates
from delivery.templates import (
    TEMPLATES,
    BodyFormat,
    clean_text,
    render_alert,
    render_digest,
)

KINDS = [
    "price_drop",
    "target_price",
    "back_in_stock",
    "price_increase",
    "any_change",
    "new_low",
    "out_of_stock",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body_format", list(BodyFormat))
def test_every_kind_shows_name_prices_change_and_link(kind, body_format):
    message = render_alert(alert(kind=kind, recent_low=Decimal("16.49")), body_format)
    assert "Acme Kettle 2000" in message.title
    assert "\n" not in message.title
    assert "https://shop.example/kettle" in message.body
    assert "19.99 EUR" in message.body
    assert message.body_format is body_format
    if kind != "out_of_stock":
        assert "17.99 EUR" in message.body
        assert "-10.01%" in message.body
        assert "Recent low: 16.49 EUR" in message.body


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_own_title(kind):
    assert f"{kind}.title" in TEMPLATES
    assert f"{kind}.body" in TEMPLATES


def test_the_drop_reads_as_a_person_would_say_it():
    message = render_alert(alert())
    assert message.title == "Price drop: Acme Kettle 2000"
    assert "Now 17.99 EUR, was 19.99 EUR: 2.00 EUR less (-10.01%)." in message.body
    assert "Retailer: acme" in message.body


def test_a_rise_shows_more_and_a_positive_change():
    message = render_alert(
        alert(kind="price_increase", new_price=Decimal("22.00"), change_percent=Decimal("-10.06"))
    )
    assert message.title == "Price increase: Acme Kettle 2000"
    assert "Now 22.00 EUR, was 19.99 EUR: 2.01 EUR more (+10.06%)." in message.body


def test_back_in_stock_without_an_old_price_says_so():
    body = render_alert(alert(kind="back_in_stock", old_price=None, change_percent=None)).body
    assert "Now 17.99 EUR (no earlier price)." in body
    assert "None" not in body


def test_out_of_stock_without_a_price_shows_the_last_one():
    body = render_alert(alert(kind="out_of_stock", new_price=None, change_percent=None)).body
    assert "is out of stock" in body
    assert "Last price: 19.99 EUR." in body
    assert "None" not in body


def test_a_price_without_a_currency_is_shown_alone():
    assert "Now 17.99, was 19.99" in render_alert(alert(currency=None)).body


def test_recent_low_is_left_out_when_not_given():
    assert "Recent low" not in render_alert(alert()).body


def test_a_product_without_a_name_is_called_by_its_id():
    assert render_alert(alert(name=None)).title == "Price drop: acme-kettle-1"


def test_an_unknown_kind_gets_the_generic_template():
    message = render_alert(alert(kind="price_rocket"))
    assert message.title == "Price rocket: Acme Kettle 2000"
    assert "Now 17.99 EUR, was 19.99 EUR" in message.body


def test_control_characters_from_the_web_cannot_forge_lines():
    message = render_alert(
        alert(name="Kettle\nRetailer: evil\x07\u202eusd", url="https://shop.example/k\r\nX: y")
    )
    assert "\n" not in message.title
    assert "\x07" not in message.body
    assert "\u202e" not in message.body
    assert "\nRetailer: evil" not in message.body
    assert "Kettle Retailer: evil usd" in message.title
    assert "https://shop.example/k X: y" in message.body


def test_text_is_not_escaped_for_text_channels():
    body = render_alert(alert(name="Tom & Jerry <Kettle>")).body
    assert "Tom & Jerry <Kettle>" in body


def test_html_escapes_web_text_and_links_the_page():
    message = render_alert(
        alert(name='<script>alert("x")</script>', url='https://shop.example/k?a=1&b="><b>'),
        BodyFormat.HTML,
    )
    assert "<script>" not in message.body
    assert "&lt;script&gt;" in message.body
    assert '<a href="https://shop.example/k?a=1&amp;b=&#34;&gt;&lt;b&gt;">' in message.body
    assert "<br>" in message.body


def test_html_does_not_link_a_script_url():
    body = render_alert(alert(url="javascript:alert(1)"), BodyFormat.HTML).body
    assert "<a " not in body
    assert "javascript:alert(1)" in body


def test_the_digest_lists_each_held_alert_and_counts_the_rest():
    message = render_digest(
        [alert(), alert(kind="new_low", name="Toaster", url="https://shop.example/t")], more=3
    )
    assert message.title == "5 price alerts held back today"
    assert "- Price drop: Acme Kettle 2000\n  https://shop.example/kettle" in message.body
    assert "- New low price: Toaster\n  https://shop.example/t" in message.body
    assert "and 3 more" in message.body


def test_the_html_digest_escapes_its_items():
    body = render_digest([alert(name="<i>x</i>")], body_format=BodyFormat.HTML).body
    assert "&lt;i&gt;x&lt;/i&gt;" in body


def test_a_template_naming_a_missing_value_fails_loudly(monkeypatch):
    broken = {**TEMPLATES, "price_drop.title": "{{ nmae }}"}
    monkeypatch.setattr(templates, "TEMPLATES", broken)
    templates._environment.cache_clear()
    try:
        with pytest.raises(UndefinedError):
            render_alert(alert())
    finally:
        monkeypatch.undo()
        templates._environment.cache_clear()


def test_templates_run_sandboxed(monkeypatch):
    escape = {**TEMPLATES, "price_drop.title": "{{ label.__class__.__mro__ }}"}
    monkeypatch.setattr(templates, "TEMPLATES", escape)
    templates._environment.cache_clear()
    try:
        with pytest.raises((SecurityError, UndefinedError)):
            render_alert(alert())
    finally:
        monkeypatch.undo()
        templates._environment.cache_clear()


@given(st.text())
def test_clean_text_leaves_no_control_character(text):
    cleaned = clean_text(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert "\u2028" not in cleaned
    assert "\u202e" not in cleaned


@given(st.text(), st.text(), st.sampled_from([*KINDS, "something_else"]))
def test_any_name_and_url_render_in_both_formats(name, url, kind):
    for body_format in BodyFormat:
        message = render_alert(
            dataclasses.replace(alert(), name=name, url=url, kind=kind), body_format
        )
        assert "\n" not in message.title
        if body_format is BodyFormat.HTML:
            assert "<script" not in message.body.lower().replace("&lt;script", "")
