"""Cross-checking structured prices against the price the page visibly shows."""

from decimal import Decimal

from extraction import extract_offer
from extraction.cross_check import displayed, needs_cross_check
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
    assert not needs_cross_check(offer, [other_currency])
    assert needs_cross_check(offer, [other])
    assert needs_cross_check(Offer(Decimal("5.004"), "EUR", "unknown", "jsonld"), [])


def test_displayed_rounds_only_sub_cent_amounts() -> None:
    assert displayed(Decimal("224.904")) == Decimal("224.90")
    assert displayed(Decimal("26.5000")) == Decimal("26.50")
    assert displayed(Decimal("12.5")) == Decimal("12.5")
