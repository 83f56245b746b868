"""The local stack's session and event loop, on the dev stack provisioned in moto (no site)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from local_stack.runner import (
    LocalWorld,
    NoScheduleError,
    RunawayCycleError,
    local_stack,
)
from pricemon.catalog_file import CatalogRow, import_catalog

START = datetime(2026, 11, 25, 7, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Iterator[LocalWorld]:
    with local_stack("dev", start=START) as world:
        yield world


def test_the_clock_starts_where_asked_and_the_schedule_fires_after_it(world):
    assert world.clock.now() >= START
    assert world.next_scheduled_time() > world.clock.now()
    assert world.next_scheduled_time().hour % 6 == 0


def test_a_cycle_reports_progress_once_per_product_checked(world):
    table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
        world.stack.outputs["products_table"]
    )
    # Loopback URLs the stack does not allow: refused by the fetcher, recorded as failed.
    rows = [CatalogRow(f"p{n}", "shop", f"http://127.0.0.1:9/p{n}") for n in range(3)]
    import_catalog(table, rows)
    progress: list[tuple[int, int]] = []
    world.on_progress = lambda checked, total: progress.append((checked, total))

    cycle = world.run_cycle()

    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert (cycle.products, cycle.failed) == (3, 3)
    assert all("is not public" in item["last_error"] for item in world.catalog())


def test_records_outside_a_cycle_are_not_progress(world):
    progress: list[tuple[int, int]] = []
    world.on_progress = lambda checked, total: progress.append((checked, total))
    image = {"product_id": {"S": "p0"}, "last_run_id": {"S": "2026-11-25T12:00:00Z"}}

    world.observe_record({"dynamodb": {"NewImage": image}})

    assert progress == []


def test_a_stack_without_a_schedule_cannot_fire(world, monkeypatch):
    monkeypatch.setattr(world.stack, "schedules", [])

    with pytest.raises(NoScheduleError):
        world.fire()


def test_a_cycle_still_busy_past_the_horizon_stops_the_loop(world, monkeypatch):
    monkeypatch.setattr(world, "horizon", timedelta(minutes=5))
    queue = world.queue_sources[0].queue
    queue.send("poison: back after each visibility timeout of 12 minutes")

    with pytest.raises(RunawayCycleError, match="still busy 0:05:00"):
        world.run_until_idle()

    queue.sqs.purge_queue(QueueUrl=queue.url)
