"""Each scraper batch adds what it recorded to its run's record (for `pricemon status`)."""

from dataclasses import fields
from datetime import UTC, datetime
from unittest import mock

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError
from scraper_fixtures import RUN_ID, ShopPage, failed_ids

from contracts.messages import ProductJob, StartRun
from contracts.run_record import COUNTERS
from monitor.failures import MAX_RECEIVE_COUNT
from monitor.run_tally import RunTally, add_to_runs

CAPTCHA = "<html><body><form id='captcha'><div class='g-recaptcha'></div></form></body></html>"


def run_record(scraper, run_id=RUN_ID):
    table = boto3.resource("dynamodb").Table(scraper.tables.runs)
    return table.get_item(Key={"run_id": run_id}, ConsistentRead=True).get("Item")


def test_a_dispatched_run_counts_every_outcome_of_its_batch(scraper):
    scraper.add_product("kettle", scraper.shop.product("/kettle", "19.99"))
    scraper.add_product("toaster", scraper.shop.product("/toaster", "29.99"))
    scraper.add_product("gone", scraper.shop.url("/gone"))
    scraper.add_product("walled", scraper.shop.serve("/walled", ShopPage(body=CAPTCHA)))
    scraper.deliver(StartRun(RUN_ID))

    scraper.invoke(scraper.receive())

    record = run_record(scraper)
    assert (record["scraped"], record["failed"], record["blocked"]) == (2, 1, 1)
    assert record["dead_lettered"] == 0
    assert record["last_activity_at"].endswith("Z")


def test_a_redelivered_job_adds_nothing(scraper):
    scraper.add_product("kettle", scraper.shop.product("/kettle", "19.99"))
    scraper.deliver(StartRun(RUN_ID))
    scraper.invoke(scraper.receive())

    scraper.scrape("kettle")

    assert run_record(scraper)["scraped"] == 1


def test_a_job_giving_up_on_its_last_receive_counts_as_dead_lettered(scraper, sqs_clock):
    scraper.add_product("kettle", scraper.shop.serve("/kettle", ShopPage(500, "down")))
    scraper.deliver(StartRun(RUN_ID))

    for _ in range(MAX_RECEIVE_COUNT):
        response = scraper.invoke(scraper.receive())
        assert len(failed_ids(response)) == 1
        sqs_clock.advance(901)

    record = run_record(scraper)
    assert record["dead_lettered"] == 1
    assert record["scraped"] == 0


def test_a_run_without_a_record_gets_none(scraper):
    scraper.add_product("kettle", scraper.shop.product("/kettle", "19.99"))

    scraper.deliver(ProductJob("2026-01-01T00:00:00Z", "kettle", "shop-a"))

    assert scraper.item("kettle")["last_status"] == "ok"
    assert run_record(scraper, "2026-01-01T00:00:00Z") is None


def test_an_empty_tally_writes_nothing():
    dynamodb = mock.Mock()

    add_to_runs(dynamodb, "runs", {RUN_ID: RunTally()}, datetime(2026, 1, 1, tzinfo=UTC))

    dynamodb.update_item.assert_not_called()


def test_a_failed_tally_is_logged_and_does_not_fail_the_batch(caplog):
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "UpdateItem")
    for failure in (denied, EndpointConnectionError(endpoint_url="https://dynamodb")):
        dynamodb = mock.Mock()
        dynamodb.update_item.side_effect = failure
        caplog.clear()

        add_to_runs(dynamodb, "runs", {RUN_ID: RunTally(scraped=3)}, datetime.now(UTC))

        assert [r.run_id for r in caplog.records if r.levelname == "ERROR"] == [RUN_ID]


def test_the_tally_has_exactly_the_run_records_counters():
    assert tuple(field.name for field in fields(RunTally)) == COUNTERS
