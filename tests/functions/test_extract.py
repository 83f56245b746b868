import gc
import json
from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction import InvalidRuleError, extract_offer


def page(head="", body=""):
    return f"<html><head><title>Kettle</title>{head}</head><body>{body}</body></html>"


def jsonld(data):
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


PRODUCT = {
    "@context": "https://schema.org",
    "@type": "Product",
    "name": "Kettle",
    "offers": {"@type": "Offer", "price": "24.99", "priceCurrency": "EUR"},
}
OG_PRICE = (
    '<meta property="og:price:amount" content="24.99">'
    '<meta property="og:price:currency" content="EUR">'
    '<meta property="product:availability" content="in stock">'
)
MICRODATA = (
    '<div itemscope itemtype="https://schema.org/Offer">'
    '<span itemprop="price" content="19.99">19,99 €</span>'
    '<meta itemprop="priceCurrency" content="EUR"></div>'
)
VISIBLE = (
    '<h1>Kettle</h1><div class="product-price"><span class="price">€ 21,50</span></div>'
    '<button id="add-to-cart">Add to cart</button>'
)


def test_jsonld_is_trusted_over_microdata_meta_and_visible_text():
    offer = extract_offer(page(jsonld(PRODUCT) + OG_PRICE, MICRODATA + VISIBLE))
    assert (offer.price, offer.currency, offer.source) == (Decimal("24.99"), "EUR", "jsonld")


def test_microdata_is_trusted_over_meta_tags():
    offer = extract_offer(page(OG_PRICE, MICRODATA))
    assert (offer.price, offer.source) == (Decimal("19.99"), "microdata")


def test_meta_tags_are_used_when_nothing_more_specific_exists():
    offer = extract_offer(page(OG_PRICE, "<p>No visible price</p>"))
    assert (offer.price, offer.currency, offer.source) == (Decimal("24.99"), "EUR", "meta")
    assert offer.availability == Availability.IN_STOCK


def test_missing_currency_and_availability_come_from_a_source_agreeing_on_the_price():
    product = {"@type": "Product", "offers": {"@type": "Offer", "price": 24.99}}
    offer = extract_offer(page(jsonld(product) + OG_PRICE))
    assert (offer.price, offer.source) == (Decimal("24.99"), "jsonld")
    assert offer.currency == "EUR"
    assert offer.availability == Availability.IN_STOCK


def test_a_source_disagreeing_on_the_price_does_not_fill_in_the_currency():
    product = {"@type": "Product", "offers": {"@type": "Offer", "price": 30}}
    offer = extract_offer(page(jsonld(product) + OG_PRICE))
    assert offer.price == Decimal("30")
    assert offer.currency is None


@pytest.mark.parametrize(
    ("shown", "url", "currency"),
    [
        ("€ 24,90 *", "https://shop.example.at/p/1", "EUR"),
        ("24,90 zł", "https://sklep.example.pl/p/1", "PLN"),
        ("24,90 kr", "https://butik.example.se/p/1", "SEK"),
        ("CHF 24.90", "https://shop.example.ch/p/1", "CHF"),
        ("24,90 Kč", "https://obchod.example.cz/p/1", "CZK"),
    ],
)
def test_a_currency_no_source_states_is_the_one_the_page_shows_the_price_with(shown, url, currency):
    # Microdata stating the price but not its currency; a table of quantity prices and a
    # basket total beside it, in the same currency.
    body = (
        '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        f'<span class="product-price"><meta itemprop="price" content="24.90">{shown}</span>'
        "</div></div><table><tr><td>ab 3</td><td>22,90</td></tr></table>"
    )
    offer = extract_offer(page(body=body), url)
    assert (offer.price, offer.source) == (Decimal("24.90"), "microdata")
    assert offer.currency == currency


def test_a_currency_stays_unknown_when_the_page_shows_the_price_without_one():
    body = (
        '<div itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" '
        'content="24.90"><span class="price">24,90</span><p class="price">€ 30,00</p></div>'
    )
    offer = extract_offer(page(body=body))
    assert offer.price == Decimal("24.90")
    assert offer.currency is None


def test_heuristic_finds_the_visible_price_on_a_page_without_structured_data():
    offer = extract_offer(page(body=VISIBLE))
    assert (offer.price, offer.currency, offer.source) == (Decimal("21.50"), "EUR", "heuristic")
    assert 0 < offer.confidence <= 1


def test_heuristic_can_be_turned_off():
    assert extract_offer(page(body=VISIBLE), use_heuristic=False) is None


def test_page_without_any_price_has_no_offer():
    assert extract_offer(page(body="<h1>Kettle</h1><p>Coming soon</p>")) is None
    assert extract_offer("") is None


def test_captcha_page_is_never_read_as_a_price():
    captcha = (
        "<html><head><title>Robot Check</title></head><body>"
        "<p>Enter the characters you see below. Price: $5.00</p>"
        '<form action="/errors/validateCaptcha"><input name="field-keywords"></form>'
        "</body></html>"
    )
    assert extract_offer(captcha) is None


def test_rule_wins_over_structured_data():
    rules = {"selector": "span.sale", "currency": "EUR"}
    offer = extract_offer(page(jsonld(PRODUCT), '<span class="sale">17,00</span>'), rules=rules)
    assert (offer.price, offer.currency, offer.source) == (Decimal("17.00"), "EUR", "rule")


def test_a_price_in_the_sites_navigation_or_footer_is_never_the_pages():
    chrome = (
        '<nav><a href="/deals">Deal of the day <span class="price">€ 9,99</span></a></nav>'
        '<h1>Kettle</h1><p>Coming soon</p><footer><span class="price">€ 4,99</span></footer>'
    )
    assert extract_offer(page(body=chrome)) is None


def test_the_sites_banner_is_not_read_but_a_products_own_header_is():
    banner = (
        '<header class="top"><a href="/cart">Warenkorb (0,00 €)</a>'
        '<p>Topseller: Wasserkocher <span class="price">9,99 €</span></p></header>'
    )
    own = '<article><header><h2>Kettle</h2><span class="price">21,50 €</span></header></article>'
    assert extract_offer(page(body=banner + "<h1>Kettle</h1><p>Coming soon</p>")) is None
    assert extract_offer(page(body=banner + own)).price == Decimal("21.50")
    # A banner holding the page's title is read: the title is how the price is placed.
    titled = '<header><h1>Kettle</h1><span class="price">21,50 €</span></header>'
    assert extract_offer(page(body=titled)).price == Decimal("21.50")


def test_a_rule_may_select_what_the_other_sources_never_read():
    body = '<nav><a class="deal">Kettle <span class="price">€ 9,99</span></a></nav>' + VISIBLE
    offer = extract_offer(page(body=body), rules={"selector": "nav .deal .price"})
    assert (offer.price, offer.currency, offer.source) == (Decimal("9.99"), "EUR", "rule")
    assert extract_offer(page(body=body)).price == Decimal("21.50")


def test_rule_finding_nothing_means_no_price_rather_than_a_stale_one():
    assert extract_offer(page(jsonld(PRODUCT)), rules={"selector": "span.sale"}) is None


def test_rule_reading_embedded_json_takes_availability_from_structured_data():
    next_data = {"props": {"product": {"price": 24.99}}}
    html = page(
        jsonld(PRODUCT | {"offers": PRODUCT["offers"] | {"availability": "OutOfStock"}}),
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(next_data)}</script>',
    )
    offer = extract_offer(html, rules={"json_path": "props.product.price"})
    assert (offer.price, offer.source) == (Decimal("24.99"), "rule")
    assert offer.currency == "EUR"
    assert offer.availability == Availability.OUT_OF_STOCK


def test_malformed_rule_is_a_clear_error():
    with pytest.raises(InvalidRuleError, match="selektor"):
        extract_offer(page(jsonld(PRODUCT)), rules={"selektor": "span"})


@pytest.fixture
def collector_enabled():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was_enabled else gc.disable)()


@pytest.mark.usefixtures("collector_enabled")
def test_collector_is_paused_while_a_page_is_read_and_running_again_after():
    seen = []
    gc.callbacks.append(lambda phase, info: seen.append(phase))
    try:
        offer = extract_offer(page(body=VISIBLE * 1000))
    finally:
        gc.callbacks.pop()
    assert offer.price == Decimal("21.50")
    # Thousands of new elements (a collection every 700 without the pause), and at most
    # the one collection that frees them once they are read.
    assert seen.count("start") <= 1
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_collector_runs_again_after_a_page_that_raises():
    with pytest.raises(InvalidRuleError):
        extract_offer(page(jsonld(PRODUCT)), rules={"selektor": "span"})
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_collector_paused_by_another_caller_stays_paused():
    gc.disable()
    assert extract_offer(page(jsonld(PRODUCT))).price == Decimal("24.99")
    assert not gc.isenabled()


def test_variant_matching_the_page_url_is_chosen_among_disagreeing_offers():
    product = {
        "@type": "Product",
        "offers": [
            {"@type": "Offer", "price": "10.00", "priceCurrency": "USD", "sku": "KT-RED"},
            {"@type": "Offer", "price": "12.00", "priceCurrency": "USD", "sku": "KT-BLUE"},
        ],
    }
    html = page(jsonld(product))
    chosen = extract_offer(html, url="https://shop.example/kettle?variant=kt-blue")
    assert (chosen.price, chosen.ambiguous) == (Decimal("12.00"), False)
    fallback = extract_offer(html, url="https://shop.example/kettle")
    assert (fallback.price, fallback.ambiguous) == (Decimal("10.00"), True)
    assert fallback.alternatives == (Decimal("12.00"),)


def tile(name, price, url):
    return jsonld(
        {
            "@type": "Product",
            "name": name,
            "url": url,
            "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR"},
        }
    )


# The page's product, then recommendation tiles that cost less, each its own Product.
TEEKANNE = tile("Teekanne Kyoto aus Gusseisen", "59.00", "https://shop.example/p/teekanne-kyoto")
TILES = tile("Teetasse Kyoto", "12.00", "https://shop.example/p/tasse") + tile(
    "Teesieb", "4.50", "https://shop.example/p/sieb"
)


def test_the_product_named_by_the_pages_h1_wins_over_cheaper_recommendation_tiles():
    html = (
        "<html><head><title>Online-Shop</title>"
        f"{TILES}{TEEKANNE}</head><body><h1>Teekanne Kyoto aus Gusseisen</h1>"
        "<p>Passend dazu</p></body></html>"
    )
    offer = extract_offer(html, url="https://shop.example/suche?q=kyoto")
    assert (offer.price, offer.ambiguous) == (Decimal("59.00"), False)


def test_the_product_at_the_pages_canonical_url_wins_over_cheaper_recommendation_tiles():
    html = page(
        f'<link rel="canonical" href="/p/teekanne-kyoto">{TILES}{TEEKANNE}',
        "<h1>Kyoto</h1>",
    )
    offer = extract_offer(html, url="https://shop.example/p/teekanne-kyoto?ref=newsletter")
    assert (offer.price, offer.ambiguous) == (Decimal("59.00"), False)


def test_a_page_with_one_product_is_read_without_its_tree_or_titles(monkeypatch):
    def no_tree(*args):
        raise AssertionError("one Product with its stock status needs no element tree")

    monkeypatch.setattr("extraction.extract.parse_html", no_tree)
    product = PRODUCT | {"offers": PRODUCT["offers"] | {"availability": "InStock"}}
    offer = extract_offer(page(jsonld(product), "<h1>Kettle</h1><p>24,99 €</p>"))
    assert (offer.price, offer.source) == (Decimal("24.99"), "jsonld")
