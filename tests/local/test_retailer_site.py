"""The local retailer site: each retailer's pages read as the scraper reads them, cycle by cycle."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from contracts.catalog_rules import ALWAYS_ON_ALERT_KINDS
from contracts.change_rules import EventKind, ProductState, detect_changes
from extraction import classify_blocked, extract_offer
from fetching import FetchResult, RobotsPolicy, fetch_page
from local_stack.retailer_site import (
    ALL_PRODUCTS,
    CAPTCHA,
    FLAKY,
    MISSING,
    OFFER,
    PRODUCTS,
    RetailerSite,
    expected,
)
from monitor.failures import FailureKind, classify_failure

ROOT = Path(__file__).resolve().parents[2]
CYCLES = range(4)  # the table's cycles, and one past its end
DEFAULT_THRESHOLD = Decimal(10)  # Pulumi.dev.yaml's dropThresholdPercent
# The extractor each retailer's markup is written for.
SOURCES = {"jsonld-mart": "jsonld", "micro-store": "microdata", "meta-shop": "meta"}
SOURCES["example-shop"] = "rule"


def dev_retailer_rules() -> dict[str, dict[str, str]]:
    """The extraction rules Pulumi.dev.yaml gives each retailer (what the scraper applies)."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    retailers = document["config"]["price-monitor:retailers"]
    return {name: entry["rules"] for name, entry in retailers.items() if "rules" in entry}


def fetch(site: RetailerSite, product_id: str, robots: RobotsPolicy | None = None) -> FetchResult:
    """The page as the scraper fetches it (allowed hosts, robots.txt policy)."""
    return fetch_page(
        site.url(product_id), allowed_hosts=[site.host_port], timeout=5, robots=robots
    )


def products(*pages: str) -> list[str]:
    return [product.product_id for product in PRODUCTS if product.page in pages]


@pytest.mark.parametrize("cycle", CYCLES)
def test_every_offer_page_extracts_to_what_the_site_says_it_shows(site, cycle):
    rules = dev_retailer_rules()
    site.set_cycle(cycle)
    shown = expected(cycle)

    for product_id in products(OFFER):
        page = fetch(site, product_id)
        retailer = shown[product_id].retailer
        offer = extract_offer(page.text, page.url, rules.get(retailer))

        assert page.status == 200
        assert offer is not None, product_id
        assert (offer.price, offer.currency, offer.availability) == (
            shown[product_id].price,
            shown[product_id].currency,
            shown[product_id].availability,
        ), product_id
        # Sold out without a price, what tells is the page's own "Sold out".
        assert offer.source == (SOURCES[retailer] if offer.price is not None else "heuristic")


def test_rule_pages_have_no_structured_data_so_only_the_dev_stack_rule_reads_them(site):
    site.set_cycle(0)
    page = fetch(site, "espresso-machine")

    assert "example-shop" in dev_retailer_rules()
    assert extract_offer(page.text, page.url, use_heuristic=False) is None
    assert extract_offer(page.text, page.url, dev_retailer_rules()["example-shop"]).price == 249


def test_prices_change_with_the_cycle_and_the_last_cycle_repeats_past_the_table(site):
    prices = []
    for cycle in (0, 1, 2, 3, 10):
        site.set_cycle(cycle)
        prices.append(extract_offer(fetch(site, "toaster").text).price)

    assert prices == [Decimal(50), Decimal(50), Decimal(45), Decimal(45), Decimal(45)]


def test_the_gone_product_answers_404_which_is_a_permanent_failure(fresh_site):
    for cycle in (0, 1):
        fresh_site.set_cycle(cycle)
        page = fetch(fresh_site, "grill")

        assert page.status == 404
        assert classify_failure(page).kind == FailureKind.PERMANENT


def test_the_flaky_product_fails_transiently_once_per_cycle_then_serves_its_page(fresh_site):
    path = "/micro-store/speaker"
    for cycle in (0, 1):
        fresh_site.set_cycle(cycle)
        first, retry = fetch(fresh_site, "speaker"), fetch(fresh_site, "speaker")

        assert first.status == 503
        assert classify_failure(first).kind == FailureKind.TRANSIENT
        assert retry.status == 200
        assert classify_failure(retry) is None
        assert extract_offer(retry.text).price == Decimal(59)
        assert fresh_site.request_count(path, cycle) == 2
    assert fresh_site.request_count(path) == 4


def test_the_captcha_page_is_blocked_and_never_read_as_a_price_or_stock(site):
    page = fetch(site, "standing-desk")

    assert page.status == 200
    assert classify_failure(page).kind == FailureKind.BLOCKED
    assert extract_offer(page.text) is None
    assert expected(0)["standing-desk"].availability is None


def test_robots_txt_allows_every_page_and_is_fetched_once_per_policy(fresh_site):
    robots = RobotsPolicy()

    pages = [fetch(fresh_site, product_id, robots) for product_id in ("kettle", "lamp", "grinder")]

    assert [page.status for page in pages] == [200, 200, 200]
    assert fresh_site.request_count("/robots.txt") == 1


def test_every_request_is_logged_with_its_cycle_status_and_user_agent(fresh_site):
    fresh_site.set_cycle(2)
    fetch(fresh_site, "kettle")
    fetch(fresh_site, "grill")

    logged = fresh_site.requests()

    assert [(r.cycle, r.path, r.status) for r in logged] == [
        (2, "/jsonld-mart/kettle", 200),
        (2, "/jsonld-mart/grill", 404),
    ]
    assert all(r.user_agent.startswith("price-monitor/") for r in logged)
    assert logged[0].at <= logged[1].at


def test_an_unknown_path_is_not_found(site):
    assert site.respond("/jsonld-mart/no-such-thing?ref=1")[0] == 404


def test_the_home_page_links_every_product_page(site):
    status, _, body = site.respond("/")

    assert status == 200
    assert all(f'href="{product.path}"' in body for product in PRODUCTS)


def test_the_alerts_the_site_promises_are_what_the_change_rules_decide():
    for product in ALL_PRODUCTS:
        if not product.active or product.page not in (OFFER, FLAKY):
            continue
        for cycle in range(1, 5):
            old = expected(cycle - 1, ALL_PRODUCTS)[product.product_id]
            new = expected(cycle, ALL_PRODUCTS)[product.product_id]
            images = [
                {
                    "product_id": product.product_id,
                    "retailer": product.retailer,
                    "url": f"http://127.0.0.1/{product.product_id}",
                    "drop_threshold_percent": product.drop_threshold_percent,
                    "target_price": product.target_price,
                    "last_status": "ok",
                    "last_price": page.price,
                    "last_currency": page.currency,
                    "last_availability": page.availability,
                    "last_run_id": f"run-{run}",
                    "last_checked_at": "2026-01-01T00:00:00Z",
                }
                for run, page in ((cycle - 1, old), (cycle, new))
            ]

            events = detect_changes(*map(ProductState.from_image, images), DEFAULT_THRESHOLD)

            assert tuple(event.kind for event in events) == new.alerts, (product, cycle)


def test_the_demo_covers_every_case_the_service_must_handle():
    alerts = {kind for product in PRODUCTS for kinds in product.alerts.values() for kind in kinds}
    drops = {
        (product.price(cycle - 1) - product.price(cycle)) / product.price(cycle - 1) * 100
        for product in PRODUCTS
        for cycle in range(1, 4)
        if product.drop_threshold_percent is None and product.target_price is None
    }

    # Every always-on kind; the opt-in ones are the detector's tests' (no demo product opts in).
    assert alerts == {EventKind(kind) for kind in ALWAYS_ON_ALERT_KINDS}
    assert {page for product in PRODUCTS for page in [product.page]} >= {MISSING, FLAKY, CAPTCHA}
    assert any(d > DEFAULT_THRESHOLD for d in drops)  # above the threshold
    assert DEFAULT_THRESHOLD in drops  # exactly at it
    assert any(0 < d < DEFAULT_THRESHOLD for d in drops)  # below it
    assert any(d < 0 for d in drops)  # a rise
    assert any(product.drop_threshold_percent for product in PRODUCTS)
    assert not all(product.active for product in PRODUCTS)
    assert not any(expected(0)[product.product_id].alerts for product in PRODUCTS)  # first sight


def test_the_site_describes_its_pages_like_the_module(site):
    assert site.expected(2) == expected(2)
    assert expected(2)["grinder"].availability == "in_stock"
    assert expected(1)["grinder"].availability == "out_of_stock"
    assert (expected(1)["grinder"].price, expected(1)["grinder"].currency) == (None, None)
    assert expected(1)["fryer"].outcome is None


def test_sample_catalog_lists_every_product_at_this_sites_address(site):
    catalog = site.sample_catalog()

    assert [row.product_id for row in catalog] == [product.product_id for product in PRODUCTS]
    assert all(row.url.startswith(f"http://{site.host_port}/") for row in catalog)
    assert {row.product_id: row.target_price for row in catalog}["lamp"] == Decimal("28.50")
    assert {row.product_id: row.active for row in catalog}["fryer"] is False


def test_stopping_the_site_frees_its_port_and_it_cannot_start_twice():
    site = RetailerSite()
    site.start()
    port = site.port
    with pytest.raises(RuntimeError, match="already running"):
        site.start()

    site.stop()
    site.stop()  # stopping twice is harmless

    with pytest.raises(RuntimeError, match="not running"):
        _ = site.port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again


@pytest.mark.parametrize("cycle", [-1, 1.5, True])
def test_a_cycle_is_a_whole_number_from_zero(site, cycle):
    with pytest.raises(ValueError, match="a cycle is a number from 0"):
        site.set_cycle(cycle)
    with pytest.raises(ValueError, match="a cycle is a number from 0"):
        expected(cycle)


def test_a_blocked_page_never_comes_from_an_offer_page(site):
    # Challenge detection must not mistake any of the site's product pages for a wall.
    site.set_cycle(1)
    for product_id in products(OFFER):
        assert classify_blocked(fetch(site, product_id).text) is None, product_id
