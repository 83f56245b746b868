"""What arrives on the notify queue, and the jobs the notifier puts there for later.

Three senders share the queue:

- the price-alerts topic (raw delivery): the notification contract, read by
  `delivery.alert.parse_alert`;
- the ops topic, when a channel hears `ops`: CloudWatch's alarm notification
  (`delivery.alarm`);
- the notifier itself: a `DeliveryJob` (one channel's delivery of one message, deferred
  past quiet hours or retried after a transient failure) and a `DigestJob` (a channel's
  digest of what its daily cap held back). SQS delays a message by at most 15 minutes, so a
  job due later comes back early and is put back with the rest of its wait
  (`delay_until`); its `not_before` says when it is due.

A job carries the original body as it arrived, so what a channel is finally sent is read
from the same text as everything else. `read_message` raises `MalformedMessageError`
(naming what is wrong, never quoting the body) for a body none of them wrote: poison, to
be dead-lettered with that reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from delivery.alarm import OpsAlarm, is_alarm, parse_alarm
from delivery.alert import BODY_MAX_CHARS, Alert, parse_alert

SQS_MAX_DELAY_SECONDS = 900
_JOB = "job"
_DELIVER = "deliver"
_DIGEST = "digest"


class MalformedMessageError(ValueError):
    """A notify-queue body that is no alert, alarm or job: what is wrong with it."""


@dataclass(frozen=True)
class AlertArrived:
    alert: Alert
    body: str


@dataclass(frozen=True)
class AlarmArrived:
    alarm: OpsAlarm
    body: str


@dataclass(frozen=True)
class DeliveryJob:
    """Deliver `body` (an alert's or an alarm's, as it arrived) to `channel`, no earlier than
    `not_before`; `attempt` counts the sends tried so far, plus one."""

    channel: str
    body: str
    attempt: int = 1
    not_before: datetime | None = None

    def to_body(self) -> str:
        return json.dumps(
            {
                _JOB: _DELIVER,
                "channel": self.channel,
                "body": self.body,
                "attempt": self.attempt,
                "not_before": None if self.not_before is None else self.not_before.isoformat(),
            }
        )


@dataclass(frozen=True)
class DigestJob:
    """Send `channel` the digest its daily cap held back, due at `at`."""

    channel: str
    at: datetime
    attempt: int = 1

    def to_body(self) -> str:
        return json.dumps(
            {
                _JOB: _DIGEST,
                "channel": self.channel,
                "at": self.at.isoformat(),
                "attempt": self.attempt,
            }
        )


Arrived = AlertArrived | AlarmArrived
Incoming = AlertArrived | AlarmArrived | DeliveryJob | DigestJob


def read_message(body: str) -> Incoming:
    """The message in a notify-queue body; MalformedMessageError when it is none of ours."""
    document = _document(body)
    if isinstance(document, dict) and _JOB in document:
        return _job(document)
    return _arrived(body, document)


def read_arrived(body: str) -> Arrived:
    """An alert or alarm body (what a DeliveryJob carries); MalformedMessageError otherwise."""
    document = _document(body)
    if isinstance(document, dict) and _JOB in document:
        raise MalformedMessageError("a job's body is itself a job")
    return _arrived(body, document)


def delay_until(due: datetime, now: datetime) -> int:
    """Seconds to delay a message due at `due` (SQS allows at most 900: a longer wait is
    covered in steps)."""
    seconds = math.ceil((due - now).total_seconds())
    return max(0, min(SQS_MAX_DELAY_SECONDS, seconds))


def _document(body: str) -> Any:
    if len(body) > BODY_MAX_CHARS:
        raise MalformedMessageError(f"body longer than {BODY_MAX_CHARS} characters")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedMessageError("body is not JSON") from None


def _arrived(body: str, document: Any) -> Arrived:
    try:
        if is_alarm(document):
            return AlarmArrived(parse_alarm(document), body)
        return AlertArrived(parse_alert(body), body)
    except ValueError as error:  # MalformedAlertError, MalformedAlarmError: they name the field
        raise MalformedMessageError(str(error)) from None


def _job(document: dict[str, Any]) -> DeliveryJob | DigestJob:
    kind = document[_JOB]
    channel = document.get("channel")
    attempt = document.get("attempt", 1)
    if not isinstance(channel, str) or not channel:
        raise MalformedMessageError("job channel: missing or not a string")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise MalformedMessageError("job attempt: not a whole number, 1 or more")
    if kind == _DELIVER:
        body = document.get("body")
        if not isinstance(body, str):
            raise MalformedMessageError("job body: missing or not a string")
        read_arrived(body)  # a job whose body is poison is poison itself
        not_before = document.get("not_before")
        return DeliveryJob(
            channel,
            body,
            attempt,
            None if not_before is None else _instant("not_before", not_before),
        )
    if kind == _DIGEST:
        return DigestJob(channel, _instant("at", document.get("at")), attempt)
    raise MalformedMessageError("job: unknown kind")


def _instant(field: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise MalformedMessageError(f"job {field}: not a time")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedMessageError(f"job {field}: not an ISO 8601 time") from None
    if instant.tzinfo is None:
        raise MalformedMessageError(f"job {field}: a time without its zone")
    return instant
