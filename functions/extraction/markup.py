"""A small, fast, forgiving HTML tree builder.

Product pages are 50 KB to several MB of often broken markup, and extraction must take a
few milliseconds per page with the standard library only. `html.parser` is several times
too slow for that, so this module tokenises with one compiled regular expression and builds
a light element tree the way browsers recover from common errors: void elements never take
children, an end tag closes up to its nearest open match (stray end tags are ignored), and
raw-text elements (script, style, textarea, title) keep their content as a single text node.
Attributes are parsed on first access only, since most elements are never asked for them.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterator
from typing import overload

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

# One search finds the next token. Tags are matched here only when no "<" occurs inside them,
# so a failed attempt never reads past the next "<" and the scan stays linear on any page;
# the rare tag with a "<" inside, or one that never closes, is a "hard" token (the last
# alternative) and is read by `_HardTokens`, which gives the same answer in linear time.
_TOKEN = re.compile(
    r"<(?:"
    r"(/)?([a-zA-Z][^\s/<>]*+)([^<>\"']*+(?:(?:\"[^\"<]*+\"|'[^'<]*+')[^<>\"']*+)*+)>"
    r"|!--.*?(?:-->|\Z)"
    r"|[!?][^<>]*+>"
    r"|(?=([/!?a-zA-Z]))"
    r")",
    re.DOTALL,
)
# What the tag grammar is: a name, then text and quoted strings up to ">" (quotes anywhere).
_NAME_RUN = re.compile(r"[^\s/>]*+")
_ATTRIBUTES = re.compile(r"""[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+>""")
_TAG_SYNTAX = re.compile(r"""[>"']""")
_QUOTE = re.compile(r"""["']""")
_WINDOW = 4_096  # how far a hard tag is first read in one regular-expression match
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

    __slots__ = ("_attrs", "_raw_attrs", "children", "parent", "tag")

    def __init__(self, tag: str, raw_attrs: str = "", parent: Element | None = None) -> None:
        self.tag = tag
        self.parent = parent
        self.children: list[Element | str] = []
        self._raw_attrs = raw_attrs
        self._attrs: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"<{self.tag} {self._raw_attrs.strip()}>"

    @property
    def attrs(self) -> dict[str, str]:
        if self._attrs is None:
            self._attrs = parse_attributes(self._raw_attrs) if self._raw_attrs else {}
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
        return needle in self._raw_attrs

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


def parse_html(markup: str, budget: Budget = UNLIMITED) -> Element:
    """Build the element tree of a whole page; never raises on malformed markup.

    Time is linear in the page's length whatever it holds: `budget` is checked every
    `BUDGET_STRIDE` tokens (raising `ExtractionTooSlowError` once spent).
    """
    builder = _TreeBuilder(markup, budget)
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


class _TreeBuilder:
    """The open elements while tokens are added, with a count of open elements per tag so
    that a stray end tag is dismissed at once instead of by a walk down the whole stack."""

    def __init__(self, markup: str, budget: Budget) -> None:
        self.markup = markup
        self.budget = budget
        self.root = Element("#document")
        self.stack: list[Element] = [self.root]
        self.open_tags: dict[str, int] = {}
        self.hard = _HardTokens(markup)
        self.tokens = 0

    def build_until_raw_text(self, position: int) -> tuple[Element | None, int]:
        """Add tokens from `position` to the tree; stop after a raw-text element's start tag.

        This loop is the cost of reading a page, so it avoids per-token method calls where a
        cached lookup or a direct test does the same.
        """
        markup = self.markup
        stack = self.stack
        open_tags = self.open_tags
        current = stack[-1]
        lower_names = _LOWER_NAMES
        search = _TOKEN.search
        tokens = self.tokens
        budget = self.budget
        search_from = position
        while (match := search(markup, search_from)) is not None:
            start, end = match.span()
            is_end, name, raw_attrs, hard = match.groups()
            if hard is not None:
                token = self.hard.token(start)
                if token is None:  # a "<" that starts no token is text
                    search_from = end
                    continue
                end, is_end, name, raw_attrs = token
            search_from = end
            if start > position:
                current.children.append(markup[position:start])
            position = end
            tokens += 1
            if not tokens % BUDGET_STRIDE:
                budget.check()
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
            element = Element(tag, raw_attrs, current)
            current.children.append(element)
            if tag in RAW_TEXT_TAGS:
                self.tokens = tokens
                return element, position
            if tag in VOID_TAGS or raw_attrs[-1:] == "/":
                continue
            stack.append(element)
            open_tags[tag] = open_tags.get(tag, 0) + 1
            current = element
        self.tokens = tokens
        if position < len(markup):
            current.children.append(markup[position:])
        return None, len(markup)


class _HardTokens:
    """Reads the tokens `_TOKEN` leaves to it, with the tag grammar's exact semantics
    (quoted strings may hold "<" and ">", a name may hold quotes), in linear time overall.

    Reading a tag that never closes runs to the end of the page, and a page can have
    thousands of them. What makes it linear: the reading of a tag's attributes from a
    position depends only on that position, and the reading steps (outside quotes, inside
    "..." or '...') form a permutation at every character, so two readings that ever
    coincide coincided from their start. Each failed reading marks where it stood outside
    quotes; a later tag whose attributes start on a mark fails at once, and at most three
    readings can fail without meeting a mark. Names and the next ">" are cached the same way.
    """

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.failed: bytearray | None = None  # 1 where a failed reading stood outside quotes
        self.run_start = self.run_end = -1  # the last name run read, [start, end)
        self.run_quotes: list[int] | None = None  # quote positions in that run, when asked
        self.run_tried_from = -1  # the run's quotes from here on all failed as name ends
        self.next_gt = NextOccurrence(markup, ">")

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
            # Like the regular expression this replaces: a shorter name ending at a quote.
            for quote in self.name_quotes(name_start + 1):
                attributes_end = self.attributes_end(quote)
                if attributes_end >= 0:
                    name_end = quote
                    break
            else:
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
            self.run_quotes = None
            self.run_tried_from = self.run_end
        return self.run_end

    def name_quotes(self, start: int) -> list[int]:
        """Quotes of the current name run from `start` on, right to left, that have not yet
        failed as the end of a name (each is tried once, whichever "<" its run began at)."""
        if self.run_quotes is None:
            markup = self.markup
            run = range(self.run_start, self.run_end)
            has_quote = _QUOTE.search(markup, self.run_start, self.run_end) is not None
            self.run_quotes = (
                [index for index in run if markup[index] in "\"'"] if has_quote else []
            )
        quotes = self.run_quotes
        untried = quotes[
            bisect.bisect_left(quotes, start) : bisect.bisect_left(quotes, self.run_tried_from)
        ]
        self.run_tried_from = min(self.run_tried_from, start)
        return untried[::-1]

    def attributes_end(self, position: int) -> int:
        """Index of the ">" ending attributes read from `position`, or -1 if they never end."""
        if self.failed is not None and self.failed[position]:
            return -1
        markup = self.markup
        match = _ATTRIBUTES.match(markup, position, position + _WINDOW)
        if match is not None:
            return match.end() - 1
        outside: list[tuple[int, int]] = []  # where this reading stood outside quotes
        while True:
            syntax = _TAG_SYNTAX.search(markup, position)
            if syntax is None:
                outside.append((position, len(markup) + 1))
                break
            at = syntax.start()
            outside.append((position, at + 1))
            if markup[at] == ">":
                return at
            close = markup.find(markup[at], at + 1)
            if close < 0:
                break
            position = close + 1
        if self.failed is None:
            self.failed = bytearray(len(markup) + 1)
        for begin, end in outside:
            self.failed[begin:end] = b"\x01" * (end - begin)
        return -1


# Tag names as written -> lower case; pages use a few dozen distinct spellings.
_LOWER_NAMES: dict[str, str] = {}
