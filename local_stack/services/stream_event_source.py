"""Lambda's DynamoDB stream event source mapping, played on the simulated clock.

`StreamReader` reads a table's stream shard by shard, from where the mapping started.
`StreamEventSource` drops the records the mapping's filters reject, invokes in batches and,
on failure, retries as Lambda does: from the first failed record of a partial batch
response, halving a failed batch when bisect is on (which uses no retry), and after the
retry limit or maximum record age sends the failure record to the on-failure queue.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contracts.timestamps import iso_millis, iso_seconds
from local_stack.clock import SimulatedClock
from local_stack.event_filter import EventFilter
from local_stack.lambda_runtime import Invocation, LambdaRuntime
from local_stack.services.batch_item_failures import reported_failures
from local_stack.services.sqs_queue import Queue
from local_stack.stack import StreamMapping
from monitor.stream_records import lambda_record

if TYPE_CHECKING:
    from types_boto3_dynamodbstreams import DynamoDBStreamsClient
    from types_boto3_dynamodbstreams.literals import ShardIteratorTypeType

STREAM_READ_LIMIT = 1000  # GetRecords' Limit


@dataclass(frozen=True)
class ShardRecord:
    """A stream record (as Lambda delivers it) and the shard it was read from."""

    shard_id: str
    record: dict[str, Any]


class StreamReader:
    """Reads a table's stream from where the mapping started, shard by shard."""

    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        region: str,
        starting_position: ShardIteratorTypeType = "LATEST",
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.region = region
        self._iterators: dict[str, str | None] = {}
        # Shards that exist when the mapping starts begin at its starting position; shards
        # that appear later are read from their start.
        self._discover(starting_position)

    def _discover(self, position: ShardIteratorTypeType) -> None:
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
            failed = reported_failures(invocation.response, sequence_numbers)
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
