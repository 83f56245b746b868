"""A small, documented subset of CSS selectors over `extraction.markup` trees.

Retailer rules name the price element with a CSS selector. Only what such rules need is
supported, and anything else is refused with `InvalidSelectorError` (a `ValueError`) saying
what is not supported, rather than silently matching nothing.

Supported:

* type selectors `span` (any case) and the universal selector `*`
* `#id` and `.class` (several classes: `.price.current`)
* attribute selectors: `[attr]`, `[attr=value]`, `[attr~=value]` (one of the space-separated
  words), `[attr^=value]`, `[attr*=value]`, `[attr$=value]`; the value quoted (`"..."` or
  `'...'`) or bare, up to whitespace or `]` (`[data-price=24.99]`); an ` i` flag before `]`
  compares the value case-insensitively
* compound selectors: `span.price[data-amount]`, `div#main.product`
* combinators: descendant (whitespace) and child (`>`)
* selector lists: `.price, .sale-price` (elements matching any, once each, in page order)
* a backslash escapes the next character in names (`.md\\:text-lg`)

Not supported (refused): pseudo-classes and pseudo-elements (`:first-child`, `::before`),
sibling combinators (`+`, `~`), `[attr|=value]`, namespaces (`|`), and hexadecimal escapes.
Attribute names and type selectors are case-insensitive (the tree lower-cases them); ids,
classes and attribute values are case-sensitive, as in HTML's standards mode.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import Element

_MAX_COMPOUNDS = 32  # descendant matching backtracks; hostile selectors stay bounded
_NAME_EXTRA = frozenset("-_")
_OPERATORS = ("~=", "^=", "*=", "$=", "=")


class InvalidSelectorError(ValueError):
    """A selector outside the supported CSS subset, with the reason and the selector."""

    def __init__(self, selector: str, reason: str) -> None:
        super().__init__(f"invalid selector {selector!r}: {reason}")
        self.selector = selector
        self.reason = reason


@dataclass(frozen=True)
class _Attribute:
    name: str
    operator: str | None  # None: presence only
    value: str = ""
    ignore_case: bool = False

    def matches(self, attrs: dict[str, str]) -> bool:
        actual = attrs.get(self.name)
        if actual is None:
            return False
        if self.operator is None:
            return True
        expected = self.value
        if self.ignore_case:
            actual, expected = actual.lower(), expected.lower()
        if self.operator == "=":
            return actual == expected
        if self.operator == "~=":
            return expected in actual.split()
        if not expected:  # per CSS, an empty ^= *= $= value matches nothing
            return False
        if self.operator == "^=":
            return actual.startswith(expected)
        if self.operator == "$=":
            return actual.endswith(expected)
        return expected in actual  # *=


@dataclass(frozen=True)
class _Compound:
    tag: str | None = None
    element_id: str | None = None
    classes: tuple[str, ...] = ()
    attributes: tuple[_Attribute, ...] = ()
    # Substrings the raw start tag must contain: a cheap test before parsing attributes.
    needles: tuple[str, ...] = field(default=())

    def matches(self, element: Element) -> bool:
        if element.tag.startswith("#"):
            return False  # the document node is not an element
        if self.tag is not None and element.tag != self.tag:
            return False
        for needle in self.needles:
            if not element.has_attribute_text(needle):
                return False
        if self.element_id is None and not self.classes and not self.attributes:
            return True
        attrs = element.attrs
        if self.element_id is not None and attrs.get("id") != self.element_id:
            return False
        if self.classes:
            present = attrs.get("class", "").split()
            if any(name not in present for name in self.classes):
                return False
        return all(attribute.matches(attrs) for attribute in self.attributes)


@dataclass(frozen=True)
class _Complex:
    """Compounds left to right, and the combinator before each but the first."""

    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]  # " " or ">", one fewer than compounds

    def matches(self, element: Element) -> bool:
        """Whether `element` matches, its ancestors read once from the root down."""
        chain = list(element.ancestors())
        chain.reverse()
        state = _NOTHING
        for ancestor in chain:
            state = self.advance(ancestor, state)
        return self.advance(element, state).matched

    def advance(self, element: Element, parent: _State) -> _State:
        """The state of `element` from its parent's: which leading compounds a chain of
        ancestors matches ending at the element (`at`) or at or above it (`within`).

        Compound i needs compound i-1 matched by the parent (">") or by any ancestor (" "),
        so the element is matched against the few compounds its ancestors make possible:
        one walk of the tree in linear time, where matching right to left would walk up
        all ancestors for every element.
        """
        at = 0
        last = len(self.compounds) - 1
        for index, compound in enumerate(self.compounds):
            if index:
                needed = parent.at if self.combinators[index - 1] == ">" else parent.within
                if not needed >> (index - 1) & 1:
                    continue
            if compound.matches(element):
                at |= 1 << index
        if not at and not parent.at:
            return parent  # most elements: nothing new, and no allocation
        return _State(at, parent.within | at, bool(at >> last & 1))


@dataclass(frozen=True, slots=True)
class _State:
    at: int  # bit i: compounds 0..i match a chain ending at this element
    within: int  # bit i: ... ending at this element or one of its ancestors
    matched: bool  # the whole complex selector matches this element


_NOTHING = _State(0, 0, False)


class CompiledSelector:
    """A parsed selector list; `select` returns matching descendants in document order."""

    def __init__(self, text: str, alternatives: tuple[_Complex, ...]) -> None:
        self.text = text
        self._alternatives = alternatives

    def __repr__(self) -> str:
        return f"CompiledSelector({self.text!r})"

    def matches(self, element: Element) -> bool:
        return any(alternative.matches(element) for alternative in self._alternatives)

    def select(self, root: Element, budget: Budget = UNLIMITED) -> list[Element]:
        """Like querySelectorAll: matching descendants of `root` (not `root` itself), in
        document order, in one walk down the tree; raises `ExtractionTooSlowError` once
        `budget` is spent."""
        # The root's own state, from its ancestors: they still count for " " and ">".
        root_states = tuple(_NOTHING for _ in self._alternatives)
        for ancestor in [*reversed([*root.ancestors()]), root]:
            root_states = self._advance(ancestor, root_states)
        found: list[Element] = []
        stack: list[tuple[Element, tuple[_State, ...]]] = [
            (child, root_states) for child in reversed(root.children) if isinstance(child, Element)
        ]
        walked = 0
        while stack:
            walked += 1
            if not walked % BUDGET_STRIDE:
                budget.check()
            element, parent_states = stack.pop()
            states = self._advance(element, parent_states)
            if any(state.matched for state in states):
                found.append(element)
            stack.extend(
                (child, states)
                for child in reversed(element.children)
                if isinstance(child, Element)
            )
        return found

    def _advance(self, element: Element, parents: tuple[_State, ...]) -> tuple[_State, ...]:
        states = tuple(
            alternative.advance(element, state)
            for alternative, state in zip(self._alternatives, parents, strict=True)
        )
        return parents if states == parents else states


def select(root: Element, selector: str) -> list[Element]:
    """Descendants of `root` matching `selector`, in document order, each once."""
    return compile_selector(selector).select(root)


@functools.lru_cache(maxsize=256)
def compile_selector(selector: str) -> CompiledSelector:
    """Parse `selector`; raises InvalidSelectorError for syntax outside the subset."""
    if not isinstance(selector, str):
        raise InvalidSelectorError(repr(selector), "a selector must be a string")
    return CompiledSelector(selector, _Parser(selector).selector_list())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def fail(self, reason: str) -> InvalidSelectorError:
        return InvalidSelectorError(self.text, f"{reason} at position {self.position}")

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def skip_space(self) -> bool:
        start = self.position
        while self.peek().isspace():
            self.position += 1
        return self.position > start

    def selector_list(self) -> tuple[_Complex, ...]:
        alternatives = [self.complex_selector()]
        while self.peek() == ",":
            self.position += 1
            alternatives.append(self.complex_selector())
        if self.position < len(self.text):
            raise self.fail(f"unexpected {self.peek()!r}")
        return tuple(alternatives)

    def complex_selector(self) -> _Complex:
        self.skip_space()
        compounds = [self.compound()]
        combinators: list[str] = []
        while True:
            spaced = self.skip_space()
            char = self.peek()
            if char in ("", ","):
                break
            if char in "+~":
                raise self.fail(f"the sibling combinator {char!r} is not supported")
            if char == ">":
                self.position += 1
                self.skip_space()
                combinators.append(">")
            elif spaced:
                combinators.append(" ")
            else:
                raise self.fail(f"unexpected {char!r}")
            compounds.append(self.compound())
            if len(compounds) > _MAX_COMPOUNDS:
                raise self.fail(f"more than {_MAX_COMPOUNDS} compound selectors")
        return _Complex(tuple(compounds), tuple(combinators))

    def compound(self) -> _Compound:
        start = self.position
        tag = None
        if self.peek() == "*":
            self.position += 1
        elif self.peek() and _is_name_char(self.peek()):
            tag = self.name("a type selector").lower()
        element_id = None
        classes: list[str] = []
        attributes: list[_Attribute] = []
        while True:
            char = self.peek()
            if char == "#":
                self.position += 1
                element_id = self.name("an id")
            elif char == ".":
                self.position += 1
                classes.append(self.name("a class name"))
            elif char == "[":
                attributes.append(self.attribute())
            elif char == ":":
                raise self.fail("pseudo-classes and pseudo-elements are not supported")
            elif char == "|":
                raise self.fail("namespaces are not supported")
            else:
                break
        if self.position == start:
            what = f"unexpected {self.peek()!r}" if self.peek() else "unexpected end"
            raise self.fail(f"{what}: expected a type, #id, .class or [attribute]")
        needles = tuple(value for value in (element_id, *classes) if value and _is_plain(value))
        return _Compound(tag, element_id, tuple(classes), tuple(attributes), needles)

    def attribute(self) -> _Attribute:
        self.position += 1  # "["
        self.skip_space()
        name = self.name("an attribute name").lower()
        self.skip_space()
        if self.peek() == "]":
            self.position += 1
            return _Attribute(name, None)
        if self.text.startswith("|=", self.position):
            raise self.fail("the [attr|=value] operator is not supported")
        operator = next((op for op in _OPERATORS if self.text.startswith(op, self.position)), None)
        if operator is None:
            raise self.fail("expected ']' or one of = ~= ^= *= $= in an attribute selector")
        self.position += len(operator)
        self.skip_space()
        value = self.quoted() if self.peek() in ("'", '"') else self.unquoted_value()
        spaced = self.skip_space()
        ignore_case = False
        if spaced and self.peek() in ("i", "I"):
            self.position += 1
            ignore_case = True
            self.skip_space()
        if self.peek() != "]":
            raise self.fail("expected ']' to close the attribute selector")
        self.position += 1
        return _Attribute(name, operator, value, ignore_case)

    def quoted(self) -> str:
        quote = self.peek()
        self.position += 1
        chars: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise self.fail("unterminated string")
            self.position += 1
            if char == quote:
                return "".join(chars)
            if char == "\\":
                char = self.escaped()
            chars.append(char)

    def unquoted_value(self) -> str:
        # Looser than CSS identifiers on purpose: rules write [data-price=24.99] unquoted.
        start = self.position
        while self.peek() and not self.peek().isspace() and self.peek() not in "]'\"[":
            self.position += 1
        if self.position == start:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected an attribute value, found {found}")
        return self.text[start : self.position]

    def name(self, what: str) -> str:
        chars: list[str] = []
        while self.peek() and _is_name_char(self.peek()):
            char = self.peek()
            self.position += 1
            chars.append(self.escaped() if char == "\\" else char)
        if not chars:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected {what}, found {found}")
        return "".join(chars)

    def escaped(self) -> str:
        char = self.peek()
        if not char:
            raise self.fail("a backslash at the end")
        if char in "0123456789abcdefABCDEF":
            raise self.fail("hexadecimal escapes are not supported")
        self.position += 1
        return char


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in _NAME_EXTRA or char == "\\" or ord(char) > 127


def _is_plain(value: str) -> bool:
    """Whether a value appears verbatim in markup (no character a page might entity-encode)."""
    return all(char.isalnum() or char in _NAME_EXTRA for char in value)
