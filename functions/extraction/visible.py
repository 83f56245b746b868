"""What a shopper sees of a page, as the price heuristic and the stock reading both test it.

The vocabulary (`extraction.vocabulary`) as matchers: phrases as patterns or as a table of
words, stock statuses stated on their own ("Sold out", "Nur noch 3 Stück"), the words
that name a buy control; and whether an element is hidden. One home for these tests, so
that the heuristic's price and the page's stock status (`extraction.availability`) read a
page alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import islice

from contracts.catalog import Availability
from extraction.markup import Element, walk
from extraction.price import UNSPACED_CHARACTER, is_unspaced
from extraction.vocabulary import (
    BUY_ACTION_WORDS,
    BUY_CONTROL,
    BUY_CONTROL_WORDS,
    RESTOCK_NOTICE,
    STOCK,
    STOCK_PREFIXES,
    STOCK_QUALIFIERS,
    STOCK_QUALIFIERS_AFTER,
    STOCK_SUBJECTS,
    VARIANT_PICKER_WORDS,
)


def phrase_pattern(phrase: str) -> str:
    """A vocabulary phrase as a pattern: spaces match any whitespace, "{n}" a count, an
    apostrophe either way pages type it ("n'est", "n’est"), and the ends of words of spaced
    scripts may not touch another letter."""
    pattern = (
        r"\s+".join(re.escape(word) for word in phrase.split())
        .replace(re.escape("{n}"), r"\d+")
        .replace("'", "['’]")
    )
    if phrase[0].isalnum() and not is_unspaced(phrase[0]):
        pattern = r"(?<!\w)" + pattern
    if phrase[-1].isalnum() and not is_unspaced(phrase[-1]):
        pattern += r"(?!\w)"
    return pattern


def phrases_pattern(phrases: Iterable[str]) -> str:
    """Alternatives, longest first, so "nicht lieferbar" is read before "lieferbar"."""
    unique = sorted(set(phrases), key=len, reverse=True)
    return "|".join(phrase_pattern(phrase) for phrase in unique)


WORDS_OF_TEXT = re.compile(r"\w+")


class PhraseTable:
    """Phrases of the vocabulary, each with its group, found in a text by whole words.

    Words are runs of letters and digits, lower-cased ("inkl. MwSt." reads "inkl mwst"); at
    each word the longest phrase starting there wins, so "list price" is one former-price
    label and "free shipping" is not a shipping cost. Phrases of scripts written without
    spaces are found as substrings. Dictionary look-ups, not a pattern of hundreds of
    alternatives, since labels are read for every shortlisted price; and the tables of
    first and last words, built once, spare the look-ups on the many texts that hold no
    phrase (a text holds a phrase only if it holds its last word).
    """

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self._spaced: dict[tuple[str, ...], str] = {}
        self._unspaced: list[tuple[str, str]] = []
        for group, phrases in groups.items():
            for phrase in phrases:
                words = tuple(WORDS_OF_TEXT.findall(phrase.lower()))
                if is_unspaced(phrase[0]):
                    self._unspaced.append((phrase, group))
                elif words:
                    self._spaced.setdefault(words, group)
        self._longest = max(map(len, self._spaced))
        self._first_words = frozenset(words[0] for words in self._spaced)
        self._last_words = frozenset(words[-1] for words in self._spaced)

    def groups(self, text: str) -> set[str]:
        found: set[str] = set()
        # Only a text with a character of those scripts can hold a phrase written in one.
        if self._unspaced and UNSPACED_CHARACTER.search(text):
            found.update(group for phrase, group in self._unspaced if phrase in text)
        words = WORDS_OF_TEXT.findall(text.lower())
        if self._last_words.isdisjoint(words):
            return found
        first_words, spaced, count = self._first_words, self._spaced, len(words)
        at = 0
        while at < count:
            if words[at] in first_words:
                for size in range(min(self._longest, count - at), 0, -1):
                    group = spaced.get(tuple(words[at : at + size]))
                    if group is not None:
                        found.add(group)
                        at += size
                        break
                else:
                    at += 1
            else:
                at += 1
        return found

    def group_of_whole(self, text: str) -> str | None:
        """The group of the phrase `text` is, as a whole (its words, case and punctuation
        aside), or None when it is no phrase or more than one."""
        if self._unspaced:
            stripped = text.strip()
            for phrase, group in self._unspaced:
                if phrase == stripped:
                    return group
        return self._spaced.get(tuple(WORDS_OF_TEXT.findall(text.lower())))

    def keys(self, known: Iterable[str] = ()) -> set[str]:
        """Substrings one of which the lower-cased text of any text holding a phrase of the
        table holds: each phrase's longest word, unless one of its words holds a `known` key
        already, and each unspaced phrase (and the `known` keys themselves)."""
        keys = set(known)
        for words in self._spaced:
            if not any(key in word for key in keys for word in words):
                keys.add(max(words, key=len))
        keys.update(phrase.lower() for phrase, _ in self._unspaced)
        # A key holding another is found whenever that one is: only the other is tested.
        return {key for key in keys if not any(other in key for other in keys - {key})}


# ---------------------------------------------------------------------------------------
# Class and id names
# ---------------------------------------------------------------------------------------

# A class saying what an element holds rather than what it is: "has-discount",
# "with-list-price", "hasOldPrice" (the current price's box, beside a list price); or
# saying what the product is filed under or taxed as, as WooCommerce names its wrapper:
# "product_cat-zubehoer", "product_tag-accessories", "shipping-taxable".
_HOLDER_NAME = re.compile(r"(?:has|with)(?:[-_]|(?=[A-Z]))|product_(?:cat|tag)-|.*taxable$")
_HOLDER_HINTS = ("has", "with", "product_", "taxable")


def own_names(names: str) -> str:
    """An element's class and id names without those that say what it holds ("product-price
    with-list-price": "product-price") or how the product is filed or taxed."""
    if not any(hint in names for hint in _HOLDER_HINTS):
        return names  # most names: nothing to leave out
    return " ".join(name for name in names.split() if not _HOLDER_NAME.match(name))


# ---------------------------------------------------------------------------------------
# Hidden elements
# ---------------------------------------------------------------------------------------

HIDDEN_CLASSES = frozenset(
    "hidden hide is-hidden aok-hidden d-none ng-hide invisible u-hidden display-none".split()
)


_VARIANT_PICKER_WORDS = frozenset(VARIANT_PICKER_WORDS)
CLASS_WORD = re.compile(r"[a-z0-9]+")  # a word of lower-cased class and id names
# A word of class and id names as written, camelCase split ("relatedProducts": related,
# products; "variantSelected": variant, selected).
NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# Ancestors a variant's own status sits within: a wider wrapper with such a name (a page-
# level "product-variant-123" class) may hold the product's own status.
_VARIANT_REACH = 4
_PICKER_ROLES = frozenset(("option", "listbox", "radio", "radiogroup"))
_CHOICE_TYPES = frozenset(("radio", "checkbox"))


def in_variant_picker(element: Element) -> bool:
    """Within a variant picker (a size's or colour's option, named so by its class or id,
    by its ARIA role: a listbox's options, a radio group's radios, or the label of a radio
    or checkbox): a status stated there ("XL Tükendi") is that variant's, not the
    product's."""
    node: Element | None = element
    for _ in range(_VARIANT_REACH):
        if node is None:
            return False
        if node.has_attribute_text("role") and node.get("role", "").lower() in _PICKER_ROLES:
            return True
        if node.tag == "label" and _labels_a_choice(node):
            return True
        if node.has_attribute_text("class") or node.has_attribute_text("id"):
            names = f"{node.get('class', '')} {node.get('id', '')}".lower()
            if not _VARIANT_PICKER_WORDS.isdisjoint(CLASS_WORD.findall(names)):
                return True
        node = node.parent
    return False


def _labels_a_choice(label: Element) -> bool:
    """Whether `label` is a radio's or checkbox's: holding one, or beside one (a size chip
    is a radio and its label, one after the other)."""
    held = [child for child in label.children if isinstance(child, Element)]
    siblings = [] if label.parent is None else label.parent.children
    at = next((index for index, child in enumerate(siblings) if child is label), 0)
    before = next((c for c in reversed(siblings[:at]) if isinstance(c, Element)), None)
    after = next((c for c in siblings[at + 1 :] if isinstance(c, Element)), None)
    return any(
        node is not None
        and node.tag == "input"
        and node.get("type", "").strip().lower() in _CHOICE_TYPES
        for node in (*held, before, after)
    )


def in_unselected_variant(element: Element) -> bool:
    """Within a variant picker's option other than the one it marks selected (by a class
    word "selected", "active", "current" or "checked", an ARIA state, or a checked radio
    within): that option's price is another variant's, not the one the page shows. False
    when the picker marks none."""
    if not in_variant_picker(element):
        return False
    node = element
    for _ in range(_OPTION_REACH):
        parent = node.parent
        if parent is None:
            return False
        options = [c for c in parent.children if isinstance(c, Element) and c.tag == node.tag]
        if len(options) > 1:
            selected = [option for option in options if _marked_selected(option)]
            if selected:
                return node not in selected
        node = parent
    return False


def _marked_selected(option: Element) -> bool:
    """Whether a picker's option is marked the selected one, itself or by a checked radio
    or checkbox within it."""
    for state in _SELECTED_STATES:
        if option.get(state, "").lower() in _TRUE_STATES:
            return True
    if option.has_attribute_text("class"):
        words = {word.lower() for word in NAME_WORD.findall(option.get("class", ""))}
        if not words.isdisjoint(_SELECTED_WORDS):
            return True
    inputs = (e for e in islice(walk(option), _OPTION_ELEMENTS) if e.tag == "input")
    return any("checked" in e.attrs for e in inputs)


# How far up from a price its picker's option is looked for, and how much of an option is
# read for a checked radio.
_OPTION_REACH = 6
_OPTION_ELEMENTS = 32
_SELECTED_STATES = ("aria-current", "aria-selected", "aria-checked", "aria-pressed")
_TRUE_STATES = frozenset(("true", "page", "step", "location"))
_SELECTED_WORDS = frozenset(("selected", "active", "current", "checked", "chosen"))


# Ancestors a badge's block is looked for within (a theme's "price" wrapper is near), and
# how far up from a status's text its badge may be ("<span class="…__badge"><span>Sold out").
_BADGE_BLOCK_REACH = 6
_BADGE_REACH = 2
# A BEM element naming a badge and its state: "badge-sold-out", "badge--sold-out" (an
# element merely about stock, "product__inventory", is shown whatever the block's state).
_STATE_BADGE = re.compile(r"badge--?[a-z0-9]")


def is_toggled_off(element: Element) -> bool:
    """A state badge its stylesheet shows only while its block is in that state, in the
    BEM naming themes use (Shopify's Dawn, Debut and their kin render every badge and let
    the block's modifier show one): "price__badge-sold-out" or "price__badge--sold-out"
    within a "price" block that has no "price--sold-out". False when no badge so named,
    or no block of it, is near: a status elsewhere is shown, BEM-named or not."""
    node: Element | None = element
    for _ in range(_BADGE_REACH):
        if node is None:
            return False
        if node.has_attribute_text("class"):
            for name in node.classes:
                block, _, state = name.lower().partition("__")
                if (
                    block
                    and _STATE_BADGE.match(state)
                    and _block_lacks_state(node.parent, block, state)
                ):
                    return True
        node = node.parent
    return False


def _block_lacks_state(node: Element | None, block: str, state: str) -> bool:
    """Whether the nearest ancestor (from `node`) with class `block` lacks any
    "`block`--modifier" that `state` (the badge's element and state, "badge-sold-out")
    ends with; False when no such ancestor is near."""
    for _ in range(_BADGE_BLOCK_REACH):
        if node is None:
            return False
        if node.has_attribute_text("class"):
            classes = [name.lower() for name in node.classes]
            if block in classes:
                modifier = f"{block}--"
                return not any(
                    name.startswith(modifier) and state.endswith(name[len(modifier) :])
                    for name in classes
                )
        node = node.parent
    return False


def is_hidden(element: Element) -> bool:
    """Hidden by attribute, inline style or a conventional class (cheap tests first)."""
    if element.has_attribute_text("hidden") and "hidden" in element.attrs:
        return True
    if element.has_attribute_text("style"):
        style = element.attrs.get("style", "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            return True
    return element.has_attribute_text("class") and not HIDDEN_CLASSES.isdisjoint(element.classes)


# ---------------------------------------------------------------------------------------
# Stock statements
# ---------------------------------------------------------------------------------------

# A stock status stated on its own ("In Stock.", "Availability: Out of stock"), not a
# sentence that mentions stock ("Notify me when back in stock", "Is an item out of stock?").
_STOCK_TEXT = re.compile(
    rf"\W*(?:(?:{phrases_pattern(STOCK_PREFIXES)})\s*:?\s*"
    rf"|(?:{phrases_pattern(STOCK_SUBJECTS)})[\s,:]+)?"
    rf"(?:(?:{phrases_pattern(STOCK_QUALIFIERS)})\s*)?(?:"
    rf"(?P<out>{phrases_pattern(p for words in STOCK.values() for p in words['out'])})"
    rf"|(?P<in>{phrases_pattern(p for words in STOCK.values() for p in words['in'])}))"
    rf"(?:\s+(?:{phrases_pattern(STOCK_QUALIFIERS_AFTER)}))?"
    r"(?:\W*\Z|\s*[-–.,!:(])",
    re.IGNORECASE,
)
# The words a stock status may begin with (its first word, lower-cased), and the first
# characters of statuses in scripts written without spaces: a set look-up spares the
# pattern above on the thousands of other texts of a page.
_STOCK_PHRASES = [
    phrase
    for phrases in (
        STOCK_PREFIXES,
        STOCK_SUBJECTS,
        STOCK_QUALIFIERS,
        *(p for words in STOCK.values() for p in words.values()),
    )
    for phrase in phrases
]
_FIRST_WORD = re.compile(r"[\W\d_]*([^\W\d_]+)")
# (Found as a text's first word is: "n'est plus en stock" begins with "n".)
_STOCK_FIRST_WORDS = frozenset(
    first[1]
    for phrase in _STOCK_PHRASES
    if not is_unspaced(phrase[0]) and (first := _FIRST_WORD.match(phrase.replace("{n}", " ")))
)
_STOCK_FIRST_CHARS = frozenset(phrase[0] for phrase in _STOCK_PHRASES if is_unspaced(phrase[0]))
# A count of none right after an in-stock status: "Auf Lager: 0 Artikel", "In stock: 0".
_NONE_AFTER = re.compile(r"\s*[:=]?\s*0(?![\d.,–-])")
_COUNT = re.compile(r"\d+")
_VALUE_CHARS = 20  # of the value beside a label
_LABEL_TAGS = frozenset(("label", "dt", "th"))


def stated_stock(text: str, element: Element | None = None) -> Availability | None:
    """The stock status `text` states on its own ("Sold out", "Nur noch 3 Stück": in stock),
    or None when it states none. With `element`, the element whose text it is: a label
    "In stock" whose value beside it counts none ("0 Items") states out of stock."""
    first = _FIRST_WORD.match(text)
    if first is None:
        return None
    word = first[1]
    if word[0] not in _STOCK_FIRST_CHARS and word.lower() not in _STOCK_FIRST_WORDS:
        return None
    text = text.strip()
    match = _STOCK_TEXT.match(text)
    if match is None:
        return None
    if match["out"] or _counts_none(match, text):
        return Availability.OUT_OF_STOCK
    if element is not None and _labels_none(element, text):
        return Availability.OUT_OF_STOCK
    return Availability.IN_STOCK


def _labels_none(element: Element, text: str) -> bool:
    """Whether `element`, stating in stock, is a label ("<label>In stock</label>",
    "<th>Auf Lager:</th>") whose value, the text after it, is a count of none."""
    parent = element.parent
    if parent is None or not (element.tag in _LABEL_TAGS or text.endswith(":")):
        return False
    siblings = parent.children
    start = siblings.index(element) + 1
    for sibling in siblings[start : start + 3]:
        value = sibling if isinstance(sibling, str) else sibling.text(_VALUE_CHARS)
        if value and not value.isspace():
            return _NONE_AFTER.match(value) is not None
    return False


def _counts_none(match: re.Match[str], text: str) -> bool:
    """Whether an in-stock status counts no items: "0 in stock", "Auf Lager: 0 Artikel"."""
    counts = _COUNT.findall(match["in"])
    if counts and all(int(count) == 0 for count in counts):
        return True
    return _NONE_AFTER.match(text, match.end("in")) is not None


# ---------------------------------------------------------------------------------------
# Buy controls
# ---------------------------------------------------------------------------------------

_CART_WORDS = re.compile(
    r"add[\s_-]*to[\s_-]*(?:cart|bag|basket|trolley)|addtocart|add[\s_-]*item|buy[\s_-]*(?:it[\s_-]*)?now"
    r"|buy[\s_-]*box|add[\s_-]*to[\s_-]*order|cart/add|basket/add|^\s*(?:add|buy|purchase)\s*$",
    re.IGNORECASE,
)
# What a buy control says: the action ("in den Warenkorb", "addtocart"), or also only
# the cart it fills ("warenkorb", "basket"), which a header's cart link says too.
_BUY_ACTIONS = PhraseTable({"buy": (*BUY_CONTROL, *BUY_ACTION_WORDS)})
_BUY_CONTROLS = PhraseTable({"buy": (*BUY_CONTROL, *BUY_CONTROL_WORDS)})
# Substrings of a raw start tag worth parsing its attributes for (case as written).
_CART_HINTS = ("art", "uy", "asket", "ag", "arenkorb", "anier", "arrito", "arrello",
              "inkelwagen", "oszyk", "epet", "aufen", "ompra", "cquist", "orzin")  # fmt: skip
CART_ATTRIBUTES = ("id", "class", "name", "value", "title", "aria-label")


def may_name_cart(raw_attributes: str) -> bool:
    """False only when no attribute of a raw start tag can name a cart control."""
    # A loop, not any() over a generator: this runs for every form control of a page.
    for hint in _CART_HINTS:  # noqa: SIM110
        if hint in raw_attributes:
            return True
    return False


def names_cart_control(text: str) -> bool:
    """Whether a control's text or attributes name adding to a cart or buying, or the
    cart itself ("Warenkorb")."""
    return _CART_WORDS.search(text) is not None or bool(_BUY_CONTROLS.groups(text))


def names_buy_action(text: str) -> bool:
    """Whether a control's text or attributes name the action of adding to a cart or
    buying ("Add to cart", "In den Warenkorb", "add-to-cart"), not the cart alone."""
    return _CART_WORDS.search(text) is not None or bool(_BUY_ACTIONS.groups(text))


# Letters by how many of the start tags and labels of a page's links and buttons hold them,
# rarest first (measured on the corpus; any order would give the same answers).
_LETTERS_BY_RARITY = "zjqyxvkgwbumdpnlfochiasrte"


class SubstringKeys:
    """Substrings tested for in lower-cased texts, each filed under one character it holds,
    the rarest in a page's text: a non-ASCII one (the one most keys share), else a letter
    by `_LETTERS_BY_RARITY`. A text lacking that character (one fast search) cannot hold
    the keys filed under it, so most texts are searched for a few characters instead of
    every key; nor can a text of ASCII characters hold a key of others."""

    def __init__(self, keys: Iterable[str]) -> None:
        keys = sorted(set(keys))
        shared = Counter(c for key in keys for c in set(key) if not c.isascii())
        common = len(_LETTERS_BY_RARITY)

        def rarity(character: str) -> tuple[bool, int]:
            if not character.isascii():
                return False, -shared[character]
            rank = _LETTERS_BY_RARITY.find(character)
            return True, common if rank < 0 else rank

        filed: dict[str, list[str]] = {}
        for key in keys:
            filed.setdefault(min(key, key=rarity), []).append(key)
        groups = [(character, tuple(filed[character])) for character in sorted(filed)]
        self._ascii = tuple(group for group in groups if group[0].isascii())
        self._other = tuple(group for group in groups if not group[0].isascii())

    def found_in(self, lowered: str) -> bool:
        """Whether the lower-cased text `lowered` holds one of the keys."""
        if _holds_a_key(lowered, self._ascii):
            return True
        return not lowered.isascii() and _holds_a_key(lowered, self._other)


def _holds_a_key(lowered: str, groups: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    # Loops, not any() over generators: this runs for every control a page's walk meets.
    for character, keys in groups:
        if character in lowered:
            for key in keys:
                if key in lowered:
                    return True
    return False


# Substrings one of which every text that names a buy action holds once lower-cased: what
# every match of `_CART_WORDS` holds ("purcha", as "purchaſe" matches it too), and a word of
# each phrase. Plain substring tests: a pattern of their alternatives reads a long raw
# start tag more slowly.
_CART_WORDS_KEYS = ("add", "buy", "purcha")
_BUY_ACTION_KEYS = SubstringKeys(_BUY_ACTIONS.keys(_CART_WORDS_KEYS))


def may_name_buy_action(text: str) -> bool:
    """False only when no part of `text` names a buy action (`names_buy_action`): one
    cheap test of a whole raw start tag, or of a label, spares the word matching on the
    many that name none."""
    return _BUY_ACTION_KEYS.found_in(text.lower())


# The same for what names a cart control: the cart alone too ("warenkorb", "basket").
_CART_CONTROL_KEYS = SubstringKeys(_BUY_CONTROLS.keys(_CART_WORDS_KEYS))


def may_name_cart_control(text: str) -> bool:
    """False only when `text` names no cart control (`names_cart_control`): the cheap test
    first, for the many buttons and their attributes that name none."""
    return _CART_CONTROL_KEYS.found_in(text.lower())


_RESTOCK_NOTICES = PhraseTable({"restock": RESTOCK_NOTICE})
_RESTOCK_KEYS = SubstringKeys(_RESTOCK_NOTICES.keys())


def offers_restock_notice(text: str) -> bool:
    """Whether a control's label offers to tell the shopper once the product is back in
    stock ("Notify me when available", "Benachrichtigen, wenn verfügbar")."""
    return _RESTOCK_KEYS.found_in(text.lower()) and bool(_RESTOCK_NOTICES.groups(text))
