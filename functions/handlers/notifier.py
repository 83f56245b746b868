"""Notifier Lambda: notify queue -> the alert channels (Apprise), once per channel.

A thin adapter (docs/architecture.md "Notifier") over `delivery.notifier.Notifier`, which
decides what each message becomes on each channel. This module gives it its ports:

- channel URLs: the channel's `url`, or its secret's value read through Powertools
  (`monitor.secrets`, cached five minutes, never logged);
- sends: `delivery.send.deliver` (Apprise), and once per key through Powertools
  idempotency in the idempotency table (prefix `delivery`): the record is saved in progress
  before the send and completed after it; a send that fails leaves no record, so its retry
  sends again;
- the notify queue for its own later work (deferred and retried deliveries, digests) and
  the dead-letter queue for what it gives up on, the reason in the message's `reason`
  attribute (`pricemon dlq` shows it);
- each capped channel's state in the channel-state table (`monitor.channel_state`).

Failures are per record (Powertools' BatchProcessor, ReportBatchItemFailures): a body that
is no alert, alarm or job is dead-lettered at once with the reason and not retried; a
failure of the ports themselves (the table, the queue) fails the record, which SQS brings
back after its visibility timeout and, after maxReceiveCount receives, moves to the
dead-letter queue. One channel's failed delivery never fails the record.

Invoked directly with `{"action": "test_channel", "channel": "<name>"}` (`pricemon alerts
test`), it sends that channel a sample alert and answers the delivery's outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts import environment
from contracts.metric_names import CHANNEL_DEAD_LETTERS, CHANNEL_DELIVERIES, DELIVERY_LATENCY
from delivery.channels import Channel, parse_channels
from delivery.hygiene import ChannelState
from delivery.notifier import Action, ChannelOutcome, ChannelUrlError, Notifier
from delivery.queue_messages import MalformedMessageError, read_message
from delivery.send import DeliveryResult, Outcome, deliver
from delivery.templates import RenderedMessage
from monitor import aws
from monitor.channel_state import ChannelStateStore
from monitor.secrets import SecretTextError, secret_text
from monitor.telemetry import logger, metrics

TEST_CHANNEL_ACTION = "test_channel"
REASON_ATTRIBUTE = "reason"  # the dead-lettered job's reason, a message attribute
# Far beyond the longest a message or job lives (retries end within the hour, a deferral
# or digest within a day): no redelivery outlives the record that says "sent".
IDEMPOTENCY_EXPIRY_SECONDS = 7 * 24 * 3600
IDEMPOTENCY_KEY_PREFIX = "delivery"

_T = TypeVar("_T")


def current_time() -> datetime:
    return datetime.now(UTC)


class _NotDelivered(Exception):
    """Raised inside the idempotent send so Powertools keeps no record of a failed one."""

    def __init__(self, result: DeliveryResult) -> None:
        super().__init__(result.reason)
        self.result = result


@dataclass(frozen=True)
class _AwsPorts:
    """`delivery.notifier.NotifierPorts` on Apprise, SQS, DynamoDB and Secrets Manager."""

    queue_url: str
    dead_letter_url: str
    states: ChannelStateStore
    # send_recorded(delivery={"key": ...}, url=..., message=...) -> the send's reason, or
    # None when a delivery under that key was already made.
    send_recorded: Callable[..., str | None]

    def channel_url(self, channel: Channel) -> str:
        if channel.url is not None:
            return channel.url
        secret = channel.secret or ""
        try:
            value = secret_text(secret, "a URL")
        except SecretTextError as error:
            raise ChannelUrlError(
                f"channel {channel.name!r}: secret {secret!r} {error.problem}"
            ) from None
        return value.strip()

    def send(self, url: str, message: RenderedMessage) -> DeliveryResult:
        return deliver(url, message)

    def send_once(self, key: str, url: str, message: RenderedMessage) -> DeliveryResult | None:
        try:
            reason = self.send_recorded(delivery={"key": key}, url=url, message=message)
        except _NotDelivered as failure:
            return failure.result
        if reason is None:
            return None
        return DeliveryResult(Outcome.DELIVERED, reason)

    def schedule(self, body: str, delay_seconds: int) -> None:
        aws.sqs().send_message(
            QueueUrl=self.queue_url, MessageBody=body, DelaySeconds=delay_seconds
        )

    def dead_letter(self, body: str, reason: str) -> None:
        aws.sqs().send_message(
            QueueUrl=self.dead_letter_url,
            MessageBody=body,
            MessageAttributes={REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason}},
        )

    def read_state(self, channel: str) -> ChannelState:
        return self.states.read(channel)

    def update_state(
        self, channel: str, change: Callable[[ChannelState], tuple[_T, ChannelState]]
    ) -> _T:
        return self.states.update(channel, change)


@dataclass(frozen=True)
class _Runtime:
    notifier: Notifier
    idempotency: IdempotencyConfig


@cache
def _runtime() -> _Runtime:
    """Configuration and clients, once per container, on first use."""
    values = environment.load("notifier")
    channels = parse_channels(values[environment.ALERT_CHANNELS_JSON])
    idempotency = IdempotencyConfig(
        event_key_jmespath="key",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_EXPIRY_SECONDS,
        response_hook=_already_sent,
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=values[environment.IDEMPOTENCY_TABLE], boto3_client=aws.dynamodb()
    )
    send_recorded = idempotent_function(
        _send_recorded,
        data_keyword_argument="delivery",
        persistence_store=persistence,
        config=idempotency,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    ports = _AwsPorts(
        queue_url=values[environment.NOTIFY_QUEUE_URL],
        dead_letter_url=values[environment.NOTIFY_DLQ_URL],
        states=ChannelStateStore(aws.dynamodb(), values[environment.CHANNEL_STATE_TABLE]),
        send_recorded=send_recorded,
    )
    return _Runtime(Notifier(channels, ports), idempotency)


def reset() -> None:
    """Forget the container's configuration and clients (tests, between moto sessions)."""
    _runtime.cache_clear()


_processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    runtime = _runtime()
    if event.get("action") == TEST_CHANNEL_ACTION:
        return _test_channel(runtime, event)
    # Lets Powertools release the in-progress record of an invocation that timed out.
    runtime.idempotency.register_lambda_context(context)
    return dict(
        process_partial_response(
            event=event, record_handler=_handle_record, processor=_processor, context=context
        )
    )


def _handle_record(record: SQSRecord) -> None:
    runtime = _runtime()
    with logger.append_context_keys(message_id=record.message_id):
        try:
            message = read_message(record.body)
        except MalformedMessageError as error:
            logger.error(
                "not a message of the notify queue; dead-lettered", extra={"reason": str(error)}
            )
            runtime.notifier.ports.dead_letter(record.body, f"malformed: {error}")
            return
        for outcome in runtime.notifier.handle(message, current_time()):
            _record(outcome)


def _record(outcome: ChannelOutcome) -> None:
    fields = {
        "channel": outcome.channel,
        "action": str(outcome.action),
        "reason": outcome.reason,
        "attempt": outcome.attempt,
    }
    if outcome.action is Action.DELIVERED:
        metrics.add_metric(name=CHANNEL_DELIVERIES, unit=MetricUnit.Count, value=1)
        if outcome.latency_seconds is not None:
            fields["latency_seconds"] = round(outcome.latency_seconds, 3)
            metrics.add_metric(
                name=DELIVERY_LATENCY, unit=MetricUnit.Seconds, value=outcome.latency_seconds
            )
        logger.info("delivered to channel", extra=fields)
    elif outcome.action is Action.DEAD_LETTERED:
        metrics.add_metric(name=CHANNEL_DEAD_LETTERS, unit=MetricUnit.Count, value=1)
        logger.error("channel delivery given up; dead-lettered", extra=fields)
    elif outcome.action in (Action.RETRYING, Action.DROPPED):
        logger.warning("channel delivery not made", extra=fields)
    else:
        logger.info("channel delivery planned", extra=fields)


def _test_channel(runtime: _Runtime, event: dict[str, Any]) -> dict[str, Any]:
    name = event.get("channel")
    if not isinstance(name, str):
        return {"channel": None, "outcome": str(Outcome.PERMANENT), "reason": "no channel named"}
    result = runtime.notifier.test_channel(name, current_time())
    logger.info("test notification", extra={"channel": name, "outcome": str(result.outcome)})
    return {"channel": name, "outcome": str(result.outcome), "reason": result.reason}


def _send_recorded(*, delivery: dict[str, str], url: str, message: RenderedMessage) -> str:
    # Runs only when the idempotency table has no completed record of this key.
    result = deliver(url, message)
    if not result.delivered:
        raise _NotDelivered(result)
    return result.reason


def _already_sent(response: str, idempotent_data: DataRecord) -> None:
    # Powertools' response hook: returning None tells the caller nothing was sent now.
    logger.info(
        "already delivered; not repeated",
        extra={"idempotency_key": idempotent_data.idempotency_key},
    )
    return None
