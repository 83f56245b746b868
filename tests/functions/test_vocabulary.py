"""Prices, labels and stock statements written in languages other than English."""

from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction.extract import extract_offer
from extraction.heuristic import find_visible_price
from extraction.markup import parse_html
from extraction.price import has_currency_marker, parse_price
from extraction.visible import stated_stock
from extraction.vocabulary import (
    CURRENCY_MARKERS_ANY_CASE,
    CURRENCY_MARKERS_EXACT_CASE,
    LABELS,
    STOCK,
)

REQUIRED_LANGUAGES = ("de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da", "no", "cs", "tr",
                      "ru", "ja")  # fmt: skip


def _page(body: str, title: str = "Produkt") -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_every_required_language_has_every_label_group_and_stock_words(language: str) -> None:
    groups = LABELS[language]
    for group in ("former", "saving", "shipping", "instalment", "unit", "vat", "tier", "elsewhere"):
        assert groups.get(group), (language, group)
    assert STOCK[language]["in"]
    assert STOCK[language]["out"]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1 299 Kč", "1299", "CZK"),
        ("49,99 zł", "49.99", "PLN"),
        ("120 lei", "120", "RON"),
        ("12 990 Ft", "12990", "HUF"),
        ("899 TL", "899", "TRY"),
        ("1 490 руб.", "1490", "RUB"),
        ("3 000円", "3000", "JPY"),
        ("15 000 тенге", "15000", "KZT"),
        ("149,00 EUR", "149.00", "EUR"),
    ],
)
def test_currency_words_and_abbreviations(text: str, amount: str, currency: str) -> None:
    parsed = parse_price(text)
    assert parsed.amount == Decimal(amount)
    assert parsed.currency == currency
    assert has_currency_marker(text)


@pytest.mark.parametrize(
    "marker", [*CURRENCY_MARKERS_ANY_CASE, *map(str.upper, CURRENCY_MARKERS_ANY_CASE),
               *CURRENCY_MARKERS_EXACT_CASE],
)  # fmt: skip
def test_every_currency_marker_is_told_before_or_after_a_number(marker: str) -> None:
    assert has_currency_marker(f"12 {marker}")
    assert has_currency_marker(f"{marker} 12")


def test_a_number_without_a_marker_has_none() -> None:
    assert not has_currency_marker("12 Stück")
    assert not has_currency_marker("Größe 42")


def test_a_price_written_with_a_currency_word_beats_an_instalment_with_a_symbol() -> None:
    page = _page(
        '<div class="cena"><span>1 299 Kč</span></div><p>Splátky <span>od € 45</span> měsíčně</p>'
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("1299")
    assert offer.currency == "CZK"


@pytest.mark.parametrize(
    "decoy",
    [
        "<span>+ 4,99 € Versand</span>",
        "<span>Livraison 5,90 €</span>",
        "<span>UVP 89,99 €</span>",
        "<span>Sie sparen 20,00 €</span>",
        "<span>Grundpreis: 9,99 € / kg</span>",
        "<span>Antes 89,99 €</span>",
        "<span>Preț vechi: 89,99 €</span>",
        "<span>Régi ár: 89,99 €</span>",
        "<span>Ovh. 89,99 €</span>",
        "<span>Pôvodná cena 89,99 €</span>",
        "<span>Toimituskulut 5,90 €</span>",
    ],
)
def test_non_english_labels_mark_decoys(decoy: str) -> None:
    page = _page(f'<div class="buybox"><span class="preis">69,99 €</span> {decoy}</div>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("69.99")


def test_korean_labels_mark_the_former_price_and_the_shipping_cost() -> None:
    page = _page(
        "<p>정가 <span>39,000원</span></p><p><span>배송비 3,000원</span></p>"
        '<div><span class="p">29,900원</span></div>'
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("29900"), "KRW")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Auf Lager", Availability.IN_STOCK),
        ("sofort lieferbar", Availability.IN_STOCK),
        ("En stock", Availability.IN_STOCK),
        ("Disponible", Availability.IN_STOCK),
        ("Nur noch 3 Stück", Availability.IN_STOCK),
        ("Agotado", Availability.OUT_OF_STOCK),
        ("Ausverkauft", Availability.OUT_OF_STOCK),
        ("Épuisé", Availability.OUT_OF_STOCK),
        ("Esaurito", Availability.OUT_OF_STOCK),
        ("Niedostępny", Availability.OUT_OF_STOCK),
        ("Uitverkocht", Availability.OUT_OF_STOCK),
        ("在庫切れ", Availability.OUT_OF_STOCK),
        ("Nicht lieferbar", Availability.OUT_OF_STOCK),
        ("În stoc", Availability.IN_STOCK),
        ("Stoc epuizat", Availability.OUT_OF_STOCK),
        ("Raktáron", Availability.IN_STOCK),
        ("Elfogyott", Availability.OUT_OF_STOCK),
        ("Varastossa", Availability.IN_STOCK),
        ("Loppuunmyyty", Availability.OUT_OF_STOCK),
        ("Na sklade", Availability.IN_STOCK),
        ("Vypredané", Availability.OUT_OF_STOCK),
        ("An Lager", Availability.IN_STOCK),
        ("재고 있음", Availability.IN_STOCK),
        ("일시품절", Availability.OUT_OF_STOCK),
    ],
)
def test_stock_wording_in_other_languages(status: str, expected: str) -> None:
    page = _page(f'<div class="price">24,90 €</div><p class="stock">{status}</p>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.availability == expected


def test_no_stock_evidence_stays_unknown() -> None:
    page = _page('<div class="price">24,90 €</div><p>Farbe: Blau</p>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.availability == Availability.UNKNOWN


def test_a_page_whose_only_price_is_a_recommendation_tile_has_none() -> None:
    page = _page(
        "<p>Dieser Artikel ist leider nicht mehr erhältlich.</p>"
        '<section class="recently-viewed"><div class="tile"><span class="price">19,99 €</span>'
        "</div></section>"
    )
    assert find_visible_price(parse_html(page)) is None


@pytest.mark.parametrize(
    ("former", "current"),
    [
        ("prix-barre", "prix-actuel"),
        ("streichpreis", "verkaufspreis"),
        ("prixbarre", "prixactuel"),
        ("preis-uvp", "aktionspreis"),
        ("alter-preis", "preis"),
        ("precio-anterior", "precio-oferta"),
        ("prezzoBarrato", "prezzo"),
        ("prijs-oud", "prijs-actie"),
        ("cena-stara", "cena-aktualna"),
        ("eski-fiyat", "indirimli-fiyat"),
        ("pris-ordinarie", "pris"),
    ],
)
def test_class_names_in_the_pages_language_tell_a_former_price(former: str, current: str) -> None:
    # The former price stands first, nearer the title: only its name tells it apart.
    page = _page(f'<div class="{former}">59,99 €</div><div class="{current}">44,99 €</div>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("44.99")


@pytest.mark.parametrize(
    "buy_box",
    [
        '<div class="fiyat">1.249,90 TL</div><div>Kargo: 29,90 TL</div>',
        '<span class="preis">1.249,90 EUR</span> <span>Versand: 4,90 EUR</span>',
        '<p class="cena">1 249,90 zł</p><p>Dostawa: 9,99 zł</p>',
    ],
)
def test_a_label_of_the_next_price_written_with_a_currency_word_is_not_this_ones(
    buy_box: str,
) -> None:
    offer = find_visible_price(parse_html(_page(buy_box)))
    assert offer is not None
    assert offer.price == Decimal("1249.90")


@pytest.mark.parametrize(
    ("button", "language"),
    [
        ("Lägg i varukorg", "sv"),
        ("Adaugă în coș", "ro"),
        ("Kosárba", "hu"),
        ("Lisää ostoskoriin", "fi"),
        ("Pridať do košíka", "sk"),
        ("장바구니 담기", "ko"),
    ],
)
def test_an_enabled_buy_button_in_more_languages_means_in_stock(button: str, language: str) -> None:
    page = _page(f'<div class="price">24,90 €</div><button>{button}</button>')
    offer = extract_offer(page)
    assert offer is not None, language
    assert offer.availability == Availability.IN_STOCK, language


def test_an_auctions_starting_bid_is_not_its_current_price() -> None:
    page = _page("<p>Starting bid: $10.00</p><p>Current bid: $45.00</p>", title="Vintage lamp")
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("45.00")
    assert not offer.ambiguous


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("This item is no longer available.", Availability.OUT_OF_STOCK),
        ("Sorry, this product is currently out of stock!", Availability.OUT_OF_STOCK),
        ("Dieser Artikel ist leider ausverkauft", Availability.OUT_OF_STOCK),
        ("Cet article est épuisé", Availability.OUT_OF_STOCK),
        ("Producto agotado", Availability.OUT_OF_STOCK),
        ("Questo prodotto è esaurito", Availability.OUT_OF_STOCK),
        ("Dit product is uitverkocht", Availability.OUT_OF_STOCK),
        ("Товар нет в наличии", Availability.OUT_OF_STOCK),
        ("Artikel auf Lager", Availability.IN_STOCK),
        ("Temporarily sold out", Availability.OUT_OF_STOCK),
        ("Derzeit ausverkauft", Availability.OUT_OF_STOCK),
        ("Chwilowo niedostępny", Availability.OUT_OF_STOCK),
        ("Tijdelijk uitverkocht", Availability.OUT_OF_STOCK),
        ("Временно нет в наличии", Availability.OUT_OF_STOCK),
        ("This product has been discontinued", Availability.OUT_OF_STOCK),
        ("Nicht mehr lieferbar", Availability.OUT_OF_STOCK),
        ("Lieferbar in 3-5 Tagen", Availability.IN_STOCK),
        ("Dostępny w 24h", Availability.IN_STOCK),
        ("Disponible en 24h", Availability.IN_STOCK),
        ("Vandaag besteld, morgen in huis", Availability.IN_STOCK),
        ("Low stock", Availability.IN_STOCK),
    ],
)
def test_a_status_stated_of_the_product_in_a_sentence_is_read(sentence: str, expected: str) -> None:
    assert stated_stock(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "This item is available in 3 colours",
        "Product details",
        "This product is in stock and ships today",
        "Lieferzeit 3-4 Werktage",  # a delivery time, shown for items out of stock too
        "Currently viewing 3 items",
    ],
)
def test_a_sentence_that_goes_on_past_the_status_states_none(sentence: str) -> None:
    assert stated_stock(sentence) is None


@pytest.mark.parametrize(
    ("opening", "current", "currency"),
    [
        ("Startpreis:", "Aktuelles Gebot:", "€"),
        ("Mise à prix :", "Enchère actuelle :", "€"),
        ("Precio de salida:", "Puja actual:", "€"),
        ("Startprijs:", "Huidig bod:", "€"),
        ("Cena wywoławcza:", "Aktualna oferta:", "zł"),
        ("Utropspris:", "Ledande bud:", "kr"),
        ("Начальная цена:", "Текущая ставка:", "руб."),
    ],
)
def test_an_auctions_opening_price_loses_to_its_current_bid_in_other_languages(
    opening: str, current: str, currency: str
) -> None:
    # The opening price stands first, nearest the title: only its label tells it apart.
    page = _page(
        f"<dl><dt>{opening}</dt><dd><span>1,00 {currency}</span></dd>"
        f"<dt>{current}</dt><dd><span>45,00 {currency}</span> [12]</dd></dl>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("45.00")


@pytest.mark.parametrize(
    ("tiers", "currency"),
    [
        ("<li>10 or more $88.00</li><li>20 or more $77.00</li>", "$"),
        ("<li>10 oder mehr 88,00 €</li><li>20 oder mehr 77,00 €</li>", "€"),
        ("<li>10 ou plus 88,00 €</li><li>20 ou plus 77,00 €</li>", "€"),
        ("<li>10 o más 88,00 €</li><li>20 o más 77,00 €</li>", "€"),
        ("<li>10 of meer € 88,00</li><li>20 of meer € 77,00</li>", "€"),
        ("<li>10 szt. lub więcej 88,00 zł</li><li>20 szt. lub więcej 77,00 zł</li>", "zł"),
        ("<li>10 adet ve üzeri 88,00 TL</li><li>20 adet ve üzeri 77,00 TL</li>", "TL"),
    ],
)
def test_a_quantity_discount_is_not_the_price_of_one(tiers: str, currency: str) -> None:
    # The tiers stand first, nearest the title; each costs less than one unit.
    price = f"{currency}98.00" if currency == "$" else f"98,00 {currency}"
    page = _page(f"<ul>{tiers}</ul><p><span>{price}</span></p><button>Add to cart</button>")
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("98.00")


GRADUATED = [
    ("de", "Bis 9", "Ab 10", "Ab 50", "€"),
    ("en", "1-9", "From 10 pcs.", "From 50 pcs.", "$"),
    ("fr", "1 à 9", "À partir de 10", "À partir de 50", "€"),
    ("pl", "1-9 szt.", "od 10 szt.", "od 50 szt.", "zł"),
]


def _graduated_table(first: str, second: str, third: str, currency: str) -> str:
    cells = ((first, "8,95"), (second, "7,95"), (third, "6,95"))
    rows = "".join(
        f"<tr><td>{label}</td><td>{amount} {currency}</td></tr>" for label, amount in cells
    )
    return f'<table class="block-prices">{rows}</table>'


@pytest.mark.parametrize(("lang", "first", "second", "third", "currency"), GRADUATED)
def test_a_graduated_prices_tiers_from_a_quantity_are_not_the_price_of_one(
    lang: str, first: str, second: str, third: str, currency: str
) -> None:
    # The table alone shows the prices; each tier past the first costs less.
    page = _page(_graduated_table(first, second, third, currency) + "<button>Add to cart</button>")
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("8.95")
    assert not offer.ambiguous


@pytest.mark.parametrize(("lang", "first", "second", "third", "currency"), GRADUATED)
def test_offers_of_a_graduated_price_resolve_to_the_price_of_one(
    lang: str, first: str, second: str, third: str, currency: str
) -> None:
    # Shopware states one microdata Offer per tier; the cheapest is for 50 units.
    offers = "".join(
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        f'<meta itemprop="price" content="{amount}"><meta itemprop="priceCurrency" '
        'content="EUR"></div>'
        for amount in ("8.95", "7.95", "6.95")
    )
    body = (
        '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Produkt'
        f"</span>{offers}{_graduated_table(first, second, third, '€')}</div>"
    )
    offer = extract_offer(_page(body + "<button>In den Warenkorb</button>"))
    assert offer is not None
    assert offer.price == Decimal("8.95")


@pytest.mark.parametrize("label", ["Versandkostenfrei ab 50 €", "ab 1", "Freigegeben ab 18 Jahren"])
def test_a_label_not_ending_in_a_tiers_quantity_leaves_the_price_alone(label: str) -> None:
    page = _page(f"<p>{label}</p><p><span>8,95 €</span></p><button>Add to cart</button>")
    alone = _page("<p><span>8,95 €</span></p><button>Add to cart</button>")
    labelled, unlabelled = (
        find_visible_price(parse_html(page)),
        find_visible_price(parse_html(alone)),
    )
    assert labelled is not None
    assert unlabelled is not None
    assert labelled.price == Decimal("8.95")
    assert labelled.confidence >= unlabelled.confidence - 0.05


@pytest.mark.parametrize(
    ("unavailable", "other_offers"),
    [
        ("Currently unavailable.", "New &amp; Used (5) from <span>$24.99</span>"),
        ("No disponible por el momento.", "Otros vendedores (3) desde <span>31,50 €</span>"),
        ("Derzeit nicht verfügbar.", "Weitere Angebote ab <span>31,50 €</span>"),
        ("Actuellement indisponible.", "Autres vendeurs (2) à partir de <span>31,50 €</span>"),
    ],
)
def test_other_sellers_offers_are_not_the_price_of_a_page_that_has_none(
    unavailable: str, other_offers: str
) -> None:
    page = _page(
        f'<div class="buybox"><p class="status">{unavailable}</p></div>'
        f"<div><p>{other_offers}</p></div>"
    )
    offer = extract_offer(page)
    assert offer is not None
    assert offer.price is None
    assert offer.availability == Availability.OUT_OF_STOCK


def test_other_sellers_offers_lose_to_the_pages_own_price() -> None:
    page = _page(
        "<p>New &amp; Used (5) from <span>$24.99</span></p>"
        '<div class="buybox"><span class="price">$29.99</span><button>Add to Cart</button></div>'
    )
    offer = extract_offer(page)
    assert offer is not None
    assert offer.price == Decimal("29.99")


@pytest.mark.parametrize(
    "badge",
    ["<span>%19 İndirim</span>", "<span>%19</span> <span>İndirim</span>", "<span>-19%</span>"],
)
def test_a_percentage_badge_beside_the_price_is_never_the_price(badge: str) -> None:
    # The wrapper is named the new price, as its price is: its text, badge and all, is read.
    page = _page(
        f'<div class="price-new">{badge}<span class="price">1.299,90 TL</span></div>'
        "<p>KDV Dahil</p>"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("1299.90"), "TRY")


@pytest.mark.parametrize(
    "heading",
    [
        "Los clientes que vieron este producto también vieron",
        "Les clients ayant consulté cet article ont également consulté",
        "I clienti che hanno visto questo articolo hanno visto anche",
        "Klanten die dit artikel bekeken, bekeken ook",
        "Kunden, die diesen Artikel angesehen haben, sahen sich auch an",
        "Customers who viewed this also viewed",
    ],
)
def test_a_section_of_what_other_shoppers_viewed_holds_no_price_of_the_pages(
    heading: str,
) -> None:
    page = _page(
        "<p>Dieser Artikel ist leider nicht mehr erhältlich.</p>"
        f'<section><h2>{heading}</h2><ul><li><a href="/p/2">Kopfhörer</a>'
        '<span class="price">39,99 €</span></li></ul></section>'
    )
    assert find_visible_price(parse_html(page)) is None


@pytest.mark.parametrize(
    "reference",
    [
        "Niedrigster Preis der letzten 30 Tage: 44,99 €",
        "Prix le plus bas des 30 derniers jours : 44,99 €",
        "Precio más bajo de los últimos 30 días: 44,99 €",
        "Prezzo più basso degli ultimi 30 giorni: 44,99 €",
        "Laagste prijs van de afgelopen 30 dagen: € 44,99",
        "Najniższa cena z ostatnich 30 dni: 44,99 zł",
        "Lägsta pris de senaste 30 dagarna: 44,99 kr",
        "Nejnižší cena za posledních 30 dní: 44,99 €",
        "Lowest price in the last 30 days: €44.99",
    ],
)
def test_the_lowest_price_of_the_last_30_days_is_a_reference_not_the_price(
    reference: str,
) -> None:
    # The EU's Omnibus directive has shops state it beside a reduction; here it stands
    # nearest the title, before the price to pay.
    page = _page(f"<p>{reference}</p><p><span>39,99 €</span> -33 %</p><button>Kaufen</button>")
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("39.99")


def test_a_free_shipping_threshold_is_no_price() -> None:
    page = _page(
        "<p>Spedizione gratuita per ordini superiori a 150 €</p>"
        '<div class="price"><span>59,00 €</span></div>'
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("59.00")
    assert offer.alternatives == ()


@pytest.mark.parametrize(
    ("buy_box", "price", "currency"),
    [
        ('<table><tr><th>販売価格</th><td><span class="M_price">3,300</span>円(税込)</td></tr>'
         "</table>", "3300", "JPY"),
        ('<p><span class="product-price">129,99</span> zł brutto</p>', "129.99", "PLN"),
        ('<p><span class="price">1 299</span> Kč s DPH</p>', "1299", "CZK"),
    ],
)  # fmt: skip
def test_a_currency_written_just_after_the_prices_element_is_its_currency(
    buy_box: str, price: str, currency: str
) -> None:
    offer = find_visible_price(parse_html(_page(buy_box)))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal(price), currency)


@pytest.mark.parametrize(
    ("payment_price", "price"),
    [
        ('<span class="price">R$ 360,90</span> <span>no Pix (5% de desconto)</span>',
         "R$ 379,90"),
        ('ou <strong class="price">R$ 360,90</strong> via Pix', "R$ 379,90"),
        ('<span>Havale / EFT</span> <span class="price">360,90 TL</span>', "379,90 TL"),
    ],
)  # fmt: skip
def test_a_price_for_paying_one_way_is_a_discount_not_the_price(
    payment_price: str, price: str
) -> None:
    # It stands first, nearest the title; the price to pay any way comes after it.
    page = _page(f'<p>{payment_price}</p><p><span class="price">{price}</span></p>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("379.90")


@pytest.mark.parametrize(
    "credit",
    [
        "Po zakupie otrzymasz 22,90 zł na kolejne zakupy",
        "Earn 22,90 zł cashback",
        "22,90 zł Gutschrift für Ihren nächsten Einkauf",
        "Cagnotte fidélité : 22,90 zł",
    ],
)
def test_credit_earned_for_later_purchases_is_not_the_price(credit: str) -> None:
    # Named a price as the price to pay is, and nearer the title.
    page = _page(f'<p class="price">{credit}</p><p class="price">229,00 zł</p>')
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert offer.price == Decimal("229.00")
