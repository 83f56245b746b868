import pytest

from extraction.markup import parse_html
from extraction.selectors import InvalidSelectorError, compile_selector, select

PAGE = parse_html("""
<html><body>
  <div id="main" class="product page">
    <h1 class="title">Kettle</h1>
    <div class="buy">
      <span class="price current" data-price="19.99" data-currency="EUR">19,99 €</span>
      <span class="price old" data-price="24.99"><s>24,99 €</s></span>
    </div>
    <p><span class="price-note">incl. VAT</span></p>
    <meta itemprop="price" content="19.99">
    <a href="/kettle.html" rel="canonical next">link</a>
  </div>
  <aside><span class="price">5,00 €</span></aside>
</body></html>
""")


def texts(selector):
    return [element.text() for element in select(PAGE, selector)]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("h1", ["Kettle"]),
        ("H1", ["Kettle"]),
        ("#main > h1", ["Kettle"]),
        (".title", ["Kettle"]),
        (".price", ["19,99 €", "24,99 €", "5,00 €"]),
        (".price.current", ["19,99 €"]),
        ("span.price.old", ["24,99 €"]),
        ("[data-currency]", ["19,99 €"]),
        ("[data-price=24.99]", ["24,99 €"]),
        ('[data-price="19.99"]', ["19,99 €"]),
        ("[data-price='19.99']", ["19,99 €"]),
        ("[rel~=next]", ["link"]),
        ("[rel~=canon]", []),
        ("[class^=price-]", ["incl. VAT"]),
        ("[href$='.html']", ["link"]),
        ("[class*=ice-n]", ["incl. VAT"]),
        ("[data-currency=eur i]", ["19,99 €"]),
        ("[data-currency=eur]", []),
        ("span.price[data-price]", ["19,99 €", "24,99 €"]),
        ("#main .price", ["19,99 €", "24,99 €"]),
        ("#main > .price", []),
        ("div.buy > span.price", ["19,99 €", "24,99 €"]),
        ("body div span.price", ["19,99 €", "24,99 €"]),
        ("aside .price, .price.current", ["19,99 €", "5,00 €"]),
        (".price, span.price", ["19,99 €", "24,99 €", "5,00 €"]),
        ("*.title", ["Kettle"]),
        ("div>h1", ["Kettle"]),
        ("  .title  ", ["Kettle"]),
    ],
)
def test_supported_selectors_match_in_document_order(selector, expected):
    assert texts(selector) == expected


def test_attribute_selector_reads_meta_content():
    [element] = select(PAGE, 'meta[itemprop="price"]')
    assert element.get("content") == "19.99"


def test_escaped_characters_in_class_names():
    root = parse_html('<p class="md:text-lg">big</p>')
    assert [e.text() for e in select(root, r".md\:text-lg")] == ["big"]


def test_select_never_returns_the_root_itself():
    root = parse_html("<div class='x'><div class='x'>inner</div></div>").children[0]
    assert [e.text() for e in select(root, ".x")] == ["inner"]


def test_compiled_selector_is_reusable_and_cached():
    compiled = compile_selector(".price.current")
    assert compiled is compile_selector(".price.current")
    assert [e.text() for e in compiled.select(PAGE)] == ["19,99 €"]


@pytest.mark.parametrize(
    ("selector", "reason"),
    [
        ("", "expected a type"),
        ("   ", "expected a type"),
        ("a:hover", "pseudo-classes"),
        ("p::before", "pseudo-classes"),
        ("h1 + p", "sibling combinator"),
        ("h1 ~ p", "sibling combinator"),
        ("[lang|=en]", "[attr|=value]"),
        ("svg|rect", "namespaces"),
        ("[data-x", "expected ']'"),
        ("[data-x=1", "expected ']'"),
        ("[data-x='1]", "unterminated string"),
        ("[=1]", "expected an attribute name"),
        ("[a!=1]", "expected ']' or one of"),
        ("[a=]", "expected an attribute value"),
        ("div >", "unexpected end"),
        ("div,", "unexpected end"),
        (", div", "expected a type"),
        ("div > > p", "expected a type"),
        ("#", "expected an id"),
        (".", "expected a class name"),
        ("div)", "unexpected ')'"),
        (r".a\31 23", "hexadecimal escapes"),
    ],
)
def test_unsupported_or_malformed_selectors_raise_a_clear_error(selector, reason):
    with pytest.raises(InvalidSelectorError) as raised:
        compile_selector(selector)
    assert reason in str(raised.value)
    assert repr(selector) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_non_string_selector_is_rejected():
    with pytest.raises(InvalidSelectorError):
        compile_selector(42)
