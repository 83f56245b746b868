"""DynamoDB stream records, as Lambda delivers them, turned into plain Python images.

A record (one element of the event's `Records`) looks like:

    {"eventID": "...", "eventName": "MODIFY", "eventSource": "aws:dynamodb", ...,
     "dynamodb": {"Keys": {...}, "OldImage": {...}, "NewImage": {...},
                  "SequenceNumber": "...", "StreamViewType": "NEW_AND_OLD_IMAGES", ...}}

Images are in DynamoDB's typed JSON (`{"S": "..."}`, `{"N": "19.99"}`) and come out as
`str`, `Decimal`, `bool`, `dict`, ... through boto3's TypeDeserializer. Which images a
record must carry follows from its event: INSERT a new image, MODIFY both, REMOVE the old
one (the products table's stream view is NEW_AND_OLD_IMAGES). A record that breaks this,
or holds a number that is not a finite number, is a `StreamRecordError`: no retry makes it
valid, so the handler reports it as a failed batch item and, after the stream's retries,
it rests on the on-failure destination for a person to read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, DecimalException
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

INSERT = "INSERT"
MODIFY = "MODIFY"
REMOVE = "REMOVE"

# Which images each event must carry: (old, new).
_IMAGES_BY_EVENT = {INSERT: (False, True), MODIFY: (True, True), REMOVE: (True, False)}

_DESERIALIZER = TypeDeserializer()


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
    event_name: str
    sequence_number: str
    keys: dict[str, Any]
    old_image: dict[str, Any] | None  # None for INSERT
    new_image: dict[str, Any] | None  # None for REMOVE


def sequence_number_of(record: Any) -> str | None:
    """The record's SequenceNumber, or None when it has none: then Lambda cannot be told that
    this record failed (a partial batch response names records by it)."""
    change = record.get("dynamodb") if isinstance(record, Mapping) else None
    number = change.get("SequenceNumber") if isinstance(change, Mapping) else None
    return number if isinstance(number, str) and number else None


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


def parse_record(record: Mapping[str, Any]) -> StreamChange:
    """The change a stream record describes; StreamRecordError says what is wrong with it."""
    if not isinstance(record, Mapping):
        raise StreamRecordError(None, None, "not a JSON object")
    change, event_id = record.get("dynamodb"), record.get("eventID")
    if not isinstance(change, Mapping):
        raise StreamRecordError(None, _text_or_none(event_id), "no 'dynamodb' object")
    sequence_number = change.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number:
        raise StreamRecordError(None, _text_or_none(event_id), "no SequenceNumber")

    def fail(reason: str) -> StreamRecordError:
        return StreamRecordError(sequence_number, _text_or_none(event_id), reason)

    if not isinstance(event_id, str) or not event_id:
        raise fail("no eventID")
    event_name = record.get("eventName")
    if event_name not in _IMAGES_BY_EVENT:
        raise fail(f"unknown eventName {event_name!r}")
    keys = _image(change, "Keys", fail)
    if not keys:
        raise fail("no Keys")
    needs_old, needs_new = _IMAGES_BY_EVENT[event_name]
    old_image = _image(change, "OldImage", fail) if needs_old else None
    new_image = _image(change, "NewImage", fail) if needs_new else None
    return StreamChange(event_id, event_name, sequence_number, keys, old_image, new_image)


def _image(
    change: Mapping[str, Any], field: str, fail: Callable[[str], StreamRecordError]
) -> dict[str, Any]:
    typed = change.get(field)
    if not isinstance(typed, Mapping):
        view = change.get("StreamViewType")
        raise fail(f"no {field} (stream view {view})")
    try:
        image = {name: _DESERIALIZER.deserialize(value) for name, value in typed.items()}
    except (TypeError, ValueError, AttributeError, DecimalException) as error:
        raise fail(f"{field} does not parse: {error!r}") from None
    for name, value in image.items():
        if not _all_numbers_finite(value):
            raise fail(f"{field}.{name} holds a number that is not finite")
    return image


def _all_numbers_finite(value: Any) -> bool:
    # The deserializer turns a malformed number ("abc") into Decimal('NaN') without a word.
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, Mapping):
        return all(_all_numbers_finite(item) for item in value.values())
    if isinstance(value, list | set | frozenset):
        return all(_all_numbers_finite(item) for item in value)
    return True


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
