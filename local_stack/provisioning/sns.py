"""SNS topics in moto, with their attributes and policies; their subscriptions.

An email subscription needs a person to confirm it, so it is recorded as pending; the event
loop subscribes its own inbox to the topics (local_stack/services/sns_inbox.py). An `sqs`
subscription (the notify queue's) is made in moto, with its raw delivery and filter policy,
so a Publish to the topic lands in the queue as SNS would put it there. Any other protocol
is refused: the local stack delivers to nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from local_stack.provisioning.emulation import Created, Emulation, attribute_text
from local_stack.provisioning.moto_account import MotoAccount
from local_stack.stack import ProvisioningError

_EMAIL_PROTOCOLS = frozenset(("email", "email-json"))
_SQS_PROTOCOL = "sqs"
# Subscription inputs and the Subscribe attributes they become (sqs subscriptions).
_SUBSCRIPTION_ATTRIBUTES: Mapping[str, str] = MappingProxyType(
    {
        "rawMessageDelivery": "RawMessageDelivery",
        "filterPolicy": "FilterPolicy",
        "filterPolicyScope": "FilterPolicyScope",
    }
)
# Topic inputs and the CreateTopic attributes they become.
_TOPIC_ATTRIBUTES: Mapping[str, str] = MappingProxyType(
    {
        "kmsMasterKeyId": "KmsMasterKeyId",
        "policy": "Policy",
        "displayName": "DisplayName",
        "deliveryPolicy": "DeliveryPolicy",
        "fifoTopic": "FifoTopic",
        "contentBasedDeduplication": "ContentBasedDeduplication",
    }
)


def create_topic(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    topic = inputs.get("name") or name
    attributes = {
        attribute: attribute_text(inputs[key])
        for key, attribute in _TOPIC_ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    arn = aws.client("sns", inputs).create_topic(Name=topic, Attributes=attributes)["TopicArn"]
    return arn, {"name": topic, "arn": arn, "owner": aws.account_id}


def set_topic_policy(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    aws.client("sns", inputs).set_topic_attributes(
        TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=inputs["policy"]
    )
    return inputs["arn"], {"owner": aws.account_id}


def create_subscription(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    """An sqs subscription made in moto; an email one recorded as pending; no other."""
    if inputs["protocol"] == _SQS_PROTOCOL:
        return _subscribe_queue(aws, inputs)
    declared = sorted(key for key in _SUBSCRIPTION_ATTRIBUTES if key in inputs)
    if declared and inputs["protocol"] in _EMAIL_PROTOCOLS:
        raise ProvisioningError(
            f"aws:sns/topicSubscription:TopicSubscription {name}: the local stack does not "
            f"apply {', '.join(declared)} to an email subscription"
        )
    if inputs["protocol"] not in _EMAIL_PROTOCOLS:
        raise ProvisioningError(
            f"aws:sns/topicSubscription:TopicSubscription {name}: the local stack does not "
            f"deliver to protocol {inputs['protocol']!r}"
        )
    arn = f"{inputs['topic']}:{uuid.uuid4()}"
    return arn, {"arn": arn, "ownerId": aws.account_id, "pendingConfirmation": True}


def _subscribe_queue(aws: MotoAccount, inputs: dict[str, Any]) -> Created:
    attributes = {
        attribute: attribute_text(inputs[key])
        for key, attribute in _SUBSCRIPTION_ATTRIBUTES.items()
        if inputs.get(key) not in (None, "")
    }
    arn = aws.client("sns", inputs).subscribe(
        TopicArn=inputs["topic"],
        Protocol=_SQS_PROTOCOL,
        Endpoint=inputs["endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    # SNS confirms a queue subscription at once: nobody has to click a link.
    return arn, {"arn": arn, "ownerId": aws.account_id, "pendingConfirmation": False}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:sns/topic:Topic": Emulation(create_topic, frozenset({"name", *_TOPIC_ATTRIBUTES})),
        "aws:sns/topicPolicy:TopicPolicy": Emulation(
            set_topic_policy, frozenset(("arn", "policy"))
        ),
        "aws:sns/topicSubscription:TopicSubscription": Emulation(
            create_subscription,
            frozenset(
                (
                    "topic",
                    "protocol",
                    "endpoint",
                    "confirmationTimeoutInMinutes",
                    *_SUBSCRIPTION_ATTRIBUTES,
                )
            ),
        ),
    }
)
