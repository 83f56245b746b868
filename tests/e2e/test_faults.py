"""Faults on the local stack: a poison message, a retailer that is down, a schedule that
fires twice and a stream batch delivered twice. Nothing may be lost or said twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from conftest import EndToEnd, expected_alerts, running_stack, unused_port

from local_stack.retailer_site import PRODUCTS, RetailerSite
from pricemon.catalog_file import CatalogRow

POISON = '{"action": "scrape_everything_twice"}'
UNREACHABLE = "offline-kettle"
ACTIVE = sum(1 for product in PRODUCTS if product.active) + 1  # the site's, and UNREACHABLE


@pytest.fixture(scope="module")
def service(site: RetailerSite) -> Iterator[EndToEnd]:
    """Two cycles: the first with a poison message and a doubled schedule fire, the second
    after which every stream batch the detector got is delivered again."""
    port = unused_port()
    down = CatalogRow(UNREACHABLE, "offline-shop", f"http://127.0.0.1:{port}/kettle", "Kettle")
    with running_stack(site, extra_rows=[down], extra_hosts=[f"127.0.0.1:{port}"]) as service:
        world = service.world
        queue = world.queue_sources[0].queue

        def poison_and_fire_twice(scheduled: datetime) -> None:
            queue.send(POISON)
            world.fire(scheduled)  # and the cycle fires it again

        service.run_cycle(0, before=poison_and_fire_twice)
        service.run_cycle(1)
        yield service


def test_a_poison_message_lands_in_the_dlq_after_three_receives(service):
    dead = {message.body: message for message in service.world.dead_letter_queue.messages()}

    assert dead[POISON].receive_count == 3
    assert service.cycles[0].report.other_dead_letters == 1


def test_a_poison_message_does_not_fail_its_batch(service):
    first = service.cycles[0].invocations_of(service.scraper)[0]
    bodies = {record["messageId"]: record["body"] for record in first.event["Records"]}
    failed = [failure["itemIdentifier"] for failure in first.response["batchItemFailures"]]

    assert POISON in bodies.values()
    assert len(bodies) > 1  # it came with the run's messages
    assert [bodies[message_id] for message_id in failed] == [POISON]
    assert service.cycles[0].report.scraped > 0


def test_a_duplicated_schedule_fire_dispatches_the_run_once(service):
    first = service.cycles[0]
    starts = [
        record
        for invocation in first.invocations_of(service.scraper)
        for record in invocation.event["Records"]
        if '"scrape_all_products"' in record["body"]
    ]

    assert len(starts) == 2
    for product in PRODUCTS:
        if product.active and product.page != "flaky":
            assert service.site.request_count(service.path(product.product_id), 0) == 1
    assert first.alerts() == expected_alerts(0)


def test_a_retailer_that_stays_down_ends_in_the_dlq_with_the_reason_on_the_item(service):
    item = service.item(UNREACHABLE)
    dead_jobs = [
        json.loads(message.body)
        for message in service.world.dead_letter_queue.messages()
        if message.body != POISON
    ]

    assert item["last_status"] == "error"
    assert "gave up after 3 tries" in item["last_error"]
    assert [(job["product_id"], job["run_id"]) for job in dead_jobs] == [
        (UNREACHABLE, cycle.report.run_id) for cycle in service.cycles
    ]
    assert [cycle.report.dead_lettered for cycle in service.cycles] == [1, 1]


def test_backoffs_of_minutes_pass_on_the_simulated_clock_not_in_real_time(service):
    # The job that gave up waited 30 s, 2 min and 8 min between its receives.
    backoffs = timedelta(seconds=30 + 120 + 480)
    for cycle in service.cycles:
        assert cycle.simulated > backoffs
        assert cycle.report.seconds < 30


def test_every_product_of_every_cycle_is_accounted_for(service):
    for cycle in service.cycles:
        report = cycle.report
        assert report.accounted, report
        assert report.products == ACTIVE
        assert report.unaccounted == ()


def test_a_stream_batch_delivered_twice_notifies_once(service):
    second = service.cycles[1]
    world = service.world
    deliveries = second.invocations_of(service.detector)
    assert second.alerts() == expected_alerts(1)

    for invocation in deliveries:
        again = world.runtime.invoke(service.detector, invocation.event)
        assert again.ok
        assert again.response == {"batchItemFailures": []}

    assert world.inbox.collect() == []
    assert sum(cycle.report.notifications for cycle in service.cycles) == len(world.notifications())
