"""Benchmarks 2-3 (bench/cycle_calls.py): calls, bytes and time per product over a cycle."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench.call_counter import EVENT_LOOP, FUNCTION, HARNESS, ApiCall
from bench.cycle_calls import BUDGETS, growth_report, main
from bench.generated_site import GeneratedSite, product_page
from bench.payload_sizes import LogVolume, PayloadMeter, dynamodb_item_bytes

PRICES = "prices-table"
CONTRACT_KEYS = {
    "products",
    "retailers",
    "cycles_run",
    "wall_seconds",
    "seconds_per_product",
    "function_calls",
    "event_loop_calls",
    "per_product",
    "dynamodb_write_items_per_product",
    "invocations",
    "invocation_ms",
    "bytes_per_product",
    "notifications",
}


def call(operation: str, params: dict, scope: str = FUNCTION, service: str = "dynamodb"):
    function = "scraper" if scope == FUNCTION else None
    return ApiCall(scope, function, service, operation, params)


# --- the generated site ----------------------------------------------------------------


def test_one_product_in_five_drops_fifteen_percent_in_odd_cycles_and_the_rest_rise():
    site = GeneratedSite(products=10, retailers=3)
    dropping, rising = site.products[5], site.products[6]

    assert dropping.price(1) == (dropping.price(0) * Decimal("0.85")).quantize(Decimal("0.01"))
    assert rising.price(1) == (rising.price(0) * Decimal("1.02")).quantize(Decimal("0.01"))
    assert dropping.price(2) == dropping.price(0)
    assert site.drops(1) == 2  # products 0 and 5
    assert site.drops(2) == 0
    assert (rising.retailer, rising.product_id) == ("shop000", "p000006")


def test_a_page_carries_its_cycles_price_as_json_ld():
    product = GeneratedSite(products=3, retailers=3).products[2]

    page = product_page(product, cycle=1)

    assert '"@type": "Product"' in page
    assert f'"price": "{product.price(1)}"' in page


def test_the_site_answers_only_its_own_products():
    site = GeneratedSite(products=3, retailers=2)

    assert site.respond("/shop000/p000002")[0] == 200
    assert site.respond("/shop001/p000002")[0] == 404  # p2 belongs to shop000
    assert site.respond("/shop000/p000004")[0] == 404  # past the catalog
    assert site.respond("/admin")[0] == 404
    assert site.pages_served == 1


def test_a_site_needs_products_and_retailers():
    with pytest.raises(ValueError, match="1-999,999 products"):
        GeneratedSite(products=0, retailers=1)


# --- sizes and items -------------------------------------------------------------------


def test_an_items_size_is_its_attribute_names_plus_values_as_dynamodb_counts_them():
    item = {
        "id": {"S": "abc"},  # 2 + 3
        "price": {"N": "123.45"},  # 5 + (5 digits + 1) // 2 + 1 = 4
        "ok": {"BOOL": True},  # 2 + 1
        "tags": {"L": [{"S": "x"}]},  # 4 + 3 + 1 + 1
        "map": {"M": {"k": {"N": "7"}}},  # 3 + 3 + 1 + 1 + 2
    }

    assert dynamodb_item_bytes(item) == 5 + 9 + 3 + 9 + 10


def test_a_transaction_counts_each_item_it_writes_and_history_rows_are_sized():
    meter = PayloadMeter(prices_table=PRICES)
    history = {"product_id": {"S": "p1"}}
    meter(
        call(
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Update": {"TableName": "products"}},
                    {"Put": {"TableName": PRICES, "Item": history}},
                    {"ConditionCheck": {"TableName": "products"}},
                ]
            },
        )
    )
    meter(call("UpdateItem", {"TableName": "runs"}))
    meter(call("BatchWriteItem", {"RequestItems": {"t": [{"DeleteRequest": {}}] * 3}}))
    meter(call("PutItem", {"TableName": "other", "Item": history}, scope=EVENT_LOOP))

    assert meter.dynamodb_write_items == 2 + 1 + 3
    assert meter.write_items_by_function == {"scraper": 6}
    assert meter.write_items_by_operation == {
        "dynamodb:TransactWriteItems": 2,
        "dynamodb:UpdateItem": 1,
        "dynamodb:BatchWriteItem": 3,
    }
    assert (meter.history_items, meter.history_item_bytes) == (1, dynamodb_item_bytes(history))


def test_only_product_jobs_are_sized_as_job_messages_and_archive_bodies_are_measured():
    meter = PayloadMeter(prices_table=PRICES)
    job = '{"action":"scrape_product","product_id":"p1"}'
    entries = [{"MessageBody": job}, {"MessageBody": '{"action":"continue_dispatch"}'}]
    meter(call("SendMessageBatch", {"Entries": entries}, service="sqs"))
    meter(call("SendMessage", {"MessageBody": "not json"}, service="sqs"))
    meter(call("PutObject", {"Body": b"x" * 300}, service="s3"))
    meter(call("PutObject", {"Body": "é"}, service="s3"))
    meter(call("PutObject", {"Body": b"y" * 99}, scope=HARNESS, service="s3"))

    assert (meter.job_messages, meter.job_message_bytes) == (1, len(job))
    assert (meter.archive_objects, meter.archive_bytes) == (2, 302)


def test_the_log_volume_counts_utf8_bytes_and_keeps_nothing():
    logs = LogVolume()
    print("héllo", file=logs)

    assert logs.bytes == len("héllo\n".encode())


# --- budgets and growth ----------------------------------------------------------------


def cycle(products: int, transactions: int, seconds: float) -> dict:
    calls = {"dynamodb:TransactWriteItems": transactions, "sqs:SendMessageBatch": products // 10}
    return {
        "products": products,
        "seconds_per_product": seconds / products,
        "wall_seconds": seconds,
        "per_product": {name: count / products for name, count in calls.items()},
        "function_calls_by_function": {"scraper": calls, "detector": {}},
        "dynamodb_write_items_per_product": 2 * transactions / products,
        "dynamodb_write_items_per_product_by_function": {
            "scraper": 2 * transactions / products,
            "detector": 0.0,
        },
        "event_loop_calls": {"sqs:ReceiveMessage": products // 10},
        "invocations": {"scraper": products // 10, "detector": 1},
    }


def test_a_budget_is_met_at_its_limit_and_missed_above_it():
    sends, _, items, *_ = BUDGETS

    assert sends.line(cycle(100, 100, 1.0)).endswith("target <= 0.1: target met")
    assert items.value(cycle(100, 110, 1.0)) == pytest.approx(2.2)
    assert "(scraper 2.2000, detector 0.0000)" in items.line(cycle(100, 110, 1.0))
    assert items.line(cycle(100, 110, 1.0)).endswith("no target")


def test_growth_compares_the_largest_catalog_per_product_with_the_smallest():
    lines = growth_report([cycle(1000, 1000, 10.0), cycle(4000, 4000, 60.0)])

    assert lines[-1] == (
        "  from 1,000 to 4,000 products (4.0x): time per product x1.50, "
        "function calls per product x1.00"
    )


# --- a whole (tiny) run ----------------------------------------------------------------


def test_a_tiny_run_measures_the_second_cycle_and_writes_the_contract_keys(tmp_path, capsys):
    path = tmp_path / "measurements.json"
    path.write_text(json.dumps({"batch_latency": [{"latency_ms": 50}]}))

    assert main(["--products", "60", "--retailers", "6", "--json", str(path)]) == 0

    written = json.loads(path.read_text())
    assert written["batch_latency"] == [{"latency_ms": 50}]
    assert written["detector_memory_mb"] > 0
    (measured,) = written["cycles"]
    assert set(measured) >= CONTRACT_KEYS
    assert (measured["products"], measured["retailers"], measured["cycles_run"]) == (60, 6, 2)
    calls = measured["function_calls"]
    assert measured["per_product"] == {
        name: pytest.approx(count / 60, abs=1e-4) for name, count in calls.items()
    }
    # Every scraped product's latest state and history row, whatever calls carry them;
    # counted in the measured cycle only (the first cycle wrote as many again).
    scraper_items = measured["dynamodb_write_items_per_product_by_function"]["scraper"]
    assert 2.0 <= scraper_items < 2.5
    by_operation = measured["dynamodb_write_items_per_product_by_operation"]
    assert by_operation["dynamodb:BatchWriteItem"] == measured["history_rows_per_product"] == 1
    assert "sqs:ReceiveMessage" not in calls
    assert measured["event_loop_calls"]["sqs:ReceiveMessage"] > 0
    assert measured["notifications"] == 12  # one product in five dropped
    assert calls["sns:Publish"] == 12
    assert measured["invocations"]["scraper"] >= 3  # 60 jobs in batches of at most 25
    assert all(size > 0 for size in measured["bytes_per_product"].values())
    output = capsys.readouterr().out
    assert "N = 60 products, 6 retailers: cycle 2 of 2 measured" in output
    assert "S3 puts" in output
