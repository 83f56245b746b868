"""scrape_batch on its own: races, faults of AWS calls and of the code, and its settings."""

import threading
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import boto3
import pytest
from aws_fixtures import SCRAPE_VISIBILITY_TIMEOUT_SECONDS
from botocore.exceptions import ClientError
from scraper_fixtures import NEXT_RUN_ID, RUN_ID, ShopPage, failed_ids, scraper_environment

from contracts.messages import ProductJob, parse_message
from fetching import RobotsPolicy, fetch_page
from monitor.failures import receive_count_of
from monitor.retailers import ConfigurationError, RetailerDirectory, RetailerPolicy
from monitor.routing import PageFetchers
from monitor.scrape import (
    BatchReport,
    ScrapeRequest,
    ScrapeResources,
    ScrapeSettings,
    scrape_batch,
)

SETTINGS = ScrapeSettings(
    allowed_hosts=("127.0.0.1",),
    fetch_timeout_seconds=1.0,
    max_page_bytes=1_000_000,
    fetch_concurrency=4,
    contact_url="https://example.com/price-monitor",
    min_heuristic_confidence=0.6,
    history_retention_days=90,
    repeated_failure_threshold=3,
    extraction_budget_seconds=2.0,
)
NO_SPACING = RetailerDirectory(0.0, MappingProxyType({}))


def throttled(operation: str) -> ClientError:
    error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
    return ClientError({"Error": error}, operation)


class Wrapper:
    """A boto3 client with some operations replaced."""

    def __init__(self, client: Any, **replacements: Any) -> None:
        self._client = client
        self._replacements = replacements

    def __getattr__(self, name: str) -> Any:
        return self._replacements.get(name) or getattr(self._client, name)


def run(
    scraper,
    *product_ids,
    dynamodb=None,
    sqs=None,
    s3=None,
    retailers=NO_SPACING,
    run_id=RUN_ID,
    **options,
):
    """Queue one job per product, receive them and scrape them with scrape_batch."""
    scraper.enqueue(
        *(ProductJob(run_id, pid, scraper.item(pid)["retailer"]) for pid in product_ids)
    )
    records = []
    while len(records) < len(product_ids):
        records.extend(scraper.receive())
    requests = [
        ScrapeRequest(
            parse_message(record["body"]),
            record["messageId"],
            record["receiptHandle"],
            receive_count_of(record["attributes"]),
        )
        for record in records
    ]
    resources = ScrapeResources(
        dynamodb=dynamodb or boto3.client("dynamodb"),
        sqs=sqs or boto3.client("sqs"),
        s3=s3 or boto3.client("s3"),
        products_table=scraper.tables.products,
        prices_table=scraper.tables.prices,
        archive_bucket=scraper.bucket,
        queue_url=scraper.queue.url,
        runs_table=scraper.tables.runs,
    )
    report = scrape_batch(
        requests,
        resources=resources,
        settings=SETTINGS,
        retailers=retailers,
        robots=RobotsPolicy(),
        remaining_ms=lambda: 60_000,
        **options,
    )
    return report, requests


def add(scraper, product_id, page=None, retailer="shop-a"):
    path = f"/p/{product_id}"
    if page is None:
        scraper.shop.product(path, "19.99")
    else:
        scraper.shop.serve(path, page)
    scraper.add_product(product_id, scraper.shop.url(path), retailer)


def finish_first(scraper, product_id):
    """A DynamoDB client under which a concurrent delivery records the product first."""
    client = boto3.client("dynamodb")

    def batch_get_item(**arguments):
        response = client.batch_get_item(**arguments)
        client.update_item(
            TableName=scraper.tables.products,
            Key={"product_id": {"S": product_id}},
            UpdateExpression="SET last_run_id = :run",
            ExpressionAttributeValues={":run": {"S": RUN_ID}},
        )
        return response

    return Wrapper(client, batch_get_item=batch_get_item)


def last_receive(scraper, product_id, dynamodb):
    """Scrape `product_id`'s job as its third and last receive, writing through `dynamodb`."""
    scraper.enqueue(ProductJob(RUN_ID, product_id, scraper.item(product_id)["retailer"]))
    [record] = scraper.receive()
    request = ScrapeRequest(
        parse_message(record["body"]), record["messageId"], record["receiptHandle"], 3
    )
    resources = ScrapeResources(
        dynamodb,
        boto3.client("sqs"),
        boto3.client("s3"),
        scraper.tables.products,
        scraper.tables.prices,
        scraper.bucket,
        scraper.queue.url,
        scraper.tables.runs,
    )
    report = scrape_batch(
        [request],
        resources=resources,
        settings=SETTINGS,
        retailers=NO_SPACING,
        robots=RobotsPolicy(),
        remaining_ms=lambda: 60_000,
    )
    return report, record["messageId"]


def test_an_empty_batch_does_nothing():
    report = scrape_batch(
        [],
        resources=None,
        settings=SETTINGS,
        retailers=NO_SPACING,
        robots=RobotsPolicy(),
        remaining_ms=lambda: 60_000,
    )
    assert report == BatchReport()


def test_a_concurrent_duplicate_observation_writes_nothing_twice(scraper):
    add(scraper, "kettle")

    report, _ = run(scraper, "kettle", dynamodb=finish_first(scraper, "kettle"))

    assert (report.scraped, report.skipped, report.failed_message_ids) == (0, 1, [])
    assert scraper.history("kettle") == []
    assert report.archive_key is None


def test_a_concurrent_duplicate_failure_counts_once(scraper):
    add(scraper, "kettle", ShopPage(404, "gone"))

    report, _ = run(scraper, "kettle", dynamodb=finish_first(scraper, "kettle"))

    assert (report.failed, report.skipped) == (0, 1)
    assert "consecutive_failures" not in scraper.item("kettle")


def test_catalog_keys_left_unprocessed_go_back_to_the_queue(scraper):
    add(scraper, "kettle")
    client = boto3.client("dynamodb")

    def batch_get_item(RequestItems):
        return {"Responses": {}, "UnprocessedKeys": RequestItems}

    report, requests = run(
        scraper, "kettle", dynamodb=Wrapper(client, batch_get_item=batch_get_item)
    )

    assert report.failed_message_ids == [requests[0].message_id]
    assert scraper.shop.requests == []


def test_a_failure_that_cannot_be_recorded_goes_back_to_the_queue(scraper):
    add(scraper, "kettle", ShopPage(404, "gone"))

    def update_item(**arguments):
        raise throttled("UpdateItem")

    client = Wrapper(boto3.client("dynamodb"), update_item=update_item)
    report, requests = run(scraper, "kettle", dynamodb=client)

    assert report.failed_message_ids == [requests[0].message_id]
    assert (report.failed, report.retried) == (0, 1)


def test_a_last_receive_that_cannot_record_its_error_still_goes_to_the_dlq(scraper, caplog):
    add(scraper, "kettle", ShopPage(500, "down"))

    def update_item(**arguments):
        raise throttled("UpdateItem")

    dynamodb = Wrapper(boto3.client("dynamodb"), update_item=update_item)
    report, message_id = last_receive(scraper, "kettle", dynamodb)

    assert report.failed_message_ids == [message_id]
    assert any(r.getMessage() == "could not record the last failure" for r in caplog.records)


def test_a_last_receive_of_a_product_this_run_already_recorded_is_done_not_dead_lettered(
    scraper,
):
    # A duplicate delivery recorded the product while this one kept failing: the run has
    # its outcome, so this job must neither go to the DLQ nor count as dead-lettered (a
    # run counted past its products looks finished while one is still pending).
    add(scraper, "kettle", ShopPage(500, "down"))

    report, _ = last_receive(scraper, "kettle", finish_first(scraper, "kettle"))

    assert (report.failed_message_ids, report.retried, report.skipped) == ([], 0, 1)
    run = boto3.resource("dynamodb").Table(scraper.tables.runs).get_item(Key={"run_id": RUN_ID})
    assert run.get("Item", {}).get("dead_lettered", 0) == 0


def test_an_unexpected_error_costs_one_job_a_retry(scraper):
    add(scraper, "kettle")
    add(scraper, "toaster", retailer="shop-b")

    def fetch(url, **options):
        if url.endswith("/kettle"):
            raise RuntimeError("bug")
        return fetch_page(url, **options)

    report, requests = run(scraper, "kettle", "toaster", fetchers=PageFetchers(http=fetch))

    kettle = next(r.message_id for r in requests if r.job.product_id == "kettle")
    assert report.failed_message_ids == [kettle]
    assert scraper.item("toaster")["last_status"] == "ok"


def test_an_invalid_extraction_rule_is_recorded_on_the_item(scraper):
    add(scraper, "kettle")
    policy = RetailerPolicy("shop-a", 0.0, True, MappingProxyType({"selector": "p[["}))
    retailers = RetailerDirectory(0.0, MappingProxyType({"shop-a": policy}))

    report, _ = run(scraper, "kettle", retailers=retailers)

    assert report.failed == 1
    assert scraper.item("kettle")["last_error"].startswith("invalid extraction rule for shop-a")


def test_spacing_ignores_crawl_delay_for_a_retailer_not_respecting_robots_txt(scraper):
    scraper.shop.serve("/robots.txt", ShopPage(body="User-agent: *\nCrawl-delay: 30\n"))
    add(scraper, "kettle")
    add(scraper, "toaster")
    policy = RetailerPolicy("shop-a", 0.0, False, None)
    retailers = RetailerDirectory(0.0, MappingProxyType({"shop-a": policy}))

    report, _ = run(scraper, "kettle", "toaster", retailers=retailers)

    assert report.scraped == 2


def refuse_entries(QueueUrl, Entries):
    return {"Successful": [], "Failed": [{"Id": e["Id"], "Code": "X"} for e in Entries]}


def fail_call(QueueUrl, Entries):
    raise throttled("ChangeMessageVisibilityBatch")


@pytest.mark.parametrize(
    ("change_visibility", "logged"),
    [
        (refuse_entries, "could not set a message's retry backoff"),
        (fail_call, "could not set the retry backoff of messages"),
    ],
    ids=["entries-refused", "call-failed"],
)
def test_backoff_that_cannot_be_set_is_logged_and_the_job_still_retried(
    scraper, caplog, change_visibility, logged
):
    add(scraper, "kettle", ShopPage(500, "down"))
    sqs = Wrapper(boto3.client("sqs"), change_message_visibility_batch=change_visibility)

    report, requests = run(scraper, "kettle", sqs=sqs)

    assert report.failed_message_ids == [requests[0].message_id]
    assert logged in [r.getMessage() for r in caplog.records]


def test_backoffs_are_set_ten_messages_per_call(scraper):
    calls = []

    def record_visibility(QueueUrl, Entries):
        calls.append([entry["VisibilityTimeout"] for entry in Entries])
        return {"Successful": Entries, "Failed": []}

    # Eleven jobs: an event source mapping with a batching window may deliver more than 10.
    for index in range(11):
        add(scraper, f"p{index}", ShopPage(503, "down", [("Retry-After", "60")]), f"shop-{index}")
    sqs = Wrapper(boto3.client("sqs"), change_message_visibility_batch=record_visibility)

    report, _ = run(scraper, *(f"p{i}" for i in range(11)), sqs=sqs)

    assert len(report.failed_message_ids) == 11
    assert calls == [[60] * 10, [60]]


def test_settings_are_read_from_the_declared_variables(scraper):
    values = scraper_environment(
        scraper.tables, scraper.queue, scraper.bucket, ALLOWED_HOSTS=" shop.local:8080, 127.0.0.1 "
    )

    settings = ScrapeSettings.from_environment(values)

    assert settings.allowed_hosts == ("shop.local:8080", "127.0.0.1")
    assert settings.fetch_concurrency == 10
    assert settings.min_heuristic_confidence == 0.6


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("FETCH_CONCURRENCY", "0", "at least 1"),
        ("FETCH_CONCURRENCY", "2.5", "not a whole number"),
        ("FETCH_TIMEOUT_SECONDS", "nan", "at least 0.1"),
        ("MAX_PAGE_BYTES", "-1", "at least 1"),
        ("MIN_HEURISTIC_CONFIDENCE", "1.5", "between 0 and 1"),
        ("HISTORY_RETENTION_DAYS", "forever", "not a whole number"),
        ("REPEATED_FAILURE_THRESHOLD", "0", "at least 1"),
    ],
)
def test_a_malformed_setting_is_refused_naming_it(scraper, name, value, problem):
    values = scraper_environment(scraper.tables, scraper.queue, scraper.bucket, **{name: value})

    with pytest.raises(ConfigurationError, match=problem) as raised:
        ScrapeSettings.from_environment(values)

    assert raised.value.setting == name


# --- crashes: whatever dies when, the archive ends up holding every recorded observation ---


class Killed(BaseException):
    """The Lambda runtime dying mid-batch (timeout, out of memory): nothing catches it."""


def killed_on(client, operation, call=1, after=False):
    """`client` with its `call`-th `operation` killing the invocation (`after`: once done)."""
    method = getattr(client, operation)
    calls = []

    def dying(**arguments):
        calls.append(arguments)
        if len(calls) != call:
            return method(**arguments)
        if after:
            method(**arguments)
        raise Killed(operation)

    return Wrapper(client, **{operation: dying})


def redeliver(scraper, sqs_clock):
    """After the queue's visibility timeout, the batch's messages come back to the handler."""
    sqs_clock.advance(SCRAPE_VISIBILITY_TIMEOUT_SECONDS + 1)
    records = scraper.receive()
    assert records
    return scraper.invoke(records)


def assert_every_observation_recorded_once_and_archived(scraper, product_ids):
    lines = scraper.archived_lines()
    by_id = {}
    for line in lines:  # at least once: copies of one observation are identical
        assert by_id.setdefault(line["observation_id"], line) == line
    history = [row for pid in product_ids for row in scraper.history(pid)]
    assert len(history) == len(product_ids)  # one row per product: nothing twice
    assert {f"{row['product_id']}#{row['timestamp']}" for row in history} == set(by_id)
    for pid in product_ids:
        item = scraper.item(pid)
        assert (item["last_status"], item["last_run_id"]) == ("ok", RUN_ID)
        [row] = scraper.history(pid)
        assert by_id[f"{pid}#{row['timestamp']}"]["price"] == float(item["last_price"])


PRODUCTS = tuple(f"p{index}" for index in range(9))


@pytest.mark.parametrize(
    ("service", "operation", "call", "after"),
    [
        ("dynamodb", "update_item", 4, False),  # midway through the state writes
        ("s3", "put_object", 1, False),  # after the state writes, before the archive
        ("s3", "put_object", 1, True),  # after the archive, before history
        ("dynamodb", "batch_write_item", 1, False),  # during the history write
        ("dynamodb", "batch_write_item", 1, True),  # after history, before the tally
    ],
    ids=["mid-state", "before-archive", "after-archive", "mid-history", "after-history"],
)
def test_a_batch_killed_anywhere_loses_and_duplicates_no_observation(
    scraper, sqs_clock, service, operation, call, after
):
    for index, pid in enumerate(PRODUCTS):
        add(scraper, pid, retailer=f"shop-{index % 3}")
    client = killed_on(boto3.client(service), operation, call, after)

    with pytest.raises(Killed):
        run(scraper, *PRODUCTS, **{service: client})
    response = redeliver(scraper, sqs_clock)

    assert failed_ids(response) == []
    assert_every_observation_recorded_once_and_archived(scraper, PRODUCTS)
    assert scraper.shop.hits("/p/p0") <= 2


def test_a_redelivered_job_is_not_fetched_again_and_rewrites_what_was_recorded(scraper, sqs_clock):
    add(scraper, "kettle")
    with pytest.raises(Killed):
        run(scraper, "kettle", s3=killed_on(boto3.client("s3"), "put_object"))

    redeliver(scraper, sqs_clock)

    assert scraper.shop.hits("/p/kettle") == 1
    [line] = scraper.archived_lines()
    assert line["observation_id"] == f"kettle#{scraper.history('kettle')[0]['timestamp']}"


def test_an_archive_failure_sends_the_jobs_back_and_their_redelivery_archives_them(
    scraper, sqs_clock
):
    add(scraper, "kettle")

    def put_object(**arguments):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "x"}}, "PutObject")

    report, requests = run(scraper, "kettle", s3=Wrapper(boto3.client("s3"), put_object=put_object))

    assert report.failed_message_ids == [requests[0].message_id]
    assert (report.scraped, report.archive_key) == (1, None)
    sqs_clock.advance(31)
    [record] = scraper.receive()
    scraper.invoke([record])
    assert_every_observation_recorded_once_and_archived(scraper, ["kettle"])


def test_a_history_write_that_fails_sends_the_job_back_and_its_redelivery_writes_it(
    scraper, sqs_clock
):
    add(scraper, "kettle")
    client = Wrapper(boto3.client("dynamodb"), batch_write_item=fail_batch_write)

    report, requests = run(scraper, "kettle", dynamodb=client)

    assert report.failed_message_ids == [requests[0].message_id]
    assert scraper.history("kettle") == []
    sqs_clock.advance(31)
    scraper.invoke(scraper.receive())
    assert_every_observation_recorded_once_and_archived(scraper, ["kettle"])


def fail_batch_write(**arguments):
    raise throttled("BatchWriteItem")


def test_a_final_receive_observation_whose_job_died_is_archived_by_the_next_run(scraper):
    add(scraper, "kettle")
    scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a"))
    [record] = scraper.receive()
    request = ScrapeRequest(parse_message(record["body"]), record["messageId"], "", 3)
    resources = ScrapeResources(
        boto3.client("dynamodb"),
        boto3.client("sqs"),
        killed_on(boto3.client("s3"), "put_object"),
        scraper.tables.products,
        scraper.tables.prices,
        scraper.bucket,
        scraper.queue.url,
        scraper.tables.runs,
    )
    with pytest.raises(Killed):  # on its 3rd receive: the message goes to the DLQ
        scrape_batch(
            [request],
            resources=resources,
            settings=SETTINGS,
            retailers=NO_SPACING,
            robots=RobotsPolicy(),
            remaining_ms=lambda: 60_000,
        )
    first = scraper.item("kettle")["last_checked_at"]

    scraper.scrape("kettle", run_id=NEXT_RUN_ID)

    lines = scraper.archived_lines()
    assert sorted((line["run_id"], line["scraped_at"]) for line in lines) == [
        (RUN_ID, first),
        (NEXT_RUN_ID, scraper.item("kettle")["last_checked_at"]),
    ]
    assert len(scraper.history("kettle")) == 2


# --- late observations: latest state only moves forward --------------------------------------


def test_a_late_retry_of_an_older_run_goes_to_history_and_archive_only(scraper):
    add(scraper, "kettle")
    scraper.shop.product("/p/kettle", "15.00")
    run(scraper, "kettle", run_id=NEXT_RUN_ID)
    newer = scraper.item("kettle")
    scraper.shop.product("/p/kettle", "19.99")

    report, _ = run(scraper, "kettle", run_id=RUN_ID)

    assert (report.late, report.scraped, report.failed_message_ids) == (1, 0, [])
    assert scraper.item("kettle") == newer  # no stream record: the detector never sees it
    rows = {row["run_id"]: row for row in scraper.history("kettle")}
    assert rows[RUN_ID]["price"] == Decimal("19.99")
    assert rows[RUN_ID]["late"] is True
    assert "previous_price" not in rows[RUN_ID]
    assert "late" not in rows[NEXT_RUN_ID]
    lines = {line["run_id"]: line for line in scraper.archived_lines()}
    assert (lines[RUN_ID]["late"], lines[NEXT_RUN_ID]["late"]) == (True, False)


def test_a_late_observation_racing_a_newer_run_is_recorded_late(scraper):
    add(scraper, "kettle")
    client = boto3.client("dynamodb")

    def batch_get_item(**arguments):  # the newer run records the product meanwhile
        response = client.batch_get_item(**arguments)
        client.update_item(
            TableName=scraper.tables.products,
            Key={"product_id": {"S": "kettle"}},
            UpdateExpression="SET last_run_id = :run, last_price = :price",
            ExpressionAttributeValues={":run": {"S": NEXT_RUN_ID}, ":price": {"N": "15"}},
        )
        return response

    report, _ = run(scraper, "kettle", dynamodb=Wrapper(client, batch_get_item=batch_get_item))

    assert report.late == 1
    assert scraper.item("kettle")["last_price"] == Decimal("15")
    [row] = scraper.history("kettle")
    assert (row["run_id"], row["late"]) == (RUN_ID, True)


def test_a_redelivered_late_job_is_not_fetched_again(scraper, sqs_clock):
    add(scraper, "kettle")
    run(scraper, "kettle", run_id=NEXT_RUN_ID)
    with pytest.raises(Killed):
        run(
            scraper,
            "kettle",
            run_id=RUN_ID,
            dynamodb=killed_on(boto3.client("dynamodb"), "batch_write_item", after=True),
        )

    response = redeliver(scraper, sqs_clock)

    assert failed_ids(response) == []
    assert scraper.shop.hits("/p/kettle") == 2
    late = [line for line in scraper.archived_lines() if line["late"]]
    assert len(late) == 2
    assert late[0] == late[1]
    assert len(scraper.history("kettle")) == 2


def test_a_late_failure_never_overwrites_the_newer_runs_state(scraper):
    add(scraper, "kettle")
    run(scraper, "kettle", run_id=NEXT_RUN_ID)
    newer = scraper.item("kettle")
    scraper.shop.serve("/p/kettle", ShopPage(404, "gone"))

    report, _ = run(scraper, "kettle", run_id=RUN_ID)

    assert (report.failed, report.failed_message_ids) == (0, [])
    assert scraper.item("kettle") == newer


# --- the per-page extraction budget -----------------------------------------------------------


def test_a_page_over_its_extraction_budget_fails_alone_and_the_batch_goes_on(scraper):
    for pid in ("slow", "kettle", "toaster"):
        add(scraper, pid, retailer=f"shop-{pid}")
    page = threading.local()

    def fetch(url, **options):
        page.url = url
        return fetch_page(url, **options)

    def budget_clock():  # the slow page's extraction spends 10 s of CPU per look at the clock
        page.spent = getattr(page, "spent", 0.0) + (10.0 if page.url.endswith("/slow") else 0.0)
        return page.spent

    report, _ = run(
        scraper,
        "slow",
        "kettle",
        "toaster",
        fetchers=PageFetchers(http=fetch),
        budget_clock=budget_clock,
    )

    assert (report.scraped, report.failed, report.failed_message_ids) == (2, 1, [])
    slow = scraper.item("slow")
    assert slow["last_status"] == "error"
    assert slow["last_error"] == "extraction too slow (over its 2 s CPU budget)"
    assert scraper.item("kettle")["last_price"] == Decimal("19.99")
