"""Read a price and its currency from product-page text or schema.org values.

Decisions worth knowing:

* The decimal separator is decided from the digits' grouping, never from a locale guess. A
  separator that repeats ("1.234.567"), a space or apostrophe, or a lone "," or "." followed by
  exactly three digits after a 1-3 digit integer part that is not "0" ("1,299") groups
  thousands; otherwise the last "," or "." is the decimal separator ("12,99", "0.299").
  A currency sign between a whole number and two digits stands for the decimal mark
  ("249€99", French shops' way: 249.99). A dinar of a thousand fils writes three decimals:
  "KWD 12.500" is 12.5 (Tunisia's "12,500 TND" too; the Gulf's "12,500" groups thousands).
* "$", "¥", "kr" and "Rs" are ambiguous. They take the currency hint only when the hint is a
  currency written with that marker (a dollar for "$", yen or yuan for "¥", a krone or krona
  for "kr", a rupee for "Rs"); otherwise "$" is USD, "¥" JPY, "Rs" INR and "kr" None.
  Unambiguous markers ("€", "CHF", "R$") always win over the hint.
* A number next to a currency marker is preferred to a bare one anywhere in the text; the first
  such number wins, and "10–20 €" reads as 10. With no marked number the first bare number is
  used, with the first marker found anywhere in the text, else the hint, as its currency.
* Not prices: percentages, negative numbers, numbers glued to letters ("4GB", "1e309"),
  malformed groupings ("1.2.3") and more than 15 integer digits.
* Non-ASCII decimal digits (Arabic-Indic "١٢٣", full-width "１２３") are read as ASCII digits;
  other numerals (superscripts, Roman numerals) are not digits.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from extraction.vocabulary import (
    CURRENCY_MARKERS_ANY_CASE,
    CURRENCY_MARKERS_EXACT_CASE,
    CURRENCY_NAMES,
    UNSPACED_SCRIPTS,
)

# A character of those scripts: `is_unspaced`, and a search for one in a text.
UNSPACED_CHARACTER = re.compile(f"[{UNSPACED_SCRIPTS}]")
_FIRST_UNSPACED = UNSPACED_SCRIPTS[0]  # no character before it is of those scripts

_MAX_INTEGER_DIGITS = 15
_MAX_MARKER_GAP = 3  # whitespace characters allowed between a number and its currency marker


@dataclass(frozen=True, slots=True)
class ParsedPrice:
    """A price read from a page: amount None when there is no number, currency an ISO code."""

    amount: Decimal | None
    currency: str | None


# ISO 4217 currencies in circulation (funds, metals and test codes left out).
_ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()
)

_DOLLARS = frozenset(
    """
    USD CAD AUD NZD HKD SGD TWD MXN ARS CLP COP UYU BSD BBD BZD BMD BND FJD GYD JMD KYD LRD NAD
    SBD SRD TTD XCD
    """.split()
)
_YEN_AND_YUAN = frozenset({"JPY", "CNY"})
_KRONER = frozenset({"SEK", "NOK", "DKK", "ISK"})
_RUPEES = frozenset({"INR", "PKR", "LKR", "NPR", "MUR", "SCR"})
# Currencies of a thousand minor units (a dinar of 1000 fils), and the decimal marks their
# shops write three decimals with: "KWD 12.500" is 12.5, Tunisia's "12,500 TND" too.
_THREE_DECIMAL_MARKS = {
    "BHD": ".", "JOD": ".", "KWD": ".", "LYD": ".", "OMR": ".", "TND": ".,",
}  # fmt: skip
_THREE_DECIMALS = re.compile(r"([0-9]{1,3})([.,])([0-9]{3})")

# Ambiguous markers (case-folded) and the currencies a hint may choose among for them.
_MARKER_FAMILIES: dict[str, frozenset[str]] = {
    "$": _DOLLARS, "¥": _YEN_AND_YUAN, "kr": _KRONER, "kr.": _KRONER,
    "rs": _RUPEES, "rs.": _RUPEES, "₨": _RUPEES,
}  # fmt: skip
_MARKER_CODES: dict[str, str | None] = {
    marker.casefold(): code
    for marker, code in (CURRENCY_MARKERS_ANY_CASE | CURRENCY_MARKERS_EXACT_CASE).items()
}
_NORMALIZED_NAMES = _MARKER_CODES | CURRENCY_NAMES


def is_unspaced(char: str) -> bool:
    """A character of a script written without spaces between words (`UNSPACED_SCRIPTS`)."""
    return char >= _FIRST_UNSPACED and UNSPACED_CHARACTER.match(char) is not None


def _is_word_edge(char: str) -> bool:
    """True for marker ends that must not touch a letter ("kr" is not the start of "kraft")."""
    return unicodedata.category(char) != "Sc" and not is_unspaced(char)


def _marker_alternative(marker: str, any_case: bool) -> str:
    pattern = re.escape(marker)
    if any_case and marker.lower() != marker.upper():
        pattern = f"(?i:{pattern})"
    if _is_word_edge(marker[0]):
        pattern = r"(?<![^\W\d_])" + pattern
    if _is_word_edge(marker[-1]):
        pattern += r"(?![^\W\d_])"
    return pattern


def _marker_pattern() -> str:
    markers = [(marker, True) for marker in CURRENCY_MARKERS_ANY_CASE]
    markers += [(marker, False) for marker in CURRENCY_MARKERS_EXACT_CASE]
    markers.sort(key=lambda item: len(item[0]), reverse=True)  # longest first: "CA$" before "$"
    return "|".join(_marker_alternative(marker, any_case) for marker, any_case in markers)


def _edge_chars(index: int) -> frozenset[str]:
    markers = list(CURRENCY_MARKERS_ANY_CASE) + list(CURRENCY_MARKERS_EXACT_CASE)
    return frozenset(c for m in markers for c in (m[index], m[index].lower(), m[index].upper()))


def _marker_start_pattern(first_chars: frozenset[str]) -> str:
    """Where a marker may begin: one of its symbols, or one of its letters starting a word."""
    symbols = re.escape("".join(sorted(c for c in first_chars if not c.isalpha())))
    letters = re.escape("".join(sorted(c for c in first_chars if c.isalpha())))
    return rf"[{symbols}]|(?<![^\W\d_])[{letters}]"


_MARKER = re.compile(_marker_pattern())
_MARKER_FIRST_CHARS = _edge_chars(0)
_MARKER_START = re.compile(_marker_start_pattern(_MARKER_FIRST_CHARS))
_MARKER_LAST_CHARS = _edge_chars(-1)
_LONGEST_MARKER = max(map(len, _MARKER_CODES))

# A number: digit groups joined by "," or "." (any group size), or by a space or apostrophe
# (three digits only); or a bare ".99". It may end in a "no cents" dash: "12,-", "12.–", "99:-".
_NUMBER = re.compile(
    r"""
    (?P<digits>[0-9]+(?:[.,][0-9]+|[ '][0-9]{3}(?![0-9]))*|(?<![\w.,])[.,][0-9]+)
    (?P<dash>[.,:][-–—]{1,2}(?![0-9]))?
    """,
    re.VERBOSE,
)
_SEPARATOR = re.compile(r"([.,' ])")
_SIGN_CENTS = re.compile(r"[0-9]{2}(?![0-9]|[.,][0-9])")
_PERCENT = re.compile(r"\s*[%‰]")
_PERCENT_ENDING = re.compile(r"[0-9] ?$")  # digits a percent sign ends ("21 %")
_RANGE_DASH = re.compile(r"\s*[-–—]\s*")
_SCHEMA_NUMBER = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*")
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
_ASCII_DIGITS = frozenset("0123456789")

# The characters of a number as written, digits and decimal marks: what a number ends in.
NUMBER_CHARACTERS = frozenset("0123456789.,")
# Apostrophes that group thousands ("1'299", Swiss "1’299.–"): read as "'".
GROUPING_APOSTROPHES = "'\u2019\u02bc\u2032\uff07"

_TEXT_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
        **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
        # zero-width characters, soft hyphen and bidirectional marks: invisible on the page
        **dict.fromkeys("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u061c", None),
        **dict.fromkeys("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", None),
        **dict.fromkeys(GROUPING_APOSTROPHES[1:], "'"),
        **dict.fromkeys("\u2212\u2010\u2011\ufe63\uff0d", "-"),
        **dict.fromkeys("\uff0c\u066c", ","),
        **dict.fromkeys("\uff0e\u066b", "."),
        "\uff04": "$", "\ufe69": "$", "\uffe5": "¥", "\uffe1": "£",
    }
)  # fmt: skip
# What `_plain` changes: a character translated, or a digit of another script.
_NOT_PLAIN = re.compile("[" + re.escape("".join(map(chr, _TEXT_TRANSLATION))) + r"]|(?![0-9])\d")


def _plain(text: str) -> str:
    """The text with its spaces, apostrophes, dashes and separators written plainly and its
    digits in ASCII (one search tells most texts need nothing of it)."""
    if text.isascii() or _NOT_PLAIN.search(text) is None:
        return text
    return _NON_ASCII_DIGIT.sub(_ascii_digit, text.translate(_TEXT_TRANSLATION))


def normalize_currency(value: str | None) -> str | None:
    """ISO 4217 code for a code, symbol or name in any case ("eur", "€", "US$"); else None."""
    if not isinstance(value, str):
        return None
    key = "".join(value.translate(_TEXT_TRANSLATION).split()).casefold()
    if len(key) == 3 and key.upper() in _ISO_4217:
        return key.upper()
    return _NORMALIZED_NAMES.get(key)


def parse_price(text: str | None, currency_hint: str | None = None) -> ParsedPrice:
    """Read the price in product-page text: "1.299,00 €" -> 1299.00 EUR. Never raises."""
    return _read_price(text, currency_hint)[0]


def split_after_marked_price(text: str) -> tuple[str, str] | None:
    """`text` cut after the first price written with a currency marker, its marker included
    ("Was $599.00 Now $499.00": "Was $599.00", " Now $499.00"), as `parse_price` reads it
    (spaces and digits written plainly); None without a marked price."""
    plain = _plain(text)
    end = _read_price(plain, None)[1]
    return None if end is None else (plain[:end], plain[end:])


def _read_price(text: str | None, currency_hint: str | None) -> tuple[ParsedPrice, int | None]:
    """`parse_price`'s reading, and where the marked price it read ends (None when it read
    a bare number or none)."""
    hint = normalize_currency(currency_hint)
    if not isinstance(text, str):
        return ParsedPrice(None, hint), None
    text = _plain(text)
    first_bare: Decimal | None = None
    first_bare_digits = ""
    last_bare: Decimal | None = None  # kept for ranges whose marker follows the second number
    last_bare_end = 0
    last_bare_digits = ""
    for number in _NUMBER.finditer(text):
        start, end = number.span()
        before = _marker_before(text, start)
        after = _marker_after(text, end)
        if (
            before is None
            and start
            and (_is_letter(text[start - 1]) or _sign_first_percent(text, start))
        ):
            continue  # "SKU12"; a percentage written sign first ("%19 İndirim")
        if after is None and (
            (end < len(text) and _is_letter(text[end])) or _PERCENT.match(text, end)
        ):
            continue
        if _is_negative(text, before.start() if before else start):
            continue
        amount = _amount(number["digits"], whole=number["dash"] is not None)
        if amount is None:
            continue
        if before is None and after is None:
            if first_bare is None:
                first_bare, first_bare_digits = amount, number["digits"]
            last_bare, last_bare_end, last_bare_digits = amount, end, number["digits"]
            continue
        digits = number["digits"]
        if (
            before is None
            and last_bare is not None
            and _RANGE_DASH.fullmatch(text, last_bare_end, start)
        ):
            amount, digits = last_bare, last_bare_digits  # "10–20 €": the first of the range
        currency = _currency_next_to(before, after, hint)
        amount = _in_three_decimals(digits, currency) or amount
        marked_end = after.end() if after else end
        cents = _cents_after_sign(text, number, amount, after)
        if cents is not None:
            amount += Decimal(cents[0]).scaleb(-2)
            marked_end = cents.end()
        return ParsedPrice(amount, currency), marked_end
    anywhere = _first_marker(text)
    currency = _currency_of(anywhere, hint) if anywhere else hint
    first_bare = _in_three_decimals(first_bare_digits, currency) or first_bare
    return ParsedPrice(first_bare, currency), None


def has_currency_marker(text: str) -> bool:
    """Whether a number in `text` has a currency marker beside it: "149,00 EUR", "1 299 Kč",
    "12 000 تومان" (also markers that name no ISO currency by themselves)."""
    text = _plain(text)
    for number in _NUMBER.finditer(text):
        start, end = number.span()
        # A dictionary look-up of the words beside the number first: matching the marker
        # pattern costs far more, and most numbers on a page ("12 items") have none.
        before = _WORD_BEFORE.search(text, max(0, start - _LONGEST_MARKER - _MAX_MARKER_GAP), start)
        after = _WORD_AFTER.match(text, end)
        if (
            before is not None
            and _may_be_marker(before[1], suffixes=True)
            and _marker_before(text, start)
        ) or (
            after is not None
            and _may_be_marker(after[1], suffixes=False)
            and _marker_after(text, end)
        ):
            return True
    return False


def is_currency_marker(text: str) -> bool:
    """Whether `text` is a currency marker and nothing else ("zł", " EUR ", "Kč"): a price's
    currency written in an element of its own, beside the number."""
    return _plain(text.strip()) in _MARKER_TEXTS


def _spellings(marker: str, any_case: bool) -> set[str]:
    if not any_case:
        return {marker}
    return {marker, marker.lower(), marker.upper(), marker.capitalize(), marker.title()}


# Every spelling of a marker that reads as one: a set look-up for the many short texts of a
# page, nearly all of which are none.
_MARKER_TEXTS = frozenset(
    spelling
    for markers, any_case in (
        (CURRENCY_MARKERS_ANY_CASE, True),
        (CURRENCY_MARKERS_EXACT_CASE, False),
    )
    for marker in markers
    for spelling in _spellings(marker, any_case)
    if _MARKER.fullmatch(spelling)
)


_WORD_BEFORE = re.compile(r"([^\s0-9]+)\s{0,3}\Z")
_WORD_AFTER = re.compile(r"\s{0,3}([^\s0-9]+)")


def _may_be_marker(word: str, suffixes: bool) -> bool:
    """Whether some end (`suffixes`) or start of `word` is a marker in some letter case."""
    word = word.casefold()
    # A marker it ends (starts) with is a one-character one, or ends (starts) with the same
    # two characters: most words beside a number ("Stück", "cm", "x") are told by that.
    if suffixes:
        if word[-1:] not in _ONE_CHARACTER_MARKERS and word[-2:] not in _MARKER_ENDS:
            return False
        word = word[-_LONGEST_MARKER:]
        return any(word[at:] in _MARKER_CODES for at in range(len(word)))
    if word[:1] not in _ONE_CHARACTER_MARKERS and word[:2] not in _MARKER_STARTS:
        return False
    word = word[:_LONGEST_MARKER]
    return any(word[:at] in _MARKER_CODES for at in range(1, len(word) + 1))


_ONE_CHARACTER_MARKERS = frozenset(code for code in _MARKER_CODES if len(code) == 1)
_MARKER_ENDS = frozenset(code[-2:] for code in _MARKER_CODES if len(code) > 1)
_MARKER_STARTS = frozenset(code[:2] for code in _MARKER_CODES if len(code) > 1)


def parse_structured_price(value: object, currency_hint: str | None = None) -> ParsedPrice:
    """Read a schema.org price (number, or string with "." as decimal point). Never raises."""
    currency = normalize_currency(currency_hint)
    if isinstance(value, str):
        plain = _SCHEMA_NUMBER.fullmatch(value)
        if plain is None:
            return parse_price(value, currency_hint)
        return ParsedPrice(_price_or_none(Decimal(plain[1])), currency)
    if isinstance(value, bool):
        return ParsedPrice(None, currency)
    if isinstance(value, float):
        return ParsedPrice(_price_or_none(Decimal(str(value))), currency)
    if isinstance(value, int | Decimal):
        return ParsedPrice(_price_or_none(Decimal(value)), currency)
    return ParsedPrice(None, currency)


def _price_or_none(amount: Decimal) -> Decimal | None:
    if not amount.is_finite() or amount < 0 or amount.adjusted() >= _MAX_INTEGER_DIGITS:
        return None
    return amount.copy_abs()  # -0.0 is 0.0


def _ascii_digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match[0]))


def _is_letter(char: str) -> bool:
    """Letters of spaced scripts; CJK text runs words into numbers ("售价12元") legitimately."""
    return char.isalpha() and not is_unspaced(char)


def _sign_first_percent(text: str, start: int) -> bool:
    """A percent sign right before the number at `start` that is its own ("%19 İndirim"),
    not the end of a percentage before it ("-21 %329€99": a badge, then the price)."""
    return text[start - 1] in "%‰" and _PERCENT_ENDING.search(text, 0, start - 1) is None


def _is_negative(text: str, start: int) -> bool:
    """A minus right before the price, and not the dash of a range such as "10-20"."""
    return start > 0 and text[start - 1] == "-" and (start == 1 or not text[start - 2].isdigit())


def _marker_before(text: str, start: int) -> re.Match[str] | None:
    end = start
    while end > 0 and start - end < _MAX_MARKER_GAP and text[end - 1].isspace():
        end -= 1
    if end == 0 or text[end - 1] not in _MARKER_LAST_CHARS:
        return None
    first = end - 1
    while (
        first > 0
        and end - first < _LONGEST_MARKER
        and not text[first - 1].isspace()
        and text[first - 1] not in _ASCII_DIGITS
    ):
        first -= 1
    for at in range(first, end):  # leftmost first, so "CA$" is preferred to "$"
        if at == 0 or not (text[at].isalpha() and text[at - 1].isalpha()):
            marker = _MARKER.fullmatch(text, at, end)
            if marker is not None:
                return marker
    return None


def _cents_after_sign(
    text: str, number: re.Match[str], amount: Decimal, after: re.Match[str] | None
) -> re.Match[str] | None:
    """The cents written after a currency sign standing for the decimal mark ("249€99",
    "1 249€99": French shops' way), right after a whole `amount`; None when there are
    none."""
    if after is None or after.start() != number.end() or number["dash"] is not None:
        return None
    if len(after[0]) != 1 or amount != amount.to_integral_value():
        return None
    return _SIGN_CENTS.match(text, after.end())


def _marker_after(text: str, end: int) -> re.Match[str] | None:
    start = end
    while start < len(text) and start - end < _MAX_MARKER_GAP and text[start].isspace():
        start += 1
    if start == len(text) or text[start] not in _MARKER_FIRST_CHARS:
        return None
    marker = _MARKER.match(text, start)
    if (
        marker is not None
        and start > end
        and marker.end() < len(text)
        and text[marker.end()] in _ASCII_DIGITS
    ):
        return None  # "Model 15 €799": a spaced marker glued to the next number is its prefix
    return marker


def _first_marker(text: str) -> str | None:
    for candidate in _MARKER_START.finditer(text):
        marker = _MARKER.match(text, candidate.start())
        if marker is not None:
            return marker[0]
    return None


def _currency_of(marker: str, hint: str | None) -> str | None:
    key = marker.casefold()
    family = _MARKER_FAMILIES.get(key)
    if family is not None and hint in family:
        return hint
    return _MARKER_CODES[key]


def _currency_next_to(
    before: re.Match[str] | None, after: re.Match[str] | None, hint: str | None
) -> str | None:
    if before is None:
        return _currency_of(after[0], hint) if after else hint
    currency = _currency_of(before[0], hint)
    family = _MARKER_FAMILIES.get(before[0].casefold())
    if after is not None and family is not None:
        clarified = _currency_of(after[0], hint)
        if clarified in family:
            return clarified  # "$5 CAD"
    return currency


def _in_three_decimals(digits: str, currency: str | None) -> Decimal | None:
    """The amount of a lone mark and three digits ("12.500") in a currency of three
    decimals that writes them with that mark; None for any other digits."""
    marks = _THREE_DECIMAL_MARKS.get(currency or "")
    if marks is None:
        return None  # the usual case: a currency of two decimals, or none
    match = _THREE_DECIMALS.fullmatch(digits)
    if match is None or match[2] not in marks:
        return None
    return Decimal(f"{match[1]}.{match[3]}")


def _amount(digits: str, whole: bool) -> Decimal | None:
    """The amount a digit string means, or None for a grouping no price is written with."""
    parts = _SEPARATOR.split(digits)
    groups, separators = parts[::2], parts[1::2]
    if not groups[0]:
        return Decimal("0." + groups[1])  # ".99"
    fraction = None
    if separators and not whole and _ends_in_decimal_separator(groups, separators):
        fraction = groups.pop()
        separators.pop()
    if separators and not _is_thousands_grouping(groups, separators):
        return None
    integer = "".join(groups)
    if len(integer) > _MAX_INTEGER_DIGITS:
        return None
    return Decimal(integer if fraction is None else f"{integer}.{fraction}")


def _ends_in_decimal_separator(groups: list[str], separators: list[str]) -> bool:
    last = separators[-1]
    if last in " '" or last in separators[:-1]:
        return False  # "1 299", "1.234.567"
    if len(separators) > 1:
        return True  # "1,234.56", "1'299.50"
    # A lone separator: "1,299" groups thousands; "12,99", "1.5", "0.299", "1234.567" do not.
    return not (len(groups[1]) == 3 and len(groups[0]) <= 3 and groups[0][0] != "0")


def _is_thousands_grouping(groups: list[str], separators: list[str]) -> bool:
    if len(set(separators)) != 1 or len(groups[0]) > 3:
        return False
    sizes = [len(group) for group in groups[1:]]
    if all(size == 3 for size in sizes):
        return True
    # Indian lakh and crore grouping: "1,49,999", "12,34,56,789"
    return separators[0] == "," and sizes[-1] == 3 and all(size == 2 for size in sizes[:-1])
