"""Detector Lambda: products table stream -> change rules -> price-alerts topic, once per event.

A thin adapter (docs/architecture.md "Detector"): each stream record, as Powertools' batch
processor parsed it, is checked (`monitor.stream_records`), its images read as the item's
states and judged (`contracts.change_rules`, with the stack's opt-in rules and, when
`new_low` can fire, the product's recent low from the prices table: `monitor.recent_low`),
and every event it raises is published (`monitor.notifications`) at most once: the
notification id `product_id#run_id#kind` is guarded by Powertools idempotency in the
idempotency table, so a redelivered record, or a record the stream replays after a failure
later in its batch, publishes nothing twice.

Failures are per record: Powertools' BatchProcessor reports a failed record's
SequenceNumber in `batchItemFailures` (the event source mapping has ReportBatchItemFailures
and bisect on error), Lambda retries from that record, and after the mapping's retry limit
the record goes to the on-failure destination (`pricemon dlq redrive` replays it from the
stream). Only when every record of a batch fails does the invocation fail (Powertools'
default), which is what makes a systemic fault (the topic denied, the idempotency table
missing) show on the function's Errors alarm. A record without a SequenceNumber (not an
object, or no `dynamodb`) is logged as an error and left out of `batchItemFailures`: Lambda
takes an identifier it did not send as the failure of the whole batch, and such a record
holds nothing to retry.

Publishing once (docs/architecture.md "Detector", "The duplicate window"): Powertools saves
the idempotency record as in progress *before* Publish and completes it after. A detector
that dies between the two (a timeout, a crash) leaves the in-progress record, which
expires when the killed invocation's time would have run out; the retry after that
publishes again, with the same `dedup_key`, so a subscriber that honours the key sees the
alert once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts import environment
from contracts.change_rules import (
    EventKind,
    MalformedImageError,
    OptInRules,
    ProductState,
    Skip,
    detect_changes,
    new_low_window_days,
    skip_reason,
)
from contracts.environment import DetectionSettings
from contracts.metric_names import NOTIFICATIONS_PUBLISHED
from monitor import aws
from monitor.notifications import Notification, notification_for, publish
from monitor.recent_low import recent_low_price
from monitor.stream_records import StreamChange, sequence_number_of, stream_change
from monitor.telemetry import logger, metrics

# Far beyond the stream's 24 h retention and the mapping's maximum record age: no
# redelivery can outlive the record that says "already published".
IDEMPOTENCY_EXPIRY_SECONDS = 7 * 24 * 3600
# A fixed prefix instead of Powertools' default (function name + Python qualname), so a
# renamed function or module does not forget what was already published.
IDEMPOTENCY_KEY_PREFIX = "notification"


@dataclass(frozen=True)
class _Runtime:
    settings: DetectionSettings
    rules: OptInRules  # the stack's opt-in alert rules
    idempotency: IdempotencyConfig
    # publish_once(notification=..., topic_arn=...) -> message id, or None when the
    # notification had already been published.
    publish_once: Callable[..., str | None]


@cache
def _runtime() -> _Runtime:
    """Configuration and clients, once per container, on first use."""
    settings = DetectionSettings.from_environment(environment.load("detector"))
    idempotency = IdempotencyConfig(
        event_key_jmespath="id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_EXPIRY_SECONDS,
        response_hook=_already_published,
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=aws.dynamodb()
    )
    publish_once = idempotent_function(
        _publish,
        data_keyword_argument="notification",
        persistence_store=persistence,
        config=idempotency,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    rules = OptInRules(
        kinds=frozenset(EventKind(kind) for kind in settings.alert_kinds),
        increase_threshold_percent=settings.default_increase_threshold_percent,
        new_low_days=settings.default_new_low_days,
    )
    return _Runtime(settings, rules, idempotency, publish_once)


def reset() -> None:
    """Forget the container's configuration and clients (tests, between moto sessions)."""
    _runtime.cache_clear()


class StreamBatchProcessor(BatchProcessor):
    """Powertools' stream batch processor, reporting only the failures Lambda can identify."""

    def _collect_dynamodb_failures(self) -> list[dict[str, str]]:
        numbers = (
            sequence_number_of(record)
            for record in self.fail_messages
            if isinstance(record, DynamoDBRecord)  # all of them: the processor made them so
        )
        return [{"itemIdentifier": number} for number in numbers if number is not None]


_processor = StreamBatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    runtime = _runtime()
    # Lets Powertools release the in-progress record of an invocation that timed out, so
    # the retry is not refused as "already in progress" until the expiry.
    runtime.idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=_handle_record, processor=_processor, context=context
    )


def _handle_record(record: DynamoDBRecord) -> int:
    """Publishes the record's events; returns how many were published just now."""
    sequence_number = sequence_number_of(record)
    with logger.append_context_keys(sequence_number=sequence_number):
        try:
            return _detect_and_publish(stream_change(record))
        except Exception:
            # Logged here, with the record's identity; the batch processor reports it.
            if sequence_number is None:
                logger.exception("stream record without a SequenceNumber failed; not retried")
            else:
                logger.exception("stream record failed; reported as a batch item failure")
            raise


def _detect_and_publish(change: StreamChange) -> int:
    old, new = change.old_image, change.new_image
    if old is None or new is None:
        # INSERT (a catalog import) or REMOVE: no observation to compare. The mapping's
        # event filter keeps these away; one that gets through changes nothing.
        logger.info(
            "not an update of a catalog item; ignored", extra={"event": change.event_name.name}
        )
        return 0
    runtime = _runtime()
    # The log context comes from the image as it is: a state that breaks the data contract
    # is logged with its product and run.
    with logger.append_context_keys(
        product_id=change.keys.get("product_id"), run_id=new.get("last_run_id")
    ):
        before, after = ProductState.from_image(old), ProductState.from_image(new)
        skip = skip_reason(before, after)
        if skip is Skip.CURRENCY_CHANGED:
            logger.warning(
                "currency changed; prices not compared",
                extra={"old_currency": before.currency, "new_currency": after.currency},
            )
        elif skip is not None:
            logger.debug("no comparison", extra={"reason": str(skip)})
        published = 0
        threshold = runtime.settings.default_drop_threshold_percent
        events = detect_changes(
            before,
            after,
            threshold,
            rules=runtime.rules,
            recent_low=_recent_low(runtime, before, after),
        )
        for event in events:
            message_id = runtime.publish_once(
                notification=notification_for(event), topic_arn=runtime.settings.alerts_topic_arn
            )
            if message_id is not None:
                published += 1
        return published


def _recent_low(runtime: _Runtime, before: ProductState, after: ProductState) -> Decimal | None:
    """The low `new_low` compares with, looked up only when the rule can fire (the product
    has it on and its price fell): one Query of the prices table, no read otherwise."""
    days = new_low_window_days(before, after, runtime.rules)
    if days is None:
        return None
    return recent_low_price(
        aws.dynamodb(),
        runtime.settings.prices_table,
        after.product_id,
        observed_at=_observed_at(after),
        days=days,
        run_id=after.run_id,
        currency=after.currency,
    )


def _observed_at(state: ProductState) -> datetime:
    text = state.checked_at or ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedImageError(
            state.product_id, "last_checked_at", f"is not an ISO 8601 time: {text!r}"
        ) from None
    # The scraper writes UTC with a "Z"; a time without a zone is read as UTC too.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _publish(*, notification: Notification, topic_arn: str) -> str:
    # Runs only when the idempotency table has no completed record of this notification.
    message_id = publish(aws.sns(), topic_arn, notification)
    metrics.add_metric(name=NOTIFICATIONS_PUBLISHED, unit=MetricUnit.Count, value=1)
    logger.info(
        "notification published",
        extra={
            "notification_id": notification.id,
            "dedup_key": notification.dedup_key,
            "message_id": message_id,
        },
    )
    return message_id


def _already_published(response: str, idempotent_data: DataRecord) -> None:
    # Powertools' response hook: `response` is what `_publish` returned the first time (the
    # message id); returning None tells the caller nothing was published now.
    logger.info(
        "notification already published; not repeated",
        extra={"message_id": response, "idempotency_key": idempotent_data.idempotency_key},
    )
    return None
