"""What the scraper and the renderer handlers share: their configuration, reading an SQS
batch of product jobs, and scraping them with the function's page fetch.

Both functions run `monitor.scrape.scrape_batch` on `scrape_product` jobs; they differ only
in how pages are read (`monitor.routing.PageFetchers`) and in what else the scraper's queue
carries (dispatch messages). So each handler is a few lines over this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
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
    PRODUCTS_FAILED,
    PRODUCTS_FAILING_REPEATEDLY,
    PRODUCTS_FORWARDED,
    PRODUCTS_RETRIED,
    PRODUCTS_SCRAPED,
)
from fetching import RobotsPolicy
from monitor import aws
from monitor.failures import receive_count_of
from monitor.proxies import ProxyDirectory
from monitor.retailers import RetailerDirectory
from monitor.routing import PageFetchers
from monitor.scrape import BatchReport, ScrapeRequest, ScrapeResources, scrape_batch
from monitor.telemetry import logger, metrics


@dataclass(frozen=True)
class ScrapeRuntime:
    """A scraping function's configuration, read once per container."""

    settings: ScrapeSettings
    retailers: RetailerDirectory
    products_table: str
    prices_table: str
    runs_table: str
    archive_bucket: str
    queue_url: str  # the queue this function consumes, and returns jobs to
    proxies: ProxyDirectory  # the stack's forward proxies (their URLs read when used)

    @classmethod
    def from_environment(cls, function: str) -> ScrapeRuntime:
        """The declared variables of `function` ("scraper" or "renderer"), parsed; raises
        ConfigurationError for a broken deployment (a browser retailer without a render
        queue among them)."""
        values = environment.load(function)
        settings = ScrapeSettings.from_environment(values)
        retailers = RetailerDirectory.from_environment_values(
            values[environment.RETAILERS_JSON], values[environment.DEFAULT_SPACING_SECONDS]
        )
        retailers.require_renderer(settings.render_queue_url)
        proxies = ProxyDirectory.from_environment_value(values[environment.PROXY_SECRETS_JSON])
        retailers.require_proxies(proxies.names)
        return cls(
            settings=settings,
            retailers=retailers,
            products_table=values[environment.PRODUCTS_TABLE],
            prices_table=values[environment.PRICES_TABLE],
            runs_table=values[environment.RUNS_TABLE],
            archive_bucket=values[environment.ARCHIVE_BUCKET],
            queue_url=values[environment.SCRAPE_QUEUE_URL],
            proxies=proxies,
        )


class RobotsByRun:
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


# What a function does with the dispatch messages of a batch: the ids of those to retry.
DispatchHandler = Callable[
    [ScrapeRuntime, Sequence[tuple[str, StartRun | ContinueDispatch]], LambdaContext], list[str]
]


class ProductJobFunction:
    """A scraping function's container state and its handler's body: the configuration (read
    on first use), one robots.txt cache per run, and a batch of jobs scraped with the page
    fetch `fetchers_for` gives (called with the configuration, once per batch)."""

    def __init__(
        self,
        function: str,
        fetchers_for: Callable[[ScrapeRuntime], PageFetchers],
        dispatch: DispatchHandler,
    ) -> None:
        self.function = function
        self._fetchers_for = fetchers_for
        self._dispatch = dispatch
        self._runtime: ScrapeRuntime | None = None
        self._robots = RobotsByRun()

    @property
    def runtime(self) -> ScrapeRuntime:
        if self._runtime is None:
            self._runtime = ScrapeRuntime.from_environment(self.function)
        return self._runtime

    def reset(self) -> None:
        """Forget the configuration, the robots.txt cache and cached secrets (tests)."""
        self._runtime = None
        self._robots = RobotsByRun()
        parameters.clear_caches()

    def handle(
        self, event: Mapping[str, Any], context: LambdaContext
    ) -> PartialItemFailureResponse:
        runtime = self.runtime
        batch = read_batch(event.get("Records", []))
        failed = list(batch.poison)
        if batch.jobs:
            failed.extend(
                scrape_jobs(
                    runtime,
                    batch.jobs,
                    context,
                    robots=self._robots.for_runs(request.job.run_id for request in batch.jobs),
                    fetchers=self._fetchers_for(runtime),
                )
            )
        failed.extend(self._dispatch(runtime, batch.dispatches, context))
        return batch_response(failed)


@dataclass
class Batch:
    """An SQS batch's records, read: product jobs, dispatch messages, and poison."""

    jobs: list[ScrapeRequest] = field(default_factory=list)
    # (message id, message): the dispatcher's messages
    dispatches: list[tuple[str, StartRun | ContinueDispatch]] = field(default_factory=list)
    poison: list[str] = field(default_factory=list)  # message ids


def read_batch(records: Iterable[Mapping[str, Any]]) -> Batch:
    """Parse each record's body (`contracts.messages`); a poison message is logged."""
    batch = Batch()
    for record in records:
        message_id = record.get("messageId", "")
        try:
            message = parse_message(record.get("body", ""))
        except PoisonMessageError as error:
            logger.error(
                "poison message; reported as a batch item failure",
                extra={"message_id": message_id, "reason": str(error)},
            )
            batch.poison.append(message_id)
            continue
        if isinstance(message, ProductJob):
            receive_count = receive_count_of(record.get("attributes") or {})
            receipt_handle = record.get("receiptHandle", "")
            batch.jobs.append(ScrapeRequest(message, message_id, receipt_handle, receive_count))
        else:
            batch.dispatches.append((message_id, message))
    return batch


def scrape_jobs(
    runtime: ScrapeRuntime,
    jobs: Sequence[ScrapeRequest],
    context: LambdaContext,
    *,
    robots: RobotsPolicy,
    fetchers: PageFetchers,
) -> list[str]:
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
            robots=robots,
            remaining_ms=context.get_remaining_time_in_millis,
            fetchers=fetchers,
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
            "forwarded": report.forwarded,
            "archive_key": report.archive_key,
        },
    )
    return report.failed_message_ids


def batch_response(failed: Iterable[str]) -> PartialItemFailureResponse:
    """The partial batch response: the messages that must come back."""
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def _emit_scrape_metrics(report: BatchReport) -> None:
    for name, value in (
        (PRODUCTS_SCRAPED, report.scraped),
        (PRODUCTS_FAILED, report.failed),
        (PRODUCTS_RETRIED, report.retried),
        (PRODUCTS_BLOCKED, report.blocked),
        (PRODUCTS_FAILING_REPEATEDLY, report.failing_repeatedly),
        (PRODUCTS_FORWARDED, report.forwarded),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for latency_ms in report.fetch_latencies_ms:
        metrics.add_metric(name=FETCH_LATENCY, unit=MetricUnit.Milliseconds, value=latency_ms)
