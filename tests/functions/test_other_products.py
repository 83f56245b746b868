"""Sections of other products named only by their headings, in several languages."""

from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction.extract import extract_offer
from extraction.markup import Element, parse_html
from extraction.other_products import (
    MAX_NAMED_HEADINGS,
    SectionHeadings,
    TilesOfOtherProducts,
    in_section_of_other_products,
    names_other_products,
    other_product_sections,
)


def _page(body: str, title: str = "Kettle", lang: str = "en") -> str:
    return (
        f'<html lang="{lang}"><head><title>{title}</title></head><body><main>'
        f"<h1>{title}</h1>{body}</main></body></html>"
    )


def _elements(root: Element, tag: str) -> list[Element]:
    return root.find_all(lambda element: element.tag == tag)


@pytest.mark.parametrize(
    "heading",
    [
        "You may also like",
        "Customers who viewed this item also viewed",
        "Kunden kauften auch",
        "Vous aimerez aussi",
        "También te puede interesar",
        "Potrebbe interessarti",
        "Klanten kochten ook",
        "Może cię zainteresować",
        "Liknande produkter",
        "Mohlo by vás zajímat",
        "Benzer ürünler",
        "Вам может понравиться",
        "Рекомендуемые товары",
        "Kunden, die diesen Artikel kauften, haben auch folgende Artikel bestellt:",
        "Customers who bought this product also purchased",
        "Empfohlene Produkte",
        "Produits recommandés",
        "Prodotti consigliati",
        "Önerilen ürünler",
        "関連商品",
        # the seller's other items, on a marketplace
        "More from this shop",
        "Mehr von diesem Verkäufer",
        "Du même vendeur",
        "Más de esta tienda",
        "Meer van deze verkoper",
        "Więcej od tego sprzedawcy",
    ],
)
def test_a_heading_naming_other_products_is_told(heading: str) -> None:
    root = parse_html(f"<h2>{heading}</h2>")
    [element] = _elements(root, "h2")
    assert names_other_products(element)


@pytest.mark.parametrize(
    "heading",
    [
        "Product details",
        "Description",
        "Reviews",
        "Technische Daten",
        "x" * 40 + " similar items " * 5,
    ],
)
def test_other_headings_and_long_texts_name_no_other_products(heading: str) -> None:
    root = parse_html(f"<h2>{heading}</h2>")
    [element] = _elements(root, "h2")
    assert not names_other_products(element)


def test_a_section_runs_from_its_heading_to_the_next_heading_beside_it() -> None:
    root = parse_html(
        "<div><p id=a>before</p><h2>Related products</h2><ul id=b></ul><div id=c></div>"
        "<h2>Reviews</h2><div id=d></div></div>"
    )
    headings = _elements(root, "h2")
    marked = other_product_sections(headings, None)
    by_id = {element.get("id"): id(element) for element in root.find_all(lambda e: "id" in e.attrs)}
    assert marked == {by_id["b"], by_id["c"]}


def test_a_heading_alone_in_its_wrapper_names_what_follows_the_wrapper() -> None:
    root = parse_html(
        '<section><div class="head"><h3>Recently viewed</h3></div><div id=tiles></div></section>'
    )
    marked = other_product_sections(_elements(root, "h3"), None)
    [tiles] = root.find_all(lambda element: element.get("id") == "tiles")
    assert marked == {id(tiles)}


def test_the_block_holding_the_product_title_ends_a_section() -> None:
    root = parse_html(
        "<div><h2>Accessories</h2><div id=tiles></div><div id=own><h1>Kettle</h1></div></div>"
    )
    [title] = _elements(root, "h1")
    marked = other_product_sections(_elements(root, "h2"), title)
    [tiles] = root.find_all(lambda element: element.get("id") == "tiles")
    assert marked == {id(tiles)}


@pytest.mark.parametrize(
    ("lang", "missing", "heading", "tile_price"),
    [
        ("en", "This item is no longer available.", "You may also like", "$9.99"),
        ("de", "Dieser Artikel ist leider nicht mehr verfügbar.", "Kunden kauften auch", "9,99 €"),
        ("fr", "Cet article est épuisé", "Vous aimerez aussi", "9,99 €"),
        ("pl", "Produkt niedostępny", "Podobne produkty", "9,99 zł"),
    ],
)
def test_a_sold_out_page_whose_only_prices_follow_such_a_heading_has_none(
    lang: str, missing: str, heading: str, tile_price: str
) -> None:
    page = _page(
        f"<p>{missing}</p><div><h2>{heading}</h2><ul>"
        f'<li><a href="/p/2">Mug</a> <span class="price">{tile_price}</span></li>'
        f'<li><a href="/p/3">Pot</a> <span class="price">{tile_price}</span></li></ul></div>',
        lang=lang,
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price is None
    assert offer.availability == Availability.OUT_OF_STOCK


def test_the_pages_own_price_beats_the_named_prices_of_the_tiles_below_it() -> None:
    page = _page(
        "<div><span>$39.99</span><button>Add to cart</button></div>"
        "<div><h2>Customers also bought</h2>"
        '<div><a href="/p/2">Mug</a><span class="price">$9.99</span></div>'
        '<div><a href="/p/3">Pot</a><span class="price">$19.99</span></div></div>'
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price == Decimal("39.99")


def test_a_tiles_stock_status_says_nothing_of_the_product() -> None:
    page = _page(
        '<p class="price">$39.99</p>'
        '<div><h2>Frequently bought together</h2><div><a href="/p/2">Mug</a>'
        "<span>$9.99</span><span>Sold out</span></div></div>"
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price == Decimal("39.99")
    assert offer.availability == Availability.UNKNOWN


@pytest.mark.parametrize(
    ("lang", "missing", "heading", "tile_price"),
    [
        (
            "ru",
            "Нет в наличии",
            '<div class="catalog-block-header">Похожие товары</div>',
            "6 490 ₽",
        ),
        (
            "en",
            "Out of stock",
            '<div class="block-title"><strong>Related Products</strong></div>',
            "$9.99",
        ),
        (
            "de",
            "Ausverkauft",
            '<span role="heading" aria-level="2">Kunden kauften auch</span>',
            "9,99 €",
        ),
        ("cs", "Vyprodáno", '<p class="sectionHeadline">Podobné produkty</p>', "249 Kč"),
        ("ja", "在庫切れ", '<div class="block-title">関連商品</div>', "3,300円"),
    ],
    ids=["ru-class", "en-bare-wrapper", "de-aria", "cs-camel-case", "ja-unspaced"],
)
def test_a_heading_named_so_by_its_class_or_role_names_a_section_too(
    lang: str, missing: str, heading: str, tile_price: str
) -> None:
    tiles = "".join(
        f'<div class="product-item"><a href="/p/{n}">Tile {n}</a><span>{tile_price}</span></div>'
        for n in (2, 3)
    )
    page = _page(f"<p>{missing}</p><div>{heading}{tiles}</div>", lang=lang)
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price is None
    assert offer.availability == Availability.OUT_OF_STOCK


@pytest.mark.parametrize(
    "element",
    [
        # a product's own name holding a heading's word
        '<div class="product-title">Camera Accessories Kit</div>',
        # a tile's title named for the product, whatever its text
        '<div class="product-item-title">Accessories</div>',
        # a tooltip, not a name
        '<div title="Related products">Related products</div>',
        # a page's title, by its ARIA level
        '<div role="heading" aria-level="1">Accessories</div>',
        # no heading's name at all
        '<div class="grid">Related products</div>',
    ],
)
def test_elements_not_named_as_a_sections_heading_name_no_section(element: str) -> None:
    root = parse_html(f"<main>{element}<div><span>$19.99</span></div></main>")
    [div] = _elements(root, "div")[:1]
    assert not names_other_products(div)
    page = _page(f"{element}<div><span>$19.99</span><button>Add to cart</button></div>")
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price == Decimal("19.99")


def test_named_headings_are_read_up_to_a_bound_so_a_listing_costs_no_more() -> None:
    # A listing's hundreds of tiles, each title named so, before the page's one heading.
    tiles = "".join(
        f'<div><p class="title">Tile {n}</p><span class="price">$9.99</span></div>'
        for n in range(MAX_NAMED_HEADINGS)
    )
    later = '<div><p class="title">You may also like</p><span class="price">$5.00</span></div>'
    root = parse_html(f"<main>{tiles}{later}</main>")
    headings = SectionHeadings()
    headings.meet_texts_of(root.find_all(lambda element: element.tag == "p"))
    assert len(headings.found) == MAX_NAMED_HEADINGS
    assert not any(names_other_products(heading) for heading in headings.found)
    assert "You may also like" not in (heading.text() for heading in headings.found)


def _tiles(price: str, count: int = 4, tag: str = "li", classes: str = "card") -> str:
    return "".join(
        f'<{tag} class="{classes}"><a href="/p/{n}"><img alt="Item {n}"></a>'
        f'<div class="x{n}"><a href="/p/{n}">Item {n}</a><span>{price}</span></div></{tag}>'
        for n in range(2, 2 + count)
    )


@pytest.mark.parametrize(
    ("lang", "missing", "price"),
    [
        ("en", "This item is no longer available.", "$9.99"),
        ("de", "Dieser Artikel ist leider nicht mehr verfügbar.", "9,99 €"),
        ("ru", "Нет в наличии", "790 ₽"),
        ("it", "Non disponibile", "27,90 €"),
    ],
)
def test_a_sold_out_pages_only_prices_in_a_carousel_of_linked_tiles_are_not_its_own(
    lang: str, missing: str, price: str
) -> None:
    # Neither a heading nor a class name says these are other products: their shape does.
    page = _page(f'<p>{missing}</p><div class="x1"><ol class="x2">{_tiles(price)}</ol></div>',
                 lang=lang)  # fmt: skip
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price is None
    assert offer.availability == Availability.OUT_OF_STOCK


def test_the_pages_own_price_beats_a_carousel_of_linked_tiles_nearer_its_title() -> None:
    page = _page(
        f'<div class="x1"><ul>{_tiles("$9.99", 3, "div", "slot")}</ul></div>'
        '<div class="x3"><span>$39.99</span><button>Add to cart</button></div>'
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price == Decimal("39.99")


def test_columns_alike_that_link_elsewhere_but_show_no_price_make_no_tile() -> None:
    root = parse_html(
        '<div class="row"><div class="col"><a href="/img/1.jpg">Zoom</a></div>'
        '<div class="col"><a href="/brand">Brand</a> <span>$39.99</span></div>'
        '<div class="col"><a href="/help">Help</a></div></div>'
    )
    [buy_box] = root.find_all(lambda e: e.tag == "span")
    assert buy_box.parent is not None
    assert not TilesOfOtherProducts().is_tile(buy_box.parent)


@pytest.mark.parametrize("href", ["#reviews", "javascript:void(0)", ""])
def test_links_to_no_page_make_no_tiles(href: str) -> None:
    root = parse_html(
        "<ul>"
        + "".join(f'<li class="v"><a href="{href}">Size {n}</a> ${n}9.99</li>' for n in range(4))
        + "</ul>"
    )
    first = root.find_all(lambda e: e.tag == "li")[0]
    assert not TilesOfOtherProducts().is_tile(first)


def test_a_tile_of_linked_siblings_with_prices_is_one() -> None:
    root = parse_html(f"<ol>{_tiles('$9.99', 3)}</ol>")
    first = root.find_all(lambda e: e.tag == "li")[0]
    assert TilesOfOtherProducts().is_tile(first)


def test_a_block_holding_the_products_title_among_linked_priced_siblings_is_its_own() -> None:
    page = (
        "<html><body><div class=grid>"
        '<div class="cell"><h1>Kettle</h1><a href="/brand">Brand</a><span>$39.99</span></div>'
        + "".join(
            f'<div class="cell"><a href="/p/{n}">Item {n}</a><span>$9.99</span></div>'
            for n in range(2, 5)
        )
        + "</div></body></html>"
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None
    assert offer.price == Decimal("39.99")


@pytest.mark.parametrize(
    "before",
    [
        "<h2>Other offers</h2>",
        '<div class="head"><h3>Autres offres</h3></div>',
        '<div class="block-title">Weitere Angebote</div>',
    ],
)
def test_an_element_after_a_heading_of_other_products_is_told_from_around_it(
    before: str,
) -> None:
    root = parse_html(f"<main><h1>Kettle</h1><div>{before}<ul><li><b>$9</b></li></ul></div></main>")
    [price] = _elements(root, "b")
    assert in_section_of_other_products(price)


@pytest.mark.parametrize(
    "before",
    ["<h2>Description</h2>", "<h2>Other offers</h2><h2>Details</h2>", "<h2>Related</h2><h1>K</h1>"],
)
def test_a_nearer_heading_or_the_title_ends_the_section_before_an_element(before: str) -> None:
    root = parse_html(f"<main><div>{before}<ul><li><b>$9</b></li></ul></div></main>")
    [price] = _elements(root, "b")
    assert not in_section_of_other_products(price)
