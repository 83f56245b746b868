"""The scraper Lambda as an adapter: routing, partial batch responses, metrics, environment."""

import json
import os
import sys
from pathlib import Path

import pytest
from scraper_fixtures import NEXT_RUN_ID, RUN_ID, ShopPage, emitted_metrics, failed_ids

from contracts import environment
from contracts.messages import ContinueDispatch, ProductJob, StartRun, encode, parse_message
from handlers import product_jobs
from handlers import scraper as scraper_handler
from monitor.retailers import ConfigurationError

FUNCTIONS_DIR = str(Path(scraper_handler.__file__).resolve().parents[1])
NO_SUCH_RUN = "2024-04-30T18:00:00Z"  # a run id without a run record


def add(scraper, product_id, price="19.99", retailer="shop-a"):
    url = scraper.shop.product(f"/p/{product_id}", price)
    scraper.add_product(product_id, url, retailer)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        json.dumps({"action": "scrape_product", "run_id": RUN_ID, "retailer": "shop-a"}),
        json.dumps({"action": "scrape_everything", "run_id": RUN_ID}),
        json.dumps({"action": "scrape_all_products", "run_id": "<aws.scheduler.scheduled-time>"}),
        json.dumps(["scrape_all_products"]),
    ],
    ids=["malformed-json", "missing-product-id", "unknown-action", "placeholder", "not-object"],
)
def test_poison_message_is_a_batch_item_failure_while_the_rest_succeeds(scraper, caplog, body):
    add(scraper, "kettle")
    scraper.enqueue(body, ProductJob(RUN_ID, "kettle", "shop-a"))
    records = scraper.receive()
    poison = next(record["messageId"] for record in records if record["body"] == body)

    response = scraper.invoke(records)

    assert failed_ids(response) == [poison]
    assert scraper.item("kettle")["last_status"] == "ok"
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.message_id == poison
    assert error.reason


def test_start_run_dispatches_the_catalog_onto_the_queue(scraper, capsys):
    add(scraper, "kettle")
    add(scraper, "toaster", retailer="shop-b")

    response = scraper.deliver(StartRun(RUN_ID))

    assert failed_ids(response) == []
    assert emitted_metrics(capsys.readouterr().out)["ProductsDispatched"] == [2]
    jobs = [parse_message(body) for body in scraper.visible_bodies()]
    assert sorted(jobs, key=lambda job: job.product_id) == [
        ProductJob(RUN_ID, "kettle", "shop-a"),
        ProductJob(RUN_ID, "toaster", "shop-b"),
    ]


def test_dispatched_jobs_are_then_scraped_by_the_same_function(scraper):
    add(scraper, "kettle")
    scraper.deliver(StartRun(RUN_ID))

    response = scraper.invoke(scraper.receive())

    assert failed_ids(response) == []
    assert scraper.item("kettle")["last_run_id"] == RUN_ID


def test_a_failed_dispatch_is_reported_while_the_batch_jobs_succeed(scraper, caplog):
    add(scraper, "kettle")
    continuation = ContinueDispatch(NO_SUCH_RUN, {"product_id": "kettle"})
    scraper.enqueue(continuation, ProductJob(RUN_ID, "kettle", "shop-a"))
    records = scraper.receive()
    dispatch_id = next(r["messageId"] for r in records if "continue_dispatch" in r["body"])

    response = scraper.invoke(records)

    assert failed_ids(response) == [dispatch_id]
    assert scraper.item("kettle")["last_status"] == "ok"
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.run_id == NO_SUCH_RUN


def test_scrape_counts_and_fetch_latency_go_out_as_emf(scraper, capsys):
    add(scraper, "kettle")
    scraper.shop.serve("/p/gone", ShopPage(404, "gone"))
    scraper.add_product("gone", scraper.shop.url("/p/gone"))
    scraper.shop.serve("/p/down", ShopPage(503, "down"))
    scraper.add_product("down", scraper.shop.url("/p/down"))
    scraper.shop.serve("/p/wall", ShopPage(403, "no"))
    scraper.add_product("wall", scraper.shop.url("/p/wall"))
    capsys.readouterr()

    scraper.scrape("kettle", "gone", "down", "wall")

    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ProductsScraped"] == [1]
    assert metrics["ProductsFailed"] == [1]
    assert metrics["ProductsRetried"] == [1]
    assert metrics["ProductsBlocked"] == [1]
    assert metrics["ProductsFailingRepeatedly"] == [0]
    assert len(metrics["FetchLatency"]) == 4
    assert all(latency >= 0 for latency in metrics["FetchLatency"])


def test_a_batch_is_summarised_in_one_info_line_and_observations_stay_at_debug(scraper, caplog):
    add(scraper, "kettle")
    add(scraper, "toaster")

    scraper.scrape("kettle", "toaster")

    [summary] = [r for r in caplog.records if r.getMessage() == "batch scraped"]
    assert (summary.jobs, summary.scraped, summary.failed) == (2, 2, 0)
    assert summary.run_ids == [RUN_ID]
    assert summary.levelname == "INFO"
    # At the function's log level (INFO), the per-product lines are not written.
    assert not [r for r in caplog.records if r.getMessage() == "product observed"]


def test_a_product_reaching_the_repeated_failure_threshold_is_counted(scraper, capsys):
    scraper.configure(REPEATED_FAILURE_THRESHOLD="2")
    scraper.shop.serve("/p/gone", ShopPage(404, "gone"))
    scraper.add_product("gone", scraper.shop.url("/p/gone"))

    scraper.scrape("gone", run_id=RUN_ID)
    first = emitted_metrics(capsys.readouterr().out)
    scraper.scrape("gone", run_id=NEXT_RUN_ID)
    second = emitted_metrics(capsys.readouterr().out)

    assert first["ProductsFailingRepeatedly"] == [0]
    assert second["ProductsFailingRepeatedly"] == [1]


def test_robots_txt_is_read_once_per_run(scraper):
    add(scraper, "kettle")
    add(scraper, "toaster")

    scraper.scrape("kettle")
    scraper.scrape("toaster")
    assert scraper.shop.hits("/robots.txt") == 1

    scraper.scrape("kettle", run_id=NEXT_RUN_ID)
    assert scraper.shop.hits("/robots.txt") == 2


def test_a_fault_of_the_whole_scrape_reports_every_job_and_not_the_dispatch(scraper, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    add(scraper, "kettle")
    monkeypatch.setattr(product_jobs, "scrape_batch", broken)
    scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a"), StartRun(RUN_ID))
    records = scraper.receive()
    job_id = next(r["messageId"] for r in records if "scrape_product" in r["body"])

    response = scraper.invoke(records)

    assert failed_ids(response) == [job_id]


def test_a_malformed_setting_fails_the_invocation_naming_it(scraper):
    scraper.configure(FETCH_CONCURRENCY="many")

    with pytest.raises(ConfigurationError, match="FETCH_CONCURRENCY"):
        scraper.deliver(StartRun(RUN_ID))


class RecordingEnviron(dict):
    """os.environ that remembers which variables the service's own code looked up."""

    def __init__(self, values):
        super().__init__(values)
        self.read_by_service = set()

    def _note(self, name):
        frame = sys._getframe(2)
        # Skip the stdlib's wrappers (os.getenv, Mapping.get) to find who asked.
        while frame is not None and frame.f_globals.get("__name__") in ("os", __name__):
            frame = frame.f_back
        if frame is not None and frame.f_code.co_filename.startswith(FUNCTIONS_DIR):
            self.read_by_service.add(name)

    def __getitem__(self, name):
        self._note(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self._note(name)
        return super().__contains__(name)

    def get(self, name, default=None):
        self._note(name)
        return super().get(name, default)


def test_the_handler_reads_exactly_the_variables_its_function_declares(scraper, monkeypatch):
    add(scraper, "kettle")
    scraper.enqueue(ProductJob(RUN_ID, "kettle", "shop-a"), StartRun(RUN_ID))
    records = scraper.receive()
    recording = RecordingEnviron(os.environ)
    monkeypatch.setattr(os, "environ", recording)
    scraper_handler.reset()

    response = scraper.invoke(records)

    assert failed_ids(response) == []
    assert scraper.item("kettle")["last_status"] == "ok"
    assert recording.read_by_service == set(environment.SCRAPER)


def test_poison_jobs_fail_alone_and_their_good_neighbours_are_scraped(scraper):
    poison = [
        encode(ProductJob(RUN_ID, "p" * 3_000, "shop-a")),
        encode(ProductJob(RUN_ID, "p" * 200_000, "shop-a")),
        "[" * 200_000,
        encode(ProductJob("run-1", "kettle", "shop-a")),
    ]
    good = ["kettle", "toaster", "grill"]
    for product_id in good:
        add(scraper, product_id)
    scraper.enqueue(*poison, *(ProductJob(RUN_ID, pid, "shop-a") for pid in good))
    records = scraper.receive()
    assert len(records) == len(poison) + len(good)

    response = scraper.invoke(records)

    bodies = {record["messageId"]: record["body"] for record in records}
    assert sorted(bodies[message_id] for message_id in failed_ids(response)) == sorted(poison)
    for product_id in good:
        assert scraper.item(product_id)["last_status"] == "ok"
