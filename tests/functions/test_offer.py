from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction.markup import parse_html
from extraction.offer import Offer, OfferCandidate, choose_offer, normalize_availability
from extraction.page_identity import PageIdentity


def candidate(
    price, currency="USD", availability=Availability.IN_STOCK, url=None, sku=None, name=None
):
    return OfferCandidate(
        Decimal(price), currency, availability, "jsonld", url=url, sku=sku, name=name
    )


def page_named(head, body="", url=None):
    """The identity of a page with this head and body (its h1 read from its tree)."""
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return PageIdentity(html, url, lambda: parse_html(html))


# A page's own product among recommendation tiles that cost less.
TILES = [
    candidate("9.99", name="Acme Mug"),
    candidate("34.99", name="Acme Steel Kettle 1.7 L", url="/p/kettle"),
    candidate("19.99", name="Acme Toaster", url="/p/toaster"),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://schema.org/InStock", Availability.IN_STOCK),
        ("https://schema.org/instock", Availability.IN_STOCK),
        ("schema:InStock", Availability.IN_STOCK),
        ("INSTOCK", Availability.IN_STOCK),
        ("In Stock", Availability.IN_STOCK),
        ("https://schema.org/LimitedAvailability", Availability.IN_STOCK),
        ("http://schema.org/PreOrder", Availability.IN_STOCK),
        ("http://schema.org/OutOfStock", Availability.OUT_OF_STOCK),
        ("https://SCHEMA.ORG/SoldOut", Availability.OUT_OF_STOCK),
        ("Discontinued", Availability.OUT_OF_STOCK),
        ("out of stock", Availability.OUT_OF_STOCK),
        ("oos", Availability.UNKNOWN),
        ("", Availability.UNKNOWN),
        (None, Availability.UNKNOWN),
        (["InStock"], Availability.UNKNOWN),
    ],
)
def test_availability_is_read_in_any_casing_or_prefix(value, expected):
    assert normalize_availability(value) == expected


def test_no_candidates_means_no_offer():
    assert choose_offer([]) is None


def test_prices_equal_once_parsed_are_not_a_conflict():
    offer = choose_offer([candidate("2879.2"), candidate("2879.20")])
    assert offer.price == Decimal("2879.2")
    assert not offer.ambiguous
    assert offer.alternatives == ()


def test_offer_matching_the_page_url_wins_without_ambiguity():
    offers = [
        candidate("10.00", url="https://shop.example/p/red"),
        candidate("12.00", url="https://shop.example/p/blue/"),
    ]
    offer = choose_offer(offers, "https://www.shop.example/p/blue#reviews")
    assert offer.price == Decimal("12.00")
    assert not offer.ambiguous
    assert offer.alternatives == (Decimal("10.00"),)


def test_offer_whose_sku_appears_in_the_page_url_wins():
    offers = [candidate("10.00", sku="AB-100"), candidate("12.00", sku="AB-200")]
    offer = choose_offer(offers, "https://shop.example/item?sku=ab-200&ref=x")
    assert offer.price == Decimal("12.00")
    assert not offer.ambiguous


def test_short_skus_do_not_match_by_accident():
    offers = [candidate("10.00", sku="1"), candidate("12.00", sku="2")]
    offer = choose_offer(offers, "https://shop.example/2/1")
    assert offer.price == Decimal("10.00")
    assert offer.ambiguous


def test_disagreeing_offers_fall_back_to_the_lowest_in_stock_price_flagged_ambiguous():
    offers = [
        candidate("5.00", availability=Availability.OUT_OF_STOCK),
        candidate("9.56"),
        candidate("7.10"),
        candidate("6.00", availability=Availability.UNKNOWN),
    ]
    offer = choose_offer(offers, "https://shop.example/other")
    assert offer.price == Decimal("7.10")
    assert offer.availability == Availability.IN_STOCK
    assert offer.ambiguous
    assert offer.alternatives == (Decimal("5.00"), Decimal("6.00"), Decimal("9.56"))


def test_all_out_of_stock_offers_report_out_of_stock():
    offer = choose_offer(
        [
            candidate("5", availability=Availability.OUT_OF_STOCK),
            candidate("4", availability=Availability.OUT_OF_STOCK),
        ]
    )
    assert offer.price == Decimal("4")
    assert offer.availability == Availability.OUT_OF_STOCK


def test_same_price_in_stock_anywhere_means_in_stock():
    offer = choose_offer(
        [
            candidate("5", availability=Availability.UNKNOWN),
            candidate("5.0", availability=Availability.IN_STOCK),
        ]
    )
    assert offer.availability == Availability.IN_STOCK


def test_offer_at_the_pages_canonical_url_wins_over_cheaper_tiles():
    identity = page_named(
        '<link rel="canonical" href="https://shop.example/p/kettle">',
        url="https://shop.example/p/kettle?utm_campaign=mail",
    )
    offer = choose_offer(TILES, identity=identity)
    assert (offer.price, offer.ambiguous) == (Decimal("34.99"), False)


def test_offer_named_like_the_pages_h1_wins_over_cheaper_tiles():
    identity = page_named("<title>Shop</title>", "<h1>Acme Steel Kettle 1.7&nbsp;L</h1>")
    offer = choose_offer(TILES, "https://shop.example/search?q=kettle", identity=identity)
    assert (offer.price, offer.ambiguous) == (Decimal("34.99"), False)
    assert offer.alternatives == (Decimal("9.99"), Decimal("19.99"))


def test_offer_named_like_the_og_title_wins_over_cheaper_tiles():
    identity = page_named('<meta property="og:title" content="Acme steel kettle, 1.7 L">')
    assert choose_offer(TILES, identity=identity).price == Decimal("34.99")


def test_offer_whose_name_the_title_only_contains_wins_but_stays_ambiguous():
    identity = page_named("<title>Acme Steel Kettle 1.7 L, brushed, with filter</title>")
    offer = choose_offer(TILES, identity=identity)
    assert (offer.price, offer.ambiguous) == (Decimal("34.99"), True)


def test_offers_of_one_named_product_at_several_prices_stay_ambiguous():
    offers = [
        candidate("12.00", name="Wasserkocher"),
        candidate("10.00", name="Wasserkocher"),
        candidate("4.00", name="Teetasse"),
    ]
    offer = choose_offer(offers, identity=page_named("<title>Wasserkocher | Küche</title>"))
    assert (offer.price, offer.ambiguous) == (Decimal("10.00"), True)


def test_a_page_naming_none_of_the_products_falls_back_to_the_lowest_in_stock_price():
    identity = page_named("<title>Boutique</title>", "<h1>Nouveautés</h1>")
    offer = choose_offer(TILES, identity=identity)
    assert (offer.price, offer.ambiguous) == (Decimal("9.99"), True)


def test_offer_without_currency_takes_the_single_currency_the_page_states():
    offer = choose_offer([candidate("5", currency=None), candidate("5", currency="EUR")])
    assert offer.currency == "EUR"


def test_offer_without_currency_stays_unknown_when_the_page_states_several():
    offers = [
        candidate("4", currency=None),
        candidate("5", currency="EUR"),
        candidate("6", currency="USD"),
    ]
    assert choose_offer(offers).currency is None


def test_offer_serialises_for_logs_and_the_cli():
    offer = Offer(
        Decimal("12.50"),
        "EUR",
        Availability.IN_STOCK,
        "heuristic",
        confidence=0.71234,
        ambiguous=True,
        alternatives=(Decimal("15"),),
    )
    assert offer.to_dict() == {
        "price": "12.50",
        "currency": "EUR",
        "availability": Availability.IN_STOCK,
        "source": "heuristic",
        "confidence": 0.712,
        "ambiguous": True,
        "alternatives": ["15"],
        "agreed_sources": [],
    }
