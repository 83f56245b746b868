import json
from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction import rules
from extraction.markup import parse_html
from extraction.rules import InvalidRuleError, validate_rules

PAGE = """<html><head><title>Kettle</title></head><body>
  <div class="product">
    <span class="price" data-price="1299.00" content="1299">1.299,00 €</span>
    <span class="was">1.499,00 €</span>
    <span class="plain">49.90</span>
    <p class="stock">Only 3 left in stock</p>
    <link class="schema-stock" href="https://schema.org/OutOfStock">
    <script>window.sku = "K1"; window.price = "USD 15.50";</script>
  </div>
</body></html>"""


class Tree:
    """The page's tree, built on demand; records whether the rule needed it."""

    def __init__(self, html):
        self.html = html
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return parse_html(self.html)


def extract(rule, html=PAGE):
    tree = Tree(html)
    found = [(c.price, c.currency, c.availability) for c in rules.candidates(html, tree, rule)]
    return found, tree.calls


def next_data(data, script_id="__NEXT_DATA__"):
    script = f'<script id="{script_id}" type="application/json">{json.dumps(data)}</script>'
    return f"<html><body>{script}</body></html>"


def test_selector_reads_the_price_text_with_its_currency():
    found, tree_calls = extract({"selector": ".product .price"})
    assert found == [(Decimal("1299.00"), "EUR", Availability.UNKNOWN)]
    assert tree_calls == 1


def test_candidates_come_from_the_rule_source():
    [candidate] = rules.candidates(PAGE, Tree(PAGE), {"selector": ".price"})
    assert candidate.source == "rule"


@pytest.mark.parametrize(
    ("attribute", "expected"), [("data-price", "1299.00"), ("content", "1299")]
)
def test_attribute_is_read_instead_of_text(attribute, expected):
    found, _ = extract({"selector": ".price", "attribute": attribute, "currency": "EUR"})
    assert found == [(Decimal(expected), "EUR", Availability.UNKNOWN)]


def test_missing_attribute_gives_no_candidate():
    assert extract({"selector": ".price", "attribute": "data-missing"})[0] == []


def test_currency_key_is_the_default_when_the_page_states_none():
    assert extract({"selector": ".plain", "currency": "chf"})[0] == [
        (Decimal("49.90"), "CHF", Availability.UNKNOWN)
    ]


def test_currency_key_is_the_hint_for_ambiguous_markers():
    html = '<p class="p">$12.00</p>'
    assert extract({"selector": ".p", "currency": "CAD"}, html)[0] == [
        (Decimal("12.00"), "CAD", Availability.UNKNOWN)
    ]


def test_pattern_applies_to_the_selected_text():
    found, _ = extract({"selector": ".stock", "pattern": r"Only (?P<price>\d+) left"})
    assert found == [(Decimal("3"), None, Availability.UNKNOWN)]


def test_pattern_alone_searches_the_raw_page_without_building_the_tree():
    rule = {"pattern": r'window\.price = "(?P<currency>[A-Z]{3}) (?P<price>[\d.]+)"'}
    found, tree_calls = extract(rule)
    assert found == [(Decimal("15.50"), "USD", Availability.UNKNOWN)]
    assert tree_calls == 0


def test_pattern_without_a_match_gives_no_candidate():
    assert extract({"pattern": r"price: (?P<price>\d+)"})[0] == []


def test_json_path_reads_next_data_without_building_the_tree():
    html = next_data({"props": {"pageProps": {"product": {"offers": [{"price": 2879.2}]}}}})
    found, tree_calls = extract({"json_path": "props.pageProps.product.offers.0.price",
                                 "currency": "EUR"}, html)  # fmt: skip
    assert found == [(Decimal("2879.2"), "EUR", Availability.UNKNOWN)]
    assert tree_calls == 0


@pytest.mark.parametrize(
    ("value", "expected"), [("19.99", "19.99"), (19, "19"), ("1.299,00 €", "1299.00")]
)
def test_json_string_and_number_values_are_read(value, expected):
    html = next_data({"offers": [{"price": 1}, {"price": value}]})
    found, _ = extract({"json_path": "offers.-1.price", "currency": "EUR"}, html)
    assert found == [(Decimal(expected), "EUR", Availability.UNKNOWN)]


@pytest.mark.parametrize(
    "path", ["offers.5.price", "offers.x.price", "missing", "offers", "offers.0.price.deeper"]
)
def test_json_path_that_leads_nowhere_gives_no_candidate(path):
    html = next_data({"offers": [{"price": 5}]})
    assert extract({"json_path": path}, html)[0] == []


def test_json_script_by_plain_id_is_found_without_the_tree():
    html = next_data({"price": "7.25"}, script_id="product-data")
    found, tree_calls = extract({"json_script": "script#product-data", "json_path": "price"}, html)
    assert found == [(Decimal("7.25"), None, Availability.UNKNOWN)]
    assert tree_calls == 0


def test_json_script_by_other_selector_uses_the_tree():
    html = '<script type="application/json" data-role="product">{"p": {"amount": 3}}</script>'
    rule = {"json_script": "script[data-role=product]", "json_path": "p.amount"}
    found, tree_calls = extract(rule, html)
    assert found == [(Decimal("3"), None, Availability.UNKNOWN)]
    assert tree_calls == 1


def test_json_with_pattern_applies_the_pattern_to_the_value():
    html = next_data({"label": "Now only 12,50 EUR!"})
    rule = {"json_path": "label", "pattern": r"only (?P<price>[\d,]+) (?P<currency>\w+)"}
    assert extract(rule, html)[0] == [(Decimal("12.50"), "EUR", Availability.UNKNOWN)]


def test_broken_or_missing_json_script_gives_no_candidate():
    broken = '<script id="__NEXT_DATA__">{"price": </script>'
    assert extract({"json_path": "price"}, broken)[0] == []
    assert extract({"json_path": "price"}, "<html></html>")[0] == []


@pytest.mark.parametrize(
    ("stock_text", "expected"),
    [("only 3 LEFT", Availability.OUT_OF_STOCK), ("sold out", Availability.IN_STOCK)],
)
def test_out_of_stock_text_decides_availability(stock_text, expected):
    rule = {
        "selector": ".price",
        "availability_selector": ".stock",
        "out_of_stock_text": stock_text,
    }
    assert extract(rule)[0][0][2] == expected


def test_availability_selector_alone_reads_schema_availability():
    rule = {"selector": ".price", "availability_selector": "link.schema-stock"}
    assert extract(rule)[0][0][2] == Availability.OUT_OF_STOCK


def test_no_price_means_no_tree_is_built_for_the_stock_element():
    rule = {"pattern": r"nothing (?P<price>\d+)", "availability_selector": ".stock"}
    assert extract(rule) == ([], 0)


def test_missing_availability_element_means_unknown():
    rule = {"selector": ".price", "availability_selector": ".nope", "out_of_stock_text": "Sold out"}
    assert extract(rule)[0][0][2] == Availability.UNKNOWN


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [("1.299 BHD", ".", "1.299"), ("1.299", ",", "1299"), ("12.345,6 €", ",", "12345.6"),
     ("1,234.5", ".", "1234.5"), ("CHF 1'299.–", ".", "1299"), ("7", ",", "7")],
)  # fmt: skip
def test_decimal_key_forces_the_decimal_separator(text, decimal, expected):
    found, _ = extract({"selector": "p", "decimal": decimal}, f"<p>{text}</p>")
    assert [price for price, _, _ in found] == [Decimal(expected)]


def test_every_matching_element_is_a_candidate():
    html = '<p class="p">5,00 €</p><p class="p">5.00 €</p><p class="p">free</p>'
    found, _ = extract({"selector": ".p"}, html)
    assert found == [(Decimal("5.00"), "EUR", Availability.UNKNOWN)] * 2


def test_zero_prices_are_skipped():
    assert extract({"selector": "p"}, "<p>0,00 €</p>")[0] == []


@pytest.mark.parametrize(
    ("rule", "key", "problem"),
    [
        ({"selektor": ".price"}, "selektor", "unknown key"),
        ({"selector": 5}, "selector", "must be a string"),
        ({"selector": "  "}, "selector", "must not be empty"),
        ({"selector": "a:first-child"}, "selector", "pseudo-classes"),
        ({"selector": ".p", "availability_selector": "p + p"}, "availability_selector", "sibling"),
        ({"json_path": "a", "json_script": "script:last-child"}, "json_script", "pseudo-classes"),
        ({"pattern": "(?P<price>[0-9"}, "pattern", "does not compile"),
        ({"pattern": r"(\d+)"}, "pattern", "named group 'price'"),
        ({"json_path": "props..price"}, "json_path", "no empty part"),
        ({"json_path": "price."}, "json_path", "no empty part"),
        ({"selector": ".p", "currency": "euros please"}, "currency", "not a currency code"),
        ({"selector": ".p", "decimal": ";"}, "decimal", "',' or '.'"),
        ({"pattern": "(?P<price>1)", "attribute": "content"}, "attribute", "needs 'selector'"),
        ({"pattern": "(?P<price>1)", "json_script": "#x"}, "json_script", "needs 'json_path'"),
        (
            {"selector": ".p", "out_of_stock_text": "x"},
            "out_of_stock_text",
            "availability_selector",
        ),
        ({"selector": ".p", "json_path": "a.b"}, "json_path", "not both"),
        ({"currency": "EUR"}, "selector", "needs one of"),
        ({}, "selector", "needs one of"),
    ],
)
def test_invalid_rules_are_rejected_naming_the_key_and_problem(rule, key, problem):
    with pytest.raises(InvalidRuleError) as raised:
        validate_rules(rule)
    assert raised.value.key == key
    assert problem in str(raised.value)
    assert repr(key) in str(raised.value)


def test_rules_must_be_a_mapping():
    with pytest.raises(InvalidRuleError, match="mapping"):
        validate_rules([".price"])


def test_invalid_rule_error_is_a_value_error():
    assert issubclass(InvalidRuleError, ValueError)


def test_candidates_validate_the_rule_first():
    tree = Tree(PAGE)
    with pytest.raises(InvalidRuleError):
        rules.candidates(PAGE, tree, {"selector": ".price", "colour": "red"})
    assert tree.calls == 0


def test_valid_rule_passes_validation():
    assert validate_rules({
        "selector": "span.price", "attribute": "content", "pattern": r"(?P<price>[\d.]+)",
        "currency": "EUR", "availability_selector": ".stock", "out_of_stock_text": "Sold out",
        "decimal": ",",
    }) is None  # fmt: skip
