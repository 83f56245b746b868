"""Scraper Lambda: scrape queue batch -> dispatch a run, or scrape product jobs.

A thin adapter (docs/architecture.md "Functions"). Each SQS record is parsed
(`contracts.messages`): `scrape_all_products` and `continue_dispatch` go to the dispatcher
(`monitor.dispatch`), `scrape_product` jobs to the scrape pipeline (`monitor.scrape`), all
of the batch's jobs at once so their pages are fetched concurrently.

The response lists, as `batchItemFailures`, the messages that must come back: poison
messages (they reach the DLQ after maxReceiveCount receives), transient scrape failures
(their visibility timeout already set to the backoff) and failed dispatches. Nothing a
record does raises out of the handler, because an exception would fail, and redeliver,
the whole batch. Configuration is read once per container, only through
`contracts.environment.load("scraper")`: the variables the Function declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts import environment
from contracts.environment import ScrapeSettings
from contracts.messages import (
    ContinueDispatch,
    PoisonMessageError,
    ProductJob,
    StartRun,
    parse_message,
)
from contracts.metric_names import (
    FETCH_LATENCY,
    PRODUCTS_BLOCKED,
    PRODUCTS_DISPATCHED,
    PRODUCTS_FAILED,
    PRODUCTS_FAILING_REPEATEDLY,
    PRODUCTS_RETRIED,
    PRODUCTS_SCRAPED,
)
from fetching import RobotsPolicy
from monitor import aws
from monitor.dispatch import dispatch_run
from monitor.failures import receive_count_of
from monitor.retailers import RetailerDirectory
from monitor.scrape import BatchReport, ScrapeRequest, ScrapeResources, scrape_batch, utc_now
from monitor.telemetry import logger, metrics


@dataclass(frozen=True)
class _Runtime:
    settings: ScrapeSettings
    retailers: RetailerDirectory
    products_table: str
    prices_table: str
    runs_table: str
    archive_bucket: str
    queue_url: str


@cache
def _runtime() -> _Runtime:
    """Configuration, once per container, on first use."""
    values = environment.load("scraper")
    return _Runtime(
        settings=ScrapeSettings.from_environment(values),
        retailers=RetailerDirectory.from_environment_values(
            values[environment.RETAILERS_JSON], values[environment.DEFAULT_SPACING_SECONDS]
        ),
        products_table=values[environment.PRODUCTS_TABLE],
        prices_table=values[environment.PRICES_TABLE],
        runs_table=values[environment.RUNS_TABLE],
        archive_bucket=values[environment.ARCHIVE_BUCKET],
        queue_url=values[environment.SCRAPE_QUEUE_URL],
    )


class _RobotsByRun:
    """One robots.txt cache per run: each run reads a site's robots.txt afresh, once."""

    def __init__(self) -> None:
        self._run_id: str | None = None
        self._policy = RobotsPolicy()

    def for_runs(self, run_ids: Iterable[str]) -> RobotsPolicy:
        runs = set(run_ids)
        if self._run_id not in runs:
            self._run_id = max(runs)  # the newest run (run ids are scheduled times)
            self._policy = RobotsPolicy()
        return self._policy


_robots = _RobotsByRun()


def reset() -> None:
    """Forget the container's configuration and robots.txt cache (tests)."""
    global _robots
    _runtime.cache_clear()
    _robots = _RobotsByRun()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: Mapping[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    runtime = _runtime()
    failed: list[str] = []
    jobs: list[ScrapeRequest] = []
    dispatches: list[tuple[str, StartRun | ContinueDispatch]] = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            message = parse_message(record.get("body"))
        except PoisonMessageError as error:
            logger.error(
                "poison message; reported as a batch item failure",
                extra={"message_id": message_id, "reason": str(error)},
            )
            failed.append(message_id)
            continue
        if isinstance(message, ProductJob):
            receive_count = receive_count_of(record.get("attributes") or {})
            receipt_handle = record.get("receiptHandle", "")
            jobs.append(ScrapeRequest(message, message_id, receipt_handle, receive_count))
        else:
            dispatches.append((message_id, message))
    if jobs:
        failed.extend(_scrape(runtime, jobs, context))
    for message_id, message in dispatches:
        if not _dispatch(runtime, message, context):
            failed.append(message_id)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def _scrape(runtime: _Runtime, jobs: list[ScrapeRequest], context: LambdaContext) -> list[str]:
    """Scrape the batch's jobs; the message ids to report as failures."""
    resources = ScrapeResources(
        dynamodb=aws.dynamodb(),
        sqs=aws.sqs(),
        s3=aws.s3(),
        products_table=runtime.products_table,
        prices_table=runtime.prices_table,
        archive_bucket=runtime.archive_bucket,
        queue_url=runtime.queue_url,
        runs_table=runtime.runs_table,
    )
    try:
        report = scrape_batch(
            jobs,
            resources=resources,
            settings=runtime.settings,
            retailers=runtime.retailers,
            robots=_robots.for_runs(request.job.run_id for request in jobs),
            remaining_ms=context.get_remaining_time_in_millis,
        )
    except Exception:
        # Per-job failures are handled inside; this is a fault of the batch as a whole.
        logger.exception(
            "scrape batch failed; its jobs are reported as batch item failures",
            extra={"product_ids": [request.job.product_id for request in jobs]},
        )
        return [request.message_id for request in jobs]
    _emit_scrape_metrics(report)
    logger.info(
        "batch scraped",
        extra={
            "run_ids": sorted({request.job.run_id for request in jobs}),
            "jobs": len(jobs),
            "scraped": report.scraped,
            "failed": report.failed,
            "blocked": report.blocked,
            "retried": report.retried,
            "late": report.late,
            "again": report.again,
            "skipped": report.skipped,
            "archive_key": report.archive_key,
        },
    )
    return report.failed_message_ids


def _emit_scrape_metrics(report: BatchReport) -> None:
    for name, value in (
        (PRODUCTS_SCRAPED, report.scraped),
        (PRODUCTS_FAILED, report.failed),
        (PRODUCTS_RETRIED, report.retried),
        (PRODUCTS_BLOCKED, report.blocked),
        (PRODUCTS_FAILING_REPEATEDLY, report.failing_repeatedly),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for latency_ms in report.fetch_latencies_ms:
        metrics.add_metric(name=FETCH_LATENCY, unit=MetricUnit.Milliseconds, value=latency_ms)


def _dispatch(
    runtime: _Runtime, message: StartRun | ContinueDispatch, context: LambdaContext
) -> bool:
    """Dispatch a run (or its continuation); False when the message must be retried."""
    try:
        report = dispatch_run(
            message,
            products_table=aws.table(runtime.products_table),
            runs_table=aws.table(runtime.runs_table),
            sqs_client=aws.sqs(),
            queue_url=runtime.queue_url,
            retailers=runtime.retailers,
            remaining_ms=context.get_remaining_time_in_millis,
            now=utc_now,
        )
    except Exception:
        logger.exception(
            "dispatch failed; its message is reported as a batch item failure",
            extra={"run_id": message.run_id},
        )
        return False
    metrics.add_metric(name=PRODUCTS_DISPATCHED, unit=MetricUnit.Count, value=report.dispatched)
    return True
