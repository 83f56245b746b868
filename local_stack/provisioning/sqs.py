"""SQS queues in moto, with every declared attribute (the redrive policy names the DLQ's
moto ARN), and the redrive-allow and access policies set on them.

A queue's access policy (QueuePolicy) is set as its Policy attribute, where SQS keeps it;
moto does not evaluate it, so an SNS subscription delivers whether or not it allows the
topic (tests/infra checks what it allows).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from local_stack.provisioning.emulation import Created, Emulation, attribute_text
from local_stack.provisioning.moto_account import MotoAccount

if TYPE_CHECKING:
    from types_boto3_sqs.literals import QueueAttributeNameType

# Queue inputs and the CreateQueue attributes they become.
_QUEUE_ATTRIBUTES: Mapping[str, QueueAttributeNameType] = MappingProxyType(
    {
        "visibilityTimeoutSeconds": "VisibilityTimeout",
        "messageRetentionSeconds": "MessageRetentionPeriod",
        "delaySeconds": "DelaySeconds",
        "maxMessageSize": "MaximumMessageSize",
        "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
        "redrivePolicy": "RedrivePolicy",
        "redriveAllowPolicy": "RedriveAllowPolicy",
        "policy": "Policy",
        "sqsManagedSseEnabled": "SqsManagedSseEnabled",
        "kmsMasterKeyId": "KmsMasterKeyId",
        "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
        "fifoQueue": "FifoQueue",
        "contentBasedDeduplication": "ContentBasedDeduplication",
        "deduplicationScope": "DeduplicationScope",
        "fifoThroughputLimit": "FifoThroughputLimit",
    }
)


def create_queue(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("sqs", inputs)
    queue = inputs.get("name") or name
    attributes = {
        attribute: attribute_text(inputs[key])
        for key, attribute in _QUEUE_ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    url = client.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, {"name": queue, "url": url, "arn": arn}


def set_redrive_allow_policy(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    aws.client("sqs", inputs).set_queue_attributes(
        QueueUrl=inputs["queueUrl"],
        Attributes={"RedriveAllowPolicy": inputs["redriveAllowPolicy"]},
    )
    return inputs["queueUrl"], {}


def set_queue_policy(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    aws.client("sqs", inputs).set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
    )
    return inputs["queueUrl"], {}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:sqs/queue:Queue": Emulation(create_queue, frozenset({"name", *_QUEUE_ATTRIBUTES})),
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": Emulation(
            set_redrive_allow_policy, frozenset(("queueUrl", "redriveAllowPolicy"))
        ),
        "aws:sqs/queuePolicy:QueuePolicy": Emulation(
            set_queue_policy, frozenset(("queueUrl", "policy"))
        ),
    }
)
