"""The AWS services' part of the local stack: what calls the functions, and what they reach.

moto holds the state (tables, stream, queues, topics); these classes play the services
that act on it by themselves in AWS:

- `SqsEventSource`: Lambda's SQS event source mapping. It receives up to the batch size
  (waiting out the batching window on the simulated clock), hands the function the event
  Lambda builds, deletes what succeeded and leaves the rest to come back after its
  visibility timeout. The queue's redrive policy (maxReceiveCount, DLQ) is moto's own:
  a message received maxReceiveCount times moves to the DLQ on the next receive, as in
  SQS.
- `StreamEventSource`: Lambda's DynamoDB stream event source mapping. It reads the table's
  stream, drops the records the mapping's filters reject, invokes in batches and, on
  failure, retries as Lambda does: from the first failed record of a partial batch
  response, halving a failed batch when bisect is on (which uses no retry), and after the
  retry limit or maximum record age sends the failure record to the on-failure queue.
- `Inbox`: a local subscriber of the SNS topics (an SQS queue, raw delivery off), keeping
  every delivered message in order.
- `Scheduler`: EventBridge Scheduler firing a schedule at a scheduled time, with its
  declared input, retries and dead-letter queue.
- `lambda_invocations(runtime, lock)`: Lambda's Invoke API (what `pricemon dlq redrive`
  calls to replay a failed stream batch) runs the local functions, as moto cannot.

Time comes from the `SimulatedClock`, which moto's SQS keeps (`clock.services_follow`).
`Queue` is where the loop asks moto's own model the two things the SQS API does not tell:
when the next delayed or in-flight message becomes visible (so the clock can skip to it)
and what rests in a queue without receiving it (the DLQ, read like the console's "view").

`scalable_queues()` keeps moto's SendMessage and ReceiveMessage from growing slower with
every message waiting in the queue (see its docstring): without it, a cycle of tens of
thousands of products would take hours.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import moto.dynamodb.models
import moto.sqs.models
from botocore.exceptions import BotoCoreError, ClientError
from moto.awslambda.models import LambdaBackend
from moto.sqs.models import SQSBackend, sqs_backends

from functions.monitor.messages import SCHEDULED_TIME_PLACEHOLDER
from functions.monitor.stream_records import lambda_record
from functions.monitor.timestamps import iso_millis, iso_seconds
from price_monitor.local.clock import SimulatedClock
from price_monitor.local.event_filter import EventFilter
from price_monitor.local.lambda_runtime import Invocation, LambdaRuntime
from price_monitor.local.stack import (
    LocalSchedule,
    ProvisioningError,
    QueueMapping,
    StreamMapping,
)

SQS_RECEIVE_LIMIT = 10  # ReceiveMessage's MaxNumberOfMessages
SQS_DELETE_LIMIT = 10  # DeleteMessageBatch's entries
STREAM_READ_LIMIT = 1000  # GetRecords' Limit
# The system attributes Lambda copies into an SQS record, when the message has them.
LAMBDA_SQS_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
)
_RATE = re.compile(r"rate\((?P<count>\d+) (?P<unit>minutes?|hours?|days?)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _from_epoch_millis(millis: float) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


# --- SQS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedMessage:
    """A message resting in a queue, seen without receiving it."""

    message_id: str
    body: str
    receive_count: int


class Queue:
    """One SQS queue: the API for what a client does, moto's model for what only SQS knows."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs = sqs
        self.url = url
        self.arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        _, _, _, self.region, self.account_id, self.name = self.arn.split(":", 5)

    def receive(self, max_messages: int) -> list[dict[str, Any]]:
        """Up to `max_messages` visible messages, with every attribute (the queue's visibility)."""
        messages: list[dict[str, Any]] = []
        while len(messages) < max_messages:
            response = self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=min(SQS_RECEIVE_LIMIT, max_messages - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            received = response.get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages

    def delete(self, receipt_handles: Sequence[str]) -> None:
        for start in range(0, len(receipt_handles), SQS_DELETE_LIMIT):
            entries = [
                {"Id": str(index), "ReceiptHandle": handle}
                for index, handle in enumerate(receipt_handles[start : start + SQS_DELETE_LIMIT])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)

    def send(self, body: str, attributes: Mapping[str, str] | None = None) -> str:
        arguments: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body}
        if attributes:
            arguments["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            }
        return self.sqs.send_message(**arguments)["MessageId"]

    # moto's model: SQS knows these, its API does not say them.
    def _model(self) -> Any:
        return sqs_backends[self.account_id][self.region].get_queue(self.name)

    def messages(self) -> list[QueuedMessage]:
        """Every message in the queue (visible, delayed or in flight), oldest first."""
        return [
            QueuedMessage(message.id, message.body, message.approximate_receive_count)
            for message in self._model()._messages
        ]

    def next_visible_at(self) -> datetime | None:
        """When the next delayed or in-flight message can be received; None if none waits."""
        waiting = [
            # moto: visible once now > visible_at, no longer delayed once now >= delayed_until.
            max(message.visible_at + 1, message.delayed_until)
            for message in self._model()._messages
            if not (message.visible and not message.delayed)
        ]
        return _from_epoch_millis(min(waiting)) if waiting else None

    def is_empty(self) -> bool:
        return not self._model()._messages


def lambda_sqs_record(message: Mapping[str, Any], queue: Queue) -> dict[str, Any]:
    """One record of the SQS event Lambda sends for a received message."""
    attributes = message.get("Attributes", {})
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            name: attributes[name] for name in LAMBDA_SQS_ATTRIBUTES if name in attributes
        },
        "messageAttributes": {
            name: _lambda_message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.arn,
        "awsRegion": queue.region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _lambda_message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


class SqsEventSource:
    """Lambda polling a queue for a function (an SQS event source mapping)."""

    def __init__(
        self,
        mapping: QueueMapping,
        queue: Queue,
        runtime: LambdaRuntime,
        clock: SimulatedClock,
    ) -> None:
        self.mapping = mapping
        self.queue = queue
        self.runtime = runtime
        self.clock = clock

    def poll(self) -> Invocation | None:
        """Invoke the function with one batch, if a message is visible; settle the batch."""
        messages = self.queue.receive(self.mapping.batch_size)
        if not messages:
            return None
        messages.extend(self._wait_for_batch(len(messages)))
        records = [lambda_sqs_record(message, self.queue) for message in messages]
        invocation = self.runtime.invoke(self.mapping.function, {"Records": records})
        done = self._succeeded(invocation, [record["messageId"] for record in records])
        self.queue.delete([r["receiptHandle"] for r in records if r["messageId"] in done])
        return invocation

    def _wait_for_batch(self, received: int) -> list[dict[str, Any]]:
        """Messages gathered during the batching window, which Lambda waits out unless full."""
        window = self.mapping.batching_window_seconds
        more: list[dict[str, Any]] = []
        if window <= 0:
            return more
        deadline = self.clock.now() + timedelta(seconds=window)
        while received + len(more) < self.mapping.batch_size:
            wake = self.queue.next_visible_at()
            if wake is None or wake > deadline:
                self.clock.advance_to(deadline)
                break
            self.clock.advance_to(wake)
            more.extend(self.queue.receive(self.mapping.batch_size - received - len(more)))
        return more

    def _succeeded(self, invocation: Invocation, message_ids: list[str]) -> set[str]:
        """The messages Lambda deletes after `invocation`."""
        if not invocation.ok:
            return set()
        if not self.mapping.report_batch_item_failures:
            return set(message_ids)
        failed = _reported_failures(invocation.response, message_ids)
        if failed is None:  # a malformed response fails the whole batch
            return set()
        return set(message_ids) - failed


def _reported_failures(response: Any, identifiers: Sequence[str]) -> set[str] | None:
    """The identifiers a partial batch response names; None when Lambda would reject it."""
    if not isinstance(response, Mapping):
        return set()
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return None
    named: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return None
        named.add(identifier)
    return named


# --- DynamoDB stream -------------------------------------------------------------------


@dataclass(frozen=True)
class ShardRecord:
    """A stream record (as Lambda delivers it) and the shard it was read from."""

    shard_id: str
    record: dict[str, Any]


class StreamReader:
    """Reads a table's stream from where the mapping started, shard by shard."""

    def __init__(
        self, streams: Any, stream_arn: str, region: str, starting_position: str = "LATEST"
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.region = region
        self._iterators: dict[str, str | None] = {}
        # Shards that exist when the mapping starts begin at its starting position; shards
        # that appear later are read from their start.
        self._discover(starting_position)

    def _discover(self, position: str) -> None:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
                )["ShardIterator"]

    def read(self) -> list[ShardRecord]:
        """The records written since the last read, as Lambda puts them in an event."""
        self._discover("TRIM_HORIZON")
        records: list[ShardRecord] = []
        for shard_id, iterator in self._iterators.items():
            while iterator is not None:
                response = self.streams.get_records(ShardIterator=iterator, Limit=STREAM_READ_LIMIT)
                iterator = response.get("NextShardIterator")
                self._iterators[shard_id] = iterator
                batch = response.get("Records", [])
                records.extend(
                    ShardRecord(shard_id, lambda_record(r, self.stream_arn)) for r in batch
                )
                if not batch:
                    break
        return records


@dataclass
class _StreamBatch:
    """Records of one shard that Lambda delivers (and retries) together."""

    shard_id: str
    records: list[dict[str, Any]]
    retries: int = 0
    invocations: int = 0


class StreamEventSource:
    """Lambda reading a table's stream for a function (a stream event source mapping)."""

    def __init__(
        self,
        mapping: StreamMapping,
        reader: StreamReader,
        runtime: LambdaRuntime,
        clock: SimulatedClock,
        failure_queue: Queue | None,
        on_record: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> None:
        self.mapping = mapping
        self.reader = reader
        self.runtime = runtime
        self.clock = clock
        self.failure_queue = failure_queue
        self.filter = EventFilter.from_patterns(mapping.filter_patterns)
        # Sees every record read, before filtering (the runner's progress).
        self.on_record = on_record
        self._unread: deque[ShardRecord] = deque()
        self._batches: deque[_StreamBatch] = deque()
        self.failure_records: list[dict[str, Any]] = []

    def poll(self) -> Invocation | None:
        """Invoke the function with the next batch, if any; apply Lambda's retry rules."""
        self._read()
        if not self._batches and self._unread:
            self._batches.append(self._next_batch())
        if not self._batches:
            return None
        batch = self._batches[0]
        self._discard_expired(batch)
        if not batch.records:
            self._batches.popleft()
            return self.poll()
        invocation = self.runtime.invoke(self.mapping.function, {"Records": batch.records})
        batch.invocations += 1
        self._settle(batch, invocation)
        return invocation

    def _read(self) -> None:
        for read in self.reader.read():
            if self.on_record is not None:
                self.on_record(read.record)
            if self.filter.matches(read.record):
                self._unread.append(read)

    def _next_batch(self) -> _StreamBatch:
        """Up to the batch size of the oldest unread records, all from one shard."""
        shard_id = self._unread[0].shard_id
        records: list[dict[str, Any]] = []
        while self._unread and len(records) < self.mapping.batch_size:
            if self._unread[0].shard_id != shard_id:
                break
            records.append(self._unread.popleft().record)
        return _StreamBatch(shard_id, records)

    def _settle(self, batch: _StreamBatch, invocation: Invocation) -> None:
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in batch.records]
        failed: set[str] | None = set()
        if invocation.ok and self.mapping.report_batch_item_failures:
            failed = _reported_failures(invocation.response, sequence_numbers)
        if invocation.ok and failed == set():
            self._batches.popleft()
            return
        if invocation.ok and failed:
            # Checkpoint before the first failed record; retry from it (a retry is used).
            first = min(sequence_numbers.index(number) for number in failed)
            batch.records = batch.records[first:]
        elif self.mapping.bisect_on_error and len(batch.records) > 1:
            # Halving a failed batch uses no retry.
            half = len(batch.records) // 2
            self._batches.popleft()
            self._batches.extendleft(
                [
                    _StreamBatch(batch.shard_id, batch.records[half:], batch.retries),
                    _StreamBatch(batch.shard_id, batch.records[:half], batch.retries),
                ]
            )
            return
        batch.retries += 1
        limit = self.mapping.maximum_retry_attempts
        if limit >= 0 and batch.retries > limit:
            self._batches.popleft()
            self._send_failure(batch, "RetryAttemptsExhausted", function_error=not invocation.ok)

    def _discard_expired(self, batch: _StreamBatch) -> None:
        limit = self.mapping.maximum_record_age_seconds
        if limit < 0:
            return
        now = self.clock.epoch_seconds()
        expired = [
            record
            for record in batch.records
            if now - record["dynamodb"]["ApproximateCreationDateTime"] > limit
        ]
        if expired:
            batch.records = [record for record in batch.records if record not in expired]
            self._send_failure(
                _StreamBatch(batch.shard_id, expired, batch.retries, batch.invocations),
                "RecordAgeExceeded",
                function_error=False,
            )

    def _send_failure(self, batch: _StreamBatch, condition: str, *, function_error: bool) -> None:
        """Send Lambda's failure record for `batch` to the on-failure destination."""
        first, last = batch.records[0]["dynamodb"], batch.records[-1]["dynamodb"]
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response_context["functionError"] = "Unhandled"
        record = {
            "requestContext": {
                "requestId": f"local-{first['SequenceNumber']}",
                "functionArn": (
                    f"arn:aws:lambda:{self.reader.region}:{self.runtime.account_id}"
                    f":function:{self.mapping.function}"
                ),
                "condition": condition,
                "approximateInvokeCount": batch.invocations,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": iso_millis(self.clock.now()),
            "DDBStreamBatchInfo": {
                "shardId": batch.shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso_epoch(first["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso_epoch(last["ApproximateCreationDateTime"]),
                "batchSize": len(batch.records),
                "streamArn": self.reader.stream_arn,
            },
        }
        self.failure_records.append(record)
        if self.failure_queue is not None:
            self.failure_queue.send(json.dumps(record))


def _iso_epoch(seconds: float) -> str:
    return iso_seconds(datetime.fromtimestamp(seconds, UTC))


# --- SNS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A message an SNS topic delivered to the local subscriber."""

    topic_arn: str
    message_id: str
    subject: str | None
    message: str
    attributes: dict[str, str]
    timestamp: str

    def json(self) -> Any:
        """The message body, parsed (notifications are JSON)."""
        return json.loads(self.message)


@dataclass
class Inbox:
    """An SQS queue subscribed to topics with raw delivery off: what a subscriber receives."""

    queue: Queue
    delivered: list[Delivery] = field(default_factory=list)

    @classmethod
    def subscribe(
        cls,
        sqs: Any,
        sns: Any,
        topic_arns: Sequence[str],
        name: str,
        filter_policy: Mapping[str, Any] | None = None,
    ) -> Inbox:
        """A new queue `name` subscribed to every topic (SNS applies `filter_policy`)."""
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue = Queue(sqs, url)
        attributes = {"RawMessageDelivery": "false"}
        if filter_policy is not None:
            attributes["FilterPolicy"] = json.dumps(filter_policy)
        for topic_arn in topic_arns:
            sns.subscribe(
                TopicArn=topic_arn, Protocol="sqs", Endpoint=queue.arn, Attributes=attributes
            )
        return cls(queue)

    def collect(self) -> list[Delivery]:
        """The messages delivered since the last call, in order (also kept in `delivered`)."""
        new: list[Delivery] = []
        while messages := self.queue.receive(SQS_RECEIVE_LIMIT):
            for message in messages:
                envelope = json.loads(message["Body"])
                new.append(
                    Delivery(
                        topic_arn=envelope["TopicArn"],
                        message_id=envelope["MessageId"],
                        subject=envelope.get("Subject"),
                        message=envelope["Message"],
                        attributes={
                            name: value["Value"]
                            for name, value in envelope.get("MessageAttributes", {}).items()
                        },
                        timestamp=envelope.get("Timestamp", ""),
                    )
                )
            self.queue.delete([message["ReceiptHandle"] for message in messages])
        self.delivered.extend(new)
        return new


# --- EventBridge Scheduler -------------------------------------------------------------


class UnsupportedScheduleError(ProvisioningError):
    """A schedule expression the local scheduler cannot fire."""


def rate_seconds(expression: str) -> int:
    """The period of a rate() schedule; UnsupportedScheduleError for any other expression."""
    match = _RATE.fullmatch(expression)
    if match is None:
        raise UnsupportedScheduleError(
            f"the local stack fires rate() schedules only, got {expression!r}"
        )
    return int(match["count"]) * _UNIT_SECONDS[match["unit"].rstrip("s")]


def fire_times(expression: str, after: datetime) -> Iterator[datetime]:
    """The scheduled times of a rate() schedule after `after`, on whole periods since 1970."""
    period = rate_seconds(expression)
    first = int(after.timestamp()) // period + 1
    return (datetime.fromtimestamp(step * period, UTC) for step in itertools.count(first))


def scheduled_input(template: str, scheduled: datetime) -> str:
    """The schedule's input with the scheduled-time placeholder filled in, as the Scheduler does."""
    return template.replace(SCHEDULED_TIME_PLACEHOLDER, iso_seconds(scheduled))


@dataclass(frozen=True)
class Fire:
    """What one schedule fire did."""

    scheduled: datetime
    body: str
    message_id: str | None  # on the target queue; None when it went to the DLQ
    error: str | None = None


@dataclass
class Scheduler:
    """EventBridge Scheduler for the local stack's schedules (SQS targets)."""

    sqs: Any
    fires: list[Fire] = field(default_factory=list)

    def fire(self, schedule: LocalSchedule, scheduled: datetime) -> Fire:
        """Send the schedule's input for `scheduled`; after its retries, to its DLQ."""
        body = scheduled_input(schedule.input, scheduled)
        error = ""
        for _ in range(1 + max(schedule.retry_attempts, 0)):
            try:
                message_id = self.sqs.send_message(
                    QueueUrl=schedule.target_queue_url, MessageBody=body
                )["MessageId"]
            except (ClientError, BotoCoreError) as failure:
                error = str(failure)
                continue
            result = Fire(scheduled, body, message_id)
            self.fires.append(result)
            return result
        if schedule.dead_letter_queue_url is not None:
            Queue(self.sqs, schedule.dead_letter_queue_url).send(
                body,
                {
                    "ERROR_CODE": "SQS.SendMessage",
                    "ERROR_MESSAGE": error,
                    "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
                    "RETRY_ATTEMPTS": str(schedule.retry_attempts),
                },
            )
        result = Fire(scheduled, body, None, error)
        self.fires.append(result)
        return result


# --- Lambda's Invoke API ---------------------------------------------------------------


@contextmanager
def lambda_invocations(runtime: LambdaRuntime, lock: threading.RLock) -> Iterator[None]:
    """While open, Lambda's Invoke of a local function (by name or ARN) runs it in `runtime`.

    The stack's functions are recorded, not created, in moto (provision.py), and moto would
    run a created one in Docker; here the call gets what Lambda answers a synchronous
    invoke: the function's response as the payload, or its error (`errorType`,
    `errorMessage`) with the `X-Amz-Function-Error: Unhandled` header. `lock` is held for
    the invocation, so an Invoke that arrives through moto's server waits for the event
    loop's own invocation to end (functions run one at a time). Other functions are moto's.
    """
    original = LambdaBackend.invoke

    def invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> str | bytes | None:
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        if name not in runtime.functions:
            return original(self, function_name, qualifier, body, headers, response_headers)
        response_headers["x-amz-executed-version"] = "$LATEST"
        if headers.get("X-Amz-Invocation-Type") == "DryRun":
            return ""
        with lock:
            invocation = runtime.invoke(name, json.loads(body or "{}"))
        if invocation.error is not None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": invocation.error.error_type,
                    "errorMessage": invocation.error.message,
                }
            )
        return json.dumps(invocation.response)

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaBackend.invoke = original  # type: ignore[method-assign]


# --- SQS sends and receives ------------------------------------------------------------

# moto counts these by walking every message of the queue, each time it builds the map.
_COUNTED_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
)


@contextmanager
def scalable_queues() -> Iterator[None]:
    """While open, moto's SendMessage and ReceiveMessage no longer cost the queue's depth.

    moto builds the whole attribute map of a queue for every message it sends (to read
    ContentBasedDeduplication) and three times for every message it receives (to read the
    retention period), and each map counts the visible, delayed and in-flight messages by
    walking every message: with a run's jobs waiting (delayed) in the queue, a cycle grew
    with the square of the catalog (20,000 products: over 15 minutes per cycle). Here a
    receive reads the retention period directly, and a send builds the map without the
    three counts it never reads; what is sent and received is unchanged.
    """
    send, valid = SQSBackend.send_message, SQSBackend.is_message_valid_based_on_retention_period

    def send_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        # An instance attribute shadows the class's list for the map built during the send.
        queue.BASE_ATTRIBUTES = [a for a in queue.BASE_ATTRIBUTES if a not in _COUNTED_ATTRIBUTES]
        try:
            return send(self, queue_name, *args, **kwargs)
        finally:
            del queue.BASE_ATTRIBUTES

    def is_message_valid_based_on_retention_period(
        self: SQSBackend, queue_name: str, message: Any
    ) -> bool:
        retention_seconds = self.get_queue(queue_name).message_retention_period
        # moto's own clock (the simulated one, under services_follow), looked up per call.
        return retention_seconds + message.sent_timestamp / 1000 > moto.sqs.models.unix_time()

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    try:
        yield
    finally:
        SQSBackend.send_message = send  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = valid  # type: ignore[method-assign]
