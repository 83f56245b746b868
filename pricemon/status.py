"""`pricemon status`: how the last runs went, what waits in the DLQ, what keeps failing.

What it reads, and why from there:

- the runs table (one item per run: the dispatcher's status and counts, and the scraper
  batches' tallies of `functions/monitor/run_tally.py`): the catalog items only hold each
  product's latest outcome, so an earlier run's counts exist nowhere else. The table is
  small (a few runs a day, kept 90 days), so a Scan sorted by `started_at` is enough;
- the scrape DLQ's approximate depth (visible and in flight);
- the products table, filtered on `consecutive_failures` (the counter the scraper keeps);
- the CloudWatch alarms the stack exports as `alarm_names`.

A run is `dispatching` until the dispatcher reached the end of the catalog, then `running`
until its tallied outcomes add up to the products it dispatched, then `finished`. A batch
that crashed between its product writes and its tally leaves the counts short, so a run
can stay `running` for good; the output says so once a later run has started.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from contracts.run_record import (
    COUNTERS,
    DISPATCHED,
    LAST_ACTIVITY_AT,
    RUN_ID,
    STARTED_AT,
    STATUS,
    RunProgress,
    RunStatus,
)
from contracts.tables import PRODUCT_ID
from price_monitor.config import Settings
from pricemon.arguments import positive_count
from pricemon.target import Stack
from pricemon.terminal import EXIT_OK, EXIT_PROBLEM, Console

if TYPE_CHECKING:
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.literals import QueueAttributeNameType

    from pricemon.context import Context, Subcommands

DEFAULT_RUNS = 5
# The scraper alerts the ops topic at the stack's repeatedFailureThreshold; its default.
DEFAULT_MIN_FAILURES = Settings.repeated_failure_threshold

RUNNING = "running"
FINISHED = "finished"

ALARM = "ALARM"
ALARM_NOT_FOUND = "NOT_FOUND"  # named by the stack's outputs but absent from CloudWatch

DESCRIBE_ALARMS_LIMIT = 100  # DescribeAlarms takes at most 100 AlarmNames
_DLQ_ATTRIBUTES: tuple[QueueAttributeNameType, ...] = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
)
_RUN_ATTRIBUTES = (RUN_ID, STATUS, STARTED_AT, LAST_ACTIVITY_AT, DISPATCHED, *COUNTERS)
_FAILING_ATTRIBUTES = (
    PRODUCT_ID,
    "retailer",
    "consecutive_failures",
    "last_status",
    "last_error",
    "last_checked_at",
)


@dataclass(frozen=True)
class RunSummary:
    """One run as the runs table records it."""

    run_id: str
    started_at: datetime | None
    products: int  # product jobs dispatched so far
    scraped: int
    failed: int
    blocked: int
    dead_lettered: int
    duration_seconds: float | None  # started_at to the last batch's activity
    state: str  # dispatching | running | finished

    @property
    def finished(self) -> bool:
        return self.state == FINISHED


@dataclass(frozen=True)
class FailingProduct:
    """A product whose last `failures` checks all failed."""

    product_id: str
    retailer: str | None
    failures: int
    last_status: str | None
    last_error: str | None
    last_checked_at: str | None


@dataclass(frozen=True)
class AlarmStatus:
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA | NOT_FOUND
    since: datetime | None
    reason: str | None


@dataclass(frozen=True)
class StackStatus:
    """Everything `status` shows, and the problems `--strict` fails on."""

    runs: list[RunSummary]
    dlq_depth: int
    min_failures: int
    failing_products: list[FailingProduct]
    alarms: list[AlarmStatus]

    def problems(self) -> list[str]:
        found = []
        if self.failing_products:
            found.append(
                f"{len(self.failing_products)} product(s) failed {self.min_failures}"
                " or more times in a row"
            )
        if self.dlq_depth:
            found.append(f"{self.dlq_depth} message(s) in the dead-letter queue")
        in_alarm = [alarm.name for alarm in self.alarms if alarm.state == ALARM]
        if in_alarm:
            found.append(f"alarm(s) in ALARM: {', '.join(in_alarm)}")
        if not self.runs:
            found.append("no run recorded")
        elif not self.runs[0].finished:
            found.append(f"the last run ({self.runs[0].run_id}) is {self.runs[0].state}")
        return found


# --- reading -----------------------------------------------------------------------------


def run_state(progress: RunProgress) -> str:
    """dispatching, running or finished (see the module docstring)."""
    if progress.status != RunStatus.DISPATCHED:
        return RunStatus.DISPATCHING
    return FINISHED if progress.finished else RUNNING


def summarise_run(item: Mapping[str, Any]) -> RunSummary:
    """A runs-table item as a RunSummary."""
    progress = RunProgress.from_record(str(item[RUN_ID]), item)
    started = _parse_time(progress.started_at)
    last_activity = _parse_time(progress.last_activity_at)
    duration = (
        (last_activity - started).total_seconds()
        if started is not None and last_activity is not None
        else None
    )
    return RunSummary(
        run_id=progress.run_id,
        started_at=started,
        products=progress.dispatched,
        scraped=progress.scraped,
        failed=progress.failed,
        blocked=progress.blocked,
        dead_lettered=progress.dead_lettered,
        duration_seconds=duration,
        state=run_state(progress),
    )


def recent_runs(runs_table: Table, limit: int) -> list[RunSummary]:
    """The `limit` most recently started runs, newest first."""
    items = read_all(runs_table, "scan", projection(_RUN_ATTRIBUTES))
    items.sort(key=lambda item: (str(item.get(STARTED_AT, "")), str(item[RUN_ID])))
    return [summarise_run(item) for item in reversed(items[-limit:])]


def dlq_depth(sqs: SQSClient, queue_url: str) -> int:
    """Messages in the queue, visible or in flight (both approximate, as SQS counts)."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(_DLQ_ATTRIBUTES))[
        "Attributes"
    ]
    return sum(int(attributes.get(name, 0)) for name in _DLQ_ATTRIBUTES)


def failing_products(products_table: Table, min_failures: int) -> list[FailingProduct]:
    """Products with at least `min_failures` consecutive failures, most failures first."""
    arguments = projection(_FAILING_ATTRIBUTES)
    arguments["FilterExpression"] = "#consecutive_failures >= :min_failures"
    arguments["ExpressionAttributeValues"] = {":min_failures": min_failures}
    products = [
        FailingProduct(
            product_id=str(item[PRODUCT_ID]),
            retailer=item.get("retailer"),
            failures=int(item["consecutive_failures"]),
            last_status=item.get("last_status"),
            last_error=item.get("last_error"),
            last_checked_at=item.get("last_checked_at"),
        )
        for item in read_all(products_table, "scan", arguments)
    ]
    return sorted(products, key=lambda product: (-product.failures, product.product_id))


def alarm_states(cloudwatch: CloudWatchClient, names: Sequence[str]) -> list[AlarmStatus]:
    """The state of each named alarm (metric or composite), in the order given."""
    found: dict[str, AlarmStatus] = {}
    paginator = cloudwatch.get_paginator("describe_alarms")
    for start in range(0, len(names), DESCRIBE_ALARMS_LIMIT):
        chunk = list(names[start : start + DESCRIBE_ALARMS_LIMIT])
        pages = paginator.paginate(AlarmNames=chunk, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for page in pages:
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                found[alarm["AlarmName"]] = AlarmStatus(
                    name=alarm["AlarmName"],
                    state=alarm["StateValue"],
                    since=alarm.get("StateUpdatedTimestamp"),
                    reason=alarm.get("StateReason"),
                )
    return [found.get(name, AlarmStatus(name, ALARM_NOT_FOUND, None, None)) for name in names]


def alarm_names(value: Any) -> list[str]:
    """The `alarm_names` output: a list from Pulumi, or a JSON list / commas from --set."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = value.split(",")
    names = value if isinstance(value, list) else [value]
    return [str(name).strip() for name in names if str(name).strip()]


def stack_status(stack: Stack, *, runs: int, min_failures: int) -> StackStatus:
    """Read everything `status` shows from `stack`."""
    names = alarm_names(stack.outputs.get("alarm_names") or [])
    return StackStatus(
        runs=recent_runs(stack.table("runs_table"), runs),
        dlq_depth=dlq_depth(stack.client("sqs"), stack.output("scrape_dlq_url")),
        min_failures=min_failures,
        failing_products=failing_products(stack.table("products_table"), min_failures),
        alarms=alarm_states(stack.client("cloudwatch"), names) if names else [],
    )


def read_all(
    table: Table, operation: Literal["scan", "query"], arguments: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every item of a paginated `scan` or `query` on a boto3 Table resource."""
    request = dict(arguments)
    items: list[dict[str, Any]] = []
    while True:
        response = table.scan(**request) if operation == "scan" else table.query(**request)
        items.extend(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def projection(attributes: Sequence[str], other_names: Sequence[str] = ()) -> dict[str, Any]:
    """A ProjectionExpression of `attributes`, with a `#name` placeholder for each of them
    and of `other_names` (`status` and `timestamp` are DynamoDB reserved words)."""
    return {
        "ProjectionExpression": ", ".join(f"#{name}" for name in attributes),
        "ExpressionAttributeNames": {f"#{name}": name for name in (*attributes, *other_names)},
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --- the command -------------------------------------------------------------------------


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "status",
        parents=[common],
        help="the last runs, DLQ depth, products failing repeatedly, alarm states",
        description="How the last runs went, what waits in the DLQ, what keeps failing.",
    )
    parser.add_argument(
        "--runs",
        type=positive_count,
        default=DEFAULT_RUNS,
        metavar="N",
        help=f"how many runs to show (default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--min-failures",
        type=positive_count,
        default=DEFAULT_MIN_FAILURES,
        metavar="N",
        help="list products with at least N consecutive failures"
        f" (default {DEFAULT_MIN_FAILURES}, the stack's default repeatedFailureThreshold)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a product fails repeatedly, the DLQ is not empty, an alarm is in"
        " ALARM or the last run has not finished",
    )
    parser.set_defaults(action=show_status)


def show_status(arguments: argparse.Namespace, context: Context) -> int:
    status = stack_status(context.stack(), runs=arguments.runs, min_failures=arguments.min_failures)
    problems = status.problems()
    data = {**asdict(status), "problems": problems}
    context.console.result(data, lambda: _render(context.console, status, problems))
    return EXIT_PROBLEM if arguments.strict and problems else EXIT_OK


def _render(console: Console, status: StackStatus, problems: Sequence[str]) -> None:
    if status.runs:
        console.line(console.style(f"Last {len(status.runs)} runs (newest first)", "bold"))
        console.table(
            [
                "run id",
                "started",
                "products",
                "scraped",
                "failed",
                "blocked",
                "dead-lettered",
                "duration",
                "state",
            ],
            [
                [
                    run.run_id,
                    run.started_at,
                    run.products,
                    run.scraped,
                    run.failed,
                    run.blocked,
                    run.dead_lettered,
                    format_duration(run.duration_seconds),
                    run.state,
                ]
                for run in status.runs
            ],
            right=(2, 3, 4, 5, 6, 7),
        )
        if any(run.state == RUNNING for run in status.runs[1:]):
            console.line(
                "A run still `running` after a later one started may never finish: its counts"
                " may be short (a batch stopped between its writes and its tally)."
            )
    else:
        console.line("No run recorded yet.")
    console.line()
    depth = status.dlq_depth
    console.line(
        f"Dead-letter queue: {depth} message{'s' if depth != 1 else ''}"
        + (" (see `pricemon dlq list`)" if depth else "")
    )
    console.line()
    failing = status.failing_products
    heading = f"Products failing repeatedly ({status.min_failures} or more failures in a row)"
    console.line(console.style(f"{heading}: {len(failing)}", "bold"))
    if failing:
        console.table(
            ["product", "retailer", "failures", "last status", "last error", "last checked"],
            [
                [
                    product.product_id,
                    product.retailer,
                    product.failures,
                    product.last_status,
                    product.last_error,
                    product.last_checked_at,
                ]
                for product in failing
            ],
            right=(2,),
        )
    console.line()
    console.line(console.style(f"Alarms: {len(status.alarms)}", "bold"))
    if status.alarms:
        console.table(
            ["alarm", "state", "since"],
            [[alarm.name, alarm.state, alarm.since] for alarm in status.alarms],
            styles=[("red",) if alarm.state == ALARM else () for alarm in status.alarms],
        )
        if any(alarm.state == ALARM_NOT_FOUND for alarm in status.alarms):
            console.line(
                f"{ALARM_NOT_FOUND}: the stack's outputs name an alarm CloudWatch does not have"
                " (are the outputs current? `pulumi up` and read them again)"
            )
    if problems:
        console.line()
        for problem in problems:
            console.line(console.style(f"problem: {problem}", "red"))


def format_duration(seconds: float | None) -> str | None:
    """`42s`, `3m 05s`, `2h 03m`: a run's duration at a glance."""
    if seconds is None:
        return None
    whole = max(round(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
