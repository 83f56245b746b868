import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from variant_pickers import variant_list

from contracts.catalog import Availability
from extraction.heuristic import DEFAULT_MIN_CONFIDENCE, VisiblePage, find_visible_price
from extraction.markup import parse_html

TITLE = "Acme Steel Kettle 1.7 L"


def product_page(buy_box: str, before: str = "", after: str = "", title: str = TITLE) -> str:
    """A product page: site header, title, `buy_box`, an add-to-cart form, then `after`."""
    return f"""<!doctype html><html><head><title>{title} | Acme Store</title>
<script>var price = "$1.00"; window.dataLayer = {{"price": 2.00}};</script>
<style>.price:before {{ content: "$"; }}</style></head>
<body>
<header class="site-header"><nav><a href="/cart">Cart ($0.00)</a></nav>
<div class="promo-banner">Free shipping on orders over $35</div></header>
{before}
<main class="product-detail">
  <div class="breadcrumbs"><a href="/">Home</a> / <a href="/kitchen">Kitchen</a></div>
  <h1 class="product-title">{title}</h1>
  <div class="rating">4.5 out of 5 stars (128 reviews)</div>
  <div class="buy-box">
    {buy_box}
    <form action="/cart/add" method="post">
      <label>Qty <input name="qty" value="1"></label>
      <button type="submit" class="btn btn-primary" id="add-to-cart">Add to cart</button>
    </form>
  </div>
  <div class="description"><p>Boils 1.7 litres in three minutes. Dishwasher safe lid.</p></div>
</main>
{after}
<footer class="site-footer"><p>Gift cards from $10.00</p></footer>
</body></html>"""


RELATED_PRODUCTS = """
<section class="related-products carousel">
  <h2>Customers also bought</h2>
  <div class="product-card"><a href="/p/2">Acme Toaster</a>
    <span class="price">$19.99</span><button>Add to cart</button></div>
  <div class="product-card"><a href="/p/3">Acme Mug</a>
    <span class="price">$7.50</span><button>Add to cart</button></div>
</section>
"""


def visible_price(markup: str):
    return find_visible_price(parse_html(markup), "https://shop.example/p/1")


def test_price_beside_title_and_cart_wins_over_related_product_cards():
    markup = product_page(
        '<span class="product-price">$34.99</span>',
        before=RELATED_PRODUCTS,  # decoys earlier in the document than the real price
        after=RELATED_PRODUCTS,
    )

    offer = visible_price(markup)

    assert offer is not None
    assert offer.price == Decimal("34.99")
    assert offer.currency == "USD"
    assert offer.source == "heuristic"
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE
    assert not offer.ambiguous


def test_a_long_list_of_recommended_products_does_not_outvote_the_main_price():
    cards = "".join(
        f'<div class="product-card"><a href="/p/{n}">Item {n}</a>'
        f'<span class="price">${n}.99</span></div>'
        for n in range(1, 120)
    )
    markup = product_page(
        '<span class="product-price">$34.99</span>',
        after=f'<section class="recommendations">{cards}</section>',
    )

    offer = visible_price(markup)

    assert offer is not None
    assert offer.price == Decimal("34.99")
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE


def test_plain_price_text_without_price_markup_is_found_next_to_the_title():
    offer = visible_price(product_page('<div><span class="big bold">$149.00</span></div>'))

    assert offer is not None
    assert offer.price == Decimal("149.00")


@pytest.mark.parametrize(
    "buy_box",
    [
        '<span class="price"><del>$59.99</del> <ins>$44.99</ins></span>',
        '<s class="price">$59.99</s> <span class="price">$44.99</span>',
        '<span class="price was-price">$59.99</span> <span class="price now">$44.99</span>',
        '<p class="old-price"><span class="price">$59.99</span></p>'
        '<p class="special-price"><span class="price">$44.99</span></p>',
        '<span class="price" style="text-decoration: line-through">$59.99</span>'
        '<span class="price">$44.99</span>',
        '<div>List Price: <span class="a-text-strike">$59.99</span></div>'
        '<div>Price: <span id="priceblock_ourprice">$44.99</span></div>',
        '<div class="price-box"><span>Was $59.99</span> <span class="price">$44.99</span></div>',
        '<div class="pricing"><div><span class="label">RRP</span> <span>$59.99</span></div>'
        '<div><span class="sale-price">$44.99</span></div></div>',
        '<span class="price-standard" itemprop="price">59.99</span>'
        '<span class="price-sales" itemprop="price">$44.99</span>',
        '<span class="price"><span class="old-price">$59.99</span> $44.99</span>',
        # "org", original: '<span class="prc-org">599,99 TL</span>' as Trendyol writes it.
        '<div class="with-org-prc"><span class="prc-org">59,99 TL</span>'
        '<span class="prc-dsc">44,99 TL</span></div>',
        '<div class="preis-org">59,99 €</div><div class="preis">44,99 €</div>',
    ],
)
def test_struck_through_and_was_prices_lose_to_the_current_price(buy_box):
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.price == Decimal("44.99")
    assert Decimal("59.99") not in (offer.price,)


@pytest.mark.parametrize(
    "elsewhere",
    [
        "Vezi 2 oferte resigilate de la <strong>39,99 Lei</strong>",
        "27 ofert od <b>39,99 zł</b>",
        "Weitere Angebote ab <b>39,99 €</b>",
        "Used from <b>$39.99</b>",
        "3 ofertas desde <b>39,99 €</b>",
    ],
)
def test_other_offers_starting_below_the_price_are_not_shown_as_current(elsewhere):
    buy_box = f'<div class="price">44,99 €</div><div class="more-offers">{elsewhere}</div>'
    page = visible_page(product_page(buy_box))

    assert page.offer is not None
    assert page.offer.price == Decimal("44.99")
    assert not page.shows_as_current(Decimal("39.99"))
    assert page.shows_as_current(Decimal("44.99"))


def test_a_recommended_retail_price_labelled_prp_is_a_former_price():
    buy_box = (
        '<p class="product-new-price">2.199,99 Lei</p>'
        '<div><span class="text-muted">PRP: </span>2.699,99 Lei</div>'
    )
    page = visible_page(product_page(buy_box))

    assert page.shown_as_former(Decimal("2699.99"))
    assert page.offer is not None
    assert page.offer.price == Decimal("2199.99")


@pytest.mark.parametrize(
    "buy_box",
    [
        "<p>Was $59.99 Now $44.99</p>",
        "<p>$44.99 was $59.99</p>",
        "<p>statt 59,99 € nur 44,99 €</p>",
        "<p>44,99 € statt 59,99 €</p>",
        "<p>UVP 59,99 EUR 44,99 EUR</p>",
    ],
)
def test_a_former_price_in_the_same_text_as_the_current_one_loses_to_it(buy_box):
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.price == Decimal("44.99")


@pytest.mark.parametrize(
    "decoy",
    [
        '<div class="shipping-cost">Shipping: $5.99</div>',
        "<p>Delivery $4.95</p>",
        '<p class="installments">or 4 interest-free payments of $7.50 with Klarna</p>',
        "<p>As low as $12.50/mo with Affirm</p>",
        '<div class="afterpay">Pay in 4 installments of $7.50</div>',
        '<div class="savings">You save $15.00</div>',
        '<div id="mini-cart"><span class="subtotal">Subtotal: $0.00</span></div>',
        '<span class="price">$12.50</span><span class="term">/mo</span>',
        '<p class="price-match">We match any competitor\'s advertised price within 14 days'
        " of purchase, refunding up to $500 of the difference.</p>",
        '<a href="/price-guarantee" class="link">$1 price guarantee</a>',
    ],
)
def test_shipping_instalment_saving_and_cart_amounts_are_not_the_price(decoy):
    offer = visible_price(product_page(f'<span class="price">$30.00</span>{decoy}'))

    assert offer is not None
    assert offer.price == Decimal("30.00")


def test_amazon_price_split_in_whole_and_fraction_parts_is_read_whole():
    buy_box = """
    <div id="corePrice_feature_div">
      <span class="a-price aok-align-center" data-a-size="xl">
        <span class="a-offscreen">$29.99</span>
        <span aria-hidden="true"><span class="a-price-symbol">$</span><span
          class="a-price-whole">29<span class="a-price-decimal">.</span></span><span
          class="a-price-fraction">99</span></span>
      </span>
    </div>"""

    offer = visible_price(product_page(buy_box, after=RELATED_PRODUCTS))

    assert offer is not None
    assert offer.price == Decimal("29.99")
    assert offer.currency == "USD"
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE


@pytest.mark.parametrize(
    ("buy_box", "price"),
    [
        (
            '<span class="price">$<span class="dollars">31</span><span class="cents">57</span>'
            "</span>",
            "31.57",
        ),
        ('<li class="price-current">$<strong>339</strong><sup>.99</sup></li>', "339.99"),
        ('<span class="price"><sup>$</sup>19<sup>95</sup></span>', "19.95"),
        # Cents in a superscript after a whole part grouped by dots or commas.
        ('<p class="product-new-price">2.199<sup>99</sup> <span>Lei</span></p>', "2199.99"),
        ('<div class="preis">1.049<sup>00</sup> €</div>', "1049.00"),
        ('<div class="price">$1,299<sup>95</sup></div>', "1299.95"),
        ('<div class="price">24<sup>90</sup> €</div>', "24.90"),
    ],
)
def test_prices_split_over_inline_elements_are_rejoined(buy_box, price):
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.price == Decimal(price)


@pytest.mark.parametrize(
    ("buy_box", "price"),
    [
        ('<span class="pdp-price">599,<span class="price__decimals">90€</span></span>', "599.90"),
        ('<div class="price">49,<span class="cents">99 €</span></div>', "49.99"),
        ('<div class="price">1.249,<sup class="price-cents">00 €</sup></div>', "1249.00"),
    ],
)
def test_cents_with_the_sign_after_the_whole_part_are_no_price_of_their_own(buy_box, price):
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert (offer.price, offer.ambiguous, offer.alternatives) == (Decimal(price), False, ())


def test_currency_symbol_in_its_own_element_is_the_prices_currency():
    buy_box = (
        '<span class="currency-symbol">£</span><span class="amount" itemprop="price">1.90</span>'
    )

    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("1.90"), "GBP")


def test_hidden_part_of_a_price_element_is_not_read():
    offer = visible_price(
        product_page('<span class="price">$30.00<span hidden>$99.00</span></span>')
    )

    assert offer is not None
    assert offer.price == Decimal("30.00")


def test_product_name_stands_in_for_a_missing_h1():
    markup = product_page('<span class="sale">$22.00</span>', before=RELATED_PRODUCTS)
    markup = markup.replace('<h1 class="product-title">', '<div class="product-name">')
    markup = markup.replace("</h1>", "</div>")

    offer = visible_price(markup)

    assert offer is not None
    assert offer.price == Decimal("22.00")


def test_page_without_any_price_gives_no_offer():
    markup = product_page('<p class="availability">Call us for a quote.</p>').replace(
        "Cart ($0.00)", "Cart"
    )
    markup = markup.replace("Free shipping on orders over $35", "Free shipping")
    markup = markup.replace("Gift cards from $10.00", "Gift cards")

    assert visible_price(markup) is None
    assert visible_price("") is None
    assert visible_price("<html><body><p>Hello</p></body></html>") is None


def test_prices_in_scripts_hidden_elements_and_option_lists_are_not_shown_prices():
    buy_box = """
    <span class="price" style="display:none">$99.00</span>
    <span class="price hidden">$98.00</span>
    <template><span class="price">$97.00</span></template>
    <select name="size"><option>Small - $10.00</option><option>Large - $20.00</option></select>
    <noscript><span class="price">$96.00</span></noscript>
    <script>document.write('<span class="price">$95.00</span>')</script>
    <span class="price">$12.00</span>"""

    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.price == Decimal("12.00")


def test_two_equally_plausible_different_prices_are_ambiguous_and_not_trusted():
    buy_box = """
    <div class="variant"><span class="price">$40.00</span> 1 litre</div>
    <div class="variant"><span class="price">$45.00</span> 1.7 litre</div>"""

    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.ambiguous
    assert offer.confidence < DEFAULT_MIN_CONFIDENCE
    assert {offer.price, *offer.alternatives} >= {Decimal("40.00"), Decimal("45.00")}


def test_related_product_prices_are_listed_as_alternatives_of_a_clear_winner():
    offer = visible_price(
        product_page('<span class="product-price">$34.99</span>', after=RELATED_PRODUCTS)
    )

    assert offer is not None
    assert offer.price not in offer.alternatives


@pytest.mark.parametrize(
    ("text", "price", "currency"),
    [
        ("1.299,00 €", "1299.00", "EUR"),
        ("£24.50", "24.50", "GBP"),
        ("CHF 89.90", "89.90", "CHF"),
        ("&euro;15,95", "15.95", "EUR"),
        ("US $649.99", "649.99", "USD"),
    ],
)
def test_currency_is_read_from_the_price_text(text, price, currency):
    offer = visible_price(product_page(f'<span class="price">{text}</span>'))

    assert offer is not None
    assert offer.price == Decimal(price)
    assert offer.currency == currency


@pytest.mark.parametrize(
    ("status_markup", "availability"),
    [
        ('<p class="stock">In stock.</p>', Availability.IN_STOCK),
        ('<p class="stock">Availability: In Stock - ships in 2 days</p>', Availability.IN_STOCK),
        ('<p class="stock">Out of stock</p>', Availability.OUT_OF_STOCK),
        ("<strong>Currently unavailable.</strong>", Availability.OUT_OF_STOCK),
        ("<span>Sold out</span>", Availability.OUT_OF_STOCK),
        ("<p>Ships from our warehouse.</p>", Availability.UNKNOWN),
        # Sentences that mention stock are not a status; hidden messages are not shown.
        ("<p>Notify me when this item is back in stock</p>", Availability.UNKNOWN),
        ('<p class="stock" style="display:none">Out of stock</p>', Availability.UNKNOWN),
        # A sold-out size beside an in-stock product says nothing for sure.
        ("<p>In stock</p><ul><li>S</li><li>M <em>Sold out</em></li></ul>", Availability.UNKNOWN),
    ],
)
def test_availability_is_read_from_a_stock_status_near_the_buy_box(status_markup, availability):
    offer = visible_price(product_page(f'<span class="price">$30.00</span>{status_markup}'))

    assert offer is not None
    assert offer.availability == availability


def test_stock_status_of_a_far_away_product_is_not_this_products():
    far_away = "".join(f"<div><span>row {n}</span></div>" for n in range(200))
    offer = visible_price(
        product_page('<span class="price">$30.00</span>', after=f"{far_away}<p>Out of stock</p>")
    )

    assert offer is not None
    assert offer.availability == Availability.UNKNOWN


def test_stock_statuses_elsewhere_on_the_page_do_not_crowd_out_the_one_beside_the_price():
    # A listing of hundreds of "In stock" tiles before the product: only what is stated
    # near the price (or the cart) is read, however many statuses come before it.
    tiles = "<div><span>In stock</span></div>" * 300 + "<div><span>row</span></div>" * 200
    offer = visible_price(
        product_page('<span class="price">$30.00</span><p>Sold out</p>', before=tiles)
    )

    assert offer is not None
    assert offer.availability == Availability.OUT_OF_STOCK


def test_page_with_a_single_clear_price_is_trusted():
    offer = visible_price(product_page('<span id="our-price" class="price">$34.99</span>'))

    assert offer is not None
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE
    assert 0.0 <= DEFAULT_MIN_CONFIDENCE <= 1.0


def test_deeply_nested_and_very_wide_pages_do_not_raise():
    deep = "<div>" * 20_000 + '<span class="price">$5.00</span>' + "</div>" * 20_000
    wide = "<div>" + "<span>x</span>" * 20_000 + '<span class="price">$6.00</span></div>'

    deep_offer = visible_price(deep)
    wide_offer = visible_price(wide)

    assert deep_offer is None or deep_offer.price == Decimal("5.00")
    assert wide_offer is None or wide_offer.price == Decimal("6.00")


def assert_sane(offer):
    if offer is None:
        return
    assert 0.0 <= offer.confidence <= 1.0
    assert not math.isnan(offer.confidence)
    assert offer.price.is_finite()
    assert offer.price >= 0
    assert offer.source == "heuristic"
    assert offer.availability in set(Availability)
    assert offer.price not in offer.alternatives
    assert all(alternative.is_finite() for alternative in offer.alternatives)


MARKUP_PIECES = st.sampled_from(
    [
        "<div>", "</div>", "<span>", "</span>", '<span class="price">', '<p class="was">',
        "<del>", "</del>", "<sup>", "</sup>", "<h1>", "</h1>", "<button>Add to cart</button>",
        '<div class="related carousel">', '<div style="display:none">', "<select><option>",
        "<script>", "</script>", "<table><tr><td>", "</td></tr></table>", "<!--", "-->",
        "$", "€", "£", "19", "99", ".", ",", " ", "In stock", "Out of stock", "Was", "/mo",
        "&euro;", "&#36;", "1,299.00", "0", "-", "9" * 30, "<br>", "<a href='/cart'>",
        '<span class="a-price-whole">', '<span class="a-price-fraction">', "<img src=x>",
        '<div hidden>', "<s>", "</s>", "<strike>", "<li>", "</li>", "\u00a0", "%",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKUP_PIECES, max_size=80).map("".join))
def test_random_markup_never_raises_and_gives_none_or_a_sane_offer(markup):
    assert_sane(visible_price(markup))


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300),
    st.integers(min_value=0, max_value=4000),
    st.integers(min_value=0, max_value=200),
)
def test_mutated_product_page_never_raises(noise, position, cut):
    page = product_page(
        '<span class="price">$34.99</span><span class="was">$40.00</span>',
        after=RELATED_PRODUCTS,
    )
    position %= len(page)
    mutated = page[:position] + noise + page[position + cut :]

    assert_sane(visible_price(mutated))


def visible_page(markup: str) -> VisiblePage:
    return VisiblePage(parse_html(markup), "https://shop.example/p/1")


@pytest.mark.parametrize(
    "buy_box",
    [
        '<span class="price">$79.99</span> <del>$129.99</del>',
        '<span class="price">$79.99</span> <s class="price">$129.99</s>',
        '<span class="price">$79.99</span> <span class="price-old">$129.99</span>',
        '<span class="price">$79.99</span> <span style="text-decoration: line-through">'
        "$129.99</span>",
        '<p class="price">$79.99 <span class="was-label">Was</span> <span>$129.99</span></p>',
        '<div class="preis"><span>89,00 €</span> <span>UVP 129,99 €</span></div>',
        '<div class="prix"><span>89,00 €</span> <span>Prix barré : 129,99 €</span></div>',
        '<span class="price"><span class="strikethrough">$129.</span>'
        '<span class="strikethrough">99</span></span> <span class="price">$79.99</span>',
    ],
)
def test_an_amount_shown_only_struck_or_labelled_former_is_shown_as_former(buy_box):
    page = visible_page(product_page(buy_box))
    assert page.shown_as_former(Decimal("129.99"))
    assert not page.shown_as_former(Decimal("79.99"))
    assert not page.shown_as_former(Decimal("89.00"))


def test_an_amount_also_shown_as_a_current_price_is_not_shown_as_former():
    page = visible_page(
        product_page(
            '<span class="price">$79.99</span> <del>$129.99</del>',
            after='<div class="sticky-bar"><span class="price">$129.99</span></div>',
        )
    )
    assert not page.shown_as_former(Decimal("129.99"))


def test_an_amount_shown_current_only_by_another_products_block_is_shown_as_former():
    page = visible_page(
        product_page(
            '<span class="price">$79.99</span> <del>$129.99</del>',
            after='<div class="shop-the-look"><span class="price">$129.99</span></div>',
        )
    )
    assert page.shown_as_former(Decimal("129.99"))


def test_an_amount_the_page_never_shows_is_not_shown_as_former():
    page = visible_page(product_page('<span class="price">$79.99</span> <del>$129.99</del>'))
    assert not page.shown_as_former(Decimal("99.00"))


@pytest.mark.parametrize(
    ("buy_box", "amount"),
    [
        ('<span class="price">$26<sup>50</sup></span>', "26.50"),
        ('<span class="price">1.299,00 €</span>', "1299.00"),
        ("<p>Unser Preis: 1 299 €</p>", "1299"),
        ("<p>Prix : <b>26,50</b> <b>€</b></p>", "26.50"),  # the marker beside it
        ("<strong><button>CHF 1’299.–</button></strong>", "1299"),
        ("<p hidden>Preis 26,50 €</p>", "26.50"),
    ],
)
def test_an_amount_shown_with_a_currency_or_named_a_price_is_shown_as_a_price(buy_box, amount):
    assert visible_page(product_page(buy_box)).shows_as_price(Decimal(amount))


@pytest.mark.parametrize(
    ("buy_box", "amount"),
    [
        ("<p>Prix au kilo : 26,50</p>", "26.50"),  # a bare number
        ("<p>Nur noch 1 verfügbar</p>", "1.00"),
        ('<span class="price" data-price="26.50">$94.00</span>', "26.50"),
        ('<script>var price = "26,50 €";</script>', "26.50"),
    ],
)
def test_a_bare_number_or_an_amount_in_scripts_or_attributes_is_not_shown_as_a_price(
    buy_box, amount
):
    assert not visible_page(product_page(buy_box)).shows_as_price(Decimal(amount))


def test_the_visible_page_offer_is_the_visible_price():
    markup = product_page('<span class="product-price">$34.99</span>')
    assert visible_page(markup).offer == visible_price(markup)


def test_a_buy_button_named_only_by_its_text_is_the_cart_beside_the_price():
    def offer_beside(button: str):
        page = f'<html><body><h1>Kettle</h1><span class="price">$44.99</span>{button}</body></html>'
        return visible_price(page)

    with_cart = offer_beside('<button type="submit">Add to cart</button>')
    without = offer_beside('<button type="button">Share</button>')

    assert with_cart is not None
    assert without is not None
    assert with_cart.price == without.price == Decimal("44.99")
    assert with_cart.confidence > without.confidence  # the cart beside it makes it surer


@pytest.mark.parametrize(
    ("buy_box", "price", "currency"),
    [
        ("<span>1 299</span> <span>Kč</span>", "1299", "CZK"),
        ('<span class="amount">1 299</span> <span class="symbol">€</span>', "1299", "EUR"),
        ("<div>129,<span>99</span> zł</div>", "129.99", "PLN"),
        (
            '<div class="c-price"><span class="c-price__number">192,</span>\n'
            '  <span class="c-price__decimal">32</span>\n  <span class="c-price__currency">€</span>'
            "</div>",
            "192.32",
            "EUR",
        ),
        # Cents set small after their sign, in an element named no price in English.
        ('<div class="prix">329<sup>€99</sup></div>', "329.99", "EUR"),
        ("<p>12<small>€90</small></p>", "12.90", "EUR"),
    ],
    ids=[
        "word-beside",
        "symbol-beside",
        "word-after-cents",
        "spaced-decimal-part",
        "fr-sup-cents",
        "small-cents-unnamed",
    ],
)
def test_a_price_split_from_its_currency_or_its_cents_is_read_whole(buy_box, price, currency):
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal(price), currency)


def test_a_class_saying_what_a_price_box_holds_does_not_make_its_price_a_former_one():
    buy_box = (
        '<span class="list-price-wrapper"><span class="list-price">49,95 €</span></span>'
        '<p class="product-detail-price with-list-price">39,95 €</p>'
    )
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert offer.price == Decimal("39.95")


@pytest.mark.parametrize(
    "wrapper",
    ['class="prices-add-to-cart-actions"', 'id="AddToBasketArea"', 'class="add_to_bag-box"'],
)
def test_a_buy_box_named_for_its_add_to_cart_controls_is_no_cart(wrapper):
    # Salesforce's "prices-add-to-cart-actions" holds the price and the buy button.
    def offer_within(attributes: str):
        price = '<div class="prices"><span class="sales">€442.50</span></div>'
        box = f"<div {attributes}>{price}</div>"
        return visible_price(product_page(box))

    named_for_cart_controls = offer_within(wrapper)
    neutral = offer_within('class="purchase-area"')
    in_a_cart = offer_within('class="mini-cart-summary"')

    assert named_for_cart_controls is not None
    assert neutral is not None
    assert named_for_cart_controls.price == Decimal("442.50")
    assert named_for_cart_controls.confidence == neutral.confidence >= DEFAULT_MIN_CONFIDENCE
    assert in_a_cart is None or in_a_cart.confidence < neutral.confidence


@pytest.mark.parametrize(
    "selected_marker",
    [
        "is-selected",
        "variantSelected",
        "active",
        'aria-current="true"',
        'aria-checked="true"',
        "checked",
    ],
)
def test_the_selected_variants_price_wins_over_the_other_options(selected_marker):
    offer = visible_price(product_page(variant_list(selected_marker)))

    assert offer is not None
    assert (offer.price, offer.ambiguous) == (Decimal("19.90"), False)


def test_a_picker_that_marks_no_option_selected_says_nothing_of_its_prices():
    page = visible_page(product_page(variant_list("")))
    assert page.shows_as_current(Decimal("12.90"))
    assert page.shows_as_current(Decimal("19.90"))


def test_an_unselected_options_price_is_not_shown_as_current():
    page = visible_page(product_page(variant_list('aria-checked="true"')))
    assert not page.shows_as_current(Decimal("12.90"))
    assert page.shows_as_current(Decimal("19.90"))


@pytest.mark.parametrize(
    "unit_price",
    [
        "6 598,00 zł / 1 l",
        "39,80 € / 1 kg",
        "3,98 € / 100 ml",
        "$1.25 / 100 g",
        "199,00 ₽ / 1 шт",
    ],
)
def test_a_unit_price_per_a_quantity_of_a_unit_is_no_main_price(unit_price):
    buy_box = (
        '<div class="product-price">19,90 €</div>'
        f'<div class="product-price unit">{unit_price}</div>'
    )
    offer = visible_price(product_page(buy_box))

    assert offer is not None
    assert (offer.price, offer.ambiguous) == (Decimal("19.90"), False)


def test_a_buy_box_named_like_a_cart_that_holds_the_title_is_no_cart():
    tiles = "".join(
        f'<li class="card"><a href="/p/{n}">Leash {n}</a>'
        f'<span class="sr-only">Sale Price ${amount}</span></li>'
        for n, amount in enumerate(("38.00", "46.75"))
    )
    page = f"""<html><head><title>Leather collar | Shop</title></head><body>
    <div id="listing-page-cart" class="listing-page-cart">
      <p class="text-title"><span class="sr-only">Sale Price:</span>$42.50</p>
      <h1>Leather collar</h1><button>Add to cart</button></div>
    <ul class="grid">{tiles}</ul></body></html>"""
    offer = visible_price(page)

    assert offer is not None
    assert offer.price == Decimal("42.50")


@pytest.mark.parametrize("lang_class", ["price-list", "price_list", "priceList"])
def test_a_list_of_prices_is_no_list_price(lang_class):
    buy_box = (
        f'<price-list class="{lang_class}"><sale-price class="text-on-sale">'
        '<span class="sr-only">Angebotspreis</span>€24,00</sale-price>'
        '<compare-at-price class="line-through">€32,00</compare-at-price></price-list>'
    )
    page = visible_page(product_page(buy_box))

    assert page.shows_as_current(Decimal("24.00"))
    assert not page.shows_as_current(Decimal("32.00"))


@pytest.mark.parametrize(
    "promotion",
    [
        "Free Expedited Shipping on orders over $49 · Visit our store",
        "Kostenloser Expressversand für alle Bestellungen über 49,00 € in Deutschland",
        "Livraison express offerte pour toute commande supérieure à 49,00 € en France",
    ],
)
def test_a_sentences_amount_on_a_page_without_a_price_of_its_own_is_no_price(
    promotion: str,
) -> None:
    page = (
        f'<html><body><div class="top-bar">{promotion}</div><h1>Camera</h1>'
        "<p>This item has been discontinued.</p></body></html>"
    )
    assert find_visible_price(parse_html(page)) is None


def test_a_price_with_a_few_words_beside_it_is_still_the_price() -> None:
    page = "<html><body><h1>Camera</h1><p>Now $99.00, was $139.99</p></body></html>"
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("99.00")


@pytest.mark.parametrize(
    ("classes", "price", "amount"),
    [
        ("product type-product instock shipping-taxable purchasable", "14,90 €", "14.90"),
        ("product type-product product_cat-zubehoer taxable", "14,90 €", "14.90"),
        ("product type-product product_tag-accessories instock", "$14.90", "14.90"),
        ("post-411 product_cat-related-items status-publish", "14,90 zł", "14.90"),
    ],
)
def test_how_a_product_is_filed_or_taxed_names_nothing_of_its_price(
    classes: str, price: str, amount: str
) -> None:
    # WooCommerce names the product's wrapper by its categories, tags and tax status.
    page = (
        f'<html><body><main><div class="{classes}"><h1>Espresso Milano</h1>'
        f'<div class="summary"><p class="price">{price}</p>'
        "<button>Add to cart</button></div></div></main></body></html>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal(amount)
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE


@pytest.mark.parametrize(
    ("lang", "former", "price", "amount"),
    [
        ("da", "Før 2.799,-", "2.299,-", "2299"),
        ("no", "Før 2.799,-", "2.299,-", "2299"),
        ("de", "statt 49.–", "39.–", "39"),
    ],
)
def test_a_price_in_whole_units_with_a_dash_and_no_marker_is_read(
    lang: str, former: str, price: str, amount: str
) -> None:
    page = (
        f'<html lang="{lang}"><body><h1>Sony WH-1000XM5</h1><div class="buy">'
        f'<div class="pre">{former}</div><span class="site-currency-lg">{price}</span></div>'
        "<button>Læg i kurv</button></body></html>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None, lang
    assert offer.price == Decimal(amount), lang


def test_a_split_prices_currency_is_read_from_its_accessible_name() -> None:
    split = (
        '<div class="price-amount" aria-label="Prijs: €{0},{1}"><span class="int">{0}</span>'
        '<span class="dot">.</span><span class="frac">{1}</span></div>'
    )
    page = (
        '<html lang="nl"><body><h1>Koffie</h1>'
        f'<div class="was">{split.format(6, 99)}</div><div class="now">{split.format(5, 24)}</div>'
        "<button>Leg in mandje</button></body></html>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("5.24"), "EUR")
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE


def test_a_korean_parcel_delivery_cost_is_no_price() -> None:
    page = (
        '<html lang="ko"><body><h1>고구마 5kg</h1><div><span>택배배송</span> <span>3,000원</span>'
        "</div><div><span>29,900</span><span>원</span></div></body></html>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("29900")
