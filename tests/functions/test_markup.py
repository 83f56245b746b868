import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stepping_clock import SteppingClock

from extraction.budget import Budget, ExtractionTooSlowError
from extraction.markup import (
    Element,
    _all_but,
    collapse_whitespace,
    parse_attributes,
    parse_html,
    walk,
)


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


@pytest.mark.parametrize(
    ("markup", "attributes"),
    [
        ('<a title="1 > 2" href="/k">Kettle</a>', {"title": "1 > 2", "href": "/k"}),
        ("<a title='1 > 2'>Kettle</a>", {"title": "1 > 2"}),
        ('<a title="Men\'s > Kettles">Kettle</a>', {"title": "Men's > Kettles"}),
        ('<a title="<b>new</b>">Kettle</a>', {"title": "<b>new</b>"}),
    ],
)
def test_a_quoted_value_may_hold_angle_brackets(markup, attributes):
    anchor = parse_html(markup).children[0]
    assert (anchor.tag, anchor.attrs, anchor.text()) == ("a", attributes, "Kettle")


@pytest.mark.parametrize(
    ("tag", "attributes"),
    [
        # A quote in a name, after an "=" in a value: characters, as browsers read them.
        ('<a title="Plush " panda"="" href="/p">', {"title": "Plush ", "href": "/p"}),
        ('<a aria-label="Review class=" reviewtext"="" title="Write">', {"title": "Write"}),
        ("<a href=/p?x=1&amp;y='2' title=T>", {"href": "/p?x=1&y='2'", "title": "T"}),
        # An "=" after spaces still opens the value; one starting a name does not.
        ('<a class = "x > y">', {"class": "x > y"}),
        ('<a b=c ="d>', {"b": "c"}),
    ],
)
def test_a_quote_opens_a_value_only_after_an_attributes_equals_sign(tag, attributes):
    # Else a stray quote would swallow the page up to the next one: here the price.
    page = parse_html(f'{tag}Kettle</a><span itemprop="price">9.99</span>')
    anchor, price = page.elements[1:3]
    assert (anchor.tag, price.tag, price.text()) == ("a", "span", "9.99")
    assert {name: anchor.attrs[name] for name in attributes} == attributes


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


@pytest.mark.parametrize("skip", [frozenset(), frozenset({"div"})])
def test_walk_of_a_large_page_stops_once_its_budget_is_spent(skip):
    root = parse_html("<div>" * 5_000 + "x")
    budget = Budget(3, clock=SteppingClock())
    with pytest.raises(ExtractionTooSlowError):
        for _ in walk(root, budget, skip):
            pass


UNREAD = frozenset({"nav", "svg"})


def test_unread_elements_are_built_without_their_content():
    root = parse_html(
        '<div><nav><a href="/">Home</a><svg><path d="M0"/></svg></nav><p>19,99 €</p></div>',
        unread=UNREAD,
    )
    div = root.children[0]
    nav, paragraph = div.children
    assert (nav.tag, len(nav.children), paragraph.text()) == ("nav", 0, "19,99 €")
    assert tags(root) == ["#document", "div", "nav", "p"]
    assert root.elements == list(root.iter())


@pytest.mark.parametrize(
    "markup",
    [
        "<nav><nav></nav><a>in</a></nav><p>after</p>",  # nested: the first end is the inner's
        "<nav><a>in</a><p>after</p>",  # never closed
        "<nav><a>in</a><nav><b>next</b></nav><p>after</p>",  # not closed before the next one
        '<nav><a itemprop="url">in</a></nav><p>after</p>',  # microdata
        "<NAV><a>in</a></NAV><p>after</p>",  # written in capitals
        "<div><nav><a>in</a></div><p>after</p></nav>",  # closed by its parent's end tag
        "<nav><h1>in</h1></nav><p>after</p>",  # the page's title
    ],
)
def test_unread_content_is_read_when_leaving_it_out_could_change_the_rest(markup):
    root = parse_html(markup, unread=UNREAD)
    assert root.text().split() == ["in", "after"]  # (a nested nav's "next" is left unread)


def test_a_header_is_unread_as_the_pages_banner_and_read_as_a_sections_own():
    markup = "<header><a>banner</a></header><{0}><header><b>own</b></header></{0}>"
    for section in ("article", "aside", "main", "nav", "section"):
        root = parse_html(markup.format(section), unread={"header"})
        assert root.text() == "own"


def test_an_unread_element_holding_only_text_is_left_unread_on_the_same_terms():
    root = parse_html(
        "<div><nav>Home</nav><NAV>Shop</NAV><nav>itemprop</nav><iframe src=x></iframe></div>",
        unread=UNREAD,
    )
    assert [(nav.tag, nav.text()) for nav in root.children[0].children] == [
        ("nav", ""),
        ("nav", "Shop"),  # written in capitals: read, as any unread element is
        ("nav", "itemprop"),  # may be microdata: read
        ("iframe", ""),
    ]


def test_a_self_closed_unread_element_takes_no_children():
    root = parse_html("<svg/><p>after</p></svg>", unread=UNREAD)
    assert tags(root) == ["#document", "svg", "p"]


def shape(node):
    """An element as (tag, children's shapes), text as itself."""
    if isinstance(node, str):
        return node
    return (node.tag, [shape(child) for child in node.children])


def without_unread_content(node, unread):
    """The full tree's shape, with the content of each unread element that holds none of its
    own tag, no microdata and no h1 left out: what `parse_html(..., unread=...)` builds."""
    if isinstance(node, str):
        return node
    if node.tag in unread and not any(
        inner is not node and (inner.tag in (node.tag, "h1") or "itemprop" in inner.attrs)
        for inner in node.iter()
    ):
        return (node.tag, [])
    return (node.tag, [without_unread_content(child, unread) for child in node.children])


WELL_FORMED = st.recursive(
    st.sampled_from(["19,99 €", "Home", " "]),
    lambda children: st.tuples(
        st.sampled_from(["div", "nav", "svg", "span", "li", "h1"]),
        st.sampled_from(["", ' class="menu"', ' itemprop="url"']),
        st.lists(children, max_size=4),
    ).map(lambda e: f"<{e[0]}{e[1]}>{''.join(e[2])}</{e[0]}>"),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WELL_FORMED, max_size=4).map("".join))
def test_on_well_formed_markup_only_the_unread_content_is_left_out(markup):
    unread = parse_html(markup, unread=UNREAD)
    assert shape(unread) == without_unread_content(parse_html(markup), UNREAD)
    assert unread.elements == list(unread.iter())


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKUP_PIECES | st.sampled_from(["<nav>", "</nav>", "<svg/>"]), max_size=60))
def test_any_markup_with_unread_tags_builds_a_connected_tree(pieces):
    root = parse_html("".join(pieces), unread=UNREAD | {"div"})
    assert root.elements == list(root.iter())
    for element in root.iter():
        assert element is root or root in element.ancestors()


@given(
    excluded=st.text(min_size=1, max_size=5),
    probe=st.characters(),
)
def test_a_set_of_all_characters_but_some_matches_exactly_the_others(excluded, probe):
    # The tokenizer writes "every character but <, > and quotes" as ranges (faster to test).
    every_other = re.compile(_all_but(excluded))

    for character in {probe, *excluded, "\x00", chr(sys.maxunicode)}:
        assert (every_other.fullmatch(character) is not None) == (character not in excluded)
