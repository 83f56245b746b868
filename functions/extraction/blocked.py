"""Recognise captcha, challenge and bot-wall pages, which must never be read as prices.

Precision matters as much as recall: a product page wrongly called blocked is a product
never observed. So:

* HTTP 403 and 429 are always blocked; 503 is blocked when the page is a challenge or has
  no product markup (a real page served with a wrong status still counts).
* Markers are looked for only in the `<title>` and the first 30 KB (challenge pages are
  small; a product page's footer can say anything).
* Vendor challenge markers (Cloudflare, Amazon's Robot Check, Akamai, Distil/Imperva,
  PerimeterX, DataDome) count on any page. Generic ones (a reCAPTCHA/hCaptcha widget, a
  captcha form, "are you a robot") count on small pages only: real product pages embed a
  reCAPTCHA for login or reviews.
* A page with product markup (JSON-LD Product/Offer, microdata price, Open Graph price) is
  never called blocked on its markers: no challenge page carries one.
"""

from __future__ import annotations

import re

from extraction.markup import NextOccurrence

_REGION_CHARS = 30_000
_SMALL_PAGE_CHARS = 64_000

# The title's tags in any ASCII case, as `<title` and `</title` match in the lower-cased
# region: no other character lower-cases to one of their letters.
_TITLE_START = re.compile(r"<[tT][iI][tT][lL][eE]\b")
_TITLE_END = re.compile(r"</[tT][iI][tT][lL][eE]")
# (needle in the lower-cased title, reason), on any page.
_TITLE_MARKERS = (
    ("just a moment...", "cloudflare_challenge"),
    ("just a moment…", "cloudflare_challenge"),
    ("attention required! | cloudflare", "cloudflare_challenge"),
    ("captcha", "captcha"),
    ("robot check", "captcha"),  # Amazon
    ("pardon our interruption", "bot_wall"),  # Distil / Imperva
    ("access to this page has been denied", "perimeterx"),
    ("are you a robot", "bot_wall"),
    ("are you a human", "bot_wall"),
    ("are you human", "bot_wall"),
    ("human verification", "bot_wall"),
)
# (needle in the lower-cased first 30 KB, reason), on any page: vendors' challenge markup.
# The region's needles are bytes, ASCII, and none ends with "i" (`_lowered_utf8`).
_VENDOR_MARKERS = (
    (b"cf_chl_", "cloudflare_challenge"),
    (b"cf-challenge", "cloudflare_challenge"),
    (b"cf-browser-verification", "cloudflare_challenge"),
    (b"/cdn-cgi/challenge-platform/h/", "cloudflare_challenge"),  # the challenge, not the beacon
    (b"checking your browser before accessing", "cloudflare_challenge"),
    (b"pardon our interruption", "bot_wall"),
    (b"px-captcha", "perimeterx"),
    (b"captcha-delivery.com", "datadome"),
    (b"to discuss automated access to amazon data", "captcha"),
)
# Only on small pages: real product pages may carry these for login, reviews or analytics.
_SMALL_PAGE_MARKERS = (
    (b"g-recaptcha", "captcha"),
    (b"h-captcha", "captcha"),
    (b"cf-turnstile", "captcha"),
    (b"enter the characters you see below", "captcha"),
    (b"are you a robot", "bot_wall"),
    (b"are you a human", "bot_wall"),
    (b"verify you are a human", "bot_wall"),
    (b"verify you are human", "bot_wall"),
    (b"unusual traffic from your computer", "bot_wall"),
    (b"_incapsula_resource", "bot_wall"),
    (b"challenge-platform", "cloudflare_challenge"),
    (b"_pxhd", "perimeterx"),
    (b"datadome", "datadome"),
)
# A form posting to a captcha URL, or an input named like one: the start tag, then (before
# its ">") the attribute whose value is searched for "captcha".
_CAPTCHA_FORM_TAG = re.compile(r"<(form|input)\b")
_CAPTCHA_FORM_ATTRIBUTES = {
    "form": re.compile(r"""\baction\s*+=\s*+["']?+([^"'>\s]*+)"""),
    "input": re.compile(r"""\bname\s*+=\s*+["']?+([^"'>\s]*+)"""),
}
# Akamai: "Access Denied" title and a "Reference #18.xxxx" line, often entity-encoded.
_AKAMAI_REFERENCE = (b"reference #", b"reference&#32;&#35;", b"reference&#32;#")
_KELVIN_SIGN = "\u212a".encode()  # lower-cases to "k"

# Product markup, each a fast literal-prefix scan; run only when a marker was found.
_PRODUCT_MARKUP = (
    re.compile(
        r""""@type"\s*+:\s*+(?:\[\s*+)?"(?:https?://schema\.org/|schema:)?"""
        r"""(?:Product|ProductGroup|IndividualProduct|Offer|AggregateOffer)\""""
    ),
    re.compile(r"""itemprop\s*+=\s*+["']?+(?:price|lowPrice)["'\s>]"""),
    re.compile(r"""price:amount["']?\s"""),
)


def classify_blocked(html: str, status: int | None = None) -> str | None:
    """Why the page is a captcha/challenge/bot wall ("http_429", "captcha", ...), else None."""
    if status == 429:
        return "http_429"
    if status == 403:
        return "http_403"
    if not isinstance(html, str):
        return None
    reason = _marker(html)
    if reason is not None and not has_product_markup(html):
        return reason
    if status == 503 and not has_product_markup(html):
        return "http_503"
    return None


def has_product_markup(html: str) -> bool:
    """Whether the page declares a product or price in structured data."""
    return any(pattern.search(html) is not None for pattern in _PRODUCT_MARKUP)


def _marker(html: str) -> str | None:
    region = html[:_REGION_CHARS]
    lowered = _lowered_utf8(region)
    title = _title(region)
    if title:
        for needle, reason in _TITLE_MARKERS:
            if needle in title:
                return reason
        if title.startswith("access denied") and any(ref in lowered for ref in _AKAMAI_REFERENCE):
            return "access_denied"
    for marker, reason in _VENDOR_MARKERS:
        if marker in lowered:
            return reason
    if len(html) > _SMALL_PAGE_CHARS:
        return None
    if title.startswith("access denied"):
        return "access_denied"
    for marker, reason in _SMALL_PAGE_MARKERS:
        if marker in lowered:
            return reason
    if b"captcha" in lowered and _has_captcha_form(region.lower()):
        return "captcha"
    return None


def _lowered_utf8(region: str) -> bytes:
    """The region lower-cased in UTF-8, as the markers in it tell: its ASCII letters only,
    several times faster than `str.lower`, which looks each character up in Unicode's
    tables. Only two other characters lower-case to ASCII: the Kelvin sign, to "k" (then
    the whole region is lower-cased), and "İ", to "i" and a combining dot, which no marker
    holds: its "i" could only be a marker's last letter, and none ends with "i"."""
    lowered = region.encode("utf-8", "surrogatepass").lower()
    if not region.isascii() and _KELVIN_SIGN in lowered:
        return region.lower().encode("utf-8", "surrogatepass")
    return lowered


def _title(region: str) -> str:
    """The first <title>'s text lower-cased, to its end tag or the end of the region; ""
    without one."""
    start = _TITLE_START.search(region)
    if start is None:
        return ""
    # Only the first <title> counts: when it has no ">", no later one can have one either.
    text_start = region.find(">", start.end()) + 1
    if not text_start:
        return ""
    text_end = _TITLE_END.search(region, text_start)
    return region[text_start : text_end.start() if text_end else len(region)].lower().strip()


def _has_captcha_form(region: str) -> bool:
    """A <form action=...captcha...> or <input name=...captcha...> start tag in the region.

    Each tag's attributes are searched once: start tags that share the same ">" (or, never
    closed, the end of the region) share their attributes, and only the first is searched.
    """
    searched_to = {"form": -1, "input": -1}
    next_gt = NextOccurrence(region, ">")
    for tag in _CAPTCHA_FORM_TAG.finditer(region):
        kind = tag.group(1)
        tag_end = next_gt.after(tag.end())
        tag_end = len(region) if tag_end < 0 else tag_end
        if tag_end == searched_to[kind]:
            continue  # within the attributes of an earlier tag of this kind, already searched
        searched_to[kind] = tag_end
        attribute = _CAPTCHA_FORM_ATTRIBUTES[kind]
        for value in attribute.finditer(region, tag.end(), tag_end):
            if "captcha" in value.group(1):
                return True
    return False
