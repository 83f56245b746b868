from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from untrusted_input import assert_valid_candidates, mutated

from contracts.catalog import Availability
from extraction import meta


def page(head, body=""):
    return f"<html><head><title>Kettle</title>{head}</head><body>{body}</body></html>"


def offers(html):
    return [(c.price, c.currency, c.availability) for c in meta.candidates(html)]


OPEN_GRAPH = """
<meta property="og:type" content="product">
<meta property="product:price:amount" content="17.99" />
<meta property="product:price:currency" content="USD" />
<meta property="product:availability" content="in stock" />
"""


def test_open_graph_product_price_currency_and_availability():
    [candidate] = meta.candidates(page(OPEN_GRAPH))
    assert (candidate.price, candidate.currency, candidate.availability) == (
        Decimal("17.99"), "USD", Availability.IN_STOCK)  # fmt: skip
    assert candidate.source == "meta"


def test_meta_tags_in_any_case_are_read():
    html = page("""<META PROPERTY="og:price:amount" CONTENT="99">
                   <Meta Property='og:price:currency' Content=EUR>""")
    assert offers(html) == [(Decimal("99"), "EUR", Availability.UNKNOWN)]


def test_og_price_tags_and_name_attribute_are_read():
    html = page("""<meta name="og:price:amount" content="99">
                   <meta property="og:price:currency" content="eur">""")
    assert offers(html) == [(Decimal("99"), "EUR", Availability.UNKNOWN)]


def test_sale_price_is_preferred_to_the_regular_price():
    html = page(OPEN_GRAPH + '<meta property="product:sale_price:amount" content="12.00">')
    assert offers(html) == [(Decimal("12.00"), "USD", Availability.IN_STOCK)]


def test_standard_amount_is_never_the_price():
    html = page("""<meta property="og:price:standard_amount" content="16.99">
                   <meta property="og:price:amount" content="13.99">""")
    assert [price for price, _, _ in offers(html)] == [Decimal("13.99")]
    assert offers(page('<meta property="og:price:standard_amount" content="16.99">')) == []


def test_a_pre_sale_price_above_the_price_is_reported_as_the_former_one():
    on_sale = page("""<meta property="og:price:standard_amount" content="150.00">
                      <meta property="product:original_price:amount" content="140.00">
                      <meta property="og:price:amount" content="120.00">""")
    assert meta.read(on_sale).former == {Decimal("150.00"), Decimal("140.00")}
    regular_beside_sale = page(
        OPEN_GRAPH + '<meta property="product:sale_price:amount" content="12">'
    )
    assert meta.read(regular_beside_sale).former == {Decimal("17.99")}


@pytest.mark.parametrize(
    "head",
    [
        # Equal to the price: the product is not on sale.
        """<meta property="og:price:standard_amount" content="16.99">
           <meta property="og:price:amount" content="16.99">""",
        # No price beside it: nothing to be former to.
        '<meta property="og:price:standard_amount" content="54.95">',
        # Below the price: no pre-sale price.
        """<meta property="og:price:standard_amount" content="9.99">
           <meta property="og:price:amount" content="16.99">""",
    ],
)
def test_a_pre_sale_price_not_above_a_stated_price_is_no_former_one(head):
    assert meta.read(page(head)).former == frozenset()


def test_display_formatted_content_is_parsed():
    html = page("""<meta property="product:price:amount" content="48,00" />
                   <meta property="og:price:amount" content="$249.95">""")
    assert offers(html) == [
        (Decimal("48.00"), None, Availability.UNKNOWN),
        (Decimal("249.95"), "USD", Availability.UNKNOWN),
    ]


def test_equal_prices_in_several_tags_give_one_candidate():
    html = page(OPEN_GRAPH + '<meta property="og:price:amount" content="17.990">')
    assert offers(html) == [(Decimal("17.99"), "USD", Availability.IN_STOCK)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("instock", Availability.IN_STOCK),
        ("in stock", Availability.IN_STOCK),
        ("In Stock", Availability.IN_STOCK),
        ("oos", Availability.OUT_OF_STOCK),
        ("out of stock", Availability.OUT_OF_STOCK),
        ("available for order", Availability.IN_STOCK),
        ("preorder", Availability.IN_STOCK),
        ("BackOrder", Availability.IN_STOCK),
        ("discontinued", Availability.OUT_OF_STOCK),
        ("maybe", Availability.UNKNOWN),
    ],
)
def test_availability_wording_is_normalised(value, expected):
    html = page(f"""<meta property="og:price:amount" content="5">
                    <meta property="og:availability" content="{value}">""")
    assert offers(html)[0][2] == expected


def test_twitter_card_labelled_price_is_read():
    html = page("""
        <meta name="twitter:label1" content="Brand"><meta name="twitter:data1" content="Acme">
        <meta name="twitter:label2" content="Price"><meta name="twitter:data2" content="£49.98">
    """)
    assert offers(html) == [(Decimal("49.98"), "GBP", Availability.UNKNOWN)]


def test_twitter_data_without_a_price_label_is_ignored():
    html = page(
        '<meta name="twitter:label1" content="Size"><meta name="twitter:data1" content="42">'
    )
    assert offers(html) == []


def test_itemprop_price_currency_meta_supplies_the_currency():
    html = page("""<meta property="og:price:amount" content="5.50">
                   <meta itemprop="priceCurrency" content="CHF">""")
    assert offers(html) == [(Decimal("5.50"), "CHF", Availability.UNKNOWN)]


@pytest.mark.parametrize(
    "markup",
    ['<span property="schema:price" content="12.99">12,99 €</span>',
     '<span property="price" content="12.99"></span>',
     "<span property='http://schema.org/price'>12.99</span>",
     '<meta property="schema:price" content="12.99">',
     '<div typeof="Offer"><span property="product:price:amount" content="12.99"></span></div>'],
)  # fmt: skip
def test_rdfa_price_from_content_or_text(markup):
    html = page(
        "",
        f'<div vocab="http://schema.org/" typeof="Product">{markup}'
        '<span property="priceCurrency" content="EUR"></span>'
        '<link property="availability" href="http://schema.org/InStock"></div>',
    )
    assert offers(html) == [(Decimal("12.99"), "EUR", Availability.IN_STOCK)]


def test_attributes_merely_ending_in_property_are_not_rdfa():
    html = page("", '<span data-property="price" content="12.99"></span>')
    assert offers(html) == []


@pytest.mark.parametrize("content", ["0", "-1", "", "n/a"])
def test_zero_negative_and_missing_prices_are_skipped(content):
    assert offers(page(f'<meta property="og:price:amount" content="{content}">')) == []


def test_page_without_price_tags_has_no_candidates():
    assert offers(page('<meta property="og:title" content="Kettle for $5">')) == []


RDFA = '<p property="schema:price" content="3.5">3,50</p><i property=priceCurrency>EUR</i>'


@settings(max_examples=150, deadline=None)
@given(st.text() | mutated(page(OPEN_GRAPH, RDFA)))
def test_random_and_mutated_pages_never_raise_and_give_valid_candidates(html):
    assert_valid_candidates(meta.candidates(html))
