"""Dispatching a run: one product job on the scrape queue per active catalog product.

`dispatch_run` handles both `scrape_all_products` (StartRun) and `continue_dispatch`
(ContinueDispatch). It pages through the catalog with Scan, turns each active row into a
ProductJob and sends them with SendMessageBatch, 10 per call, spreading each retailer's
jobs with DelaySeconds; before its time runs out it hands the rest to a continuation
message. It receives its tables, client and clocks as arguments and reads no environment.

The run record (runs table, one item per `run_id`) makes a run dispatch once:

- `status`: `dispatching` until the end of the catalog, then `dispatched` (with
  `dispatch_finished_at`, `catalog_size` and the final `dispatched` count).
- progress, saved after every page: `dispatch_cursor` (the ExclusiveStartKey of the next
  page; absent before the first), `spacing` (per-retailer delay offsets so far),
  `dispatched` and `rejected` counts.
- a lease: `dispatch_owner` (a token per invocation) and `lease_expires_at` (epoch ms, the
  owner's Lambda deadline). Every message first takes the lease with one conditional
  UpdateItem: a StartRun creates the record if it does not exist; any message may take over
  a `dispatching` run whose lease has expired (or was released by a hand-off), and resumes
  from its saved progress. A message that gets no lease is a duplicate (the run is
  dispatched, or another live invocation holds it) and sends nothing: a duplicated schedule
  fire, or the same message delivered twice, never scrapes twice.

Fencing, so two invocations never dispatch a run side by side: every progress write is
conditioned on `dispatch_owner` still being this invocation's token (a taken-over holder
gets LeaseLostError and stops), and no SendMessageBatch goes out within LEASE_MARGIN_MS of
the holder's own lease end (LeaseExpiredError), which is before anyone can take over. The
progress of a page is written only after all its jobs went, so the saved cursor never
passes a job that was not sent, and `dispatched`, `rejected` and `spacing` are set (not
added) from the holder's own progress: a takeover neither skips nor counts a page twice.

Why this cannot lose the rest of a run: an invocation that stops early either raised (its
message returns to the queue; the redelivery finds the lease expired and resumes from the
last saved page) or handed off, and a hand-off releases the lease *before* it sends the
continuation, so the continuation finds the run free to take (or taken by a duplicate
StartRun, which then carries the run on; the continuation is the duplicate); if the send
fails, DispatchError returns the original message to the queue instead. Whoever takes the
lease resumes from the progress saved on the record (the furthest point reached), not from
the cursor its message carries, which is there for people reading the queue or the DLQ.
The one resend: a page in flight when its invocation died (or stalled inside a send past
its lease) is sent again by the next holder, since nothing says which of its jobs went;
the scraper skips a product this run has already observed. The tests
(test_dispatch_concurrency.py) park one dispatch before each of its AWS calls while another
runs, stall one past its lease, and kill one at every call.

Spacing: the n-th job of retailer R in a run is delayed by n x R's spacing (its `spacing`
offset), modulo 900 s because SQS caps DelaySeconds at 900. A retailer with more than
900 s of spacing in one run (900 products at 1 s) therefore gets several jobs per delay
second; beyond that, politeness rests on the scraper's bounded concurrency (the event
source's maximum concurrency and its per-batch fetches). Offsets carry across
continuations, and the time between invocations only stretches the spacing further.

Queues: a `fetch: browser` retailer's jobs go to the render queue (`render_queue_url`),
with the same bodies and the same spacing, since the renderer reads them as the scraper
would; every other job goes to the scrape queue (an `auto` retailer's too: it is fetched by
http first). A browser retailer on a stack without a render queue is refused when the
container starts (`RetailerDirectory.require_renderer`); `dispatch_run` refuses it too
rather than send such jobs to the scraper.

Capacity (1,000,000 products, pages of 500): 2,000 Scan pages, one progress write per page
and 100,000 SendMessageBatch calls (0.1 per product). At ~20 ms a call a page takes about
a second, so a 120 s function dispatches ~90 pages (45,000 products) per invocation and
the whole catalog in ~35 minutes over ~22 continuations: well inside a 6-hour schedule. A
parallel Scan (Segment/TotalSegments) would need one run record per segment; it is not
used because the sequential dispatch already fits.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contracts import run_record
from contracts.catalog import LISTING_ATTRIBUTES, CatalogListing, InvalidCatalogItemError
from contracts.fetch_modes import FetchMode
from contracts.messages import ContinueDispatch, ProductJob, StartRun, encode
from contracts.run_record import (
    CATALOG_SIZE,
    DISPATCH_CURSOR,
    DISPATCH_FINISHED_AT,
    DISPATCH_OWNER,
    DISPATCHED,
    EXPIRES_AT,
    LEASE_EXPIRES_AT,
    REJECTED,
    RUN_ID,
    SPACING,
    STARTED_AT,
    STATUS,
    RunProgress,
    RunStatus,
)
from contracts.timestamps import iso_seconds
from monitor.retailers import RetailerDirectory, RetailerPolicy
from monitor.telemetry import logger

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import (
        BatchResultErrorEntryTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

MAX_DELAY_SECONDS = 900  # SQS DelaySeconds limit
SEND_BATCH_SIZE = 10  # SendMessageBatch limit
SEND_ATTEMPTS = 4  # per batch: the first call and up to three retries of its failed entries
SEND_RETRY_BACKOFF_SECONDS = 0.05
DEFAULT_PAGE_SIZE = 500
# Hand off when less than this (or twice the slowest page so far) remains.
SAFETY_MARGIN_MS = 20_000
# No job is sent in the last second of a lease: Lambda hosts' clocks agree far closer than
# that, so a message taking the run over never sends alongside a holder still sending.
LEASE_MARGIN_MS = 1_000
RUN_RETENTION = run_record.RETENTION


class DispatchError(RuntimeError):
    """Dispatching a run failed; its message must go back to the queue to be retried."""

    def __init__(self, run_id: str, problem: str) -> None:
        super().__init__(f"run {run_id}: {problem}")
        self.run_id = run_id
        self.problem = problem


class UnknownRunError(DispatchError):
    """A continuation for a run that has no run record."""


class LeaseLostError(DispatchError):
    """Another invocation took the run over while this one was dispatching it."""


class LeaseExpiredError(LeaseLostError):
    """This invocation's lease ran out before it sent everything: another may take over."""


@dataclass(frozen=True)
class DispatchReport:
    """What one invocation did for a run."""

    run_id: str
    dispatched: int  # product jobs sent by this invocation (the ProductsDispatched metric)
    rejected: int  # malformed catalog rows skipped by this invocation
    pages: int  # catalog pages read by this invocation
    continued: bool  # the rest of the catalog was handed to a continuation message
    duplicate: bool  # the run was already dispatched or being dispatched: nothing was sent
    total_dispatched: int  # product jobs of the run so far, all invocations included
    finished: bool  # this invocation dispatched the end of the catalog


@dataclass(frozen=True)
class _Progress:
    cursor: Mapping[str, Any] | None
    spacing: Mapping[str, float]
    dispatched: int
    rejected: int


@dataclass(frozen=True)
class _Lease:
    owner: str  # this invocation's token, the condition of its every write
    expires_at_ms: int  # epoch ms; from then on another message may take the run over


@dataclass(frozen=True)
class _Duplicate:
    status: str | None
    dispatched: int


def dispatch_run(
    message: StartRun | ContinueDispatch,
    *,
    products_table: Table,
    runs_table: Table,
    sqs_client: SQSClient,
    queue_url: str,
    retailers: RetailerDirectory,
    remaining_ms: Callable[[], int],
    now: Callable[[], datetime],
    render_queue_url: str = "",
    page_size: int = DEFAULT_PAGE_SIZE,
    safety_margin_ms: int = SAFETY_MARGIN_MS,
    run_retention: timedelta = RUN_RETENTION,
    sleep: Callable[[float], None] = time.sleep,
) -> DispatchReport:
    """Dispatch `message`'s run from where it stands; see the module docstring.

    `products_table` and `runs_table` are boto3 resource Tables, `sqs_client` an SQS client;
    `queue_url` is the scrape queue (dispatch continuations and http jobs) and
    `render_queue_url` the render queue ("" when the stack has none); `now` returns an aware
    datetime. Raises DispatchError when jobs or the continuation could not be sent (the
    message must then be retried), ConfigurationError when a browser retailer has no render
    queue.
    """
    retailers.require_renderer(render_queue_url)
    queues = _JobQueues(queue_url, render_queue_url)
    run_id = message.run_id
    acquired = _acquire(message, runs_table, now(), remaining_ms(), run_retention)
    if isinstance(acquired, _Duplicate):
        logger.info(
            "run already dispatched or being dispatched: nothing sent",
            extra={"run_id": run_id, "run_status": acquired.status},
        )
        return DispatchReport(
            run_id=run_id,
            dispatched=0,
            rejected=0,
            pages=0,
            continued=False,
            duplicate=True,
            total_dispatched=acquired.dispatched,
            finished=False,
        )
    lease, progress = acquired
    owner = lease.owner

    def hold_lease() -> None:
        """Raise unless this invocation may still send: nobody can have taken over yet."""
        if _epoch_ms(now()) >= lease.expires_at_ms - LEASE_MARGIN_MS:
            raise LeaseExpiredError(run_id, "the lease ran out before the jobs were sent")

    spacing = dict(progress.spacing)
    sent = rejected = pages = 0
    slowest_page_ms = 0

    def report(*, continued: bool) -> DispatchReport:
        return DispatchReport(
            run_id=run_id,
            dispatched=sent,
            rejected=rejected,
            pages=pages,
            continued=continued,
            duplicate=False,
            total_dispatched=progress.dispatched,
            finished=not continued,
        )

    # At least one page per invocation, so a continuation always moves the run forward.
    while True:
        page_started_ms = remaining_ms()
        page = products_table.scan(**_scan_arguments(page_size, progress.cursor))
        jobs, page_rejected = _jobs(page["Items"], run_id, retailers, spacing, queues)
        _send_jobs(sqs_client, run_id, jobs, hold_lease, sleep)
        pages += 1
        sent += len(jobs)
        rejected += page_rejected
        slowest_page_ms = max(slowest_page_ms, page_started_ms - remaining_ms())
        progress = _Progress(
            page.get("LastEvaluatedKey"),
            dict(spacing),
            progress.dispatched + len(jobs),
            progress.rejected + page_rejected,
        )
        if progress.cursor is None:
            _finish(runs_table, run_id, owner, progress, now())
            logger.info(
                "run dispatched",
                extra={
                    "run_id": run_id,
                    "dispatched": progress.dispatched,
                    "rejected": progress.rejected,
                },
            )
            return report(continued=False)
        out_of_time = remaining_ms() < max(safety_margin_ms, 2 * slowest_page_ms)
        _save_progress(runs_table, run_id, owner, progress, release=out_of_time)
        if out_of_time:
            _send_continuation(sqs_client, queue_url, run_id, progress)
            logger.info(
                "dispatch continues in a new invocation",
                extra={"run_id": run_id, "dispatched": progress.dispatched},
            )
            return report(continued=True)


def delay_seconds(offset_seconds: float) -> int:
    """The DelaySeconds of a job `offset_seconds` into its retailer's spacing (wraps at 900)."""
    # The epsilon keeps float sums on their second: ten spacings of 0.1 s add up to 0.99999...
    return math.floor(offset_seconds + 1e-6) % MAX_DELAY_SECONDS


def _acquire(
    message: StartRun | ContinueDispatch,
    runs_table: Table,
    moment: datetime,
    lease_ms: int,
    retention: timedelta,
) -> tuple[_Lease, _Progress] | _Duplicate:
    """Take the run's lease (creating the record for a new run) and return its progress."""
    now_ms = _epoch_ms(moment)
    lease = _Lease(uuid.uuid4().hex, now_ms + max(lease_ms, 0))
    take_over = f"#{STATUS} = :dispatching AND #{LEASE_EXPIRES_AT} < :now"
    # Only a StartRun may create the record; any message may take over an abandoned one.
    condition = (
        f"attribute_not_exists({RUN_ID}) OR ({take_over})"
        if isinstance(message, StartRun)
        else take_over
    )
    expression = (
        f"SET #{STATUS} = :dispatching, #{DISPATCH_OWNER} = :owner,"
        f" #{LEASE_EXPIRES_AT} = :lease,"
        f" #{STARTED_AT} = if_not_exists(#{STARTED_AT}, :started),"
        f" #{EXPIRES_AT} = if_not_exists(#{EXPIRES_AT}, :expires),"
        f" #{DISPATCHED} = if_not_exists(#{DISPATCHED}, :zero),"
        f" #{REJECTED} = if_not_exists(#{REJECTED}, :zero),"
        f" #{SPACING} = if_not_exists(#{SPACING}, :no_spacing)"
    )
    try:
        item = runs_table.update_item(
            Key={RUN_ID: message.run_id},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=_names(expression, condition),
            ExpressionAttributeValues={
                ":dispatching": RunStatus.DISPATCHING,
                ":owner": lease.owner,
                ":lease": lease.expires_at_ms,
                ":now": now_ms,
                ":started": iso_seconds(moment),
                ":expires": int((moment + retention).timestamp()),
                ":zero": 0,
                ":no_spacing": {},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except runs_table.meta.client.exceptions.ConditionalCheckFailedException:
        return _existing_run(message, runs_table)
    record = RunProgress.from_record(message.run_id, item)
    return lease, _Progress(
        record.dispatch_cursor, record.spacing, record.dispatched, record.rejected
    )


def _existing_run(message: StartRun | ContinueDispatch, runs_table: Table) -> _Duplicate:
    item = runs_table.get_item(Key={RUN_ID: message.run_id}, ConsistentRead=True).get("Item")
    if item is None:
        # Only a StartRun creates a record: a continuation without one is not ours to start.
        raise UnknownRunError(message.run_id, "continue_dispatch for a run with no run record")
    record = RunProgress.from_record(message.run_id, item)
    return _Duplicate(record.status, record.dispatched)


def _scan_arguments(page_size: int, cursor: Mapping[str, Any] | None) -> dict[str, Any]:
    projection = ", ".join(f"#{name}" for name in LISTING_ATTRIBUTES)
    # Rows without `active` are active (DESIGN default true).
    active = "attribute_not_exists(#active) OR #active <> :inactive"
    arguments: dict[str, Any] = {
        "Limit": page_size,
        "ProjectionExpression": projection,
        "FilterExpression": active,
        "ExpressionAttributeNames": _names(projection, active),
        "ExpressionAttributeValues": {":inactive": False},
    }
    if cursor is not None:
        arguments["ExclusiveStartKey"] = dict(cursor)
    return arguments


@dataclass(frozen=True)
class _JobQueues:
    scrape: str
    render: str

    def for_retailer(self, policy: RetailerPolicy) -> str:
        """Where the retailer's jobs go: browser retailers' to the render queue."""
        return self.render if policy.fetch is FetchMode.BROWSER else self.scrape


@dataclass(frozen=True)
class _Job:
    job: ProductJob
    delay_seconds: int
    queue_url: str


def _jobs(
    items: Iterable[Mapping[str, Any]],
    run_id: str,
    retailers: RetailerDirectory,
    spacing: dict[str, float],
    queues: _JobQueues,
) -> tuple[list[_Job], int]:
    """The page's jobs with their delays (advancing `spacing`) and queues, and how many rows
    were bad."""
    jobs: list[_Job] = []
    rejected = 0
    for item in items:
        try:
            listing = CatalogListing.from_item(item)
        except InvalidCatalogItemError as error:
            rejected += 1
            logger.warning(
                "catalog item not dispatched",
                extra={"run_id": run_id, "product_id": error.product_id, "problem": error.problem},
            )
            continue
        policy = retailers.policy(listing.retailer)
        offset = spacing.get(listing.retailer, 0.0)
        job = ProductJob(run_id, listing.product_id, listing.retailer)
        jobs.append(_Job(job, delay_seconds(offset), queues.for_retailer(policy)))
        spacing[listing.retailer] = offset + policy.spacing_seconds
    return jobs, rejected


def _send_jobs(
    sqs_client: SQSClient,
    run_id: str,
    jobs: list[_Job],
    hold_lease: Callable[[], None],
    sleep: Callable[[float], None],
) -> None:
    by_queue: dict[str, list[_Job]] = {}
    for job in jobs:
        by_queue.setdefault(job.queue_url, []).append(job)
    for queue_url, queued in by_queue.items():
        for start in range(0, len(queued), SEND_BATCH_SIZE):
            hold_lease()
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {
                    "Id": str(index),
                    "MessageBody": encode(job.job),
                    "DelaySeconds": job.delay_seconds,
                }
                for index, job in enumerate(queued[start : start + SEND_BATCH_SIZE])
            ]
            _send_batch(sqs_client, queue_url, run_id, entries, sleep)


def _send_batch(
    sqs_client: SQSClient,
    queue_url: str,
    run_id: str,
    entries: list[SendMessageBatchRequestEntryTypeDef],
    sleep: Callable[[float], None],
) -> None:
    """Send the entries, retrying only those SQS reports failed; raise if some never go."""
    pending = entries
    failures: list[BatchResultErrorEntryTypeDef] = []
    for attempt in range(SEND_ATTEMPTS):
        if attempt:
            sleep(SEND_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1))
        try:
            response = sqs_client.send_message_batch(QueueUrl=queue_url, Entries=pending)
        except (BotoCoreError, ClientError) as error:
            # The SDK has already retried the call itself (standard retry mode).
            raise DispatchError(run_id, f"SendMessageBatch failed: {error}") from error
        failures = response.get("Failed", [])
        failed_ids = {failure["Id"] for failure in failures}
        pending = [entry for entry in pending if entry["Id"] in failed_ids]
        # A sender fault (a malformed entry) fails the same way every time.
        if not pending or all(failure.get("SenderFault") for failure in failures):
            break
    if pending:
        codes = sorted({str(failure.get("Code")) for failure in failures})
        raise DispatchError(
            run_id, f"SQS rejected {len(pending)} product jobs after retries ({', '.join(codes)})"
        )


def _save_progress(
    runs_table: Table, run_id: str, owner: str, progress: _Progress, *, release: bool
) -> None:
    """Record how far the run got; `release` also frees the lease for a continuation."""
    expression = (
        f"SET #{DISPATCH_CURSOR} = :cursor, #{SPACING} = :spacing,"
        f" #{DISPATCHED} = :dispatched, #{REJECTED} = :rejected"
    )
    values = _progress_values(progress) | {":owner": owner, ":cursor": progress.cursor}
    if release:
        expression += f", #{LEASE_EXPIRES_AT} = :released"
        values[":released"] = 0
    _update_owned_run(runs_table, run_id, expression, values)


def _finish(
    runs_table: Table, run_id: str, owner: str, progress: _Progress, moment: datetime
) -> None:
    _update_owned_run(
        runs_table,
        run_id,
        f"SET #{STATUS} = :dispatched_status, #{DISPATCH_FINISHED_AT} = :finished,"
        f" #{CATALOG_SIZE} = :catalog_size, #{SPACING} = :spacing,"
        f" #{DISPATCHED} = :dispatched, #{REJECTED} = :rejected"
        f" REMOVE #{DISPATCH_CURSOR}, #{LEASE_EXPIRES_AT}, #{DISPATCH_OWNER}",
        _progress_values(progress)
        | {
            ":owner": owner,
            ":dispatched_status": RunStatus.DISPATCHED,
            ":finished": iso_seconds(moment),
            # The active rows of the catalog: the jobs sent and the rows that were malformed.
            ":catalog_size": progress.dispatched + progress.rejected,
        },
    )


def _update_owned_run(
    runs_table: Table, run_id: str, expression: str, values: dict[str, Any]
) -> None:
    """Update the run record, only while this invocation still holds its lease."""
    owned = f"#{DISPATCH_OWNER} = :owner"
    try:
        runs_table.update_item(
            Key={RUN_ID: run_id},
            UpdateExpression=expression,
            ConditionExpression=owned,
            ExpressionAttributeNames=_names(expression, owned),
            ExpressionAttributeValues=values,
        )
    except runs_table.meta.client.exceptions.ConditionalCheckFailedException:
        raise LeaseLostError(run_id, "another invocation took over the dispatch") from None


def _progress_values(progress: _Progress) -> dict[str, Any]:
    return {
        # DynamoDB numbers go through Decimal; str() keeps the float's shortest form.
        ":spacing": {
            retailer: Decimal(str(offset)) for retailer, offset in progress.spacing.items()
        },
        ":dispatched": progress.dispatched,
        ":rejected": progress.rejected,
    }


def _send_continuation(
    sqs_client: SQSClient, queue_url: str, run_id: str, progress: _Progress
) -> None:
    message = ContinueDispatch(
        run_id, dict(progress.cursor or {}), dict(progress.spacing), progress.dispatched
    )
    try:
        sqs_client.send_message(QueueUrl=queue_url, MessageBody=encode(message))
    except (BotoCoreError, ClientError) as error:
        raise DispatchError(run_id, f"the continuation could not be sent: {error}") from error


def _names(*expressions: str) -> dict[str, str]:
    """ExpressionAttributeNames for the expressions: `#name` stands for attribute `name`
    (`status` is a DynamoDB reserved word)."""
    attributes = dict.fromkeys(_PLACEHOLDER.findall(" ".join(expressions)))
    return {f"#{attribute}": attribute for attribute in attributes}


_PLACEHOLDER = re.compile(r"#(\w+)")


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
