"""Stock status from the page's evidence, and the offer without a price of an out-of-stock
page: structured statements, buy controls enabled or disabled, stated statuses, in the
languages of the vocabulary."""

import json
import re
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stepping_clock import SteppingClock
from untrusted_input import mutated

from contracts.catalog import Availability
from extraction import extract_offer
from extraction.availability import CONFIDENCE_AGREED, CONFIDENCE_ONE, visible_availability
from extraction.budget import Budget, ExtractionTooSlowError
from extraction.markup import parse_html
from extraction.visible import (
    SubstringKeys,
    may_name_buy_action,
    may_name_cart_control,
    names_buy_action,
    names_cart_control,
    offers_restock_notice,
    stated_stock,
)
from extraction.vocabulary import BUY_ACTION_WORDS, BUY_CONTROL, BUY_CONTROL_WORDS

IN, OUT, UNKNOWN = Availability.IN_STOCK, Availability.OUT_OF_STOCK, Availability.UNKNOWN


def page(body="", head="", title="Kettle"):
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def jsonld(data):
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def visible(body):
    evidence = visible_availability(parse_html(page(body)))
    return None if evidence is None else evidence.availability


# --- an out-of-stock page without a price ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<h1>Wasserkocher</h1><p>Leider ausverkauft</p><button disabled>In den Warenkorb</button>",
        '<h1>Bouilloire</h1><div class="stock">Épuisé</div>',
        '<h1>Hervidor</h1><button aria-disabled="true">Añadir al carrito</button>',
        '<h1>Bollitore</h1><input type="submit" value="Aggiungi al carrello" class="btn disabled">',
        '<h1>Czajnik</h1><a href="#" class="btn is-disabled">Dodaj do koszyka</a>',
        "<h1>Waterkoker</h1><p>Tijdelijk uitverkocht</p>",
        '<h1>Kettle</h1><form action="/cart/add">'
        '<button name="add" disabled>Sold out</button></form>',
    ],
    ids=["de", "fr", "es", "it", "pl", "nl", "en-cart-form"],
)
def test_an_out_of_stock_page_without_a_price_is_an_offer_without_one(body):
    offer = extract_offer(page(body))

    assert (offer.price, offer.currency, offer.availability) == (None, None, OUT)
    assert offer.source == "heuristic"
    assert offer.confidence >= CONFIDENCE_ONE
    assert offer.to_dict()["price"] is None


def test_a_disabled_control_and_a_stated_status_agreeing_are_surer_than_either():
    both = extract_offer(page("<h1>K</h1><p>Sold out</p><button disabled>Add to cart</button>"))
    one = extract_offer(page("<h1>K</h1><p>Sold out</p>"))

    assert (both.confidence, one.confidence) == (CONFIDENCE_AGREED, CONFIDENCE_ONE)


@pytest.mark.parametrize(
    ("head", "body", "source"),
    [
        (
            jsonld(
                {
                    "@type": "Product",
                    "name": "Kettle",
                    "offers": {"@type": "Offer", "availability": "https://schema.org/OutOfStock"},
                }
            ),
            "<h1>Kettle</h1>",
            "jsonld",
        ),
        (
            "",
            '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">K</h1>'
            '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            '<link itemprop="availability" href="https://schema.org/OutOfStock"></div></div>',
            "microdata",
        ),
        ('<meta property="product:availability" content="oos">', "<h1>Kettle</h1>", "meta"),
    ],
    ids=["jsonld", "microdata", "meta"],
)
def test_structured_data_stating_out_of_stock_without_a_price_is_an_offer_without_one(
    head, body, source
):
    offer = extract_offer(page(body, head))

    assert (offer.price, offer.availability, offer.source, offer.confidence) == (
        None,
        OUT,
        source,
        1.0,
    )


def test_structured_data_stating_in_stock_outweighs_a_sold_out_label_without_a_price():
    product = {"@type": "Product", "offers": {"@type": "Offer", "availability": "InStock"}}
    assert extract_offer(page("<h1>Kettle</h1><p>Sold out</p>", jsonld(product))) is None


@pytest.mark.parametrize(
    ("lang", "status", "others", "tile"),
    [
        ("pt", "Produto indisponível", "Produtos relacionados", "R$ 2.299,00 ou 10x de R$ 229,90"),
        ("de", "Leider ausverkauft", "Ähnliche Produkte", "2.299,00 €"),
        ("fr", "Épuisé", "Produits similaires", "2 299,00 €"),
        ("es", "Agotado", "Productos similares", "2.299,00 €"),
    ],
)
def test_a_stale_in_stock_offer_on_a_sold_out_page_showing_no_price_has_no_price(
    lang, status, others, tile
):
    # The markup keeps the offer of before; the page shows no price, only the tiles'.
    product = {
        "@type": "Product",
        "name": "Smart TV 55",
        "offers": {"@type": "Offer", "price": "2499.00", "availability": "InStock"},
    }
    body = (
        f'<h1>Smart TV 55</h1><p class="status">{status}</p>'
        f'<h2>{others}</h2><div><h3>Smart TV 50</h3><p class="tile-price">{tile}</p></div>'
    )
    offer = extract_offer(page(body, jsonld(product)).replace("<html>", f'<html lang="{lang}">'))

    assert (offer.price, offer.currency, offer.availability) == (None, None, OUT)


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("<h1>Ноутбук</h1><p>Немає в наявності</p>", None),
        ("<h1>Notebook</h1><p>Derzeit nicht verfügbar</p>", None),
        ("<h1>Notebook</h1>", None),  # the structured status alone says so
        ("<h1>Notebook</h1><p>Ausverkauft</p><p>35.999 €</p>", Decimal("35999")),
        ('<h1>Notebook</h1><p>Épuisé</p><span class="price">35 999</span>', Decimal("35999")),
    ],
)
def test_an_out_of_stock_offer_keeps_its_price_only_where_the_page_shows_it(body, shown):
    product = {
        "@type": "Product",
        "name": "Notebook",
        "offers": {"@type": "Offer", "price": "35999", "availability": "OutOfStock"},
    }
    offer = extract_offer(page(body, jsonld(product)))

    assert (offer.price, offer.availability) == (shown, OUT)


def stale_offer(price, currency, status="InStock"):
    return jsonld(
        {
            "@type": "Product",
            "name": "Telefon",
            "offers": {
                "@type": "Offer",
                "price": price,
                "priceCurrency": currency,
                "availability": f"https://schema.org/{status}",
            },
        }
    )


@pytest.mark.parametrize(
    ("price", "currency", "box"),
    [
        (
            "52999.00",
            "TRY",
            '<div class="prc">52.999,00 TL</div><span class="stock">Stokta yok</span>'
            '<button class="btn-notify">Gelince Haber Ver</button>',
        ),
        (
            "1249000",
            "IDR",
            '<div class="price">Rp1.249.000</div><p>Stok: <b>Habis</b></p>'
            '<button disabled type="button">+ Keranjang</button>'
            '<button type="button">Ingatkan Saya</button>',
        ),
        (
            "89.90",
            "BRL",
            '<span class="label">Esgotado</span><span class="price">R$89,90</span>'
            '<button class="btn" disabled>Comprar</button>',
        ),
        (
            "349.00",
            "EUR",
            '<p class="price">349,00 €</p><p class="availability">Derzeit nicht verfügbar</p>'
            "<button>Benachrichtigen, wenn verfügbar</button>",
        ),
    ],
    ids=["tr-restock-notice", "id-disabled-cart", "pt-status-before-price", "de"],
)
def test_a_stale_in_stock_offer_gives_way_to_a_page_showing_it_sold_out_both_ways(
    price, currency, box
):
    # The shown price is the offer's: only its stock status is stale.
    offer = extract_offer(page(f"<h1>Telefon</h1>{box}", stale_offer(price, currency)))

    assert (offer.price, offer.currency, offer.availability) == (Decimal(price), currency, OUT)


@pytest.mark.parametrize(
    "box",
    [
        # A stated status alone, without the control agreeing: the structured one stands.
        '<p class="price">349,00 €</p><p>Derzeit nicht verfügbar</p>',
        # The control in stock beside it: they disagree.
        '<p class="price">349,00 €</p><p>Ausverkauft</p><button>In den Warenkorb</button>',
        # A size sold out, in the variant picker.
        '<p class="price">349,00 €</p><div class="variant-picker"><label>XL '
        "<span>Ausverkauft</span></label></div><button disabled>In den Warenkorb</button>",
        # Sold out, a tile far from the page's own buy box, beyond the look at the markup.
        '<p class="price">349,00 €</p><button>In den Warenkorb</button>'
        + "<p>Beschreibung des Produkts.</p>" * 300
        + '<div class="tile"><p>Anderes Telefon</p><p>Ausverkauft</p>'
        "<button disabled>Benachrichtigen, wenn verfügbar</button></div>",
    ],
    ids=["statement-alone", "enabled-control", "variant", "far-tile"],
)
def test_a_structured_in_stock_offer_stands_unless_the_page_shows_it_sold_out_both_ways(box):
    offer = extract_offer(page(f"<h1>Telefon</h1>{box}", stale_offer("349.00", "EUR")))

    assert (offer.price, offer.availability) == (Decimal("349.00"), IN)


@pytest.mark.parametrize(
    ("price", "currency", "box"),
    [
        (
            "12999",
            "UAH",
            '<div class="price">12 999 ₴</div><div class="status">Є в наявності</div>'
            '<button class="buy">Купити</button>',
        ),
        (
            "349.00",
            "EUR",
            '<p class="price">349,00 €</p><p class="availability">Auf Lager, sofort '
            "lieferbar</p><button>In den Warenkorb</button>",
        ),
        (
            "49.90",
            "EUR",
            '<span>En stock</span><p class="price">49,90 €</p><button>Añadir al carrito</button>',
        ),
        ("12800", "JPY", "<p>￥12,800</p><span>在庫あり</span><button>カートに入れる</button>"),
    ],
    ids=["uk", "de", "es-status-before-price", "ja"],
)
def test_a_stale_out_of_stock_offer_gives_way_to_a_page_showing_it_in_stock_both_ways(
    price, currency, box
):
    offer = extract_offer(
        page(f"<h1>Telefon</h1>{box}", stale_offer(price, currency, "OutOfStock"))
    )

    assert (offer.price, offer.currency, offer.availability) == (Decimal(price), currency, IN)


@pytest.mark.parametrize(
    "box",
    [
        # A stated status alone, or an enabled control alone: the structured one stands.
        '<p class="price">349,00 €</p><p class="availability">Auf Lager</p>',
        '<p class="price">349,00 €</p><button>In den Warenkorb</button>',
        # A size in stock, in the variant picker, the main control disabled.
        '<p class="price">349,00 €</p><div class="variant-picker"><label>S '
        "<span>Auf Lager</span></label></div><button disabled>In den Warenkorb</button>",
    ],
    ids=["statement-alone", "control-alone", "variant"],
)
def test_a_structured_out_of_stock_offer_stands_unless_the_page_shows_it_in_stock_both_ways(
    box,
):
    offer = extract_offer(
        page(f"<h1>Telefon</h1>{box}", stale_offer("349.00", "EUR", "OutOfStock"))
    )

    assert (offer.price, offer.availability) == (Decimal("349.00"), OUT)


def test_an_in_stock_offer_the_page_renders_by_script_keeps_its_price():
    product = {"@type": "Product", "offers": {"price": "2499.00", "availability": "InStock"}}
    body = '<h1>Smart TV 55</h1><div id="price-app"></div><button>Add to cart</button>'
    offer = extract_offer(page(body, jsonld(product)))

    assert (offer.price, offer.availability) == (Decimal("2499.00"), IN)


@pytest.mark.parametrize(
    "body",
    [
        "<h1>Kettle</h1><p>Opening hours 9 to 17</p>",
        "<h1>Kettle</h1><p>Only 3 left</p><button>Add to cart</button>",  # in stock, no price
        "<h1>Kettle</h1><p>In stock</p><button disabled>Add to cart</button>",  # they disagree
        '<h1>Kettle</h1><div class="related-products"><button disabled>Add to cart</button></div>',
        '<h1>Kettle</h1><p class="hidden">Sold out</p>',
    ],
    ids=["no-evidence", "in-stock", "disagreeing", "another-products-control", "hidden-status"],
)
def test_a_page_without_a_price_and_no_sign_of_being_sold_out_has_no_offer(body):
    assert extract_offer(page(body)) is None


def test_a_captcha_page_is_never_read_as_out_of_stock():
    captcha = page(
        '<form action="/errors/validateCaptcha">Type the characters</form><p>Sold out</p>',
        title="Robot Check",
    )
    assert extract_offer(captcha) is None


def test_the_visible_page_is_read_only_where_the_heuristic_may_be():
    body = "<h1>Kettle</h1><p>Ausverkauft</p><button disabled>In den Warenkorb</button>"
    assert extract_offer(page(body), use_heuristic=False) is None


def test_a_rule_that_finds_no_price_on_a_sold_out_page_gives_an_offer_without_one():
    body = '<div id="product"><h1>Grinder</h1><span class="stock">Sold out</span></div>'
    offer = extract_offer(page(body), rules={"selector": "#product .price", "currency": "EUR"})
    assert (offer.price, offer.availability) == (None, OUT)


# --- buy controls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "control",
    [
        "<button>In den Warenkorb</button>",
        "<button>Ajouter au panier</button>",
        '<input type="submit" value="Añadir al carrito">',
        '<a class="btn" href="/cart?add=1">Aggiungi al carrello</a>',
        "<button>Toevoegen aan winkelwagen</button>",
        "<button>Dodaj do koszyka</button>",
        '<button class="add-to-cart"><span>Buy now</span></button>',
        '<button data-test="add-to-cart-button">カートに追加する</button>',
        "<button>加入購物車</button>",
        '<button type="submit" class="btn">Gebot abgeben</button>',
        '<button class="MuiButton-root">Bieten</button>',
        '<button class="btn btn--primary">Licitálok</button>',
        '<a class="button" href="#bid">Place bid</a>',
    ],
    ids=[
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "pl",
        "en",
        "ja",
        "zh-hant",
        "de-bid",
        "ch-bid",
        "hu-bid",
        "en-bid",
    ],
)
def test_an_enabled_main_buy_control_means_in_stock_and_a_disabled_one_out_of_stock(control):
    disabled = control.replace(">", " disabled>", 1)

    assert visible(f"<h1>Kettle</h1>{control}") == IN
    assert visible(f"<h1>Kettle</h1>{disabled}") == OUT


@pytest.mark.parametrize(
    "control",
    [
        '<button class="btn">Notify me when available</button>',
        '<a href="#notify" class="button">Email me when back in stock</a>',
        "<button>Benachrichtigen, wenn verfügbar</button>",
        "<button>Me prévenir de la disponibilité</button>",
        "<button>Avísame cuando esté disponible</button>",
        "<button>Powiadom o dostępności</button>",
        "<button>入荷お知らせ</button>",
        "<button>Сообщить о поступлении</button>",
        "<button>Gelince Haber Ver</button>",
        "<button>입고 알림 신청</button>",
    ],
    ids=["en", "en-link", "de", "fr", "es", "pl", "ja", "ru", "tr", "ko"],
)
def test_a_restock_notice_in_place_of_the_buy_control_means_out_of_stock(control):
    assert visible(f"<h1>Kettle</h1>{control}") == OUT
    offer = extract_offer(page(f'<h1>Kettle</h1><p class="price">24,90 €</p>{control}'))
    assert offer is not None
    assert (offer.price, offer.availability) == (Decimal("24.90"), OUT)
    # One the page hides until a size is chosen, or a price alert, says nothing.
    hidden = control.replace(">", ' style="display:none">', 1)
    assert visible(f"<h1>Kettle</h1>{hidden}<button>Add to cart</button>") == IN
    assert visible("<h1>Kettle</h1><button>Notify me when the price drops</button>") is None


def test_a_block_that_only_holds_recommendations_is_the_products_own():
    body = '<div class="product has-recommendations"><h1>Kettle</h1><button disabled>Add to cart'
    assert visible(body + "</button></div>") == OUT


def test_only_the_control_nearest_the_title_is_the_main_one():
    body = (
        "<h1>Kettle</h1><button>Add to cart</button>"
        + "<div></div>" * 50
        + "<section><h2>More</h2><button disabled>Add to cart</button></section>"
    )
    assert visible(body) == IN


def test_the_nearest_control_may_come_before_the_title_and_wins_a_tie():
    before = "<button disabled>Add to cart</button><div></div>"  # two elements before
    after = "<div></div><button>Add to cart</button>"  # two after
    assert visible(f"{before}<h1>Kettle</h1><div></div>{after}") == OUT  # nearer
    assert visible(f"{before}<h1>Kettle</h1>{after}") == OUT  # as near: the earlier
    assert visible(f"{before}<div></div><h1>Kettle</h1>{after}") == IN


def test_a_status_beyond_the_reach_of_the_title_and_of_the_control_says_nothing():
    far = "<div></div>" * 100
    assert visible(f"<p>Sold out</p>{far}<h1>Kettle</h1><button>Add to cart</button>") == IN
    assert visible(f"<h1>Kettle</h1>{far}<p>Sold out</p>{far}<button>Add</button>") == IN
    assert visible(f"<h1>Kettle</h1>{far}<button>Add</button><p>Sold out</p>") is None


def test_a_hostile_page_is_read_within_bounds():
    sold_out_far = "<div></div>" * 300 + "<p>Sold out</p>"
    titled = "<h1>Kettle</h1><p>In stock</p>" + sold_out_far
    assert visible("<h1 hidden>Ad</h1>" * 11 + titled) == IN  # the title: the first shown h1
    assert visible("<h1 hidden>Ad</h1>" * 12 + titled) is None  # no title among the first 12
    controls = "<h1>Kettle</h1>" + '<button class="hidden">Add to cart</button>' * 199
    assert visible(controls + "<button>Add to cart</button>") == IN
    assert visible(controls + "<button hidden>Add</button><button>Add to cart</button>") is None
    statuses = "<p>In stock</p>" * 200  # the statuses read: the first 200
    assert visible(statuses + "<p>Sold out</p>") == IN


@pytest.mark.parametrize(
    "body",
    [
        '<header><a href="/cart">Warenkorb</a></header><h1>Kettle</h1>',
        '<header><button class="minicart">Warenkorb (2)</button></header><h1>Kettle</h1>',
        '<h1>Kettle</h1><input type="hidden" name="add-to-cart" value="123">',
        "<h1>Kettle</h1><footer><button disabled>Add to cart</button></footer>",
        '<h1>Kettle</h1><div class="recommendations"><button disabled>Add to cart</button></div>',
    ],
    ids=["cart-link", "cart-button", "hidden-input", "footer", "recommendations"],
)
def test_controls_of_the_site_or_of_other_products_say_nothing(body):
    assert visible(body) is None


def test_the_page_is_read_only_as_far_as_it_can_change_the_reading():
    # Past the title, the control nearest it and that control's reach, no control is
    # nearer and no status is about either: a long page after them costs nothing more.
    tail = "<div><p>Sold out</p></div>" + "<div>More</div>" * 20_000
    read = parse_html(
        page("<h1>Kettle</h1><button>Add to cart</button>" + "<div></div>" * 90 + tail)
    )
    evidence = visible_availability(read, Budget(5, clock=SteppingClock()))
    assert (evidence.availability, evidence.confidence) == (IN, CONFIDENCE_ONE)
    # Without a control, a status anywhere may be the page's: all of it is read.
    unanchored = parse_html(page("<h1>Kettle</h1>" + "<div></div>" * 90 + tail))
    with pytest.raises(ExtractionTooSlowError):
        visible_availability(unanchored, Budget(5, clock=SteppingClock()))


@pytest.mark.parametrize(
    "body",
    [
        "<h1>Shirt</h1><p>In stock</p><button disabled>Add to bag</button>",
        # Magento renders its add-to-cart disabled until its script loads.
        '<h1 class="page-title">Hemd</h1><div class="stock available"><span>Auf Lager</span>'
        '</div><button type="submit" title="In den Warenkorb" class="action primary tocart" '
        'id="product-addtocart-button" disabled><span>In den Warenkorb</span></button>',
        '<h1>Camicia</h1><div class="stock"><span>Disponibile</span></div>'
        '<button class="tocart" disabled>Aggiungi al carrello</button>',
    ],
    ids=["en", "de-magento", "it"],
)
def test_a_disabled_control_yields_to_a_stated_in_stock(body):
    evidence = visible_availability(parse_html(page(body)))

    assert (evidence.availability, evidence.confidence) == (IN, CONFIDENCE_ONE)


def test_an_enabled_control_and_a_stated_out_of_stock_say_nothing():
    assert visible("<h1>Shirt</h1><p>Sold out</p><button>Add to bag</button>") is None


def test_a_disabled_control_alone_still_says_out_of_stock():
    assert visible("<h1>Shirt</h1><button disabled>Add to bag</button>") == OUT


@pytest.mark.parametrize(
    "status",
    [
        "Ce produit n'est plus en stock",
        "Ce produit n\u2019est plus disponible.",
        "Nicht mehr auf Lager",
        "No longer in stock",
        "Not available at the moment",
        "No disponible por el momento.",
        "Este producto no está disponible",
        "Niet meer op voorraad",
        "Produto esgotado",
        "Auf Lager: 0 Artikel",
        "In stock: 0",
        "0 in stock",
    ],
)
def test_more_ways_of_stating_out_of_stock(status):
    assert stated_stock(status) == OUT


@pytest.mark.parametrize(
    "status", ["In stock - ships in 0-2 days", "3 in stock", "Auf Lager: 12 Artikel", "En stock"]
)
def test_counts_and_day_ranges_beside_in_stock_stay_in_stock(status):
    assert stated_stock(status) == IN


@pytest.mark.parametrize(
    ("quantities", "expected"),
    [
        ('<label class="label">En stock</label> <span data-stock="0">0 Produits</span>', OUT),
        ("<dl><dt>Auf Lager:</dt><dd>0 Stück</dd></dl>", OUT),
        ('<label class="label">In stock</label> <span data-stock="7">7 Items</span>', IN),
        ("<p><span>In stock</span> <span>0 reviews</span></p>", IN),  # not a label's value
    ],
    ids=["label-none", "dt-none", "label-some", "not-a-label"],
)
def test_a_stock_label_is_read_with_the_count_beside_it(quantities, expected):
    assert visible(f"<h1>Chemise</h1><div>{quantities}</div>") == expected


@pytest.mark.parametrize(
    "control",
    [
        '<button class="&#97;dd-to-cart" disabled>Notify me</button>',  # "&#97;" spells "a"
        '<input type="submit" title="In&nbsp;den&nbsp;Warenkorb" disabled>',
        '<a href="#" CLASS="BTN ADD-TO-BASKET" aria-disabled="true">Go</a>',
        '<a href="/p?id=1&amp;qty=1" title="In den Warenkorb" aria-disabled="true">Go</a>',
        "<button disabled>AGGIUNGİ AL CARRELLO</button>",  # U+0130 lower-cases to two characters
        "<button disabled>PURCHA\u017fE</button>",  # a long s: a case-insensitive "purchase"
        '<form action="/cart/add"><button disabled><span>Sold</span> <b>out</b></button></form>',
    ],
    ids=[
        "entity",
        "nbsp-entities",
        "upper-case",
        "amp-entities",
        "dotted-capital-i",
        "long-s",
        "cart-form",
    ],
)
def test_a_buy_control_is_found_however_its_name_is_spelled_in_the_markup(control):
    assert visible(f"<h1>Kettle</h1>{control}") == OUT


_SPELLINGS = st.sampled_from([str.lower, str.upper, str.title, lambda text: text])
# Each cheap test, the matching it spares, and names that matching finds: the cart alone
# too for a cart control ("Warenkorb", "Koszyk", "カート"), as the survey's cart controls.
_CHEAP_TESTS = pytest.mark.parametrize(
    ("cheap", "matching", "names"),
    [
        (
            may_name_buy_action,
            names_buy_action,
            [*BUY_CONTROL, *BUY_ACTION_WORDS, "add", "buy it now", "purchase"],
        ),
        (
            may_name_cart_control,
            names_cart_control,
            [*BUY_CONTROL, *BUY_CONTROL_WORDS, "basket/add", "purchase"],
        ),
    ],
    ids=["buy action", "cart control"],
)


@_CHEAP_TESTS
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_cheap_test_never_misses_a_text_naming_one(cheap, matching, names, data):
    noise = data.draw(st.text(max_size=12))
    name = data.draw(_SPELLINGS)(data.draw(st.sampled_from(names)))
    gap = data.draw(st.sampled_from([" ", "-", "_", "", "/"]))
    text = f"{noise}{gap}{name.replace(' ', gap or ' ')}{gap}{noise}"
    if matching(text):
        assert cheap(text)


def test_every_spelling_of_what_the_cart_pattern_holds_lower_cases_to_its_keys():
    # The cheap tests look for "add", "buy", "purcha" in the lower-cased text, where the
    # cart pattern matches them in any case: that holds for every character there is.
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code < 0xE000)
    for letter in set("addbuypurcha"):
        for spelling in re.findall(letter, every, re.IGNORECASE):
            assert letter in spelling.lower()


@_CHEAP_TESTS
@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_the_cheap_test_never_misses_on_any_text(cheap, matching, names, text):
    assert cheap(text) or not matching(text)


def test_the_cheap_cart_control_test_passes_over_controls_naming_none():
    assert not may_name_cart_control("btn btn-primary js-toggle Menü öffnen")
    assert not may_name_cart_control("Filter anwenden")
    assert may_name_cart_control("Zum Warenkorb hinzufügen")
    assert may_name_cart_control("Do koszyka")


_KEYS = ("add", "kaufen", "koszyka", "köp", "корзину", "カートに追加", "입고 알림", "x1/")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.sampled_from(_KEYS), st.booleans())
def test_keys_filed_by_a_character_are_found_exactly_where_they_occur(before, after, key, put):
    # Filed under "z", "ö", "к"..., each key is still found in any text that holds it, in
    # ASCII text or not, and never in one that holds none.
    keys = SubstringKeys(_KEYS)
    text = f"{before}{key if put else ''}{after}".lower()
    assert keys.found_in(text) == any(key in text for key in _KEYS)


def test_a_restock_notice_is_read_in_any_script_and_only_when_offered():
    assert offers_restock_notice("Powiadom o dostępności")
    assert offers_restock_notice("Сообщить о поступлении")
    assert not offers_restock_notice("Email")  # a key of the notices, but no notice
    assert not offers_restock_notice("Zum Warenkorb")


# --- stated statuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Only 3 left",
        "Only 2 left in stock!",
        "Nur noch 3 Stück",
        "Nur noch 3 Stück auf Lager",
        "Plus que 2",
        "Il ne reste plus que 2",
        "¡Solo quedan 4!",
        "Solo 2 disponibili",
        "Nog maar 2 beschikbaar",
        "Tylko 3 sztuki",
    ],
)
def test_only_n_left_is_in_stock(text):
    assert stated_stock(text) == IN
    offer = extract_offer(
        page(f"<h1>Kettle</h1><p>{text}</p>", jsonld({"@type": "Product", "offers": {"price": 9}}))
    )
    assert (offer.price, offer.availability) == (Decimal(9), IN)


@pytest.mark.parametrize(
    "text",
    [
        "Leider ausverkauft",
        "Nicht mehr verfügbar",
        "Temporairement en rupture de stock",
        "Agotado temporalmente",
        "Temporaneamente non disponibile",
        "Brak na stanie",
        "Tijdelijk niet leverbaar",
    ],
)
def test_sold_out_wording_is_out_of_stock(text):
    assert stated_stock(text) == OUT


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Out of stock online", OUT),
        ("Online ausverkauft", OUT),
        ("Épuisé en ligne", OUT),
        ("Slut i webblagret", OUT),
        ("Utsolgt på nett", OUT),
        ("Agotado en la tienda online", OUT),
        ("In stock online", IN),
        # A store's stock says nothing of the web shop's, which the price online is for.
        ("Out of stock in all stores", None),
        ("Slut i alla varuhus", None),
    ],
)
def test_a_status_of_the_web_shop_is_the_products_and_a_stores_says_nothing(text, status):
    assert stated_stock(text) == status


def test_a_page_sold_out_online_by_its_status_and_control_beats_a_stale_in_stock():
    box = (
        '<p class="price">499 kr</p><div class="stock"><span>Slut i webblagret</span>'
        "<span>Slut i alla varuhus</span></div><button disabled>Lägg i varukorgen</button>"
    )
    offer = extract_offer(page(f"<h1>Borrskruvdragare</h1>{box}", stale_offer("499.00", "SEK")))

    assert (offer.price, offer.currency, offer.availability) == (Decimal("499.00"), "SEK", OUT)


def test_a_sentence_that_mentions_stock_states_nothing():
    assert stated_stock("Notify me when back in stock") is None
    assert visible("<h1>Kettle</h1><p>Is an item out of stock? Ask us.</p>") is None


def test_statuses_of_sizes_in_an_option_list_say_nothing():
    body = "<h1>Shirt</h1><select><option>S - sold out</option><option>M</option></select>"
    assert visible(body) is None


# --- a priced offer's missing status ---------------------------------------------------------


def test_a_priced_offer_without_a_status_takes_the_buy_controls():
    product = {"@type": "Product", "name": "K", "offers": {"price": "10", "priceCurrency": "EUR"}}

    enabled = extract_offer(page("<h1>K</h1><button>Add to cart</button>", jsonld(product)))
    disabled = extract_offer(
        page("<h1>K</h1><button disabled>Add to cart</button>", jsonld(product))
    )

    assert (enabled.price, enabled.availability) == (Decimal(10), IN)
    assert (disabled.price, disabled.availability) == (Decimal(10), OUT)


def test_a_status_stated_for_the_pages_only_product_counts_at_another_price():
    product = {
        "@type": "Product",
        "name": "K",
        "offers": {"price": "210.85", "priceCurrency": "EUR"},
    }
    microdata = (
        '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">K</span>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<meta itemprop="price" content="249.00">'
        '<link itemprop="availability" href="https://schema.org/OutOfStock"></div></div>'
    )
    offer = extract_offer(page(microdata, jsonld(product)))

    assert (offer.price, offer.source, offer.availability) == (Decimal("210.85"), "jsonld", OUT)


def test_a_status_stated_without_a_price_fills_a_visible_prices_status():
    body = '<h1>Kettle</h1><p class="price">19,99 €</p>'
    offer = extract_offer(page(body, '<meta property="og:availability" content="instock">'))

    assert (offer.price, offer.source, offer.availability) == (Decimal("19.99"), "heuristic", IN)


def test_statuses_of_several_products_say_nothing_about_the_offer():
    offers = [
        {"@type": "Product", "name": name, "offers": {"availability": "OutOfStock"}}
        for name in ("Kettle", "Toaster")
    ]
    assert extract_offer(page("<h1>Kettle</h1>", jsonld(offers))) is None


# --- hostile pages --------------------------------------------------------------------------

SOLD_OUT_PAGES = page(
    '<h1>K</h1><p>Ausverkauft</p><form action="/cart/add"><button disabled>Kaufen</button>'
) + page(
    '<a class="add-to-cart disabled" aria-disabled="true">Add to cart</a><p>Only 2 left</p>',
    jsonld({"@type": "Product", "offers": {"availability": "OutOfStock"}}),
)


@settings(max_examples=150, deadline=None)
@given(mutated(SOLD_OUT_PAGES))
def test_extraction_never_raises_on_mutated_sold_out_pages(html):
    offer = extract_offer(html)
    if offer is not None and offer.price is None:
        assert (offer.currency, offer.availability) == (None, OUT)


# --- a variant's status is not the product's ----------------------------------------------


@pytest.mark.parametrize(
    ("picker", "button"),
    [
        (
            '<ul class="product-variants"><li><button type="button">M</button></li>'
            '<li><button type="button" disabled>XL<span>Tükendi</span></button></li></ul>',
            "Sepete Ekle",
        ),
        (
            '<div class="swatch-opt"><div class="swatch-option" aria-label="XL">XL'
            "<span>Ausverkauft</span></div></div>",
            "In den Warenkorb",
        ),
        (
            '<fieldset class="variant-picker"><label for="s-xl">XL <small>Sold out</small>'
            '</label><input type="radio" id="s-xl" name="size"></fieldset>',
            "Add to cart",
        ),
        (
            '<div id="configurator"><p>Taille 44 : <span>Épuisé</span></p></div>',
            "Ajouter au panier",
        ),
        # A size chip: a radio and its label, named by no class for variants.
        (
            '<ul class="chips"><li><input type="radio" id="s-l" name="size">'
            '<label for="s-l"><span>L</span></label></li><li>'
            '<input type="radio" id="s-xl" name="size" disabled>'
            '<label for="s-xl"><span>XL</span><span>在庫なし</span></label></li></ul>',
            "カートに追加する",
        ),
        (
            '<div class="opts"><label><input type="checkbox" name="gift"> Geschenkbox '
            "<em>Ausverkauft</em></label></div>",
            "In den Warenkorb",
        ),
    ],
)
def test_a_status_stated_in_a_variant_picker_is_that_variants_not_the_products(picker, button):
    body = f"<h1>Kettle</h1>{picker}<button>{button}</button>"
    assert visible(body) == IN
    offer = extract_offer(
        page(f'<h1>Kettle</h1><p class="price">49,90 €</p>{picker}<button>{button}</button>')
    )
    assert offer is not None
    assert offer.availability == IN


def test_a_status_in_a_page_wide_wrapper_named_for_variants_is_the_products():
    body = (
        '<div class="product product-variant-123"><div><div><div><h1>Kettle</h1>'
        "<p>Sold out</p></div></div></div></div>"
    )
    assert visible(body) == OUT


def test_a_status_stated_in_a_listbox_option_is_that_options():
    sizes = (
        '<ul role="listbox" aria-label="Größe"><li role="option" aria-disabled="true">'
        '<span>34</span> <span>Ausverkauft</span></li><li role="option"><span>38</span>'
        "</li></ul>"
    )
    assert visible(f"<h1>Kettle</h1>{sizes}<button>In den Warenkorb</button>") == IN


def badge_price(modifiers: str, badges: str) -> str:
    """A theme's price block (Shopify Dawn and Debut name them so) with every badge
    rendered, its stylesheet showing one only while the block's modifier names its state."""
    return (
        f'<div class="price{modifiers}"><div class="price__container">'
        '<span class="price-item price-item--regular">49,90 €</span></div>'
        f"{badges}</div>"
    )


@pytest.mark.parametrize(
    ("badge", "button"),
    [
        ('<span class="badge price__badge-sold-out">Sold out</span>', "Add to cart"),
        (
            '<span class="price__badge price__badge--sold-out"><span>Ausverkauft</span></span>',
            "In den Warenkorb",
        ),
        (
            '<span class="badge price__badge-sold-out color-scheme-3">Slutsåld</span>',
            "Lägg i varukorg",
        ),
        ('<span class="badge price__badge-sold-out">Épuisé</span>', "Ajouter au panier"),
    ],
    ids=["en-dawn", "de-debut", "sv-dawn", "fr-dawn"],
)
def test_a_sold_out_badge_its_block_does_not_show_says_nothing(badge, button):
    for modifiers in ("", " price--on-sale price--show-badge"):
        body = f"<h1>Kettle</h1>{badge_price(modifiers, badge)}<button>{button}</button>"
        assert visible(body) == IN
        offer = extract_offer(page(body))
        assert offer is not None
        assert (offer.price, offer.availability) == (Decimal("49.90"), IN)


@pytest.mark.parametrize(
    "badge",
    [
        '<span class="badge price__badge-sold-out">Sold out</span>',
        '<span class="price__badge price__badge--sold-out"><span>Ausverkauft</span></span>',
    ],
)
def test_a_sold_out_badge_its_block_shows_says_out_of_stock(badge):
    body = f"<h1>Kettle</h1>{badge_price(' price--sold-out price--show-badge', badge)}"
    assert visible(body) == OUT
    offer = extract_offer(page(body))
    assert offer is not None
    assert offer.availability == OUT


@pytest.mark.parametrize(
    "status",
    [
        # a BEM element about stock, no badge: shown whatever its block's modifiers
        '<div class="product"><p class="product__inventory">Out of stock</p></div>',
        # a badge whose block is not near: nothing tells it is toggled
        '<span class="badge price__badge-sold-out">Sold out</span>',
        '<span class="price__badge-sold-out">Nicht verfügbar</span>',
    ],
)
def test_a_status_no_block_modifier_toggles_is_read(status):
    assert visible(f"<h1>Kettle</h1>{status}") == OUT


@pytest.mark.parametrize(
    ("banner", "status"),
    [
        ("Безкоштовна доставка від 1 000 ₴", "Немає в наявності"),
        ("Kostenloser Versand ab 50,00 €", "Ausverkauft"),
        ("Livraison offerte dès 49 €", "Épuisé"),
        ("Free shipping on orders over $35", "Sold out"),
    ],
    ids=["uk", "de", "fr", "en"],
)
def test_a_sold_out_page_showing_only_a_free_shipping_threshold_has_no_price(banner, status):
    # The banner's amount is the only one on the page: labelled a threshold, scored down,
    # yet alone. The page shows no price of its own.
    body = (
        f'<div class="topbar">{banner}</div><main><h1>Kettle</h1><p>{status}</p>'
        "<button disabled>Add to cart</button><p>A kettle of brushed steel.</p></main>"
    )
    offer = extract_offer(page(body))

    assert (offer.price, offer.currency, offer.availability) == (None, None, OUT)


def test_a_sold_out_page_keeps_the_price_it_shows_beside_a_free_shipping_threshold():
    body = (
        '<div class="topbar">Kostenloser Versand ab 50,00 €</div><main><h1>Kettle</h1>'
        '<p class="price">39,90 €</p><p>Ausverkauft</p><button disabled>In den Warenkorb</button>'
        "</main>"
    )
    offer = extract_offer(page(body))

    assert (offer.price, offer.currency, offer.availability) == (Decimal("39.90"), "EUR", OUT)
