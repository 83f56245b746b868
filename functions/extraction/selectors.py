"""A small, documented subset of CSS selectors over `extraction.markup` trees.

Retailer rules name the price element with a CSS selector, often copied from a browser's
developer tools ("Copy selector": `#main > div.product > div:nth-child(3) > span.price`).
Only what such rules need is supported, and anything else is refused with
`InvalidSelectorError` (a `ValueError`) naming what is not supported, rather than silently
matching nothing.

Supported:

* type selectors `span` (any case) and the universal selector `*`
* `#id` and `.class` (several classes: `.price.current`)
* attribute selectors: `[attr]`, `[attr=value]`, `[attr~=value]` (one of the space-separated
  words), `[attr|=value]` (the value, or the value then `-`), `[attr^=value]`,
  `[attr*=value]`, `[attr$=value]`; the value quoted (`"..."` or `'...'`) or bare, up to
  whitespace or `]` (`[data-price=24.99]`); an `i` flag before `]` compares the value
  case-insensitively, an `s` flag case-sensitively (the default)
* structural pseudo-classes, counting element siblings only (never text):
  `:nth-child(An+B)`, `:nth-last-child(An+B)`, `:nth-of-type(An+B)`,
  `:nth-last-of-type(An+B)` with An+B as CSS writes it (`odd`, `even`, `3`, `2n+1`,
  `-n + 3`), and `:first-child`, `:last-child`, `:only-child`, `:first-of-type`,
  `:last-of-type`, `:only-of-type`
* `:not(...)` holding a list of compound selectors: `div:not(.sold-out, [hidden])`
* compound selectors: `span.price[data-amount]`, `div#main.product`, `li:first-child`
* combinators: descendant (whitespace), child (`>`), next sibling (`+`) and subsequent
  sibling (`~`)
* selector lists: `.price, .sale-price` (elements matching any, once each, in page order)
* a backslash escapes the next character in names (`.md\\:text-lg`)

Not supported (refused): pseudo-elements (`::before`, `:after`), other pseudo-classes
(`:hover`, `:has()`, `:is()`, `:root`, ...), combinators inside `:not()`,
`:nth-child(An+B of S)`, namespaces (`|`), the column combinator (`||`), and hexadecimal
escapes. Attribute names, type selectors and pseudo-class names are case-insensitive (the
tree lower-cases tags and attribute names); ids, classes and attribute values are
case-sensitive, as in HTML's standards mode.

Matching is one walk down the tree whatever the selector: each element's state (which
leading compounds of each selector a chain of elements ending at it matches) is computed
from its parent's and its previous siblings', so time is linear in elements times selector
length, and the walk checks its `Budget` every `BUDGET_STRIDE` steps.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import Element

_MAX_COMPOUNDS = 32  # compounds per complex selector: a rule needs a handful
_MAX_NESTING = 8  # :not() inside :not(): parsing recurses, hostile selectors stay bounded
_MAX_DIGITS = 9  # in An+B; browsers clamp to 32 bits, and no page has that many siblings
_NAME_EXTRA = frozenset("-_")
_OPERATORS = ("~=", "|=", "^=", "*=", "$=", "=")
_NTH_PSEUDO_CLASSES = {  # name -> (counted from the last, among siblings of its type)
    "nth-child": (False, False),
    "nth-last-child": (True, False),
    "nth-of-type": (False, True),
    "nth-last-of-type": (True, True),
}
_PSEUDO_ELEMENTS = frozenset(("before", "after", "first-line", "first-letter"))
# An+B as CSS Syntax writes it: whitespace around the sign before B, none inside An.
_AN_PLUS_B = re.compile(
    r"(?P<odd>odd)|(?P<even>even)"
    r"|(?P<a>[+-]?[0-9]*)n(?:\s*(?P<sign>[+-])\s*(?P<b>[0-9]+))?"
    r"|(?P<integer>[+-]?[0-9]+)",
    re.ASCII | re.IGNORECASE,
)
_OF_SELECTOR = re.compile(r"\sof(\s|$)", re.IGNORECASE)

_NO_TOTALS: dict[str, int] = {}  # a parent's, until a pseudo-class asks (never written to)
Combinator = Literal[" ", ">", "+", "~"]
_COMBINATORS: dict[str, Combinator] = {">": ">", "+": "+", "~": "~"}


class InvalidSelectorError(ValueError):
    """A selector outside the supported CSS subset, with the reason and the selector."""

    def __init__(self, selector: str, reason: str) -> None:
        super().__init__(f"invalid selector {selector!r}: {reason}")
        self.selector = selector
        self.reason = reason


class _Siblings:
    """One parent's element children as a walk reaches them, in order: the parent's states,
    what the children so far matched (for `+` and `~`), and the current child's position.

    Positions from the end or among one type are counted only when a pseudo-class first
    asks, in one pass over the parent's children, so they cost nothing on other parents.
    """

    __slots__ = (
        "_budget",
        "_children",
        "_count",
        "_type_positions",
        "_type_totals",
        "before",
        "index",
        "parent_states",
        "previous",
    )

    def __init__(
        self,
        children: Sequence[Element | str],
        parent_states: tuple[_State, ...],
        no_matches: tuple[int, ...],
        budget: Budget,
    ) -> None:
        self.parent_states = parent_states
        self.index = 0  # 1-based position of the current child among the element children
        self.previous = no_matches  # per alternative: `at` of the previous element child
        self.before = no_matches  # per alternative: `at` of all earlier element children, or-ed
        self._children = children
        self._budget = budget
        self._count = 0
        self._type_positions: list[int] | None = None  # per element child, among its tag
        self._type_totals: dict[str, int] = _NO_TOTALS  # element children per tag

    def position(self, element: Element, from_end: bool, of_type: bool) -> int:
        """The current child's 1-based position among its element siblings (of its type
        with `of_type`, counted from the last with `from_end`)."""
        if not from_end and not of_type:
            return self.index
        positions = self._type_positions
        if positions is None:
            positions = self._take_census()
        if of_type:
            index, total = positions[self.index - 1], self._type_totals[element.tag]
        else:
            index, total = self.index, self._count
        return total - index + 1 if from_end else index

    def _take_census(self) -> list[int]:
        positions: list[int] = []
        totals: dict[str, int] = {}
        for step, child in enumerate(self._children, 1):
            if not step % BUDGET_STRIDE:
                self._budget.check()
            if isinstance(child, Element):
                totals[child.tag] = seen = totals.get(child.tag, 0) + 1
                positions.append(seen)
        self._count = len(positions)
        self._type_totals = totals
        self._type_positions = positions
        return positions


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
        if self.operator == "|=":
            return actual == expected or actual.startswith(expected + "-")
        if not expected:  # per CSS, an empty ^= *= $= value matches nothing
            return False
        if self.operator == "^=":
            return actual.startswith(expected)
        if self.operator == "$=":
            return actual.endswith(expected)
        return expected in actual  # *=


@dataclass(frozen=True)
class _Nth:
    """`:nth-child(An+B)` and its kin: the element's position among its element siblings
    (of its type with `of_type`, counted from the last with `from_end`) is A*n+B for some
    n >= 0. `:first-child` is `:nth-child(1)`, `:last-of-type` `:nth-last-of-type(1)`."""

    a: int
    b: int
    from_end: bool = False
    of_type: bool = False

    def matches(self, element: Element, siblings: _Siblings) -> bool:
        offset = siblings.position(element, self.from_end, self.of_type) - self.b
        if not self.a:
            return not offset
        return not offset % self.a and offset // self.a >= 0


@dataclass(frozen=True)
class _Not:
    """`:not(a, b)`: the element matches none of the compound selectors."""

    alternatives: tuple[_Compound, ...]

    def matches(self, element: Element, siblings: _Siblings) -> bool:
        return not any(compound.matches(element, siblings) for compound in self.alternatives)


@dataclass(frozen=True)
class _Compound:
    tag: str | None = None
    element_id: str | None = None
    classes: tuple[str, ...] = ()
    attributes: tuple[_Attribute, ...] = ()
    pseudo_classes: tuple[_Nth | _Not, ...] = ()
    # Substrings the raw start tag must contain: a cheap test before parsing attributes.
    needles: tuple[str, ...] = field(default=())

    def matches(self, element: Element, siblings: _Siblings) -> bool:
        if element.tag.startswith("#"):
            return False  # the document node is not an element
        if self.tag is not None and element.tag != self.tag:
            return False
        for needle in self.needles:
            if not element.has_attribute_text(needle):
                return False
        if self.element_id is not None or self.classes or self.attributes:
            attrs = element.attrs
            if self.element_id is not None and attrs.get("id") != self.element_id:
                return False
            if self.classes:
                present = attrs.get("class", "").split()
                if any(name not in present for name in self.classes):
                    return False
            if not all(attribute.matches(attrs) for attribute in self.attributes):
                return False
        if not self.pseudo_classes:
            return True
        return all(pseudo.matches(element, siblings) for pseudo in self.pseudo_classes)


@dataclass(frozen=True)
class _Complex:
    """Compounds left to right, and the combinator before each but the first."""

    compounds: tuple[_Compound, ...]
    combinators: tuple[Combinator, ...]  # one fewer than compounds

    def advance(
        self, element: Element, parent: _State, previous: int, before: int, siblings: _Siblings
    ) -> _State:
        """The state of `element` from its parent's and its earlier siblings' (`previous`:
        the `at` of the element sibling just before it, `before`: of all before it, or-ed).

        Compound i needs compound i-1 matched by the parent (">"), by any ancestor (" "),
        by the previous element sibling ("+") or by any earlier one ("~"), so the element
        is matched against the few compounds its surroundings make possible: one walk of
        the tree in linear time, where matching right to left would walk up all ancestors
        (or back over all siblings) for every element.
        """
        at = 0
        last = len(self.compounds) - 1
        for index, compound in enumerate(self.compounds):
            if index:
                combinator = self.combinators[index - 1]
                if combinator == " ":
                    needed = parent.within
                elif combinator == ">":
                    needed = parent.at
                elif combinator == "+":
                    needed = previous
                else:
                    needed = before
                if not needed >> (index - 1) & 1:
                    continue
            if compound.matches(element, siblings):
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
        self._nothing = tuple(_NOTHING for _ in alternatives)
        self._zeros = tuple(0 for _ in alternatives)
        self._sibling_combinators = any(
            combinator in "+~"
            for alternative in alternatives
            for combinator in alternative.combinators
        )

    def __repr__(self) -> str:
        return f"CompiledSelector({self.text!r})"

    def matches(self, element: Element) -> bool:
        return any(state.matched for state in self._states_in_document(element, UNLIMITED))

    def select(self, root: Element, budget: Budget = UNLIMITED) -> list[Element]:
        """Like querySelectorAll: matching descendants of `root` (not `root` itself), in
        document order, in one walk down the tree; raises `ExtractionTooSlowError` once
        `budget` is spent."""
        # The root's own state, from its ancestors and their earlier siblings: they still
        # count for the combinators.
        element, states = root, self._states_in_document(root, budget)
        found: list[Element] = []
        stack: list[tuple[Element, _Siblings]] = []
        walked = 0
        while True:
            # The element just reached pushes its element children, last first, so that
            # they pop in document order, all sharing what their walk along them learns.
            children = element.children
            if children:
                siblings = _Siblings(children, states, self._zeros, budget)
                stack.extend(
                    (child, siblings) for child in reversed(children) if isinstance(child, Element)
                )
            if not stack:
                return found
            walked += 1
            if not walked % BUDGET_STRIDE:
                budget.check()
            element, siblings = stack.pop()
            states = self._next_child(element, siblings)
            if any(state.matched for state in states):
                found.append(element)

    def _states_in_document(self, element: Element, budget: Budget) -> tuple[_State, ...]:
        """The states of `element` where it stands: from the top of its tree down, each of
        its ancestors and their earlier element siblings matched in order."""
        chain = [element, *element.ancestors()]
        chain.reverse()
        top: list[Element | str] = [chain[0]]  # the root of its tree, its own only sibling
        states = self._next_child(chain[0], _Siblings(top, self._nothing, self._zeros, budget))
        for parent, child in itertools.pairwise(chain):
            siblings = _Siblings(parent.children, states, self._zeros, budget)
            for step, sibling in enumerate(parent.children, 1):
                if not step % BUDGET_STRIDE:
                    budget.check()
                if isinstance(sibling, Element):
                    sibling_states = self._next_child(sibling, siblings)
                    if sibling is child:
                        states = sibling_states
                        break
        return states

    def _next_child(self, element: Element, siblings: _Siblings) -> tuple[_State, ...]:
        """The states of `element`, the next element child of the parent `siblings` reads."""
        siblings.index += 1
        parents = siblings.parent_states
        states = tuple(
            alternative.advance(element, parent, previous, before, siblings)
            for alternative, parent, previous, before in zip(
                self._alternatives, parents, siblings.previous, siblings.before, strict=True
            )
        )
        if self._sibling_combinators:
            at = tuple(state.at for state in states)
            siblings.previous = at
            siblings.before = tuple(
                earlier | now for earlier, now in zip(siblings.before, at, strict=True)
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
        self.nesting = 0  # :not() parentheses open

    def fail(self, reason: str, at: int | None = None) -> InvalidSelectorError:
        position = self.position if at is None else at
        return InvalidSelectorError(self.text, f"{reason} at position {position}")

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
        combinators: list[Combinator] = []
        while True:
            spaced = self.skip_space()
            char = self.peek()
            if char in ("", ","):
                break
            if self.text.startswith("||", self.position):
                raise self.fail("the column combinator '||' is not supported")
            if char in _COMBINATORS:
                self.position += 1
                self.skip_space()
                combinators.append(_COMBINATORS[char])
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
        pseudo_classes: list[_Nth | _Not] = []
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
                pseudo_classes.extend(self.pseudo_class())
            elif char == "|":
                raise self.fail("namespaces are not supported")
            else:
                break
        if self.position == start:
            what = f"unexpected {self.peek()!r}" if self.peek() else "unexpected end"
            raise self.fail(f"{what}: expected a type, #id, .class, [attribute] or :pseudo-class")
        needles = tuple(value for value in (element_id, *classes) if value and _is_plain(value))
        return _Compound(
            tag, element_id, tuple(classes), tuple(attributes), tuple(pseudo_classes), needles
        )

    def pseudo_class(self) -> tuple[_Nth | _Not, ...]:
        """The conditions of one `:name` or `:name(...)`: two for `:only-child`."""
        start = self.position
        self.position += 1  # ":"
        if self.peek() == ":":
            self.position += 1
            name = self.name("a pseudo-element name")
            raise self.fail(f"the pseudo-element '::{name}' is not supported", start)
        name = self.name("a pseudo-class name").lower()
        functional = self.peek() == "("
        written = f":{name}()" if functional else f":{name}"
        if name in _PSEUDO_ELEMENTS:
            raise self.fail(f"the pseudo-element {written!r} is not supported", start)
        if name == "not":
            if not functional:
                raise self.fail("':not' needs an argument, like ':not(.sold-out)'")
            return (self.negation(),)
        if name in _NTH_PSEUDO_CLASSES:
            if not functional:
                raise self.fail(f"':{name}' needs an argument, like ':{name}(2n+1)'")
            a, b = self.an_plus_b(name)
            from_end, of_type = _NTH_PSEUDO_CLASSES[name]
            return (_Nth(a, b, from_end, of_type),)
        first, _, kind = name.partition("-")
        if kind in ("child", "of-type") and first in ("first", "last", "only"):
            if functional:
                raise self.fail(f"':{name}' takes no argument")
            of_type = kind == "of-type"
            first_one, last_one = _Nth(0, 1, False, of_type), _Nth(0, 1, True, of_type)
            if first == "first":
                return (first_one,)
            return (last_one,) if first == "last" else (first_one, last_one)
        raise self.fail(f"the pseudo-class {written!r} is not supported", start)

    def negation(self) -> _Not:
        """`:not(` compound selectors separated by commas `)`, the "(" next."""
        self.position += 1  # "("
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise self.fail(f"more than {_MAX_NESTING} nested ':not()'")
        alternatives: list[_Compound] = []
        while True:
            self.skip_space()
            alternatives.append(self.compound())
            spaced = self.skip_space()
            char = self.peek()
            if char == ")":
                self.position += 1
                self.nesting -= 1
                return _Not(tuple(alternatives))
            if char == ",":
                self.position += 1
                continue
            if not char:
                raise self.fail("expected ')' to close ':not('")
            if char in ">+~" or spaced:
                raise self.fail("combinators inside ':not()' are not supported")
            raise self.fail(f"unexpected {char!r} in ':not()'")

    def an_plus_b(self, name: str) -> tuple[int, int]:
        """A and B of `(An+B)`, the "(" next."""
        self.position += 1  # "("
        close = self.text.find(")", self.position)
        if close < 0:
            raise self.fail(f"expected ')' to close ':{name}('")
        argument = self.text[self.position : close]
        match = _AN_PLUS_B.fullmatch(argument.strip())
        if match is None:
            if _OF_SELECTOR.search(argument):
                raise self.fail(f"':{name}(An+B of S)' is not supported")
            raise self.fail(f"expected An+B (like 2n+1, odd or 3) in ':{name}()'")
        if any(len(digits) > _MAX_DIGITS for digits in re.findall("[0-9]+", argument)):
            raise self.fail(f"a number in ':{name}()' is too large")
        self.position = close + 1
        if match["odd"]:
            return 2, 1
        if match["even"]:
            return 2, 0
        if match["integer"]:
            return 0, int(match["integer"])
        sign_a = match["a"]
        a = -1 if sign_a == "-" else 1 if sign_a in ("", "+") else int(sign_a)
        b = int(match["b"] or 0)
        return a, -b if match["sign"] == "-" else b

    def attribute(self) -> _Attribute:
        self.position += 1  # "["
        self.skip_space()
        if self.peek() in ("*", "|"):
            raise self.fail("namespaces are not supported")
        name = self.name("an attribute name").lower()
        self.skip_space()
        if self.peek() == "]":
            self.position += 1
            return _Attribute(name, None)
        if self.peek() == "|" and not self.text.startswith("|=", self.position):
            raise self.fail("namespaces are not supported")
        operator = next((op for op in _OPERATORS if self.text.startswith(op, self.position)), None)
        if operator is None:
            raise self.fail("expected ']' or one of = ~= |= ^= *= $= in an attribute selector")
        self.position += len(operator)
        self.skip_space()
        quoted = self.peek() in ("'", '"')
        value = self.quoted() if quoted else self.unquoted_value()
        spaced = self.skip_space()
        ignore_case = False
        if (spaced or quoted) and self.peek() and _is_name_char(self.peek()):
            flag = self.name("an attribute flag")
            if flag.lower() not in ("i", "s"):
                raise self.fail(f"the attribute flag {flag!r} is not supported (only i or s)")
            ignore_case = flag.lower() == "i"
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
