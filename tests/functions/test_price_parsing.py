import dataclasses
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.price import (
    ParsedPrice,
    is_currency_marker,
    normalize_currency,
    parse_price,
    parse_structured_price,
    split_after_marked_price,
)


def price(amount: str | None, currency: str | None) -> ParsedPrice:
    return ParsedPrice(None if amount is None else Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,299.99", price("1299.99", "USD")),
        ("1.299,00 €", price("1299.00", "EUR")),
        ("CHF 3,999.00", price("3999.00", "CHF")),
        ("£ 12", price("12", "GBP")),
        ("£12", price("12", "GBP")),
        ("1 234,56 zł", price("1234.56", "PLN")),
        ("¥1,200", price("1200", "JPY")),
        ("Rs. 1,499", price("1499", "INR")),
        ("Rs 1,499", price("1499", "INR")),
        ("R$ 1.234,56", price("1234.56", "BRL")),
        ("₹1,499", price("1499", "INR")),
        ("₽ 1 999", price("1999", "RUB")),
        ("1 999 руб.", price("1999", "RUB")),
        ("1 999 ₽", price("1999", "RUB")),
        ("US$ 5", price("5", "USD")),
        ("EUR 5", price("5", "EUR")),
        ("5 EUR", price("5", "EUR")),
        ("5EUR", price("5", "EUR")),
        ("EUR5", price("5", "EUR")),
        ("5 eur", price("5", "EUR")),
        ("12,99 Euro", price("12.99", "EUR")),
        ("Fr. 12.50", price("12.50", "CHF")),
        ("SFr. 12.50", price("12.50", "CHF")),
        ("12.50 Fr.", price("12.50", "CHF")),
        ("€5", price("5", "EUR")),
        ("5 €", price("5", "EUR")),
        ("5€", price("5", "EUR")),
        ("C$5", price("5", "CAD")),
        ("CA$ 5", price("5", "CAD")),
        ("A$5", price("5", "AUD")),
        ("AU$5", price("5", "AUD")),
        ("HK$5", price("5", "HKD")),
        ("NZ$5", price("5", "NZD")),
        ("MX$5", price("5", "MXN")),
        ("S$5", price("5", "SGD")),
        ("5 zł", price("5", "PLN")),
        ("5 Kč", price("5", "CZK")),
        ("₩5,000", price("5000", "KRW")),
        ("₺5", price("5", "TRY")),
        ("5 TL", price("5", "TRY")),
        ("5 Ft", price("5", "HUF")),
        ("5 lei", price("5", "RON")),
        ("5 лв.", price("5", "BGN")),
        ("5 грн", price("5", "UAH")),
        ("S/ 29.90", price("29.90", "PEN")),
        ("RM 29.90", price("29.90", "MYR")),
        ("Rp 15.000", price("15000", "IDR")),
        ("$5", price("5", "USD")),
        ("¥5", price("5", "JPY")),
        ("5 kr", price("5", None)),
        ("5 kr.", price("5", None)),
        ("12,-", price("12", None)),
        ("12,- €", price("12", "EUR")),
        ("199:-", price("199", None)),
        ("售价12元", price("12", "CNY")),
        ("1,200円", price("1200", "JPY")),
        ("5,000원", price("5000", "KRW")),
    ],
)
def test_currency_marker_before_or_after_the_number(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,299.99", "1299.99"),
        ("1.299,99", "1299.99"),
        ("1,299", "1299"),
        ("1.299", "1299"),
        ("12,99", "12.99"),
        ("1.5", "1.5"),
        ("1,5", "1.5"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("0.99", "0.99"),
        (",99", "0.99"),
        (".99", "0.99"),
        ("1 299", "1299"),
        ("1 299,50", "1299.50"),
        ("1\u00a0299,50", "1299.50"),
        ("1\u202f299,50", "1299.50"),
        ("1\u2009299,50", "1299.50"),
        ("1'299.50", "1299.50"),
        ("1’299.50", "1299.50"),
        ("12,-", "12"),
        ("12.–", "12"),
        ("12.—", "12"),
        ("1.299,-", "1299"),
        ("12,00", "12.00"),
        ("0.299", "0.299"),
        ("1234.567", "1234.567"),
        ("1.2345", "1.2345"),
        ("1,49,999", "149999"),
        ("12,34,56,789.50", "123456789.50"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_decimal_separator_decided_from_grouping(text, amount):
    assert parse_price(text).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("249€99", price("249.99", "EUR")),
        ("1 249€99", price("1249.99", "EUR")),
        ("Prix 12€50 TTC", price("12.50", "EUR")),
        ("$12$50", price("12.50", "USD")),
        ("249€", price("249", "EUR")),
        ("249€999", price("249", "EUR")),  # no cents: three digits
        ("12,50€99", price("12.50", "EUR")),  # cents already: the next number's
    ],
)
def test_cents_after_a_currency_sign_in_place_of_the_decimal_mark(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("KWD 12.500", None, price("12.500", "KWD")),
        ("١٢٫٥٠٠ د.ك.", None, price("12.500", "KWD")),
        ("ر.ع. 4.750", None, price("4.750", "OMR")),
        ("BHD 129.900", None, price("129.900", "BHD")),
        ("12,500 TND", None, price("12.500", "TND")),  # Tunisia writes a decimal comma
        ("1 299,000 TND", None, price("1299.000", "TND")),
        ("KWD 1,299.900", None, price("1299.900", "KWD")),
        ("12.500 - 15.000 KWD", None, price("12.500", "KWD")),
        ("السعر 12.500", "KWD", price("12.500", "KWD")),
        # The Gulf groups thousands with a comma; two decimals' currencies are unchanged.
        ("12,500 KWD", None, price("12500", "KWD")),
        ("12.500 €", None, price("12500", "EUR")),
        ("SAR 1.299", None, price("1299", "SAR")),
    ],
)
def test_three_digits_after_a_lone_mark_are_decimals_of_a_dinar(text, hint, expected):
    assert parse_price(text, hint) == expected


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("N$ 1,299.00", "NAD"),
        ("J$12,500", "JMD"),
        ("TT$ 349.99", "TTD"),
        ("RD$ 1,500.00", "DOP"),
        ("BZ$ 40", "BZD"),
        ("B$ 12.90", "BND"),
        ("EC$ 99.00", "XCD"),
        ("FJ$ 45.00", "FJD"),
        ("Bds$ 120.00", "BBD"),
        ("CI$ 75.00", "KYD"),
        ("Gs. 150.000", "PYG"),
        ("1 299,00 DH", "MAD"),
    ],
)
def test_dollars_of_other_countries_by_their_prefix_and_other_abbreviations(text, currency):
    assert parse_price(text).currency == currency


@pytest.mark.parametrize(("text", "shown"), [("12,00", "12.00"), ("$5.50", "5.50"), ("£ 12", "12")])
def test_trailing_zeros_are_kept_as_written(text, shown):
    assert str(parse_price(text).amount) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Now only 19.99 USD incl. VAT", price("19.99", "USD")),
        ("Price: 1.299,- EUR", price("1299", "EUR")),
        ("Price (EUR): 12,99", price("12.99", "EUR")),
        ("was $30, now $20", price("30", "USD")),
        ("from $10 - $20", price("10", "USD")),
        ("$10–$20", price("10", "USD")),
        ("$10-$20", price("10", "USD")),
        ("10–20 €", price("10", "EUR")),
        ("10 - 20 €", price("10", "EUR")),
        ("Save 20% now $5", price("5", "USD")),
        ("4.5 out of 5 stars 19,99 €", price("19.99", "EUR")),
        ("Qty 3 · €4.50", price("4.50", "EUR")),
        ("Model 15 €799", price("799", "EUR")),
        ("iPhone15 €799", price("799", "EUR")),
        ("16GB RAM for $499", price("499", "USD")),
        ("Rabatt -5 € jetzt 20 €", price("20", "EUR")),
        ("(EUR 5)", price("5", "EUR")),
    ],
)
def test_price_inside_surrounding_text_prefers_a_number_next_to_a_currency(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Save 20%", price(None, None)),
        ("4.5 out of 5 stars", price("4.5", None)),
        ("Qty 3", price("3", None)),
        ("20 % off, 12.99", price("12.99", None)),
    ],
)
def test_without_a_currency_the_first_plain_number_is_used_and_percentages_never(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "hint", "currency"),
    [
        ("$5", "CAD", "CAD"),
        ("$5", "aud", "AUD"),
        ("$5", "MXN", "MXN"),
        ("¥5", "CNY", "CNY"),
        ("5 kr", "SEK", "SEK"),
        ("5 kr", "dkk", "DKK"),
        ("Rs. 5", "PKR", "PKR"),
    ],
)
def test_ambiguous_symbol_takes_a_hint_of_its_own_family(text, hint, currency):
    assert parse_price(text, hint).currency == currency


@pytest.mark.parametrize(
    ("text", "hint", "currency"),
    [
        ("$5", "EUR", "USD"),
        ("¥5", "KRW", "JPY"),
        ("5 kr", "EUR", None),
        ("Rs. 5", "USD", "INR"),
        ("$5", "not a currency", "USD"),
    ],
)
def test_ambiguous_symbol_keeps_its_default_for_a_hint_of_another_family(text, hint, currency):
    assert parse_price(text, hint).currency == currency


@pytest.mark.parametrize(
    ("text", "hint", "currency"),
    [
        ("€5", "USD", "EUR"),
        ("US$ 5", "CAD", "USD"),
        ("R$ 5", "USD", "BRL"),
        ("5 CHF", "EUR", "CHF"),
    ],
)
def test_unambiguous_marker_wins_over_the_hint(text, hint, currency):
    assert parse_price(text, hint).currency == currency


def test_explicit_code_after_an_ambiguous_symbol_decides_the_currency():
    assert parse_price("$5 CAD") == price("5", "CAD")


@pytest.mark.parametrize(("text", "hint"), [("12,-", "EUR"), ("19.99", "usd "), ("1 299", "€")])
def test_hint_gives_the_currency_when_the_text_has_none(text, hint):
    assert parse_price(text, hint).currency == normalize_currency(hint)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, price(None, None)),
        ("", price(None, None)),
        ("   ", price(None, None)),
        ("abc", price(None, None)),
        ("N/A", price(None, None)),
        ("Call for price", price(None, None)),
        ("Free", price(None, None)),
        ("$", price(None, "USD")),
        ("€ —", price(None, "EUR")),
        ("1e309", price(None, None)),
        ("1E5", price(None, None)),
        ("NaN", price(None, None)),
        ("Infinity", price(None, None)),
        ("-Infinity", price(None, None)),
        ("😀💰🔥", price(None, None)),
        ("\x00\x07\x1b[0m", price(None, None)),
        ("4GB", price(None, None)),
    ],
)
def test_garbage_gives_no_amount(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    "text", ["1.2.3", "31.12.2023", "1,234.567.890", "1.234 567", "1234,567,890", "1,23,45"]
)
def test_malformed_digit_grouping_is_not_a_price(text):
    assert parse_price(text).amount is None


@pytest.mark.parametrize("text", ["1234567890123456", "$" + "9" * 40, "1," + "000," * 10 + "000"])
def test_more_than_fifteen_integer_digits_is_not_a_price(text):
    assert parse_price(text).amount is None


@pytest.mark.parametrize("text", ["-5", "−5 €", "-$5", "$-5", "Price: -12,99 EUR"])
def test_negative_amounts_are_not_prices(text):
    assert parse_price(text).amount is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("١٢٣", price("123", None)),
        ("١٬٢٣٤٫٥٠ €", price("1234.50", "EUR")),
        ("￥１，２００", price("1200", "JPY")),
        ("₹१,४९९", price("1499", "INR")),
    ],
)
def test_non_ascii_decimal_digits_are_read_as_ascii(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    "text", ["1\u200b299,00 €", "\u200f1.299,00 €\u200e", "1\u00ad299,00 €", "\ufeff1.299,00 €"]
)
def test_invisible_characters_inside_a_price_are_ignored(text):
    assert parse_price(text) == price("1299.00", "EUR")


def test_non_string_text_gives_no_amount():
    assert parse_price(12.5, "EUR") == price(None, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("eur", "EUR"),
        ("EUR", "EUR"),
        ("usd ", "USD"),
        (" chf", "CHF"),
        ("€", "EUR"),
        ("$", "USD"),
        ("US$", "USD"),
        ("us $", "USD"),
        ("£", "GBP"),
        ("¥", "JPY"),
        ("￥", "JPY"),
        ("zł", "PLN"),
        ("ZŁ", "PLN"),
        ("Kč", "CZK"),
        ("R$", "BRL"),
        ("C$", "CAD"),
        ("Euro", "EUR"),
        ("euros", "EUR"),
        ("Pound Sterling", "GBP"),
        ("yen", "JPY"),
        ("rupees", "INR"),
        ("xcd", "XCD"),
    ],
)
def test_normalize_currency_maps_codes_symbols_and_names_in_any_case(value, code):
    assert normalize_currency(value) == code


@pytest.mark.parametrize("value", [None, "", "  ", "kr", "XYZ", "XXX", "dollarz", "12", 5])
def test_normalize_currency_gives_none_for_unknown_or_ambiguous(value):
    assert normalize_currency(value) is None


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (2879.2, "2879.2"),
        (2879.20, "2879.20"),
        (0.1, "0.1"),
        (12, "12"),
        (0, "0"),
        (-0.0, "0"),
        (Decimal("2879.20"), "2879.20"),
        ("2879.2", "2879.2"),
        (" 12 ", "12"),
        ("1.299", "1.299"),
        ("1.299,00", "1299.00"),
        ("$12.99", "12.99"),
        ("12,99 €", "12.99"),
    ],
)
def test_structured_price_reads_numbers_and_schema_org_strings(value, amount):
    assert parse_structured_price(value).amount == Decimal(amount)


def test_structured_string_uses_point_as_decimal_unlike_page_text():
    assert parse_structured_price("1.299").amount == Decimal("1.299")
    assert parse_price("1.299").amount == Decimal("1299")


def test_structured_float_equals_the_same_price_written_with_trailing_zero():
    assert parse_structured_price(2879.2).amount == parse_structured_price("2879.20").amount


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        [],
        [12.5],
        {"price": 12.5},
        object(),
        b"12.50",
        math.nan,
        math.inf,
        -math.inf,
        -1.0,
        -5,
        1e16,
        10**20,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-0.01"),
        "",
        "NaN",
        "-5",
        "1e309",
        "abc",
    ],
)
def test_structured_garbage_gives_no_amount(value):
    assert parse_structured_price(value).amount is None


@pytest.mark.parametrize(
    ("value", "hint", "currency"),
    [(12.5, "eur", "EUR"), ("12.50", "USD", "USD"), (True, "GBP", "GBP"), ("12 €", "USD", "EUR")],
)
def test_structured_price_takes_its_currency_from_the_hint_or_the_text(value, hint, currency):
    assert parse_structured_price(value, hint).currency == currency


def test_parsed_price_is_immutable():
    parsed = parse_price("$5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.amount = Decimal(1)  # type: ignore[misc]


def assert_well_formed(parsed: ParsedPrice) -> None:
    assert parsed.amount is None or (parsed.amount.is_finite() and parsed.amount >= 0)
    currency = parsed.currency
    assert currency is None or (len(currency) == 3 and currency.isascii() and currency.isupper())


PRICE_LIKE_TEXT = st.lists(
    st.sampled_from(
        list("0123456789" * 3)
        + list(".,' -–—:%+/()\u00a0\u202f\u2009’−")
        + ["$", "€", "£", "¥", "₹", "zł", "kr", "Rs.", "R$", "CHF", "EUR", "Fr.", "руб."]
        + list("abcdeEkKrRsSUx١٢３")
    ),
    max_size=30,
).map("".join)
HINTS = st.sampled_from([None, "USD", "CAD", "SEK", "CNY", "eur", "€", "kr", "bogus"])


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(), PRICE_LIKE_TEXT), hint=HINTS)
def test_any_text_gives_a_well_formed_result_without_raising(text, hint):
    assert_well_formed(parse_price(text, hint))
    assert_well_formed(parse_structured_price(text, hint))


SYMBOLS = [
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("CHF", "CHF"),
    ("EUR", "EUR"),
    ("US$", "USD"),
    ("R$", "BRL"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    ("руб.", "RUB"),
    ("Fr.", "CHF"),
    ("kr", None),
]


def formatted(amount: Decimal, style: str, space: str) -> str:
    us = f"{amount:,.2f}"
    if style == "us":
        return us
    if style == "eu":
        return us.replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "swiss":
        return us.replace(",", "'")
    return us.replace(",", space).replace(".", ",")


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**12, places=2),
    style=st.sampled_from(["us", "eu", "swiss", "spaced"]),
    space=st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"]),
    symbol=st.sampled_from(SYMBOLS),
    symbol_first=st.booleans(),
    gap=st.sampled_from(["", " ", "\u00a0"]),
)
def test_formatted_price_round_trips(amount, style, space, symbol, symbol_first, gap):
    marker, currency = symbol
    number = formatted(amount, style, space)
    text = f"{marker}{gap}{number}" if symbol_first else f"{number}{gap}{marker}"
    assert parse_price(text) == ParsedPrice(amount, currency)


@settings(max_examples=300, deadline=None)
@given(value=st.floats(min_value=0, max_value=1e14, allow_nan=False, allow_infinity=False))
def test_structured_float_reads_as_its_shortest_decimal_string(value):
    assert parse_structured_price(value).amount == Decimal(str(value))


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Was $599.00 Now $499.00", ("Was $599.00", " Now $499.00")),
        ("statt 599,00 € nur 499,00 €", ("statt 599,00 €", " nur 499,00 €")),
        ("1\u00a0299 Kč a víc", ("1 299 Kč", " a víc")),
        ("10–20 € each", ("10–20 €", " each")),
        ("12 items", None),
        ("", None),
    ],
)
def test_a_text_is_split_after_its_first_marked_price(text, split):
    assert split_after_marked_price(text) == split


@pytest.mark.parametrize("text", ["zł", " EUR ", "eur", "Kč", "€", "kr", "руб.", "円", "TL"])
def test_a_currency_written_alone_is_a_marker(text):
    assert is_currency_marker(text)


@pytest.mark.parametrize("text", ["", "19,99 €", "Price", "tl", "EUR 5", "€€"])
def test_a_text_with_more_than_a_currency_or_another_case_of_a_code_is_not_a_marker(text):
    assert not is_currency_marker(text)


@pytest.mark.parametrize("text", ["%19", "%19 İndirim", "‰5", "-%40"])
def test_a_percentage_written_sign_first_is_no_price(text: str) -> None:
    assert parse_price(text).amount is None


def test_a_price_after_a_percentage_written_sign_first_is_read() -> None:
    assert parse_price("%19 İndirim 1.299,90 TL") == ParsedPrice(Decimal("1299.90"), "TRY")


@pytest.mark.parametrize(
    ("text", "amount"),
    [("-21 %329€99", "329.99"), ("-21 %329,99 €", "329.99"), ("Save 15%49,90 €", "49.90")],
)
def test_a_percentage_badge_run_into_the_price_ends_before_it(text: str, amount: str) -> None:
    assert parse_price(text).amount == Decimal(amount)
