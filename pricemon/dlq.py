"""`pricemon dlq list|redrive`: read the dead letters, and send them back.

    pricemon dlq list [--limit N]
    pricemon dlq redrive (--all | --product ID ... | --run RUN_ID) [--include-poison]

Two queues hold them: the scrape queue's DLQ (below) and the detector's stream failure
queue, where Lambda records each stream batch it gave up on. Those are listed with their
product, run and why Lambda gave up, and a redrive replays them through the detector
function, so their alerts go out once (pricemon/stream_failures.py).

A message rests in the DLQ after maxReceiveCount receives from the scrape queue: a product
job that kept failing transiently, a dispatch message that kept failing, or a poison
message (a body that is no message at all). Why a product job is there is on its catalog
item: the scraper records the last error, "... (gave up after 3 tries)", with the job's
run id just before the job moves. A poison message's reason is what parsing it says.

Reading does not consume: messages are received with a visibility timeout (hidden from
other readers meanwhile), and made visible again when the command is done. Redrive sends
the chosen messages to the scrape queue and deletes from the DLQ only those sent.

Redriven product jobs become a run of their own, with a fresh run id (now, to the second)
and a run record that says `origin: redrive`: their original run already recorded each
product's give-up, so under the old run id the scraper would take them for duplicates and
skip them (as it does after AWS's console redrive). Under the new run each product is
checked again and counted like any run's (`status`, `run --wait`). Dispatch messages
(start/continue) go back as they were: they resume their own run.

A stack deployed before the stream failure queue was a stack output lists the scrape DLQ
alone, with a note saying so.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from contracts.batch_calls import until_processed
from contracts.messages import (
    ContinueDispatch,
    PoisonMessageError,
    ProductJob,
    StartRun,
    encode,
    parse_message,
)
from contracts.run_record import REDRIVE
from contracts.tables import PRODUCT_ID
from contracts.timestamps import iso_seconds
from pricemon.arguments import positive_count
from pricemon.catalog_file import backoff_seconds
from pricemon.runs import add_dispatched, close_run, open_run
from pricemon.stream_failures import (
    ReplayFailedError,
    StreamFailure,
    describe_stream_failures,
    replay,
)
from pricemon.terminal import EXIT_OK, EXIT_PROBLEM

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_lambda import LambdaClient
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

    from pricemon.context import Context, Subcommands

DLQ = "scrape_dlq_url"
STREAM_FAILURES = "stream_failure_queue_url"
DETECTOR_FUNCTION = "detector_function"
SCRAPE_QUEUE = "scrape_queue_url"
RUNS_TABLE = "runs_table"
PRODUCTS_TABLE = "products_table"
# Products and runs shown in a stream batch's table row; --json has them all.
SHOWN_IN_ROW = 3

SQS_BATCH = 10  # ReceiveMessage, SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibility
# Long enough to read (and redrive) the queue; should the command die, messages reappear then.
HOLD_SECONDS = 300
# Short polls may come back empty while messages remain (SQS samples its servers): a few
# empty receives in a row, or the queue's count reached, ends the reading.
EMPTY_RECEIVES = 3
BATCH_GET_LIMIT = 100
MAX_READ_ATTEMPTS = 8
DEFAULT_LIST_LIMIT = 100

POISON = "poison"
KINDS = {ProductJob: "product", StartRun: "start_run", ContinueDispatch: "continue_dispatch"}
UNKNOWN_REASON = "unknown: see the scraper function's logs for the message id"


@dataclass(frozen=True)
class DeadLetter:
    """One message of the DLQ, as an operator reads it."""

    message_id: str
    kind: str  # product | start_run | continue_dispatch | poison
    product_id: str | None
    retailer: str | None
    run_id: str | None
    receive_count: int
    sent_at: datetime | None
    reason: str
    body: str
    receipt_handle: str = field(repr=False, compare=False)
    message_attributes: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def poison(self) -> bool:
        return self.kind == POISON

    def public(self) -> dict[str, Any]:
        """The facts shown to the operator (JSON)."""
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "product_id": self.product_id,
            "retailer": self.retailer,
            "run_id": self.run_id,
            "receive_count": self.receive_count,
            "sent_at": self.sent_at,
            "reason": self.reason,
        }


@dataclass
class RedriveReport:
    moved: list[DeadLetter] = field(default_factory=list)
    replayed: list[StreamFailure] = field(default_factory=list)  # through the detector
    skipped_poison: list[DeadLetter] = field(default_factory=list)
    not_chosen: int = 0
    # (message, why)
    failed: list[tuple[DeadLetter | StreamFailure, str]] = field(default_factory=list)
    run_id: str | None = None  # the run of the redriven product jobs, if any


@dataclass(frozen=True)
class Selection:
    """Which dead letters a redrive moves."""

    everything: bool = False
    product_ids: frozenset[str] = frozenset()
    run_id: str | None = None
    include_poison: bool = False

    def chooses(self, letter: DeadLetter) -> bool:
        if letter.poison:
            return self.include_poison and self.everything
        if self.everything:
            return True
        if self.product_ids:
            return letter.product_id in self.product_ids
        return self.run_id is not None and letter.run_id == self.run_id

    def chooses_batch(self, failure: StreamFailure) -> bool:
        """A failed stream batch is chosen whole: by any of its products or runs."""
        if self.everything:
            return True
        if self.product_ids:
            return not self.product_ids.isdisjoint(failure.product_ids)
        return self.run_id is not None and self.run_id in failure.run_ids


class HeldMessage(Protocol):
    @property
    def message_id(self) -> str: ...


Letter = TypeVar("Letter", bound=HeldMessage)


class DeadLetterReader(Generic[Letter]):
    """Receives a queue's messages batch by batch, holding them until `release`; `describe`
    turns each received batch into what the operator reads."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        describe: Callable[[Sequence[Mapping[str, Any]]], list[Letter]],
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.describe = describe
        self.held: dict[str, str] = {}  # message id -> receipt handle, not yet released

    def batches(self, limit: int | None = None) -> Iterator[list[Letter]]:
        """The queue's messages, a receive at a time, up to `limit` (None: all visible)."""
        expected = self._visible_count()
        received = empty = 0
        while empty < EMPTY_RECEIVES and received < expected:
            wanted = SQS_BATCH if limit is None else min(SQS_BATCH, limit - received)
            if wanted <= 0:
                return
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=wanted,
                VisibilityTimeout=HOLD_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                empty += 1
                continue
            empty = 0
            received += len(messages)
            self.held.update((m["MessageId"], m["ReceiptHandle"]) for m in messages)
            yield self.describe(messages)

    def forget(self, letters: Sequence[HeldMessage]) -> None:
        """Deleted or otherwise gone: not to be released."""
        for letter in letters:
            self.held.pop(letter.message_id, None)

    def release(self) -> None:
        """Make every held message visible again (ChangeMessageVisibilityBatch to 0)."""
        held = list(self.held.items())
        for start in range(0, len(held), SQS_BATCH):
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, (_, handle) in enumerate(held[start : start + SQS_BATCH])
            ]
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        self.held.clear()

    def _visible_count(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))


def describe_dead_letters(
    products_table: Table, messages: Sequence[Mapping[str, Any]]
) -> list[DeadLetter]:
    """The scrape DLQ's received messages, each with why it is there."""
    parsed = [(message, _parse(message["Body"])) for message in messages]
    product_ids = {m.product_id for _, m in parsed if isinstance(m, ProductJob)}
    items = _catalog_errors(products_table, product_ids)
    return [_dead_letter(message, parsed_body, items) for message, parsed_body in parsed]


def list_dead_letters(reader: DeadLetterReader[Letter], limit: int) -> list[Letter]:
    """Up to `limit` messages of the reader's queue, left there as they were."""
    try:
        return [letter for batch in reader.batches(limit) for letter in batch]
    finally:
        reader.release()


def redrive(
    reader: DeadLetterReader[DeadLetter],
    sqs: SQSClient,
    queue_url: str,
    selection: Selection,
    *,
    runs_table: Table,
    now: datetime,
) -> RedriveReport:
    """Move the chosen dead letters to the scrape queue; the others stay in the DLQ.

    Product jobs move as jobs of a new run (see the module docstring), opened with the
    first of them and closed when all are sent.
    """
    report = RedriveReport()
    try:
        for batch in reader.batches():
            chosen = [letter for letter in batch if selection.chooses(letter)]
            left = [letter for letter in batch if not selection.chooses(letter)]
            report.skipped_poison += [letter for letter in left if letter.poison]
            report.not_chosen += sum(1 for letter in left if not letter.poison)
            if any(letter.kind == KINDS[ProductJob] for letter in chosen) and not report.run_id:
                run_id = iso_seconds(now)
                open_run(runs_table, run_id, now, origin=REDRIVE)
                report.run_id = run_id  # only once it is ours to close
            if chosen:
                _move(reader, sqs, queue_url, chosen, report, runs_table)
    finally:
        if report.run_id is not None:
            close_run(runs_table, report.run_id, now)
        reader.release()
    return report


def _move(
    reader: DeadLetterReader[DeadLetter],
    sqs: SQSClient,
    queue_url: str,
    letters: Sequence[DeadLetter],
    report: RedriveReport,
    runs_table: Table,
) -> None:
    entries: list[SendMessageBatchRequestEntryTypeDef] = []
    for index, letter in enumerate(letters):
        entry: SendMessageBatchRequestEntryTypeDef = {
            "Id": str(index),
            "MessageBody": _redriven_body(letter, report),
        }
        if letter.message_attributes:
            entry["MessageAttributes"] = letter.message_attributes
        entries.append(entry)
    response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    sent = [letters[int(entry["Id"])] for entry in response.get("Successful", [])]
    for failure in response.get("Failed", []):
        report.failed.append((letters[int(failure["Id"])], failure.get("Message", "")))
    if report.run_id is not None:
        jobs = sum(1 for letter in sent if letter.kind == KINDS[ProductJob])
        if jobs:
            add_dispatched(runs_table, report.run_id, jobs)
    if not sent:
        return
    deleted = sqs.delete_message_batch(
        QueueUrl=reader.queue_url,
        Entries=[
            {"Id": str(index), "ReceiptHandle": letter.receipt_handle}
            for index, letter in enumerate(sent)
        ],
    )
    # A sent message whose delete failed stays in the DLQ too (a copy then exists in both;
    # the new run checks the product once), and is released with the rest.
    reader.forget([sent[int(entry["Id"])] for entry in deleted.get("Successful", [])])
    report.moved += sent


def replay_stream_failures(
    reader: DeadLetterReader[StreamFailure],
    lambda_client: LambdaClient,
    detector_function: str,
    selection: Selection,
    report: RedriveReport,
) -> None:
    """Replay the chosen failed stream batches through the detector; delete each that went.

    A batch whose records aged out of the stream, or that the detector fails again, stays in
    the queue and is reported failed with the reason.
    """
    try:
        for batch in reader.batches():
            for failure in batch:
                if not selection.chooses_batch(failure):
                    report.not_chosen += 1
                elif failure.unreadable is not None:
                    report.failed.append((failure, failure.reason))
                else:
                    try:
                        replay(lambda_client, detector_function, failure.records)
                    except ReplayFailedError as error:
                        report.failed.append((failure, str(error)))
                        continue
                    reader.sqs.delete_message(
                        QueueUrl=reader.queue_url, ReceiptHandle=failure.receipt_handle
                    )
                    reader.forget([failure])
                    report.replayed.append(failure)
    finally:
        reader.release()


def _redriven_body(letter: DeadLetter, report: RedriveReport) -> str:
    """A product job as a job of the redrive's run; any other message as it was."""
    if letter.kind != KINDS[ProductJob] or report.run_id is None:
        return letter.body
    return encode(ProductJob(report.run_id, str(letter.product_id), str(letter.retailer)))


def _parse(body: str) -> ProductJob | StartRun | ContinueDispatch | PoisonMessageError:
    try:
        return parse_message(body)
    except PoisonMessageError as error:
        return error


def _dead_letter(
    message: Mapping[str, Any],
    parsed: ProductJob | StartRun | ContinueDispatch | PoisonMessageError,
    items: Mapping[str, Mapping[str, Any]],
) -> DeadLetter:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    common = {
        "message_id": message["MessageId"],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at": None if sent is None else datetime.fromtimestamp(int(sent) / 1000, UTC),
        "body": message["Body"],
        "receipt_handle": message["ReceiptHandle"],
        "message_attributes": message.get("MessageAttributes", {}),
    }
    reason = dead_letter_reason(parsed, items)
    if isinstance(parsed, PoisonMessageError):
        return DeadLetter(
            kind=POISON, product_id=None, retailer=None, run_id=None, reason=reason, **common
        )
    if isinstance(parsed, ProductJob):
        return DeadLetter(
            kind=KINDS[ProductJob],
            product_id=parsed.product_id,
            retailer=parsed.retailer,
            run_id=parsed.run_id,
            reason=reason,
            **common,
        )
    return DeadLetter(
        kind=KINDS[type(parsed)],
        product_id=None,
        retailer=None,
        run_id=parsed.run_id,
        reason=reason,
        **common,
    )


def dead_letter_reason(
    parsed: ProductJob | StartRun | ContinueDispatch | PoisonMessageError,
    items: Mapping[str, Mapping[str, Any]],
) -> str:
    """Why a scrape DLQ message is there: what parsing says of a poison one; for a product
    job, the give-up its catalog item (in `items`, by product_id) records for that run."""
    if isinstance(parsed, PoisonMessageError):
        return str(parsed)
    if isinstance(parsed, ProductJob):
        item = items.get(parsed.product_id)
        if item is None:
            return "the product is no longer in the catalog"
        if item.get("last_run_id") == parsed.run_id and item.get("last_error"):
            return str(item["last_error"])
    return UNKNOWN_REASON


def _catalog_errors(
    products_table: Table,
    product_ids: set[str],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, dict[str, Any]]:
    """`last_run_id` and `last_error` of each product (BatchGetItem, unprocessed retried)."""
    found: dict[str, dict[str, Any]] = {}
    keys = [{PRODUCT_ID: product_id} for product_id in sorted(product_ids)]
    resource = products_table.meta.client
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request = {
            products_table.name: {
                "Keys": keys[start : start + BATCH_GET_LIMIT],
                "ProjectionExpression": f"{PRODUCT_ID}, last_run_id, last_error",
                "ConsistentRead": True,
            }
        }
        for response in until_processed(
            lambda pending: resource.batch_get_item(RequestItems=pending),
            request,
            "UnprocessedKeys",
            attempts=MAX_READ_ATTEMPTS,
            pause=backoff_seconds,
            sleep=sleep,
        ):
            for item in response.get("Responses", {}).get(products_table.name, []):
                found[str(item[PRODUCT_ID])] = item
    return found


# --- the command ------------------------------------------------------------------------


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    dlq = commands.add_parser(
        "dlq",
        parents=[common],
        help="list the dead-lettered messages and failed stream batches, or redrive them",
        description="The scrape queue's dead-letter queue and the detector's stream failure"
        " queue. `list` reads without consuming; `redrive` moves chosen scrape messages back"
        " to the scrape queue and replays chosen stream batches through the detector. (AWS's"
        ' console "Start DLQ redrive" on the scrape DLQ moves all its messages at once,'
        " poison included; nothing in AWS replays a failed stream batch.)",
    )
    actions = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    listed = actions.add_parser(
        "list",
        parents=[common],
        help="show each dead-lettered message and why it is there",
        description="Each message: id, kind, product, retailer, run, receives (SQS's"
        " ApproximateReceiveCount, which counts listings too), when it was first sent, and"
        " why it is there. A failed stream batch (kind stream_batch) shows the products and"
        " runs of its records, read back from the stream, or says that they aged out of it.",
    )
    listed.add_argument(
        "--limit",
        type=positive_count,
        default=DEFAULT_LIST_LIMIT,
        metavar="N",
        help=f"show at most N messages (default {DEFAULT_LIST_LIMIT})",
    )
    listed.set_defaults(action=list_command)

    redriven = actions.add_parser(
        "redrive",
        parents=[common],
        help="move dead-lettered messages back, replay failed stream batches",
        description="Move the chosen messages to the scrape queue (poison messages stay"
        " unless --include-poison with --all). Product jobs move as a new run of their own"
        " (its run id is printed), so each product is checked again and counted in `status`."
        " A chosen stream batch (chosen whole, by any of its products or runs) is replayed"
        " by invoking the detector function with its records: each alert that never went out"
        " goes out, once, however often the batch is replayed.",
    )
    which = redriven.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every message")
    which.add_argument(
        "--product",
        dest="products",
        action="append",
        metavar="ID",
        help="the jobs and stream batches of this product (repeatable)",
    )
    which.add_argument("--run", dest="run_id", metavar="RUN_ID", help="the messages of this run")
    redriven.add_argument(
        "--include-poison",
        action="store_true",
        help="with --all, move poison messages too (they will fail and return here)",
    )
    redriven.set_defaults(action=redrive_command)


def list_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    dead_letters = list_dead_letters(_reader(context), arguments.limit)
    letters: list[DeadLetter | StreamFailure] = [*dead_letters]
    failures = _stream_failure_reader(context)
    if failures is not None and len(letters) < arguments.limit:
        stream_failures = list_dead_letters(failures, arguments.limit - len(letters))
        letters += stream_failures
    data = {"messages": [letter.public() for letter in letters], "count": len(letters)}

    def render() -> None:
        if not letters:
            console.line("the DLQ is empty")
            return
        console.table(
            ["message", "kind", "product", "retailer", "run", "receives", "sent", "reason"],
            [
                [
                    letter.message_id,
                    letter.kind,
                    *_row_identity(letter),
                    letter.receive_count,
                    letter.sent_at,
                    letter.reason,
                ]
                for letter in letters
            ],
            right=[5],
            styles=[("red",) if _stuck(letter) else () for letter in letters],
        )

    console.result(data, render)
    return EXIT_OK


def redrive_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    stack = context.stack()
    selection = Selection(
        everything=arguments.all,
        product_ids=frozenset(arguments.products or ()),
        run_id=arguments.run_id,
        include_poison=arguments.include_poison,
    )
    report = redrive(
        _reader(context),
        stack.client("sqs"),
        stack.output(SCRAPE_QUEUE),
        selection,
        runs_table=stack.table(RUNS_TABLE),
        now=context.clock(),
    )
    failures = _stream_failure_reader(context)
    if failures is not None:
        replay_stream_failures(
            failures, stack.client("lambda"), stack.output(DETECTOR_FUNCTION), selection, report
        )
    data = {
        "moved": len(report.moved),
        "replayed": len(report.replayed),
        "skipped_poison": len(report.skipped_poison),
        "not_chosen": report.not_chosen,
        "failed": len(report.failed),
        "run_id": report.run_id,
        "moved_messages": [letter.public() for letter in report.moved],
        "replayed_batches": [failure.public() for failure in report.replayed],
        "failures": [
            {"message_id": letter.message_id, "reason": why} for letter, why in report.failed
        ],
    }

    def render() -> None:
        counts = [len(report.moved), len(report.replayed), len(report.skipped_poison)]
        console.table(
            ["moved", "replayed", "skipped (poison)", "not chosen", "failed"],
            [[*counts, report.not_chosen, len(report.failed)]],
            right=[0, 1, 2, 3, 4],
        )
        for letter, why in report.failed:
            console.line(console.style(f"not redriven: {letter.message_id}: {why}", "red"))
        if report.run_id is not None:
            console.line(f"product jobs moved as run {report.run_id}: see it in `pricemon status`")
        if report.replayed:
            console.line(
                f"{len(report.replayed)} stream batch(es) replayed through the detector:"
                " their alerts that had not gone out went out"
            )

    console.result(data, render)
    return EXIT_PROBLEM if report.failed else EXIT_OK


def _row_identity(letter: DeadLetter | StreamFailure) -> list[str | None]:
    """Product, retailer and run of a table row (a stream batch's first few of each)."""
    if isinstance(letter, DeadLetter):
        return [letter.product_id, letter.retailer, letter.run_id]
    return [_first_few(values) for values in (letter.product_ids, letter.retailers, letter.run_ids)]


def _first_few(values: Sequence[str]) -> str | None:
    shown = ", ".join(values[:SHOWN_IN_ROW])
    more = len(values) - SHOWN_IN_ROW
    return (f"{shown} +{more}" if more > 0 else shown) or None


def _stuck(letter: DeadLetter | StreamFailure) -> bool:
    """Shown in red: what a redrive cannot help."""
    if isinstance(letter, DeadLetter):
        return letter.poison
    return letter.unreadable is not None


def _reader(context: Context) -> DeadLetterReader[DeadLetter]:
    stack = context.stack()
    describe = partial(describe_dead_letters, stack.table(PRODUCTS_TABLE))
    return DeadLetterReader(stack.client("sqs"), stack.output(DLQ), describe)


def _stream_failure_reader(context: Context) -> DeadLetterReader[StreamFailure] | None:
    """The stream failure queue's reader; None (with a note) for a stack without its output."""
    stack = context.stack()
    if not stack.outputs.get(STREAM_FAILURES):
        context.console.note(
            f"{stack.description} has no output {STREAM_FAILURES!r}: failed stream batches are"
            " not shown (deploy the current program, or pass --set"
            f" {STREAM_FAILURES}=URL)"
        )
        return None
    describe = partial(describe_stream_failures, stack.client("dynamodbstreams"))
    return DeadLetterReader(stack.client("sqs"), stack.output(STREAM_FAILURES), describe)
