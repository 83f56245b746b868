"""looks_script_rendered: a script's shell (worth a browser) or an ordinary page (not)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from untrusted_input import mutated

from extraction import Budget, ExtractionTooSlowError
from extraction.script_rendered import looks_script_rendered

BUNDLE = '<script src="/static/js/main.4f2a.js" defer></script>'
ARTICLE = "<p>" + "This kettle boils a litre in two minutes and switches itself off. " * 8 + "</p>"


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>Shop</title>{head}</head><body>{body}</body></html>"


SHELLS = {
    "empty react root": page(f'<div id="root"></div>{BUNDLE}'),
    "empty next root with whitespace": page('<div id="__next">\n  </div>'),
    "empty nuxt root with a comment": page('<div id="__nuxt"><!-- app --></div>'),
    "angular app-root": page("<app-root></app-root>" + BUNDLE),
    "noscript asks for javascript": page(
        "<noscript>You need to enable JavaScript to run this app.</noscript><main></main>"
    ),
    "a loading line next to a bundle": page(f"<div class='spinner'>Loading…</div>{BUNDLE}"),
    "little text next to heavy inline code": page(
        "<header>Shop</header><script>" + "var a=1;" * 200 + "</script>"
    ),
    "state blob without a shown price": page(
        ARTICLE
        + '<script id="__NEXT_DATA__" type="application/json">'
        + json.dumps({"props": {"product": {"price": 19.99, "name": "Kettle" * 40}}})
        + "</script>"
    ),
    "window state assignment without a shown price": page(
        ARTICLE
        + "<script>window.__INITIAL_STATE__ = "
        + json.dumps({"product": {"price": 19.99, "description": "x" * 300}})
        + ";</script>"
    ),
}

ORDINARY = {
    "product page with a price": page(
        f"<h1>Kettle</h1><p class='price'>19,99 €</p>{ARTICLE}{BUNDLE}"
    ),
    "article page without a price or scripts": page(f"<h1>About us</h1>{ARTICLE}"),
    "discontinued page without a price": page(
        f"<h1>Kettle</h1><p>This product is no longer available.</p>{ARTICLE}"
    ),
    "filled app root": page(f'<div id="root"><h1>Kettle</h1>{ARTICLE}</div>{BUNDLE}'),
    "state blob next to a shown price": page(
        f"<h1>Kettle</h1><p>$19.99</p>{ARTICLE}"
        '<script type="application/json">' + json.dumps({"x": "y" * 400}) + "</script>"
    ),
    "tiny page without scripts": page("<h1>Kettle</h1>"),
    "small json configuration": page(
        f'{ARTICLE}<script type="application/json">{{"consent": true}}</script>'
    ),
    "tag manager noscript iframe": page(
        '<noscript><iframe src="https://www.googletagmanager.com/ns.html"></iframe></noscript>'
        + ARTICLE
    ),
}


@pytest.mark.parametrize("html", SHELLS.values(), ids=SHELLS.keys())
def test_script_shells_look_script_rendered(html):
    assert looks_script_rendered(html)


@pytest.mark.parametrize("html", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_pages_do_not(html):
    assert not looks_script_rendered(html)


def test_a_root_id_on_an_element_with_content_is_no_evidence():
    assert not looks_script_rendered(page(f'<section id="app"><p>{ARTICLE}</p></section>'))


def test_text_inside_scripts_and_templates_is_not_visible_text():
    hidden = "<template>" + ARTICLE + "</template><style>" + "p{}" * 100 + "</style>"
    assert looks_script_rendered(page(hidden + BUNDLE))


def test_a_spent_budget_stops_the_look():
    ticks = iter(range(0, 10_000, 5))
    budget = Budget(1.0, clock=lambda: float(next(ticks)))

    with pytest.raises(ExtractionTooSlowError):
        looks_script_rendered(page("<div>x</div>" * 5_000), budget)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2_000))
def test_never_raises_on_any_text(text):
    assert looks_script_rendered(text) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*SHELLS.values(), *ORDINARY.values()]).flatmap(mutated))
def test_never_raises_on_mutated_pages(html):
    assert looks_script_rendered(html) in (True, False)


def test_deep_nesting_is_read_in_linear_time():
    # Nested noscripts and app roots: each node is looked at a bounded number of times.
    steps = []
    budget = Budget(1e9, clock=lambda: float(len(steps.append(0) or steps)))
    looks_script_rendered("<noscript>" * 5_000 + "enable javascript", budget)
    small = len(steps)
    steps.clear()
    looks_script_rendered("<noscript>" * 50_000 + "enable javascript", budget)
    assert len(steps) < 12 * small
