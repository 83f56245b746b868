"""The scrape pipeline through the scraper Lambda: what a batch of product jobs records.

Each test puts catalog items in moto, serves their pages from the local shop, delivers the
jobs from the moto queue as Lambda would and checks the outcome: the catalog item, the
history, the archive, and which messages come back to the queue and when.
"""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from scraper_fixtures import (
    FETCH_TIMEOUT_SECONDS,
    NEXT_RUN_ID,
    RUN_ID,
    ShopPage,
    failed_ids,
)

from contracts.messages import ProductJob
from extraction.extract import extract_offer
from monitor.failures import MAX_RECEIVE_COUNT

CAPTCHA_PAGE = (
    "<html><head><title>Robot Check</title></head><body>"
    '<form action="/errors/validateCaptcha">Type the characters</form></body></html>'
)
# Sold out, and saying so without a price (German: the vocabulary's words, not English).
SOLD_OUT_PAGE = (
    "<html><title>Wasserkocher</title><body><h1>Wasserkocher</h1><p>Ausverkauft</p>"
    "<button disabled>In den Warenkorb</button></body></html>"
)
VISIBLE_PRICE_PAGE = (
    "<html><title>Kettle</title><body><h1>Kettle</h1>"
    '<p class="price">19,99 €</p><button>Add to cart</button></body></html>'
)


def add(scraper, product_id, price="19.99", retailer="shop-a", **attributes):
    url = scraper.shop.product(f"/p/{product_id}", price)
    scraper.add_product(product_id, url, retailer, **attributes)
    return url


def serve(scraper, product_id, page, retailer="shop-a", **attributes):
    url = scraper.shop.serve(f"/p/{product_id}", page)
    scraper.add_product(product_id, url, retailer, **attributes)


# --- observations --------------------------------------------------------------------------


def test_observed_product_records_latest_state_one_history_row_and_an_archive_line(scraper):
    url = add(scraper, "kettle", "19.99")
    before = datetime.now(UTC)

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert item["last_price"] == Decimal("19.99")
    assert item["last_currency"] == "EUR"
    assert item["last_availability"] == "in_stock"
    assert item["last_status"] == "ok"
    assert item["last_run_id"] == RUN_ID
    assert item["consecutive_failures"] == 0
    assert datetime.fromisoformat(item["last_checked_at"]) >= before - timedelta(seconds=1)
    [row] = scraper.history("kettle")
    assert (row["price"], row["currency"], row["availability"]) == (
        Decimal("19.99"),
        "EUR",
        "in_stock",
    )
    assert (row["retailer"], row["run_id"], row["url"]) == ("shop-a", RUN_ID, url)
    assert "previous_price" not in row
    retention = int(row["expires_at"]) - int(row["timestamp"]) // 1000
    assert abs(retention - 90 * 86400) <= 2
    [key] = scraper.archive_keys()
    assert key.startswith(f"prices/dt={before:%Y-%m-%d}/retailer=shop-a/2024-05-01T06-00-00Z-")
    [line] = scraper.archived_lines()
    assert (line["product_id"], line["price"], line["source"]) == ("kettle", 19.99, "jsonld")


def test_next_run_records_the_previous_price_in_history(scraper):
    add(scraper, "kettle", "19.99")
    scraper.scrape("kettle")
    scraper.shop.product("/p/kettle", "17.49", availability="OutOfStock")

    scraper.scrape("kettle", run_id=NEXT_RUN_ID)

    item = scraper.item("kettle")
    assert (item["last_price"], item["last_availability"]) == (Decimal("17.49"), "out_of_stock")
    rows = sorted(scraper.history("kettle"), key=lambda row: row["timestamp"])
    assert [row["price"] for row in rows] == [Decimal("19.99"), Decimal("17.49")]
    assert rows[1]["previous_price"] == Decimal("19.99")


def test_redelivered_job_writes_history_once_and_is_not_fetched_again(scraper):
    add(scraper, "kettle")
    scraper.scrape("kettle")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    [row] = scraper.history("kettle")
    assert scraper.shop.hits("/p/kettle") == 1
    # Archived at least once: the copy is identical, under the history row's key.
    first, again = scraper.archived_lines()
    assert first == again
    assert first["observation_id"] == f"kettle#{row['timestamp']}"


def test_the_same_job_twice_in_one_batch_is_fetched_and_recorded_once(scraper):
    add(scraper, "kettle")
    job = ProductJob(RUN_ID, "kettle", "shop-a")

    response = scraper.deliver(job, job)

    assert failed_ids(response) == []
    assert scraper.shop.hits("/p/kettle") == 1
    assert len(scraper.history("kettle")) == 1


def test_a_page_without_currency_is_recorded_without_one(scraper):
    page = (
        '<script type="application/ld+json">{"@type": "Product", "offers": '
        '{"@type": "Offer", "price": "10", "availability": "InStock"}}</script>'
    )
    serve(scraper, "kettle", ShopPage(body=page))

    scraper.scrape("kettle")

    item = scraper.item("kettle")
    assert item["last_price"] == Decimal("10")
    assert "last_currency" not in item


def test_an_out_of_stock_page_without_a_price_is_an_observation_without_one(scraper):
    add(scraper, "kettle", "19.99")
    scraper.scrape("kettle")
    scraper.shop.serve("/p/kettle", ShopPage(body=SOLD_OUT_PAGE))

    response = scraper.scrape("kettle", run_id=NEXT_RUN_ID)

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert (item["last_status"], item["last_availability"]) == ("ok", "out_of_stock")
    assert item["last_run_id"] == NEXT_RUN_ID
    assert "last_price" not in item  # the latest observation shows none
    assert "last_currency" not in item
    assert "last_error" not in item
    latest = max(scraper.history("kettle"), key=lambda row: row["timestamp"])
    assert "price" not in latest
    assert (latest["availability"], latest["previous_price"]) == ("out_of_stock", Decimal("19.99"))
    assert (latest["source"], latest["run_id"]) == ("heuristic", NEXT_RUN_ID)
    archived = [line for line in scraper.archived_lines() if line["run_id"] == NEXT_RUN_ID]
    assert [(line["price"], line["availability"]) for line in archived] == [(None, "out_of_stock")]


def test_the_price_returning_after_an_observation_without_one_is_recorded_afresh(scraper):
    serve(scraper, "kettle", ShopPage(body=SOLD_OUT_PAGE))
    scraper.scrape("kettle")
    scraper.shop.product("/p/kettle", "21.50")

    scraper.scrape("kettle", run_id=NEXT_RUN_ID)

    item = scraper.item("kettle")
    assert (item["last_price"], item["last_currency"]) == (Decimal("21.50"), "EUR")
    assert item["last_availability"] == "in_stock"
    rows = sorted(scraper.history("kettle"), key=lambda row: row["timestamp"])
    assert [row.get("price") for row in rows] == [None, Decimal("21.50")]
    assert "previous_price" not in rows[1]  # the observation before showed no price


def test_a_redelivered_observation_without_a_price_is_written_again_as_it_was(scraper):
    serve(scraper, "kettle", ShopPage(body=SOLD_OUT_PAGE))
    scraper.scrape("kettle")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    assert scraper.shop.hits("/p/kettle") == 1
    [row] = scraper.history("kettle")
    assert "price" not in row
    first, again = scraper.archived_lines()
    assert first == again
    assert first["price"] is None


def test_an_ambiguous_page_is_recorded_and_its_alternatives_logged(scraper, caplog):
    offers = [
        {"@type": "Offer", "price": "10", "priceCurrency": "EUR"},
        {"@type": "Offer", "price": "12", "priceCurrency": "EUR"},
    ]
    page = json.dumps({"@type": "Product", "offers": offers})
    serve(scraper, "kettle", ShopPage(body=f'<script type="application/ld+json">{page}</script>'))

    scraper.scrape("kettle")

    assert scraper.item("kettle")["last_price"] == Decimal("10")
    [warning] = [r for r in caplog.records if hasattr(r, "alternatives")]
    assert warning.alternatives == ["12"]
    assert (warning.product_id, warning.run_id) == ("kettle", RUN_ID)


def test_a_trusted_heuristic_price_is_recorded_with_its_confidence(scraper):
    serve(scraper, "kettle", ShopPage(body=VISIBLE_PRICE_PAGE))

    scraper.scrape("kettle")

    assert scraper.item("kettle")["last_price"] == Decimal("19.99")
    [line] = scraper.archived_lines()
    assert line["source"] == "heuristic"
    assert 0.6 <= line["confidence"] < 1


def test_retailer_extraction_rules_decide_the_price(scraper):
    scraper.configure(RETAILERS_JSON=json.dumps({"shop-a": {"rules": {"selector": ".sale"}}}))
    page = '<p class="price">30,00 €</p><p class="sale">24,00 €</p>'
    serve(scraper, "kettle", ShopPage(body=page))

    scraper.scrape("kettle")

    assert scraper.item("kettle")["last_price"] == Decimal("24.00")


# --- jobs that are done without a fetch ------------------------------------------------------


def test_a_product_deleted_from_the_catalog_is_done_and_writes_nothing(scraper):
    scraper.add_product("kettle", scraper.shop.url("/p/kettle"))
    boto3.resource("dynamodb").Table(scraper.tables.products).delete_item(
        Key={"product_id": "kettle"}
    )

    response = scraper.deliver(ProductJob(RUN_ID, "kettle", "shop-a"))

    assert failed_ids(response) == []
    assert scraper.shop.requests == []
    table = boto3.resource("dynamodb").Table(scraper.tables.products)
    assert "Item" not in table.get_item(Key={"product_id": "kettle"})


def test_an_inactive_product_is_not_fetched(scraper):
    add(scraper, "kettle", active=False)

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    assert scraper.shop.hits("/p/kettle") == 0
    assert "last_status" not in scraper.item("kettle")


def test_a_malformed_catalog_item_is_recorded_as_an_error_without_a_fetch(scraper):
    scraper.add_product("kettle", "ftp://127.0.0.1/kettle")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert item["last_status"] == "error"
    assert "is not an http or https URL" in item["last_error"]
    assert scraper.shop.requests == []


# --- permanent failures and blocked pages ------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "error"),
    [
        (ShopPage(404, "<h1>Not found</h1>"), "HTTP 404"),
        (ShopPage(410, "<h1>Gone</h1>"), "HTTP 410"),
        (ShopPage(400, "<h1>Bad request</h1>"), "HTTP 400"),
        (ShopPage(body="<p>Opening hours 9 to 17</p>"), "no price on the page"),
    ],
    ids=["404", "410", "400", "no-price"],
)
def test_permanent_failure_is_recorded_and_the_message_deleted(scraper, page, error):
    serve(scraper, "kettle", page, last_price=Decimal("19.99"), last_availability="in_stock")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert (item["last_status"], item["last_error"]) == ("error", error)
    assert item["consecutive_failures"] == 1
    assert item["last_run_id"] == RUN_ID
    assert (item["last_price"], item["last_availability"]) == (Decimal("19.99"), "in_stock")
    assert scraper.history("kettle") == []
    assert scraper.archive_keys() == []
    assert scraper.visible_bodies() == []


def test_a_heuristic_price_below_the_trusted_confidence_is_a_permanent_failure(scraper):
    # The minimum is set just above what the extractor makes of this page, so the test holds
    # however the heuristic's scoring is calibrated.
    confidence = extract_offer(VISIBLE_PRICE_PAGE, "https://shop-a.example/p/kettle").confidence
    minimum = f"{confidence + 0.001:g}"
    scraper.configure(MIN_HEURISTIC_CONFIDENCE=minimum)
    serve(scraper, "kettle", ShopPage(body=VISIBLE_PRICE_PAGE))

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert item["last_error"] == (
        f"no trusted price (heuristic confidence {confidence:g} < {minimum})"
    )
    assert "last_price" not in item


def test_a_url_refused_by_robots_txt_is_a_permanent_failure(scraper):
    scraper.shop.serve("/robots.txt", ShopPage(body="User-agent: *\nDisallow: /p/\n"))
    add(scraper, "kettle")

    scraper.scrape("kettle")

    assert scraper.shop.hits("/p/kettle") == 0
    assert "robots.txt" in scraper.item("kettle")["last_error"]


def test_robots_txt_is_ignored_for_a_retailer_configured_not_to_respect_it(scraper):
    scraper.configure(RETAILERS_JSON=json.dumps({"shop-a": {"respect_robots_txt": False}}))
    scraper.shop.serve("/robots.txt", ShopPage(body="User-agent: *\nDisallow: /\n"))
    add(scraper, "kettle")

    scraper.scrape("kettle")

    assert scraper.item("kettle")["last_status"] == "ok"
    assert scraper.shop.hits("/robots.txt") == 0


def test_a_page_outside_the_allowed_hosts_is_refused_as_unsafe(scraper):
    scraper.configure(ALLOWED_HOSTS="")
    add(scraper, "kettle")

    scraper.scrape("kettle")

    assert scraper.shop.requests == []
    item = scraper.item("kettle")
    assert item["last_status"] == "error"
    assert "127.0.0.1" in item["last_error"]


@pytest.mark.parametrize(
    "page",
    [ShopPage(200, CAPTCHA_PAGE), ShopPage(403, "<h1>Forbidden</h1>"), ShopPage(429, "slow down")],
    ids=["captcha", "403", "429-without-retry-after"],
)
def test_blocked_page_is_recorded_as_blocked_and_never_as_a_price(scraper, page):
    serve(scraper, "kettle", page, last_price=Decimal("19.99"), last_availability="in_stock")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    item = scraper.item("kettle")
    assert item["last_status"] == "blocked"
    assert item["last_error"].startswith("blocked page")
    assert (item["last_price"], item["last_availability"]) == (Decimal("19.99"), "in_stock")
    assert scraper.history("kettle") == []


def test_consecutive_failures_count_up_across_runs_and_reset_on_success(scraper):
    serve(scraper, "kettle", ShopPage(404, "gone"))
    for hour in ("00", "06", "12"):
        scraper.scrape("kettle", run_id=f"2024-05-01T{hour}:00:00Z")
    assert scraper.item("kettle")["consecutive_failures"] == 3

    scraper.shop.product("/p/kettle", "19.99")
    scraper.scrape("kettle", run_id="2024-05-01T18:00:00Z")

    item = scraper.item("kettle")
    assert item["consecutive_failures"] == 0
    assert item["last_status"] == "ok"
    assert "last_error" not in item


# --- transient failures ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "backoff"),
    [
        (ShopPage(500, "<h1>Internal error</h1>"), 30),
        (ShopPage(503, "<h1>Maintenance</h1>", [("Retry-After", "600")]), 600),
        (ShopPage(429, "<h1>Too many requests</h1>", [("Retry-After", "120")]), 120),
    ],
    ids=["500", "503-retry-after", "429-retry-after"],
)
def test_transient_failure_comes_back_after_its_backoff_and_writes_nothing(
    scraper, sqs_clock, page, backoff
):
    serve(scraper, "kettle", page)

    response = scraper.scrape("kettle")

    [message_id] = failed_ids(response)
    item = scraper.item("kettle")
    assert "last_status" not in item
    assert "consecutive_failures" not in item
    sqs_clock.advance(backoff - 2)
    assert scraper.visible_bodies() == []
    sqs_clock.advance(4)
    [record] = scraper.receive()
    assert record["messageId"] == message_id


def test_a_page_slower_than_the_fetch_timeout_is_retried(scraper, sqs_clock):
    url = scraper.shop.product("/p/kettle", "19.99", delay=FETCH_TIMEOUT_SECONDS + 0.5)
    scraper.add_product("kettle", url)

    response = scraper.scrape("kettle")

    # The page comes after the timeout: a fetch that waited for it would have succeeded.
    assert len(failed_ids(response)) == 1
    assert "last_status" not in scraper.item("kettle")
    sqs_clock.advance(31)
    assert len(scraper.receive()) == 1


def test_last_receive_records_the_error_before_the_message_goes_to_the_dlq(scraper, sqs_clock):
    serve(scraper, "kettle", ShopPage(500, "down"), last_price=Decimal("19.99"))
    scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a"))

    for receive in range(1, MAX_RECEIVE_COUNT + 1):
        [record] = scraper.receive()
        assert record["attributes"]["ApproximateReceiveCount"] == str(receive)
        response = scraper.invoke([record])
        assert failed_ids(response) == [record["messageId"]]
        if receive < MAX_RECEIVE_COUNT:
            assert "last_status" not in scraper.item("kettle")
        sqs_clock.advance(901)

    item = scraper.item("kettle")
    assert item["last_status"] == "error"
    assert item["last_error"] == "HTTP 500 (gave up after 3 tries)"
    assert item["consecutive_failures"] == 1
    assert item["last_price"] == Decimal("19.99")
    assert scraper.receive() == []
    dlq = boto3.client("sqs").receive_message(QueueUrl=scraper.queue.dlq_url)
    assert len(dlq["Messages"]) == 1


def test_a_failed_history_write_returns_the_job_to_the_queue_its_state_kept(scraper):
    add(scraper, "kettle")
    boto3.client("dynamodb").delete_table(TableName=scraper.tables.prices)

    response = scraper.scrape("kettle")

    assert len(failed_ids(response)) == 1
    # Recorded in DynamoDB, so archived; the redelivery writes the row from the item.
    assert scraper.item("kettle")["last_price"] == Decimal("19.99")
    [line] = scraper.archived_lines()
    assert line["product_id"] == "kettle"


def test_a_failed_failure_record_returns_the_job_to_the_queue(scraper, monkeypatch):
    serve(scraper, "kettle", ShopPage(404, "gone"))
    records = [scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a")), scraper.receive()][1]
    boto3.client("dynamodb").delete_table(TableName=scraper.tables.products)

    response = scraper.invoke(records)

    assert failed_ids(response) == [records[0]["messageId"]]


def test_an_unreadable_catalog_returns_every_job_to_the_queue(scraper):
    add(scraper, "kettle")
    add(scraper, "toaster")
    records = [
        scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a"), ProductJob(RUN_ID, "toaster", "s")),
        scraper.receive(),
    ][1]
    boto3.client("dynamodb").delete_table(TableName=scraper.tables.products)

    response = scraper.invoke(records)

    assert sorted(failed_ids(response)) == sorted(r["messageId"] for r in records)
    assert scraper.shop.requests == []


def test_an_archive_failure_returns_the_recorded_jobs_to_the_queue(scraper, caplog):
    add(scraper, "kettle")
    s3 = boto3.client("s3")
    s3.delete_bucket(Bucket=scraper.bucket)

    response = scraper.scrape("kettle")

    assert len(failed_ids(response)) == 1
    assert len(scraper.history("kettle")) == 1
    archive_errors = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert archive_errors[0].getMessage() == "could not archive the batch's observations"
    assert archive_errors[0].product_ids == ["kettle"]


# --- concurrency, politeness and time ---------------------------------------------------


def test_a_batch_of_ten_retailers_fetches_their_pages_concurrently(scraper):
    # Each page answers only once all ten are being fetched at the same time: fetched one
    # after another, the first would wait in vain (503 after the barrier's timeout).
    scraper.configure(FETCH_TIMEOUT_SECONDS="20")  # the barrier, not the fetch, gives up
    together = threading.Barrier(10, timeout=15)
    for index in range(10):
        url = scraper.shop.product(f"/p/{index}", "10.00", together=together)
        scraper.add_product(f"p{index}", url, retailer=f"shop-{index}")
    records = [
        scraper.enqueue(*(ProductJob(RUN_ID, f"p{i}", f"shop-{i}") for i in range(10))),
        scraper.receive(),
    ][1]
    assert len(records) == 10

    response = scraper.invoke(records)

    assert failed_ids(response) == []
    assert all(scraper.item(f"p{i}")["last_status"] == "ok" for i in range(10))
    [key] = scraper.archive_keys()
    assert "/retailer=_mixed/" in key
    assert len(scraper.archived_lines()) == 10


def test_one_retailers_jobs_are_fetched_one_spacing_apart(scraper):
    scraper.configure(RETAILERS_JSON=json.dumps({"shop-a": {"spacing_seconds": 0.5}}))
    add(scraper, "kettle")
    add(scraper, "toaster")

    scraper.scrape("kettle", "toaster")

    gap = abs(scraper.shop.arrival("/p/toaster") - scraper.shop.arrival("/p/kettle"))
    assert gap >= 0.5
    assert scraper.item("toaster")["last_status"] == "ok"


def test_robots_txt_crawl_delay_widens_the_spacing(scraper):
    scraper.shop.serve("/robots.txt", ShopPage(body="User-agent: *\nCrawl-delay: 1\n"))
    add(scraper, "kettle")
    add(scraper, "toaster")

    scraper.scrape("kettle", "toaster")

    gap = abs(scraper.shop.arrival("/p/toaster") - scraper.shop.arrival("/p/kettle"))
    assert gap >= 1.0


def test_spacing_that_does_not_fit_the_remaining_time_defers_the_rest(
    scraper, sqs_clock, monkeypatch
):
    scraper.configure(RETAILERS_JSON=json.dumps({"shop-a": {"spacing_seconds": 3}}))
    add(scraper, "kettle")
    add(scraper, "toaster")
    scraper.context.remaining_millis = 7_000  # 2 s after the reserve: room for one fetch
    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: slept.append(seconds) or real_sleep(seconds))

    response = scraper.scrape("kettle", "toaster")

    assert max(slept, default=0) < 1  # it did not sleep out the 3 s spacing
    assert len(failed_ids(response)) == 1
    assert scraper.shop.hits("/p/toaster") == 0
    assert scraper.item("kettle")["last_status"] == "ok"
    sqs_clock.advance(4)
    [record] = scraper.receive()
    assert json.loads(record["body"])["product_id"] == "toaster"


def test_no_fetch_starts_when_the_invocation_is_out_of_time(scraper):
    add(scraper, "kettle")
    scraper.context.remaining_millis = 5_500

    response = scraper.scrape("kettle")

    assert len(failed_ids(response)) == 1
    assert scraper.shop.requests == []


def test_fetch_timeout_shrinks_to_the_remaining_time(scraper):
    scraper.configure(FETCH_TIMEOUT_SECONDS="30")
    url = scraper.shop.product("/p/kettle", "19.99", delay=3)
    scraper.add_product("kettle", url)
    scraper.context.remaining_millis = 6_500  # 1.5 s left after the reserve

    response = scraper.scrape("kettle")

    # The page takes 3 s: under the configured 30 s timeout it would have been read.
    assert len(failed_ids(response)) == 1
