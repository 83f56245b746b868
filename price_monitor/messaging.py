"""Messaging: the scrape queue, the render queue (browser retailers only), the notify queue
(alert channels only), their dead-letter queues, the alert and ops topics."""

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
    # The renderer's timeout and batching window; None: no browser retailer, no render queue.
    renderer_timeout_seconds: int | None = None
    renderer_batching_window_seconds: int = 0
    # The notifier's timeout and batching window; None: no alert channel, no notify queue.
    notifier_timeout_seconds: int | None = None
    notifier_batching_window_seconds: int = 0
    # Some channel hears the ops topic too: the notify queue subscribes to it as well.
    notify_ops: bool = False


class Messaging(pulumi.ComponentResource):
    """Queues between the schedule, the scraper and the detector; the two SNS topics."""

    scrape_queue: aws.sqs.Queue
    scrape_dlq: aws.sqs.Queue
    # Jobs of browser retailers, consumed by the renderer; None when the stack has none.
    render_queue: aws.sqs.Queue | None
    render_dlq: aws.sqs.Queue | None
    schedule_dlq: aws.sqs.Queue
    stream_failure_queue: aws.sqs.Queue
    topic_key: aws.kms.Key
    alerts_topic: aws.sns.Topic
    ops_topic: aws.sns.Topic
    # What the notifier consumes (the topics' deliveries and its own later work) and gives up
    # on; None when the stack has no alert channel.
    notify_queue: aws.sqs.Queue | None = None
    notify_dlq: aws.sqs.Queue | None = None
    notify_queue_policy: aws.sqs.QueuePolicy | None = None
    notify_subscriptions: tuple[aws.sns.TopicSubscription, ...] = ()

    def __init__(
        self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Messaging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix = args.suffix

        self.scrape_queue, self.scrape_dlq = _work_queue(
            f"{name}-scrape",
            f"price-monitor-scrape-{suffix}",
            f"price-monitor-scrape-dlq-{suffix}",
            queue_visibility_timeout(
                args.scraper_timeout_seconds, args.scraper_batching_window_seconds
            ),
            child,
        )
        self.render_queue = self.render_dlq = None
        if args.renderer_timeout_seconds is not None:
            # The renderer's jobs wait, retry and dead-letter exactly as the scrape queue's;
            # only the visibility follows the renderer's own timeout.
            self.render_queue, self.render_dlq = _work_queue(
                f"{name}-render",
                f"price-monitor-render-{suffix}",
                f"price-monitor-render-dlq-{suffix}",
                queue_visibility_timeout(
                    args.renderer_timeout_seconds, args.renderer_batching_window_seconds
                ),
                child,
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
        if args.notifier_timeout_seconds is not None:
            self._notify_queue(name, args, args.notifier_timeout_seconds, child)

        self.register_outputs(
            {
                "scrape_queue_url": self.scrape_queue.url,
                "scrape_dlq_url": self.scrape_dlq.url,
                **(
                    {}
                    if self.render_queue is None or self.render_dlq is None
                    else {
                        "render_queue_url": self.render_queue.url,
                        "render_dlq_url": self.render_dlq.url,
                    }
                ),
                **(
                    {}
                    if self.notify_queue is None or self.notify_dlq is None
                    else {
                        "notify_queue_url": self.notify_queue.url,
                        "notify_dlq_url": self.notify_dlq.url,
                    }
                ),
                "schedule_dlq_url": self.schedule_dlq.url,
                "stream_failure_queue_url": self.stream_failure_queue.url,
                "alerts_topic_arn": self.alerts_topic.arn,
                "ops_topic_arn": self.ops_topic.arn,
            }
        )

    def _notify_queue(
        self, name: str, args: MessagingArgs, timeout_seconds: int, opts: pulumi.ResourceOptions
    ) -> None:
        """The notify queue, subscribed to the alerts topic (and the ops topic if a channel
        hears it) with raw delivery: the notifier reads the topics' messages as published."""
        self.notify_queue, self.notify_dlq = _work_queue(
            f"{name}-notify",
            f"price-monitor-notify-{args.suffix}",
            f"price-monitor-notify-dlq-{args.suffix}",
            queue_visibility_timeout(timeout_seconds, args.notifier_batching_window_seconds),
            opts,
        )
        topics = [("alerts", self.alerts_topic)]
        if args.notify_ops:
            topics.append(("ops", self.ops_topic))
        self.notify_queue_policy = aws.sqs.QueuePolicy(
            f"{name}-notify-policy",
            queue_url=self.notify_queue.url,
            policy=policies.topics_deliver_to_queue(
                queue_arn=self.notify_queue.arn, topic_arns=[topic.arn for _, topic in topics]
            ),
            opts=opts,
        )
        queue_arn = self.notify_queue.arn
        self.notify_subscriptions = tuple(
            aws.sns.TopicSubscription(
                f"{name}-{key}-notify",
                topic=topic.arn,
                protocol="sqs",
                endpoint=queue_arn,
                raw_message_delivery=True,
                # SNS delivers only once the queue's policy lets it.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.notify_queue_policy]),
            )
            for key, topic in topics
        )


def queue_visibility_timeout(function_timeout_seconds: int, batching_window_seconds: int) -> int:
    """Seconds a received job stays invisible: longer than any invocation holding it."""
    return VISIBILITY_TIMEOUT_FACTOR * function_timeout_seconds + batching_window_seconds


scrape_visibility_timeout = queue_visibility_timeout  # its name before the render queue


def _work_queue(
    resource_name: str,
    queue_name: str,
    dlq_name: str,
    visibility_timeout_seconds: int,
    opts: pulumi.ResourceOptions,
) -> tuple[aws.sqs.Queue, aws.sqs.Queue]:
    """A queue of jobs and its dead-letter queue, which only that queue may use."""
    dlq = _dead_letter_queue(f"{resource_name}-dlq", dlq_name, opts)
    queue = aws.sqs.Queue(
        resource_name,
        name=queue_name,
        visibility_timeout_seconds=visibility_timeout_seconds,
        message_retention_seconds=SCRAPE_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        redrive_policy=pulumi.Output.json_dumps(
            {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        ),
        opts=opts,
    )
    # A separate resource, because the DLQ cannot name its queue when it is created (the
    # queue needs the DLQ's ARN first).
    aws.sqs.RedriveAllowPolicy(
        f"{resource_name}-dlq-redrive-allow",
        queue_url=dlq.url,
        redrive_allow_policy=pulumi.Output.json_dumps(
            {"redrivePermission": "byQueue", "sourceQueueArns": [queue.arn]}
        ),
        opts=opts,
    )
    return queue, dlq


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
