"""`pricemon run [--wait]`: start a run now, as the schedule does, and follow it.

    pricemon run [--wait] [--timeout SECONDS] [--poll SECONDS]

The run is started with the schedule's own message (`scrape_all_products`, messages.py) on
the scrape queue, with a fresh run id: the current time to the second, as the schedule's
run ids are its scheduled times. An id the runs table already holds is refused, since the
dispatcher would take the message for a duplicate and do nothing.

`--wait` follows the run record (functions/monitor/dispatch.py, run_tally.py): first the
jobs dispatched, then the products recorded (scraped + failed + blocked + dead-lettered)
of those dispatched. The run is finished when its dispatch is done and every job is
counted; the counts fall short only if a scraper batch crashed between its product writes
and its tally, which `--timeout` bounds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic, sleep
from typing import TYPE_CHECKING

from contracts import run_record
from contracts.messages import StartRun, encode
from contracts.run_record import (
    CATALOG_SIZE,
    DISPATCH_FINISHED_AT,
    DISPATCHED,
    EXPIRES_AT,
    ORIGIN,
    REJECTED,
    RUN_ID,
    STARTED_AT,
    STATUS,
    RunProgress,
    RunStatus,
)
from contracts.timestamps import iso_seconds
from pricemon.target import UsageError
from pricemon.terminal import EXIT_OK, EXIT_PROBLEM, Console

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_sqs import SQSClient

    from pricemon.context import Context, Subcommands

RUNS_TABLE = "runs_table"
SCRAPE_QUEUE = "scrape_queue_url"
DEFAULT_TIMEOUT_SECONDS = 3_600.0
DEFAULT_POLL_SECONDS = 5.0


class RunExistsError(UsageError):
    """The runs table already has a record for the run id to start."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"run {run_id} already exists (started by the schedule or another `pricemon run`"
            " in the same second): wait a second and try again"
        )
        self.run_id = run_id


@dataclass(frozen=True)
class FollowResult:
    progress: RunProgress
    timed_out: bool


def start_run(sqs: SQSClient, queue_url: str, runs_table: Table, now: datetime) -> str:
    """Send StartRun with the run id of `now` to the scrape queue; the run id.

    RunExistsError when the runs table already has that run.
    """
    run_id = iso_seconds(now)
    if read_run(runs_table, run_id).status is not None:
        raise RunExistsError(run_id)
    sqs.send_message(QueueUrl=queue_url, MessageBody=encode(StartRun(run_id)))
    return run_id


def open_run(runs_table: Table, run_id: str, now: datetime, *, origin: str) -> None:
    """Create the record of a run the command line dispatches itself (`dlq redrive`).

    It starts as `dispatching`; `add_dispatched` counts the jobs sent, `close_run` marks the
    dispatch done, so `run --wait`, `status` and the scraper's tally treat it as any run.
    RunExistsError when the runs table already has that run.
    """
    item: dict[str, str | int] = {
        RUN_ID: run_id,
        STATUS: RunStatus.DISPATCHING,
        STARTED_AT: iso_seconds(now),
        DISPATCHED: 0,
        REJECTED: 0,
        ORIGIN: origin,
        EXPIRES_AT: int((now + run_record.RETENTION).timestamp()),
    }
    try:
        runs_table.put_item(Item=item, ConditionExpression=f"attribute_not_exists({RUN_ID})")
    except runs_table.meta.client.exceptions.ConditionalCheckFailedException:
        raise RunExistsError(run_id) from None


def add_dispatched(runs_table: Table, run_id: str, count: int) -> None:
    runs_table.update_item(
        Key={RUN_ID: run_id},
        UpdateExpression=f"ADD {DISPATCHED} :count",
        ExpressionAttributeValues={":count": count},
    )


def close_run(runs_table: Table, run_id: str, now: datetime) -> None:
    runs_table.update_item(
        Key={RUN_ID: run_id},
        UpdateExpression=f"SET #{STATUS} = :dispatched, {DISPATCH_FINISHED_AT} = :now,"
        f" {CATALOG_SIZE} = {DISPATCHED}",
        ExpressionAttributeNames={f"#{STATUS}": STATUS},
        ExpressionAttributeValues={":dispatched": RunStatus.DISPATCHED, ":now": iso_seconds(now)},
    )


def read_run(runs_table: Table, run_id: str) -> RunProgress:
    """The run's progress from its record (status None when there is no record)."""
    response = runs_table.get_item(Key={RUN_ID: run_id}, ConsistentRead=True)
    return RunProgress.from_record(run_id, response.get("Item"))


def follow_run(
    runs_table: Table,
    run_id: str,
    *,
    timeout_seconds: float,
    poll_seconds: float,
    on_progress: Callable[[RunProgress], None] | None = None,
    sleep: Callable[[float], None] = sleep,
    monotonic: Callable[[], float] = monotonic,
) -> FollowResult:
    """Read the run record every `poll_seconds` until the run finishes or time runs out.

    `on_progress` receives each reading; `sleep` and `monotonic` are the waiting and the
    time measured against the timeout (tests drive a local stack from `sleep`).
    """
    deadline = monotonic() + timeout_seconds
    while True:
        progress = read_run(runs_table, run_id)
        if on_progress is not None:
            on_progress(progress)
        if progress.finished:
            return FollowResult(progress, timed_out=False)
        remaining = deadline - monotonic()
        if remaining <= 0:
            return FollowResult(progress, timed_out=True)
        sleep(min(poll_seconds, remaining))


# --- the command ------------------------------------------------------------------------


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    run = commands.add_parser(
        "run",
        parents=[common],
        help="start a run now (the schedule's message, a fresh run id)",
        description="Start a run now: the message the schedule sends, with the current time"
        " as run id. With --wait, follow it to the end.",
    )
    run.add_argument("--wait", action="store_true", help="follow the run until it finishes")
    run.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"with --wait: give up after this long (exit 1; default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    run.add_argument(
        "--poll",
        type=_positive_seconds,
        default=DEFAULT_POLL_SECONDS,
        metavar="SECONDS",
        help=f"with --wait: read the run record this often (default {DEFAULT_POLL_SECONDS:g})",
    )
    run.set_defaults(action=run_command)


def run_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    stack = context.stack()
    runs_table = stack.table(RUNS_TABLE)
    run_id = start_run(stack.client("sqs"), stack.output(SCRAPE_QUEUE), runs_table, context.clock())
    if not arguments.wait:
        console.result(
            {"run_id": run_id, "started": True},
            lambda: console.line(f"started run {run_id}"),
        )
        return EXIT_OK
    if not console.json_mode:
        console.line(f"started run {run_id}")
    result = follow_run(
        runs_table,
        run_id,
        timeout_seconds=arguments.timeout,
        poll_seconds=arguments.poll,
        on_progress=_ProgressReporter(console),
        sleep=sleep,
        monotonic=monotonic,
    )
    progress = result.progress
    data = {
        "run_id": run_id,
        "started": True,
        "finished": progress.finished,
        "timed_out": result.timed_out,
        "status": progress.status,
        "catalog_size": progress.catalog_size,
        "dispatched": progress.dispatched,
        "rejected": progress.rejected,
        "scraped": progress.scraped,
        "failed": progress.failed,
        "blocked": progress.blocked,
        "dead_lettered": progress.dead_lettered,
        "started_at": progress.started_at,
        "last_activity_at": progress.last_activity_at,
    }

    def render() -> None:
        console.table(
            ["run", "dispatched", "scraped", "failed", "blocked", "dead-lettered", "rejected"],
            [
                [
                    run_id,
                    progress.dispatched,
                    progress.scraped,
                    progress.failed,
                    progress.blocked,
                    progress.dead_lettered,
                    progress.rejected,
                ]
            ],
            right=[1, 2, 3, 4, 5, 6],
        )
        if progress.finished:
            console.line(f"run {run_id} finished")

    console.result(data, render)
    if result.timed_out:
        console.error(_timeout_message(progress, arguments.timeout))
        return EXIT_PROBLEM
    return EXIT_OK


class _ProgressReporter:
    """Shows a reading when it says something new: dispatching, then recording."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last: tuple[str | None, int, int] | None = None

    def __call__(self, progress: RunProgress) -> None:
        if progress.status == RunStatus.DISPATCHED:
            shown = (progress.status, progress.recorded, progress.dispatched)
            label = f"run {progress.run_id}: products recorded"
        elif progress.status is not None:
            shown = (progress.status, progress.dispatched, progress.dispatched)
            label = f"run {progress.run_id}: jobs dispatched"
        else:
            return  # the start message is still waiting for the dispatcher
        if shown != self.last and shown[2] > 0:
            self.last = shown
            self.console.progress(min(shown[1], shown[2]), shown[2], label)


def _timeout_message(progress: RunProgress, timeout: float) -> str:
    if progress.status is None:
        return (
            f"run {progress.run_id} did not start within {timeout:g} s: is the scraper"
            " function reading the scrape queue?"
        )
    if progress.status != RunStatus.DISPATCHED:
        return (
            f"run {progress.run_id} was still dispatching after {timeout:g} s"
            f" ({progress.dispatched} jobs so far)"
        )
    return (
        f"run {progress.run_id} did not finish within {timeout:g} s: {progress.recorded} of"
        f" {progress.dispatched} products recorded (counts may be short if a scraper batch"
        " failed before its tally; `pricemon status` shows the products themselves)"
    )


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return seconds
