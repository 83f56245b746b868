"""One SQS queue of the local stack: the API for what a client does, moto's model for what
only SQS knows (when a waiting message becomes visible, what rests in the queue).

The event sources, the inbox and the scheduler all reach their queues through `Queue`, so
the batch limits of the SQS API are applied in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.sqs.models import Queue as MotoQueue
from moto.sqs.models import sqs_backends

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef, MessageTypeDef

SQS_RECEIVE_LIMIT = 10  # ReceiveMessage's MaxNumberOfMessages
SQS_DELETE_LIMIT = 10  # DeleteMessageBatch's entries


@dataclass(frozen=True)
class QueuedMessage:
    """A message resting in a queue, seen without receiving it."""

    message_id: str
    body: str
    receive_count: int


class Queue:
    """One SQS queue: the API for what a client does, moto's model for what only SQS knows."""

    def __init__(self, sqs: SQSClient, url: str) -> None:
        self.sqs = sqs
        self.url = url
        self.arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        _, _, _, self.region, self.account_id, self.name = self.arn.split(":", 5)

    def receive(self, max_messages: int) -> list[MessageTypeDef]:
        """Up to `max_messages` visible messages, with every attribute (the queue's visibility)."""
        messages: list[MessageTypeDef] = []
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
            entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
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
    def _model(self) -> MotoQueue:
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


def _from_epoch_millis(millis: float) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)
