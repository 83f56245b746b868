"""Messaging as declared per stack: queue redrive and timing, encryption, topics that alarms
can publish to, and subscriptions from the stack config."""

from __future__ import annotations

from declared_stack import ACCOUNT_ID, DeclaredResource, DeclaredStack

from price_monitor.messaging import scrape_visibility_timeout

QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
DAY = 24 * 3600


def queue(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(QUEUE, name=f"price-monitor-{purpose}-{stack.suffix}")


def topic(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(TOPIC, name=f"price-monitor-{purpose}-{stack.suffix}")


def topic_key(stack: DeclaredStack) -> DeclaredResource:
    (key,) = stack.of_type("aws:kms/key:Key")
    return key


def statements(document: dict) -> dict[str, dict]:
    return {statement["Sid"]: statement for statement in document["Statement"]}


def test_scrape_messages_rest_in_the_dlq_after_three_receives(stack):
    redrive = queue(stack, "scrape").json("redrivePolicy")
    assert redrive == {
        "deadLetterTargetArn": queue(stack, "scrape-dlq").state["arn"],
        "maxReceiveCount": 3,
    }


def test_scrape_message_stays_invisible_for_six_scraper_timeouts(stack):
    visibility = queue(stack, "scrape").inputs["visibilityTimeoutSeconds"]
    assert visibility >= 6 * stack.settings.scraper.timeout_seconds
    assert visibility == scrape_visibility_timeout(
        stack.settings.scraper.timeout_seconds, stack.settings.scraper.batching_window_seconds
    )


def test_visibility_timeout_covers_the_batching_window_too():
    assert scrape_visibility_timeout(120, 5) == 725


def test_queues_are_encrypted_and_dead_letters_wait_fourteen_days(stack):
    queues = stack.of_type(QUEUE)
    assert len(queues) == 4
    assert all(q.inputs["sqsManagedSseEnabled"] is True for q in queues)
    assert queue(stack, "scrape").inputs["messageRetentionSeconds"] >= 4 * DAY
    for purpose in ("scrape-dlq", "schedule-dlq", "stream-failures"):
        assert queue(stack, purpose).inputs["messageRetentionSeconds"] == 14 * DAY


def test_only_the_scrape_queue_may_dead_letter_into_the_scrape_dlq(stack):
    allow = stack.find(
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
        queueUrl=queue(stack, "scrape-dlq").state["url"],
    )
    assert allow.json("redriveAllowPolicy") == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue(stack, "scrape").state["arn"]],
    }


def test_topics_are_encrypted_with_a_rotating_customer_managed_key(stack):
    key = topic_key(stack)
    assert key.inputs["enableKeyRotation"] is True
    for purpose in ("alerts", "ops"):
        # Not alias/aws/sns: CloudWatch cannot publish to a topic under the AWS-managed key.
        assert topic(stack, purpose).inputs["kmsMasterKeyId"] == key.state["arn"]


def test_cloudwatch_alarms_of_this_account_may_encrypt_with_the_topic_key(stack):
    granted = statements(topic_key(stack).json("policy"))["CloudWatchAlarmsPublishWithKey"]
    assert granted["Effect"] == "Allow"
    assert granted["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(granted["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert granted["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


def test_account_keeps_administering_the_topic_key_without_wildcard_actions(stack):
    policy = statements(topic_key(stack).json("policy"))
    assert set(policy) == {"AccountAdministersKey", "CloudWatchAlarmsPublishWithKey"}
    admin = policy["AccountAdministersKey"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    # Whoever may put the key policy can always repair it: no lockout.
    assert {"kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:ScheduleKeyDeletion"} <= set(
        admin["Action"]
    )
    # The detector's IAM grant works only if the key policy delegates these to IAM.
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= set(admin["Action"])
    for statement in policy.values():
        assert not any("*" in action for action in statement["Action"])


def test_ops_topic_accepts_alarm_notifications_from_this_account_only(stack):
    ops = topic(stack, "ops")
    policy = stack.find("aws:sns/topicPolicy:TopicPolicy", arn=ops.state["arn"])
    (statement,) = policy.json("policy")["Statement"]
    assert statement == {
        "Sid": "CloudWatchAlarmsPublish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["sns:Publish"],
        "Resource": [ops.state["arn"]],
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
    }


def test_price_alerts_and_ops_notifications_go_to_separate_topics(stack):
    assert topic(stack, "alerts").state["arn"] != topic(stack, "ops").state["arn"]
    assert len(stack.of_type(TOPIC)) == 2


def test_email_subscriptions_are_those_of_the_stack_config(stack):
    subscriptions = {
        (s.inputs["topic"], s.inputs["protocol"], s.inputs["endpoint"])
        for s in stack.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    alerts, ops = topic(stack, "alerts").state["arn"], topic(stack, "ops").state["arn"]
    assert subscriptions == {
        *((alerts, "email", email) for email in stack.settings.alert_emails),
        *((ops, "email", email) for email in stack.settings.ops_emails),
    }
    assert subscriptions, "the stack files subscribe someone to each topic"
