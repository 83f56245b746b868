"""EventBridge Scheduler for the local stack: a schedule firing at its scheduled times.

The local scheduler fires rate() schedules only (`contracts.schedule` reads the
expression), on whole periods since 1970 as the Scheduler does, sending the schedule's
declared input with its scheduled time filled in to the target queue, with its retries and,
once they are spent, to its dead-letter queue.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from contracts.messages import SCHEDULED_TIME_PLACEHOLDER
from contracts.schedule import rate_period_seconds
from contracts.timestamps import iso_seconds
from local_stack.services.sqs_queue import Queue
from local_stack.stack import LocalSchedule, ProvisioningError

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient


class UnsupportedScheduleError(ProvisioningError):
    """A schedule expression the local scheduler cannot fire."""


def rate_seconds(expression: str) -> int:
    """The period of a rate() schedule; UnsupportedScheduleError for any other expression."""
    period = rate_period_seconds(expression)
    if period is None:
        raise UnsupportedScheduleError(
            f"the local stack fires rate() schedules only, got {expression!r}"
        )
    return period


def fire_times(expression: str, after: datetime) -> Iterator[datetime]:
    """The scheduled times of a rate() schedule after `after`, on whole periods since 1970."""
    period = rate_seconds(expression)
    first = int(after.timestamp()) // period + 1
    return (datetime.fromtimestamp(step * period, UTC) for step in itertools.count(first))


def scheduled_input(template: str, scheduled: datetime) -> str:
    """The schedule's input with the scheduled-time placeholder filled in, as the Scheduler does."""
    return template.replace(SCHEDULED_TIME_PLACEHOLDER, iso_seconds(scheduled))


@dataclass(frozen=True)
class Fire:
    """What one schedule fire did."""

    scheduled: datetime
    body: str
    message_id: str | None  # on the target queue; None when it went to the DLQ
    error: str | None = None


@dataclass
class Scheduler:
    """EventBridge Scheduler for the local stack's schedules (SQS targets)."""

    sqs: SQSClient
    fires: list[Fire] = field(default_factory=list)

    def fire(self, schedule: LocalSchedule, scheduled: datetime) -> Fire:
        """Send the schedule's input for `scheduled`; after its retries, to its DLQ."""
        body = scheduled_input(schedule.input, scheduled)
        error = ""
        for _ in range(1 + max(schedule.retry_attempts, 0)):
            try:
                message_id = self.sqs.send_message(
                    QueueUrl=schedule.target_queue_url, MessageBody=body
                )["MessageId"]
            except (ClientError, BotoCoreError) as failure:
                error = str(failure)
                continue
            result = Fire(scheduled, body, message_id)
            self.fires.append(result)
            return result
        if schedule.dead_letter_queue_url is not None:
            Queue(self.sqs, schedule.dead_letter_queue_url).send(
                body,
                {
                    "ERROR_CODE": "SQS.SendMessage",
                    "ERROR_MESSAGE": error,
                    "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
                    "RETRY_ATTEMPTS": str(schedule.retry_attempts),
                },
            )
        result = Fire(scheduled, body, None, error)
        self.fires.append(result)
        return result
