"""The language a page declares, for reporting extraction accuracy per language.

Read from the markup, not guessed from the text: `<html lang>` (or `xml:lang`), else the
`og:locale` meta tag, else a `Content-Language` meta tag. Reported by its primary subtag,
lower-cased ("en-US", "en_us" and "EN" are all "en"); "unknown" when the page declares
none, or only something that is not a language tag (an unfilled template's "{{lang}}").
"""

from __future__ import annotations

import re

from extraction.markup import Element

UNKNOWN = "unknown"
# A primary language subtag (BCP 47: two or three letters), then any region or script.
_PRIMARY_SUBTAG = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def page_language(root: Element) -> str:
    """The primary language subtag the page declares ("en", "de"), or "unknown"."""
    declared: dict[str, str] = {}
    for element in root.iter():
        if element.tag == "html":
            declared.setdefault("html", element.get("lang") or element.get("xml:lang") or "")
        elif element.tag == "meta":
            key = (element.get("property") or element.get("name") or "").lower()
            if key == "og:locale":
                declared.setdefault("og:locale", element.get("content", ""))
            if (element.get("http-equiv") or "").lower() == "content-language":
                # "de, en": a page may list several; the first is its main one.
                declared.setdefault("content-language", element.get("content", "").split(",")[0])
    for where in ("html", "og:locale", "content-language"):
        language = primary_subtag(declared.get(where, ""))
        if language != UNKNOWN:
            return language
    return UNKNOWN


def primary_subtag(tag: str) -> str:
    """ "en" for "en-US" or "en_us"; "unknown" for anything that is not a language tag."""
    match = _PRIMARY_SUBTAG.match(tag)
    return match.group(1).lower() if match else UNKNOWN
