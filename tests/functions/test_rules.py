import json
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        ({"selector": "a:hover"}, "selector", "pseudo-class"),
        ({"selector": ".p", "availability_selector": "p || p"}, "availability_selector", "column"),
        ({"json_path": "a", "json_script": "script:hover"}, "json_script", "pseudo-class"),
        ({"pattern": "(?P<price>[0-9"}, "pattern", "does not compile"),
        ({"pattern": r"(\d+)"}, "pattern", "named group 'price'"),
        ({"json_path": "props..price"}, "json_path", "no empty part"),
        ({"json_path": "price."}, "json_path", "no empty part"),
        ({"json_path": "offers[0.price"}, "json_path", "not a valid JMESPath expression"),
        ({"json_path": "offers[0]..price"}, "json_path", "(position 10: "),
        ({"json_path": "data.items[?sku=='123'"}, "json_path", "incomplete JMESPath"),
        ({"json_path": "offers[0].price - 1"}, "json_path", "position 16: Unknown token '-'"),
        ({"json_path": "lenght(offers)"}, "json_path", "unknown JMESPath function lenght()"),
        ({"json_path": "max(offers[].price, `1`)"}, "json_path", "max() takes 1 arguments"),
        ({"json_path": "not_null()"}, "json_path", "takes at least 1 arguments, not 0"),
        ({"json_path": "(" * 600 + "a" + ")" * 600}, "json_path", "at most 1,000 characters"),
        ({"json_path": "[" * 900}, "json_path", "nested too deeply"),
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


# --- json_path as a JMESPath expression ---------------------------------------------------

NEXT_DATA = {
    "props": {
        "pageProps": {
            "product": {
                "available": True,
                "offers": [{"price": "49.90", "currency": "EUR"}, {"price": 44.5}],
                "variants": [
                    {"sku": "S", "available": False, "price": 39},
                    {"sku": "M", "available": True, "price": 42},
                    {"sku": "L", "available": True, "price": 45},
                ],
                "label": "from 39 €",
            }
        }
    }
}
PRODUCT_JSON = {
    "data": {"items": [{"sku": "122", "price": "9.99"}, {"sku": "123", "price": "12.50"}]}
}


def product_json_page():
    """A plain JSON script (not Next.js) with an id, among other scripts."""
    return (
        "<html><head><script>window.x = 1;</script></head><body>"
        f'<script type="application/json" id="product-json">{json.dumps(PRODUCT_JSON)}</script>'
        "</body></html>"
    )


@pytest.mark.parametrize(
    ("json_path", "expected"),
    [
        ("props.pageProps.product.offers[0].price", "49.90"),
        ("props.pageProps.product.offers[-1].price", "44.5"),
        ("props.pageProps.product.variants[?available].price | [0]", "42"),
        ("props.pageProps.product.variants[?sku=='L'].price | [0]", "45"),
        ("min(props.pageProps.product.variants[*].price)", "39"),
        ("props.pageProps.product.salePrice || props.pageProps.product.offers[1].price", "44.5"),
        ('props.pageProps."product".offers[0].price', "49.90"),
    ],
)
def test_jmespath_expression_reads_next_data_without_building_the_tree(json_path, expected):
    found, tree_calls = extract({"json_path": json_path, "currency": "EUR"}, next_data(NEXT_DATA))
    assert found == [(Decimal(expected), "EUR", Availability.UNKNOWN)]
    assert tree_calls == 0


def test_jmespath_filter_reads_a_plain_json_script_by_id():
    rule = {"json_script": "#product-json", "json_path": "data.items[?sku=='123'].price | [0]"}
    found, tree_calls = extract(rule, product_json_page())
    assert found == [(Decimal("12.50"), None, Availability.UNKNOWN)]
    assert tree_calls == 0


def test_jmespath_string_result_is_read_as_displayed_text_with_the_pattern():
    rule = {
        "json_path": "props.pageProps.product.label",
        "pattern": r"from (?P<price>\d+) (?P<currency>€)",
    }
    assert extract(rule, next_data(NEXT_DATA))[0] == [(Decimal("39"), "EUR", Availability.UNKNOWN)]


@pytest.mark.parametrize(
    ("document", "json_path", "expected"),
    [
        (NEXT_DATA, "props.pageProps.product.offers.1.price", 44.5),
        (NEXT_DATA, "props.pageProps.product.offers.-2.price", "49.90"),
        ({"@graph": [{"offers": {"price": "5"}}]}, "@graph.0.offers.price", "5"),
        ({"data-layer": {"og:price": 7}}, "data-layer.og:price", 7),
        ({"a b": {"0": 3}}, "a b.0", 3),
    ],
)
def test_dotted_path_keeps_its_meaning_and_needs_no_jmespath(
    without_jmespath, document, json_path, expected
):
    """Numeric list indices and names JMESPath would need quoted read as they always did,
    with jmespath not installed."""
    assert rules.json_value(document, json_path) == rules.JsonValue(expected)
    validate_rules({"json_path": json_path})


def test_jmespath_expression_without_jmespath_installed_is_an_invalid_rule(without_jmespath):
    with pytest.raises(InvalidRuleError, match="jmespath is required") as raised:
        validate_rules({"json_path": "offers[0].price"})
    assert raised.value.key == "json_path"


@pytest.fixture
def without_jmespath(monkeypatch):
    """jmespath not importable, and no expression compiled before (compiling is cached)."""
    monkeypatch.setitem(sys.modules, "jmespath", None)  # `import jmespath` raises ImportError
    rules._json_path_reader.cache_clear()
    yield
    rules._json_path_reader.cache_clear()


@pytest.mark.parametrize(
    ("json_path", "refused"),
    [
        ("props.pageProps.product.offers", "a list of 2 values, not one price"),
        ("props.pageProps.product.variants[?available].price", "a list of 2 values"),
        ("props.pageProps.product.offers[0]", "an object, not a price"),
        ("props.pageProps.product.available", "a boolean, not a price"),
        ("props.pageProps.product.offers[5].price", "selects nothing"),
        ("props.pageProps.missing.price", "selects nothing"),
        ("props.pageProps.product.variants[?sku=='XL'].price | [0]", "selects nothing"),
        ("floor(props.pageProps.product.label)", "fails on this JSON (JMESPathTypeError"),
    ],
)
def test_json_path_result_that_is_no_single_price_gives_no_price_and_says_why(json_path, refused):
    assert extract({"json_path": json_path}, next_data(NEXT_DATA))[0] == []
    reading = rules.json_value(NEXT_DATA, json_path)
    assert reading.value is None
    assert refused in reading.refused


def test_jmespath_function_on_a_non_finite_number_gives_no_price():
    html = '<script id="__NEXT_DATA__">{"price": Infinity}</script>'
    assert extract({"json_path": "floor(price)"}, html)[0] == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "price", "sku"]), children, max_size=4)
    ),
    max_leaves=30,
)
EXPRESSION_PARTS = st.sampled_from(
    ["a", "b", "price", ".", "[", "]", "[0]", "[-1]", "[*]", "[]", "[?", "==", "'123'", "`1`",
     "|", "||", "&&", "!", "(", ")", ",", "@", "*", "&", "{", "}", ":", "length(", "floor(",
     "sort_by(", "max(", "contains(", "to_number(", "\"", "'", " ", "\n"]
)  # fmt: skip
EXPRESSIONS = st.lists(EXPRESSION_PARTS, min_size=1, max_size=12).map("".join) | st.text()


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS)
def test_any_json_path_string_is_valid_or_an_invalid_rule_naming_it(json_path):
    try:
        validate_rules({"json_path": json_path})
    except InvalidRuleError as error:
        problem = error
    else:
        return
    assert problem.key == "json_path"
    assert "\n" not in problem.problem  # one line, for logs and config errors


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, JSON_VALUES)
def test_a_valid_json_path_on_any_json_gives_a_value_or_a_reason(json_path, document):
    try:
        validate_rules({"json_path": json_path})
    except InvalidRuleError:
        return
    reading = rules.json_value(document, json_path)
    assert (reading.value is None) != (reading.refused is None)
