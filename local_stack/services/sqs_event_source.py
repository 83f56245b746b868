"""Lambda's SQS event source mapping, played on the simulated clock.

`SqsEventSource` receives up to the batch size (waiting out the batching window on the
simulated clock), hands the function the event Lambda builds, deletes what succeeded and
leaves the rest to come back after its visibility timeout. The queue's redrive policy
(maxReceiveCount, DLQ) is moto's own: a message received maxReceiveCount times moves to the
DLQ on the next receive, as in SQS.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from local_stack.clock import SimulatedClock
from local_stack.lambda_runtime import Invocation, LambdaRuntime
from local_stack.services.batch_item_failures import reported_failures
from local_stack.services.sqs_queue import Queue
from local_stack.stack import QueueMapping

if TYPE_CHECKING:
    from types_boto3_sqs.type_defs import MessageTypeDef

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

    def _wait_for_batch(self, received: int) -> list[MessageTypeDef]:
        """Messages gathered during the batching window, which Lambda waits out unless full."""
        window = self.mapping.batching_window_seconds
        more: list[MessageTypeDef] = []
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
        failed = reported_failures(invocation.response, message_ids)
        if failed is None:  # a malformed response fails the whole batch
            return set()
        return set(message_ids) - failed
