import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from untrusted_input import assert_valid_candidates, mutated

from contracts.catalog import Availability
from extraction import jsonld
from extraction.offer import choose_offer


def page(*blocks, script='<script type="application/ld+json">'):
    """A product page whose JSON-LD scripts hold `blocks` (dicts/lists as JSON, str as is)."""
    scripts = "".join(
        f"{script}{b if isinstance(b, str) else json.dumps(b)}</script>" for b in blocks
    )
    return f"<html><head><title>Kettle</title>{scripts}</head><body><p>19.99</p></body></html>"


def offers(html):
    return [(c.price, c.currency, c.availability) for c in jsonld.candidates(html)]


def product(offer, **extra):
    return {"@context": "https://schema.org", "@type": "Product", "name": "Kettle",
            "offers": offer, **extra}  # fmt: skip


OFFER = {"@type": "Offer", "price": "19.99", "priceCurrency": "EUR",
         "availability": "https://schema.org/InStock"}  # fmt: skip


def test_product_offer_gives_price_currency_availability_url_and_sku():
    html = page(product({**OFFER, "url": "https://shop.example/kettle", "sku": "K-1"}))
    [candidate] = jsonld.candidates(html)
    assert candidate.price == Decimal("19.99")
    assert candidate.currency == "EUR"
    assert candidate.availability == Availability.IN_STOCK
    assert candidate.source == "jsonld"
    assert candidate.url == "https://shop.example/kettle"
    assert candidate.sku == "K-1"


@pytest.mark.parametrize(
    "product_type",
    ["Product", ["Product", "Thing"], "schema:Product", "http://schema.org/Product",
     "https://schema.org/Product", "IndividualProduct", "ProductModel"],
)  # fmt: skip
def test_product_type_is_recognised_as_string_list_or_prefixed(product_type):
    html = page({**product(OFFER), "@type": product_type})
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_properties_written_capitalised_are_read():
    # Wix's product pages write "Offers" and "Availability".
    offer = {"@type": "Offer", "Price": "189.9", "PriceCurrency": "ILS",
             "Availability": "https://schema.org/OutOfStock"}  # fmt: skip
    html = page({"@context": "https://schema.org/", "@type": "Product", "name": "Bowl",
                 "Offers": offer})  # fmt: skip
    assert offers(html) == [(Decimal("189.9"), "ILS", Availability.OUT_OF_STOCK)]


def test_offers_as_a_list_give_one_candidate_each():
    html = page(product([{**OFFER, "price": "10.00"}, {**OFFER, "price": "12.50"}]))
    assert [price for price, _, _ in offers(html)] == [Decimal("10.00"), Decimal("12.50")]


def test_untyped_offer_object_is_read():
    html = page(product({"price": 5, "priceCurrency": "usd"}))
    assert offers(html) == [(Decimal(5), "USD", Availability.UNKNOWN)]


def test_aggregate_offer_uses_low_price():
    aggregate = {"@type": "AggregateOffer", "lowPrice": "43.90", "highPrice": "99",
                 "priceCurrency": "EUR"}  # fmt: skip
    assert offers(page(product(aggregate))) == [(Decimal("43.90"), "EUR", Availability.UNKNOWN)]


def test_aggregate_offer_without_low_price_uses_price():
    aggregate = {"@type": "AggregateOffer", "price": 7, "priceCurrency": "GBP"}
    assert offers(page(product(aggregate))) == [(Decimal(7), "GBP", Availability.UNKNOWN)]


def test_aggregate_offer_nested_offers_are_preferred_to_its_low_price():
    aggregate = {
        "@type": "AggregateOffer", "lowPrice": "1.00", "priceCurrency": "USD",
        "offers": [{**OFFER, "price": "5.29", "sku": "A"}, {**OFFER, "price": "9.56", "sku": "B"}],
    }  # fmt: skip
    candidates = jsonld.candidates(page(product(aggregate)))
    assert [(c.price, c.sku) for c in candidates] == [
        (Decimal("5.29"), "A"),
        (Decimal("9.56"), "B"),
    ]


def test_aggregate_offer_beside_concrete_offers_is_dropped():
    aggregate = {"@type": "AggregateOffer", "lowPrice": "1.00", "priceCurrency": "EUR"}
    html = page(product([aggregate, OFFER]))
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_graph_members_are_read():
    html = page({"@context": "https://schema.org",
                 "@graph": [{"@type": "WebSite", "name": "Shop"}, product(OFFER)]})  # fmt: skip
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_top_level_list_is_read():
    html = page([{"@type": "BreadcrumbList", "itemListElement": []}, product(OFFER)])
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_offer_referenced_by_id_in_graph_is_read_with_its_product_sku():
    html = page({"@graph": [
        {"@type": "Product", "sku": "K-9", "offers": {"@id": "#offer"}},
        {**OFFER, "@id": "#offer"},
    ]})  # fmt: skip
    [candidate] = jsonld.candidates(html)
    assert (candidate.price, candidate.sku) == (Decimal("19.99"), "K-9")


def test_main_entity_of_a_web_page_is_read():
    html = page({"@type": "ItemPage", "mainEntity": product(OFFER)})
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_product_group_variants_give_their_offers_with_variant_url_and_sku():
    group = {
        "@type": "ProductGroup", "productGroupID": "G1",
        "offers": {"@type": "AggregateOffer", "lowPrice": "10", "priceCurrency": "EUR"},
        "hasVariant": [
            {"@type": "Product", "sku": "S", "url": "https://shop.example/p?size=s",
             "offers": {**OFFER, "price": "10.00"}},
            {"@type": "Product", "sku": 4711, "url": "https://shop.example/p?size=m",
             "offers": {**OFFER, "price": "12.00", "availability": "OutOfStock"}},
        ],
    }  # fmt: skip
    candidates = jsonld.candidates(page(group))
    assert [(c.price, c.sku, c.url, c.availability) for c in candidates] == [
        (Decimal("10.00"), "S", "https://shop.example/p?size=s", Availability.IN_STOCK),
        (Decimal("12.00"), "4711", "https://shop.example/p?size=m", Availability.OUT_OF_STOCK),
    ]


def test_each_offer_carries_the_name_of_its_top_level_product_variants_included():
    group = {
        "@type": "ProductGroup", "name": "Théière en fonte",
        "hasVariant": [
            {"@type": "Product", "name": "Théière en fonte – noire", "offers": OFFER},
            {"@type": "Product", "name": "Théière en fonte – rouge",
             "offers": {**OFFER, "price": "24.00"}},
        ],
    }  # fmt: skip
    tile = product({**OFFER, "price": "7.50"}, name="Tasse à thé")
    unnamed = {"@type": "Offer", "price": "3.00", "priceCurrency": "EUR"}
    candidates = jsonld.candidates(page(group, tile, unnamed))
    assert [(c.price, c.name) for c in candidates] == [
        (Decimal("19.99"), "Théière en fonte"),
        (Decimal("24.00"), "Théière en fonte"),
        (Decimal("7.50"), "Tasse à thé"),
        (Decimal("3.00"), None),
    ]


def test_an_offer_of_a_named_item_offered_carries_its_name():
    offer = {**OFFER, "itemOffered": {"@type": "Product", "name": "Wasserkocher"}}
    [candidate] = jsonld.candidates(page(offer))
    assert candidate.name == "Wasserkocher"


def test_offer_url_and_sku_fall_back_to_the_product():
    html = page(product(OFFER, sku=12345, url="https://shop.example/k"))
    [candidate] = jsonld.candidates(html)
    assert (candidate.sku, candidate.url) == ("12345", "https://shop.example/k")


def test_top_level_offer_with_item_offered_takes_its_sku_and_url():
    item = {"@type": "Product", "sku": "K-2", "url": "https://shop.example/k2"}
    offer = {**OFFER, "@context": "https://schema.org", "itemOffered": item}
    [candidate] = jsonld.candidates(page(offer))
    assert (candidate.price, candidate.sku, candidate.url) == (
        Decimal("19.99"), "K-2", "https://shop.example/k2")  # fmt: skip


def test_price_specification_gives_the_selling_price():
    offer = {"@type": "Offer", "availability": "InStock", "priceSpecification": [
        {"@type": "UnitPriceSpecification", "priceType": "https://schema.org/StrikethroughPrice",
         "price": "29.99", "priceCurrency": "EUR"},
        {"@type": "UnitPriceSpecification", "price": "13.90", "priceCurrency": "EUR",
         "referenceQuantity": {"value": 1, "unitCode": "KGM"}},
        {"@type": "UnitPriceSpecification", "price": "24.99", "priceCurrency": "EUR"},
    ]}  # fmt: skip
    assert offers(page(product(offer))) == [(Decimal("24.99"), "EUR", Availability.IN_STOCK)]


@pytest.mark.parametrize("ignored", ["ListPrice", "SRP", "http://schema.org/StrikethroughPrice"])
def test_price_specification_with_reference_price_type_is_ignored(ignored):
    offer = {"@type": "Offer", "priceSpecification": {"price": "30", "priceType": ignored}}
    assert offers(page(product(offer))) == []


def test_numeric_and_string_prices_that_are_equal_once_parsed_are_one_offer():
    html = page(product([{**OFFER, "price": 2879.2}, {**OFFER, "price": "2879.20"}]))
    candidates = jsonld.candidates(html)
    assert {c.price for c in candidates} == {Decimal("2879.20")}
    chosen = choose_offer(candidates)
    assert chosen.price == Decimal("2879.2")
    assert not chosen.ambiguous


@pytest.mark.parametrize(
    ("availability", "expected"),
    [
        ("http://schema.org/InStock", Availability.IN_STOCK),
        ("https://schema.org/instock", Availability.IN_STOCK),
        ("schema:InStock", Availability.IN_STOCK),
        ("InStock", Availability.IN_STOCK),
        ("OUTOFSTOCK", Availability.OUT_OF_STOCK),
        ("https://schema.org/OutOfStock", Availability.OUT_OF_STOCK),
        ({"@id": "schema:InStock"}, Availability.IN_STOCK),
        ("Whenever", Availability.UNKNOWN),
    ],
)
def test_availability_is_normalised(availability, expected):
    html = page(product({**OFFER, "availability": availability}))
    assert offers(html)[0][2] == expected


@pytest.mark.parametrize("price", [0, "0.00", -5, "-5", None, "", "free", True, [], {}])
def test_zero_negative_and_missing_prices_are_skipped(price):
    assert offers(page(product({**OFFER, "price": price}))) == []


def test_offers_of_related_similar_reviewed_and_breadcrumb_nodes_are_ignored():
    other = {"@type": "Product", "offers": {**OFFER, "price": "999"}}
    html = page(
        product(OFFER, isRelatedTo=other, isSimilarTo=[other],
                review={"@type": "Review", "itemReviewed": other}),
        {"@type": "BreadcrumbList", "itemListElement": [{"@type": "ListItem", "item": other}]},
        {"@type": "ItemList", "itemListElement": [other]},
    )  # fmt: skip
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_currency_symbol_in_price_text_is_used_when_no_price_currency():
    assert offers(page(product({"price": "€19.99"}))) == [
        (Decimal("19.99"), "EUR", Availability.UNKNOWN)
    ]


@pytest.mark.parametrize(
    "script",
    ["<script type='application/ld+json'>", "<script type=application/ld+json>",
     '<SCRIPT TYPE="Application/LD+JSON">', '<Script data-v="a+b" Type="application/ld+json">',
     '<script id="ld" type = "application/ld+json" nonce="x">',
     '<script\n  type="application/ld+json; charset=utf-8"\n>'],
)  # fmt: skip
def test_script_tag_in_any_quoting_casing_or_with_extra_attributes_is_found(script):
    assert offers(page(product(OFFER), script=script)) == [
        (Decimal("19.99"), "EUR", Availability.IN_STOCK)
    ]


@pytest.mark.parametrize(
    "script",
    ['<script type="application/json">', '<script data-type="application/ld+json">',
     '<script data-v="a+b" type="text/javascript">'],
)  # fmt: skip
def test_other_scripts_are_not_json_ld(script):
    assert offers(page(product(OFFER), script=script)) == []


GOOD = json.dumps(product(OFFER))


@pytest.mark.parametrize(
    "block",
    [f"<!-- {GOOD} -->", f"<![CDATA[{GOOD}]]>", f"//<![CDATA[\n{GOOD}\n//]]>",
     f"/*<![CDATA[*/{GOOD}/*]]>*/", GOOD.replace("}", ", }"),
     GOOD.replace("Kettle", "Ket\ntle\t2"), f"{GOOD} trailing words", f"{GOOD};",
     f"var data = {GOOD}", GOOD.replace("Kettle", "Ket\\'tle"),
     GOOD.replace('"', "&quot;")],
    ids=["comment", "cdata", "js-cdata", "block-comment-cdata", "trailing-commas",
         "control-characters", "stray-text-after", "semicolon", "stray-text-before",
         "invalid-escape", "entity-escaped"],
)  # fmt: skip
def test_malformed_json_ld_is_read_leniently(block):
    assert offers(page(block)) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_concatenated_objects_in_one_script_are_all_read():
    second = json.dumps(product({**OFFER, "price": "5.00"}))
    assert [price for price, _, _ in offers(page(GOOD + "\n" + second))] == [
        Decimal("19.99"), Decimal("5.00")]  # fmt: skip


def test_an_unreadable_block_is_skipped_and_the_others_used():
    assert offers(page('{"@type": "Product", "offers": {', GOOD)) == [
        (Decimal("19.99"), "EUR", Availability.IN_STOCK)]  # fmt: skip


def test_a_script_tag_written_in_a_json_ld_text_starts_no_block():
    text = json.dumps(product(OFFER, description='<script type="application/ld+json">{"a":'))
    assert offers(page(text)) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_a_script_tag_never_closed_starts_no_block():
    assert offers(page(GOOD) + '<script type="application/ld+json" {') == [
        (Decimal("19.99"), "EUR", Availability.IN_STOCK)]  # fmt: skip


def test_unterminated_script_is_still_read():
    html = f'<script type="application/ld+json">{GOOD}'
    assert offers(html) == [(Decimal("19.99"), "EUR", Availability.IN_STOCK)]


def test_hostile_nesting_cycles_and_huge_lists_do_not_raise():
    deep = "[" * 100_000 + "]" * 100_000
    cycle = {"@graph": [{"@id": "#a", "@type": "Product", "hasVariant": {"@id": "#a"},
                         "offers": {"@id": "#a"}}]}  # fmt: skip
    many = product([{**OFFER, "price": str(i + 1)} for i in range(6_000)])
    nested = {"@type": "Product", "offers": OFFER}
    for _ in range(500):
        nested = {"@type": "ProductGroup", "hasVariant": nested}
    assert offers(page(deep, cycle)) == []
    assert 0 < len(jsonld.candidates(page(many))) <= 500
    assert offers(page(nested)) == []  # beyond the depth guard: not read, not a crash


def test_page_without_json_ld_has_no_candidates():
    assert jsonld.candidates("<html><body>Price: 19.99 €</body></html>") == []


@settings(max_examples=150, deadline=None)
@given(st.text() | mutated(page(GOOD, product([OFFER, {**OFFER, "price": 2.5}]))))
def test_random_and_mutated_pages_never_raise_and_give_valid_candidates(html):
    assert_valid_candidates(jsonld.candidates(html))


@settings(max_examples=100, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["Product", "Offer", "AggregateOffer", "InStock", "19.99", "@id"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["@type", "@graph", "@id", "offers", "price", "lowPrice",
                                       "priceCurrency", "availability", "hasVariant",
                                       "itemOffered", "priceSpecification", "sku", "url"]),
                      children, max_size=5),
    max_leaves=30,
))  # fmt: skip
def test_arbitrary_json_structures_never_raise(data):
    assert_valid_candidates(jsonld.candidates(page(json.dumps(data))))


def test_an_aggregate_offer_states_the_top_of_its_range() -> None:
    page = (
        '<script type="application/ld+json">{"@type": "Product", "name": "Sofa", "offers": '
        '{"@type": "AggregateOffer", "lowPrice": "749.99", "highPrice": "1199.99", '
        '"priceCurrency": "EUR"}}</script>'
    )
    (candidate,) = jsonld.read(page).candidates
    assert (candidate.price, candidate.highest) == (Decimal("749.99"), Decimal("1199.99"))


def test_an_aggregate_offer_of_one_price_and_a_plain_offer_state_no_range() -> None:
    page = (
        '<script type="application/ld+json">[{"@type": "Product", "name": "Sofa", "offers": '
        '{"@type": "AggregateOffer", "lowPrice": "43.90", "highPrice": "43.90"}}, '
        '{"@type": "Product", "name": "Chair", "offers": {"@type": "Offer", "price": "20",'
        ' "highPrice": "30"}}]</script>'
    )
    assert [c.highest for c in jsonld.read(page).candidates] == [None, None]
