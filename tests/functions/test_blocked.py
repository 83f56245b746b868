import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from untrusted_input import mutated

from extraction.blocked import classify_blocked


def page(title="Kettle", body="", head=""):
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


JSON_LD_PRODUCT = '<script type="application/ld+json">{}</script>'.format(
    json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Kettle",
                "offers": {"@type": "Offer", "price": "19.99", "priceCurrency": "EUR"}})
)  # fmt: skip
RECAPTCHA = (
    '<script src="https://www.google.com/recaptcha/api.js" async defer></script>'
    '<form action="/login"><div class="g-recaptcha" data-sitekey="x"></div></form>'
)

FILLER = "<p>" + "Great kettle, boils fast. " * 40 + "</p>"


def product_page(extra="", size=400_000):
    """A large real-looking product page: JSON-LD Product, `extra` markup, then filler."""
    body = f"<h1>Kettle</h1><p class='price'>19,99 €</p>{extra}"
    html = page("Kettle | Shop", body, head=JSON_LD_PRODUCT)
    return html + FILLER * (size // len(FILLER))


@pytest.mark.parametrize(("status", "reason"), [(403, "http_403"), (429, "http_429")])
def test_forbidden_and_too_many_requests_are_always_blocked(status, reason):
    assert classify_blocked(product_page(size=0), status) == reason


def test_service_unavailable_without_product_markup_is_blocked():
    assert classify_blocked(page("Maintenance", "<h1>Back soon</h1>"), 503) == "http_503"


def test_service_unavailable_with_product_markup_is_not_blocked():
    assert classify_blocked(product_page(size=0), 503) is None


def test_service_unavailable_challenge_names_the_challenge():
    html = page("Just a moment...", '<div id="cf-challenge-running"></div>')
    assert classify_blocked(html, 503) == "cloudflare_challenge"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (page("Just a moment..."), "cloudflare_challenge"),
        (page("Attention Required! | Cloudflare"), "cloudflare_challenge"),
        (page("example.com", "<script>window._cf_chl_opt={cvId: '3'}</script>"),
         "cloudflare_challenge"),
        (page("example.com", '<div class="cf-challenge-form"></div>'), "cloudflare_challenge"),
        (page("Shop", '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1">'),
         "cloudflare_challenge"),
        (page("Robot Check", '<form action="/errors/validateCaptcha">'), "captcha"),
        (page("Amazon.com", "<p>Enter the characters you see below</p>"), "captcha"),
        (page("Security CAPTCHA"), "captcha"),
        (page("Access Denied", "You don't have permission. Reference&#32;&#35;18&#46;2d5"),
         "access_denied"),
        (page("Access Denied", "Reference #18.2d5c2f17"), "access_denied"),
        (page("Pardon Our Interruption"), "bot_wall"),
        (page("Shop", "<h1>Pardon Our Interruption...</h1>"), "bot_wall"),
        (page("Are you a robot?"), "bot_wall"),
        (page("Shop", "<p>Please confirm: are you a human?</p>"), "bot_wall"),
        (page("Access to this page has been denied."), "perimeterx"),
        (page("Shop", '<div id="px-captcha"></div>'), "perimeterx"),
        (page("Shop", "<script>window._pxhd='abc'</script>"), "perimeterx"),
        (page("shop.example", "<script>var dd={'host':'geo.captcha-delivery.com'}</script>"),
         "datadome"),
        (page("shop.example", '<script src="https://js.datadome.co/tags.js">'), "datadome"),
        (page("Shop", '<div class="h-captcha" data-sitekey="x"></div>'), "captcha"),
        (page("Shop", '<form method="post" action="/verify-captcha"><input name="answer"></form>'),
         "captcha"),
        (page("Shop", '<form><input type="text" name="captcha_code"></form>'), "captcha"),
        (page("Shop", RECAPTCHA), "captcha"),
    ],
)  # fmt: skip
def test_challenge_and_captcha_pages_are_blocked(html, reason):
    assert classify_blocked(html) == reason
    assert classify_blocked(html, 200) == reason


KELVIN_SIGN = "\u212a"  # lower-cases to "k"
DOTTED_I = "\u0130"  # lower-cases to "i" and a combining dot


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<HTML><TITLE>Just a moment...</TITLE>", "cloudflare_challenge"),
        ("<Title lang=en>Robot Chec" + KELVIN_SIGN + "</tItLe>", "captcha"),
        (page("Kettle", "<p>Chec" + KELVIN_SIGN + "ing your browser before accessing</p>"),
         "cloudflare_challenge"),
        (page("Café – Boutique", '<div class="CF-Challenge">Überprüfung…</div>'),
         "cloudflare_challenge"),
        (page("\u00a0Access Denied"), "access_denied"),
        (page("Shop", "<p>VERIFY YOU ARE HUMAN</p>"), "bot_wall"),
        (page("Shop", "<p>Ver" + DOTTED_I + "fy you are human</p>"), None),
        ("<title\u00e9>Just a moment...</title>", None),
        ("<titles>Just a moment...</title>", None),
        ("<TİTLE>Just a moment...</title>", None),
        (page("Shop", "<FORM ACTION='/Verify/CAPTCHA'>"), "captcha"),
    ],
)  # fmt: skip
def test_markers_are_read_in_the_page_lower_cased_whatever_its_characters(html, reason):
    assert classify_blocked(html) == reason


def test_a_title_tag_never_closed_has_no_title():
    assert classify_blocked("<html><title lang=en Just a moment...") is None


def test_large_product_page_with_a_recaptcha_is_not_blocked():
    html = product_page(RECAPTCHA + '<div class="h-captcha"></div>')
    assert len(html) > 300_000
    assert classify_blocked(html) is None
    assert classify_blocked(html, 200) is None


def test_small_product_page_with_a_captcha_form_is_not_blocked():
    html = product_page(
        RECAPTCHA + "<p>Are you a robot? Tick the box to post a review.</p>", size=0
    )
    assert classify_blocked(html) is None


def test_large_page_without_markup_but_with_a_captcha_widget_is_not_blocked():
    html = page("Kettle | Shop", "<p class='price'>19,99 €</p>" + RECAPTCHA) + FILLER * 200
    assert classify_blocked(html) is None


def test_markers_past_the_first_30_kb_are_not_read():
    html = page("Kettle | Shop", FILLER * 50 + "<p>Are you a robot? Pardon our interruption</p>")
    assert classify_blocked(html) is None


@pytest.mark.parametrize(
    "html",
    [page("Kettle"), page("Captcha Kettle Deluxe", "", JSON_LD_PRODUCT), "", "<html>",
     page("Kettle", "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>")
     + FILLER * 100],
)  # fmt: skip
def test_ordinary_pages_are_not_blocked(html):
    assert classify_blocked(html) is None


CHALLENGE = page("Just a moment...", '<div class="g-recaptcha"></div>', JSON_LD_PRODUCT)


@settings(max_examples=200, deadline=None)
@given(
    st.text() | mutated(CHALLENGE),
    st.sampled_from([None, 200, 403, 404, 429, 500, 503]),
)
def test_random_pages_never_raise(html, status):
    reason = classify_blocked(html, status)
    assert reason is None or isinstance(reason, str)
