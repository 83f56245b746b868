"""A small, fast, forgiving HTML tree builder.

Product pages are 50 KB to several MB of often broken markup, and extraction must take a
few milliseconds per page with the standard library only. `html.parser` is several times
too slow for that, so this module tokenises with one compiled regular expression and builds
a light element tree the way browsers recover from common errors: void elements never take
children, an end tag closes up to its nearest open match (stray end tags are ignored), and
raw-text elements (script, style, textarea, title) keep their content as a single text node.
Attributes are parsed on first access only, since most elements are never asked for them.

Every stage that reads the whole tree walks it with `walk`: the parsed document keeps its
elements in document order, so a walk is a loop over that list, with no stack to keep and
no children to sort out from text at each element; the tree is not changed once built.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Iterator, Sequence, Set
from enum import Enum
from itertools import chain
from typing import Any, overload

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget

VOID_TAGS = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
RAW_TEXT_TAGS = frozenset(("script", "style", "textarea", "title", "xmp", "noembed"))
# Opening one of these closes an open sibling of the same tag (<li>, <p>, <option>, ...).
SELF_NESTING_FORBIDDEN = frozenset(("p", "li", "option", "dt", "dd", "tr", "td", "th"))
# Text on either side of these is separate words, as a browser renders it on its own line.
BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section select table tbody td "
    "tfoot th thead tr ul".split()
)


class _TagKind(Enum):
    """What a start tag does to the tree besides opening its element, for the tags that do
    something (one lookup per start tag tells the tree builder which)."""

    VOID = "takes no children"
    RAW_TEXT = "holds its text as written, up to its end tag"
    CLOSES_SIBLING = "closes an open sibling of the same tag"
    UNREAD = "its content is not built when that is safe (`parse_html`'s `unread`)"


_VOID, _RAW_TEXT, _CLOSES_SIBLING, _UNREAD = _TagKind
_TAG_KINDS = {
    **dict.fromkeys(VOID_TAGS, _VOID),
    **dict.fromkeys(RAW_TEXT_TAGS, _RAW_TEXT),
    **dict.fromkeys(SELF_NESTING_FORBIDDEN, _CLOSES_SIBLING),
}


def _all_but(excluded: str) -> str:
    """A character set of every character but `excluded`, written as ranges: the regular
    expression engine tests a character against a few ranges faster than against a negated
    set of several characters (a third faster over the text of start tags)."""
    ranges = []
    low = 0
    for code in sorted(map(ord, excluded)):
        if code > low:
            ranges.append((low, code - 1))
        low = code + 1
    ranges.append((low, sys.maxunicode))
    written = (
        re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "")
        for first, last in ranges
    )
    return f"[{''.join(written)}]"


# One match reads the text up to the next token, then that token: a page is read by one
# `finditer` whose matches the tree builder takes in order, with no Python work per
# character and little per token. The text runs up to a "<" that may start a token ("</"
# and a non-letter never does). Tags are matched here only when no "<" occurs inside them,
# so a failed attempt never reads past the next "<" and the scan stays linear on any page;
# the rare tag with a "<" inside, or one that never closes, is a "hard" token (the `_HARD`
# group, just its "<"), read by `_HardTokens`, which gives the same answer in linear time.
# A tag's attributes are read as HTML's tokenizer reads them: a quote opens a value only
# right after an attribute's "=" (`class="a b"`); anywhere else it is a character of a name
# or an unquoted value (`title="5" panda"=""`, as pages write them), so a stray quote never
# swallows the page after it. Matched here: names and spaces without quotes nor "=", each
# "=" straight after a name character and its value; a tag that is otherwise (a quote in a
# name, "=" after a space or a quote) is a hard token, read the same way by `_HardTokens`.
# A start tag whose content is plain text (no "<") up to its own end tag, written alike
# ("<span>$9.99</span>", "<script src=...></script>"), is one token, a leaf: two fifths
# of a page's elements, each then built without a second token nor a visit to the stack.
# Groups: text, end tag name, start tag name, start tag attributes, leaf text, hard.
_TEXT = r"[^<]*+(?:<(?![!?a-zA-Z]|/[a-zA-Z])[^<]*+)*+"
_NAME = r"[a-zA-Z][^\s/<>]*+"
_SPACE = "\t\n\f\r "  # HTML's whitespace in a tag (not Python's \s, which holds more)
_PLAIN, _IN_DOUBLE_QUOTES, _IN_SINGLE_QUOTES = _all_but("<>\"'="), _all_but('"<'), _all_but("'<")
_VALUE = (
    f"""[{_SPACE}]*+(?:"{_IN_DOUBLE_QUOTES}*+"|'{_IN_SINGLE_QUOTES}*+'"""
    f"""|[^{_SPACE}<>"'][^{_SPACE}<>]*+|(?=>))"""
)
_TAG_ATTRIBUTES = f"{_PLAIN}*+(?:(?<![{_SPACE}/\"'])={_VALUE}{_PLAIN}*+)*+"
_TOKEN = re.compile(
    f"({_TEXT})"
    f"(?:</({_NAME}){_TAG_ATTRIBUTES}>"
    f"|<(?P<start>{_NAME})({_TAG_ATTRIBUTES})>(?:(?<!/>)([^<]*+)</(?P=start)\\s*+>)?"
    r"|<!--[^-]*+(?:-(?!->)[^-]*+)*+(?:-->)?"  # a comment runs to its first "-->" or the end
    r"|<[!?][^<>]*+>"  # a doctype or processing instruction
    r"|(<)"
    r"|\Z)"
)
_LEAF = 5
_HARD = 6
# Where a raw-text element's content ends: "</" and its name in any ASCII case, as browsers
# match it (found in `markup.lower()`, its position would be off by one for each "\u0130"
# before it, which lower-cases to two characters).
_RAW_TEXT_END = {tag: re.compile(f"</(?ai:{tag})") for tag in RAW_TEXT_TAGS}
# How `_HardTokens` reads a tag: its name runs to a space, "/" or ">"; then each state of
# HTML's tokenizer in an attribute list reads a run of characters at once.
_NAME_RUN = re.compile(r"[^\s/>]*+")
_SPACES = re.compile(f"[{_SPACE}]*+")
_SPACES_OR_SLASHES = re.compile(f"[{_SPACE}/]*+")
_ATTRIBUTE_NAME_RUN = re.compile(f"[^{_SPACE}/>=]*+")
_UNQUOTED_VALUE_RUN = re.compile(f"[^{_SPACE}>]*+")
_ATTRIBUTE = re.compile(
    r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""",
)
_WHITESPACE = re.compile(r"\s+")


def parse_attributes(raw: str) -> dict[str, str]:
    """Attributes of a start tag's inner text; names lower-cased, first occurrence wins."""
    attrs: dict[str, str] = {}
    for name, double, single, bare in _ATTRIBUTE.findall(raw):
        name = name.lower()
        if name not in attrs:
            value = double or single or bare
            attrs[name] = html.unescape(value) if "&" in value else value
    return attrs


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class Element:
    """One element of the tree; `children` holds Elements and raw text strings."""

    # `raw_attributes`: the start tag's text after its name, as written (entities not
    # decoded); an attribute rather than a property, as the tree's readers test substrings
    # of it on every element before paying for attribute parsing.
    __slots__ = ("_attrs", "children", "parent", "raw_attributes", "tag")

    def __init__(self, tag: str, raw_attrs: str = "", parent: Element | None = None) -> None:
        self.tag = tag
        self.parent = parent
        # A list while the element may take more; a tuple once the builder closed it with
        # what it holds (a leaf's text, nothing): the tree is read, never changed.
        self.children: Sequence[Element | str] = []
        self.raw_attributes = raw_attrs
        self._attrs: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"<{self.tag} {self.raw_attributes.strip()}>"

    @property
    def attrs(self) -> dict[str, str]:
        if self._attrs is None:
            raw = self.raw_attributes
            self._attrs = parse_attributes(raw) if raw else {}
        return self._attrs

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.attrs.get("class", "").split())

    def has_attribute_text(self, needle: str) -> bool:
        """Cheap test on the raw start tag, before paying for attribute parsing."""
        return needle in self.raw_attributes

    def iter(self) -> Iterator[Element]:
        """This element and all its descendants, in document order."""
        stack: list[Element] = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(
                child for child in reversed(element.children) if isinstance(child, Element)
            )

    def find_all(self, predicate: Callable[[Element], bool]) -> list[Element]:
        return [element for element in self.iter() if predicate(element)]

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def raw_text(self, limit: int | None = None) -> str:
        """Concatenated text of all descendants, entities decoded, whitespace as written.

        With `limit`, reading stops after about that many characters or nodes, however
        large the element: what a caller wanting a short value (a price) pays.
        """
        if limit is not None:
            return self._raw_text_prefix(limit)
        parts: list[str] = []
        stack: list[Element | str] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            elif node is self:
                stack.extend(reversed(node.children))
            elif node.tag in BLOCK_TAGS:
                stack.append(" ")
                stack.extend(reversed(node.children))
                stack.append(" ")
            elif node.tag not in ("script", "style"):
                stack.extend(reversed(node.children))
        text = "".join(parts)
        return html.unescape(text) if "&" in text else text

    def _raw_text_prefix(self, limit: int) -> str:
        """`raw_text` up to about `limit` characters or nodes, children read lazily."""
        if len(self.children) == 1 and type(only := self.children[0]) is str:
            return html.unescape(only) if "&" in only else only  # most short texts
        parts: list[str] = []
        length = nodes = 0
        # Children still to read, and the text to add once they are read (a block's space).
        stack: list[tuple[Iterator[Element | str], str]] = [(iter(self.children), "")]
        while stack and length < limit and nodes < limit:
            children, after = stack[-1]
            node = next(children, None)
            if node is None:
                stack.pop()
                parts.append(after)
                continue
            nodes += 1
            if isinstance(node, str):
                parts.append(node)
                length += len(node)
            elif node.tag in BLOCK_TAGS:
                parts.append(" ")
                stack.append((iter(node.children), " "))
            elif node.tag not in ("script", "style"):
                stack.append((iter(node.children), ""))
        text = "".join(parts)
        return html.unescape(text) if "&" in text else text

    def text(self, limit: int | None = None) -> str:
        """Visible-ish text of the element: entities decoded, whitespace collapsed (read
        only up to about `limit` characters when given)."""
        return collapse_whitespace(self.raw_text(limit))


class Document(Element):
    """The root of a parsed page (tag "#document"), with every element of the page in
    document order (itself first), for `walk`."""

    __slots__ = ("elements",)

    def __init__(self) -> None:
        super().__init__("#document")
        self.elements: list[Element] = [self]


def parse_html(markup: str, budget: Budget = UNLIMITED, unread: Set[str] = frozenset()) -> Document:
    """Build the element tree of a whole page; never raises on malformed markup.

    An element whose tag is in `unread` is built without its content (no children) when
    that content is what its first end tag closes, holds no element of the same tag, no
    microdata and no h1: the content of page chrome and unseen parts (navigation, the site's
    banner, `<svg>`), which no reader of the page uses, is then not tokenised at all. A
    `<header>` inside sectioning content (`<article>`, `<main>`, `<section>`...) is its
    section's, not the site's banner, and is read. Otherwise it is built as usual.

    Time is linear in the page's length whatever it holds: `budget` is checked every
    `BUDGET_STRIDE` tokens (raising `ExtractionTooSlowError` once spent).
    """
    return _TreeBuilder(markup, budget, unread).build()


_NOTHING_SKIPPED: frozenset[str] = frozenset()


def walk(
    root: Element, budget: Budget = UNLIMITED, skip: Set[str] = _NOTHING_SKIPPED
) -> Iterator[Element]:
    """`root` and every element under it, in document order; an element whose tag is in
    `skip` is given, but none under it. Checks `budget` every `BUDGET_STRIDE` elements
    (raising `ExtractionTooSlowError` once spent): a walk over a page of any size."""
    if isinstance(root, Document):
        return _walk_listed(root.elements, budget, skip)
    return _walk_subtree(root, budget, skip)


def _walk_listed(elements: list[Element], budget: Budget, skip: Set[str]) -> Iterator[Element]:
    """A whole document's walk: its list of elements, skipped parts jumped over (what
    follows a skipped element in the list is under it while its parent is). Given as runs
    of the list, at most `BUDGET_STRIDE` long, the budget checked before each: the caller's
    loop then takes each element straight from the list, not from a generator."""
    return chain.from_iterable(_listed_runs(elements, budget, skip))


def _listed_runs(
    elements: list[Element], budget: Budget, skip: Set[str]
) -> Iterator[list[Element]]:
    """`_walk_listed`'s runs: on to each skipped element that has something under it (itself
    included), then on from after what is under it."""
    jumps = (
        [
            index
            for index, element in enumerate(elements)
            if element.tag in skip and element.children
        ]
        if skip
        else []
    )
    at = 0
    last = len(elements) - 1
    for jump in jumps:
        # (Else under an earlier one, jumped over with it, or with only text under it, as
        # scripts and styles are: no element to jump over.)
        if jump >= at and jump < last and elements[jump + 1].parent is elements[jump]:
            yield from _runs(elements, at, jump + 1, budget)
            at = _after_subtree(elements, jump, budget)
    yield from _runs(elements, at, len(elements), budget)


def _runs(
    elements: list[Element], start: int, stop: int, budget: Budget
) -> Iterator[list[Element]]:
    for at in range(start, stop, BUDGET_STRIDE):
        budget.check()
        yield elements[at : min(at + BUDGET_STRIDE, stop)]


def _after_subtree(elements: list[Element], index: int, budget: Budget) -> int:
    """Where the elements under `elements[index]` end in the list (they follow it)."""
    under = {elements[index]}
    at = index + 1
    while at < len(elements) and (inner := elements[at]).parent in under:
        under.add(inner)
        at += 1
        if not at % BUDGET_STRIDE:
            budget.check()
    return at


def _walk_subtree(root: Element, budget: Budget, skip: Set[str]) -> Iterator[Element]:
    """A walk from any element, with a stack of the elements still to visit."""
    stack: list[Element] = [root]
    steps = BUDGET_STRIDE
    while stack:
        element = stack.pop()
        steps -= 1
        if not steps:
            steps = BUDGET_STRIDE
            budget.check()
        yield element
        if element.tag not in skip:
            stack.extend(
                child for child in reversed(element.children) if isinstance(child, Element)
            )


class NextOccurrence:
    """Where `needle` next occurs in `text` from a position, for positions asked in
    increasing order: each stretch of the text is searched once, however many tags ask
    (a page of unclosed tags asks the same question thousands of times). -1: nowhere."""

    __slots__ = ("_at", "_from", "needle", "text")

    def __init__(self, text: str, needle: str) -> None:
        self.text = text
        self.needle = needle
        self._from = 0
        self._at = -2  # not searched yet

    def after(self, position: int) -> int:
        if not (self._from <= position and (position <= self._at or self._at == -1)):
            self._from, self._at = position, self.text.find(self.needle, position)
        return self._at


# The children of an element closed as soon as opened (void, self-closed, left unread, or
# a leaf, whose text is then its only child): a tuple, one allocation fewer per element
# than a list for half a page's elements.
_NO_CHILDREN: tuple[Element | str, ...] = ()


class _TreeBuilder:
    """Adds a page's tokens to its tree, keeping the open elements and a count of open
    elements per tag, so that a stray end tag is dismissed at once instead of by a walk down
    the whole stack."""

    def __init__(self, markup: str, budget: Budget, unread: Set[str]) -> None:
        self.markup = markup
        self.budget = budget
        self.hard = _HardTokens(markup)
        self.tag_kinds = {**_TAG_KINDS, **dict.fromkeys(unread, _UNREAD)} if unread else _TAG_KINDS
        self.unread_content = _UnreadContent(markup)

    def build(self) -> Document:
        """The tree of the whole page.

        This loop is the cost of reading a page, so it avoids per-token method calls where a
        cached lookup or a direct test does the same.
        """
        markup = self.markup
        budget = self.budget
        root = Document()
        current: Element = root
        stack: list[Element] = [root]
        add_to_document = root.elements.append
        open_tags: dict[str, int] = {}
        lower_names = _LOWER_NAMES
        tag_kinds = self.tag_kinds
        new_element = Element.__new__
        steps = BUDGET_STRIDE
        unread = False  # the loop below stopped after an element left unread
        tokens: Iterator[re.Match[str] | _ReadToken] = _TOKEN.finditer(markup)
        # The open elements' children (`current`'s and the stack's) are lists, the only
        # ones that take more (hence the ignored types of their appends).
        while True:
            for token in tokens:
                text, end_name, name, raw_attrs, leaf, hard = token.groups()
                if text:
                    current.children.append(text)  # type: ignore[attr-defined]
                steps -= 1
                if not steps:
                    steps = BUDGET_STRIDE
                    budget.check()
                if name is not None:
                    tag = lower_names.get(name) or _lower_name(name)
                    kind = tag_kinds.get(tag)
                    if kind is _CLOSES_SIBLING and current.tag == tag:
                        stack.pop()
                        open_tags[tag] -= 1
                        current = stack[-1]
                    # Built in line: calling Element(...) instead costs 4% of the parse.
                    element = new_element(Element)
                    element.tag = tag
                    element.parent = current
                    element.children = _NO_CHILDREN  # (a list once it may take children)
                    element.raw_attributes = raw_attrs
                    element._attrs = None
                    current.children.append(element)  # type: ignore[attr-defined]
                    add_to_document(element)
                    may_leave_unread = (
                        kind is _UNREAD
                        and raw_attrs[-1:] != "/"
                        and not (tag == "header" and _in_section(open_tags))
                    )
                    if leaf is not None:  # its end tag read too: the element is closed
                        if kind is _VOID:
                            if leaf:  # void: the text is after it
                                current.children.append(leaf)  # type: ignore[attr-defined]
                        elif leaf and not (
                            may_leave_unread
                            and self.unread_content.end(tag, name, current.tag, _leaf_start(token))
                            >= 0
                        ):
                            element.children = (leaf,)
                        continue
                    if may_leave_unread:
                        resume = self.unread_content.end(tag, name, current.tag, token.end())
                        if resume >= 0:
                            tokens = _TOKEN.finditer(markup, resume)
                            unread = True
                            break
                        # Else read after all: an element like any other.
                    if kind is None or kind is _CLOSES_SIBLING or kind is _UNREAD:
                        if raw_attrs[-1:] != "/":
                            element.children = []
                            stack.append(element)
                            open_tags[tag] = open_tags.get(tag, 0) + 1
                            current = element
                    elif kind is _RAW_TEXT:
                        break
                elif end_name is not None:
                    tag = lower_names.get(end_name) or _lower_name(end_name)
                    if current.tag == tag:  # the usual case: it closes the current element
                        stack.pop()
                        open_tags[tag] -= 1
                        current = stack[-1]
                    elif open_tags.get(tag):  # else a stray end tag, ignored
                        # Close up to the nearest open match (below the current element):
                        # every element walked past is closed too.
                        depth = len(stack) - 2
                        while stack[depth].tag != tag:
                            depth -= 1
                        for closed in stack[depth:]:
                            open_tags[closed.tag] -= 1
                        del stack[depth:]
                        current = stack[-1]
                elif hard is not None:
                    break
                # Anything else is a comment, a doctype, a processing instruction or the end.
            else:
                return root
            # Stopped after a raw-text element's start tag, an unread element (`tokens`
            # then resumes after its end tag) or at a hard token.
            if unread:
                unread = False
            elif hard is None:
                # The raw text runs to its end tag whatever it holds, and the end tag to its
                # ">"; tokenising resumes after it.
                position = token.end()
                close = _RAW_TEXT_END[tag].search(markup, position)
                content_end = len(markup) if close is None else close.start()
                element.children = (
                    (markup[position:content_end],) if content_end > position else _NO_CHILDREN
                )
                after = markup.find(">", content_end)
                tokens = _TOKEN.finditer(markup, len(markup) if after < 0 else after + 1)
            else:
                # A hard token: read again by `_HardTokens`, with the text before its "<".
                if text:
                    current.children.pop()  # type: ignore[attr-defined]
                start = token.end() - 1
                read = self.hard.read(start - len(text), start)
                tokens = chain((read,), _TOKEN.finditer(markup, read.end()))


# A <header> inside one of these is that section's own (a product's, with its name and
# price), not the page's banner (HTML's landmark rule): it is read, unread or not.
_SECTIONING_TAGS = ("article", "aside", "main", "nav", "section")


def _in_section(open_tags: dict[str, int]) -> bool:
    return any(open_tags.get(tag) for tag in _SECTIONING_TAGS)


class _UnreadContent:
    """Where the content of an unread element ends, when it can be left unread: its end
    tag is the first after it, with no start tag of the same name (nested, or a later
    element that this one's missing end tag would swallow), no end tag of its parent's (which
    would close it first), no microdata and no h1 between. Tags are looked for as written in lower
    case, as pages write them; a start tag written otherwise is read. Each question searches
    only the content it is about (and once up to the next end tag): linear in the page."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.ends: dict[str, NextOccurrence] = {}

    def end(self, tag: str, written: str, parent: str, content_start: int) -> int:
        """Where reading resumes after the unread content of a `tag` element (its name as
        `written`, its parent's tag `parent`) from `content_start`, and its end tag; -1 when
        the content must be read."""
        if written != tag:
            return -1
        ends = self.ends.get(tag)
        if ends is None:
            ends = self.ends[tag] = NextOccurrence(self.markup, f"</{tag}")
        close = ends.after(content_start)
        if close < 0:
            return -1
        markup = self.markup
        if markup.find(f"<{tag}", content_start, close) >= 0:
            return -1
        if markup.find("itemprop", content_start, close) >= 0:
            return -1
        if markup.find("<h1", content_start, close) >= 0:
            return -1  # the page's title, which its readers look for
        if markup.count(f"</{parent}", content_start, close) > markup.count(
            f"<{parent}", content_start, close
        ):
            return -1
        after = markup.find(">", close)
        return len(markup) if after < 0 else after + 1


def _leaf_start(token: re.Match[str] | _ReadToken) -> int:
    """Where a leaf's content starts: only a match of `_TOKEN` holds a leaf."""
    assert isinstance(token, re.Match)
    return token.start(_LEAF)


class _ReadToken:
    """A token read by `_HardTokens`, shaped (and typed) like a match of `_TOKEN`, never a
    hard one: the tree builder reads both the same way."""

    __slots__ = ("_end", "_groups")

    def __init__(self, groups: tuple[str | Any, ...], end: int) -> None:
        self._groups = groups
        self._end = end

    def groups(self) -> tuple[str | Any, ...]:
        return self._groups

    def end(self) -> int:
        return self._end


class _HardTokens:
    """Reads the tokens `_TOKEN` leaves to it, as HTML's tokenizer reads a tag (a quoted
    value may hold "<" and ">"; names and unquoted values may hold quotes and "<"), in
    linear time overall.

    Reading a tag that never closes runs to the end of the page, and a page can have
    thousands of them. What makes it linear: a reading is a run of steps, each from a
    position in one of the tokenizer's states (before a name, in a name, after one, before
    a value, in a quoted or unquoted value), and where it goes from there depends on that
    position and state alone. A failed reading marks each (position, state) it stood at; a
    later reading that stands at a marked one fails at once. Each pair is marked once, and
    readings meet soon (the states outside quotes all end at the next space or "="): the
    total is linear. Names and the next ">" are cached the same way.
    """

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.failed: bytearray | None = None  # by position: the states failed readings stood in
        self.run_start = self.run_end = -1  # the last name run read, [start, end)
        self.next_gt = NextOccurrence(markup, ">")

    def read(self, text_start: int, start: int) -> _ReadToken:
        """The token whose "<" `_TOKEN` left at `start`, with the text from `text_start`
        before it. A "<" that starts no token is text, as is what follows up to the next."""
        markup = self.markup
        while (token := self.token(start)) is None:
            following = _TOKEN.match(markup, start + 1)
            assert following is not None  # text, then a token or the end: it matches anywhere
            if following.group(_HARD) is None:
                text = markup[text_start : following.end(1)]
                return _ReadToken((text, *following.groups()[1:]), following.end())
            start = following.end() - 1
        end, closing, name, raw_attrs = token
        text = markup[text_start:start]
        if closing:
            return _ReadToken((text, name, None, None, None, None), end)
        return _ReadToken((text, None, name, raw_attrs, None, None), end)

    def token(self, start: int) -> tuple[int, str | None, str | None, str] | None:
        """(end, "/" or None, name, raw attributes) of the tag at `start`; a doctype,
        comment or processing instruction has no name; None when `start` is no token."""
        markup = self.markup
        kind = markup[start + 1]
        if kind in "!?":
            close = self.next_gt.after(start + 2)
            return None if close < 0 else (close + 1, None, None, "")
        name_start = start + 2 if kind == "/" else start + 1
        if name_start >= len(markup) or not markup[name_start].isascii():
            return None
        if not markup[name_start].isalpha():
            return None
        name_end = self.name_end(name_start + 1)
        attributes_end = self.attributes_end(name_end)
        if attributes_end < 0:
            return None
        closing = "/" if kind == "/" else None
        name = markup[name_start:name_end]
        return attributes_end + 1, closing, name, markup[name_end:attributes_end]

    def name_end(self, position: int) -> int:
        """End of the name characters from `position` (names of nested "<a<b" share one)."""
        if not self.run_start <= position <= self.run_end:
            self.run_start = position
            run = _NAME_RUN.match(self.markup, position)
            assert run is not None  # the pattern matches the empty string
            self.run_end = run.end()
        return self.run_end

    def attributes_end(self, position: int) -> int:
        """Index of the ">" ending the attributes read from `position` (where the tag's
        name ends), or -1 if they never end."""
        markup = self.markup
        failed = self.failed
        state = _BEFORE_NAME
        visited: list[tuple[int, int]] = []
        while failed is None or not failed[position] & state:
            visited.append((position, state))
            if state in (_IN_DOUBLE_QUOTED, _IN_SINGLE_QUOTED):
                close = markup.find('"' if state == _IN_DOUBLE_QUOTED else "'", position)
                if close < 0:
                    break
                position, state = close + 1, _BEFORE_NAME
                continue
            at = _STATE_RUNS[state].match(markup, position).end()  # type: ignore[union-attr]
            if at == len(markup):
                break
            char = markup[at]
            if char == ">":
                return at
            position, state = _next_state(state, char, at)
        if self.failed is None:
            self.failed = bytearray(len(markup) + 1)
        for at, stood in visited:
            self.failed[at] |= stood
        return -1


# The states of HTML's tokenizer in a tag's attributes (one bit each, for
# `_HardTokens.failed`); after a quoted value, or a "/" that does not end the tag, the
# tokenizer is before a name again.
_BEFORE_NAME, _IN_NAME, _AFTER_NAME, _BEFORE_VALUE = 1, 2, 4, 8
_IN_DOUBLE_QUOTED, _IN_SINGLE_QUOTED, _IN_UNQUOTED = 16, 32, 64
# What each state reads before the character that decides the next state (quoted values
# are read by finding their closing quote).
_STATE_RUNS = {
    _BEFORE_NAME: _SPACES_OR_SLASHES,
    _IN_NAME: _ATTRIBUTE_NAME_RUN,
    _AFTER_NAME: _SPACES,
    _BEFORE_VALUE: _SPACES,
    _IN_UNQUOTED: _UNQUOTED_VALUE_RUN,
}
_VALUE_STARTS = {'"': _IN_DOUBLE_QUOTED, "'": _IN_SINGLE_QUOTED}


def _next_state(state: int, char: str, at: int) -> tuple[int, int]:
    """Where a reading goes on from `char` at `at` (not ">"), which ended `state`'s run."""
    if state == _BEFORE_NAME:
        return at + 1, _IN_NAME  # any character starts a name, "=" and quotes too
    if state == _BEFORE_VALUE:
        return at + 1, _VALUE_STARTS.get(char, _IN_UNQUOTED)
    if state == _IN_UNQUOTED:
        return at, _BEFORE_NAME  # a space
    if char == "=":
        return at + 1, _BEFORE_VALUE
    if char == "/":
        return at + 1, _BEFORE_NAME
    if state == _IN_NAME:
        return at, _AFTER_NAME  # a space
    return at + 1, _IN_NAME  # after a name, another one starts


# Tag names as written -> lower case; pages use a few dozen distinct spellings, and a page
# of made-up names must not grow the cache without end (it lives as long as the process).
_LOWER_NAMES: dict[str, str] = {}
_LOWER_NAMES_KEPT = 4_096


def _lower_name(name: str) -> str:
    tag = name.lower()
    if len(_LOWER_NAMES) < _LOWER_NAMES_KEPT:
        _LOWER_NAMES[name] = tag
    return tag
