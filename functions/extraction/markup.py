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

import html
import re
from collections.abc import Callable, Iterator

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

_TOKEN = re.compile(
    r"<(?:"
    r"(/)?([a-zA-Z][^\s/>]*)([^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*)>"
    r"|!--.*?(?:-->|\Z)"
    r"|[!?][^>]*>"
    r")",
    re.DOTALL,
)
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

    def raw_text(self) -> str:
        """Concatenated text of all descendants, entities decoded, whitespace as written."""
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

    def text(self) -> str:
        """Visible-ish text of the element: entities decoded, whitespace collapsed."""
        return collapse_whitespace(self.raw_text())


def parse_html(markup: str) -> Element:
    """Build the element tree of a whole page; never raises on malformed markup."""
    root = Element("#document")
    stack: list[Element] = [root]
    position = 0
    lower = ""  # lower-cased copy, made only once a raw-text element needs its end tag found
    while position < len(markup):
        raw_text_element, position = _build_until_raw_text(markup, position, stack)
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
    return root


def _build_until_raw_text(
    markup: str, position: int, stack: list[Element]
) -> tuple[Element | None, int]:
    """Add tokens from `position` to the tree; stop after a raw-text element's start tag.

    This loop is the cost of reading a page, so it avoids per-token method calls where a
    cached lookup or a direct test does the same.
    """
    current = stack[-1]
    lower_names = _LOWER_NAMES
    for match in _TOKEN.finditer(markup, position):
        start, end = match.span()
        if start > position:
            current.children.append(markup[position:start])
        position = end
        is_end, name, raw_attrs = match.groups()
        if name is None:  # comment, doctype or processing instruction
            continue
        tag = lower_names.get(name) or lower_names.setdefault(name, name.lower())
        if is_end:
            if current.tag == tag and len(stack) > 1:
                stack.pop()
                current = stack[-1]
                continue
            for depth in range(len(stack) - 2, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    current = stack[-1]
                    break
            continue
        if tag in SELF_NESTING_FORBIDDEN and current.tag == tag and len(stack) > 1:
            stack.pop()
            current = stack[-1]
        element = Element(tag, raw_attrs, current)
        current.children.append(element)
        if tag in RAW_TEXT_TAGS:
            return element, position
        if tag in VOID_TAGS or raw_attrs[-1:] == "/":
            continue
        stack.append(element)
        current = element
    if position < len(markup):
        current.children.append(markup[position:])
    return None, len(markup)


# Tag names as written -> lower case; pages use a few dozen distinct spellings.
_LOWER_NAMES: dict[str, str] = {}
