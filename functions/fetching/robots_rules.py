"""robots.txt text to rules, and rules to verdicts, as RFC 9309 says (pure, standard library).

Parsing (RFC 9309 §2.1, §2.2): lines end at CR, LF or CRLF; ``#`` starts a comment; keys are
case-insensitive; a line that cannot be read is skipped, never fatal. A group is a run of
``user-agent`` lines (blank lines between them allowed) and the rules that follow it; rules
before the first group belong to none. Groups naming the same product token are merged.
``Crawl-delay`` is not in the RFC but widely used: kept per group (the largest when merged).

Matching (§2.2.2, §2.2.3): the crawler obeys the groups naming its product token
(case-insensitive), else the ``*`` groups, else nothing is disallowed. A rule matches when
its pattern matches the start of the URL's path and query; ``*`` matches any run of
characters and a final ``$`` anchors the end. The longest matching pattern wins, and Allow
wins a tie. ``/robots.txt`` is always allowed. Paths and patterns are compared in one
canonical percent-encoding (see ``_canonical``), so ``/%7Ejoe``, ``/~joe`` and ``/%7ejoe`` are
the same path while ``/a%2Fb`` and ``/a/b`` are not.

Matching is greedy over the literal pieces between ``*``s: linear in the path and pattern
lengths, whatever the pattern (no regular expression, no backtracking).
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field

ROBOTS_TXT_PATH = "/robots.txt"
GLOBAL_AGENT = "*"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")  # RFC 9309 "identifier"
_DELAY = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_HEX = frozenset(string.hexdigits)
# Characters that are wildcard syntax in a pattern compare as their encoded form, so a
# pattern's %2A / %24 matches a literal * / $ in a URL (RFC 9309 §2.2.3).
_SPECIAL = {"*": "%2A", "$": "%24"}
# Within the query these reserved characters are data, never delimiters (RFC 3986 §3.4), so
# their encoded and plain forms mean the same (RFC 9309 §2.2.2, figure 4).
_QUERY_DATA = {":": "%3A", "/": "%2F", "?": "%3F", "@": "%40"}
_RESERVED = frozenset(":/?#[]@!$&'()*+,;=")


@dataclass(frozen=True)
class Rule:
    """One Allow or Disallow line: its pattern split at ``*`` into canonical literal pieces."""

    allow: bool
    pieces: tuple[str, ...]  # at least one; "" where the pattern starts or ends with "*"
    anchored: bool  # the pattern ended with "$"
    length: int  # octets of the canonical pattern, "*" and "$" included: its specificity

    def matches(self, target: str) -> bool:
        """True when the pattern matches ``target`` (a canonical path and query)."""
        first, *middle = self.pieces
        if not target.startswith(first):
            return False
        if not middle:
            return not self.anchored or len(target) == len(first)
        *inner, last = middle
        position = len(first)
        for piece in inner:
            # The leftmost occurrence is never worse than a later one for what follows.
            found = target.find(piece, position)
            if found < 0:
                return False
            position = found + len(piece)
        if self.anchored:
            return len(target) - len(last) >= position and target.endswith(last)
        return target.find(last, position) >= 0


@dataclass(frozen=True)
class RobotsGroup:
    """The rules one crawler obeys."""

    rules: tuple[Rule, ...] = ()  # most specific first, Allow before Disallow among equals
    crawl_delay: float | None = None

    @classmethod
    def of(cls, rules: list[Rule], crawl_delay: float | None = None) -> RobotsGroup:
        """A group of ``rules`` in any order."""
        ranked = sorted(rules, key=lambda rule: (rule.length, rule.allow), reverse=True)
        return cls(tuple(ranked), crawl_delay)

    def allows(self, path_and_query: str) -> bool:
        """True when the URL with this path and query (as requested) may be fetched."""
        target = _canonical(path_and_query or "/")
        if target == ROBOTS_TXT_PATH:
            return True
        # The first rule that matches is the longest match (Allow winning ties).
        return next((rule.allow for rule in self.rules if rule.matches(target)), True)


@dataclass(frozen=True)
class RobotsTxt:
    """A parsed robots.txt: the group of each product token it names (lower case)."""

    groups: dict[str, RobotsGroup] = field(default_factory=dict)

    def group_for(self, product_token: str) -> RobotsGroup:
        """The group that ``product_token`` obeys: its own, else ``*``, else no rules."""
        own = self.groups.get(product_token.lower())
        if own is not None:
            return own
        return self.groups.get(GLOBAL_AGENT, RobotsGroup())


@dataclass
class _GroupDraft:
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None

    def freeze(self) -> RobotsGroup:
        return RobotsGroup.of(self.rules, self.crawl_delay)


def parse_robots_txt(text: str) -> RobotsTxt:
    """Parse robots.txt ``text``; never raises: lines it cannot read are skipped."""
    drafts: dict[str, _GroupDraft] = {}
    current: list[_GroupDraft] = []  # the groups the lines being read belong to
    reading_agents = False  # inside a run of user-agent lines
    for line in _LINE_BREAK.split(text.removeprefix("\ufeff")):
        key, separator, value = line.split("#", 1)[0].partition(":")
        if not separator:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if not reading_agents:
                current, reading_agents = [], True
            token = _agent_token(value)
            if token is not None:
                current.append(drafts.setdefault(token, _GroupDraft()))
        elif key in ("allow", "disallow"):
            reading_agents = False
            rule = _rule(key == "allow", value)
            if rule is not None:
                for draft in current:
                    draft.rules.append(rule)
        elif key == "crawl-delay":
            reading_agents = False
            delay = _delay(value)
            if delay is not None:
                for draft in current:
                    draft.crawl_delay = max(delay, draft.crawl_delay or 0.0)
        # Other records (Sitemap, Host, ...) belong to no group and change none (§2.2.4).
    return RobotsTxt({token: draft.freeze() for token, draft in drafts.items()})


def _agent_token(value: str) -> str | None:
    """The product token a user-agent value names (lower case), or None if it names none.

    Sites often write a full User-Agent ("ExampleBot/2.1"); its leading identifier is the
    product token they mean.
    """
    word = value.split(maxsplit=1)[0] if value else ""
    if word == GLOBAL_AGENT:
        return GLOBAL_AGENT
    match = _PRODUCT_TOKEN.match(word)
    return match.group().lower() if match else None


def _rule(allow: bool, pattern: str) -> Rule | None:
    if not pattern:
        return None  # "Disallow:" with no path disallows nothing
    anchored = pattern.endswith("$")
    if anchored:
        pattern = pattern[:-1]
    pieces, in_query = [], False
    for raw in pattern.split("*"):
        piece, in_query = _canonical_piece(raw, in_query)
        pieces.append(piece)
    length = sum(map(len, pieces)) + len(pieces) - 1 + anchored
    return Rule(allow, tuple(pieces), anchored, length)


def _delay(value: str) -> float | None:
    if not _DELAY.fullmatch(value):
        return None
    delay = float(value)
    return delay if math.isfinite(delay) else None


def _canonical(path_and_query: str) -> str:
    """The form paths and patterns are compared in (RFC 9309 §2.2.2).

    A percent-encoded unreserved character is decoded (``%7E`` is ``~``); any other escape is
    kept, with upper-case hex (``%2f`` is ``%2F``, never ``/``). Non-ASCII characters, and
    ASCII ones a URL cannot hold as they are, are percent-encoded as UTF-8; so are ``*`` and
    ``$`` (see ``_SPECIAL``) and, after the first ``?``, the reserved characters that are
    data there (see ``_QUERY_DATA``).
    """
    return _canonical_piece(path_and_query, in_query=False)[0]


def _canonical_piece(text: str, in_query: bool) -> tuple[str, bool]:
    """``_canonical`` of part of a pattern; also says whether the query has begun after it."""
    out: list[str] = []
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        index += 1
        if char == "%":
            pair = text[index : index + 2]
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                index += 2
                decoded = chr(int(pair, 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
            else:
                out.append("%25")  # a lone "%" is a literal percent sign
        elif char in _UNRESERVED:
            out.append(char)
        elif char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif in_query and char in _QUERY_DATA:
            out.append(_QUERY_DATA[char])
        elif char in _RESERVED:
            in_query = in_query or char == "?"
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
    return "".join(out), in_query
