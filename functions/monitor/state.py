"""Reading the batch's catalog items and recording what a scrape found, idempotently.

docs/architecture.md "Writes per scraped product" is the contract:

- one BatchGetItem for the batch (`read_products`);
- an observation is one TransactWriteItems: the catalog item's latest state, conditioned on
  `last_run_id <> :run_id`, plus the history row, conditioned on `attribute_not_exists`
  (`record_observation`);
- a permanent failure or a blocked page is one UpdateItem (`record_failure`) that leaves
  `last_price` and `last_availability` alone, so the detector always compares two
  successful observations.

Both writes set `last_run_id`, so a job delivered twice (SQS is at-least-once) changes
nothing the second time, even when the two deliveries run at the same moment: one write
wins the condition, the other is reported as already recorded. Both also require the item
to exist, so a product deleted from the catalog mid-run is not resurrected as a stub.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from monitor.timestamps import iso_millis

OK = "ok"
ERROR = "error"
BLOCKED = "blocked"

# DynamoDB takes at most 100 keys per BatchGetItem; a scraper batch is at most 10.
_BATCH_GET_LIMIT = 100
# UnprocessedKeys (throttling) are retried a few times with a short, growing pause.
_BATCH_GET_ATTEMPTS = 5
_BATCH_GET_PAUSE_SECONDS = 0.05
# last_error is for a person to read; a page's error text can be long.
_MAX_ERROR_CHARS = 500

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class StateWriteError(RuntimeError):
    """A write for `product_id` failed in a way a later retry may fix."""

    def __init__(self, product_id: str, message: str) -> None:
        super().__init__(f"{product_id}: {message}")
        self.product_id = product_id


@dataclass(frozen=True)
class Observation:
    """One successful reading of a product page in a run."""

    product_id: str
    retailer: str
    url: str
    run_id: str
    price: Decimal
    currency: str | None
    availability: str
    observed_at: datetime
    previous_price: Decimal | None = None
    source: str = ""
    confidence: float = 1.0
    ambiguous: bool = False

    @property
    def timestamp_ms(self) -> int:
        return int(self.observed_at.timestamp() * 1000)

    @property
    def scraped_at(self) -> str:
        return iso_millis(self.observed_at)


@dataclass(frozen=True)
class ProductsRead:
    """The catalog items found (by product_id), and the keys DynamoDB never processed."""

    items: Mapping[str, Mapping[str, Any]]
    unprocessed: frozenset[str]


def read_products(dynamodb: Any, table: str, product_ids: Iterable[str]) -> ProductsRead:
    """The catalog items of `product_ids` (missing ones are simply absent), strongly read."""
    wanted = list(dict.fromkeys(product_ids))
    items: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(wanted), _BATCH_GET_LIMIT):
        keys = [{"product_id": {"S": pid}} for pid in wanted[start : start + _BATCH_GET_LIMIT]]
        request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(_BATCH_GET_ATTEMPTS):
            response = dynamodb.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(table, []):
                item = _deserialize(raw)
                items[item["product_id"]] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            if attempt + 1 < _BATCH_GET_ATTEMPTS:
                time.sleep(_BATCH_GET_PAUSE_SECONDS * 2**attempt)
        unprocessed_keys = request.get(table, {}).get("Keys", []) if request else []
        if unprocessed_keys:
            return ProductsRead(
                items, frozenset(key["product_id"]["S"] for key in unprocessed_keys)
            )
    return ProductsRead(items, frozenset())


def record_observation(
    dynamodb: Any,
    *,
    products_table: str,
    prices_table: str,
    observation: Observation,
    history_retention_days: int,
) -> bool:
    """Write the latest state and the history row in one transaction.

    True when written; False when this run already recorded the product (a duplicate
    delivery) or the product left the catalog. StateWriteError for anything else.
    """
    values: dict[str, Any] = {
        ":price": observation.price,
        ":availability": observation.availability,
        ":checked": observation.scraped_at,
        ":run": observation.run_id,
        ":ok": OK,
        ":zero": 0,
    }
    assignments = [
        "last_price = :price",
        "last_availability = :availability",
        "last_checked_at = :checked",
        "last_run_id = :run",
        "last_status = :ok",
        "consecutive_failures = :zero",
    ]
    removals = ["last_error"]
    if observation.currency:
        assignments.append("last_currency = :currency")
        values[":currency"] = observation.currency
    else:
        removals.append("last_currency")  # an old currency must not label a new price
    expires = observation.observed_at + timedelta(days=history_retention_days)
    history: dict[str, Any] = {
        "product_id": observation.product_id,
        "timestamp": observation.timestamp_ms,
        "retailer": observation.retailer,
        "price": observation.price,
        "availability": observation.availability,
        "run_id": observation.run_id,
        "url": observation.url,
        "scraped_at": observation.scraped_at,
        "expires_at": int(expires.timestamp()),
    }
    if observation.currency:
        history["currency"] = observation.currency
    if observation.previous_price is not None:
        history["previous_price"] = observation.previous_price
    update = {
        "TableName": products_table,
        "Key": {"product_id": {"S": observation.product_id}},
        "UpdateExpression": f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
        "ConditionExpression": _SAME_RUN_CONDITION,
        "ExpressionAttributeValues": _serialize(values),
    }
    put = {
        "TableName": prices_table,
        "Item": _serialize(history),
        "ConditionExpression": "attribute_not_exists(product_id)",
    }
    try:
        dynamodb.transact_write_items(TransactItems=[{"Update": update}, {"Put": put}])
    except ClientError as error:
        if _cancelled_by_state_condition(error):
            return False
        raise StateWriteError(observation.product_id, _describe(error)) from error
    return True


def record_failure(
    dynamodb: Any,
    *,
    products_table: str,
    product_id: str,
    run_id: str,
    status: str,
    error: str,
    checked_at: datetime,
) -> int | None:
    """Record a failed check on the catalog item; the new `consecutive_failures`.

    None when this run already recorded the product or the product left the catalog.
    `last_price` and `last_availability` are left as they were.
    """
    if status not in (ERROR, BLOCKED):
        raise ValueError(f"a failure is recorded as {ERROR!r} or {BLOCKED!r}, not {status!r}")
    values = {
        ":status": status,
        ":error": error[:_MAX_ERROR_CHARS],
        ":checked": iso_millis(checked_at),
        ":run": run_id,
        ":zero": 0,
        ":one": 1,
    }
    try:
        response = dynamodb.update_item(
            TableName=products_table,
            Key={"product_id": {"S": product_id}},
            UpdateExpression=(
                "SET last_status = :status, last_error = :error, last_checked_at = :checked, "
                "last_run_id = :run, "
                "consecutive_failures = if_not_exists(consecutive_failures, :zero) + :one"
            ),
            ConditionExpression=_SAME_RUN_CONDITION,
            ExpressionAttributeValues=_serialize(values),
            ReturnValues="UPDATED_NEW",
        )
    except ClientError as failure:
        if _error_code(failure) == "ConditionalCheckFailedException":
            return None
        raise StateWriteError(product_id, _describe(failure)) from failure
    return int(response["Attributes"]["consecutive_failures"]["N"])


_SAME_RUN_CONDITION = (
    "attribute_exists(product_id) AND (attribute_not_exists(last_run_id) OR last_run_id <> :run)"
)


def _cancelled_by_state_condition(error: ClientError) -> bool:
    """Whether a cancelled transaction failed on the catalog item's condition (item first)."""
    if _error_code(error) != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or [{}]
    return reasons[0].get("Code") == "ConditionalCheckFailed"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()


def _serialize(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def _deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}
