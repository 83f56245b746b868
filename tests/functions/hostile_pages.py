"""Generators of hostile product pages, one per shape that once made extraction super-linear.

Each shape is a function of a size in characters returning a page of about that size. The
shapes repeat a short unit (malformed markup, a run of digits) or stretch one long run
(whitespace inside an attribute), so the work they cause grows with the page the way it
does on a real broken page. They are shared by the linear-time test and its benchmarks.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    count = max(1, (size - len(head) - len(tail)) // len(unit))
    return head + unit * count + tail


def _run(prefix: str, fill: str, suffix: str, size: int) -> str:
    """One construct whose inner run of `fill` stretches to the page size."""
    return prefix + fill * max(1, size - len(prefix) - len(suffix)) + suffix


_PRODUCT_HEAD = "<html><head><title>Kettle</title></head><body><h1>Kettle</h1>"


def unclosed_script(size: int) -> str:
    return _repeat('<script src="a.js" ', size, _PRODUCT_HEAD)


def glued_script(size: int) -> str:
    """`<script<script...`: one tag name that runs to the end of the page."""
    return _repeat("<script", size, _PRODUCT_HEAD)


def unclosed_meta(size: int) -> str:
    return _repeat('<meta property="og:price:amount" content="1.99" ', size, _PRODUCT_HEAD)


def unclosed_anchor_quote(size: int) -> str:
    return _repeat('<a "$1.99 ', size, _PRODUCT_HEAD)


def mixed_open_quotes(size: int) -> str:
    return _repeat('<p a=\'1 b="2 <i c="3 ', size, _PRODUCT_HEAD)


def bang_runs(size: int) -> str:
    return _repeat("<!x <?y <!", size, _PRODUCT_HEAD)


def unclosed_comments(size: int) -> str:
    return _repeat("<!-- a -", size, _PRODUCT_HEAD)


def unquoted_itemprop(size: int) -> str:
    return _repeat("itemprop=name itemscope ", size, _PRODUCT_HEAD + "<div ")


def captcha_form(size: int) -> str:
    """A captcha form page (small-page markers apply below 64 KB) whose inputs never close."""
    head = "<html><head><title>Security check</title></head><body>captcha <form "
    return _repeat('<input type=hidden name=token value="x" ', size, head)


def unclosed_title(size: int) -> str:
    return _repeat("<title ", size, "<html><head>")


def stray_quotes_in_tags(size: int) -> str:
    """Quotes where HTML's tokenizer reads them as characters of a name or an unquoted
    value, and "=" after spaces, in tags that never close: each reading of them, from each
    "<", must meet the failed readings before it."""
    return _repeat('<a b"c=d\'e f = "g <i j=k"l =\'m ', size, _PRODUCT_HEAD)


def many_unclosed_attributes(size: int) -> str:
    return _repeat('<div class="price" data-x="$2.50 ', size, _PRODUCT_HEAD)


def deep_nesting(size: int) -> str:
    return _repeat('<div class="product-price"><span class="price">$1.99 ', size, _PRODUCT_HEAD)


def stray_end_tags(size: int) -> str:
    half = size // 2
    return _repeat("<div><b>", half, _PRODUCT_HEAD) + _repeat("</span></i>", size - half)


def sibling_prices(size: int) -> str:
    """Thousands of price candidates among empty siblings: label reading must stay local."""
    return _repeat(
        '<b></b><span class="price">$1.99</span><i></i>',
        size,
        _PRODUCT_HEAD + "<div>",
        "</div><button>Add to cart</button>",
    )


def many_list_items(size: int) -> str:
    """One list of a hundred thousand items per megabyte, each a sibling of all the others:
    sibling positions and sibling combinators must be counted once per parent."""
    return _repeat("<li>$1.99 ", size, _PRODUCT_HEAD + "<ul>", "</ul>")


def stock_and_carts(size: int) -> str:
    return _repeat(
        '<p>In stock</p><form action="/cart/add"><input name="add-to-cart"></form>'
        "<button>Add to cart</button><span>$3.00</span>",
        size,
        _PRODUCT_HEAD,
    )


def sold_out_controls(size: int) -> str:
    """No price: buy controls, links and stock statuses all the way, nested in unclosed
    links and forms, for the stock reading of a page without a price."""
    return _repeat(
        '<a class="add-to-cart disabled" href="#">In den Warenkorb <form action="/cart/add">'
        "<button disabled><span>Ausverkauft</span></button><span>Sold out</span>",
        size,
        _PRODUCT_HEAD,
    )


def untitled_sold_out_controls(size: int) -> str:
    """`sold_out_controls` without an h1: with no title to place them by, the stock reading
    must read every control and status to the end of the page."""
    return sold_out_controls(size).replace("<h1>Kettle</h1>", "", 1)


def jsonld_unbalanced(size: int) -> str:
    head = _PRODUCT_HEAD + '<script type="application/ld+json">{"@type":"Product","offers":['
    return _repeat('{"@type":"Offer","price":"1.99","a":[', size, head)


def jsonld_many_blocks(size: int) -> str:
    block = (
        '<script type="application/ld+json">'
        + json.dumps({"@type": "Product", "offers": {"@type": "Offer", "price": "2.99"}})
        + "</script>"
    )
    return _repeat(block, size, _PRODUCT_HEAD)


def jsonld_price_in_longer_numbers(size: int) -> str:
    """A lone JSON-LD price, then the page writes it only inside longer numbers after a
    former-price word: the raw former-price search must not read a window for each."""
    block = (
        '<script type="application/ld+json">'
        + json.dumps({"@type": "Product", "offers": {"@type": "Offer", "price": "9.99"}})
        + "</script>"
    )
    return _repeat("<del>was 19.99</del>", size, _PRODUCT_HEAD + block)


def jsonld_unclosed_script_tags(size: int) -> str:
    return _repeat('<script type="application/ld+json" ', size, _PRODUCT_HEAD)


def jsonld_type_whitespace(size: int) -> str:
    return _run(_PRODUCT_HEAD + "<script type=", " ", "x>{}</script>", size)


def product_type_whitespace(size: int) -> str:
    """`"@type":` then a long run: the blocked page classifier's product-markup scan."""
    return _run("<title>captcha</title>" + '"@type":', " ", "x", size)


def rdfa_property_whitespace(size: int) -> str:
    return _run(_PRODUCT_HEAD + "<span property=", " ", "x>", size)


def rdfa_properties_without_end(size: int) -> str:
    return _repeat('<span property="price" content="4.99" ', size, _PRODUCT_HEAD)


def itemprop_whitespace(size: int) -> str:
    return _run(_PRODUCT_HEAD + "<span itemprop=", " ", "x>", size)


def microdata_fan_out(size: int) -> str:
    """One product with many empty properties and many offers that each ask for them."""
    head = _PRODUCT_HEAD + '<div itemscope itemtype="https://schema.org/Product">'
    quarter = size // 4
    empties = _repeat('<meta itemprop="url" content=""><meta itemprop="sku" content="">', quarter)
    offers = _repeat(
        '<div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer">'
        '<meta itemprop="lowPrice" content="5.99"></div>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"></div>',
        size - quarter,
    )
    return head + empties + offers + "</div>"


def microdata_itemrefs(size: int) -> str:
    subtree = "<div id=shared>" + '<span itemprop="price">6.99</span>' * 200 + "</div>"
    return _repeat(
        '<div itemscope itemtype="https://schema.org/Offer" itemref="shared"></div>',
        size - len(subtree),
        _PRODUCT_HEAD + subtree,
    )


def digit_runs(size: int) -> str:
    return _repeat("<span>$1,234,567.89 1 111 111,11.</span>", size, _PRODUCT_HEAD)


def one_long_number(size: int) -> str:
    return _run(_PRODUCT_HEAD + '<span class="price">$', "1,", "</span>", size)


def long_price_text(size: int) -> str:
    """Price-like words without a marked number: the currency marker search runs to the end."""
    return _run(_PRODUCT_HEAD + '<div class="price">', "kraft 12 Rsx ", "</div>", size)


def next_data_ids(size: int) -> str:
    return _repeat("<script data-x=__NEXT_DATA__ ", size, _PRODUCT_HEAD)


def raw_text_unclosed(size: int) -> str:
    return _repeat("<textarea><title><style>", size, _PRODUCT_HEAD)


SHAPES: dict[str, Callable[[int], str]] = {
    shape.__name__: shape
    for shape in (
        unclosed_script,
        glued_script,
        unclosed_meta,
        unclosed_anchor_quote,
        mixed_open_quotes,
        bang_runs,
        unclosed_comments,
        unquoted_itemprop,
        captcha_form,
        unclosed_title,
        many_unclosed_attributes,
        stray_quotes_in_tags,
        deep_nesting,
        stray_end_tags,
        sibling_prices,
        many_list_items,
        stock_and_carts,
        sold_out_controls,
        untitled_sold_out_controls,
        jsonld_unbalanced,
        jsonld_many_blocks,
        jsonld_price_in_longer_numbers,
        jsonld_unclosed_script_tags,
        jsonld_type_whitespace,
        product_type_whitespace,
        rdfa_property_whitespace,
        rdfa_properties_without_end,
        itemprop_whitespace,
        microdata_fan_out,
        microdata_itemrefs,
        digit_runs,
        one_long_number,
        long_price_text,
        next_data_ids,
        raw_text_unclosed,
    )
}
