"""The CSS selector subset retailer rules use, including what browsers' "Copy selector"
emits: structural pseudo-classes, :not(), sibling combinators and attribute operators."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_extraction_linear_time import LARGE, MAX_RATIO, SMALL, hostile_page, time_ratio
from ticking_clock import TickingClock

from extraction import rules as retailer_rules
from extraction.budget import BUDGET_STRIDE, Budget, ExtractionTooSlowError
from extraction.markup import Element, parse_html
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
        ("[data-currency='eur'I]", ["19,99 €"]),
        ("[data-currency=EUR s]", ["19,99 €"]),
        ("[data-currency=eur s]", []),
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
        ("a:hover", "the pseudo-class ':hover' is not supported at position 1"),
        ("li:HAS(span)", "the pseudo-class ':has()'"),
        (":is(h1, h2)", "the pseudo-class ':is()'"),
        (":root > body", "the pseudo-class ':root'"),
        ("p::before", "the pseudo-element '::before' is not supported at position 1"),
        ("p:after", "the pseudo-element ':after'"),
        ("a::", "expected a pseudo-element name"),
        ("a:", "expected a pseudo-class name"),
        ("li:not(ul li)", "combinators inside ':not()'"),
        ("li:not(ul > li)", "combinators inside ':not()'"),
        ("li:not(h2 + li)", "combinators inside ':not()'"),
        ("li:not(.a", "expected ')' to close ':not('"),
        ("li:not()", "expected a type"),
        ("li:not", "':not' needs an argument"),
        ("li:not(.a;)", "unexpected ';' in ':not()'"),
        (":not(" * 9 + "a" + ")" * 9, "more than 8 nested ':not()'"),
        ("li:nth-child(2n+1 of .x)", "':nth-child(An+B of S)' is not supported"),
        ("li:nth-child", "':nth-child' needs an argument"),
        ("li:nth-of-type(2", "expected ')' to close ':nth-of-type('"),
        ("li:first-child(1)", "':first-child' takes no argument"),
        ("li:nth-child(1234567890)", "a number in ':nth-child()' is too large"),
        ("svg|rect", "namespaces"),
        ("*|rect", "namespaces"),
        ("[xlink|href]", "namespaces"),
        ("[*|href]", "namespaces"),
        ("td || col", "the column combinator '||'"),
        ("[data-x=1 x]", "the attribute flag 'x' is not supported"),
        ("div + ", "unexpected end"),
        ("div ~ ~ p", "expected a type"),
        ("[data-x", "expected ']'"),
        ("[data-x=1", "expected ']'"),
        ("[data-x='1]", "unterminated string"),
        ("[=1]", "expected an attribute name"),
        ("[a!=1]", "expected ']' or one of = ~= |= ^= *= $="),
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


# --- structural pseudo-classes -------------------------------------------------------------
# An ordered list whose element children are these tags, labelled by tag and rank within
# their tag (li1, p1, li2, ...), with text between them that never counts as a sibling.
LIST_TAGS = ["li", "p", "li", "li", "p", "li", "li", "li", "p", "li"]
LIST_LABELS = [f"{tag}{LIST_TAGS[: index + 1].count(tag)}" for index, tag in enumerate(LIST_TAGS)]
LIST = parse_html(
    "<ol>"
    + "".join(
        f" text <{tag}>{label}</{tag}>" for tag, label in zip(LIST_TAGS, LIST_LABELS, strict=True)
    )
    + " text </ol>"
)
NTH_PSEUDO_CLASSES = {  # name -> (counted from the last, among siblings of its type)
    "nth-child": (False, False),
    "nth-last-child": (True, False),
    "nth-of-type": (False, True),
    "nth-last-of-type": (True, True),
}
# An+B as written, and the A and B it means.
AN_PLUS_B_FORMS = [
    ("odd", 2, 1),
    ("even", 2, 0),
    ("EVEN", 2, 0),
    ("3", 0, 3),
    ("+3", 0, 3),
    ("-3", 0, -3),
    ("0", 0, 0),
    ("2n+1", 2, 1),
    (" 2n + 1 ", 2, 1),
    ("2N+1", 2, 1),
    ("2n-1", 2, -1),
    ("2n- 1", 2, -1),
    ("2n -1", 2, -1),
    ("-n+3", -1, 3),
    ("-n + 3", -1, 3),
    ("n", 1, 0),
    ("+n", 1, 0),
    ("-n", -1, 0),
    ("n+8", 1, 8),
    ("3n", 3, 0),
    ("+3n+2", 3, 2),
    ("-2n+5", -2, 5),
    ("0n+2", 0, 2),
    ("3n+10", 3, 10),
]


def list_texts(selector):
    return [element.text() for element in select(LIST, selector)]


def positions_matching(a, b, from_end, of_type):
    """The list's labels whose position is a*n+b for some n >= 0, by trying every n."""
    labels = []
    for index, tag in enumerate(LIST_TAGS):
        peers = [peer for peer, peer_tag in enumerate(LIST_TAGS) if not of_type or peer_tag == tag]
        position = peers.index(index) + 1
        if from_end:
            position = len(peers) - position + 1
        if any(a * n + b == position for n in range(len(LIST_TAGS) + 1)):
            labels.append(LIST_LABELS[index])
    return labels


@pytest.mark.parametrize("pseudo_class", sorted(NTH_PSEUDO_CLASSES))
@pytest.mark.parametrize(("form", "a", "b"), AN_PLUS_B_FORMS)
def test_nth_pseudo_classes_match_the_positions_an_plus_b_names(pseudo_class, form, a, b):
    from_end, of_type = NTH_PSEUDO_CLASSES[pseudo_class]
    expected = positions_matching(a, b, from_end, of_type)
    assert list_texts(f"ol > :{pseudo_class}({form})") == expected


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("ol > :nth-child(odd)", ["li1", "li2", "p2", "li5", "p3"]),
        ("ol > li:nth-child(2n)", ["li3", "li4", "li6", "li7"]),
        ("ol > :nth-child(-n+3)", ["li1", "p1", "li2"]),
        ("ol > :nth-last-child(-n+3)", ["li6", "p3", "li7"]),
        ("ol > li:nth-of-type(3n+1)", ["li1", "li4", "li7"]),
        ("ol > :nth-of-type(2)", ["li2", "p2"]),
        ("ol > p:nth-last-of-type(2)", ["p2"]),
        ("ol > li:nth-last-of-type(odd)", ["li1", "li3", "li5", "li7"]),
        ("ol > :first-child", ["li1"]),
        ("ol > :last-child", ["li7"]),
        ("ol > p:first-child", []),
        ("ol > :first-of-type", ["li1", "p1"]),
        ("ol > :last-of-type", ["p3", "li7"]),
        ("ol > :only-child", []),
        ("ol > :LAST-CHILD", ["li7"]),
        ("ol > li:nth-child(even):nth-of-type(odd)", ["li3", "li7"]),
    ],
)
def test_structural_pseudo_classes_count_element_siblings_only(selector, expected):
    assert list_texts(selector) == expected


ONLY = parse_html(
    "<div><span>a</span></div>"
    "<div><span>b</span> text <span>c</span></div>"
    "<div><b>d</b><span>e</span></div>"
)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("span:only-child", ["a"]),
        ("span:only-of-type", ["a", "e"]),
        ("div > :only-of-type", ["a", "d", "e"]),
        ("div:only-of-type", []),
        ("div:last-of-type > :first-child", ["d"]),
    ],
)
def test_only_child_and_only_of_type(selector, expected):
    assert [element.text() for element in select(ONLY, selector)] == expected


@pytest.mark.parametrize(
    ("shorthand", "longhand"),
    [
        (":first-child", ":nth-child(1)"),
        (":last-child", ":nth-last-child(1)"),
        (":only-child", ":nth-child(1):nth-last-child(1)"),
        (":first-of-type", ":nth-of-type(1)"),
        (":last-of-type", ":nth-last-of-type(1)"),
        (":only-of-type", ":nth-of-type(1):nth-last-of-type(1)"),
    ],
)
def test_first_last_and_only_are_the_nth_forms_they_abbreviate(shorthand, longhand):
    for page in (LIST, PAGE, ONLY):
        assert select(page, shorthand) == select(page, longhand)


@pytest.mark.parametrize(
    "argument",
    ["", " ", "2 n", "+ 2", "- n", "2n+", "n-", "odd1", "2n++1", "2n + -1", "1.5", "n2", "nn"],
)
def test_malformed_an_plus_b_is_refused(argument):
    with pytest.raises(InvalidSelectorError, match="expected An\\+B"):
        compile_selector(f"li:nth-child({argument})")


# --- sibling combinators -------------------------------------------------------------------
SIBLINGS = parse_html("""
<form>
  <h2>Size</h2>
  <label>S</label> text <span class="size">small</span>
  <label>M</label><b>!</b><span class="size">medium</span>
  <span class="size">large</span>
</form>
<h1>Kettle</h1>
<div class="buy"><span class="price">19,99 €</span></div>
<div class="other"><span class="price">5,00 €</span></div>
""")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("label + span", ["small"]),
        ("label ~ span", ["small", "medium", "large"]),
        ("label~span.size", ["small", "medium", "large"]),
        ("span ~ label", ["M"]),
        ("h2 ~ label + span", ["small"]),
        ("b + span, label + span", ["small", "medium"]),
        ("form > label ~ b", ["!"]),
        ("span + h2", []),
        ("h1 + div .price", ["19,99 €"]),
        ("h1 ~ div .price", ["19,99 €", "5,00 €"]),
        ("h1 + div + div > span", ["5,00 €"]),
        ("form ~ div > .price", ["19,99 €", "5,00 €"]),
        ("div ~ h1", []),
        ("h1 + .other", []),
    ],
)
def test_sibling_combinators(selector, expected):
    assert [element.text() for element in select(SIBLINGS, selector)] == expected


def test_selecting_inside_an_element_still_sees_its_earlier_siblings():
    buy, other = select(SIBLINGS, "div")
    assert [element.text() for element in select(buy, "h1 + div .price")] == ["19,99 €"]
    assert select(other, "h1 + div .price") == []
    assert select(buy, "h1 + div") == []  # the root itself is never selected
    assert compile_selector("h1 + div").matches(buy)
    assert not compile_selector("h1 + div").matches(other)
    assert compile_selector("div:nth-of-type(2)").matches(other)


# --- :not() ---------------------------------------------------------------------------------
OFFERS = parse_html("""
<div class="buy-box sold-out"><span class="a-price-whole">10</span></div>
<div class="buy-box" hidden><span class="a-price-whole">20</span></div>
<div class="buy-box">
  <span class="a-price-whole">30</span><span class="a-price-whole x">31</span>
</div>
""")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("div.buy-box:not(.sold-out) span.a-price-whole", ["20", "30", "31"]),
        ("div.buy-box:not(.sold-out, [hidden]) span", ["30", "31"]),
        ("div:not( .sold-out ):not([hidden]) > span", ["30", "31"]),
        ("span:not(.x)", ["10", "20", "30"]),
        ("span:not(.X)", ["10", "20", "30", "31"]),
        ("span:not(:first-child)", ["31"]),
        ("span:not(:not(.x))", ["31"]),
        ("div:not(:nth-child(2n)) span:not(.x)", ["10", "30"]),
        ("div > :not(span)", []),
        (":not(*)", []),
        ("span:NOT(span.x)", ["10", "20", "30"]),
    ],
)
def test_not_excludes_elements_matching_any_of_its_compound_selectors(selector, expected):
    assert [element.text() for element in select(OFFERS, selector)] == expected


# --- attribute operators -------------------------------------------------------------------
LANGUAGES = parse_html(
    '<p lang="en">a</p><p lang="en-US">b</p><p lang="english">c</p><p lang="EN-gb">d</p>'
)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("[lang|=en]", ["a", "b"]),
        ("[lang|='en']", ["a", "b"]),
        ("[lang|=en i]", ["a", "b", "d"]),
        ("[lang|=EN s]", ["d"]),
        ("[lang|=EN]", ["d"]),
        ('[lang="EN"i]', ["a"]),
        ("[lang|=en-US]", ["b"]),
    ],
)
def test_dash_match_attribute_operator(selector, expected):
    assert [element.text() for element in select(LANGUAGES, selector)] == expected


# --- selectors as developer tools copy them ------------------------------------------------
PRODUCT_PAGE = """<!doctype html>
<html><head><title>Kettle</title></head>
<body>
  <header><div class="logo">Shop</div></header>
  <div id="main">
    <div class="product">
      <h1 class="title">Kettle</h1>
      <div class="gallery"><img src="kettle.jpg"></div>
      <div class="offer">
        <span class="price old">24,99 €</span>
        <span class="price">19,99 €</span>
      </div>
      <div class="offer"><span class="price">17,99 € with the mug</span></div>
    </div>
  </div>
  <div class="recommendations">
    <ul>
      <li><span>Mug 4,99 €</span></li>
      <li><span>Teapot 14,99 €</span></li>
    </ul>
  </div>
</body></html>"""


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("#main > div > div:nth-child(3) > span:nth-child(2)", ["19,99 €"]),
        ("#main > div.product > div:nth-child(3) > span.price", ["24,99 €", "19,99 €"]),
        ("body > div:nth-of-type(2) > ul > li:first-child > span", ["Mug 4,99 €"]),
        ("body > div:nth-child(3) > ul > li:nth-child(2) > span", ["Teapot 14,99 €"]),
        (
            "html body div#main div.product div.offer:nth-child(4) span.price",
            ["17,99 € with the mug"],
        ),
        ("div.offer:last-child > span.price:last-child", ["17,99 € with the mug"]),
        ("h1 + div + div > span.price:not(.old)", ["19,99 €"]),
        ("h1 ~ div:nth-of-type(2) > .price:nth-last-of-type(1)", ["19,99 €"]),
    ],
)
def test_selectors_copied_from_developer_tools(selector, expected):
    page = parse_html(PRODUCT_PAGE)
    assert [element.text() for element in select(page, selector)] == expected


def test_a_retailer_rule_with_a_copied_selector_reads_the_price():
    rule = {
        "selector": "#main > div.product > div:nth-child(3) > span.price:not(.old)",
        "currency": "EUR",
    }
    [candidate] = retailer_rules.candidates(PRODUCT_PAGE, lambda: parse_html(PRODUCT_PAGE), rule)
    assert (candidate.price, candidate.currency) == (Decimal("19.99"), "EUR")


# --- any input: selectors compile or are refused, matching never raises ----------------------
SELECTOR_PIECES = st.sampled_from(
    [
        "div", "li", "span", "*", ".x", "#a", "[a]", "[a=1]", "[a|=x i]", "[a^='x' s]",
        " ", ">", "+", "~", ",", ":", "::", "(", ")", ":not(", ":nth-child(",
        ":nth-last-of-type(", ":first-child", ":only-of-type", ":hover", "2n+1", "odd", "-n",
        "-", " of ", "n", "3", "|", "||", "\\", "'", '"', "[", "]",
    ]
)  # fmt: skip
SELECTORS = st.lists(SELECTOR_PIECES | st.text(max_size=3), max_size=12).map("".join)
MARKUP_PIECES = st.sampled_from(
    [
        "<div>", "</div>", "<div class='x y'>", "<li>", "<li class=x>", "</li>", "<span>",
        "<span class=x a=1>", "</span>", "<b>", "</b>", "<br>", "<p id=a>", "t", " ",
    ]
)  # fmt: skip
TREES = st.lists(MARKUP_PIECES, max_size=40).map(lambda pieces: parse_html("".join(pieces)))
# Tags opened and closed at random: trees of a few dozen elements, many of them siblings.
NESTED_TREES = st.lists(
    st.sampled_from(
        ["<div>", "<div class=x>", "<li>", "<li class='x' a>", "<span>", "<span class=x>", "t"]
        + ["</div>", "</li>", "</span>"] * 2
    ),
    min_size=20,
    max_size=80,
).map(lambda pieces: parse_html("".join(pieces)))


@settings(max_examples=500, deadline=None)
@given(SELECTORS)
def test_any_selector_compiles_or_is_refused_with_invalid_selector_error(selector):
    try:
        compiled = compile_selector(selector)
    except InvalidSelectorError:
        return  # refused: the only way a selector may fail
    assert compiled.text == selector


@settings(max_examples=300, deadline=None)
@given(SELECTORS, TREES)
def test_matching_never_raises_and_select_agrees_with_matches(selector, tree):
    try:
        compiled = compile_selector(selector)
    except InvalidSelectorError:
        return
    selected = compiled.select(tree)
    assert selected == [e for e in tree.iter() if e is not tree and compiled.matches(e)]


def element_siblings(element):
    return [child for child in element.parent.children if isinstance(child, Element)]


def position(element, from_end=False, of_type=False):
    peers = [peer for peer in element_siblings(element) if not of_type or peer.tag == element.tag]
    index = peers.index(element) + 1
    return len(peers) - index + 1 if from_end else index


# Pieces of compound selectors, each with what it means, for a reference matcher.
TYPE_TESTS = {
    "*": lambda e: True,
    "li": lambda e: e.tag == "li",
    "span": lambda e: e.tag == "span",
    "div": lambda e: e.tag == "div",
}
FILTER_TESTS = {
    "": lambda e: True,
    ".x": lambda e: "x" in e.classes,
    ":not(.x)": lambda e: "x" not in e.classes,
    "[a]": lambda e: "a" in e.attrs,
    ":not(.x, [a])": lambda e: "x" not in e.classes and "a" not in e.attrs,
}
POSITION_TESTS = {
    "": lambda e: True,
    ":first-child": lambda e: position(e) == 1,
    ":nth-child(2n+1)": lambda e: position(e) % 2 == 1,
    ":nth-last-child(-n+2)": lambda e: position(e, from_end=True) <= 2,
    ":nth-of-type(2)": lambda e: position(e, of_type=True) == 2,
    ":last-of-type": lambda e: position(e, from_end=True, of_type=True) == 1,
    ":only-child": lambda e: len(element_siblings(e)) == 1,
}
# "*" and "" (no test) half the time, so that chains of several compounds often match.
COMPOUNDS = st.tuples(
    st.just("*") | st.sampled_from(sorted(TYPE_TESTS)),
    st.just("") | st.sampled_from(sorted(FILTER_TESTS)),
    st.just("") | st.sampled_from(sorted(POSITION_TESTS)),
)
COMBINATORS = st.sampled_from([" ", " > ", " + ", " ~ "])


def reference_matches(element, compounds, combinators):
    """Right to left by brute force: the last compound matches `element`, and the rest a
    chain ending at some element the last combinator relates it to."""
    tag, filter_, position_ = compounds[-1]
    if element.tag.startswith("#") or not all(
        test(element)
        for test in (TYPE_TESTS[tag], FILTER_TESTS[filter_], POSITION_TESTS[position_])
    ):
        return False
    if len(compounds) == 1:
        return True
    earlier = element_siblings(element)[: element_siblings(element).index(element)]
    related = {
        " ": list(element.ancestors()),
        " > ": [element.parent],
        " + ": earlier[-1:],
        " ~ ": earlier,
    }[combinators[-1]]
    return any(reference_matches(other, compounds[:-1], combinators[:-1]) for other in related)


@settings(max_examples=400, deadline=None)
@given(st.lists(COMPOUNDS, min_size=1, max_size=4), st.data(), NESTED_TREES)
def test_matching_agrees_with_a_brute_force_reference(compounds, data, tree):
    combinators = data.draw(
        st.lists(COMBINATORS, min_size=len(compounds) - 1, max_size=len(compounds) - 1)
    )
    text = "".join(
        combinator + "".join(compound)
        for combinator, compound in zip(["", *combinators], compounds, strict=True)
    )
    expected = [
        e for e in tree.iter() if e is not tree and reference_matches(e, compounds, combinators)
    ]
    assert select(tree, text) == expected, text


# --- linear time and the budget on a list of many items ---------------------------------------
SIBLING_SELECTORS = (
    "li:nth-child(2n+1), li:nth-last-child(-n+3), li:nth-of-type(odd), "
    "li:nth-last-of-type(2), ul > li + li, li ~ li:not(:first-child):last-child"
)


def test_sibling_selectors_take_linear_time_on_a_list_of_many_items():
    small, large = hostile_page("many_list_items", SMALL), hostile_page("many_list_items", LARGE)
    _ = small.tree, large.tree  # built before timing: only matching is timed
    compiled = compile_selector(SIBLING_SELECTORS)
    ratio = time_ratio(lambda page, budget: compiled.select(page.tree, budget), small, large)
    assert ratio < MAX_RATIO


def long_list():
    [items] = select(hostile_page("many_list_items", 200_000).tree, "ul")
    return items


def budget_checks(selector, root):
    clock = TickingClock(step=1.0)
    compile_selector(selector).select(root, Budget(10**9, clock=clock))
    return clock.readings


def test_counting_a_long_list_from_its_end_checks_the_budget_as_it_counts():
    items = long_list()
    count = len(element_siblings(items.children[-1]))
    walk_only = budget_checks("li", items)
    assert budget_checks("li:nth-last-child(1)", items) >= walk_only + count // BUDGET_STRIDE
    assert budget_checks("li:nth-last-of-type(1)", items) >= walk_only + count // BUDGET_STRIDE


def test_selecting_below_the_end_of_a_long_list_checks_the_budget_reading_its_siblings():
    last = long_list().children[-1]
    with pytest.raises(ExtractionTooSlowError):
        compile_selector("li + li span").select(last, Budget(3, clock=TickingClock(step=1.0)))
