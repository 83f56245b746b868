"""parse_html builds the same tree as the implementation it replaced (issue 12, speed).

The reference below is the tree builder as it was before it was made faster, kept here only
as the standard the new one is held to (budget checks left out: they change no tree). Trees
are compared whole: tags, raw attribute text, text children, nesting. The inputs are
generated HTML-ish strings (the part that proves it on its own) and every page of the shared
corpus when that folder exists.

The reference reads every tag as HTML's tokenizer does, character by character
(`reference_attributes_end`): a quote opens a value only right after an attribute's "=".
The builder it replaced read a quote anywhere in a tag as opening a quoted string, so that a
stray one (`title="5" panda"=""`) swallowed the page up to the next quote; that was a bug,
and the reference holds the standard instead.

One known difference is left out of the comparison: the reference found a raw-text element's
end tag in `markup.lower()`, whose positions shift after each "\u0130" (it lower-cases to two
characters); the new builder matches the end tag in the page itself, so inputs here hold no
such character (test_markup.py proves the new behaviour).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_pages import SHAPES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction.markup import Element, parse_html
from fetching.decoding import decode_body

VOID_TAGS = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
RAW_TEXT_TAGS = frozenset(("script", "style", "textarea", "title", "xmp", "noembed"))
SELF_NESTING_FORBIDDEN = frozenset(("p", "li", "option", "dt", "dd", "tr", "td", "th"))


class _Node:
    """An element of the reference tree: what the comparison reads of one."""

    __slots__ = ("children", "parent", "raw_attributes", "tag")

    def __init__(self, tag: str, raw_attrs: str = "", parent: _Node | None = None) -> None:
        self.tag = tag
        self.parent = parent
        self.children: list[_Node | str] = []
        self.raw_attributes = raw_attrs


# --- the reference: extraction/markup.py's tree builder before issue 12 ---------------------

_TOKEN = re.compile(
    r"<(?:"
    r"!--.*?(?:-->|\Z)"
    r"|[!?][^<>]*+>"
    r"|(?=([/!?a-zA-Z]))"
    r")",
    re.DOTALL,
)
_NAME_RUN = re.compile(r"[^\s/>]*+")
_SPACE = "\t\n\f\r "  # HTML's whitespace in a tag


def reference_attributes_end(markup: str, position: int) -> int:
    """Index of the ">" ending a tag's attributes read from `position`, character by
    character as HTML's tokenizer reads them (its states named as in the standard), or -1
    when the page ends first. No speed asked of it: it is the standard, read literally."""
    state = "before attribute name"
    for at in range(position, len(markup)):
        char = markup[at]
        if state == "attribute value (double-quoted)":
            if char == '"':
                state = "before attribute name"  # after the value, as before a name
        elif state == "attribute value (single-quoted)":
            if char == "'":
                state = "before attribute name"
        elif char == ">":
            return at
        elif state == "before attribute name":
            if char not in _SPACE and char != "/":
                state = "attribute name"
        elif state in ("attribute name", "after attribute name"):
            if char == "/":
                state = "before attribute name"
            elif char == "=":
                state = "before attribute value"
            elif char in _SPACE:
                state = "after attribute name"
            elif state == "after attribute name":
                state = "attribute name"  # the next attribute's
        elif state == "before attribute value":
            if char == '"':
                state = "attribute value (double-quoted)"
            elif char == "'":
                state = "attribute value (single-quoted)"
            elif char not in _SPACE:
                state = "attribute value (unquoted)"
        elif char in _SPACE:  # attribute value (unquoted)
            state = "before attribute name"
    return -1


def reference_parse_html(markup: str) -> _Node:
    builder = _TreeBuilder(markup)
    position = 0
    lower = ""  # lower-cased copy, made only once a raw-text element needs its end tag found
    while position < len(markup):
        raw_text_element, position = builder.build_until_raw_text(position)
        if raw_text_element is None:
            break
        # Raw text runs to its end tag whatever it contains; tokenising resumes after it.
        lower = lower or markup.lower()
        close = lower.find("</" + raw_text_element.tag, position)
        if close < 0:
            close = len(markup)
        if close > position:
            raw_text_element.children.append(markup[position:close])
        end = markup.find(">", close)
        position = len(markup) if end < 0 else end + 1
    return builder.root


class _TreeBuilder:
    """The open elements while tokens are added, with a count of open elements per tag so
    that a stray end tag is dismissed at once instead of by a walk down the whole stack."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.root = _Node("#document")
        self.stack: list[_Node] = [self.root]
        self.open_tags: dict[str, int] = {}
        self.hard = _HardTokens(markup)

    def build_until_raw_text(self, position: int) -> tuple[_Node | None, int]:
        """Add tokens from `position` to the tree; stop after a raw-text element's start tag.

        This loop is the cost of reading a page, so it avoids per-token method calls where a
        cached lookup or a direct test does the same.
        """
        markup = self.markup
        stack = self.stack
        open_tags = self.open_tags
        current = stack[-1]
        lower_names = _REFERENCE_LOWER_NAMES
        search = _TOKEN.search
        search_from = position
        while (match := search(markup, search_from)) is not None:
            start, end = match.span()
            (tag_start,) = match.groups()
            is_end = name = None
            raw_attrs = ""
            if tag_start is not None:
                token = self.hard.token(start)
                if token is None:  # a "<" that starts no token is text
                    search_from = end
                    continue
                end, is_end, name, raw_attrs = token
            search_from = end
            if start > position:
                current.children.append(markup[position:start])
            position = end
            if name is None:  # comment, doctype or processing instruction
                continue
            tag = lower_names.get(name) or lower_names.setdefault(name, name.lower())
            if is_end:
                if not open_tags.get(tag) or len(stack) == 1:
                    continue  # a stray end tag is ignored
                if current.tag != tag:
                    # Close up to the nearest open match: every element walked past is closed.
                    depth = len(stack) - 1
                    while stack[depth].tag != tag:
                        depth -= 1
                    if depth == 0:
                        continue
                    for closed in stack[depth + 1 :]:
                        open_tags[closed.tag] -= 1
                    del stack[depth + 1 :]
                stack.pop()
                open_tags[tag] -= 1
                current = stack[-1]
                continue
            if tag in SELF_NESTING_FORBIDDEN and current.tag == tag and len(stack) > 1:
                stack.pop()
                open_tags[tag] -= 1
                current = stack[-1]
            element = _Node(tag, raw_attrs, current)
            current.children.append(element)
            if tag in RAW_TEXT_TAGS:
                return element, position
            if tag in VOID_TAGS or raw_attrs[-1:] == "/":
                continue
            stack.append(element)
            open_tags[tag] = open_tags.get(tag, 0) + 1
            current = element
        if position < len(markup):
            current.children.append(markup[position:])
        return None, len(markup)


class _HardTokens:
    """Reads every tag the way HTML's tokenizer does (`reference_attributes_end`)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def token(self, start: int) -> tuple[int, str | None, str | None, str] | None:
        """(end, "/" or None, name, raw attributes) of the tag at `start`; a doctype,
        comment or processing instruction has no name; None when `start` is no token."""
        markup = self.markup
        kind = markup[start + 1]
        if kind in "!?":
            close = markup.find(">", start + 2)
            return None if close < 0 else (close + 1, None, None, "")
        name_start = start + 2 if kind == "/" else start + 1
        if name_start >= len(markup) or not markup[name_start].isascii():
            return None
        if not markup[name_start].isalpha():
            return None
        run = _NAME_RUN.match(markup, name_start + 1)
        assert run is not None
        name_end = run.end()
        attributes_end = reference_attributes_end(markup, name_end)
        if attributes_end < 0:
            return None
        closing = "/" if kind == "/" else None
        name = markup[name_start:name_end]
        return attributes_end + 1, closing, name, markup[name_end:attributes_end]


# Tag names as written -> lower case; pages use a few dozen distinct spellings.
_REFERENCE_LOWER_NAMES: dict[str, str] = {}

# --- the comparison ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
NO_LOWER_CASE_SHIFT = "\u0130"  # see the module docstring


def shape(root: Element | _Node) -> list[tuple[str, ...]]:
    """The tree as a flat list of events in document order (no recursion: trees are deep)."""
    events: list[tuple[str, ...]] = []
    stack: list[Element | _Node | str | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            events.append(("end",))
        elif isinstance(node, str):
            events.append(("text", node))
        else:
            events.append(("start", node.tag, node.raw_attributes))
            stack.append(None)
            stack.extend(reversed(node.children))
    return events


def assert_parents_link_children(root: Element) -> None:
    for element in root.iter():
        for child in element.children:
            assert isinstance(child, str) or child.parent is element


def assert_same_tree(markup: str) -> None:
    root = parse_html(markup)
    assert shape(root) == shape(reference_parse_html(markup))
    assert_parents_link_children(root)


NAMES = st.sampled_from(
    [
        "div", "DIV", "p", "P", "li", "ul", "td", "tr", "option", "b", "a", "span", "br",
        "img", "input", "meta", "script", "SCRIPT", "ScRiPt", "style", "title", "textarea",
        "xmp", "noembed", "scripts", "x-y", 'a"b', "a'b", "k\u212a", "\u212abd", "é",
    ]
)  # fmt: skip
ATTRIBUTE_PIECES = st.sampled_from(
    [" ", "\n", "\t", "\f", "\v", "\xa0", "\u2003", "\x1c", "=", "/", '"', "'", "<", ">", "x",
     "class", '"<"', "'>'", '"a>b"', "'<b>'", "itemprop=price", "&amp;", "-"]
)  # fmt: skip
TAGS = st.builds(
    lambda slash, name, attributes, close: f"<{slash}{name}{attributes}{close}",
    st.sampled_from(["", "/"]),
    NAMES,
    st.lists(ATTRIBUTE_PIECES, max_size=6).map("".join),
    st.sampled_from([">", "/>", "", " "]),
)
PIECES = st.sampled_from(
    [
        "<", ">", "/", "</", "<!", "<?", "<!--", "-->", "--", "-", "--!>", "<!-->", "<!--->",
        "<!DOCTYPE html>", "<?xml version='1.0'?>", "</ ", "</>", "</3", "<3", "< a", "<\u212a",
        "</script", "</SCRIPT>", "</scr", "</style>", "</title >", "</textarea", '"', "'", "=",
        " ", "\n", "\t", "\xa0", "text", "$1.99", "&amp;", "&nbsp;", "é", "\u212a", "\x00",
    ]
)  # fmt: skip
TEXT = st.text(
    alphabet=st.characters(blacklist_characters=NO_LOWER_CASE_SHIFT, blacklist_categories=["Cs"]),
    max_size=6,
)
MARKUP = st.lists(st.one_of(TAGS, PIECES, TEXT), max_size=80).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP)
def test_generated_markup_builds_the_tree_the_reference_builds(markup):
    assert_same_tree(markup)


# Few names, so that end tags often meet open elements of their name, deep or not.
NESTING = st.lists(
    st.sampled_from(
        ["<b>", "</b>", "<i>", "</i>", "<B>", "</I>", "<p>", "</p>", "<li>", "</li>", "<br>",
         "</br>", "<b/>", "<script>", "</script>", "<title>", "x", " "]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(NESTING)
def test_nested_and_misnested_tags_build_the_tree_the_reference_builds(markup):
    assert_same_tree(markup)


def _leaf(name: str, attributes: str, close: str, text: str, end: str, space: str) -> str:
    """A start tag, its text and an end tag: written alike, a leaf (one token to the
    builder); with another spelling, a space inside or a "/>" start, not one."""
    end_name = {"same": name, "upper": name.upper(), "other": "b"}[end]
    return f"<{name}{attributes}{close}{text}</{end_name}{space}>"


LEAVES = st.lists(
    st.one_of(
        st.builds(
            _leaf,
            NAMES,
            st.sampled_from(["", ' class="x"', " a='>'", " x/", "/"]),
            st.sampled_from([">", "/>"]),
            TEXT,
            st.sampled_from(["same", "same", "upper", "other"]),
            st.sampled_from(["", "", " ", "\n", " x"]),
        ),
        st.sampled_from(["<div>", "</div>", "<li>", "<p>", "<br>", "text", " "]),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(LEAVES)
def test_elements_holding_only_text_build_the_tree_the_reference_builds(markup):
    assert_same_tree(markup)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="<>/!?-=\"' aAsScCrRiIpPtT\n", max_size=120))
def test_markup_soup_builds_the_tree_the_reference_builds(markup):
    assert_same_tree(markup)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_hostile_pages_build_the_tree_the_reference_builds(name):
    assert_same_tree(SHAPES[name](20_000))


def corpus_pages() -> list[Path]:
    return sorted(CORPUS.rglob("*.html")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
@pytest.mark.parametrize("page", corpus_pages(), ids=lambda page: str(page.relative_to(CORPUS)))
def test_corpus_pages_build_the_tree_the_reference_builds(page):
    markup = decode_body(page.read_bytes(), {})
    if NO_LOWER_CASE_SHIFT in markup:
        pytest.skip("holds a character the reference mis-reads (see the module docstring)")
    assert_same_tree(markup)
