"""Scans of a page's raw markup, before any element tree, at the cost of as few passes over
the text as the readers' answers allow.

A pass of the regular expression engine over a page costs a loop step per character (about
0.1 ms on a 120,000-character page), while `str.find` skips to a literal several times
faster. So a pattern whose every match starts with a literal is run only where the literal
occurs (`LiteralLed`); and the start tags that are names in any case, which only the engine
finds, are found for all the readers of a page by one pass, kept for the page
(`StartTags`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import NextOccurrence


class LiteralLed:
    """A case-sensitive pattern whose every match starts with `literal`: its matches are
    looked for only where `str.find` finds the literal."""

    __slots__ = ("literal", "pattern")

    def __init__(self, literal: str, pattern: str) -> None:
        if not literal or not pattern.startswith(re.escape(literal)):
            raise ValueError(f"{pattern!r} does not start with the literal {literal!r}")
        self.literal = literal
        self.pattern = re.compile(pattern)

    def finditer(self, text: str, budget: Budget = UNLIMITED) -> Iterator[re.Match[str]]:
        """`re.finditer`'s matches, in order; the budget is checked every so many places
        where the literal occurs, matched or not."""
        literal, match_at = self.literal, self.pattern.match
        position = text.find(literal)
        tried = 0
        while position >= 0:
            tried += 1
            if not tried % BUDGET_STRIDE:
                budget.check()
            match = match_at(text, position)
            if match is None:
                position = text.find(literal, position + 1)
            else:
                yield match
                position = text.find(literal, match.end())


# The start tags the raw readers read, `<name\b` in any case as IGNORECASE matches them
# ("ſ" for "s", "İ" and "ı" for "i", "K" for "k" too). Scripts (JSON-LD) and meta tags (Open
# Graph, RDFa) are read on every page, so one pass finds both: after the "<", one class of
# their first letters, then the rest of the name that letter begins (the engine tries an
# alternation of whole names at each "<" twice as slowly). Links (the canonical address)
# are read on few pages, so they have a pass of their own.
_SCRIPT_OR_META = re.compile(
    r"<[sSſmM](?:(?<=[sSſ])[cC][rR][iIİı][pP][tT]|(?<=[mM])[eE][tT][aA])\b"
)
_LINK = re.compile(r"<link\b", re.IGNORECASE)


class StartTags:
    """Where a page's `<script`, `<meta` and `<link` start tags are, for all the readers of
    the page: each pass over it made on first use, at most once (scripts and meta tags by
    the same pass). A page's reading makes one (`extraction.extract.Page`) and gives it to
    each reader of the raw text; a reader given none makes its own."""

    __slots__ = ("_ends", "html")

    def __init__(self, html: str) -> None:
        self.html = html
        self._ends: dict[str, list[int]] = {}

    @staticmethod
    def of(html: str, tags: StartTags | None) -> StartTags:
        """`tags`, the start tags of `html` (a new scan of it when None)."""
        if tags is None:
            return StartTags(html)
        if tags.html is not html:
            raise ValueError("start tags of another page")
        return tags

    def name_ends(self, name: str, budget: Budget = UNLIMITED) -> list[int]:
        """Where each `<script`, `<meta` or `<link` start tag's name ends (`name` says
        which), in page order: every place `<name\b` matches, in any case, also within
        another tag or a script."""
        ends = self._ends
        if name not in ends:
            html = self.html
            if name == "link":
                ends["link"] = [tag.end() for tag in _matches(_LINK, html, budget)]
            else:
                scripts: list[int] = []
                metas: list[int] = []
                for tag in _matches(_SCRIPT_OR_META, html, budget):
                    (metas if html[tag.start() + 1] in "mM" else scripts).append(tag.end())
                ends.update(script=scripts, meta=metas)
        return ends[name]

    def attributes(self, names: tuple[str, ...], budget: Budget = UNLIMITED) -> Iterator[str]:
        """The attribute text of each start tag with one of `names` (`name_ends`), in page
        order, to its ">": a tag begun within an earlier one's attributes is part of them."""
        html = self.html
        next_gt = NextOccurrence(html, ">")
        ends = sorted(chain.from_iterable(self.name_ends(name, budget) for name in names))
        position = 0
        for count, name_end in enumerate(ends, 1):
            if not count % BUDGET_STRIDE:
                budget.check()
            if name_end < position:
                continue  # within the attributes of the tag just read
            tag_end = next_gt.after(name_end)
            if tag_end < 0:
                return  # no ">" left: no later tag can end either
            yield html[name_end:tag_end]
            position = tag_end + 1


def _matches(pattern: re.Pattern[str], html: str, budget: Budget) -> Iterator[re.Match[str]]:
    """`pattern.finditer(html)`, checking the budget every so many matches."""
    for count, match in enumerate(pattern.finditer(html), 1):
        if not count % BUDGET_STRIDE:
            budget.check()
        yield match
