"""A local subscriber of the SNS topics: what someone subscribed to the alerts receives.

`Inbox` is an SQS queue subscribed with raw delivery off (SNS applies the filter policy);
`collect()` unwraps each SNS envelope into a `Delivery`, in delivery order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local_stack.services.sqs_queue import SQS_RECEIVE_LIMIT, Queue

if TYPE_CHECKING:
    from types_boto3_sns import SNSClient
    from types_boto3_sqs import SQSClient


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
        sqs: SQSClient,
        sns: SNSClient,
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
