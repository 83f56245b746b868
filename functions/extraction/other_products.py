"""Sections of a page that show other products, told by their headings.

Recommendation, recently-viewed, accessory and "other sellers" blocks are often named only
by what their heading says ("You may also like", "Kunden kauften auch", "Vous aimerez
aussi"), with classes that say nothing ("grid", "css-1x2y3z"). What follows such a heading
beside it, up to the next heading there, shows other products' prices, never the page's
own. A heading alone in its wrapper ("<div class="head"><h2>Related</h2></div>") names what
follows the wrapper.
"""

from __future__ import annotations

from collections.abc import Iterable

from extraction.markup import Element
from extraction.visible import PhraseTable
from extraction.vocabulary import OTHER_PRODUCTS_HEADINGS

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
