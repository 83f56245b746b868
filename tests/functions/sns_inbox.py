"""A subscriber's inbox on an SNS topic (moto): what a price-alert subscriber receives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3


@dataclass(frozen=True)
class SnsInbox:
    """An SQS queue subscribed to a topic with raw delivery off, so each message is the SNS
    envelope a subscriber sees (Subject, Message, MessageAttributes)."""

    url: str

    def envelopes(self) -> list[dict[str, Any]]:
        """Every message delivered since the last call (drains the queue)."""
        sqs = boto3.client("sqs")
        envelopes: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return envelopes
            for message in messages:
                envelopes.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


def subscribe_inbox(topic_arn: str, name: str = "alerts-inbox-test") -> SnsInbox:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    boto3.client("sns").subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "false"},
    )
    return SnsInbox(url)
