"""Sections of a page that show other products, told by their headings.

Recommendation, recently-viewed, accessory and "other sellers" blocks are often named only
by what their heading says ("You may also like", "Kunden kauften auch", "Vous aimerez
aussi"), with classes that say nothing ("grid", "css-1x2y3z"). What follows such a heading
beside it, up to the next heading there, shows other products' prices, never the page's
own. A heading alone in its wrapper ("<div class="head"><h2>Related</h2></div>") names what
follows the wrapper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from extraction.budget import UNLIMITED, Budget
from extraction.markup import Element, walk
from extraction.visible import PhraseTable, own_names
from extraction.vocabulary import FOREIGN_BLOCK_WORDS, OTHER_PRODUCTS_HEADINGS

# The section headings a page's sections are named by (an h1 is the product's title).
SECTION_HEADING_TAGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_HEADING_TAGS = SECTION_HEADING_TAGS | {"h1"}
# A heading longer than this is a sentence or a product's name, not a section's title.
_MAX_HEADING_TEXT = 100
# Section headings read on a page (more: a listing, not a product page's sections).
MAX_SECTION_HEADINGS = 64
# How many siblings after its heading a section spans at most (a grid is one or a few).
_MAX_SECTION_ELEMENTS = 64
# How many wrappers a heading alone in its wrapper is looked out of.
_MAX_WRAPPERS = 3
_HEADINGS = PhraseTable(
    {"others": [phrase for phrases in OTHER_PRODUCTS_HEADINGS.values() for phrase in phrases]}
)


_BLOCK_WORDS = frozenset(FOREIGN_BLOCK_WORDS)
_BLOCK_STEMS = re.compile(r"related|recommend|upsell|crosssell|cross-sell|recently|accessor")
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # "relatedProducts": related, products
_BLOCK_ANCESTORS = 12  # how far up a block of other products is looked for


def is_block_of_other_products(element: Element, also: Iterable[str] = ()) -> bool:
    """Whether an element's class and id names say it holds other products ("related
    products", "upsell-slider", "recentlyViewed"), or hold one of the words `also`;
    names that say only what a block holds ("has-recommendations") do not."""
    if not (element.has_attribute_text("class") or element.has_attribute_text("id")):
        return False
    names = own_names(f"{element.get('class', '')} {element.get('id', '')}")
    words = {word.lower() for word in _NAME_WORD.findall(names)}
    if not _BLOCK_WORDS.isdisjoint(words) or not words.isdisjoint(also):
        return True
    return _BLOCK_STEMS.search(names.lower()) is not None


class BlocksOfOtherProducts:
    """Tells the elements in blocks of other products named so by their class or id
    ("related products", "upsell-slider", "recentlyViewed"), looked for among an element's
    nearest ancestors. A block that holds an h1, the product's title, is the product's own
    whatever its names say ("product-page recommendations-visible"): whether each block
    does is read once, and once a block holds it, so do all around it."""

    def __init__(self, budget: Budget = UNLIMITED) -> None:
        self._budget = budget
        self._holds_title: dict[int, bool] = {}  # by id of each named block met

    def holds(self, element: Element) -> bool:
        """Whether `element` is in (or is) a block of other products."""
        node: Element | None = element
        for _ in range(_BLOCK_ANCESTORS):
            if node is None:
                return False
            if is_block_of_other_products(node):
                return not self._holds_title_at(node)
            node = node.parent
        return False

    def _holds_title_at(self, block: Element) -> bool:
        known = self._holds_title.get(id(block))
        if known is None:
            known = any(e.tag == "h1" for e in walk(block, self._budget))
            self._holds_title[id(block)] = known
        return known


def names_other_products(heading: Element) -> bool:
    """Whether a heading's text names a section of other products."""
    text = heading.text(_MAX_HEADING_TEXT + 1)
    return len(text) <= _MAX_HEADING_TEXT and bool(_HEADINGS.groups(text))


class OtherProducts:
    """The sections of other products on a page, as its section headings are met: each
    heading naming other products adds the elements that follow it beside it (its
    siblings, or its wrapper's), up to the next heading there. An element holding the
    product's `title` (its h1) is the product's own and ends a section too.

    Linear in the page: each parent's children are listed once, however many headings
    it holds, and a section spans at most `_MAX_SECTION_ELEMENTS` siblings."""

    def __init__(self, title: Element | None) -> None:
        self.ids: set[int] = set()  # of the elements in the sections found so far
        self._holding_title = set() if title is None else {id(n) for n in title.ancestors()}
        self._children: dict[int, tuple[list[Element], dict[int, int]]] = {}

    def add(self, headings: Iterable[Element]) -> None:
        for heading in headings:
            if names_other_products(heading):
                self.ids.update(self._following(heading))

    def _following(self, heading: Element) -> list[int]:
        node = heading
        for _ in range(_MAX_WRAPPERS + 1):
            parent = node.parent
            if parent is None:
                return []
            siblings, positions = self._element_children(parent)
            start = positions[id(node)] + 1
            after = siblings[start : start + _MAX_SECTION_ELEMENTS]
            if after:
                followed = []
                for sibling in after:
                    if sibling.tag in _HEADING_TAGS or id(sibling) in self._holding_title:
                        break
                    followed.append(id(sibling))
                return followed
            node = parent
        return []

    def _element_children(self, parent: Element) -> tuple[list[Element], dict[int, int]]:
        listed = self._children.get(id(parent))
        if listed is None:
            children = [child for child in parent.children if isinstance(child, Element)]
            listed = children, {id(child): at for at, child in enumerate(children)}
            self._children[id(parent)] = listed
        return listed


def other_product_sections(headings: Iterable[Element], title: Element | None) -> set[int]:
    """Ids of the elements in the sections of other products these headings name (see
    `OtherProducts`)."""
    sections = OtherProducts(title)
    sections.add(headings)
    return sections.ids
