from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from untrusted_input import assert_valid_candidates, mutated

from contracts.catalog import Availability
from extraction import microdata
from extraction.markup import parse_html
from extraction.offer import choose_offer


def offers(html):
    return [(c.price, c.currency, c.availability) for c in microdata.candidates(parse_html(html))]


PRODUCT = """
<div itemscope itemtype="http://schema.org/Product">
  <h1 itemprop="name">Executive Anvil</h1>
  <span itemprop="sku">ANV-1</span>
  Regular price: $179.99
  <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
    <meta itemprop="priceCurrency" content="USD">
    $<span itemprop="price">119.99</span>
    <link itemprop="availability" href="http://schema.org/InStock">In stock! Order now!
    <a itemprop="url" href="https://shop.example/anvil">link</a>
  </div>
</div>
"""


def test_offer_item_gives_price_currency_availability_url_and_product_sku():
    [candidate] = microdata.candidates(parse_html(PRODUCT))
    assert candidate.price == Decimal("119.99")
    assert candidate.currency == "USD"
    assert candidate.availability == Availability.IN_STOCK
    assert candidate.source == "microdata"
    assert candidate.url == "https://shop.example/anvil"
    assert candidate.sku == "ANV-1"


def test_offers_carry_the_name_of_the_product_no_other_product_holds():
    html = """
    <div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Winterjacke</h1>
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <meta itemprop="price" content="129.00"><meta itemprop="priceCurrency" content="EUR">
      </div>
      <div itemprop="model" itemscope itemtype="https://schema.org/ProductModel">
        <span itemprop="name">Größe M</span>
        <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
          <meta itemprop="price" content="119.00"></div>
      </div>
    </div>
    <div itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="5.00"></div>
    """
    assert [(c.price, c.name) for c in microdata.candidates(parse_html(html))] == [
        (Decimal("129.00"), "Winterjacke"),
        (Decimal("119.00"), "Winterjacke"),
        (Decimal("5.00"), None),
    ]


@pytest.mark.parametrize(
    "itemtype",
    ["http://schema.org/Offer", "https://schema.org/Offer", "HTTPS://SCHEMA.ORG/offer", ""],
)
def test_offer_itemtype_in_any_scheme_or_case_or_missing_is_read(itemtype):
    html = f"""<div itemscope itemtype="{itemtype}"><span itemprop="price">5.00</span>
               <meta itemprop="priceCurrency" content="EUR"></div>"""
    assert offers(html) == [(Decimal("5.00"), "EUR", Availability.UNKNOWN)]


def test_content_attribute_wins_over_visible_text():
    html = """<div itemscope itemtype="https://schema.org/Offer">
      <span itemprop="price" content="1299.00">1.299,00 €</span>
      <span itemprop="priceCurrency" content="EUR">€</span></div>"""
    assert offers(html) == [(Decimal("1299.00"), "EUR", Availability.UNKNOWN)]


def test_visible_text_is_parsed_as_displayed_price():
    html = """<div itemscope itemtype="https://schema.org/Offer">
      <span itemprop="price">1.299,00 €</span></div>"""
    assert offers(html) == [(Decimal("1299.00"), "EUR", Availability.UNKNOWN)]


def test_machine_values_of_data_and_meter_elements_are_read():
    html = """<div itemscope itemtype="https://schema.org/Offer">
      <data itemprop="price" value="42.50">forty-two fifty</data>
      <meta itemprop="priceCurrency" content="GBP"></div>"""
    assert offers(html) == [(Decimal("42.50"), "GBP", Availability.UNKNOWN)]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<link itemprop="availability" href="https://schema.org/OutOfStock">',
            Availability.OUT_OF_STOCK,
        ),
        ('<meta itemprop="availability" content="InStock">', Availability.IN_STOCK),
        ('<span itemprop="availability">Out of stock</span>', Availability.OUT_OF_STOCK),
        ('<link itemprop="availability" href="http://schema.org/PreOrder">', Availability.IN_STOCK),
    ],
)
def test_availability_from_link_href_content_or_text(markup, expected):
    html = f"""<div itemscope itemtype="https://schema.org/Offer">
      <meta itemprop="price" content="10">{markup}</div>"""
    assert offers(html)[0][2] == expected


def test_itemref_pulls_properties_from_referenced_elements():
    html = """
    <div itemscope itemtype="http://schema.org/Product" itemref="offer-part missing">
      <span itemprop="name">Anvil</span></div>
    <div id="offer-part">
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer" itemref="price-part">
        <meta itemprop="priceCurrency" content="USD"></div>
    </div>
    <p id="price-part">Now <span itemprop="price">119.99</span>
       <link itemprop="availability" href="http://schema.org/InStock"></p>"""
    assert offers(html) == [(Decimal("119.99"), "USD", Availability.IN_STOCK)]


def test_stray_price_outside_any_item_uses_sibling_currency():
    html = """<div class="buy-box"><span itemprop="price">24.95</span>
      <meta itemprop="priceCurrency" content="CAD"></div>"""
    assert offers(html) == [(Decimal("24.95"), "CAD", Availability.UNKNOWN)]


def test_stray_price_takes_the_pages_only_currency():
    html = """<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">A</span>
      <div class="box"><meta itemprop="priceCurrency" content="SEK"></div></div>
      <p>Pris: <span itemprop="price">199</span></p>"""
    assert offers(html) == [(Decimal("199"), "SEK", Availability.UNKNOWN)]


def test_product_with_price_directly_is_read():
    html = """<div itemscope itemtype="http://data-vocabulary.org/Product">
      <span itemprop="price">$12.00</span></div>"""
    assert offers(html) == [(Decimal("12.00"), "USD", Availability.UNKNOWN)]


def test_aggregate_offer_uses_low_price():
    html = """<div itemscope itemtype="http://schema.org/Product">
      <div itemprop="offers" itemscope itemtype="http://schema.org/AggregateOffer">
        <meta itemprop="lowPrice" content="5.29"><meta itemprop="highPrice" content="9.56">
        <meta itemprop="priceCurrency" content="GBP"></div></div>"""
    assert offers(html) == [(Decimal("5.29"), "GBP", Availability.UNKNOWN)]


def test_concrete_offers_beside_an_aggregate_replace_its_range():
    html = """<div itemscope itemtype="http://schema.org/Product">
      <p itemprop="offers" itemscope itemtype="http://schema.org/AggregateOffer">
        <meta itemprop="lowPrice" content="1.00"><meta itemprop="priceCurrency" content="GBP"></p>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
        <meta itemprop="sku" content="A"><meta itemprop="price" content="9.56">
        <meta itemprop="priceCurrency" content="GBP"></div>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
        <meta itemprop="sku" content="B"><meta itemprop="price" content="5.29">
        <meta itemprop="priceCurrency" content="GBP"></div></div>"""
    candidates = microdata.candidates(parse_html(html))
    assert [(c.price, c.sku) for c in candidates] == [
        (Decimal("9.56"), "A"),
        (Decimal("5.29"), "B"),
    ]
    assert choose_offer(candidates).ambiguous


def test_price_specification_gives_the_selling_price_not_the_list_price():
    html = """<div itemscope itemtype="https://schema.org/Offer">
      <div itemprop="priceSpecification" itemscope itemtype="https://schema.org/UnitPriceSpecification">
        <meta itemprop="priceType" content="https://schema.org/ListPrice">
        <meta itemprop="price" content="30"></div>
      <div itemprop="priceSpecification" itemscope itemtype="https://schema.org/UnitPriceSpecification">
        <meta itemprop="price" content="25"><meta itemprop="priceCurrency" content="EUR"></div>
    </div>"""
    assert offers(html) == [(Decimal("25"), "EUR", Availability.UNKNOWN)]


def test_offers_of_related_products_and_reviews_are_ignored():
    html = PRODUCT.replace(
        "</div>\n</div>",
        """</div>
        <div itemprop="isRelatedTo" itemscope itemtype="http://schema.org/Product">
          <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
            <span itemprop="price">5.00</span></div></div>
        <div itemprop="review" itemscope itemtype="http://schema.org/Review">
          <span itemprop="price">7.00</span></div>
        </div>""",
    )
    assert offers(html) == [(Decimal("119.99"), "USD", Availability.IN_STOCK)]


@pytest.mark.parametrize("price", ["0", "0.00", "-3", "", "call us"])
def test_zero_negative_and_missing_prices_are_skipped(price):
    html = f'<p itemscope itemtype="https://schema.org/Offer"><i itemprop=price content="{price}">'
    assert offers(html) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [('<span itemprop="price">1</span>', True), ("<meta itemprop='lowPrice' content=1>", True),
     ("<span itemprop=price>1</span>", True), ('<b itemprop="name price">1</b>', True),
     ('<meta itemprop="priceCurrency" content="USD">', False),
     ('<span class="price">1</span>', False), ('<i itemprop="priceValidUntil">', False)],
)  # fmt: skip
def test_may_contain_detects_a_price_property(html, expected):
    assert microdata.may_contain(html) is expected


@settings(max_examples=150, deadline=None)
@given(
    st.text() | mutated(PRODUCT) | mutated('<p itemscope itemref="a b"><i id=a itemprop=price>1')
)
def test_random_and_mutated_pages_never_raise_and_give_valid_candidates(html):
    assert_valid_candidates(microdata.candidates(parse_html(html)))
    microdata.may_contain(html)


def test_itemref_cycles_do_not_loop():
    html = """<div id="a" itemscope itemref="b"><span itemprop="price">3</span></div>
              <div id="b" itemscope itemprop="offers" itemref="a"></div>"""
    assert offers(html)[0][0] == Decimal("3")


def _tile(name, price):
    return (
        f'<li class="product"><div itemscope itemtype="https://schema.org/Product">'
        f'<h2 itemprop="name">{name}</h2><div itemprop="offers" itemscope '
        f'itemtype="https://schema.org/Offer"><span itemprop="price" content="{price}">'
        f'{price} €</span><meta itemprop="priceCurrency" content="EUR"></div></div></li>'
    )


@pytest.mark.parametrize(
    "block",
    [
        '<section class="related products"><h2>Gerelateerde producten</h2><ul>{}</ul></section>',
        '<div id="upsellSlider"><ul>{}</ul></div>',
        '<div class="block crosssell"><ul>{}</ul></div>',
        '<div class="zubehoerliste"><ul>{}</ul></div>',
        '<div id="alsoboughtproducts"><ul>{}</ul></div>',
    ],
    ids=["woocommerce-related", "camel-case-id", "crosssell", "zubehoer-stem", "alsobought-stem"],
)
def test_items_in_a_block_of_other_products_are_not_the_pages(block):
    tiles = _tile("Sokkengaren Zee", "22.50") + _tile("Breinaalden", "9.95")
    own = "<h1>Sokkengaren Heide</h1><p>€ 24,95</p>"
    html = f"<html><body>{own}{block.format(tiles)}</body></html>"

    assert microdata.read(parse_html(html)).candidates == []


def test_a_page_wrapper_named_for_recommendations_that_holds_the_title_is_the_pages_own():
    html = (
        '<html><body><div class="product-page recommendations-visible">'
        '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<meta itemprop="price" content="49.90"><meta itemprop="priceCurrency" content="EUR">'
        "</div></div></div></body></html>"
    )

    [candidate] = microdata.read(parse_html(html)).candidates
    assert (candidate.price, candidate.currency) == (Decimal("49.90"), "EUR")


def _linked_tile(name, price, text):
    return (
        f'<div class="item" itemscope itemtype="https://schema.org/Product">'
        f'<a href="/p/{price}"><span itemprop="name">{name}</span></a>'
        f'<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        f'<meta itemprop="price" content="{price}"><span>{text}</span>'
        f'<meta itemprop="priceCurrency" content="EUR"></div></div>'
    )


@pytest.mark.parametrize(
    ("own", "tiles"),
    [
        # The page's product declared without a price (on request), accessories beneath.
        (
            '<div itemscope itemtype="https://schema.org/Product" itemprop="mainEntity">'
            '<h1 itemprop="name">Flügel Modell B</h1><div itemprop="offers" itemscope '
            'itemtype="https://schema.org/Offer"><meta itemprop="priceCurrency" '
            'content="EUR"></div><p>Preis auf Anfrage</p></div>',
            [
                ("Klavierbank", "389.00", "389,00 €"),
                ("Pianolampe", "129.00", "129,00 €"),
                ("Pflegeset", "24.50", "24,50 €"),
            ],
        ),
        # A discontinued product with no microdata of its own, alternatives beside it.
        (
            "<h1>Tlakový hrnec Ultima 6 l</h1><p>Již se neprodává</p>",
            [
                ("Hrnec 4 l", "1890.00", "1 890 Kč"),
                ("Hrnec 8 l", "2490.00", "2 490 Kč"),
                ("Hrnec 10 l", "12990.00", "12 990 Kč"),
            ],
        ),
    ],
    ids=["de-price-on-request", "cs-discontinued"],
)
def test_items_of_a_grid_of_linked_priced_tiles_are_not_the_pages(own, tiles):
    # No class or heading names the grid: its tiles' shape tells.
    grid = "".join(_linked_tile(*tile) for tile in tiles)
    html = f'<html><body>{own}<div class="list">{grid}</div></body></html>'

    assert microdata.read(parse_html(html)).candidates == []


def test_a_lone_product_block_that_links_elsewhere_is_the_pages_own():
    # A block with no siblings like it is no grid, whatever it links to.
    html = (
        "<html><body><h1>Kettle</h1>"
        + _linked_tile("Kettle", "49.90", "49,90 €")
        + "<div><p>Other</p></div></body></html>"
    )

    [candidate] = microdata.read(parse_html(html)).candidates
    assert candidate.price == Decimal("49.90")
