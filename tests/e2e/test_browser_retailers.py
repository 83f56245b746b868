"""The retailers a plain HTTP client cannot read, on the local stack with the demo's settings:
script-shop's prices drawn by script (read by the renderer's Chromium) and walled-shop's
behind a bot wall (read through the local forward proxy, whose URL, credentials included,
is a secret in the stack's Secrets Manager)."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
from conftest import EndToEnd

from fetching import fetch_page
from local_stack.demo import (
    PROXY_SECRET,
    DemoEgress,
    demo_egress,
    demo_overrides,
    demo_site,
    missing_chromium,
)
from local_stack.faults import injecting
from local_stack.forward_proxy import VIA
from local_stack.program import stack_config
from local_stack.retailer_site import (
    ALL_PRODUCTS,
    API_PREFIX,
    BROWSER,
    HARD_TO_REACH,
    PROXY,
    expected,
)
from local_stack.runner import local_stack
from pricemon.catalog_file import import_catalog

CYCLES = 2
SCRIPTED = [p.product_id for p in HARD_TO_REACH if p.reached_by == BROWSER]
WALLED = [p.product_id for p in HARD_TO_REACH if p.reached_by == PROXY]
ACTIVE = [p.product_id for p in ALL_PRODUCTS if p.active]

needs_chromium = pytest.mark.skipif(
    missing_chromium() is not None,
    reason=f"Chromium is not at {missing_chromium()} (apt-get install chromium)",
)


@dataclass
class DemoService(EndToEnd):
    """The service on the demo's stack, with the demo's proxy and what its functions logged."""

    egress: DemoEgress | None = None
    logs: io.StringIO = field(default_factory=io.StringIO)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoService]:
    if missing_chromium() is not None:
        pytest.skip(f"Chromium is not at {missing_chromium()} (apt-get install chromium)")
    logs = io.StringIO()
    overrides = demo_overrides(stack_config("dev"), browser=True)
    with (
        demo_site(ALL_PRODUCTS) as (site, _),
        demo_egress() as egress,
        local_stack(
            "dev",
            allowed_hosts=[site.host_port, egress.host_port],
            overrides=overrides,
            log_stream=logs,
            record_invocations=True,
        ) as world,
    ):
        egress.create_secret(world.stack.region)  # as a user would, before the first run
        table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
            world.stack.outputs["products_table"]
        )
        import_catalog(table, site.sample_catalog(ALL_PRODUCTS))
        with injecting(world.runtime) as faults:
            demo = DemoService(world, site, faults, egress=egress, logs=logs)
            for site_cycle in range(CYCLES):
                demo.run_cycle(site_cycle)
            yield demo


def due_alerts(site_cycle: int) -> Counter[tuple[str, str]]:
    """The notifications the site's story calls for in the cycle, over all its products."""
    pages = expected(site_cycle, ALL_PRODUCTS).values()
    return Counter((kind, page.product_id) for page in pages for kind in page.alerts)


def test_every_product_of_every_cycle_is_accounted_for_as_the_story_says(demo):
    for cycle in demo.cycles:
        pages = expected(cycle.site_cycle, ALL_PRODUCTS)
        outcomes = Counter(page.outcome for page in pages.values() if page.outcome is not None)

        assert cycle.report.accounted, cycle.report
        assert cycle.report.products == len(ACTIVE)
        assert (cycle.report.scraped, cycle.report.failed, cycle.report.blocked) == (
            outcomes["ok"],
            outcomes["error"],
            outcomes["blocked"],
        )
        assert cycle.report.dead_lettered == 0


@pytest.mark.parametrize("product_id", SCRIPTED + WALLED)
def test_the_hard_to_reach_prices_are_recorded_cycle_by_cycle(demo, product_id):
    rows = sorted(demo.history(product_id), key=lambda row: row["timestamp"])
    shown = [expected(cycle, ALL_PRODUCTS)[product_id] for cycle in range(CYCLES)]
    item = demo.item(product_id)

    assert [row.get("price") for row in rows] == [page.price for page in shown]
    assert [row["currency"] for row in rows] == [page.currency for page in shown]
    assert [row["availability"] for row in rows] == [page.availability for page in shown]
    assert (item["last_status"], item["last_price"]) == ("ok", shown[-1].price)


def test_script_shops_drop_notifies_once_with_the_others_the_story_calls_for(demo):
    assert demo.cycles[0].notifications == []
    second = demo.cycles[1].alerts()

    assert second == due_alerts(1)
    assert second[("price_drop", "robot-vacuum")] == 1


def test_script_shop_pages_were_rendered_by_the_browser(demo):
    renders = [r for r in demo.site.requests() if r.path.startswith(API_PREFIX)]

    # Only a browser running the page's script asks for the product's JSON.
    assert {r.path.removeprefix(API_PREFIX) for r in renders} == {f"{p}.json" for p in SCRIPTED}
    assert len(renders) >= CYCLES * len(SCRIPTED)
    assert [
        i
        for i in demo.world.runtime.invocations
        if i.function == demo.world.stack.outputs["renderer_function"] and i.ok
    ]


def test_walled_shops_requests_all_came_through_the_proxy(demo):
    walled = demo.site.requests_to("walled-shop")

    assert len(walled) >= CYCLES * len(WALLED)
    assert {(r.status, r.via) for r in walled} == {(200, VIA)}
    assert demo.egress.carried(demo.site) >= len(walled)
    assert demo.egress.proxy.refused == 0  # the scraper had the secret's credentials


def test_a_direct_request_to_walled_shop_meets_its_bot_wall(demo):
    site = demo.site
    before = len(site.requests_to("walled-shop"))

    page = fetch_page(site.url(WALLED[0]), allowed_hosts=[site.host_port], timeout=5)

    assert page.status == 403
    assert [(r.status, r.proxied) for r in site.requests_to("walled-shop")[before:]] == [
        (403, False)
    ]


def test_the_proxy_password_is_in_no_log_line_nor_the_report(demo):
    logged = demo.logs.getvalue()
    report = json.dumps(demo.world.report().to_json())
    secret = boto3.client("secretsmanager", region_name=demo.world.stack.region)

    # The password is where it belongs, and the functions' logs were captured.
    assert demo.egress.password in secret.get_secret_value(SecretId=PROXY_SECRET)["SecretString"]
    assert '"message":"batch scraped"' in logged
    assert demo.egress.password not in logged
    assert demo.egress.password not in report
