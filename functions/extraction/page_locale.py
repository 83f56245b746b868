"""The currency a page's locale implies for a price marker several currencies share.

"kr" is a Swedish, Danish, Norwegian or Icelandic crown, "$" a dozen dollars and pesos, "¥"
a yen or a yuan: a page writes them bare because its shoppers know which. Its markup says
so too: `<html lang="sv-SE">`, `<meta property="og:locale" content="en_CA">`, a
Content-Language meta tag, or its address's country domain (".se", ".com.au"). The country
decides (`vocabulary.REGION_CURRENCIES`), else the language alone ("sv", "da", "ja":
`vocabulary.LANGUAGE_CURRENCIES`); a page that declares neither gives no hint, and a
marker no other currency shares ("€") never takes one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from extraction.markup import Element, walk
from extraction.vocabulary import LANGUAGE_CURRENCIES, REGION_CURRENCIES

# A language tag: its language, then a region among its later subtags ("zh-Hant-TW").
_LANGUAGE_TAG = re.compile(r"\s*([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{1,8})*)\s*$")
_REGION = re.compile(r"[-_]([A-Za-z]{2})(?![A-Za-z0-9])")
# Country domains sites of anywhere use (".co": a company): no country's.
_GENERIC_COUNTRY_DOMAINS = frozenset(("CO",))
# The elements read for the declarations: the <html> start tag and the head's <meta> tags.
_MAX_HEAD_ELEMENTS = 200
_MAX_TITLE_TEXT = 200
_KANA = re.compile("[\u3040-\u30ff]")
_HAN = re.compile("[\u4e00-\u9fff]")


def locale_currency(root: Element, url: str | None = None) -> str | None:
    """The ISO currency the page's declared locale implies, or None when it declares none
    that implies one. A declared country decides, one whose currency has no shared marker
    too ("sv-FI": the euro, not a crown); only a page of no known country is read by its
    language."""
    tags, title = _declared_language_tags(root)
    countries = [region for region in map(_region, tags) if region]
    country = countries[0] if countries else _country_domain(url)
    if country is not None:
        return REGION_CURRENCIES.get(country)
    for tag in tags:
        match = _LANGUAGE_TAG.match(tag)
        # Chinese in traditional script is Taiwan's or Hong Kong's as often as not.
        if match and match[1].lower() in LANGUAGE_CURRENCIES and "hant" not in tag.lower():
            return LANGUAGE_CURRENCIES[match[1].lower()]
    if not tags:
        language = _title_language(title)
        return None if language is None else LANGUAGE_CURRENCIES.get(language)
    return None


def _title_language(title: str) -> str | None:
    """The language a page that declares none writes its title in, where its script alone
    tells: kana is Japanese, Han without kana Chinese ("¥" a yen, or a yuan)."""
    if _KANA.search(title):
        return "ja"
    return "zh" if _HAN.search(title) else None


def _declared_language_tags(root: Element) -> tuple[list[str], str]:
    """The language tags the page declares, most telling first: <html lang>, og:locale,
    Content-Language (its first, when it lists several); and its <title>'s text, read in
    the same walk of the head."""
    html_lang = locale = content_language = title = ""
    for count, element in enumerate(walk(root)):
        if count == _MAX_HEAD_ELEMENTS or element.tag == "body":
            break
        if element.tag == "title" and not title:
            title = element.text(_MAX_TITLE_TEXT)
        elif element.tag == "html" and not html_lang:
            html_lang = element.get("lang") or element.get("xml:lang") or ""
        elif element.tag == "meta" and element.raw_attributes:
            key = (element.get("property") or element.get("name") or "").lower()
            if key == "og:locale" and not locale:
                locale = element.get("content", "")
            elif (element.get("http-equiv") or "").lower() == "content-language":
                content_language = content_language or element.get("content", "").split(",")[0]
    tags = [tag for tag in (html_lang, locale, content_language) if _LANGUAGE_TAG.match(tag)]
    return tags, title


def _region(tag: str) -> str | None:
    match = _LANGUAGE_TAG.match(tag)
    region = _REGION.search(match[2]) if match else None
    return region[1].upper() if region else None


def _country_domain(url: str | None) -> str | None:
    """The country of the address's top-level domain (".se", ".com.au"), if a country's."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    label = host.rsplit(".", 1)[-1].upper()
    if len(label) != 2 or not label.isalpha() or label in _GENERIC_COUNTRY_DOMAINS:
        return None
    return label
