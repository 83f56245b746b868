"""Messaging: the scrape queue and its dead-letter queues, the alert and ops topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from contracts import messages
from price_monitor import policies

MAX_RECEIVE_COUNT = messages.MAX_RECEIVE_COUNT
# Lambda's guidance for SQS event sources: visibility at least six times the function
# timeout (plus the batching window), so a message is not redelivered while in flight.
VISIBILITY_TIMEOUT_FACTOR = 6
SCRAPE_RETENTION_SECONDS = 4 * 24 * 3600
# Dead letters wait the longest SQS allows for a person to read them.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
KEY_DELETION_WINDOW_DAYS = 30


@dataclass(frozen=True)
class MessagingArgs:
    suffix: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    scraper_timeout_seconds: int
    scraper_batching_window_seconds: int
    alert_emails: Sequence[str] = ()
    ops_emails: Sequence[str] = ()


class Messaging(pulumi.ComponentResource):
    """Queues between the schedule, the scraper and the detector; the two SNS topics."""

    scrape_queue: aws.sqs.Queue
    scrape_dlq: aws.sqs.Queue
    schedule_dlq: aws.sqs.Queue
    stream_failure_queue: aws.sqs.Queue
    topic_key: aws.kms.Key
    alerts_topic: aws.sns.Topic
    ops_topic: aws.sns.Topic

    def __init__(
        self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Messaging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix = args.suffix

        self.scrape_dlq = _dead_letter_queue(
            f"{name}-scrape-dlq", f"price-monitor-scrape-dlq-{suffix}", child
        )
        self.scrape_queue = aws.sqs.Queue(
            f"{name}-scrape",
            name=f"price-monitor-scrape-{suffix}",
            visibility_timeout_seconds=scrape_visibility_timeout(
                args.scraper_timeout_seconds, args.scraper_batching_window_seconds
            ),
            message_retention_seconds=SCRAPE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": self.scrape_dlq.arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
            ),
            opts=child,
        )
        # Only the scrape queue may use the DLQ. A separate resource, because the DLQ cannot
        # name the scrape queue when it is created (the queue needs the DLQ's ARN first).
        aws.sqs.RedriveAllowPolicy(
            f"{name}-scrape-dlq-redrive-allow",
            queue_url=self.scrape_dlq.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [self.scrape_queue.arn]}
            ),
            opts=child,
        )
        # EventBridge Scheduler's undeliverable run messages.
        self.schedule_dlq = _dead_letter_queue(
            f"{name}-schedule-dlq", f"price-monitor-schedule-dlq-{suffix}", child
        )
        # The detector's stream batches that exhausted their retries (on-failure destination).
        self.stream_failure_queue = _dead_letter_queue(
            f"{name}-stream-failures", f"price-monitor-stream-failures-{suffix}", child
        )

        self.topic_key = aws.kms.Key(
            f"{name}-topic-key",
            description=f"price-monitor {suffix}: SNS topics (CloudWatch alarms may use it)",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=policies.topic_key_policy(account_id=args.account_id, partition=args.partition),
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-topic-key-alias",
            name=f"alias/price-monitor-topics-{suffix}",
            target_key_id=self.topic_key.key_id,
            opts=child,
        )
        self.alerts_topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"price-monitor-alerts-{suffix}",
            kms_master_key_id=self.topic_key.arn,
            opts=child,
        )
        # Separate from price alerts: operators, not shoppers, read alarms.
        self.ops_topic = aws.sns.Topic(
            f"{name}-ops",
            name=f"price-monitor-ops-{suffix}",
            kms_master_key_id=self.topic_key.arn,
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-ops-policy",
            arn=self.ops_topic.arn,
            policy=policies.alarm_topic_policy(
                topic_arn=self.ops_topic.arn, account_id=args.account_id
            ),
            opts=child,
        )
        _subscribe_emails(f"{name}-alerts", self.alerts_topic, args.alert_emails, child)
        _subscribe_emails(f"{name}-ops", self.ops_topic, args.ops_emails, child)

        self.register_outputs(
            {
                "scrape_queue_url": self.scrape_queue.url,
                "scrape_dlq_url": self.scrape_dlq.url,
                "schedule_dlq_url": self.schedule_dlq.url,
                "stream_failure_queue_url": self.stream_failure_queue.url,
                "alerts_topic_arn": self.alerts_topic.arn,
                "ops_topic_arn": self.ops_topic.arn,
            }
        )


def scrape_visibility_timeout(scraper_timeout_seconds: int, batching_window_seconds: int) -> int:
    """Seconds a received scrape message stays invisible: longer than any invocation with it."""
    return VISIBILITY_TIMEOUT_FACTOR * scraper_timeout_seconds + batching_window_seconds


def _dead_letter_queue(
    resource_name: str, queue_name: str, opts: pulumi.ResourceOptions
) -> aws.sqs.Queue:
    return aws.sqs.Queue(
        resource_name,
        name=queue_name,
        message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        opts=opts,
    )


def _subscribe_emails(
    prefix: str, topic: aws.sns.Topic, emails: Sequence[str], opts: pulumi.ResourceOptions
) -> None:
    # Named by address, so reordering the list in the stack config replaces nothing (each
    # replacement would send a new confirmation email).
    for email in emails:
        aws.sns.TopicSubscription(
            f"{prefix}-email-{email}", topic=topic.arn, protocol="email", endpoint=email, opts=opts
        )
