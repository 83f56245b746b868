"""bench/cost_model.py: the monthly bill from measured per-product figures, ours and naive."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench import aws_prices as price
from bench import cost_model
from bench.cost_model import (
    DESIGN_CHANGES,
    MeasurementsError,
    Workload,
    capacity,
    changed_bills,
    latency_slope,
    measured_design,
    monthly_bill,
    naive_design,
    one_transaction_per_product,
)
from bench.stack_shape import StackShape, alarm_metric_count, declared_shape

PRODUCTS = 1000


def measurements(**cycle_changes: Any) -> dict[str, Any]:
    """A small hand-made measurements document in the contract's schema."""
    cycle = {
        "products": PRODUCTS,
        "retailers": 10,
        "cycles_run": 2,
        "wall_seconds": 10.0,
        "seconds_per_product": 0.01,
        "function_calls": {
            "sqs:SendMessageBatch": 100,
            "dynamodb:Scan": 2,
            "dynamodb:BatchGetItem": 100,
            "dynamodb:BatchWriteItem": 100,  # the history rows, 10 per batch
            # 1000 latest states + 100 run tallies + 200 idempotency completions
            "dynamodb:UpdateItem": 1300,
            "dynamodb:PutItem": 200,  # idempotency records of 200 notifications
            "s3:PutObject": 100,
            "sns:Publish": 200,
        },
        "event_loop_calls": {
            "sqs:ReceiveMessage": 110,
            "sqs:DeleteMessageBatch": 100,
            "dynamodbstreams:GetRecords": 20,
        },
        "per_product": {},
        "dynamodb_write_items_per_product": 2.5,  # 1000 batch-written + 1500 single
        "dynamodb_write_items_per_product_by_operation": {
            "dynamodb:BatchWriteItem": 1.0,
            "dynamodb:UpdateItem": 1.3,
            "dynamodb:PutItem": 0.2,
        },
        "history_rows_per_product": 1.0,
        "invocations": {"scraper": 101, "detector": 10},
        "invocation_ms": {
            "scraper": {"mean": 100.0, "p50": 90.0, "p90": 150.0},
            "detector": {"mean": 50.0, "p50": 40.0, "p90": 80.0},
        },
        "bytes_per_product": {
            "sqs_job_message": 300,
            "s3_archive": 400,
            "history_item": 250,
            "product_item": 500,
            "function_logs": 1000,
        },
        "notifications": 200,
        **cycle_changes,
    }
    return {
        "measured_at": "2026-11-25T10:00:00Z",
        "machine": "test machine",
        "stack": "dev",
        "scraper_memory_mb": 512,
        "detector_memory_mb": 256,
        "batch_latency": [
            {
                "latency_ms": 100,
                "batch_size": 10,
                "concurrent_seconds": 0.15,
                "sequential_seconds": 1.05,
            },
            {
                "latency_ms": 500,
                "batch_size": 10,
                "concurrent_seconds": 0.55,
                "sequential_seconds": 5.05,
            },
        ],
        "cycles": [cycle],
    }


SHAPE = StackShape(
    stack="dev",
    region="eu-west-1",
    schedule_period_seconds=21_600,
    history_retention_days=90,
    log_retention_days=14,
    scraper_memory_mb=512,
    detector_memory_mb=256,
    scraper_batch_size=10,
    scraper_max_concurrency=5,
    sqs_event_sources=1,
    traced_functions=2,
    alarms=11,
    alarm_metrics=14,
    dashboards=1,
    customer_managed_keys=1,
    custom_metrics=8,
    alert_email_subscriptions=1,
    catalog_pitr=True,
    history_pitr=True,
    history_index_projections=("ALL",),
    archive_transition_min_bytes=128 * 1024,
    default_spacing_seconds=1.0,
)


def bills(workload: Workload, document: dict[str, Any] | None = None) -> tuple[Any, Any]:
    document = document or measurements()
    ours = measured_design(document)
    return (
        monthly_bill(ours, SHAPE, workload),
        monthly_bill(naive_design(ours, document), SHAPE, workload),
    )


def line(bill: cost_model.Bill, service: str, starts: str) -> cost_model.Line:
    (found,) = [x for x in bill.lines if x.service == service and x.item.startswith(starts)]
    return found


def test_doubling_the_catalog_doubles_the_usage_cost():
    # No notifications: the alert topic's data keys are counted per 5-minute window.
    single = Workload(products=5_300, checks_per_day=4, notification_share=0)
    double = replace(single, products=10_600)
    for one, two in zip(bills(single), bills(double), strict=True):
        assert two.usage_usd == pytest.approx(2 * one.usage_usd)


def test_fixed_costs_do_not_depend_on_the_catalog():
    small, large = (bills(Workload(products=n, checks_per_day=4))[0] for n in (5_300, 20_000))
    idle_polling = "idle long polling"
    fixed = {x.item: x.usd for x in small.lines if x.fixed and not x.item.startswith(idle_polling)}
    assert fixed == {
        x.item: x.usd for x in large.lines if x.fixed and not x.item.startswith(idle_polling)
    }
    assert sum(fixed.values()) == pytest.approx(
        8 * price.CLOUDWATCH_CUSTOM_METRIC_MONTH
        + 14 * price.CLOUDWATCH_ALARM_METRIC_MONTH
        + price.CLOUDWATCH_DASHBOARD_MONTH
        + price.KMS_KEY_MONTH
        + 4 * price.DAYS_PER_MONTH * price.SCHEDULER_INVOCATION  # one run every 6 hours
    )


def test_the_naive_design_costs_more_than_ours():
    ours, naive = bills(Workload(products=5_300, checks_per_day=4))
    assert naive.usage_usd > ours.usage_usd
    for service in ("Lambda", "SQS", "S3", "CloudWatch"):
        assert naive.by_service()[service] > ours.by_service()[service]


def test_the_naive_design_sends_archives_and_measures_once_per_product():
    workload = Workload(products=PRODUCTS, checks_per_day=1)
    ours, naive = bills(workload)
    checks = workload.checks_per_month
    assert line(naive, "S3", "PUT").quantity == pytest.approx(checks)  # one object each
    assert line(ours, "S3", "PUT").quantity == pytest.approx(0.1 * checks)  # one per batch
    assert line(naive, "SQS", "requests by the functions").quantity == pytest.approx(checks)
    assert line(ours, "SQS", "requests by the functions").quantity == pytest.approx(0.1 * checks)
    assert line(naive, "CloudWatch", "PutMetricData").quantity == pytest.approx(0.101 * checks)
    assert line(ours, "CloudWatch", "PutMetricData").quantity == 0


def test_a_known_count_at_a_known_price_gives_the_expected_dollars():
    workload = Workload(products=PRODUCTS, checks_per_day=1)
    ours, _ = bills(workload)
    puts = 0.1 * PRODUCTS * price.DAYS_PER_MONTH  # 0.1 puts per product, one check a day
    assert line(ours, "S3", "PUT").usd == pytest.approx(puts * 0.005 / 1000)


def test_history_rows_cost_one_write_unit_and_one_index_write_each():
    workload = Workload(products=PRODUCTS, checks_per_day=1, notification_share=0)
    ours, _ = bills(workload)
    checks = workload.checks_per_month
    assert line(ours, "DynamoDB", "transactional").quantity == 0
    assert line(ours, "DynamoDB", "batch writes").quantity == pytest.approx(checks)
    assert line(ours, "DynamoDB", "history index").quantity == pytest.approx(checks)
    # each latest state and the run tally's 0.1; the notifications' writes go with the share
    assert line(ours, "DynamoDB", "single-item").quantity == pytest.approx(1.1 * checks)


def test_notification_calls_follow_the_notification_share_not_the_benchmark_cycle():
    quiet = Workload(products=PRODUCTS, checks_per_day=1, notification_share=0.0)
    busy = replace(quiet, notification_share=0.05)
    quiet_bill, _ = bills(quiet)
    busy_bill, _ = bills(busy)
    assert line(quiet_bill, "SNS", "publishes").quantity == 0
    assert line(busy_bill, "SNS", "publishes").quantity == pytest.approx(
        0.05 * busy.checks_per_month
    )
    assert line(busy_bill, "SNS", "email").quantity == pytest.approx(
        0.05 * busy.checks_per_month * SHAPE.alert_email_subscriptions
    )
    extra_writes = 2 * 0.05 * busy.checks_per_month  # PutItem + UpdateItem per notification
    assert line(busy_bill, "DynamoDB", "single-item").quantity == pytest.approx(
        line(quiet_bill, "DynamoDB", "single-item").quantity + extra_writes
    )


def test_page_latency_is_charged_once_per_batch_for_ours_and_ten_times_for_naive():
    fast = Workload(products=PRODUCTS, checks_per_day=1, page_latency_seconds=0.0)
    slow = replace(fast, page_latency_seconds=1.0)
    (ours_fast, naive_fast), (ours_slow, naive_slow) = bills(fast), bills(slow)
    gb = SHAPE.scraper_memory_mb / 1024
    per_check = fast.checks_per_month * gb

    def added(a: cost_model.Bill, b: cost_model.Bill) -> float:
        return line(b, "Lambda", "scraper").quantity - line(a, "Lambda", "scraper").quantity

    # one latency per scraper invocation: 101 invocations for 1000 products
    assert added(ours_fast, ours_slow) == pytest.approx(101 / 1000 * per_check)
    # sequential: 10 latencies per batch, plus the in-Lambda retries' extra fetch
    assert added(naive_fast, naive_slow) == pytest.approx(
        (1.0 + cost_model.NAIVE_TRANSIENT_SHARE) * per_check
    )


def test_the_old_write_path_and_tracing_raise_the_bill_the_others_lower_it_most_together():
    document = measurements()
    ours = measured_design(document)
    workload = Workload(products=5_300, checks_per_day=4)
    base = monthly_bill(ours, SHAPE, workload)
    changed = changed_bills(ours, SHAPE, workload)
    assert set(DESIGN_CHANGES) < set(changed)
    previous = changed.pop("one transaction per product (the design before)")
    assert previous.usage_usd > base.usage_usd
    traced = changed.pop("X-Ray active tracing on")
    assert (
        traced.usage_usd
        > monthly_bill(ours, replace(SHAPE, traced_functions=0), workload).usage_usd
    )
    for label, bill in changed.items():
        assert bill.total_usd < base.total_usd, label
    combined = changed.pop("no index, 256 MB, 30 days of history together")
    assert combined.usage_usd < min(bill.usage_usd for bill in changed.values())


def test_a_transaction_per_product_costs_twice_the_write_units_of_standard_writes():
    workload = Workload(products=PRODUCTS, checks_per_day=1, notification_share=0)
    ours = measured_design(measurements())
    transactional, _ = one_transaction_per_product(ours, SHAPE)

    def write_units(design: cost_model.Design) -> float:
        bill = monthly_bill(design, SHAPE, workload)
        return sum(x.quantity for x in bill.lines if x.unit == "WRU" and "index" not in x.item)

    # 2 items x 1 unit as standard writes (+0.1 tally); 2 items x 2 units in a transaction
    assert write_units(ours) == pytest.approx(2.1 * workload.checks_per_month)
    assert write_units(transactional) == pytest.approx(4.1 * workload.checks_per_month)
    assert one_transaction_per_product(transactional, SHAPE)[0] is transactional


def test_latency_slope_is_the_least_squares_slope_of_batch_time_on_latency():
    rows = measurements()["batch_latency"]
    assert latency_slope(rows, "concurrent_seconds") == pytest.approx(1.0)
    assert latency_slope(rows, "sequential_seconds") == pytest.approx(10.0)
    one_row = [{"latency_ms": 200, "batch_size": 10, "concurrent_seconds": 0.3}]
    assert latency_slope(one_row, "concurrent_seconds") == pytest.approx(1.5)


def test_the_free_tier_is_its_own_line_and_pools_are_shared_between_lines():
    ours, _ = bills(Workload(products=5_300, checks_per_day=4))
    lambda_gb_s = sum(x.quantity for x in ours.lines if x.unit == "GB-s")
    assert lambda_gb_s < price.FREE_TIER["lambda_gb_seconds"]
    # every Lambda GB-s, the 8 metrics and 10 of the 14 alarm metrics are free; 4 are not
    assert 0 < ours.free_tier_usd < ours.total_usd
    assert ours.after_free_tier_usd == pytest.approx(ours.total_usd - ours.free_tier_usd)
    huge, _ = bills(Workload(products=1_000_000, checks_per_day=4))
    gb_s_free = price.FREE_TIER["lambda_gb_seconds"] * price.LAMBDA_ARM_GB_SECOND
    lambda_lines = [x for x in huge.lines if x.free_pool == "lambda_gb_seconds"]
    assert sum(x.usd for x in lambda_lines) > gb_s_free  # the pool runs out, shared


def test_idle_long_polling_fills_the_month_outside_the_cycles():
    ours, _ = bills(Workload(products=5_300, checks_per_day=4))
    idle = line(ours, "SQS", "idle long polling")
    assert idle.fixed
    whole_month = price.IDLE_SQS_POLLERS * price.SECONDS_PER_MONTH / price.SQS_LONG_POLL_SECONDS
    assert 0.9 * whole_month < idle.quantity < whole_month


def test_calls_without_a_price_are_reported_not_dropped():
    document = measurements()
    document["cycles"][0]["function_calls"]["dynamodb:RestoreTableToPointInTime"] = 50
    ours, _ = bills(Workload(products=PRODUCTS, checks_per_day=1), document)
    assert ours.unpriced == {"dynamodb:RestoreTableToPointInTime": pytest.approx(0.05)}


def test_a_missing_figure_is_named():
    document = measurements()
    del document["cycles"][0]["invocation_ms"]
    with pytest.raises(MeasurementsError, match="invocation_ms"):
        measured_design(document)


def test_a_cycle_without_products_is_refused():
    with pytest.raises(MeasurementsError, match="no products"):
        measured_design(measurements(products=0))


def test_capacity_asks_for_more_concurrency_than_declared_at_a_million_products():
    document = measurements()
    ours = measured_design(document)
    small = capacity(ours, SHAPE, Workload(products=5_300, checks_per_day=4), retailers=10)
    large = capacity(ours, SHAPE, Workload(products=1_000_000, checks_per_day=4), retailers=10)
    assert small.concurrency_needed <= SHAPE.scraper_max_concurrency
    assert large.concurrency_needed > SHAPE.scraper_max_concurrency
    assert large.cycle_seconds_at_declared_concurrency > SHAPE.schedule_period_seconds / 2
    assert large.products_per_retailer == 100_000
    assert large.sqs_sends_per_cycle == pytest.approx(100_000)


def test_a_math_alarm_is_billed_for_each_metric_it_reads():
    assert alarm_metric_count({"metricName": "Errors"}) == 1
    queries = [
        {"id": "a", "metric": {}},
        {"id": "b", "metric": {}},
        {"id": "e", "expression": "a/b"},
    ]
    assert alarm_metric_count({"metricQueries": queries}) == 2


def test_the_dev_stack_shape_is_read_from_the_program():
    shape = declared_shape("dev")
    assert shape.checks_per_day == 4
    assert shape.scraper_memory_mb == 512
    assert shape.scraper_max_concurrency == 5
    # ten single-metric alarms, and the incomplete-run alarm reads four metrics
    assert (shape.alarms, shape.alarm_metrics) == (11, 14)
    assert shape.custom_metrics == 9  # every name in contracts.metric_names but SERVICE
    assert shape.history_index_projections == ("ALL",)
    assert shape.catalog_pitr
    assert shape.history_pitr


def test_the_script_prints_both_designs_the_target_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(cost_model, "declared_shape", lambda stack: SHAPE)
    source = tmp_path / "measurements.json"
    source.write_text(json.dumps(measurements()))
    out = tmp_path / "cost.json"
    assert cost_model.main(["--measurements", str(source), "--json", str(out), "--smoke"]) == 0
    printed = capsys.readouterr().out
    assert "5,300 products x 4 checks a day" in printed
    assert "1,000,000 products" not in printed  # --smoke: the first scenario only
    assert "total after the always-free tier" in printed
    assert ("target met" in printed) or ("TARGET MISSED" in printed)
    figures = json.loads(out.read_text())
    (scenario,) = figures["scenarios"]
    assert set(scenario["designs"]) == {"ours", "naive"}
    assert figures["prices"]["checked"] == price.PRICES_CHECKED


def test_the_script_prices_any_catalog_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(cost_model, "declared_shape", lambda stack: SHAPE)
    source = tmp_path / "measurements.json"
    source.write_text(json.dumps(measurements()))
    args = ["--measurements", str(source), "--products", "20000", "--checks-per-day", "2"]
    assert cost_model.main(args) == 0
    printed = capsys.readouterr().out
    assert "20,000 products x 2 checks a day" in printed
    assert "target:" not in printed  # the target is about 5,300 x 4 only


def test_the_script_fails_cleanly_without_measurements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert cost_model.main(["--measurements", str(tmp_path / "absent.json")]) == 2
    assert "no measurements" in capsys.readouterr().err


# --- the browser path (bench/render_cost.py's figures) ---------------------------------------


def with_render(document: dict[str, Any], seconds: float = 0.5, slope: float = 3.0) -> dict:
    document["render"] = {"render_seconds": {"warm": {"mean": seconds}}, "latency_slope": slope}
    return document


def test_no_browser_share_leaves_the_bill_as_it_was():
    workload = Workload(products=5_300, checks_per_day=4)
    without = bills(workload)
    measured = bills(workload, with_render(measurements()))
    for plain, rendered in zip(without, measured, strict=True):
        assert rendered.lines == plain.lines
        assert not [x for x in rendered.lines if "renderer" in x.item]


def test_a_browser_share_needs_the_render_figures():
    workload = Workload(products=PRODUCTS, checks_per_day=1, browser_share=0.1)
    with pytest.raises(MeasurementsError, match="render"):
        bills(workload)


def test_a_browser_share_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="browser share"):
        Workload(products=PRODUCTS, checks_per_day=1, browser_share=1.5)


def test_browser_checks_move_from_the_scraper_to_the_renderer():
    share, seconds, slope = 0.2, 0.5, 3.0
    document = with_render(measurements(), seconds, slope)
    http_only = Workload(products=PRODUCTS, checks_per_day=1, notification_share=0)
    mixed = replace(http_only, browser_share=share)
    (before, _), (after, _) = bills(http_only, document), bills(mixed, document)
    checks = mixed.checks_per_month
    assert line(after, "Lambda", "scraper").quantity == pytest.approx(
        (1 - share) * line(before, "Lambda", "scraper").quantity
    )
    ours = measured_design(document)
    per_page = (
        seconds
        + slope * mixed.page_latency_seconds
        + mixed.aws_call_seconds * sum(ours.calls.values())
    )
    memory_gb = cost_model.RENDERER_MEMORY_MB / 1024
    assert line(after, "Lambda", "renderer duration").quantity == pytest.approx(
        share * checks * per_page * memory_gb
    )
    assert line(after, "Lambda", "renderer requests").quantity == pytest.approx(
        share * checks / cost_model.RENDERER_BATCH_SIZE
    )
    # what follows the fetch is the same code: DynamoDB and S3 do not change
    for service in ("DynamoDB", "S3"):
        assert after.by_service()[service] == pytest.approx(before.by_service()[service])
    assert line(after, "ECR", "renderer image").fixed
    assert after.usage_usd > before.usage_usd  # a render costs more than an http fetch


def test_capacity_shows_the_renderers_cycle_time():
    document = with_render(measurements(), seconds=1.0, slope=0.0)
    ours = measured_design(document)
    workload = Workload(products=PRODUCTS, checks_per_day=4, browser_share=0.5, aws_call_seconds=0)
    found = capacity(ours, SHAPE, workload, retailers=10)
    # 500 pages of 1 s each over the renderer's maximum concurrency
    assert found.renderer_cycle_seconds == pytest.approx(500 / cost_model.RENDERER_MAX_CONCURRENCY)
    assert capacity(ours, SHAPE, replace(workload, browser_share=0), 10).renderer_cycle_seconds == 0
