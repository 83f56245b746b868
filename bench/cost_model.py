"""Monthly AWS cost of N products checked K times a day, from measured per-product figures.

    python -m bench.cost_model [--measurements bench/results/measurements.json]
        [--products N --checks-per-day K] [--page-latency-seconds S]
        [--notification-share F] [--aws-call-seconds S] [--archive-months M]
        [--stack dev] [--json PATH] [--smoke]

Inputs: the benchmark measurements (bench/results/measurements.json: AWS calls per product
counted at the botocore level over a local-stack cycle, invocations and their local time,
payload, item, archive and log sizes, batch latency against page latency), the stack's
billable shape as its Pulumi program declares it (stack_shape.py) and the list prices of
aws_prices.py. Output: a bill per service, ours and the naive design side by side, with the
usage (scales with N x K) apart from the fixed per-stack costs, the always-free tier as a
line of its own, and a capacity block (how long a cycle runs, what concurrency and
throughput it needs). With no --products it prints the issue's two scenarios. bench/README.md
explains every formula and assumption.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import aws_prices as price
from bench.stack_shape import StackShape, declared_shape

ROOT = Path(__file__).resolve().parents[1]

MEASUREMENTS = ROOT / "bench" / "results" / "measurements.json"
SCENARIOS = ((5_300, 4.0), (1_000_000, 4.0))
# The target: 5,300 products checked 4 times a day under 2.50 USD a month.
TARGET_PRODUCTS, TARGET_CHECKS_PER_DAY, TARGET_USD = 5_300, 4.0, 2.50

# Assumptions (inputs with defaults, printed with every result).
DEFAULT_PAGE_LATENCY_SECONDS = 1.0  # a retailer's page, on the web
# The local retailer site changes prices on purpose (one product in five drops every other
# cycle); real catalogs change far less, so the share of checks that notify is an input.
DEFAULT_NOTIFICATION_SHARE = 0.01
# An AWS API round trip from Lambda; locally the same calls went to moto in process (their
# time is in the measured invocation time too, so this errs on the expensive side).
DEFAULT_AWS_CALL_SECONDS = 0.015
DEFAULT_ARCHIVE_MONTHS = 12  # S3 keeps everything: the bill of the archive's 12th month
# The capacity block: a cycle should finish within this share of the schedule's period.
CYCLE_SHARE_OF_PERIOD = 0.5
ACCOUNT_CONCURRENCY = 1000  # Lambda's default concurrent executions per account and region
DYNAMODB_PARTITION_WRU_PER_SECOND = 1000

# The naive design's retries: a transient failure (timeout, 5xx, 429) sleeps in Lambda and
# fetches again, instead of going back to the queue with a visibility timeout.
NAIVE_TRANSIENT_SHARE = 0.02
NAIVE_RETRY_SLEEP_SECONDS = 5.0

# What one notification costs the detector: SNS Publish, and the Powertools idempotency
# record (PutItem "in progress", then UpdateItem "completed"). These scale with the
# notification share; the rest of the measured calls scale with product checks.
CALLS_PER_NOTIFICATION: Mapping[str, float] = {
    "sns:Publish": 1,
    "dynamodb:PutItem": 1,
    "dynamodb:UpdateItem": 1,
}
SINGLE_ITEM_WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
S3_PUT_CLASS = ("s3:PutObject", "s3:CopyObject", "s3:ListObjects", "s3:ListObjectsV2")
S3_GET_CLASS = ("s3:GetObject", "s3:HeadObject")
# Reading a table's stream from a Lambda trigger is free; so is asking who you are.
FREE_SERVICES = ("dynamodbstreams", "sts")
# A KEYS_ONLY index row: the table's and the index's keys (product_id, timestamp, retailer).
INDEX_KEYS_BYTES = 64

# The browser path (bench/render_cost.py measures it). The renderer's declared shape mirrors
# the defaults of the stack's `renderer` settings (memoryMb, batchSize, maxConcurrency): the
# stacks priced here declare no browser retailer, so their program has no renderer to read.
RENDERER_MEMORY_MB = 2048
RENDERER_BATCH_SIZE = 5
RENDERER_MAX_CONCURRENCY = 2
# Lambda's pollers on the render queue: one ReceiveMessage and one DeleteMessageBatch a batch.
RENDER_POLLER_REQUESTS_PER_BATCH = 2
# The dispatcher sends a job to the render queue in batches of 10 (SendMessageBatch).
RENDER_SENDS_PER_PAGE = 0.1
# The renderer's image (Python base, Chromium and its libraries, Playwright's driver),
# compressed as ECR stores it: assumed, from the sizes installed here (bench/README.md).
RENDERER_IMAGE_GB = 0.6
DEFAULT_BROWSER_SHARE = 0.0  # share of product checks fetched by the browser


class MeasurementsError(ValueError):
    """The measurements file lacks a figure the model needs (named in the message)."""


@dataclass(frozen=True)
class Workload:
    """What is priced: N products checked K times a day, and the assumptions."""

    products: int
    checks_per_day: float
    page_latency_seconds: float = DEFAULT_PAGE_LATENCY_SECONDS
    notification_share: float = DEFAULT_NOTIFICATION_SHARE
    aws_call_seconds: float = DEFAULT_AWS_CALL_SECONDS
    archive_months: int = DEFAULT_ARCHIVE_MONTHS
    browser_share: float = DEFAULT_BROWSER_SHARE

    def __post_init__(self) -> None:
        if not 0.0 <= self.browser_share <= 1.0:
            raise ValueError(f"the browser share is between 0 and 1, not {self.browser_share}")

    @property
    def cycles_per_month(self) -> float:
        return self.checks_per_day * price.DAYS_PER_MONTH

    @property
    def checks_per_month(self) -> float:
        return self.products * self.cycles_per_month


@dataclass(frozen=True)
class RenderFigures:
    """The renderer's measured time per page (bench/render_cost.py)."""

    seconds_per_page: float  # warm browser, pages and subresources served at once (mean)
    # Seconds of render time per second of page latency (about the round trips a page
    # makes one after another: the document, then its scripts, then their data request).
    latency_slope: float


@dataclass(frozen=True)
class RenderUsage:
    """What one rendered page bills."""

    gb_seconds: float  # renderer duration at its memory
    lambda_requests: float  # one invocation per batch
    sqs_requests: float  # the render queue's receives and deletes (and sends, if counted)

    @property
    def usd(self) -> float:
        return (
            self.gb_seconds * price.LAMBDA_ARM_GB_SECOND
            + self.lambda_requests * price.LAMBDA_REQUEST
            + self.sqs_requests * price.SQS_REQUEST
        )


def render_usage(
    seconds_per_page: float,
    *,
    memory_mb: int = RENDERER_MEMORY_MB,
    batch_size: int = RENDERER_BATCH_SIZE,
    sends_per_page: float = RENDER_SENDS_PER_PAGE,
) -> RenderUsage:
    """One rendered page's usage: pages render one after another in the container's browser,
    so a page bills its own time (batched pages do not share it as the http path's do)."""
    return RenderUsage(
        gb_seconds=seconds_per_page * memory_mb / 1024,
        lambda_requests=1 / batch_size,
        sqs_requests=RENDER_POLLER_REQUESTS_PER_BATCH / batch_size + sends_per_page,
    )


@dataclass(frozen=True)
class Design:
    """One design's cost drivers per product check (one product, one cycle)."""

    name: str
    calls: Mapping[str, float]  # by the functions, notifications' own calls excluded
    poller_calls: Mapping[str, float]  # by Lambda's pollers and the scheduler
    transactional_items: float  # DynamoDB items written inside TransactWriteItems
    batch_items: float  # DynamoDB items written by BatchWriteItem (standard writes)
    history_rows: float  # observations recorded (one history row each)
    scraper_invocations: float
    detector_invocations: float
    scraper_seconds: float  # measured local time, pages served instantly
    detector_seconds: float
    # Billed seconds per product check per second of page latency: ours waits about one
    # latency per invocation (fetches are concurrent), the naive design one per page.
    latency_per_check: float
    batch_size: int  # product jobs per scraper invocation in the measured cycle
    sizes: Mapping[str, float]  # bytes per product: messages, items, archive, logs
    in_lambda_retry_share: float = 0.0  # fetches retried by sleeping inside Lambda
    measured_notification_share: float = 0.0
    render: RenderFigures | None = None  # None: the browser path was not measured


@dataclass(frozen=True)
class Line:
    """One priced quantity of a monthly bill."""

    service: str
    item: str
    quantity: float
    unit: str
    unit_usd: float
    fixed: bool = False  # per stack, whatever N and K
    free_pool: str | None = None  # the always-free allowance it draws on

    @property
    def usd(self) -> float:
        return self.quantity * self.unit_usd


@dataclass(frozen=True)
class Bill:
    """A design's monthly bill for a workload."""

    design: str
    lines: tuple[Line, ...]
    unpriced: Mapping[str, float] = field(default_factory=dict)  # calls per check

    @property
    def usage_usd(self) -> float:
        return sum(line.usd for line in self.lines if not line.fixed)

    @property
    def fixed_usd(self) -> float:
        return sum(line.usd for line in self.lines if line.fixed)

    @property
    def total_usd(self) -> float:
        return self.usage_usd + self.fixed_usd

    @property
    def free_tier_usd(self) -> float:
        """What the always-free allowances take off, lines drawing on each pool in order."""
        left: dict[str, float] = dict(price.FREE_TIER)
        credit = 0.0
        for line in self.lines:
            if line.free_pool is None:
                continue
            covered = min(line.quantity, left[line.free_pool])
            left[line.free_pool] -= covered
            credit += covered * line.unit_usd
        return credit

    @property
    def after_free_tier_usd(self) -> float:
        return self.total_usd - self.free_tier_usd

    def by_service(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.service] = totals.get(line.service, 0.0) + line.usd
        return totals


@dataclass(frozen=True)
class Capacity:
    """What one cycle of the workload asks of AWS (ours, on the declared stack)."""

    scraper_lambda_seconds: float  # per cycle
    cycle_seconds_at_declared_concurrency: float
    declared_concurrency: int
    concurrency_needed: int  # to finish within CYCLE_SHARE_OF_PERIOD of the period
    schedule_period_seconds: int
    write_units_per_second: float  # table-wide, at the needed concurrency
    sqs_sends_per_cycle: float
    products_per_retailer: float  # at the measured catalog's products per retailer
    retailer_seconds_at_default_spacing: float  # one retailer's jobs, end to end, per cycle
    # The browser share's pages at the renderer's maximum concurrency (0 without a share).
    renderer_cycle_seconds: float = 0.0


def load_measurements(path: Path) -> dict[str, Any]:
    """The measurements document (MeasurementsError when absent or not JSON)."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise MeasurementsError(
            f"no measurements at {path}: run the cycle benchmark first (make bench)"
        ) from None
    except json.JSONDecodeError as error:
        raise MeasurementsError(f"{path} is not JSON: {error}") from None


def measured_design(measurements: Mapping[str, Any]) -> Design:
    """Our design's per-check drivers, from the largest catalog's measured cycle."""
    cycles = _require(measurements, "cycles")
    if not cycles:
        raise MeasurementsError("the measurements hold no cycle")
    cycle = max(cycles, key=lambda c: _require(c, "products"))
    products = cycle["products"]
    if products <= 0:
        raise MeasurementsError("the measured cycle has no products")
    notifications = cycle.get("notifications", 0) / products
    measured = {op: n / products for op, n in _require(cycle, "function_calls").items()}
    calls = {
        op: max(0.0, n - notifications * CALLS_PER_NOTIFICATION.get(op, 0))
        for op, n in measured.items()
    }
    items = _require(cycle, "dynamodb_write_items_per_product_by_operation")
    invocations = _require(cycle, "invocations")
    timing = _require(cycle, "invocation_ms")
    rows = _require(measurements, "batch_latency")
    return Design(
        name="ours",
        calls=calls,
        poller_calls={op: n / products for op, n in _require(cycle, "event_loop_calls").items()},
        transactional_items=items.get("dynamodb:TransactWriteItems", 0.0),
        batch_items=items.get("dynamodb:BatchWriteItem", 0.0),
        history_rows=_require(cycle, "history_rows_per_product"),
        scraper_invocations=invocations.get("scraper", 0) / products,
        detector_invocations=invocations.get("detector", 0) / products,
        scraper_seconds=_seconds(invocations, timing, "scraper") / products,
        detector_seconds=_seconds(invocations, timing, "detector") / products,
        latency_per_check=latency_slope(rows, "concurrent_seconds")
        * invocations.get("scraper", 0)
        / products,
        batch_size=max(1, round(products / max(1, invocations.get("scraper", 0)))),
        sizes=_require(cycle, "bytes_per_product"),
        measured_notification_share=notifications,
        render=render_figures(measurements),
    )


def render_figures(measurements: Mapping[str, Any]) -> RenderFigures | None:
    """The browser path's figures, None when the measurements hold no `render` section."""
    section = measurements.get("render")
    if section is None:
        return None
    warm = _require(_require(section, "render_seconds"), "warm")
    return RenderFigures(
        seconds_per_page=_require(warm, "mean"),
        latency_slope=_require(section, "latency_slope"),
    )


def naive_design(ours: Design, measurements: Mapping[str, Any]) -> Design:
    """The same service built naively: what changes is how it sends, archives, measures, waits.

    One SendMessage per product job instead of batches of 10; one S3 object per
    observation instead of one per batch; one PutMetricData call per batch instead of EMF
    log lines; pages fetched one after another (the measured sequential batch time); and
    transient failures retried by sleeping inside Lambda.
    """
    calls = dict(ours.calls)
    calls["sqs:SendMessage"] = calls.get("sqs:SendMessage", 0.0) + 1.0  # one per product job
    calls["sqs:SendMessageBatch"] = 0.0
    calls["s3:PutObject"] = ours.history_rows
    calls["cloudwatch:PutMetricData"] = ours.scraper_invocations
    rows = _require(measurements, "batch_latency")
    return replace(
        ours,
        name="naive",
        calls=calls,
        # The measured sequential batch's time, per page of it.
        latency_per_check=latency_slope(rows, "sequential_seconds") / rows[0]["batch_size"],
        in_lambda_retry_share=NAIVE_TRANSIENT_SHARE,
    )


def latency_slope(rows: Sequence[Mapping[str, Any]], column: str) -> float:
    """Seconds of batch wall time per second of page latency: least squares over the rows.

    The intercept is the batch's own work, already in the measured invocation time, so
    only the slope is charged (about 1 for concurrent fetches, about 10 for sequential).
    """
    points = [(row["latency_ms"] / 1000, row[column]) for row in rows]
    if not points:
        raise MeasurementsError("the measurements hold no batch latency row")
    xs = [x for x, _ in points]
    mean_x = sum(xs) / len(xs)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        # One latency only: the whole batch time over it (an upper bound on the slope).
        return sum(y for _, y in points) / sum(xs) if sum(xs) else 0.0
    mean_y = sum(y for _, y in points) / len(points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def scraper_seconds_per_check(design: Design, workload: Workload) -> float:
    """Billed scraper time per product check on AWS."""
    latency = workload.page_latency_seconds
    return (
        design.scraper_seconds
        + design.latency_per_check * latency
        + design.in_lambda_retry_share * (NAIVE_RETRY_SLEEP_SECONDS + latency)
        + workload.aws_call_seconds * sum(design.calls.values())
    )


def renderer_seconds_per_check(design: Design, workload: Workload) -> float:
    """Billed renderer time per product check fetched by the browser, on AWS: its render
    (which waits on the page's sequential round trips) and the same writes as the http path."""
    if design.render is None:
        raise MeasurementsError(
            "the measurements lack 'render' (the browser path): run python -m bench.render_cost"
        )
    return (
        design.render.seconds_per_page
        + design.render.latency_slope * workload.page_latency_seconds
        + workload.aws_call_seconds * sum(design.calls.values())
    )


def busy_seconds_per_cycle(design: Design, shape: StackShape, workload: Workload) -> float:
    """A cycle's wall time on AWS: scraper time spread over the declared concurrency."""
    lambda_seconds = scraper_seconds_per_check(design, workload) * workload.products
    return lambda_seconds / shape.scraper_max_concurrency


def monthly_bill(design: Design, shape: StackShape, workload: Workload) -> Bill:
    """The design's monthly bill at list prices, line by line."""
    n = workload.checks_per_month
    calls = with_notifications(design.calls, workload.notification_share)
    sizes = design.sizes
    busy = busy_seconds_per_cycle(design, shape, workload)
    busy_month = min(price.SECONDS_PER_MONTH, busy * workload.cycles_per_month)
    lines: list[Line] = []
    lines += _lambda_lines(design, shape, workload)
    lines += _sqs_lines(design, calls, shape, n, busy_month, workload.browser_share)
    if workload.browser_share:
        lines += _browser_lines(design, workload)
    lines += _dynamodb_lines(design, calls, shape, workload)
    lines += _s3_lines(calls, sizes, workload)
    lines += _cloudwatch_lines(calls, sizes, shape, n)
    lines += _other_lines(design, shape, workload, busy)
    return Bill(design.name, tuple(lines), _unpriced(calls, design.poller_calls))


def with_notifications(calls: Mapping[str, float], share: float) -> dict[str, float]:
    """Calls per check, the notifications' own calls added at `share` of checks."""
    total = dict(calls)
    for op, per_notification in CALLS_PER_NOTIFICATION.items():
        total[op] = total.get(op, 0.0) + share * per_notification
    return total


def _lambda_lines(design: Design, shape: StackShape, workload: Workload) -> list[Line]:
    n = workload.checks_per_month
    detector_seconds = design.detector_seconds + workload.aws_call_seconds * (
        workload.notification_share * sum(CALLS_PER_NOTIFICATION.values())
    )
    # Checks fetched by the browser are the renderer's (_browser_lines), not the scraper's.
    http_share = 1.0 - workload.browser_share
    return [
        Line(
            "Lambda",
            "requests (scraper + detector invocations)",
            (design.scraper_invocations * http_share + design.detector_invocations) * n,
            "requests",
            price.LAMBDA_REQUEST,
            free_pool="lambda_requests",
        ),
        Line(
            "Lambda",
            f"scraper duration ({shape.scraper_memory_mb} MB, arm64)",
            scraper_seconds_per_check(design, workload)
            * n
            * http_share
            * shape.scraper_memory_mb
            / 1024,
            "GB-s",
            price.LAMBDA_ARM_GB_SECOND,
            free_pool="lambda_gb_seconds",
        ),
        Line(
            "Lambda",
            f"detector duration ({shape.detector_memory_mb} MB, arm64)",
            detector_seconds * n * shape.detector_memory_mb / 1024,
            "GB-s",
            price.LAMBDA_ARM_GB_SECOND,
            free_pool="lambda_gb_seconds",
        ),
    ]


def _sqs_lines(
    design: Design,
    calls: Mapping[str, float],
    shape: StackShape,
    n: float,
    busy_month: float,
    browser_share: float = 0.0,
) -> list[Line]:
    batch_bytes = design.batch_size * design.sizes.get("sqs_job_message", 0)
    chunks = max(1, math.ceil(batch_bytes / price.SQS_CHUNK_BYTES))

    def requests(by: Mapping[str, float]) -> float:
        return sum(
            count * (chunks if op in ("sqs:SendMessageBatch", "sqs:ReceiveMessage") else 1)
            for op, count in by.items()
            if op.startswith("sqs:")
        )

    idle_seconds = max(0.0, price.SECONDS_PER_MONTH - busy_month)
    return [
        Line(
            "SQS",
            "requests by the functions (sends, visibility changes)",
            requests(calls) * n,
            "requests",
            price.SQS_REQUEST,
            free_pool="sqs_requests",
        ),
        Line(
            "SQS",
            "requests by Lambda's pollers and the schedule (receives, deletes)",
            # the browser share's jobs are received from the render queue (_browser_lines)
            requests(design.poller_calls) * n * (1.0 - browser_share),
            "requests",
            price.SQS_REQUEST,
            free_pool="sqs_requests",
        ),
        Line(
            "SQS",
            "idle long polling by Lambda's pollers",
            shape.sqs_event_sources
            * price.IDLE_SQS_POLLERS
            * idle_seconds
            / price.SQS_LONG_POLL_SECONDS,
            "requests",
            price.SQS_REQUEST,
            fixed=True,
            free_pool="sqs_requests",
        ),
    ]


def _browser_lines(design: Design, workload: Workload) -> list[Line]:
    """The renderer's share of the bill: its invocations, duration and queue, and its image.

    What follows the fetch (DynamoDB, S3, logs) is the http path's code and is billed by
    the other lines for every check. The render queue's idle polling and the renderer's
    alarms are counted when the priced stack declares them (a stack with a browser retailer).
    """
    pages = workload.checks_per_month * workload.browser_share
    # The dispatcher's sends are in the measured calls already, whichever queue they go to.
    usage = render_usage(renderer_seconds_per_check(design, workload), sends_per_page=0.0)
    return [
        Line(
            "Lambda",
            f"renderer requests (batches of {RENDERER_BATCH_SIZE})",
            usage.lambda_requests * pages,
            "requests",
            price.LAMBDA_REQUEST,
            free_pool="lambda_requests",
        ),
        Line(
            "Lambda",
            f"renderer duration ({RENDERER_MEMORY_MB} MB, arm64; "
            f"{workload.browser_share:.0%} of checks by browser)",
            usage.gb_seconds * pages,
            "GB-s",
            price.LAMBDA_ARM_GB_SECOND,
            free_pool="lambda_gb_seconds",
        ),
        Line(
            "SQS",
            "render queue requests by Lambda's pollers (receives, deletes)",
            usage.sqs_requests * pages,
            "requests",
            price.SQS_REQUEST,
            free_pool="sqs_requests",
        ),
        Line(
            "ECR",
            f"renderer image storage (about {RENDERER_IMAGE_GB:g} GB compressed, assumed)",
            RENDERER_IMAGE_GB,
            "GB-month",
            price.ECR_STORAGE_GB_MONTH,
            fixed=True,
        ),
    ]


@dataclass(frozen=True)
class DynamoDbUnits:
    """DynamoDB request units one product check consumes."""

    transactional_writes: float
    batch_writes: float
    single_writes: float
    index_writes: float
    reads: float

    @property
    def writes(self) -> float:
        return (
            self.transactional_writes + self.batch_writes + self.single_writes + self.index_writes
        )


def dynamodb_units(design: Design, calls: Mapping[str, float], shape: StackShape) -> DynamoDbUnits:
    """Request units per check: items by size, transactions double, one index row per row."""
    product_bytes = design.sizes.get("product_item", 0)
    history_bytes = design.sizes.get("history_item", 0)
    read_units = _units(product_bytes, price.DYNAMODB_READ_UNIT_BYTES)
    index_writes = design.history_rows * sum(
        _units(row, price.DYNAMODB_WRITE_UNIT_BYTES) for row in _index_rows(design, shape)
    )
    return DynamoDbUnits(
        transactional_writes=design.transactional_items
        * price.DYNAMODB_TRANSACTIONAL_FACTOR
        * _units(max(product_bytes, history_bytes), price.DYNAMODB_WRITE_UNIT_BYTES),
        batch_writes=design.batch_items * _units(history_bytes, price.DYNAMODB_WRITE_UNIT_BYTES),
        single_writes=sum(calls.get(op, 0.0) for op in SINGLE_ITEM_WRITES)
        * _units(product_bytes, price.DYNAMODB_WRITE_UNIT_BYTES),
        index_writes=index_writes,
        reads=calls.get("dynamodb:BatchGetItem", 0.0) * design.batch_size * read_units
        + calls.get("dynamodb:GetItem", 0.0) * read_units
        + calls.get("dynamodb:Query", 0.0) * read_units * price.DYNAMODB_EVENTUAL_READ_FACTOR
        # a run scans every catalog item once; a Scan is billed on the bytes it reads
        + (1.0 if calls.get("dynamodb:Scan") else 0.0)
        * product_bytes
        / price.DYNAMODB_READ_UNIT_BYTES
        * price.DYNAMODB_EVENTUAL_READ_FACTOR,
    )


def _index_rows(design: Design, shape: StackShape) -> list[float]:
    """Bytes of one history row in each index of the prices table."""
    history_bytes = design.sizes.get("history_item", 0)
    return [
        history_bytes if projection == "ALL" else INDEX_KEYS_BYTES
        for projection in shape.history_index_projections
    ]


def _dynamodb_lines(
    design: Design, calls: Mapping[str, float], shape: StackShape, workload: Workload
) -> list[Line]:
    n = workload.checks_per_month
    units = dynamodb_units(design, calls, shape)
    overhead = price.DYNAMODB_ITEM_OVERHEAD_BYTES
    rows_kept = (
        workload.products
        * workload.checks_per_day
        * shape.history_retention_days
        * design.history_rows
    )
    catalog_gb = workload.products * (design.sizes.get("product_item", 0) + overhead) / price.GB
    history_gb = rows_kept * (design.sizes.get("history_item", 0) + overhead) / price.GB
    index_gb = rows_kept * sum(row + overhead for row in _index_rows(design, shape)) / price.GB
    backed_up_gb = catalog_gb * shape.catalog_pitr + history_gb * shape.history_pitr
    projections = "+".join(shape.history_index_projections) or "none"
    return [
        Line(
            "DynamoDB",
            "transactional writes (2 units per KB)",
            units.transactional_writes * n,
            "WRU",
            price.DYNAMODB_WRITE_REQUEST_UNIT,
        ),
        Line(
            "DynamoDB",
            "batch writes (history rows, BatchWriteItem, 1 unit per KB)",
            units.batch_writes * n,
            "WRU",
            price.DYNAMODB_WRITE_REQUEST_UNIT,
        ),
        Line(
            "DynamoDB",
            "single-item writes (latest state, failures, run tally, dispatch, idempotency)",
            units.single_writes * n,
            "WRU",
            price.DYNAMODB_WRITE_REQUEST_UNIT,
        ),
        Line(
            "DynamoDB",
            f"history index writes (retailer-index, projection {projections})",
            units.index_writes * n,
            "WRU",
            price.DYNAMODB_WRITE_REQUEST_UNIT,
        ),
        Line(
            "DynamoDB",
            "reads (batch reads of the catalog, dispatch scan and lease)",
            units.reads * n,
            "RRU",
            price.DYNAMODB_READ_REQUEST_UNIT,
        ),
        Line(
            "DynamoDB",
            f"storage (catalog, {shape.history_retention_days} days of history and its index)",
            catalog_gb + history_gb + index_gb,
            "GB-month",
            price.DYNAMODB_STORAGE_GB_MONTH,
            free_pool="dynamodb_storage_gb",
        ),
        Line(
            "DynamoDB",
            "point-in-time recovery (catalog and history tables)",
            backed_up_gb,
            "GB-month",
            price.DYNAMODB_PITR_GB_MONTH,
        ),
    ]


def _s3_lines(
    calls: Mapping[str, float], sizes: Mapping[str, float], workload: Workload
) -> list[Line]:
    n = workload.checks_per_month
    archived_gb = n * workload.archive_months * sizes.get("s3_archive", 0) / price.GB
    return [
        Line(
            "S3",
            "PUT requests (archive objects)",
            sum(calls.get(op, 0.0) for op in S3_PUT_CLASS) * n,
            "requests",
            price.S3_PUT_REQUEST,
        ),
        Line(
            "S3",
            "GET requests",
            sum(calls.get(op, 0.0) for op in S3_GET_CLASS) * n,
            "requests",
            price.S3_GET_REQUEST,
        ),
        Line(
            "S3",
            f"archive storage in its month {workload.archive_months} (S3 Standard)",
            archived_gb,
            "GB-month",
            price.S3_STANDARD_GB_MONTH,
        ),
    ]


def _cloudwatch_lines(
    calls: Mapping[str, float], sizes: Mapping[str, float], shape: StackShape, n: float
) -> list[Line]:
    ingested_gb = n * sizes.get("function_logs", 0) / price.GB
    return [
        Line(
            "CloudWatch",
            "log ingestion (functions' JSON logs and EMF metrics)",
            ingested_gb,
            "GB",
            price.CLOUDWATCH_LOGS_INGESTION_GB,
            free_pool="cloudwatch_logs_gb",
        ),
        Line(
            "CloudWatch",
            f"log storage ({shape.log_retention_days} days kept, uncompressed: an upper bound)",
            ingested_gb * shape.log_retention_days / price.DAYS_PER_MONTH,
            "GB-month",
            price.CLOUDWATCH_LOGS_STORAGE_GB_MONTH,
            free_pool="cloudwatch_logs_gb",
        ),
        Line(
            "CloudWatch",
            "PutMetricData requests",
            calls.get("cloudwatch:PutMetricData", 0.0) * n,
            "requests",
            price.CLOUDWATCH_API_REQUEST,
            free_pool="cloudwatch_api_requests",
        ),
        Line(
            "CloudWatch",
            "custom metrics (EMF, dimension service)",
            shape.custom_metrics,
            "metrics",
            price.CLOUDWATCH_CUSTOM_METRIC_MONTH,
            fixed=True,
            free_pool="cloudwatch_metrics",
        ),
        Line(
            "CloudWatch",
            f"alarms ({shape.alarms} alarms reading {shape.alarm_metrics} metrics)",
            shape.alarm_metrics,
            "alarm metrics",
            price.CLOUDWATCH_ALARM_METRIC_MONTH,
            fixed=True,
            free_pool="cloudwatch_alarm_metrics",
        ),
        Line(
            "CloudWatch",
            "dashboard",
            shape.dashboards,
            "dashboards",
            price.CLOUDWATCH_DASHBOARD_MONTH,
            fixed=True,
            free_pool="cloudwatch_dashboards",
        ),
    ]


def _other_lines(design: Design, shape: StackShape, workload: Workload, busy: float) -> list[Line]:
    cycles = workload.cycles_per_month
    invocations = (design.scraper_invocations + design.detector_invocations) * workload.products
    traces = min(
        invocations,
        busy * price.XRAY_RESERVOIR_PER_SECOND
        + price.XRAY_FIXED_RATE * max(0.0, invocations - busy),
    )
    publishes = workload.checks_per_month * workload.notification_share
    data_keys = math.ceil(busy / price.SNS_DATA_KEY_REUSE_SECONDS) if publishes else 0
    return [
        Line(
            "X-Ray",
            "traces recorded (active tracing, default sampling)",
            traces * cycles if shape.traced_functions else 0.0,
            "traces",
            price.XRAY_TRACE_RECORDED,
            free_pool="xray_traces",
        ),
        Line(
            "SNS",
            f"publishes ({workload.notification_share:.1%} of checks notify)",
            publishes,
            "requests",
            price.SNS_PUBLISH_REQUEST,
            free_pool="sns_publishes",
        ),
        Line(
            "SNS",
            f"email deliveries ({shape.alert_email_subscriptions} alert subscription(s))",
            publishes * shape.alert_email_subscriptions,
            "emails",
            price.SNS_EMAIL_DELIVERY,
            free_pool="sns_email_deliveries",
        ),
        Line(
            "KMS",
            "requests (SNS data keys of the encrypted alert topic)",
            data_keys * price.KMS_REQUESTS_PER_DATA_KEY * cycles,
            "requests",
            price.KMS_REQUEST,
            free_pool="kms_requests",
        ),
        Line(
            "KMS",
            "customer managed key (topics; CloudWatch alarms must use it)",
            shape.customer_managed_keys,
            "keys",
            price.KMS_KEY_MONTH,
            fixed=True,
        ),
        Line(
            "Scheduler",
            "schedule invocations",
            cycles,
            "invocations",
            price.SCHEDULER_INVOCATION,
            fixed=True,  # one per cycle, whatever the catalog
            free_pool="scheduler_invocations",
        ),
    ]


def capacity(design: Design, shape: StackShape, workload: Workload, retailers: float) -> Capacity:
    """What a cycle of `workload` needs: time, concurrency, write throughput, politeness."""
    lambda_seconds = scraper_seconds_per_check(design, workload) * workload.products
    period = shape.schedule_period_seconds
    needed = max(1, math.ceil(lambda_seconds / (period * CYCLE_SHARE_OF_PERIOD)))
    wall = lambda_seconds / needed
    write_units_per_check = dynamodb_units(
        design, with_notifications(design.calls, workload.notification_share), shape
    ).writes
    sends = sum(n for op, n in design.calls.items() if op.startswith("sqs:Send"))
    per_retailer = workload.products / retailers if retailers else float(workload.products)
    rendered = workload.products * workload.browser_share
    return Capacity(
        scraper_lambda_seconds=lambda_seconds,
        cycle_seconds_at_declared_concurrency=lambda_seconds / shape.scraper_max_concurrency,
        declared_concurrency=shape.scraper_max_concurrency,
        concurrency_needed=needed,
        schedule_period_seconds=period,
        write_units_per_second=write_units_per_check * workload.products / wall,
        sqs_sends_per_cycle=sends * workload.products,
        products_per_retailer=per_retailer,
        retailer_seconds_at_default_spacing=per_retailer * shape.default_spacing_seconds,
        renderer_cycle_seconds=(
            rendered * renderer_seconds_per_check(design, workload) / RENDERER_MAX_CONCURRENCY
            if rendered
            else 0.0
        ),
    )


def one_transaction_per_product(design: Design, shape: StackShape) -> tuple[Design, StackShape]:
    """The design before 2026-11-25: latest state and history row in one TransactWriteItems
    per product (2 write units per item) instead of a batch write plus an UpdateItem."""
    if design.transactional_items:
        return design, shape
    calls = dict(design.calls)
    calls["dynamodb:UpdateItem"] = max(
        0.0, calls.get("dynamodb:UpdateItem", 0.0) - design.history_rows
    )
    calls["dynamodb:BatchWriteItem"] = 0.0
    calls["dynamodb:TransactWriteItems"] = design.history_rows
    changed = replace(
        design, calls=calls, transactional_items=2 * design.history_rows, batch_items=0.0
    )
    return changed, shape


# Changes to the design or the stack, each modelled with the same measurements: what the
# previous write path and tracing cost, and what would lower the bill further (not made:
# see README).
DESIGN_CHANGES: Mapping[str, Callable[[Design, StackShape], tuple[Design, StackShape]]] = {
    "one transaction per product (the design before)": one_transaction_per_product,
    "no retailer-index GSI": lambda d, s: (
        d,
        replace(s, history_index_projections=()),
    ),
    "retailer-index projecting KEYS_ONLY": lambda d, s: (
        d,
        replace(s, history_index_projections=("KEYS_ONLY",) * len(s.history_index_projections)),
    ),
    "scraper memory 256 MB (it waits on pages)": lambda d, s: (
        d,
        replace(s, scraper_memory_mb=256),
    ),
    # Both functions traced (config `tracing: true`; off in the stacks since this issue).
    "X-Ray active tracing on": lambda d, s: (d, replace(s, traced_functions=2)),
    "history kept 30 days in DynamoDB (S3 keeps all)": lambda d, s: (
        d,
        replace(s, history_retention_days=30),
    ),
    "no dashboard (3 are free per account)": lambda d, s: (d, replace(s, dashboards=0)),
}


def changed_bills(design: Design, shape: StackShape, workload: Workload) -> dict[str, Bill]:
    """The bill after each of DESIGN_CHANGES alone, and after all of them but the dashboard's."""
    bills = {}
    for label, change in DESIGN_CHANGES.items():
        bills[label] = monthly_bill(*change(design, shape), workload)
    combined = (design, shape)
    for label in (
        "no retailer-index GSI",
        "scraper memory 256 MB (it waits on pages)",
        "history kept 30 days in DynamoDB (S3 keeps all)",
    ):
        combined = DESIGN_CHANGES[label](*combined)
    bills["no index, 256 MB, 30 days of history together"] = monthly_bill(*combined, workload)
    return bills


def _unpriced(calls: Mapping[str, float], poller_calls: Mapping[str, float]) -> dict[str, float]:
    """Calls the model has no price for (shown, never dropped silently)."""
    priced_ops = {
        *SINGLE_ITEM_WRITES,
        *S3_PUT_CLASS,
        *S3_GET_CLASS,
        "dynamodb:TransactWriteItems",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "cloudwatch:PutMetricData",
        "sns:Publish",
    }
    unpriced: dict[str, float] = {}
    for op, count in [*calls.items(), *poller_calls.items()]:
        service = op.split(":", 1)[0]
        if count and op not in priced_ops and service != "sqs" and service not in FREE_SERVICES:
            unpriced[op] = unpriced.get(op, 0.0) + count
    return unpriced


def _units(size_bytes: float, unit_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / unit_bytes))


def _seconds(invocations: Mapping[str, Any], timing: Mapping[str, Any], function: str) -> float:
    count = invocations.get(function, 0)
    if not count:
        return 0.0
    return count * _require(_require(timing, function), "mean") / 1000


def _require(document: Mapping[str, Any], key: str) -> Any:
    try:
        return document[key]
    except KeyError:
        raise MeasurementsError(f"the measurements lack {key!r}") from None


# --- the report ----------------------------------------------------------------------------


def scenario(
    measurements: Mapping[str, Any], shape: StackShape, workload: Workload
) -> dict[str, Any]:
    """Both designs' bills and our capacity figures for one workload, as plain data."""
    ours = measured_design(measurements)
    naive = naive_design(ours, measurements)
    cycle = max(measurements["cycles"], key=lambda c: c["products"])
    bills = {design.name: monthly_bill(design, shape, workload) for design in (ours, naive)}
    is_target = (workload.products, workload.checks_per_day) == (
        TARGET_PRODUCTS,
        TARGET_CHECKS_PER_DAY,
    )
    return {
        "changes": changed_bills(ours, shape, workload) if is_target else {},
        "workload": asdict(workload),
        "checks_per_month": workload.checks_per_month,
        "bills": bills,
        "capacity": capacity(ours, shape, workload, cycle.get("retailers", 0)),
        "measured_notification_share": ours.measured_notification_share,
    }


def target_verdicts(bill: Bill) -> list[tuple[str, float, bool]]:
    """The 2.50 USD target, read three ways: the lead decides which one the issue means."""
    return [
        ("usage only (scales with N x K)", bill.usage_usd, bill.usage_usd < TARGET_USD),
        ("total at list price", bill.total_usd, bill.total_usd < TARGET_USD),
        (
            "total after the always-free tier",
            bill.after_free_tier_usd,
            bill.after_free_tier_usd < TARGET_USD,
        ),
    ]


def render(result: Mapping[str, Any], shape: StackShape) -> str:
    workload = Workload(**result["workload"])
    ours: Bill = result["bills"]["ours"]
    naive: Bill = result["bills"]["naive"]
    out = [
        f"{workload.products:,} products x {workload.checks_per_day:g} checks a day = "
        f"{result['checks_per_month']:,.0f} product checks a month "
        f"(stack {shape.stack}, prices {price.REGION} {price.PRICES_CHECKED})",
        f"  assumptions: page latency {workload.page_latency_seconds:g} s, AWS call "
        f"{workload.aws_call_seconds * 1000:g} ms, {workload.notification_share:.1%} of checks "
        f"notify (the benchmark's busy cycle: {result['measured_notification_share']:.1%}), "
        f"archive in its month {workload.archive_months}"
        + (
            f", {workload.browser_share:.1%} of checks fetched by the browser"
            if workload.browser_share
            else ""
        ),
        f"  {'service':<11}{'line':<70}{'ours: quantity':>22}{'USD':>9}"
        f"{'naive: quantity':>22}{'USD':>9}",
    ]
    for mine, theirs in zip(ours.lines, naive.lines, strict=True):
        fixed = " (fixed)" if mine.fixed else ""
        out.append(
            f"  {mine.service:<11}{(mine.item + fixed)[:69]:<70}"
            f"{_quantity(mine):>22}{mine.usd:>9.3f}{_quantity(theirs):>22}{theirs.usd:>9.3f}"
        )
    out.append("  by service:")
    naive_services = naive.by_service()
    for service, usd in ours.by_service().items():
        out.append(f"    {service:<77}{usd:>31.2f}{naive_services[service]:>31.2f}")
    for label, mine_usd, theirs_usd in (
        ("usage (scales with N x K)", ours.usage_usd, naive.usage_usd),
        (
            "fixed per stack (key, alarms, metrics, dashboard, idle polling)",
            ours.fixed_usd,
            naive.fixed_usd,
        ),
        ("total at list price", ours.total_usd, naive.total_usd),
        (
            "always-free tier (per account: only if nothing else uses it)",
            -ours.free_tier_usd,
            -naive.free_tier_usd,
        ),
        ("total after the always-free tier", ours.after_free_tier_usd, naive.after_free_tier_usd),
    ):
        out.append(f"  {label:<81}{mine_usd:>31.2f}{theirs_usd:>31.2f}")
    for bill in (ours, naive):
        if bill.unpriced:
            listed = ", ".join(f"{op} {n:.3f}/check" for op, n in sorted(bill.unpriced.items()))
            out.append(f"  UNPRICED calls ({bill.design}): {listed}")
    cap: Capacity = result["capacity"]
    out += [
        "  capacity (ours):",
        f"    scraper time per cycle {cap.scraper_lambda_seconds:,.0f} Lambda-seconds: "
        f"{cap.cycle_seconds_at_declared_concurrency / 3600:.2f} h at the declared maximum "
        f"concurrency {cap.declared_concurrency} (schedule period "
        f"{cap.schedule_period_seconds / 3600:g} h); a maximum concurrency of "
        f"{cap.concurrency_needed} finishes it within {CYCLE_SHARE_OF_PERIOD:.0%} of the period",
        f"    DynamoDB at that pace: {cap.write_units_per_second:,.0f} WRU/s table-wide; "
        f"SQS: {cap.sqs_sends_per_cycle:,.0f} send calls per cycle",
        f"    per retailer: {cap.products_per_retailer:,.0f} products (measured catalog's "
        f"products per retailer), {cap.retailer_seconds_at_default_spacing / 3600:.2f} h of "
        f"spacing per cycle at the default {shape.default_spacing_seconds:g} s between requests",
    ]
    if workload.browser_share:
        out.append(
            f"    renderer: {cap.renderer_cycle_seconds / 3600:.2f} h per cycle for the "
            f"browser's {workload.products * workload.browser_share:,.0f} pages at its maximum "
            f"concurrency {RENDERER_MAX_CONCURRENCY}"
        )
    if (workload.products, workload.checks_per_day) == (TARGET_PRODUCTS, TARGET_CHECKS_PER_DAY):
        out.append(f"  target: under {TARGET_USD:.2f} USD a month (ours)")
        for label, usd, met in target_verdicts(ours):
            out.append(
                f"    {label:<40}{usd:>8.2f} USD  {'target met' if met else 'TARGET MISSED'}"
            )
    if result["changes"]:
        out.append(
            f"  what changes it (ours, same measurements): {'usage':>32}{'total':>9}"
            f"{'after free tier':>17}"
        )
        for label, bill in result["changes"].items():
            out.append(
                f"    {label:<70}{bill.usage_usd:>8.2f}{bill.total_usd:>9.2f}"
                f"{bill.after_free_tier_usd:>17.2f}"
            )
    return "\n".join(out)


def _quantity(line: Line) -> str:
    return (
        f"{line.quantity:,.0f} {line.unit}"
        if line.quantity >= 100
        else (f"{line.quantity:,.2f} {line.unit}")
    )


def as_json(
    results: Sequence[Mapping[str, Any]], measurements: Mapping[str, Any], shape: StackShape
) -> dict[str, Any]:
    return {
        "prices": {"region": price.REGION, "checked": price.PRICES_CHECKED},
        "measurements": {key: measurements.get(key) for key in ("measured_at", "machine", "stack")},
        "stack_shape": {
            key: sorted(value) if isinstance(value, frozenset) else value
            for key, value in asdict(shape).items()
        },
        "scenarios": [
            {
                "workload": result["workload"],
                "checks_per_month": result["checks_per_month"],
                "capacity": asdict(result["capacity"]),
                "changes": {
                    label: {
                        "usage_usd": bill.usage_usd,
                        "total_usd": bill.total_usd,
                        "after_free_tier_usd": bill.after_free_tier_usd,
                    }
                    for label, bill in result["changes"].items()
                },
                "designs": {
                    name: {
                        "lines": [{**asdict(line), "usd": line.usd} for line in bill.lines],
                        "by_service": bill.by_service(),
                        "usage_usd": bill.usage_usd,
                        "fixed_usd": bill.fixed_usd,
                        "total_usd": bill.total_usd,
                        "free_tier_usd": bill.free_tier_usd,
                        "after_free_tier_usd": bill.after_free_tier_usd,
                        "unpriced": dict(bill.unpriced),
                    }
                    for name, bill in result["bills"].items()
                },
            }
            for result in results
        ],
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measurements", type=Path, default=MEASUREMENTS)
    parser.add_argument("--products", type=int, help="price this catalog size only")
    parser.add_argument("--checks-per-day", type=float, help="default: the stack's schedule")
    parser.add_argument("--page-latency-seconds", type=float, default=DEFAULT_PAGE_LATENCY_SECONDS)
    parser.add_argument("--notification-share", type=float, default=DEFAULT_NOTIFICATION_SHARE)
    parser.add_argument("--aws-call-seconds", type=float, default=DEFAULT_AWS_CALL_SECONDS)
    parser.add_argument("--archive-months", type=int, default=DEFAULT_ARCHIVE_MONTHS)
    parser.add_argument(
        "--browser-share",
        type=float,
        default=DEFAULT_BROWSER_SHARE,
        help="share of product checks fetched by the browser (0-1; needs the render figures)",
    )
    parser.add_argument("--stack", help="the stack to price (default: the measured one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--smoke", action="store_true", help="the first scenario only (CI)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        measurements = load_measurements(args.measurements)
        shape = declared_shape(args.stack or measurements.get("stack", "dev"))
        checks = args.checks_per_day or shape.checks_per_day
        sizes = (
            [(args.products, checks)]
            if args.products
            else [(products, args.checks_per_day or per_day) for products, per_day in SCENARIOS]
        )
        if args.smoke:
            sizes = sizes[:1]
        results = [
            scenario(
                measurements,
                shape,
                Workload(
                    products=products,
                    checks_per_day=per_day,
                    page_latency_seconds=args.page_latency_seconds,
                    notification_share=args.notification_share,
                    aws_call_seconds=args.aws_call_seconds,
                    archive_months=args.archive_months,
                    browser_share=args.browser_share,
                ),
            )
            for products, per_day in sizes
        ]
    except ValueError as error:  # a MeasurementsError, or a workload out of range
        print(f"cost_model: {error}", file=sys.stderr)
        return 2
    print(
        f"Monthly AWS cost at list prices ({price.REGION}, checked {price.PRICES_CHECKED}); "
        f"measurements of {measurements.get('measured_at')} on {measurements.get('machine')}"
    )
    for result in results:
        print()
        print(render(result, shape))
    if args.json:
        args.json.write_text(json.dumps(as_json(results, measurements, shape), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
