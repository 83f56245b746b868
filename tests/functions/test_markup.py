import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.budget import Budget, ExtractionTooSlowError
from extraction.markup import Element, collapse_whitespace, parse_attributes, parse_html, walk


def tags(root):
    return [element.tag for element in root.iter()]


def test_attributes_in_every_quoting_style_are_read_and_unescaped():
    attrs = parse_attributes(
        ' id=main class="a b" data-x=\'1 &amp; 2\' hidden DATA-Y="first" data-y=2'
    )
    assert attrs == {
        "id": "main",
        "class": "a b",
        "data-x": "1 & 2",
        "hidden": "",
        "data-y": "first",
    }


def test_void_elements_take_no_children():
    root = parse_html('<div><img src="a.png"><span>text</span><br><input value=1></div>')
    div = root.children[0]
    assert [child.tag for child in div.children] == ["img", "span", "br", "input"]


def test_end_tag_closes_up_to_its_nearest_open_match():
    root = parse_html("<div><span><b>bold</div><p>after</p>")
    assert [child.tag for child in root.children] == ["div", "p"]


def test_stray_end_tags_are_ignored():
    root = parse_html("</span><div>kept</b></i></div>")
    assert tags(root) == ["#document", "div"]
    assert root.text() == "kept"


def test_open_paragraph_and_list_items_close_before_a_sibling():
    root = parse_html("<ul><li>one<li>two</ul><p>a<p>b")
    ul = root.children[0]
    assert [li.text() for li in ul.children] == ["one", "two"]
    assert [child.tag for child in root.children] == ["ul", "p", "p"]


def test_script_content_is_raw_text_even_when_it_looks_like_markup():
    root = parse_html('<script>if (a<b) { s = "</div><span>"; }</script><span>real</span>')
    script, span = root.children
    assert script.raw_text() == 'if (a<b) { s = "</div><span>"; }'
    assert span.tag == "span"
    assert root.text() == "real"  # script text is not visible text


def test_unterminated_script_runs_to_the_end_of_the_page():
    root = parse_html("<p>a</p><script>var x = '<p>'")
    assert root.children[1].raw_text() == "var x = '<p>'"


def test_comments_and_doctype_are_skipped():
    root = parse_html("<!DOCTYPE html><!-- <b>hidden</b> --><p>shown</p><!-- unterminated <i>")
    assert tags(root) == ["#document", "p"]


def test_text_separates_blocks_and_joins_inline_parts():
    root = parse_html(
        '<div><div>$12</div><div>99</div> <span class="whole">29<span>.</span></span>'
        "<sup>99</sup></div>"
    )
    assert root.text() == "$12 99 29.99"


def test_text_decodes_entities_and_collapses_whitespace():
    root = parse_html("<p>  1&nbsp;299,00\n\t&euro; </p>")
    assert root.text() == "1 299,00 €"
    assert collapse_whitespace(" a \n b ") == "a b"


def test_ancestors_and_attributes_are_navigable():
    root = parse_html('<section id="buy"><div class="price now"><b>9</b></div></section>')
    bold = root.find_all(lambda element: element.tag == "b")[0]
    assert [ancestor.tag for ancestor in bold.ancestors()] == ["div", "section", "#document"]
    div = bold.parent
    assert div.classes == ("price", "now")
    assert div.get("class") == "price now"
    assert div.get("missing", "x") == "x"
    assert div.has_attribute_text("price")
    assert repr(div) == '<div class="price now">'


def test_self_closing_syntax_on_a_normal_element_takes_no_children():
    root = parse_html("<div/><span>next</span>")
    assert [child.tag for child in root.children] == ["div", "span"]


MARKUP_PIECES = st.sampled_from(
    [
        *list("<>/=\"' abcdipsrt-!\n&;"),
        "<div>",
        "</div>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<br/>",
        "<p>",
        "<li>",
        "<a x='>'>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKUP_PIECES, max_size=60).map("".join))
def test_any_markup_builds_a_connected_tree(markup):
    root = parse_html(markup)
    for element in root.iter():
        assert element is root or root in element.ancestors()
        assert isinstance(element.text(), str)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=200))
def test_plain_text_is_kept_whole(text):
    assert parse_html(text).text() == collapse_whitespace(text)


def test_raw_text_ends_at_its_end_tag_in_any_ascii_case():
    root = parse_html("<SCRIPT>a</Script >b<Style>c</sTyLe><title>d</title")
    script, between, style, title = root.children
    assert (script.tag, script.raw_text(), between) == ("script", "a", "b")
    assert (style.tag, style.raw_text()) == ("style", "c")
    assert (title.tag, title.raw_text()) == ("title", "d")


def test_raw_text_end_is_found_after_letters_that_lengthen_when_lower_cased():
    # "\u0130" lower-cases to two characters: a search in a lower-cased copy of the page
    # would end the script ten characters late and swallow the next start tag.
    root = parse_html("<p>" + "\u0130" * 10 + "</p><script>var a = 1;</script><b>bold</b>")
    assert [child.tag for child in root.children] == ["p", "script", "b"]
    assert root.children[1].raw_text() == "var a = 1;"


def reference_walk(element: Element, skip: frozenset[str]) -> list[Element]:
    """Document order by recursion: the element, then (unless skipped) its children's walks."""
    found = [element]
    if element.tag not in skip:
        for child in element.children:
            if isinstance(child, Element):
                found.extend(reference_walk(child, skip))
    return found


WALK_SKIPS = st.sampled_from([frozenset(), frozenset({"div"}), frozenset({"p", "script", "li"})])


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKUP_PIECES, max_size=60).map("".join), WALK_SKIPS)
def test_walk_gives_every_element_in_document_order_and_none_under_a_skipped_one(markup, skip):
    root = parse_html(markup)
    assert list(walk(root, skip=skip)) == reference_walk(root, skip)
    for element in root.iter():  # from any element of the tree, not only its root
        assert list(walk(element, skip=skip)) == reference_walk(element, skip)


def test_walk_gives_a_skipped_element_but_nothing_under_it():
    root = parse_html("<div><svg><g><path></g></svg><p>a<b>b</b></p></div><svg><i></svg>")
    walked = [element.tag for element in walk(root, skip=frozenset({"svg"}))]
    assert walked == ["#document", "div", "svg", "p", "b", "svg"]


class SteppingClock:
    """Advances one unit each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("skip", [frozenset(), frozenset({"div"})])
def test_walk_of_a_large_page_stops_once_its_budget_is_spent(skip):
    root = parse_html("<div>" * 5_000 + "x")
    budget = Budget(3, clock=SteppingClock())
    with pytest.raises(ExtractionTooSlowError):
        for _ in walk(root, budget, skip):
            pass
