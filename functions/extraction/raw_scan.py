"""Scans of a page's raw markup, before any element tree, at the cost of as few passes over
the text as the readers' answers allow.

A pass of the regular expression engine over a page costs a loop step per character (about
0.1 ms on a 120,000-character page), while `str.find` skips to a literal several times
faster. So a pattern whose every match starts with a literal is run only where the literal
occurs (`LiteralLed`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget


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

    def search(self, text: str) -> re.Match[str] | None:
        """`re.search`'s match: the first."""
        return next(self.finditer(text), None)
