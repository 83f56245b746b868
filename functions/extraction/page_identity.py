"""What names the product a page is about: its addresses and its titles.

A product page often declares several Products: its own, and those of recommendation
tiles, "also bought" carousels and bundles, each with its own price. The page's own is the
one the page names, so these are read for `choose_offer` to tell it apart:

* addresses: the URL the page was fetched from, its canonical link (`<link rel=canonical>`)
  and its `og:url`;
* titles: its `og:title` and `<title>`, and the text of its first `<h1>`.

Addresses and the first two titles come from the raw text's `<link>` and `<meta>` tags
(`raw_scan.StartTags`); the h1 needs the element tree, so it is read only when a name is asked
about and the cheap titles name none exactly (the choice is ambiguous by then, and the
cross-check that follows builds the tree anyway). Nothing is read until asked: a page
declaring one Product pays nothing.

Names are compared normalised (Unicode compatibility forms, case, punctuation and runs of
whitespace ignored, entities decoded). A name equal to a title, or to one of its parts
around " | ", " - ", " – " ("Kettle | Shop"), names the page exactly. A name contained in a
title or containing it, word for word, names it loosely, and only when the shorter of the
two has at least two words and eight characters, so that a colour ("Black") or a brand
alone matches nothing.
"""

from __future__ import annotations

import html as html_entities
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cached_property
from urllib.parse import urljoin

from extraction.budget import UNLIMITED, Budget
from extraction.markup import Element, parse_attributes, walk
from extraction.raw_scan import StartTags

_TITLE_START = re.compile(r"<title\b[^<>]*+>", re.IGNORECASE)
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)
_TITLE_PARTS = re.compile(r"\s+[|\-–—·:]+\s+")
_NOT_WORD = re.compile(r"[\W_]+")
# Elements whose content a shopper never sees as the page's heading.
_UNSEEN_TAGS = frozenset(("head", "script", "style", "template", "noscript", "svg"))

_MAX_TITLE_CHARS = 500
_MIN_LOOSE_CHARS = 8
_MIN_LOOSE_WORDS = 2


class PageIdentity:
    """A page's addresses and titles, each read on first use, at most once."""

    def __init__(
        self,
        html: str = "",
        url: str | None = None,
        tree: Callable[[], Element] | None = None,
        budget: Budget = UNLIMITED,
        tags: StartTags | None = None,
    ) -> None:
        self._html = html
        self._url = url
        self._tree = tree
        self._budget = budget
        self._start_tags = StartTags.of(html, tags)

    @cached_property
    def urls(self) -> tuple[str, ...]:
        """The page's URL, canonical link and og:url (relative ones resolved), each once."""
        stated = [self._url, self._tags.get("canonical"), self._tags.get("og:url")]
        resolved: list[str] = []
        for url in stated:
            if not url or not url.strip():
                continue
            try:
                absolute = urljoin(self._url, url.strip()) if self._url else url.strip()
            except ValueError:  # a malformed address in hostile markup names nothing
                continue
            if absolute not in resolved:
                resolved.append(absolute)
        return tuple(resolved)

    @cached_property
    def stated_titles(self) -> tuple[str, ...]:
        """og:title and the document's <title>, read from the raw text."""
        titles = [self._tags.get("og:title"), _document_title(self._html)]
        return tuple(title for title in titles if title)

    @cached_property
    def heading(self) -> str | None:
        """The text of the page's first visible-ish h1 (None without a tree or an h1)."""
        if self._tree is None:
            return None
        return _first_heading(self._tree(), self._budget)

    def best_named(self, names: Iterable[str]) -> tuple[frozenset[str], bool]:
        """Those of `names` that name the page's product best (none when no name does), and
        whether they name it exactly rather than loosely.

        Exact matches are looked for in the cheap titles first, then in the h1; loose ones
        in all of them.
        """
        normalised = {name: normalised_name(name) for name in set(names)}
        normalised = {name: text for name, text in normalised.items() if text}
        if not normalised:
            return frozenset(), False
        stated = [normalised_name(title) for title in self.stated_titles]
        parts = [normalised_name(part) for title in self.stated_titles for part in _parts(title)]
        exact = frozenset(name for name, text in normalised.items() if text in (*stated, *parts))
        if exact:
            return exact, True
        heading = normalised_name(self.heading or "")
        if heading:
            exact = frozenset(name for name, text in normalised.items() if text == heading)
            if exact:
                return exact, True
        titles = [title for title in (*stated, *parts, heading) if title]
        loose = frozenset(
            name
            for name, text in normalised.items()
            if any(_contains_loosely(text, title) for title in titles)
        )
        return loose, False

    @cached_property
    def _tags(self) -> dict[str, str]:
        """The first canonical link, og:url and og:title the page's tags state."""
        found: dict[str, str] = {}
        for raw in self._start_tags.attributes(("link", "meta"), self._budget):
            lowered = raw.lower()
            if "canonical" not in lowered and "og:" not in lowered:
                continue
            attrs = parse_attributes(raw)
            if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
                found.setdefault("canonical", attrs["href"])
            key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
            if key in ("og:url", "og:title") and attrs.get("content", "").strip():
                found.setdefault(key, attrs["content"].strip())
        return found


def normalised_name(text: str) -> str:
    """A product name or title as compared: compatibility forms, case, punctuation and
    whitespace folded ("Kaffee-Maschine  X&amp;Y" reads "kaffee maschine x y")."""
    if "&" in text:
        text = html_entities.unescape(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _parts(title: str) -> list[str]:
    """A title's parts around its separators, and the title without its first or its last
    part, where a shop's name usually is ("Kettle - Steel | Shop": "Kettle", "Steel",
    "Shop", "Steel | Shop", "Kettle - Steel")."""
    bounds = [0, *(i for match in _TITLE_PARTS.finditer(title) for i in match.span()), len(title)]
    if len(bounds) == 2:
        return []
    parts = [title[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]
    return [*parts, title[bounds[2] :], title[: bounds[-3]]]


def _contains_loosely(name: str, title: str) -> bool:
    """One contains the other word for word, and the shorter is long enough to mean it."""
    shorter, longer = sorted((name, title), key=len)
    if len(shorter) < _MIN_LOOSE_CHARS or shorter.count(" ") + 1 < _MIN_LOOSE_WORDS:
        return False
    return f" {shorter} " in f" {longer} "


def _document_title(html: str) -> str | None:
    """The text of the first <title> (up to a bounded length), entities decoded."""
    start = _TITLE_START.search(html)
    if start is None:
        return None
    end = _TITLE_END.search(html, start.end(), start.end() + _MAX_TITLE_CHARS * 4)
    text = html[start.end() : end.start() if end else start.end() + _MAX_TITLE_CHARS]
    text = html_entities.unescape(text) if "&" in text else text
    return " ".join(text.split())[:_MAX_TITLE_CHARS] or None


def _first_heading(root: Element, budget: Budget) -> str | None:
    """The text of the first h1 outside scripts, templates and the head."""
    for element in walk(root, budget, _UNSEEN_TAGS):
        if element.tag == "h1":
            return element.text(_MAX_TITLE_CHARS) or None
    return None
