"""Cross-checking structured prices against the price the page visibly shows."""

from decimal import Decimal

import pytest
from variant_pickers import variant_list

from extraction import extract_offer
from extraction.cross_check import (
    displayed,
    first_written_as_text,
    may_show_as_former,
    needs_cross_check,
)
from extraction.heuristic import DEFAULT_MIN_CONFIDENCE
from extraction.offer import Offer, OfferCandidate

LIST_PRICE_MICRODATA = """<html><head><title>Winterjacke Nordlicht</title></head><body>
<div itemscope itemtype="https://schema.org/Product">
 <h1 itemprop="name">Winterjacke Nordlicht</h1>
 <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
  <meta itemprop="price" content="129.00"><meta itemprop="priceCurrency" content="EUR">
  <meta itemprop="price" content="79.00">
 </div>
 <div class="product-price"><span class="price-current">79,00 €</span>
  <s class="price-old">statt 129,00 €</s></div>
 <button class="btn" type="submit">In den Warenkorb</button>
</div></body></html>"""


def test_several_prices_of_one_offer_resolve_to_the_visible_current_one() -> None:
    offer = extract_offer(LIST_PRICE_MICRODATA)
    assert offer is not None
    assert offer.price == Decimal("79.00")
    assert offer.agreed_sources == ("microdata", "heuristic")


def test_an_unrounded_structured_price_reads_as_the_page_displays_it() -> None:
    page = """<html><body><h1>Écran 27 pouces</h1>
    <div itemscope itemtype="http://schema.org/Product"><span itemprop="name">Écran</span>
    <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
    <meta itemprop="price" content="210.852001"><meta itemprop="priceCurrency" content="EUR">
    </div></div><div class="prix"><span class="price">210,85 €</span> TTC</div></body></html>"""
    offer = extract_offer(page)
    assert offer is not None
    assert offer.price == Decimal("210.85")
    assert offer.currency == "EUR"


def test_og_price_agreeing_with_the_page_beats_a_lone_jsonld_price() -> None:
    page = """<html><head><title>Reloj antiguo</title>
    <script type="application/ld+json">{"@type": "Product", "name": "Reloj antiguo",
      "offers": {"@type": "Offer", "price": "10.00", "priceCurrency": "EUR"}}</script>
    <meta property="og:price:amount" content="42.50">
    <meta property="og:price:currency" content="EUR"></head>
    <body><h1>Reloj antiguo</h1><div class="price">Puja actual: <b>42,50 €</b></div>
    <button>Pujar</button></body></html>"""
    offer = extract_offer(page)
    assert offer is not None
    assert offer.price == Decimal("42.50")
    assert offer.agreed_sources == ("meta", "heuristic")


def test_agreeing_sources_skip_the_cross_check_and_say_who_agreed() -> None:
    page = """<html><head>
    <script type="application/ld+json">{"@type": "Product", "name": "Lampa",
      "offers": {"@type": "Offer", "price": "99.00", "priceCurrency": "PLN"}}</script>
    <meta property="product:price:amount" content="99.00">
    <meta property="product:price:currency" content="PLN"></head><body></body></html>"""
    offer = extract_offer(page)
    assert offer is not None
    assert offer.price == Decimal("99.00")
    assert offer.agreed_sources == ("jsonld", "meta")


def test_needs_cross_check_only_on_doubt() -> None:
    offer = Offer(Decimal("5.00"), "EUR", "unknown", "jsonld")
    same = OfferCandidate(Decimal("5.00"), "EUR", "unknown", "meta")
    other = OfferCandidate(Decimal("6.00"), "EUR", "unknown", "meta")
    other_currency = OfferCandidate(Decimal("6.00"), "USD", "unknown", "meta")
    assert not needs_cross_check(offer, [same])
    assert needs_cross_check(offer, [other])
    # Another currency is a disagreement too: the visible page may tell which is shown.
    assert needs_cross_check(offer, [other_currency])
    assert needs_cross_check(Offer(Decimal("5.004"), "EUR", "unknown", "jsonld"), [])


def test_displayed_rounds_only_sub_cent_amounts() -> None:
    assert displayed(Decimal("224.904")) == Decimal("224.90")
    assert displayed(Decimal("26.5000")) == Decimal("26.50")
    assert displayed(Decimal("12.5")) == Decimal("12.5")


def shop_page(head: str, buy_box: str, lang: str = "en", cart: str = "Add to cart") -> str:
    """A product page: `head` (structured data), a title, `buy_box`, an add-to-cart form."""
    return f"""<html lang="{lang}"><head><title>Kettle Deluxe | Shop</title>{head}</head><body>
    <header class="site-header"><a href="/cart">Cart</a></header>
    <main><h1>Kettle Deluxe</h1><div class="buy-box">{buy_box}
    <form action="/cart/add"><button type="submit" class="add-to-cart">{cart}</button></form>
    </div></main></body></html>"""


def ld_price(amount: str, currency: str = "EUR") -> str:
    return (
        '<script type="application/ld+json">{"@type": "Product", "name": "Kettle Deluxe", '
        f'"offers": {{"@type": "Offer", "price": "{amount}", "priceCurrency": "{currency}", '
        '"availability": "https://schema.org/InStock"}}'
        "</script>"
    )


def og_price(amount: str, currency: str = "EUR") -> str:
    return (
        f'<meta property="product:price:amount" content="{amount}">'
        f'<meta property="product:price:currency" content="{currency}">'
    )


MICRODATA_LIST_PRICE = """<div itemscope itemtype="https://schema.org/Product">
 <span itemprop="name">Kettle Deluxe</span>
 <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
  <meta itemprop="priceCurrency" content="EUR">
  <div class="preis"><span class="preis-aktuell">89,00 €</span>
   <span class="preis-alt">statt <del itemprop="price" content="129.00">129,00 €</del></span>
  </div></div></div>"""


def test_a_lone_microdata_price_the_page_shows_struck_loses_to_the_current_one():
    page = shop_page("", MICRODATA_LIST_PRICE, lang="de", cart="In den Warenkorb")
    offer = extract_offer(page)
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("89.00"), "EUR", "heuristic")
    assert offer.agreed_sources == ("heuristic",)
    assert offer.alternatives == (Decimal("129.00"),)
    assert offer.confidence >= DEFAULT_MIN_CONFIDENCE


def test_a_lone_price_the_page_also_shows_as_current_stands():
    buy_box = MICRODATA_LIST_PRICE + '<div class="sticky-bar"><b class="price">129,00 €</b></div>'
    offer = extract_offer(shop_page("", buy_box, lang="de", cart="In den Warenkorb"))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("129.00"), "microdata")


@pytest.mark.parametrize(
    ("lang", "cart", "block", "former", "current"),
    [
        ("en", "Add to bag", "complete-the-look", "$79.99", "$39.99"),
        ("de", "In den Warenkorb", "outfit-teaser", "79,99 €", "39,99 €"),
    ],
)
def test_a_price_shown_current_only_in_another_products_block_is_still_a_former_one(
    lang, cart, block, former, current
):
    # The price element holds the struck list price and the sale price; a tile of the
    # outfit's other pieces shows the same list price, unstruck, for another product.
    buy_box = (
        '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Kettle'
        ' Deluxe</span><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        f'<span itemprop="price"><del>{former}</del> <span class="now">{current}</span>'
        "</span></div></div>"
    )
    tile = f'<div class="{block}"><a href="/p/2">Scarf</a><span class="price">{former}</span></div>'
    offer = extract_offer(shop_page("", buy_box + tile, lang=lang, cart=cart))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("39.99"), "heuristic")
    assert offer.alternatives == (Decimal("79.99"),)


def test_a_lone_price_shown_as_former_stands_when_the_visible_price_is_a_guess():
    # Two current-looking prices side by side: the page is not sure which one it shows.
    buy_box = "<p>Ancien prix : <del>129,00 €</del></p><p>Dès 89,00 €</p><p>ou 95,00 €</p>"
    offer = extract_offer(shop_page(og_price("129.00"), buy_box, lang="fr"))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("129.00"), "meta")


def test_a_disputed_jsonld_list_price_shown_as_former_loses_to_the_shown_price():
    buy_box = (
        '<span class="price">£79.99</span><span class="was-price">Was <span>£129.99</span></span>'
    )
    head = ld_price("129.99", "GBP") + og_price("119.99", "GBP")
    offer = extract_offer(shop_page(head, buy_box))
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("79.99"), "GBP", "heuristic")
    assert offer.alternatives == (Decimal("119.99"), Decimal("129.99"))


def test_a_jsonld_price_nobody_contradicts_is_taken_without_building_the_tree(monkeypatch):
    def no_tree(*args: object) -> None:
        raise AssertionError("a JSON-LD price no source contradicts needs no element tree")

    monkeypatch.setattr("extraction.extract.parse_html", no_tree)
    buy_box = '<span class="price">129,99 €</span> <del>149,99 €</del>'
    offer = extract_offer(shop_page(ld_price("129.99"), buy_box, lang="de"))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("129.99"), "jsonld")


@pytest.mark.parametrize(
    ("lang", "buy_box", "current"),
    [
        ("de", '<span class="price">79,99 €</span> <del>129,99 €</del>', "79.99"),
        ("en", '<p class="price">$79.99</p><p>Was $129.99</p>', "79.99"),
        ("fr", '<p class="prix">1 099,00 €</p><p class="prix-barre">1 299,99 €</p>', "1099.00"),
        ("nl", "<p>Van <s>€ 129,99</s> voor <b>€ 79,99</b></p>", "79.99"),
    ],
)
def test_a_lone_jsonld_list_price_the_page_shows_as_former_loses_to_the_shown_price(
    lang: str, buy_box: str, current: str
) -> None:
    amount = "1299.99" if lang == "fr" else "129.99"
    offer = extract_offer(shop_page(ld_price(amount), buy_box, lang=lang))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal(current), "heuristic")
    assert offer.alternatives == (Decimal(amount),)


@pytest.mark.parametrize(
    ("markup", "amount", "expected"),
    [
        ("<del>129,99 €</del>", "129.99", True),
        ('<span class="old-price">1.299,00 €</span>', "1299.00", True),
        ("<p>UVP: 1 299 €</p>", "1299", True),
        ("<p>statt 29,- €</p>", "29.00", True),
        ('<span style="text-decoration: line-through">$49.90</span>', "49.9", True),
        ('<span class="price">129,99 €</span>', "129.99", False),
        ("<del>1129,99 €</del>", "129.99", False),  # another amount struck
        ('<img alt="Kettle"><span>129,99 €</span>', "129.99", False),
    ],
)
def test_the_raw_markup_tells_cheaply_whether_it_may_show_a_price_as_former(
    markup: str, amount: str, expected: bool
) -> None:
    assert may_show_as_former(f"<p>Kettle</p>{markup}", Decimal(amount)) is expected


@pytest.mark.parametrize(
    ("markup", "amount", "expected"),
    [
        ("<p>Preis: 1.299,00 €</p>", "1299.00", True),
        ("<p>CHF 1’299.–</p>", "1299", True),
        ("<p>Prix : 208,<sup>60</sup> €</p>", "208.60", True),  # the cents split off
        ('<meta property="og:price:amount" content="129.99">', "129.99", False),
        ('<div data-price="129.99">Wasserkocher</div>', "129.99", False),
        ('<script>{"price": 129.99}</script><p>Wasserkocher</p>', "129.99", False),
        ("<p>1129,99 €</p>", "129.99", False),  # another amount
    ],
)
def test_the_raw_markup_tells_cheaply_whether_it_writes_an_amount_as_text(
    markup: str, amount: str, expected: bool
) -> None:
    html = f"<p>Kettle</p>{markup}"
    at = first_written_as_text(html, Decimal(amount))

    if expected:
        assert html[at].isdigit()
        assert html.rfind(">", 0, at) > html.rfind("<", 0, at)  # in a text, not a tag
    else:
        assert at is None


def test_og_price_in_another_currency_is_settled_by_the_visible_price():
    buy_box = '<span class="price">$52.00</span>'
    offer = extract_offer(shop_page(ld_price("47.90", "EUR") + og_price("52.00", "USD"), buy_box))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("52.00"), "USD")
    assert offer.agreed_sources == ("meta", "heuristic")


def test_og_price_in_another_currency_never_outvotes_the_trusted_source():
    # The page shows neither: the og:price may be the same price, converted.
    page = f"""<html><head>{ld_price("47.90", "EUR")}{og_price("52.00", "USD")}</head>
    <body itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="52.00">
    <meta itemprop="priceCurrency" content="USD"><p>Lieferung in 3 Tagen</p></body></html>"""
    offer = extract_offer(page)
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("47.90"), "EUR", "jsonld")


def test_a_meta_price_the_page_shows_nowhere_loses_to_the_shown_price():
    buy_box = '<p class="prix">Prix : <span class="price">94,00 €</span> TTC</p>'
    offer = extract_offer(
        shop_page(og_price("26.5000"), buy_box, lang="fr", cart="Ajouter au panier")
    )
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("94.00"), "EUR", "heuristic")
    assert offer.alternatives == (Decimal("26.50"),)


def test_a_meta_price_the_page_shows_only_as_a_bare_number_loses_to_the_shown_price():
    # "26,50" is a number on the page, never a price of its own: the litre's.
    buy_box = (
        '<p class="prix">Prix : <span class="price">94,00 €</span> TTC</p>'
        "<p>Prix au litre : 26,50</p>"
    )
    offer = extract_offer(
        shop_page(og_price("26.50"), buy_box, lang="fr", cart="Ajouter au panier")
    )
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("94.00"), "heuristic")


@pytest.mark.parametrize(
    ("head", "buy_box", "lang"),
    [
        # the currency in an element of its own, beside the amount's
        (og_price("26.50"), "<p>Prix : <b>26,50</b> <b>€</b></p>", "fr"),
        # a price shown as a button (Galaxus': it opens the price history)
        (ld_price("1299", "CHF"), "<strong><button>CHF 1’299.–</button></strong>", "de"),
        (og_price("1299", "CHF"), "<strong><button>CHF 1’299.–</button></strong>", "de"),
    ],
)
def test_a_lone_price_the_page_shows_as_a_price_stands_beside_a_confident_other(
    head: str, buy_box: str, lang: str
) -> None:
    amount = Decimal("26.50") if "26" in head else Decimal("1299")
    other = '<p class="price">Occasion: <span class="price">CHF 49.–</span></p>'
    offer = extract_offer(shop_page(head, buy_box + other, lang=lang))
    assert offer is not None
    assert (offer.price, offer.source) in {(amount, "jsonld"), (amount, "meta")}


@pytest.mark.parametrize(
    ("lang", "bid"),
    [
        ("de", "Aktuelles Gebot: EUR 123,50"),
        ("en", "Current bid: US $123.50"),
        ("fr", "Enchère actuelle : 123,50 EUR"),
        ("pl", "Aktualna oferta: 123,50 zł"),
    ],
)
def test_a_lone_jsonld_starting_price_the_page_shows_nowhere_loses_to_the_current_bid(
    lang: str, bid: str
) -> None:
    # An auction's JSON-LD keeps its starting price, 1.00; the page shows the bid.
    buy_box = f'<div class="bid-price"><span class="price">{bid}</span></div>'
    currency = "PLN" if lang == "pl" else "USD" if lang == "en" else "EUR"
    offer = extract_offer(shop_page(ld_price("1.00", currency), buy_box, lang=lang))
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("123.50"), currency, "heuristic")


def sconce_page(og_amount: str, standard_amount: str) -> str:
    """A page that renders its prices by script: JSON-LD says 150.00, the og tags
    `og_amount`, with `standard_amount` as the price before a sale."""
    tags = og_price(og_amount, "USD") + (
        f'<meta property="og:price:standard_amount" content="{standard_amount}">'
    )
    return f"""<html><head><title>Wall sconce</title>{ld_price("150.00", "USD")}{tags}</head>
    <body><h1>Wall sconce</h1><div id="price-app"></div></body></html>"""


def test_a_jsonld_list_price_the_og_tags_name_the_pre_sale_price_loses_to_the_og_price():
    offer = extract_offer(sconce_page("120.00", standard_amount="150.00"))
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("120.00"), "USD", "meta")
    assert offer.alternatives == (Decimal("150.00"),)


def test_a_pre_sale_price_is_no_former_one_when_it_is_the_og_price_too():
    # Not on sale: the sources simply disagree, and the trusted one stands.
    offer = extract_offer(sconce_page("120.00", standard_amount="120.00"))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("150.00"), "jsonld")


def test_a_jsonld_list_price_also_shown_by_a_tile_deep_in_a_recommendations_grid_loses():
    # The tile's price sits far below the grid's named container (rows, columns, tile
    # bodies): that block still says it is another product's price, not this page's.
    tile = (
        '<div class="container recommendations"><div class="row"><div class="col-6">'
        '<div class="product"><div class="product-tile"><div class="tile-body">'
        '<a href="/p/2">Kettle Classic</a><div class="price"><span class="sales">'
        "<span>129,99 €</span></span></div></div></div></div></div></div></div>"
    )
    buy_box = '<div class="price"><del>129,99 €</del> <span class="sales">79,99 €</span></div>'
    offer = extract_offer(shop_page(ld_price("129.99"), buy_box) + tile)
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("79.99"), "heuristic")


def ld_range(low: str, high: str, currency: str = "EUR") -> str:
    return (
        '<script type="application/ld+json">{"@type": "Product", "name": "Kettle Deluxe", '
        f'"offers": {{"@type": "AggregateOffer", "lowPrice": "{low}", "highPrice": "{high}", '
        f'"priceCurrency": "{currency}", "offerCount": 3}}}}</script>'
    )


MICRODATA_RANGE = """<div itemscope itemtype="https://schema.org/Product">
 <span itemprop="name">Kettle Deluxe</span>
 <div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer">
  <meta itemprop="lowPrice" content="49.00"><meta itemprop="highPrice" content="89.00">
  <meta itemprop="priceCurrency" content="EUR"></div></div>"""


@pytest.mark.parametrize(
    ("head", "structured"),
    [(ld_range("49.00", "89.00"), ""), ("", MICRODATA_RANGE)],
    ids=["jsonld", "microdata"],
)
def test_a_range_low_price_the_page_never_shows_gives_way_to_the_price_shown_within_it(
    head: str, structured: str
) -> None:
    # The variant selected (1.7 l) costs 69,00 €; the cheapest variant's price is shown
    # nowhere but in the structured data, and a tile of another product shows it.
    buy_box = (
        f'{structured}<p>Größe: <b>1,7 l</b></p><div class="price">69,00 €</div>'
        '<div class="recommendations"><a href="/p/2">Teekanne</a>'
        '<span class="price">49,00 €</span></div>'
    )
    offer = extract_offer(shop_page(head, buy_box, lang="de", cart="In den Warenkorb"))
    assert offer is not None
    assert (offer.price, offer.currency, offer.source) == (Decimal("69.00"), "EUR", "heuristic")
    assert offer.alternatives == (Decimal("49.00"),)


@pytest.mark.parametrize(
    ("offers_from", "shown", "currency", "lang"),
    [
        ("27 ofert od <b>49,00 zł</b>", "69,00 zł", "PLN", "pl"),
        ("12 Angebote ab <b>49,00 €</b>", "69,00 €", "EUR", "de"),
        ("5 offres dès <b>49,00 €</b>", "69,00 €", "EUR", "fr"),
        ("Vezi 2 oferte resigilate de la <b>49,00 Lei</b>", "69,00 Lei", "RON", "ro"),
        ("Used from <b>€49.00</b>", "69,00 €", "EUR", "en"),
        # the count and the amount in one element's text
        ("<a>7 weitere Angebote ab 49,00 €</a>", "69,00 €", "EUR", "de"),
        ("<a>27 ofert od 49,00 zł</a>", "69,00 zł", "PLN", "pl"),
        ("<a>3 ofertas desde 49,00 €</a>", "69,00 €", "EUR", "es"),
    ],
)
def test_a_marketplaces_low_price_across_offers_gives_way_to_the_offer_shown(
    offers_from: str, shown: str, currency: str, lang: str
) -> None:
    # The page shows the selected seller's offer; the range's low price is another seller's,
    # shown only as where the other offers start.
    buy_box = f'<div class="price">{shown}</div><div class="offers-summary">{offers_from}</div>'
    offer = extract_offer(shop_page(ld_range("49.00", "89.00", currency), buy_box, lang=lang))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("69.00"), currency)


@pytest.mark.parametrize(
    "buy_box",
    [
        '<div class="price">ab 49,00 €</div>',  # the page shows the low price itself
        '<div class="price">119,00 €</div>',  # a price shown outside the range
    ],
)
def test_a_range_low_price_stands_when_the_page_shows_it_or_nothing_within_the_range(
    buy_box: str,
) -> None:
    offer = extract_offer(shop_page(ld_range("49.00", "89.00"), buy_box, lang="de"))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("49.00"), "jsonld")


def ld_variant_offers(*amounts: str) -> str:
    offers = ", ".join(
        f'{{"@type": "Offer", "price": "{amount}", "priceCurrency": "EUR", '
        '"availability": "https://schema.org/InStock"}'
        for amount in amounts
    )
    return (
        '<script type="application/ld+json">{"@type": "Product", "name": "Kettle Deluxe", '
        f'"offers": [{offers}]}}</script>'
    )


@pytest.mark.parametrize(
    "head",
    [
        ld_variant_offers("12.90", "19.90", "34.90"),  # one offer per variant, cheapest first
        ld_range("12.90", "34.90"),  # an AggregateOffer across the variants
    ],
    ids=["offers", "range"],
)
@pytest.mark.parametrize(
    ("selected_marker", "lang"), [("is-selected", "pl"), ('aria-current="true"', "de")]
)
def test_structured_variants_give_way_to_the_variant_the_page_shows_selected(
    head: str, selected_marker: str, lang: str
) -> None:
    page = shop_page(head, variant_list(selected_marker), lang=lang)
    offer = extract_offer(page)
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("19.90"), "EUR")


@pytest.mark.parametrize(
    ("lang", "buy_box"),
    [
        (
            "en",
            '<p class="price"><span class="sr-only">Sale Price:</span>€42,50</p>'
            '<p class="text-strikethrough"><span class="sr-only">Original Price:</span>€50,00</p>',
        ),
        ("de", '<p class="product-price">42,50 €</p><p>statt <del>50,00 €</del></p>'),
        (
            "fr",
            '<p class="product-price">42,50 €</p>'
            '<p style="text-decoration: line-through">50,00 €</p>',
        ),
    ],
)
def test_a_list_price_jsonld_and_og_agree_on_gives_way_to_the_sale_price_shown(
    lang: str, buy_box: str
) -> None:
    # Both read the product's record, not the sale: the page strikes their price.
    ids = "".join(f'<img src="/i/{n}150.00.jpg">' for n in range(20))  # "150.00"s before it
    head = ld_price("50.00") + og_price("50.00")
    cart = {"en": "Add to cart", "de": "In den Warenkorb", "fr": "Ajouter au panier"}[lang]
    offer = extract_offer(shop_page(head, ids + buy_box, lang=lang, cart=cart))
    assert offer is not None
    assert (offer.price, offer.source) == (Decimal("42.50"), "heuristic")


@pytest.mark.parametrize(
    ("lang", "heading", "used"),
    [
        ("fr", "Autres offres", "Occasion - Très bon état"),
        ("en", "Other offers", "Used - Like new"),
        ("es", "Otras ofertas", "Usado - Como nuevo"),
        ("nl", "Andere aanbiedingen", "Tweedehands - Als nieuw"),
    ],
)
def test_a_range_low_price_only_another_sellers_offer_shows_gives_way_to_the_buy_box(
    lang: str, heading: str, used: str
) -> None:
    # The AggregateOffer sums up every seller's offer: its low price is a used one's,
    # listed under a heading of other offers, with a price element like the buy box's.
    buy_box = '<div class="buy-box"><span class="product-price">69,00 €</span></div>'
    others = (
        f'<section><h2>{heading}</h2><ul><li><span class="seller">Shop A</span>'
        f'<span>{used}</span><span class="offer-price">49,00 €</span></li></ul></section>'
    )
    offer = extract_offer(shop_page(ld_range("49.00", "89.00"), buy_box + others, lang=lang))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("69.00"), "EUR")


def test_cents_set_small_after_the_whole_part_beside_a_badge_read_one_price() -> None:
    buy_box = (
        '<div class="price-box"><span class="badge">-21 %</span><del>419,99 €</del>'
        '<span class="price">329<sup>€99</sup></span></div>'
    )
    offer = extract_offer(shop_page(ld_range("249.90", "419.99"), buy_box))
    assert offer is not None
    assert offer.price == Decimal("329.99")


@pytest.mark.parametrize(
    ("lang", "low", "currency", "buy_box"),
    [
        (
            "pt",
            "3134.05",
            "BRL",
            '<div class="price-box"><span class="price">R$ 3.299,00</span>'
            '<div class="price-box__pix">ou R$ 3.134,05 no Pix (5% de desconto)</div></div>',
        ),
        (
            "tr",
            "1187.55",
            "TRY",
            '<div class="product-price"><span class="price">1.249,00 TL</span>'
            '<span class="price-transfer">1.187,55 TL Havale ile</span></div>',
        ),
    ],
)
def test_a_range_low_price_shown_only_for_paying_one_way_gives_way_to_the_price(
    lang: str, low: str, currency: str, buy_box: str
) -> None:
    head = ld_range(low, "3899.00", currency)
    offer = extract_offer(shop_page(head, buy_box, lang=lang))
    assert offer is not None
    shown = {"pt": Decimal("3299.00"), "tr": Decimal("1249.00")}[lang]
    assert (offer.price, offer.currency) == (shown, currency)


def test_of_two_sources_the_price_the_page_alone_shows_as_current_wins_a_tie() -> None:
    # JSON-LD sums up every seller (its low price is another seller's, under "Inne oferty");
    # og:price is the buy box's. The page's own prices are too close to tell apart alone.
    head = ld_range("214.90", "249.99", "PLN") + (
        '<meta property="product:price:amount" content="229.99">'
        '<meta property="product:price:currency" content="PLN">'
    )
    buy_box = (
        '<div class="price"><span class="price">229,99 zł</span></div>'
        '<div class="price"><span class="price">232,00 zł</span> z dostawą</div>'
        "<section><h2>Inne oferty</h2><ul><li><span>Sklep A</span>"
        '<span class="price">214,90 zł</span></li></ul></section>'
    )
    offer = extract_offer(shop_page(head, buy_box, lang="pl"))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("229.99"), "PLN")


def test_a_struck_list_price_gives_way_to_the_sale_price_not_to_a_card_price() -> None:
    # Korean shops show, under the sale price, the "best price" a card or points discount
    # would give (최적가): a price for paying one way, not the price.
    buy_box = (
        '<div class="prc"><div class="old"><span class="blind">정상가</span>'
        '<del><em class="price">89,000</em><span>원</span></del></div>'
        '<div class="new"><span class="rate">15%</span><span class="blind">판매가</span>'
        '<em class="price">75,650</em><span>원</span></div>'
        '<div class="opt"><span class="opt-title">최적가</span><em class="price">68,080</em>'
        "<span>원</span><p>포인트 적립, 카드 청구할인 적용 시</p></div></div>"
    )
    offer = extract_offer(shop_page(ld_price("89000", "KRW"), buy_box, lang="ko", cart="장바구니"))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("75650"), "KRW")


@pytest.mark.parametrize(
    ("lang", "currency", "buy_box"),
    [
        (
            "tr",
            "TRY",
            '<div class="pdp-price__old">1.599,90 TL</div><div class="pdp-price__new">'
            "1.299,90 TL</div>",
        ),
        (
            "pl",
            "PLN",
            '<span class="price_old">1 599,90 zł</span> '
            '<span class="price_sale">1 299,90 zł</span>',
        ),
    ],
)
def test_a_lone_list_price_in_a_class_named_old_by_underscores_gives_way_to_the_sale(
    lang: str, currency: str, buy_box: str
) -> None:
    # BEM class names join their words by "_" ("pdp-price__old"): the raw look at the
    # markup before a lone JSON-LD price reads "old" in them, and the page decides.
    offer = extract_offer(shop_page(ld_price("1599.90", currency), buy_box, lang=lang))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("1299.90"), currency)
