"""Whether a page looks like a shell that a script fills in: worth rendering in a browser.

The scraper asks this of an `auto` retailer's page that came back by http with no price
(monitor.scrape): if the page is a script's shell, a browser may show the price that the
http answer lacks; if it is an ordinary page, rendering it would find no more. The evidence
is generic, none of it names a framework's page layout beyond the conventional mount points:

- an empty app root: `<div id="root">`, `app`, `__next`, `__nuxt`, `app-root` (or an
  `<app-root>` element) with nothing inside;
- a `<noscript>` that asks for JavaScript;
- little visible body text next to heavy scripts (inline code, or scripts loaded by `src`);
- a JSON state blob (`<script type="application/json">`, a `__NEXT_DATA__`-style id, or an
  inline `window.__INITIAL_STATE__ = ...`) while the visible text shows no price at all.

Time is linear in the page's length: one tree build (`extraction.markup`, checked against
`budget`), one walk over the tree and one scan of the visible text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.budget import BUDGET_STRIDE, UNLIMITED, Budget
from extraction.markup import Element, parse_html

# Ids (and one tag) a client-side app conventionally mounts itself on.
APP_ROOT_IDS = frozenset(("root", "app", "__next", "__nuxt", "app-root", "__layout"))
APP_ROOT_TAGS = frozenset(("app-root",))
# Below this many characters of visible text, a page with heavy scripts is a shell.
FEW_VISIBLE_CHARACTERS = 200
# Inline script characters that make a page's scripts heavy (an external script always is).
HEAVY_INLINE_SCRIPT_CHARACTERS = 1_000
# A JSON state blob this long holds the page's data (a small one is configuration).
STATE_BLOB_CHARACTERS = 200
# Elements whose text the shopper never sees.
_UNSEEN_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title"))
_STATE_SCRIPT_IDS = frozenset(
    ("__next_data__", "__nuxt_data__", "__nuxt__", "__apollo_state__", "__initial_state__")
)
_STATE_ASSIGNMENT = re.compile(
    r"window\.__[A-Z][A-Z_]*(?:STATE|DATA|PROPS)__\s*=|window\.__NUXT__\s*=", re.ASCII
)
_ASKS_FOR_JAVASCRIPT = re.compile(r"javascript|\bjs\b", re.IGNORECASE)
# A price as a page shows one: a currency sign or code next to a digit.
_SHOWN_PRICE = re.compile(
    r"[$€£¥₹₽₩]\s?\d|\d\s?(?:[$€£¥₹₽₩]|(?:EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK)\b|kr\b|zł)"
)


@dataclass
class _Evidence:
    empty_app_root: bool = False
    asks_for_javascript: bool = False
    visible_characters: int = 0
    inline_script_characters: int = 0
    external_scripts: int = 0
    state_blob: bool = False


def looks_script_rendered(html: str, budget: Budget = UNLIMITED) -> bool:
    """Whether `html` looks like a page whose content a script renders (see the module
    docstring for the evidence). Never raises on any input except `ExtractionTooSlowError`
    once `budget` is spent."""
    root = parse_html(html, budget)
    evidence, visible_text = _gather(root, budget)
    if evidence.empty_app_root or evidence.asks_for_javascript:
        return True
    heavy_scripts = (
        evidence.external_scripts > 0
        or evidence.inline_script_characters >= HEAVY_INLINE_SCRIPT_CHARACTERS
    )
    if heavy_scripts and evidence.visible_characters < FEW_VISIBLE_CHARACTERS:
        return True
    return evidence.state_blob and _SHOWN_PRICE.search(visible_text) is None


def _gather(root: Element, budget: Budget) -> tuple[_Evidence, str]:
    """The page's evidence and its visible text, in one walk down the tree."""
    evidence = _Evidence()
    visible: list[str] = []
    noscript: list[str] = []  # the text of <noscript> elements, nested ones read once
    # (node, whether the shopper cannot see it, whether it is inside a <noscript>)
    stack: list[tuple[Element | str, bool, bool]] = [(root, False, False)]
    steps = 0
    while stack:
        steps += 1
        if steps % BUDGET_STRIDE == 0:
            budget.check()
        node, unseen, in_noscript = stack.pop()
        if isinstance(node, str):
            if in_noscript:
                noscript.append(node)
            elif not unseen and not node.isspace():
                visible.append(node)
                evidence.visible_characters += len(node.strip())
            continue
        if node.tag == "script":
            _note_script(node, evidence)
            continue
        if _is_empty_app_root(node):
            evidence.empty_app_root = True
        hidden = unseen or node.tag in _UNSEEN_TAGS
        inside = in_noscript or node.tag == "noscript"
        stack.extend((child, hidden, inside) for child in reversed(node.children))
    evidence.asks_for_javascript = _ASKS_FOR_JAVASCRIPT.search(" ".join(noscript)) is not None
    return evidence, " ".join(visible)


def _note_script(script: Element, evidence: _Evidence) -> None:
    code = "".join(child for child in script.children if isinstance(child, str))
    kind = script.get("type", "").strip().lower()
    if script.has_attribute_text("src") and script.get("src"):
        evidence.external_scripts += 1
        return
    if kind in ("application/json", "text/json") or (
        script.get("id", "").lower() in _STATE_SCRIPT_IDS
    ):
        evidence.state_blob = evidence.state_blob or len(code) >= STATE_BLOB_CHARACTERS
        return
    if kind in ("", "text/javascript", "module", "application/javascript"):
        evidence.inline_script_characters += len(code)
        if len(code) >= STATE_BLOB_CHARACTERS and _STATE_ASSIGNMENT.search(code):
            evidence.state_blob = True


def _is_empty_app_root(element: Element) -> bool:
    if element.tag not in APP_ROOT_TAGS and not (
        element.has_attribute_text("id") and element.get("id", "").strip() in APP_ROOT_IDS
    ):
        return False
    return all(isinstance(child, str) and child.isspace() for child in element.children)
