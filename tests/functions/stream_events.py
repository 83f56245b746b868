"""Catalog item images and DynamoDB stream records shaped the way AWS delivers them.

Used by the detector tests (change rules, notifications, stream records, handler). Images
follow the DESIGN.md catalog contract; records follow the Lambda event for a DynamoDB
stream with view type NEW_AND_OLD_IMAGES.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

STREAM_ARN = (
    "arn:aws:dynamodb:eu-west-1:123456789012:table/products-test/stream/2024-05-01T00:00:00.000"
)
RUN_1 = "2024-05-01T00:00:00Z"
RUN_2 = "2024-05-01T06:00:00Z"
OBSERVED_2 = "2024-05-01T06:01:30.250Z"

_SERIALIZER = TypeSerializer()


def catalog_item(**fields: Any) -> dict[str, Any]:
    """A catalog item as imported (no observation yet), with `fields` added or replaced."""
    item: dict[str, Any] = {
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "url": "https://shop.example/kettle",
        "name": "Kettle 1.7 l",
        "active": True,
    }
    return _with(item, fields)


def observed(
    price: str,
    *,
    run_id: str = RUN_1,
    currency: str = "EUR",
    availability: str = "in_stock",
    checked_at: str = "2024-05-01T00:01:10.000Z",
    **fields: Any,
) -> dict[str, Any]:
    """The item after a successful observation at `price`, with `fields` added or replaced."""
    item = catalog_item(
        last_price=Decimal(price),
        last_currency=currency,
        last_availability=availability,
        last_checked_at=checked_at,
        last_run_id=run_id,
        last_status="ok",
        last_error=None,
        consecutive_failures=Decimal(0),
    )
    return _with(item, fields)


def observed_without_price(
    *, run_id: str = RUN_1, checked_at: str = "2024-05-01T00:01:10.000Z", **fields: Any
) -> dict[str, Any]:
    """The item after an out-of-stock observation whose page showed no price: no
    `last_price`, no `last_currency`, with `fields` added or replaced."""
    item = catalog_item(
        last_availability="out_of_stock",
        last_checked_at=checked_at,
        last_run_id=run_id,
        last_status="ok",
        consecutive_failures=Decimal(0),
    )
    return _with(item, fields)


def typed(image: dict[str, Any]) -> dict[str, Any]:
    """An image in DynamoDB's typed JSON, as stream records carry it."""
    return {name: _SERIALIZER.serialize(value) for name, value in image.items()}


def stream_record(
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    sequence_number: str = "111100000000000000000001",
    event_name: str = "MODIFY",
) -> dict[str, Any]:
    """One element of a DynamoDB stream event's `Records`, as Lambda delivers it."""
    image = new if new is not None else old
    assert image is not None, "a record needs at least one image"
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1714543290.0,
        "Keys": {"product_id": {"S": image["product_id"]}},
        "SequenceNumber": sequence_number,
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        change["OldImage"] = typed(old)
    if new is not None:
        change["NewImage"] = typed(new)
    return {
        "eventID": f"event-{sequence_number}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": change,
        "eventSourceARN": STREAM_ARN,
    }


def stream_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def _with(item: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    # A field given as None is removed: DynamoDB has no attribute rather than a null one.
    merged = {**item, **fields}
    return {name: value for name, value in merged.items() if value is not None}
