"""DynamoDB stream records, as Powertools hands them to the detector, checked for what their
event must carry; and records read back from a stream, shaped as Lambda delivers them.

A record (one element of the event's `Records`) looks like:

    {"eventID": "...", "eventName": "MODIFY", "eventSource": "aws:dynamodb", ...,
     "dynamodb": {"Keys": {...}, "OldImage": {...}, "NewImage": {...},
                  "SequenceNumber": "...", "StreamViewType": "NEW_AND_OLD_IMAGES", ...}}

Powertools' batch processor wraps each one as a `DynamoDBRecord`, whose images come out of
DynamoDB's typed JSON (`{"S": "..."}`, `{"N": "19.99"}`) as `str`, `Decimal`, `bool`,
`dict`, ... It checks nothing, so `stream_change` does: which images a record must carry
follows from its event (INSERT a new image, MODIFY both, REMOVE the old one: the products
table's stream view is NEW_AND_OLD_IMAGES). A record that breaks this, or holds a value that
does not parse or a number that is not finite, is a `StreamRecordError`: no retry makes it
valid, so the handler reports it as a failed batch item and, after the stream's retries,
it rests on the on-failure destination for a person to read.

`lambda_record` is for the tools that replay a stream's records to the detector
(`pricemon dlq redrive`, the local stack's event source mapping).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, DecimalException
from operator import attrgetter
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
    StreamRecord,
)

# Which images each event must carry: (old, new).
_IMAGES_BY_EVENT = {
    DynamoDBRecordEventName.INSERT: (False, True),
    DynamoDBRecordEventName.MODIFY: (True, True),
    DynamoDBRecordEventName.REMOVE: (True, False),
}
# The StreamRecord property that deserializes each part (and caches it on that object).
_DESERIALIZED: Mapping[str, Callable[[StreamRecord], dict[str, Any]]] = {
    "Keys": attrgetter("keys"),
    "OldImage": attrgetter("old_image"),
    "NewImage": attrgetter("new_image"),
}


class StreamRecordError(ValueError):
    """A stream record without what its event must carry, or with values that do not parse."""

    def __init__(self, sequence_number: str | None, event_id: str | None, reason: str) -> None:
        super().__init__(f"stream record {sequence_number} (event {event_id}): {reason}")
        self.sequence_number = sequence_number
        self.event_id = event_id
        self.reason = reason


@dataclass(frozen=True)
class StreamChange:
    """One write to a table: its keys and the item before and after, as plain values."""

    event_id: str
    event_name: DynamoDBRecordEventName
    sequence_number: str
    keys: dict[str, Any]
    old_image: dict[str, Any] | None  # None for INSERT
    new_image: dict[str, Any] | None  # None for REMOVE


def sequence_number_of(record: DynamoDBRecord) -> str | None:
    """The record's SequenceNumber, or None when it has none: then Lambda cannot be told that
    this record failed (a partial batch response names records by it)."""
    stream = _stream_record(record)
    number = stream.sequence_number if stream is not None else None
    return number if isinstance(number, str) and number else None


def stream_change(record: DynamoDBRecord) -> StreamChange:
    """The change a stream record describes; StreamRecordError says what is wrong with it."""
    if not isinstance(record.raw_event, Mapping):
        raise StreamRecordError(None, None, "not a JSON object")
    event_id = record.event_id
    stream = _stream_record(record)
    if stream is None:
        raise StreamRecordError(None, _text_or_none(event_id), "no 'dynamodb' object")
    sequence_number = sequence_number_of(record)
    if sequence_number is None:
        raise StreamRecordError(None, _text_or_none(event_id), "no SequenceNumber")

    def fail(reason: str) -> StreamRecordError:
        return StreamRecordError(sequence_number, _text_or_none(event_id), reason)

    if not isinstance(event_id, str) or not event_id:
        raise fail("no eventID")
    try:
        event_name = record.event_name
    except (KeyError, TypeError):  # a name Powertools' enum does not know
        event_name = None
    if event_name is None:
        raise fail(f"unknown eventName {record.get('eventName')!r}")
    keys = _image(stream, "Keys", fail)
    if not keys:
        raise fail("no Keys")
    needs_old, needs_new = _IMAGES_BY_EVENT[event_name]
    old_image = _image(stream, "OldImage", fail) if needs_old else None
    new_image = _image(stream, "NewImage", fail) if needs_new else None
    return StreamChange(event_id, event_name, sequence_number, keys, old_image, new_image)


def _stream_record(record: DynamoDBRecord) -> StreamRecord | None:
    """The record's `dynamodb` part, when the record and it are both objects."""
    if not isinstance(record.raw_event, Mapping):
        return None
    stream = record.dynamodb
    return stream if stream is not None and isinstance(stream.raw_event, Mapping) else None


def _image(
    stream: StreamRecord, field: str, fail: Callable[[str], StreamRecordError]
) -> dict[str, Any]:
    # Powertools reads an absent part as {}: what the event needs must be there.
    if not isinstance(stream.get(field), Mapping):
        raise fail(f"no {field} (stream view {stream.get('StreamViewType')})")
    try:
        image = _DESERIALIZED[field](stream)
    except (TypeError, ValueError, AttributeError, IndexError, DecimalException) as error:
        raise fail(f"{field} does not parse: {error!r}") from None
    for name, value in image.items():
        if not _all_numbers_finite(value):
            raise fail(f"{field}.{name} holds a number that is not finite")
    return image


def _all_numbers_finite(value: Any) -> bool:
    # A number spelt "NaN" or "Infinity" deserializes without a word.
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, Mapping):
        return all(_all_numbers_finite(item) for item in value.values())
    if isinstance(value, list | set | frozenset):
        return all(_all_numbers_finite(item) for item in value)
    return True


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record read with DynamoDB Streams' GetRecords, as Lambda puts it in a stream event.

    GetRecords (through boto3) gives `ApproximateCreationDateTime` as a datetime and binary
    values as bytes, where Lambda's event has epoch seconds and base64 text (JSON), and no
    `eventSourceARN`; the region is the stream's.
    """
    change = {name: _as_json(value) for name, value in record["dynamodb"].items()}
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


def _as_json(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {name: _as_json(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value
