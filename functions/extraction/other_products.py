"""Sections of a page that show other products, told by their headings.

Recommendation, recently-viewed, accessory and "other sellers" blocks are often named only
by what their heading says ("You may also like", "Kunden kauften auch", "Vous aimerez
aussi"), with classes that say nothing ("grid", "css-1x2y3z"). What follows such a heading
beside it, up to the next heading there, shows other products' prices, never the page's
own. A heading alone in its wrapper ("<div class="head"><h2>Related</h2></div>") names what
follows the wrapper. A heading is an h2-h6, or an element its class or ARIA role names one
('<div class="catalog-block-header">Похожие товары</div>', `is_named_heading`), whose text
is then such a name as a whole: tiles' titles are named so too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import islice

from extraction.budget import UNLIMITED, Budget
from extraction.markup import Element, walk
from extraction.price import has_currency_marker
from extraction.visible import NAME_WORD, PhraseTable, own_names
from extraction.vocabulary import (
    FOREIGN_BLOCK_STEMS,
    FOREIGN_BLOCK_WORDS,
    OTHER_PRODUCTS_HEADINGS,
)

# The section headings a page's sections are named by (an h1 is the product's title).
SECTION_HEADING_TAGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_HEADING_TAGS = SECTION_HEADING_TAGS | {"h1"}
# Tags of a heading styled so by its class or ARIA role ('<div class="catalog-block-header">',
# '<strong role="heading">'), the class and id words that name one, and those that name a
# product's own name.
NAMED_HEADING_TAGS = frozenset(("div", "p", "span", "strong", "b", "header"))
_HEADING_NAME_WORDS = frozenset(("header", "heading", "headline", "title"))
_ONE_PRODUCT_WORDS = frozenset(("product", "item", "card", "tile", "name"))
# Named headings read on a page: product tiles' titles are named so too.
MAX_NAMED_HEADINGS = 256
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
_BLOCK_STEMS = re.compile("|".join(FOREIGN_BLOCK_STEMS))
_BLOCK_ANCESTORS = 12  # how far up a block of other products is looked for
_TILE_ANCESTORS = 3  # how far up from a product's item its tile is looked for


def is_block_of_other_products(element: Element, also: Iterable[str] = ()) -> bool:
    """Whether an element's class and id names say it holds other products ("related
    products", "upsell-slider", "recentlyViewed"), or hold one of the words `also`;
    names that say only what a block holds ("has-recommendations") do not."""
    if not (element.has_attribute_text("class") or element.has_attribute_text("id")):
        return False
    names = own_names(f"{element.get('class', '')} {element.get('id', '')}")
    words = {word.lower() for word in NAME_WORD.findall(names)}
    if not _BLOCK_WORDS.isdisjoint(words) or not words.isdisjoint(also):
        return True
    return _BLOCK_STEMS.search(names.lower()) is not None


# A tile of another product: an element that links to another page among siblings of its
# kind (tag and class) that each link elsewhere and show a price too, as a grid or carousel
# of products does whatever its names and heading say. The buy box has no such siblings.
_LIKE_TILES = 2  # siblings like it, besides itself, that make it one of a grid
_MAX_SIBLINGS_READ = 32  # of its parent's children
_MAX_LINK_SEARCH = 48  # elements of a tile searched for its link
_TILE_TEXT = 300  # characters of a tile's text searched for a price
_NOT_A_PAGE = ("#", "javascript:", "mailto:", "tel:")


class TilesOfOtherProducts:
    """Tells the tiles of grids and carousels of products (`is_tile`). Whether a parent's
    children of one kind (tag and class) make such a grid is read once per parent and kind,
    however many of its tiles are asked about."""

    def __init__(self) -> None:
        self._grids: dict[tuple[int, str, str | None], bool] = {}

    def is_tile(self, element: Element) -> bool:
        """Whether `element` is one tile of a grid or carousel of products: it links to a
        page, and at least `_LIKE_TILES` siblings of the same tag and class link to one and
        show a price. (Whether it holds the product's title, and so is the product's own,
        is the caller's to tell.)"""
        parent = element.parent
        if parent is None or element.tag in ("html", "body") or not _links_to_a_page(element):
            return False
        key = (id(parent), element.tag, element.get("class"))
        grid = self._grids.get(key)
        if grid is None:
            grid = self._grids[key] = _priced_links_of_kind(parent, element) >= _LIKE_TILES
        return grid


def _priced_links_of_kind(parent: Element, element: Element) -> int:
    """How many of `parent`'s children of `element`'s tag and class link to a page and show
    a price, `element` aside (counted up to `_LIKE_TILES`)."""
    tag, classes = element.tag, element.get("class")
    like = 0
    siblings = (child for child in parent.children if isinstance(child, Element))
    for sibling in islice(siblings, _MAX_SIBLINGS_READ):
        if sibling is element or sibling.tag != tag or sibling.get("class") != classes:
            continue
        if _links_to_a_page(sibling) and has_currency_marker(sibling.text(_TILE_TEXT)):
            like += 1
            if like == _LIKE_TILES:
                break
    return like


def _links_to_a_page(element: Element) -> bool:
    for node in islice(element.iter(), _MAX_LINK_SEARCH):
        if node.tag == "a":
            href = node.get("href", "").strip().lower()
            if href and not href.startswith(_NOT_A_PAGE):
                return True
    return False


class BlocksOfOtherProducts:
    """Tells the elements in blocks of other products named so by their class or id
    ("related products", "upsell-slider", "recentlyViewed"), looked for among an element's
    nearest ancestors. A block that holds an h1, the product's title, is the product's own
    whatever its names say ("product-page recommendations-visible"): whether each block
    does is read once, and once a block holds it, so do all around it."""

    def __init__(self, budget: Budget = UNLIMITED) -> None:
        self._budget = budget
        self._holds_title: dict[int, bool] = {}  # by id of each named block met
        self._tiles = TilesOfOtherProducts()
        self._in_tile: dict[int, bool] = {}  # by id of each element asked about

    def holds(self, element: Element) -> bool:
        """Whether `element` is in (or is) a block of other products."""
        return self._foreign_above(element, _BLOCK_ANCESTORS, is_block_of_other_products)

    def in_tile(self, element: Element) -> bool:
        """Whether `element` is in (or is) a tile of a grid or carousel of products
        (`TilesOfOtherProducts`) among its nearest `_TILE_ANCESTORS`, one that does not
        hold the product's title. Read once per element, however many items it holds."""
        known = self._in_tile.get(id(element))
        if known is None:
            known = self._foreign_above(element, _TILE_ANCESTORS, self._tiles.is_tile)
            self._in_tile[id(element)] = known
        return known

    def _foreign_above(
        self, element: Element, reach: int, is_block: Callable[[Element], bool]
    ) -> bool:
        """Whether the nearest of `element` and its ancestors, up to `reach` of them, that
        `is_block` says is another product's block is one: it does not hold the title."""
        node: Element | None = element
        for _ in range(reach):
            if node is None:
                return False
            if is_block(node):
                return not self._holds_title_at(node)
            node = node.parent
        return False

    def _holds_title_at(self, block: Element) -> bool:
        known = self._holds_title.get(id(block))
        if known is None:
            known = any(e.tag == "h1" for e in walk(block, self._budget))
            self._holds_title[id(block)] = known
        return known


def is_named_heading(element: Element) -> bool:
    """Whether an element of `NAMED_HEADING_TAGS` is a section's heading by its ARIA role
    (but the page's title, level 1) or its class or id words ("block-title",
    "sectionHeader"), not a product's name ("product-item-title", "card__heading")."""
    if not may_be_named_heading(element):
        return False  # most elements: named nothing of the sort
    if element.get("role") == "heading":
        return element.get("aria-level") != "1"
    names = f"{element.get('class', '')} {element.get('id', '')}"
    if not _may_name_heading(names):
        return False  # a tooltip's title="...": no name to split in words
    words = {word.lower() for word in NAME_WORD.findall(own_names(names))}
    return not words.isdisjoint(_HEADING_NAME_WORDS) and words.isdisjoint(_ONE_PRODUCT_WORDS)


def names_other_products(heading: Element) -> bool:
    """Whether a heading's text names a section of other products: an h2-h6's text holds
    such a name, a named heading's (`is_named_heading`, a product tile's title as often as
    a section's) is one as a whole ("Похожие товары", not "Camera Accessories Kit")."""
    text = heading.text(_MAX_HEADING_TEXT + 1)
    if len(text) > _MAX_HEADING_TEXT:
        return False
    if heading.tag in _HEADING_TAGS:
        return bool(_HEADINGS.groups(text))
    # The text first: most elements named a title are named so for a product's name.
    return _HEADINGS.group_of_whole(text) is not None and is_named_heading(heading)


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


# Any tag `SectionHeadings.meet` may keep, for walks to test before calling it.
HEADING_TAGS = SECTION_HEADING_TAGS | NAMED_HEADING_TAGS
_BARE_WRAPPER_TAGS = frozenset(("strong", "b", "span", "em"))


def may_be_named_heading(element: Element) -> bool:
    """Whether an element may be a named heading (`is_named_heading`), by its tag and a
    cheap test of its raw start tag."""
    return element.tag in NAMED_HEADING_TAGS and _may_name_heading(element.raw_attributes)


def _may_name_heading(raw_attributes: str) -> bool:
    # "itle": "title", "Title"; "Head" too: "sectionHeadline", "blockHeader".
    return "head" in raw_attributes or "itle" in raw_attributes or "Head" in raw_attributes


class SectionHeadings:
    """A page's section headings, in the order its walk meets them (`meet`): its h2-h6,
    the first `MAX_SECTION_HEADINGS`, and the first `MAX_NAMED_HEADINGS` elements that may
    be named headings (`is_named_heading`, told by `names_other_products`: a start tag
    holding "head" or "title", `_may_name_heading`)."""

    def __init__(self) -> None:
        self.found: list[Element] = []
        self._tagged = self._named = 0

    def meet(self, element: Element) -> None:
        tag = element.tag
        if tag in SECTION_HEADING_TAGS:
            if self._tagged < MAX_SECTION_HEADINGS:
                self._tagged += 1
                self.found.append(element)
        elif self._named < MAX_NAMED_HEADINGS and may_be_named_heading(element):
            self._named += 1
            self.found.append(element)  # told a heading only when its text names others

    def meet_texts_of(self, elements: Iterable[Element]) -> None:
        """Meet the elements short texts are the texts of, or, for a bare inline wrapper
        ('<div class="block-title"><strong>Related</strong></div>'), its parent: a walk
        reading texts finds the named headings so, without testing every element."""
        found, named = self.found, self._named
        # `may_be_named_heading`, inlined but for the raw test: a page has a thousand
        # short texts.
        tags, may_name = NAMED_HEADING_TAGS, _may_name_heading
        for element in elements:
            raw = element.raw_attributes
            if element.tag in _BARE_WRAPPER_TAGS and not raw.strip():
                element = element.parent or element
                raw = element.raw_attributes
            if element.tag in tags and may_name(raw):
                named += 1
                found.append(element)
                if named == MAX_NAMED_HEADINGS:
                    break
        self._named = named


def in_section_of_other_products(element: Element) -> bool:
    """Whether `element` is in a section of other products (`OtherProducts`), told from
    around it without walking the page: the nearest heading before it, or before one of
    its ancestors, beside it (an h2-h6, a named heading, or a heading ending a wrapper)."""
    headings: list[Element] = []
    for node in (element, *islice(element.ancestors(), _BLOCK_ANCESTORS)):
        headings.extend(_headings_before(node))
    if not headings:
        return False
    marked = other_product_sections(headings, None)
    return id(element) in marked or any(id(node) in marked for node in element.ancestors())


def _headings_before(node: Element) -> list[Element]:
    """The headings among the siblings before `node`, or ending one of them, nearest first,
    up to the nearest h1-h6: a section runs to the next of those."""
    parent = node.parent
    if parent is None:
        return []
    children = parent.children
    before = (children[at] for at in range(children.index(node) - 1, -1, -1))
    siblings = (child for child in before if isinstance(child, Element))
    found: list[Element] = []
    for sibling in islice(siblings, _MAX_SECTION_ELEMENTS):
        ends = _last_descendants(sibling)
        tagged = next((end for end in ends if end.tag in _HEADING_TAGS), None)
        if tagged is not None:
            return found if tagged.tag == "h1" else [*found, tagged]
        found.extend(end for end in ends if may_be_named_heading(end))
    return found


def _last_descendants(element: Element) -> list[Element]:
    """`element`, its last child element, that one's, and so on, `_MAX_WRAPPERS` deep: a
    heading alone in its wrapper ends it."""
    ends = [element]
    for _ in range(_MAX_WRAPPERS):
        children = [child for child in ends[-1].children if isinstance(child, Element)]
        if not children:
            break
        ends.append(children[-1])
    return ends


def other_product_sections(headings: Iterable[Element], title: Element | None) -> set[int]:
    """Ids of the elements in the sections of other products these headings name (see
    `OtherProducts`)."""
    sections = OtherProducts(title)
    sections.add(headings)
    return sections.ids
