"""SNS topics in moto, with their attributes and policies; email subscriptions recorded.

An email subscription needs a person to confirm it, so it is recorded as pending; the event
loop subscribes its own inbox to the topics (local_stack/services/sns_inbox.py). Any other
protocol is refused: the local stack delivers to nothing else.
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


def record_subscription(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    if inputs["protocol"] not in _EMAIL_PROTOCOLS:
        raise ProvisioningError(
            f"aws:sns/topicSubscription:TopicSubscription {name}: the local stack does not "
            f"deliver to protocol {inputs['protocol']!r}"
        )
    arn = f"{inputs['topic']}:{uuid.uuid4()}"
    return arn, {"arn": arn, "ownerId": aws.account_id, "pendingConfirmation": True}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:sns/topic:Topic": Emulation(create_topic, frozenset({"name", *_TOPIC_ATTRIBUTES})),
        "aws:sns/topicPolicy:TopicPolicy": Emulation(
            set_topic_policy, frozenset(("arn", "policy"))
        ),
        "aws:sns/topicSubscription:TopicSubscription": Emulation(
            record_subscription,
            frozenset(("topic", "protocol", "endpoint", "confirmationTimeoutInMinutes")),
        ),
    }
)
