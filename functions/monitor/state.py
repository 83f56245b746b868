"""Reading the batch's catalog items and recording what a scrape found, idempotently.

docs/architecture.md "Writes per scraped product" is the contract:

- one BatchGetItem for the batch (`read_products`);
- the batch's observations: one BatchWriteItem of their history rows, then per product one
  UpdateItem of the catalog item's latest state, conditioned on `last_run_id <> :run_id`
  (`record_observations`; standard writes cost half a transaction's write units);
- a permanent failure or a blocked page is one UpdateItem (`record_failure`) that leaves
  `last_price` and `last_availability` alone, so the detector always compares two
  successful observations.

Both latest-state writes set `last_run_id`, so a job delivered twice (SQS is at-least-once)
changes nothing the second time, even when the two deliveries run at the same moment: one
write wins the condition, the other is reported as already recorded and its history row
is deleted again. Both also require the item to exist, so a product deleted from the
catalog mid-run is not resurrected as a stub.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from monitor.batch_calls import until_processed
from monitor.telemetry import logger
from monitor.timestamps import iso_millis

OK = "ok"
ERROR = "error"
BLOCKED = "blocked"

# DynamoDB takes at most 100 keys per BatchGetItem and 25 items per BatchWriteItem.
_BATCH_GET_LIMIT = 100
_BATCH_WRITE_LIMIT = 25
# Unprocessed keys/items (throttling) are retried a few times with a short, growing pause.
_BATCH_ATTEMPTS = 5
_BATCH_PAUSE_SECONDS = 0.05
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
    unprocessed: set[str] = set()
    for start in range(0, len(wanted), _BATCH_GET_LIMIT):
        keys = [{"product_id": {"S": pid}} for pid in wanted[start : start + _BATCH_GET_LIMIT]]
        leftover: Mapping[str, Any] = {}
        for response in _until_processed(
            lambda pending: dynamodb.batch_get_item(RequestItems=pending),
            {table: {"Keys": keys, "ConsistentRead": True}},
            "UnprocessedKeys",
        ):
            for raw in response.get("Responses", {}).get(table, []):
                item = _deserialize(raw)
                items[item["product_id"]] = item
            leftover = response.get("UnprocessedKeys") or {}
        unprocessed.update(
            key["product_id"]["S"] for key in leftover.get(table, {}).get("Keys", [])
        )
    return ProductsRead(items, frozenset(unprocessed))


@dataclass(frozen=True)
class ObservationsRecorded:
    """What became of a batch's observations."""

    recorded: list[Observation]  # history row and latest state written
    duplicates: list[Observation]  # already recorded in this run, or left the catalog
    failed: list[tuple[Observation, StateWriteError]]  # to retry later


def record_observations(
    dynamodb: Any,
    *,
    products_table: str,
    prices_table: str,
    observations: Sequence[Observation],
    history_retention_days: int,
) -> ObservationsRecorded:
    """Write the batch's history rows, then each product's latest state.

    History first, with BatchWriteItem (one call for a batch of up to 25): a crash before
    the latest state is written leaves a history row whose product still waits for this
    run, so the redelivered job observes it again (two genuine readings in history, one
    latest state, one stream record: no duplicate notification), and nothing is lost.
    Then one conditional UpdateItem per product; when it finds that this run already
    recorded the product (a concurrent duplicate) or that the product left the catalog,
    the row just written is deleted again.
    """
    failed: list[tuple[Observation, StateWriteError]] = []
    rows = [_history_row(observation, history_retention_days) for observation in observations]
    try:
        unwritten = _put_rows(dynamodb, prices_table, rows)
    except (ClientError, BotoCoreError) as error:
        problem = _describe(error)
        return ObservationsRecorded(
            [], [], [(o, StateWriteError(o.product_id, problem)) for o in observations]
        )
    recorded: list[Observation] = []
    duplicates: list[Observation] = []
    for observation in observations:
        if (observation.product_id, observation.timestamp_ms) in unwritten:
            error = StateWriteError(observation.product_id, "history write throttled")
            failed.append((observation, error))
            continue
        try:
            written = _record_latest(dynamodb, products_table, observation)
        except StateWriteError as error:
            failed.append((observation, error))
            _forget(dynamodb, prices_table, observation)
            continue
        if written:
            recorded.append(observation)
        else:
            duplicates.append(observation)
            _forget(dynamodb, prices_table, observation)
    return ObservationsRecorded(recorded, duplicates, failed)


def _history_row(observation: Observation, retention_days: int) -> dict[str, Any]:
    expires = observation.observed_at + timedelta(days=retention_days)
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
    return history


def _until_processed(
    send: Callable[[dict[str, Any]], Mapping[str, Any]], request: dict[str, Any], key: str
) -> Iterator[Mapping[str, Any]]:
    return until_processed(
        send,
        request,
        key,
        attempts=_BATCH_ATTEMPTS,
        pause=lambda attempt: _BATCH_PAUSE_SECONDS * 2 ** (attempt - 1),
        sleep=time.sleep,
    )


def _put_rows(dynamodb: Any, table: str, rows: Sequence[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """BatchWriteItem the rows; the keys (product_id, timestamp) of rows left unprocessed."""
    unwritten: set[tuple[str, int]] = set()
    for start in range(0, len(rows), _BATCH_WRITE_LIMIT):
        chunk = rows[start : start + _BATCH_WRITE_LIMIT]
        request = {table: [{"PutRequest": {"Item": _serialize(row)}} for row in chunk]}
        leftover: Mapping[str, Any] = {}
        for response in _until_processed(
            lambda pending: dynamodb.batch_write_item(RequestItems=pending),
            request,
            "UnprocessedItems",
        ):
            leftover = response.get("UnprocessedItems") or {}
        for entry in leftover.get(table, []):
            item = entry["PutRequest"]["Item"]
            unwritten.add((item["product_id"]["S"], int(item["timestamp"]["N"])))
    return unwritten


def _record_latest(dynamodb: Any, products_table: str, observation: Observation) -> bool:
    """The catalog item's latest state; False when this run already recorded it or it left."""
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
    try:
        dynamodb.update_item(
            TableName=products_table,
            Key={"product_id": {"S": observation.product_id}},
            UpdateExpression=f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
            ConditionExpression=_SAME_RUN_CONDITION,
            ExpressionAttributeValues=_serialize(values),
        )
    except (ClientError, BotoCoreError) as error:
        if _error_code(error) == "ConditionalCheckFailedException":
            return False
        raise StateWriteError(observation.product_id, _describe(error)) from error
    return True


def _forget(dynamodb: Any, prices_table: str, observation: Observation) -> None:
    """Delete a history row whose latest state was not written (best effort: see above)."""
    try:
        dynamodb.delete_item(
            TableName=prices_table,
            Key={
                "product_id": {"S": observation.product_id},
                "timestamp": {"N": str(observation.timestamp_ms)},
            },
        )
    except (ClientError, BotoCoreError):
        logger.warning(
            "could not delete an unconfirmed history row; it stays as a second reading",
            extra={"product_id": observation.product_id, "run_id": observation.run_id},
        )


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


def _error_code(error: ClientError | BotoCoreError) -> str:
    if not isinstance(error, ClientError):
        return ""
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: ClientError | BotoCoreError) -> str:
    if not isinstance(error, ClientError):
        return str(error)
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()


def _serialize(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def _deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}
