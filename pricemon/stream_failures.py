"""The detector's failed stream batches: Lambda's on-failure records, read back and replayed.

When the detector's stream mapping gives up on a batch (its retries exhausted, or records
older than the mapping's maximum age), Lambda sends the stream failure queue an invocation
record that says where the batch is, not what it holds:

    {"requestContext": {"requestId": "...", "functionArn": "...",
                        "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
     "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                         "functionError": "Unhandled"},
     "version": "1.0", "timestamp": "2026-01-01T06:00:42.123Z",
     "DDBStreamBatchInfo": {"shardId": "...", "startSequenceNumber": "...",
                            "endSequenceNumber": "...", "approximateArrivalOfFirstRecord": "...",
                            "approximateArrivalOfLastRecord": "...", "batchSize": 1,
                            "streamArn": "arn:aws:dynamodb:...:table/.../stream/..."}}

(`functionError` is there when the function failed, not when it reported the records in a
partial batch response.) The records are read back from the stream: GetShardIterator
AT_SEQUENCE_NUMBER at the first, GetRecords up to the last, keeping those the mapping's
event filter passes, as Lambda did. DynamoDB keeps a stream's records 24 hours; after that
the batch cannot be replayed by anything, and the listing says so for that message.

A replay invokes the detector function (lambda:InvokeFunction, synchronously) with the
stream event Lambda would have sent: one code path for every alert, and the detector's
idempotency records make the replay publish exactly what never went out, however often it
is replayed. A message is deleted from the queue only once the detector took every record
of it; otherwise it stays, with the reason shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from monitor.stream_records import lambda_record
from pricemon.invoke import invoke

if TYPE_CHECKING:
    from types_boto3_dynamodbstreams import DynamoDBStreamsClient
    from types_boto3_lambda import LambdaClient

KIND = "stream_batch"
GET_RECORDS_LIMIT = 1000
# GetRecords on an open shard may answer empty pages before the records that exist.
EMPTY_PAGES = 3
# Lambda's synchronous invoke takes a request of at most 6 MB; a margin for the envelope.
INVOKE_PAYLOAD_MAX_BYTES = 6_000_000
# Errors of GetShardIterator that mean the records are gone from the stream.
GONE_ERRORS = ("TrimmedDataAccessException", "ResourceNotFoundException")
AGED_OUT = (
    "its records are no longer in the stream (DynamoDB keeps them 24 hours):"
    " its alerts cannot be replayed"
)


class ReplayFailedError(RuntimeError):
    """The detector did not take every record of a replayed batch."""


class BatchGoneError(LookupError):
    """A failed batch's records can no longer be read from the stream."""


@dataclass(frozen=True)
class BatchLocation:
    """Where a failed batch's records are (the on-failure record's DDBStreamBatchInfo)."""

    stream_arn: str
    shard_id: str
    start: str  # sequence numbers: decimal digits, compared as numbers
    end: str
    batch_size: int


@dataclass(frozen=True)
class StreamFailure:
    """One message of the stream failure queue, as an operator reads it."""

    message_id: str
    receive_count: int
    sent_at: datetime | None
    failure: str  # what Lambda says happened (condition, invocations, error)
    location: BatchLocation | None  # None: the message is no on-failure record
    records: tuple[dict[str, Any], ...] = ()  # read back, as Lambda delivers them
    unreadable: str | None = None  # why the records cannot be replayed, if so
    receipt_handle: str = field(default="", repr=False, compare=False)

    kind = KIND
    poison = False

    @property
    def product_ids(self) -> list[str]:
        return _distinct(_key(record) for record in self.records)

    @property
    def retailers(self) -> list[str]:
        return _distinct(_new_image_text(record, "retailer") for record in self.records)

    @property
    def run_ids(self) -> list[str]:
        return _distinct(_new_image_text(record, "last_run_id") for record in self.records)

    @property
    def reason(self) -> str:
        if self.unreadable is not None:
            return f"{self.failure}; {self.unreadable}"
        return f"{self.failure}; {len(self.records)} record(s) in the stream, ready to replay"

    def public(self) -> dict[str, Any]:
        """The facts shown to the operator (JSON): a dead letter's, and where the batch is."""
        location = self.location
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "product_id": ", ".join(self.product_ids) or None,
            "retailer": ", ".join(self.retailers) or None,
            "run_id": ", ".join(self.run_ids) or None,
            "receive_count": self.receive_count,
            "sent_at": self.sent_at,
            "reason": self.reason,
            "replayable": self.unreadable is None,
            "shard_id": None if location is None else location.shard_id,
            "start_sequence_number": None if location is None else location.start,
            "end_sequence_number": None if location is None else location.end,
            "records": [
                {
                    "sequence_number": record["dynamodb"]["SequenceNumber"],
                    "product_id": _key(record),
                    "run_id": _new_image_text(record, "last_run_id"),
                }
                for record in self.records
            ],
        }


def describe_stream_failures(
    streams: DynamoDBStreamsClient, messages: Sequence[Mapping[str, Any]]
) -> list[StreamFailure]:
    """Each received message of the stream failure queue, its records read back."""
    return [_describe(streams, message) for message in messages]


def read_batch(streams: DynamoDBStreamsClient, location: BatchLocation) -> list[dict[str, Any]]:
    """The batch's records that the detector's mapping passes, in stream order.

    Raises BatchGoneError when the stream no longer holds them.
    """
    try:
        iterator: str | None = streams.get_shard_iterator(
            StreamArn=location.stream_arn,
            ShardId=location.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=location.start,
        )["ShardIterator"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in GONE_ERRORS:
            raise BatchGoneError(AGED_OUT) from error
        raise
    passes = _detector_filter()
    start, end = int(location.start), int(location.end)
    records: list[dict[str, Any]] = []
    found = False  # any record of the batch, whether the filter passes it or not
    empty = 0
    while iterator is not None and empty < EMPTY_PAGES:
        response = streams.get_records(ShardIterator=iterator, Limit=GET_RECORDS_LIMIT)
        page = response.get("Records", [])
        empty = 0 if page else empty + 1
        for record in page:
            number = int(record["dynamodb"]["SequenceNumber"])
            if number > end:
                iterator = None
                break
            shaped = lambda_record(record, location.stream_arn)
            found = found or number >= start
            if number >= start and passes(shaped):
                records.append(shaped)
        else:
            iterator = response.get("NextShardIterator")
    if not found:
        raise BatchGoneError(AGED_OUT)
    return records


def replay(
    lambda_client: LambdaClient, function_name: str, records: Sequence[dict[str, Any]]
) -> None:
    """Invoke the detector with `records` as stream events of at most the invoke payload size.

    Raises ReplayFailedError when the detector fails, or reports a record failed again.
    """
    for event in _events(records):
        answer = invoke(lambda_client, function_name, event.encode())
        if answer.error is not None:
            raise ReplayFailedError(
                f"the detector failed: {answer.error} (see its logs); the message stays for"
                " another redrive"
            )
        payload = answer.payload
        failures = payload.get("batchItemFailures", []) if isinstance(payload, dict) else []
        if failures:
            raise ReplayFailedError(
                f"the detector failed {len(failures)} record(s) again, from sequence number"
                f" {failures[0].get('itemIdentifier')} (see its logs); the message stays"
            )


def _events(records: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Stream events of the records, in order, each under INVOKE_PAYLOAD_MAX_BYTES."""
    chunk: list[str] = []
    size = 0
    for record in records:
        text = json.dumps(record)
        if chunk and size + len(text) + 1 > INVOKE_PAYLOAD_MAX_BYTES:
            yield _event(chunk)
            chunk, size = [], 0
        chunk.append(text)
        size += len(text) + 1
    if chunk:
        yield _event(chunk)


def _event(records: Sequence[str]) -> str:
    return '{"Records":[' + ",".join(records) + "]}"


def _describe(streams: DynamoDBStreamsClient, message: Mapping[str, Any]) -> StreamFailure:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    common: dict[str, Any] = {
        "message_id": message["MessageId"],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at": None if sent is None else datetime.fromtimestamp(int(sent) / 1000, UTC),
        "receipt_handle": message["ReceiptHandle"],
    }
    try:
        failure, location = _parse(message["Body"])
    except ValueError as error:
        return StreamFailure(
            failure="not a Lambda on-failure record",
            location=None,
            unreadable=f"{error}: nothing to replay",
            **common,
        )
    try:
        records = read_batch(streams, location)
    except BatchGoneError as gone:
        return StreamFailure(failure=failure, location=location, unreadable=str(gone), **common)
    return StreamFailure(failure=failure, location=location, records=tuple(records), **common)


def _parse(body: str) -> tuple[str, BatchLocation]:
    """What Lambda says happened to the batch, and where the batch is; ValueError if unusable."""
    try:
        record = json.loads(body)
        info = record["DDBStreamBatchInfo"]
        location = BatchLocation(
            stream_arn=str(info["streamArn"]),
            shard_id=str(info["shardId"]),
            start=str(int(info["startSequenceNumber"])),
            end=str(int(info["endSequenceNumber"])),
            batch_size=int(info.get("batchSize", 0)),
        )
        request = record.get("requestContext", {})
        response = record.get("responseContext", {})
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"no DDBStreamBatchInfo ({type(error).__name__}: {error})") from None
    condition = request.get("condition", "unknown condition")
    function_error = response.get("functionError")
    outcome = f"function error: {function_error}" if function_error else "records reported failed"
    count = request.get("approximateInvokeCount", "?")
    return f"{condition} after {count} invocation(s) ({outcome})", location


def _detector_filter() -> Callable[[Mapping[str, Any]], bool]:
    """Whether the detector's mapping passes a record (its declared filter, as Lambda reads it)."""
    # Imported here: the program's module brings Pulumi in, which only a replay needs.
    from local_stack.event_filter import EventFilter
    from price_monitor.compute import DETECTOR_EVENT_FILTER

    return EventFilter.from_patterns([json.dumps(DETECTOR_EVENT_FILTER)]).matches


def _key(record: Mapping[str, Any]) -> str | None:
    return record.get("dynamodb", {}).get("Keys", {}).get("product_id", {}).get("S")


def _new_image_text(record: Mapping[str, Any], name: str) -> str | None:
    return record.get("dynamodb", {}).get("NewImage", {}).get(name, {}).get("S")


def _distinct(values: Iterator[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
