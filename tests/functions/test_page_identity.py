"""What names the product a page is about: its addresses and titles."""

from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.markup import parse_html
from extraction.page_identity import PageIdentity, normalised_name


def identity(head: str, body: str = "", url: str | None = None) -> PageIdentity:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return PageIdentity(html, url, lambda: parse_html(html))


def test_addresses_are_the_page_url_its_canonical_link_and_og_url_resolved():
    page = identity(
        '<link rel="alternate" hreflang="de" href="/de/p/kettle">'
        '<link rel="canonical" href="/p/kettle">'
        '<meta property="og:url" content="https://shop.example/p/kettle?ref=og">',
        url="https://shop.example/p/kettle?utm_source=mail",
    )
    assert page.urls == (
        "https://shop.example/p/kettle?utm_source=mail",
        "https://shop.example/p/kettle",
        "https://shop.example/p/kettle?ref=og",
    )


def test_a_malformed_canonical_link_is_no_address():
    page = identity('<link rel="canonical" href="http://[::1">', url="https://shop.example/p")
    assert page.urls == ("https://shop.example/p",)


def test_titles_are_og_title_and_the_document_title_then_the_first_h1():
    page = identity(
        "<title>Wasserkocher &amp; Teekanne | Küchenhaus</title>"
        '<meta property="og:title" content="Wasserkocher Edelstahl 1,7 L">',
        "<script>document.write('<h1>Nope</h1>')</script><h1> Wasserkocher <b>Edelstahl</b></h1>"
        "<h1>Zubehör</h1>",
    )
    assert page.stated_titles == (
        "Wasserkocher Edelstahl 1,7 L",
        "Wasserkocher & Teekanne | Küchenhaus",
    )
    assert page.heading == "Wasserkocher Edelstahl"


def test_a_name_equal_to_a_part_of_the_title_names_the_page_exactly_without_the_tree():
    def no_tree():
        raise AssertionError("the h1 is not needed when a cheap title names the product")

    html = "<html><head><title>Bouilloire Inox 1,7 L – Maison Cuisine</title></head></html>"
    page = PageIdentity(html, None, no_tree)
    names = ["Bouilloire inox 1,7 l", "Tasse à café", "Théière en fonte"]
    assert page.best_named(names) == (frozenset({"Bouilloire inox 1,7 l"}), True)


def test_a_name_equal_to_the_h1_names_the_page_exactly():
    page = identity("<title>Boutique</title>", "<h1>Théière en fonte « Kyoto »</h1>")
    named = page.best_named(["Théière en fonte Kyoto", "Tasse à thé Kyoto"])
    assert named == (frozenset({"Théière en fonte Kyoto"}), True)


def test_a_name_contained_in_the_title_names_the_page_loosely():
    page = identity('<meta property="og:title" content="Acme Steel Kettle 1.7 L - Brushed Finish">')
    named = page.best_named(["Acme Steel Kettle", "Acme Toaster"])
    assert named == (frozenset({"Acme Steel Kettle"}), False)


def test_a_colour_or_a_single_word_never_names_a_page_loosely():
    page = identity("<title>Winterjacke Nordlicht Schwarz Damen</title>")
    assert page.best_named(["Schwarz", "Damen", "Nordlicht"]) == (frozenset(), False)


def test_names_are_compared_without_case_punctuation_or_entities():
    assert normalised_name("  CAFÉ-Crème&amp;Lait\u00a0(500 g) ") == "café crème lait 500 g"
    page = identity("<title>Café crème &amp; lait, 500 g</title>")
    assert page.best_named(["Café Crème & Lait (500 g)"]) == (
        frozenset({"Café Crème & Lait (500 g)"}),
        True,
    )


def test_a_page_without_titles_names_nothing():
    assert PageIdentity("").best_named(["Kettle Pro"]) == (frozenset(), False)
    assert identity("<title>Kettle</title>").best_named([]) == (frozenset(), False)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=40), max_size=4))
def test_reading_never_raises(html, names):
    page = PageIdentity(html, "https://shop.example/p", lambda: parse_html(html))
    assert isinstance(page.urls, tuple)
    named, exactly = page.best_named(names)
    assert named <= set(names)
    assert isinstance(exactly, bool)
