"""The local retailer site's two retailers a plain HTTP client cannot read: script-shop's app
shell (its price drawn by script from a JSON endpoint) and walled-shop's bot wall (its page
only through a proxy, which the `Via` header tells)."""

from __future__ import annotations

import json
import shutil
import urllib.request
from decimal import Decimal

import pytest

from extraction import classify_blocked, extract_offer
from fetching import fetch_page
from local_stack.retailer_site import (
    ALL_PRODUCTS,
    API_PATH,
    BROWSER,
    HARD_TO_REACH,
    PRODUCTS,
    PROXY,
    SCRIPT_SHOP_FILLED,
    RetailerSite,
    expected,
)
from monitor.failures import FailureKind, classify_failure
from rendering.browser import Browser

CYCLES = (0, 1, 2)
SCRIPTED = [product.product_id for product in HARD_TO_REACH if product.reached_by == BROWSER]
WALLED = [product.product_id for product in HARD_TO_REACH if product.reached_by == PROXY]
PROXY_VIA = "1.1 local-proxy"


def fetch(site: RetailerSite, url: str):
    return fetch_page(url, allowed_hosts=[site.host_port], timeout=5)


def through_proxy(site: RetailerSite, product_id: str) -> tuple[int, str]:
    """What a request that came through a proxy gets (the proxy's Via header, set by hand)."""
    request = urllib.request.Request(site.url(product_id), headers={"Via": PROXY_VIA})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_both_retailers_have_products_and_script_shop_a_drop_between_cycles():
    assert len(SCRIPTED) == 2
    assert 1 <= len(WALLED) <= 2
    assert any(expected(1, HARD_TO_REACH)[pid].alerts for pid in SCRIPTED)
    assert not {p.product_id for p in HARD_TO_REACH} & {p.product_id for p in PRODUCTS}
    assert ALL_PRODUCTS == PRODUCTS + HARD_TO_REACH


@pytest.mark.parametrize("product_id", SCRIPTED)
def test_the_app_shell_has_no_price_for_a_plain_http_client(site, product_id):
    page = fetch(site, site.url(product_id))

    assert page.status == 200
    assert '<div id="app"></div>' in page.text
    assert extract_offer(page.text, page.url) is None
    assert classify_failure(page) is None  # a page, not a wall: only the browser sees more


@pytest.mark.parametrize("cycle", CYCLES)
def test_the_json_endpoint_has_this_cycles_price_and_stock(site, cycle):
    site.set_cycle(cycle)
    shown = expected(cycle, HARD_TO_REACH)

    for product_id in SCRIPTED:
        page = fetch(site, f"http://{site.host_port}{API_PATH.format(product_id=product_id)}")
        product = json.loads(page.text)

        assert page.status == 200
        assert page.headers["content-type"] == "application/json"
        assert Decimal(product["price"]) == shown[product_id].price
        assert product["currency"] == shown[product_id].currency
        assert product["in_stock"] is (shown[product_id].availability == "in_stock")


def test_only_script_shop_products_have_a_json_endpoint(site):
    assert site.respond(API_PATH.format(product_id="kettle"))[0] == 404
    assert site.respond(API_PATH.format(product_id="no-such-thing"))[0] == 404


@pytest.mark.skipif(
    shutil.which(Browser().executable_path) is None, reason="Chromium is not installed"
)
@pytest.mark.parametrize("cycle", [0, 1])
def test_the_shell_rendered_by_a_browser_reads_as_the_site_says(site, cycle):
    from rendering.render import render_page

    site.set_cycle(cycle)
    shown = expected(cycle, HARD_TO_REACH)
    for product_id in SCRIPTED:
        page = render_page(
            site.url(product_id),
            allowed_hosts=[site.host_port],
            wait_for=SCRIPT_SHOP_FILLED,
            timeout=30,
        )
        offer = extract_offer(page.text, page.url)

        assert offer is not None, product_id
        assert (offer.price, offer.currency, offer.availability) == (
            shown[product_id].price,
            shown[product_id].currency,
            shown[product_id].availability,
        )


@pytest.mark.parametrize("product_id", WALLED)
def test_the_wall_answers_a_direct_request_with_403_and_a_captcha(site, product_id):
    page = fetch(site, site.url(product_id))

    assert page.status == 403
    assert classify_failure(page).kind == FailureKind.BLOCKED
    assert classify_blocked(page.text) is not None
    assert extract_offer(page.text, page.url) is None


@pytest.mark.parametrize("cycle", CYCLES)
def test_a_request_through_a_proxy_gets_the_real_page(site, cycle):
    site.set_cycle(cycle)
    shown = expected(cycle, HARD_TO_REACH)

    for product_id in WALLED:
        status, body = through_proxy(site, product_id)
        offer = extract_offer(body, site.url(product_id))

        assert status == 200
        assert classify_blocked(body) is None
        assert offer is not None
        assert (offer.price, offer.currency) == (
            shown[product_id].price,
            shown[product_id].currency,
        )


def test_the_request_log_says_which_requests_came_through_a_proxy(fresh_site):
    product_id = WALLED[0]
    fetch(fresh_site, fresh_site.url(product_id))
    through_proxy(fresh_site, product_id)
    fetch(fresh_site, fresh_site.url("kettle"))

    logged = [(r.status, r.via, r.proxied) for r in fresh_site.requests_to("walled-shop")]

    assert logged == [(403, "", False), (200, PROXY_VIA, True)]
    assert [r.path for r in fresh_site.requests_to("jsonld-mart")] == ["/jsonld-mart/kettle"]


def test_the_sample_catalog_of_every_product_includes_both_retailers(site):
    catalog = site.sample_catalog(ALL_PRODUCTS)

    assert [row.product_id for row in catalog] == [p.product_id for p in ALL_PRODUCTS]
    assert {row.retailer for row in catalog} >= {"script-shop", "walled-shop"}
    assert [row.product_id for row in site.sample_catalog()] == [p.product_id for p in PRODUCTS]


def test_the_home_page_links_the_hard_to_reach_products_too(site):
    _, _, body = site.respond("/")

    assert all(f'href="{product.path}"' in body for product in HARD_TO_REACH)
