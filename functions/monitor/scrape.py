"""Scrape a batch of product jobs: read, fetch, classify, extract, record, archive.

docs/architecture.md ("Writes per scraped product", "Failure classes") is the contract.
For one SQS batch of `scrape_product` jobs:

1. One BatchGetItem reads the batch's catalog items. A product that left the catalog or is
   inactive is done and writes nothing. A product this run already recorded (a redelivered
   job) is not fetched again: when it was an observation, that observation is rebuilt from
   the item and written again to history and the archive, which heals a delivery that
   crashed after its state write (`monitor.state`). A job of an older run than the item's
   (a late retry) first looks for its row in history (written again if found), else is
   fetched and recorded as late. A malformed item cannot be fetched: it is recorded as an
   error so the operator sees it.
2. Pages are fetched concurrently, one worker per retailer: a retailer's jobs in the batch
   are fetched one after another, spaced by its spacing (or its robots.txt Crawl-delay when
   longer), while different retailers overlap, so a batch of 10 retailers at page latency L
   takes about L. Nothing sleeps past the invocation's remaining time: a job whose turn
   would come too late goes back to the queue with a short delay instead. How a page is
   read is the retailer's fetch mode (`monitor.routing`): by http here, in a browser here
   (the renderer function), or not here at all: the job is forwarded to the render queue.
3. Each outcome is classified (`monitor.failures`) and a readable page is extracted
   within the page's CPU budget (`extractionBudgetSeconds`): a page that spends it is a
   permanent failure ("extraction too slow") of that product alone. An out-of-stock page
   that shows no price is an observation without one (`monitor.state`); a page with no
   price and no sign of being out of stock is a permanent failure. For an `auto` retailer
   in the scraper, a blocked answer, or one without a (trusted) price that looks script
   rendered (`extraction.script_rendered`), forwards the job to the renderer instead.
4. Permanent/blocked failures are recorded on the item; transient failures write nothing,
   except on the message's last receive, when the error is recorded on the item before the
   message moves to the DLQ.
5. Observations: each product's latest state (the dedupe point), then the batch's archive
   object (`monitor.archive`), then its history rows (`monitor.state`). A job whose writes
   did not all succeed goes back to the queue, so its redelivery heals them.
6. Transient failures get their visibility timeout set to the backoff and are reported as
   batch item failures, so SQS redelivers them when the backoff ends.
7. Forwarded jobs are sent to the render queue, before the handler's response lets their
   scrape-queue messages be deleted: a job whose send failed goes back to the scrape queue
   (at least once; the renderer's own state checks make a duplicate harmless). A forwarded
   job records nothing here and adds nothing to its run's counts: the renderer does both.
8. What was recorded is added to each run's counts on its run record (`monitor.run_tally`).

The caller (the scraper handler) turns the `BatchReport` into metrics and the Lambda
response. AWS clients, the clock and the fetcher are arguments, so tests choose them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contracts.catalog import CatalogItem, InvalidCatalogItemError
from contracts.environment import ScrapeSettings
from contracts.fetch_modes import FetchMode
from contracts.messages import ProductJob, encode
from extraction import Budget, ExtractionTooSlowError, extract_offer
from extraction.heuristic import SOURCE as HEURISTIC_SOURCE
from extraction.rules import InvalidRuleError
from extraction.script_rendered import looks_script_rendered
from fetching import FetchError, RobotsPolicy
from monitor import archive, failures, state
from monitor.failures import FailureDecision, FailureKind
from monitor.retailers import MAX_SPACING_SECONDS, RetailerDirectory, RetailerPolicy
from monitor.routing import PageFetchers, Route
from monitor.run_tally import RunTally, add_to_runs
from monitor.state import Recorded
from monitor.telemetry import logger

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_s3 import S3Client
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

# Time kept back at the end of the invocation for the writes, the archive and the
# visibility changes after the last fetch.
RESERVED_SECONDS = 5.0
# A fetch is not started with less time than this: it could only time out.
MIN_FETCH_SECONDS = 1.0
# SQS ChangeMessageVisibilityBatch and SendMessageBatch take at most 10 entries.
_VISIBILITY_BATCH = 10
_SEND_BATCH = 10

Clock = Callable[[], datetime]
# Seconds of a page's extraction; the thread's CPU time, so waiting for the GIL while other
# pages are parsed is not charged to it.
BudgetClock = Callable[[], float]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ScrapeResources:
    """Where the scraper reads and writes."""

    dynamodb: DynamoDBClient
    sqs: SQSClient
    s3: S3Client
    products_table: str
    prices_table: str
    archive_bucket: str
    queue_url: str
    runs_table: str


@dataclass(frozen=True)
class ScrapeRequest:
    """A product job and the SQS delivery that brought it."""

    job: ProductJob
    message_id: str
    receipt_handle: str
    receive_count: int = 1


@dataclass
class BatchReport:
    """What happened to a batch: the messages to report as failures, and the counts."""

    failed_message_ids: list[str] = field(default_factory=list)
    scraped: int = 0  # observations recorded
    late: int = 0  # older runs' observations recorded late (history and archive only)
    failed: int = 0  # permanent failures recorded
    blocked: int = 0  # blocked pages recorded
    retried: int = 0  # transient failures sent back to the queue
    failing_repeatedly: int = 0  # recorded failures at or past the repeated threshold
    again: int = 0  # observations recorded before, written again to history and the archive
    skipped: int = 0  # already recorded, inactive, or no longer in the catalog
    forwarded: int = 0  # jobs sent on to the renderer (the render queue), recorded there
    fetch_latencies_ms: list[int] = field(default_factory=list)
    archive_key: str | None = None


@dataclass(frozen=True)
class _Task:
    """A job whose catalog item is fetchable."""

    request: ScrapeRequest
    item: CatalogItem
    late: bool = False  # a newer run already recorded the product


@dataclass(frozen=True)
class _ToRenderer:
    """The job needs a browser: it goes to the render queue, and is recorded there."""

    reason: str


@dataclass(frozen=True)
class _Outcome:
    """What scraping one task found: an observation, a failure or a job for the renderer,
    and the fetch time."""

    task: _Task
    result: state.Observation | FailureDecision | _ToRenderer
    latency_ms: int | None = None


def scrape_batch(
    requests: Sequence[ScrapeRequest],
    *,
    resources: ScrapeResources,
    settings: ScrapeSettings,
    retailers: RetailerDirectory,
    robots: RobotsPolicy,
    remaining_ms: Callable[[], int],
    clock: Clock = utc_now,
    fetchers: PageFetchers | None = None,
    budget_clock: BudgetClock = time.thread_time,
) -> BatchReport:
    """Scrape the batch's jobs (see the module docstring) and say what became of each.

    `fetchers` says how pages are read (`monitor.routing`): by default the scraper's http
    fetch with no memory of earlier batches' escalations.
    """
    fetchers = fetchers or PageFetchers()
    report = BatchReport()
    recorder = _Recorder(resources, settings, report, clock)
    if not requests:
        return report
    try:
        read = state.read_products(
            resources.dynamodb, resources.products_table, [r.job.product_id for r in requests]
        )
    except (ClientError, BotoCoreError) as error:
        logger.exception("could not read the batch's catalog items")
        for request in requests:
            reason = f"catalog read failed: {error}"
            recorder.retry(request, failures.transient(reason, request.receive_count))
        recorder.finish()
        return report

    tasks: list[_Task] = []
    seen: set[tuple[str, str]] = set()
    for request in requests:
        job = request.job
        if (job.product_id, job.run_id) in seen:
            recorder.skip(request, "the same job twice in one batch")
            continue
        seen.add((job.product_id, job.run_id))
        if job.product_id in read.unprocessed:
            recorder.retry(
                request, failures.transient("catalog read throttled", request.receive_count)
            )
            continue
        raw = read.items.get(job.product_id)
        if raw is None:
            recorder.skip(request, "no longer in the catalog")
            continue
        try:
            item = CatalogItem.from_item(raw)
        except InvalidCatalogItemError as error:
            # It cannot be fetched; recorded so the operator sees the broken row on the item.
            recorder.failure(request, failures.permanent(f"invalid catalog item: {error.problem}"))
            continue
        if not item.active:
            recorder.skip(request, "inactive")
        elif item.last_run_id == job.run_id:
            recorded = state.recorded_observation(raw, job.run_id)
            if recorded is None:
                recorder.skip(request, "already recorded in this run (redelivered job)")
            else:
                recorder.again(request, recorded, "recorded in this run (redelivered job)")
        elif state.is_newer_run(item.last_run_id, job.run_id):
            task = _late_task(recorder, resources, request, item)
            if task is not None:
                tasks.append(task)
        else:
            tasks.append(_Task(request, item))

    fetcher = _Fetcher(settings, retailers, robots, remaining_ms, clock, fetchers, budget_clock)
    for outcome in fetcher.run(tasks):
        request = outcome.task.request
        if outcome.latency_ms is not None:
            report.fetch_latencies_ms.append(outcome.latency_ms)
        if isinstance(outcome.result, state.Observation):
            recorder.observation(request, outcome.result)
        elif isinstance(outcome.result, _ToRenderer):
            recorder.to_renderer(request, outcome.result.reason)
        elif outcome.result.kind == FailureKind.TRANSIENT:
            recorder.retry(request, outcome.result)
        else:
            recorder.failure(request, outcome.result)
    recorder.finish()
    return report


def _late_task(
    recorder: _Recorder, resources: ScrapeResources, request: ScrapeRequest, item: CatalogItem
) -> _Task | None:
    """A job of an older run than the item's: written again if an earlier delivery recorded
    it (its history row), else a task whose observation will be recorded as late."""
    job = request.job
    try:
        found = state.late_history_observation(
            resources.dynamodb, resources.prices_table, job.product_id, job.run_id
        )
    except (ClientError, BotoCoreError) as error:
        reason = f"history read failed: {error}"
        recorder.retry(request, failures.transient(reason, request.receive_count))
        return None
    if found is not None:
        recorder.again(request, found, "recorded late in its run before (redelivered job)")
        return None
    return _Task(request, item, late=True)


class _Fetcher:
    """Fetches tasks concurrently across retailers and one by one, spaced, within one."""

    def __init__(
        self,
        settings: ScrapeSettings,
        retailers: RetailerDirectory,
        robots: RobotsPolicy,
        remaining_ms: Callable[[], int],
        clock: Clock,
        fetchers: PageFetchers,
        budget_clock: BudgetClock,
    ) -> None:
        self.settings = settings
        self.retailers = retailers
        self.robots = robots
        self.remaining_ms = remaining_ms
        self.clock = clock
        self.fetchers = fetchers
        self.budget_clock = budget_clock

    def run(self, tasks: Sequence[_Task]) -> list[_Outcome]:
        groups: dict[str, list[_Task]] = {}
        for task in tasks:
            groups.setdefault(task.item.retailer, []).append(task)
        if not groups:
            return []
        workers = min(self.settings.fetch_concurrency, len(groups))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            per_retailer = list(pool.map(self._scrape_retailer, groups.values()))
        return [outcome for outcomes in per_retailer for outcome in outcomes]

    def _seconds_left(self) -> float:
        return self.remaining_ms() / 1000 - RESERVED_SECONDS

    def _scrape_retailer(self, tasks: list[_Task]) -> list[_Outcome]:
        policy = self.retailers.policy(tasks[0].item.retailer)
        outcomes: list[_Outcome] = []
        spacing = 0.0
        last_end: float | None = None
        for index, task in enumerate(tasks):
            route = self.fetchers.route(
                policy, task.request.job.run_id, self.settings.render_queue_url
            )
            if route is Route.RENDERER:  # not fetched here, so no spacing to keep either
                outcomes.append(_Outcome(task, _ToRenderer(_renderer_reason(policy))))
                continue
            if last_end is not None:
                # From the end of the previous fetch: its last request (a redirect, robots.txt)
                # may have gone out at any time before that.
                spacing = self._spacing(policy.spacing_seconds, policy.respect_robots_txt, task)
                wait = last_end + spacing - time.monotonic()
                if wait > 0 and self._seconds_left() - wait < MIN_FETCH_SECONDS:
                    outcomes.extend(_deferred(tasks[index:], spacing, "the retailer's spacing"))
                    break
                if wait > 0:
                    time.sleep(wait)
            time_cap = self.fetchers.time_cap(route, policy, self.settings)
            timeout = min(time_cap, self._seconds_left())
            if timeout < MIN_FETCH_SECONDS:
                outcomes.extend(_deferred(tasks[index:], spacing, "a fetch"))
                break
            try:
                outcomes.append(self._scrape(task, policy, route, timeout))
            except Exception as error:  # a bug must cost one job a retry, not the whole batch
                job = task.request.job
                logger.exception(
                    "unexpected error scraping a product",
                    extra={"product_id": job.product_id, "run_id": job.run_id},
                )
                reason = f"unexpected error: {error!r}"
                failure = failures.transient(reason, task.request.receive_count)
                outcomes.append(_Outcome(task, failure))
            last_end = time.monotonic()
        return outcomes

    def _spacing(self, configured: float, respect_robots_txt: bool, task: _Task) -> float:
        """The retailer's spacing, or its robots.txt Crawl-delay when that is longer."""
        if not respect_robots_txt:
            return configured
        crawl_delay = self.robots.crawl_delay(task.item.url) or 0.0
        return max(configured, min(crawl_delay, MAX_SPACING_SECONDS))

    def _scrape(
        self, task: _Task, policy: RetailerPolicy, route: Route, timeout: float
    ) -> _Outcome:
        request, item = task.request, task.item
        started = time.monotonic()
        try:
            result = self.fetchers.fetch(
                route,
                item.url,
                policy,
                self.settings,
                timeout=timeout,
                robots=self.robots if policy.respect_robots_txt else None,
            )
        except FetchError as error:
            latency = _elapsed_ms(started)
            failure = failures.classify_fetch_error(error, receive_count=request.receive_count)
            return _Outcome(task, failure, latency)
        latency = _elapsed_ms(started)
        decision = failures.classify_failure(
            result, receive_count=request.receive_count, now=self.clock()
        )
        may_escalate = self.fetchers.may_escalate(policy, self.settings.render_queue_url)
        if decision is not None:
            if may_escalate and decision.kind == FailureKind.BLOCKED:
                return self._escalate(task, f"by http: {decision.reason}", latency)
            return _Outcome(task, decision, latency)
        # Made here, in the worker thread, so a thread-CPU-time clock measures this page.
        budget = Budget(self.settings.extraction_budget_seconds, self.budget_clock)
        try:
            offer = extract_offer(result.text, result.url, rules=policy.rules, budget=budget)
        except InvalidRuleError as error:
            reason = f"invalid extraction rule for {item.retailer}: {error}"
            return _Outcome(task, failures.permanent(reason), latency)
        except ExtractionTooSlowError as error:
            return _Outcome(task, failures.permanent(str(error)), latency)
        minimum = self.settings.min_heuristic_confidence
        # An out-of-stock page without a price is an offer without one, not this.
        if offer is None or (offer.source == HEURISTIC_SOURCE and offer.confidence < minimum):
            no_price = (
                "no price on the page"
                if offer is None
                else f"no trusted price (heuristic confidence {offer.confidence:g} < {minimum:g})"
            )
            if may_escalate and self._looks_script_rendered(result.text):
                return self._escalate(
                    task, f"by http: {no_price}, and the page looks script-rendered", latency
                )
            return _Outcome(task, failures.permanent(no_price), latency)
        if offer.ambiguous:
            logger.warning(
                "the page states several prices; the shopper's one was chosen",
                extra={
                    "product_id": item.product_id,
                    "run_id": request.job.run_id,
                    "price": str(offer.price),
                    "alternatives": [str(price) for price in offer.alternatives],
                },
            )
        observation = state.Observation(
            product_id=item.product_id,
            retailer=item.retailer,
            url=item.url,
            run_id=request.job.run_id,
            price=offer.price,
            currency=offer.currency,
            availability=offer.availability,
            observed_at=self.clock(),
            # A late reading's predecessor is not the item's price (a newer run's).
            previous_price=None if task.late else item.last_price,
            source=offer.source,
            confidence=offer.confidence,
            ambiguous=offer.ambiguous,
            late=task.late,
            final_receive=request.receive_count >= failures.MAX_RECEIVE_COUNT,
        )
        return _Outcome(task, observation, latency)

    def _looks_script_rendered(self, page: str) -> bool:
        """Whether a page without a price is a script's shell, within its own CPU budget (a
        page too slow to tell is not sent on: its failure is recorded as usual)."""
        budget = Budget(self.settings.extraction_budget_seconds, self.budget_clock)
        try:
            return looks_script_rendered(page, budget)
        except ExtractionTooSlowError:
            return False

    def _escalate(self, task: _Task, why: str, latency: int) -> _Outcome:
        """An `auto` retailer's page needs a browser: this job goes to the renderer, and so
        do the retailer's later jobs of the run that reach this container."""
        job, retailer = task.request.job, task.item.retailer  # the policy's: the catalog's
        if not self.fetchers.escalated.includes(job.run_id, retailer):
            logger.info(
                "retailer needs a browser for the rest of the run; jobs go to the renderer",
                extra={
                    "retailer": retailer,
                    "run_id": job.run_id,
                    "product_id": job.product_id,
                    "reason": why,
                },
            )
        self.fetchers.escalated.add(job.run_id, retailer)
        return _Outcome(task, _ToRenderer(why), latency)


class _Recorder:
    """Records each job's outcome and collects what goes back to the queue and to S3."""

    def __init__(
        self,
        resources: ScrapeResources,
        settings: ScrapeSettings,
        report: BatchReport,
        clock: Clock,
    ) -> None:
        self.resources = resources
        self.settings = settings
        self.report = report
        self.clock = clock
        self.retries: dict[str, tuple[ScrapeRequest, FailureDecision]] = {}  # by message id
        self.gave_up: set[str] = set()  # message ids whose last receive was recorded
        self.pending: list[tuple[ScrapeRequest, state.Observation]] = []  # new, to record
        # In DynamoDB (or about to be): for the archive and history. No request: an earlier
        # run's final-receive observation found on an item (monitor.state).
        self.recorded: list[tuple[ScrapeRequest | None, state.Observation]] = []
        self.tallies: dict[str, RunTally] = {}
        self.to_render: list[tuple[ScrapeRequest, str]] = []  # jobs for the render queue

    def _tally(self, request: ScrapeRequest) -> RunTally:
        return self.tallies.setdefault(request.job.run_id, RunTally())

    def skip(self, request: ScrapeRequest, why: str) -> None:
        self.report.skipped += 1
        logger.info("job done without scraping", extra={**_job_keys(request), "reason": why})

    def again(self, request: ScrapeRequest, observation: state.Observation, why: str) -> None:
        """An observation recorded before: its history row and archive line, again."""
        self.report.again += 1
        self.recorded.append((request, observation))
        logger.info(
            "recorded observation written again to history and the archive",
            extra={**_job_keys(request), "reason": why},
        )

    def _healed(self, observation: state.Observation | None) -> None:
        if observation is not None:
            self.recorded.append((None, observation))
            logger.info(
                "an earlier final-receive observation written again",
                extra={"product_id": observation.product_id, "run_id": observation.run_id},
            )

    def to_renderer(self, request: ScrapeRequest, why: str) -> None:
        """Keep a job for the render queue (`finish` sends it)."""
        self.to_render.append((request, why))

    def _forward_to_renderer(self) -> None:
        """Send the jobs that need a browser to the render queue, 10 per call; a job whose
        send failed goes back to the scrape queue to be tried again (its message is not
        deleted until its job is on the render queue)."""
        sent = _send_to_render_queue(
            self.resources.sqs,
            self.settings.render_queue_url,
            [request for request, _ in self.to_render],
        )
        for request, why in self.to_render:
            problem = sent.get(request.message_id)
            if problem is not None:
                reason = f"could not forward to the renderer: {problem}"
                self.retry(request, failures.transient(reason, request.receive_count))
                continue
            self.report.forwarded += 1
            logger.debug(
                "job forwarded to the renderer", extra={**_job_keys(request), "reason": why}
            )

    def observation(self, request: ScrapeRequest, observation: state.Observation) -> None:
        """Keep an observation for the batch's writes (`finish`)."""
        self.pending.append((request, observation))

    def _record_states(self) -> None:
        outcomes = state.record_latest_states(
            self.resources.dynamodb,
            self.resources.products_table,
            [observation for _, observation in self.pending],
        )
        for (request, _), outcome in zip(self.pending, outcomes, strict=True):
            self._healed(outcome.healed)
            kind = outcome.recorded
            if outcome.to_archive:
                self.recorded.append((request, outcome.observation))
            if kind is Recorded.NEW:
                self.report.scraped += 1
                self._tally(request).scraped += 1
                # Debug: each observation is already in history, the archive and the item;
                # at INFO it would be most of the log volume (a cost: bench/README.md).
                logger.debug(
                    "product observed",
                    extra={
                        **_job_keys(request),
                        "price": _price_text(outcome.observation.price),
                        "currency": outcome.observation.currency,
                        "availability": outcome.observation.availability,
                        "source": outcome.observation.source,
                    },
                )
            elif kind is Recorded.AGAIN:
                self.report.again += 1
            elif kind is Recorded.FAILED:
                self._write_failed(request, str(outcome.error))
            elif kind is not Recorded.LATE:  # LATE is counted once its writes succeed
                self.skip(request, _NOT_RECORDED[kind])

    def _archive_and_history(self) -> None:
        """The archive object, then the history rows, of everything recorded in the batch.

        A job whose writes did not all succeed goes back to the queue: its redelivery
        writes them again. A late observation has no state to heal from, so without its
        archive line its history row is not written either (the retry reads it afresh).
        """
        entries = list({o.observation_id: (r, o) for r, o in self.recorded}.values())
        archived = _archive(self.resources, [observation for _, observation in entries])
        if not archived:
            for request, _ in entries:
                self._write_failed(request, "archive write failed")
            entries = [(request, o) for request, o in entries if not o.late]
        else:
            self.report.archive_key = archived
        errors = state.write_history(
            self.resources.dynamodb,
            self.resources.prices_table,
            [observation for _, observation in entries],
            self.settings.history_retention_days,
        )
        for request, observation in entries:
            error = errors.get(observation.observation_id)
            if error is not None:
                self._write_failed(request, str(error))
            elif archived and observation.late and request is not None:
                self.report.late += 1
                self._tally(request).scraped += 1  # the run's job ended observed
                logger.info("observation recorded late", extra=_job_keys(request))

    def failure(self, request: ScrapeRequest, decision: FailureDecision) -> None:
        """Record a permanent or blocked failure on the catalog item."""
        try:
            outcome = self._record(request, decision)
        except (state.StateWriteError, ClientError, BotoCoreError) as error:
            self._write_failed(request, str(error))
            return
        self._healed(outcome.healed)
        if outcome.again is not None:
            self.again(request, outcome.again, "recorded in this run (concurrent duplicate)")
            return
        if outcome.recorded in (Recorded.DUPLICATE, Recorded.GONE):
            self.skip(request, _NOT_RECORDED[outcome.recorded])
            return
        extra = {**_job_keys(request), "kind": decision.kind, "reason": decision.reason}
        tally = self._tally(request)  # the job ended with this failure, late or not
        if decision.kind == FailureKind.BLOCKED:
            tally.blocked += 1
        else:
            tally.failed += 1
        if outcome.recorded is Recorded.LATE:
            self.report.skipped += 1
            logger.warning("product check failed late; a newer run's state stays", extra=extra)
            return
        if decision.kind == FailureKind.BLOCKED:
            self.report.blocked += 1
        else:
            self.report.failed += 1
        logger.warning("product check failed", extra=extra)

    def retry(self, request: ScrapeRequest, decision: FailureDecision) -> None:
        """Send the job back to the queue; on its last receive, record the error first."""
        if request.message_id in self.retries:
            return  # already going back (e.g. both its history row and its archive failed)
        last_receive = request.receive_count >= failures.MAX_RECEIVE_COUNT
        if last_receive and not self._give_up(request, decision):
            return
        self.retries[request.message_id] = (request, decision)
        self.report.retried += 1
        self.report.failed_message_ids.append(request.message_id)
        logger.warning(
            "product check will be retried" if not last_receive else "product check gave up",
            extra={
                **_job_keys(request),
                "reason": decision.reason,
                "retry_after_seconds": decision.retry_after_seconds,
                "receive_count": request.receive_count,
            },
        )

    def _give_up(self, request: ScrapeRequest, decision: FailureDecision) -> bool:
        """A job's last receive failed: record why on the catalog item before the job goes
        to the DLQ; False when the job is done after all (this run already recorded the
        product through another delivery, or the product left the catalog), so that it is
        neither dead-lettered nor counted twice in the run's tally."""
        if request.message_id in self.gave_up:
            return True  # a later write of this job failed too: it goes, counted once
        self.gave_up.add(request.message_id)
        reason = f"{decision.reason} (gave up after {request.receive_count} tries)"
        try:
            outcome = self._record(request, failures.permanent(reason))
        except (state.StateWriteError, ClientError, BotoCoreError):
            logger.exception("could not record the last failure", extra=_job_keys(request))
        else:
            self._healed(outcome.healed)
            if outcome.again is not None:
                self.again(request, outcome.again, "recorded in this run (concurrent duplicate)")
                return False
            if outcome.recorded in (Recorded.DUPLICATE, Recorded.GONE):
                self.skip(request, _NOT_RECORDED[outcome.recorded])
                return False
        self._tally(request).dead_lettered += 1
        return True

    def finish(self) -> None:
        if self.pending:
            self._record_states()
        if self.recorded:
            self._archive_and_history()
        if self.to_render:  # before the retries: a failed send is one of them
            self._forward_to_renderer()
        _return_to_queue(self.resources, list(self.retries.values()))
        add_to_runs(self.resources.dynamodb, self.resources.runs_table, self.tallies, self.clock())

    def _record(self, request: ScrapeRequest, decision: FailureDecision) -> state.FailureOutcome:
        outcome = state.record_failure(
            self.resources.dynamodb,
            products_table=self.resources.products_table,
            product_id=request.job.product_id,
            run_id=request.job.run_id,
            status=decision.record_status,
            error=decision.reason,
            checked_at=self.clock(),
        )
        count = outcome.consecutive_failures
        if count is not None and count >= self.settings.repeated_failure_threshold:
            self.report.failing_repeatedly += 1
            logger.warning(
                "product keeps failing",
                extra={**_job_keys(request), "consecutive_failures": count},
            )
        return outcome

    def _write_failed(self, request: ScrapeRequest | None, problem: str) -> None:
        if request is None:  # an earlier run's observation: no job to retry
            logger.error("could not write an observation again", extra={"reason": problem})
            return
        logger.error(
            "could not record the outcome", extra={**_job_keys(request), "reason": problem}
        )
        self.retry(request, failures.transient(f"write failed: {problem}", request.receive_count))


_NOT_RECORDED = {
    Recorded.DUPLICATE: "already recorded in this run (concurrent duplicate)",
    Recorded.GONE: "no longer in the catalog",
}


def _renderer_reason(policy: RetailerPolicy) -> str:
    if policy.fetch is FetchMode.BROWSER:
        return "the retailer is fetched by browser"
    return "the retailer needed a browser earlier in this run"


def _send_to_render_queue(
    sqs: SQSClient, render_queue_url: str, requests: Sequence[ScrapeRequest]
) -> dict[str, str | None]:
    """Send each request's job, as it came, to the render queue: by message id, None when
    sent, else why not."""
    outcome: dict[str, str | None] = {}
    for start in range(0, len(requests), _SEND_BATCH):
        chunk = requests[start : start + _SEND_BATCH]
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(index), "MessageBody": encode(request.job)}
            for index, request in enumerate(chunk)
        ]
        try:
            response = sqs.send_message_batch(QueueUrl=render_queue_url, Entries=entries)
        except (ClientError, BotoCoreError) as error:
            logger.exception("could not send jobs to the render queue")
            outcome.update((request.message_id, str(error)) for request in chunk)
            continue
        failed = {entry["Id"]: entry for entry in response.get("Failed", [])}
        for index, request in enumerate(chunk):
            entry = failed.get(str(index))
            outcome[request.message_id] = (
                None if entry is None else f"{entry.get('Code')}: {entry.get('Message', '')}"
            )
    return outcome


def _deferred(tasks: Sequence[_Task], spacing: float, waiting_for: str) -> list[_Outcome]:
    """Jobs with no time left in this invocation: back to the queue, one spacing apart."""
    outcomes = []
    for position, task in enumerate(tasks, start=1):
        delay = min(max(math.ceil(spacing * position), 1), failures.BACKOFF_CAP_SECONDS)
        reason = f"deferred: no time left in this invocation for {waiting_for}"
        outcomes.append(_Outcome(task, FailureDecision(FailureKind.TRANSIENT, reason, delay)))
    return outcomes


def _return_to_queue(
    resources: ScrapeResources, retries: Sequence[tuple[ScrapeRequest, FailureDecision]]
) -> None:
    """Set each retried message's visibility timeout to its backoff (10 per call).

    If a change fails, the message still comes back, after the queue's own visibility
    timeout: later than planned, never lost.
    """
    entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
        {
            "Id": str(index),
            "ReceiptHandle": request.receipt_handle,
            "VisibilityTimeout": decision.retry_after_seconds or failures.backoff_seconds(1),
        }
        for index, (request, decision) in enumerate(retries)
    ]
    for start in range(0, len(entries), _VISIBILITY_BATCH):
        chunk = entries[start : start + _VISIBILITY_BATCH]
        try:
            response = resources.sqs.change_message_visibility_batch(
                QueueUrl=resources.queue_url, Entries=chunk
            )
        except (ClientError, BotoCoreError):
            logger.exception("could not set the retry backoff of messages")
            continue
        for failed in response.get("Failed", []):
            logger.warning("could not set a message's retry backoff", extra={"failure": failed})


def _archive(resources: ScrapeResources, observations: Sequence[state.Observation]) -> str | None:
    """Archive the batch's observations: the object's key, or None when the put failed
    (logged; the caller sends their jobs back so the redelivery archives them)."""
    try:
        return archive.archive_batch(resources.s3, resources.archive_bucket, observations)
    except (ClientError, BotoCoreError):
        logger.exception(
            "could not archive the batch's observations",
            extra={"product_ids": [o.product_id for o in observations]},
        )
        return None


def _job_keys(request: ScrapeRequest) -> dict[str, Any]:
    job = request.job
    return {"product_id": job.product_id, "run_id": job.run_id, "message_id": request.message_id}


def _price_text(price: Decimal | None) -> str | None:
    return None if price is None else str(price)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
