"""The demo's set-up: a running retailer site and a catalog file of its products."""

from __future__ import annotations

import urllib.request

from local_stack.demo import demo_site, describe_cycle
from pricemon.catalog_file import read_catalog


def test_demo_site_writes_a_catalog_of_the_running_sites_pages_and_cleans_up():
    with demo_site() as (site, catalog_path):
        rows = read_catalog(catalog_path)
        with urllib.request.urlopen(rows[0].url, timeout=5) as response:
            first_page = response.status

        assert rows == site.sample_catalog()
        assert first_page == 200

    assert not catalog_path.exists()
    assert site.requests()[-1].path == "/jsonld-mart/kettle"


def test_cycle_description_names_each_due_notification_in_its_cycle():
    first, second = describe_cycle(0), describe_cycle(1)

    assert "kettle (jsonld-mart): 40.00 EUR, in stock; first sight, no notification" in first
    assert "kettle (jsonld-mart): 40.00 -> 34.00 EUR, in stock; price_drop" in second
    assert "grill (jsonld-mart): HTTP 404, recorded as failed" in second
    assert "standing-desk (meta-shop): a captcha page, recorded as blocked" in second
    assert "fryer (jsonld-mart): inactive in the catalog, never fetched" in second
    assert any(line.startswith("speaker (micro-store): HTTP 503 first, then") for line in second)
    assert "grinder (example-shop): 89.90 -> no price, out of stock; no notification" in second
    third = describe_cycle(2)
    assert "grinder (example-shop): no price -> 89.90 EUR, in stock; back_in_stock" in third
