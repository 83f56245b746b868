"""Three cycles of the service on the local stack, over the local retailer site's story.

The site's table (local_stack/retailer_site.py) says, independently of the
service's code, what each product shows in each cycle and which notifications that must
raise; these tests hold the whole service, from the schedule to a subscriber's inbox, to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from conftest import EndToEnd, expected_alerts, running_stack

from local_stack.retailer_site import PRODUCTS, RetailerSite

CYCLES = 3
ACTIVE = [product.product_id for product in PRODUCTS if product.active]


@pytest.fixture(scope="module")
def service(site: RetailerSite) -> Iterator[EndToEnd]:
    with running_stack(site) as service:
        for site_cycle in range(CYCLES):
            service.run_cycle(site_cycle)
        yield service


def test_no_notification_on_first_sight(service):
    assert service.cycles[0].notifications == []


def test_every_notification_the_story_calls_for_arrives_exactly_once_and_no_other(service):
    for cycle in service.cycles:
        assert cycle.alerts() == expected_alerts(cycle.site_cycle), cycle.site_cycle


def test_drops_at_and_above_the_threshold_notify_and_drops_below_it_never(service):
    drops = Counter(product for cycle in service.cycles for kind, product in cycle.alerts())

    assert drops["kettle"] == 1  # -15 %
    assert drops["toaster"] == 1  # -10 %: exactly the threshold
    assert drops["desk-chair"] == 1  # -5 %, at its own 5 % threshold
    assert drops["blender"] == 0  # -5 %, below the stack's 10 %
    assert drops["headphones"] == 0  # a rise


def test_a_notification_carries_the_observation_it_reports(service):
    second = service.cycles[1]
    (kettle,) = [d for d in second.notifications if d.json()["product_id"] == "kettle"]

    body = kettle.json()
    assert body["kind"] == "price_drop"
    assert (body["old_price"], body["new_price"], body["change_percent"]) == (40, 34, 15)
    assert body["currency"] == "EUR"
    assert body["run_id"] == second.report.run_id
    assert body["url"] == service.site.url("kettle")
    assert kettle.attributes == {
        "kind": "price_drop",
        "product_id": "kettle",
        "retailer": "jsonld-mart",
        "dedup_key": body["dedup_key"],
    }
    assert kettle.subject.startswith("Price drop 15")


def test_a_target_price_reached_and_a_return_to_stock_notify(service):
    third = service.cycles[2].alerts()

    assert third[("target_price", "lamp")] == 1
    assert third[("back_in_stock", "grinder")] == 1


def test_a_sold_out_page_without_a_price_is_observed_and_its_price_returns_back_in_stock(service):
    rows = sorted(service.history("grinder"), key=lambda row: row["timestamp"])

    assert [row.get("price") for row in rows] == [Decimal("89.90"), None, Decimal("89.90")]
    assert [row["availability"] for row in rows] == ["in_stock", "out_of_stock", "in_stock"]
    assert "previous_price" not in rows[2]  # the observation before it had no price
    (back,) = [d.json() for d in service.cycles[2].notifications if "grinder" in d.message]
    assert (back["kind"], back["old_price"], back["new_price"]) == ("back_in_stock", None, 89.9)
    assert back["change_percent"] is None
    assert service.item("grinder")["last_price"] == Decimal("89.90")


def test_a_missing_product_is_recorded_as_failed_and_fetched_once_a_cycle(service):
    item = service.item("grill")

    assert item["last_status"] == "error"
    assert "404" in item["last_error"]
    assert item["consecutive_failures"] == CYCLES
    for cycle in range(CYCLES):
        assert service.site.request_count(service.path("grill"), cycle) == 1
    assert service.world.dead_letter_queue.messages() == []


def test_a_flaky_product_is_observed_when_its_job_comes_back(service):
    item = service.item("speaker")

    assert (item["last_status"], item["last_price"]) == ("ok", Decimal("59.00"))
    for cycle in service.cycles:
        assert service.site.request_count(service.path("speaker"), cycle.site_cycle) == 2
        receive_counts = [
            record["attributes"]["ApproximateReceiveCount"]
            for invocation in cycle.invocations_of(service.scraper)
            for record in invocation.event["Records"]
            if '"product_id":"speaker"' in record["body"]
        ]
        assert receive_counts == ["1", "2"]


def test_a_captcha_page_is_blocked_and_never_read_as_a_price_or_stock(service):
    item = service.item("standing-desk")

    assert item["last_status"] == "blocked"
    assert "last_price" not in item
    assert "last_availability" not in item
    assert service.history("standing-desk") == []


def test_every_product_of_every_cycle_is_accounted_for(service):
    for cycle in service.cycles:
        report = cycle.report
        assert report.accounted, report
        assert (report.products, report.scraped, report.failed, report.blocked) == (
            len(ACTIVE),
            len(ACTIVE) - 2,
            1,
            1,
        )
        assert report.dead_lettered == 0
    assert service.world.history_count() == CYCLES * (len(ACTIVE) - 2)


def test_an_inactive_product_is_never_fetched(service):
    assert service.site.request_count(service.path("fryer")) == 0
    assert "last_run_id" not in service.item("fryer")


def test_runs_are_the_schedules_scheduled_times_six_hours_apart(service):
    first, second, third = (cycle.report.run_id for cycle in service.cycles)

    assert first.endswith(("T00:00:00Z", "T06:00:00Z", "T12:00:00Z", "T18:00:00Z"))
    assert service.item("kettle")["last_run_id"] == third
    assert [first, second, third] == sorted({first, second, third})
