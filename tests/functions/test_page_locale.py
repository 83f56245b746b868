"""Which currency a page's declared locale means by a marker several currencies share."""

from decimal import Decimal

import pytest

from extraction import extract_offer
from extraction.markup import parse_html
from extraction.page_locale import locale_currency


def head(html_lang: str = "", meta: str = "") -> str:
    lang = f' lang="{html_lang}"' if html_lang else ""
    return f"<html{lang}><head>{meta}<title>X</title></head><body><h1>X</h1></body></html>"


def og_locale(locale: str) -> str:
    return f'<meta property="og:locale" content="{locale}">'


@pytest.mark.parametrize(
    ("markup", "url", "currency"),
    [
        (head("sv-SE"), None, "SEK"),
        (head("en-CA"), None, "CAD"),
        (head("zh-Hant-TW"), None, "TWD"),
        (head(meta=og_locale("en_AU")), None, "AUD"),
        (head(meta='<meta http-equiv="Content-Language" content="es-MX, en">'), None, "MXN"),
        (head("en"), "https://shop.example.co.nz/p/1", "NZD"),
        (head("da"), None, "DKK"),
        (head("nb"), "https://shop.example/p/1", "NOK"),
        # The country decides over the language: Swedish spoken in Finland, a site in English.
        (head("sv-FI"), None, None),
        (head("en-US"), "https://shop.example.se/p/1", "USD"),
        (head("sv"), "https://shop.example.dk/p/1", "DKK"),
    ],
)
def test_the_declared_country_else_the_language_names_the_currency(markup, url, currency):
    assert locale_currency(parse_html(markup), url) == currency


@pytest.mark.parametrize(
    ("markup", "url"),
    [
        (head(), None),
        (head("en"), "https://shop.example.com/p/1"),
        (head("{{lang}}"), None),  # an unfilled template
        (head("de-DE"), None),  # no shared marker means the euro
        (head(), "https://shop.example.co/p/1"),  # ".co": any company's, not Colombia's
        (head(), "http://[::1/p"),  # a malformed address
    ],
)
def test_a_page_that_declares_no_locale_implying_a_currency_gives_none(markup, url):
    assert locale_currency(parse_html(markup), url) is None


def test_only_the_start_of_the_page_is_read_for_declarations():
    late = "<div></div>" * 250 + og_locale("sv_SE")
    assert locale_currency(parse_html(f"<html><head>{late}</head></html>")) is None


@pytest.mark.parametrize(
    ("lang", "url", "shown", "amount", "currency"),
    [
        ("sv-SE", None, "1 495 kr", "1495", "SEK"),
        ("da-DK", None, "4.999,- kr.", "4999", "DKK"),
        ("en-CA", None, "$49.99", "49.99", "CAD"),
        ("en", "https://shop.example.com.au/p/1", "$49.99", "49.99", "AUD"),
        ("sv-SE", None, "49,99 €", "49.99", "EUR"),  # an unshared marker keeps its currency
        ("ja-JP", None, "¥12,800", "12800", "JPY"),
        ("zh-CN", None, "¥128", "128", "CNY"),
        ("", None, "1 495 kr", "1495", None),  # no locale: a crown of no one country
    ],
)
def test_a_visible_price_takes_the_currency_the_pages_locale_means(
    lang, url, shown, amount, currency
):
    markup = (
        f'<html lang="{lang}"><body><h1>Stol</h1><div class="price">{shown}</div>'
        "<button>Add to cart</button></body></html>"
    )
    offer = extract_offer(markup, url)
    assert offer is not None
    assert offer.price == Decimal(amount)
    assert offer.currency == currency


@pytest.mark.parametrize(
    ("title", "currency"),
    [
        ("三体（全三册）刘慈欣 - 当当图书", "CNY"),
        ("ユニクロ エアリズムコットンT - 公式通販", "JPY"),
    ],
)
def test_a_page_that_declares_nothing_is_read_by_its_titles_script(
    title: str, currency: str
) -> None:
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
    page += '<div class="price">¥64.70</div></body></html>'
    assert locale_currency(parse_html(page)) == currency
    offer = extract_offer(page)
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("64.70"), currency)


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-hant"])
def test_chinese_in_traditional_script_without_a_region_implies_no_currency(lang: str) -> None:
    page = f'<html lang="{lang}"><head><title>三體</title></head><body></body></html>'
    assert locale_currency(parse_html(page)) is None


def test_latin_titles_of_undeclared_pages_imply_nothing() -> None:
    page = "<html><head><title>Kettle | Shop</title></head><body></body></html>"
    assert locale_currency(parse_html(page)) is None
