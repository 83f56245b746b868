"""Reading the batch's catalog items and recording what a scrape found: never lost, never
twice, and latest state only moving forward.

docs/architecture.md "Writes per scraped product" is the contract. Per batch:

1. One BatchGetItem (`read_products`).
2. Per observed product, one conditional UpdateItem of its latest state
   (`record_latest_states`), conditioned on the item existing and on `last_run_id < :run`.
   Run ids are scheduled times in one fixed-width UTC format (`contracts.messages`), so the
   string comparison is a time comparison: the condition is at once the dedupe point (the
   same run twice) and the guard that keeps state from moving back (an older run after a
   newer one). When it fails, `ReturnValuesOnConditionCheckFailure=ALL_OLD` tells why, in the
   same call: no item (the product left the catalog: nothing written), the same run (a
   redelivery or a concurrent duplicate), or a newer run (a late observation).
3. The archive object (`monitor.archive`), then one BatchWriteItem of the history rows
   (`write_history`), both idempotent: a history row's key is (product_id, timestamp), and
   each archive line carries that key as `observation_id`.

Why state first: the conditional write is the one place where two deliveries of a job are
told apart, so everything after it can be done again safely. The UpdateItem also stores
the observation itself on the item (`last_observation`: what its history row and archive
line hold), so a job that finds its run already recorded as `ok` rebuilds that observation
exactly (`recorded_observation`) and writes its history row and archive line again. That
is how a crash anywhere after the state write heals: the redelivered job repeats steps 3,
and an archive line may then appear twice, identical, with the same `observation_id`
(at least once; Athena dedupes on it). Archive before history: a late observation has no
state to heal from, so its line must not be missing once its row exists.

An observation may have no price (DESIGN): an out-of-stock page that shows none. Its state
write sets `last_availability` to `out_of_stock` and removes `last_price` and
`last_currency`, since the item's latest state is this observation's; its history row and
`last_observation` have no `price`, and the next observation's `previous_price` is none.

A late observation (an older run's, arriving after a newer run recorded the product) goes
to history and the archive with `late: true` and leaves latest state alone, so the
detector, which reads the products table's stream, never notifies it. Its redelivery
finds its row in history (`late_history_observation`) instead of fetching again.

A permanent failure or a blocked page is one UpdateItem (`record_failure`) under the same
condition, that leaves `last_price`, `last_availability` and `last_observation` alone, so
the detector always compares two successful observations and an older run's failure never
overwrites a newer run's state.

One more window: an observation recorded on its message's last receive whose job then
crashes goes to the DLQ with no redelivery to heal it. Such an observation is stored with
`final_receive: true`; the product's next state write (the next run, or a redriven job)
returns the old item (`ReturnValues=ALL_OLD`, no extra call) and writes it again.

Standard writes, not a transaction per product: a transaction costs twice the write units
(bench/README.md), and this order gives the guarantees that matter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from contracts.batch_calls import until_processed
from contracts.catalog import Availability, ScrapeStatus
from contracts.messages import run_time
from contracts.tables import HISTORY_EXPIRES_AT, PRODUCT_ID, TIMESTAMP
from contracts.timestamps import iso_millis

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# The item attribute holding the last successful observation as recorded.
LAST_OBSERVATION = "last_observation"

# DynamoDB takes at most 100 keys per BatchGetItem and 25 items per BatchWriteItem.
_BATCH_GET_LIMIT = 100
_BATCH_WRITE_LIMIT = 25
# Unprocessed keys/items (throttling) are retried a few times with a short, growing pause.
_BATCH_ATTEMPTS = 5
_BATCH_PAUSE_SECONDS = 0.05
# last_error is for a person to read; a page's error text can be long.
_MAX_ERROR_CHARS = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class StateWriteError(RuntimeError):
    """A write for `product_id` failed in a way a later retry may fix."""

    def __init__(self, product_id: str, message: str) -> None:
        super().__init__(f"{product_id}: {message}")
        self.product_id = product_id


@dataclass(frozen=True)
class Observation:
    """One successful reading of a product page in a run (`price` None: an out-of-stock
    page that shows no price)."""

    product_id: str
    retailer: str
    url: str
    run_id: str
    price: Decimal | None
    currency: str | None
    availability: Availability
    observed_at: datetime
    previous_price: Decimal | None = None
    source: str = ""
    confidence: float = 1.0
    ambiguous: bool = False
    late: bool = False  # an older run's reading, after a newer run recorded the product
    final_receive: bool = False  # read on its message's last receive (see the docstring)

    @property
    def timestamp_ms(self) -> int:
        return (self.observed_at - _EPOCH) // _MILLISECOND

    @property
    def scraped_at(self) -> str:
        return iso_millis(self.observed_at)

    @property
    def observation_id(self) -> str:
        """The history row's key, `<product_id>#<timestamp>`: one id per reading."""
        return f"{self.product_id}#{self.timestamp_ms}"


class Recorded(Enum):
    """What recording an observation or a failure found."""

    NEW = "new"  # latest state written by this delivery
    LATE = "late"  # a newer run recorded the product: history and archive only
    AGAIN = "again"  # this run had recorded it: its history row and archive line again
    DUPLICATE = "duplicate"  # this run recorded another outcome (a failure): nothing written
    GONE = "gone"  # the product left the catalog: nothing written
    FAILED = "failed"  # the state write failed: nothing written, retry


@dataclass(frozen=True)
class StateOutcome:
    """One observation after its state write: as recorded, what became of it and why.

    `observation` is the one to write to history and the archive (for AGAIN, the one this
    run recorded first, rebuilt from the item; for LATE, marked late). `healed` is an
    earlier run's final-receive observation the write found on the item (see the module
    docstring), to write again too.
    """

    observation: Observation
    recorded: Recorded
    error: StateWriteError | None = None
    healed: Observation | None = None

    @property
    def to_archive(self) -> bool:
        return self.recorded in (Recorded.NEW, Recorded.LATE, Recorded.AGAIN)


@dataclass(frozen=True)
class ProductsRead:
    """The catalog items found (by product_id), and the keys DynamoDB never processed."""

    items: Mapping[str, Mapping[str, Any]]
    unprocessed: frozenset[str]


def read_products(dynamodb: DynamoDBClient, table: str, product_ids: Iterable[str]) -> ProductsRead:
    """The catalog items of `product_ids` (missing ones are simply absent), strongly read."""
    wanted = list(dict.fromkeys(product_ids))
    items: dict[str, Mapping[str, Any]] = {}
    unprocessed: set[str] = set()
    for start in range(0, len(wanted), _BATCH_GET_LIMIT):
        keys = [{PRODUCT_ID: {"S": pid}} for pid in wanted[start : start + _BATCH_GET_LIMIT]]
        leftover: Mapping[str, Any] = {}
        for response in _until_processed(
            lambda pending: dynamodb.batch_get_item(RequestItems=pending),
            {table: {"Keys": keys, "ConsistentRead": True}},
            "UnprocessedKeys",
        ):
            for raw in response.get("Responses", {}).get(table, []):
                item = _deserialize(raw)
                items[item[PRODUCT_ID]] = item
            leftover = response.get("UnprocessedKeys") or {}
        unprocessed.update(key[PRODUCT_ID]["S"] for key in leftover.get(table, {}).get("Keys", []))
    return ProductsRead(items, frozenset(unprocessed))


def is_newer_run(recorded_run_id: str | None, run_id: str) -> bool:
    """Whether an item whose `last_run_id` is `recorded_run_id` moved past run `run_id`."""
    return recorded_run_id is not None and recorded_run_id > run_id


def recorded_observation(item: Mapping[str, Any], run_id: str) -> Observation | None:
    """The observation run `run_id` recorded on the catalog item, rebuilt; None when this run
    recorded no observation there (none yet, a failure, or a newer run since)."""
    record = item.get(LAST_OBSERVATION)
    if item.get("last_status") != ScrapeStatus.OK or item.get("last_run_id") != run_id:
        return None
    if not isinstance(record, Mapping) or record.get("run_id") != run_id:
        return None  # written before observations were kept on the item
    return _from_record(item[PRODUCT_ID], record)


def _final_receive_observation(item: Mapping[str, Any] | None) -> Observation | None:
    """An earlier observation the item still holds that was read on a last receive."""
    if item is None or item.get("last_status") != ScrapeStatus.OK:
        return None
    record = item.get(LAST_OBSERVATION)
    if not isinstance(record, Mapping) or not record.get("final_receive"):
        return None
    if record.get("run_id") != item.get("last_run_id"):
        return None
    return _from_record(item[PRODUCT_ID], record)


def late_history_observation(
    dynamodb: DynamoDBClient, prices_table: str, product_id: str, run_id: str
) -> Observation | None:
    """The history row run `run_id` wrote for the product, rebuilt; None if there is none.

    For a job found late at read time: a row means an earlier delivery recorded it. Rows
    are searched from the run's scheduled time on (no reading of a run is older).
    """
    start = (run_time(run_id) - _EPOCH) // _MILLISECOND
    request: dict[str, Any] = {
        "TableName": prices_table,
        "KeyConditionExpression": f"{PRODUCT_ID} = :product AND #{TIMESTAMP} >= :start",
        "FilterExpression": "run_id = :run",
        "ExpressionAttributeNames": {f"#{TIMESTAMP}": TIMESTAMP},
        "ExpressionAttributeValues": _serialize(
            {":product": product_id, ":start": start, ":run": run_id}
        ),
        "ConsistentRead": True,
    }
    while True:
        response = dynamodb.query(**request)
        for raw in response.get("Items", []):
            row = _deserialize(raw)
            return _from_record(product_id, row)
        if not response.get("LastEvaluatedKey"):
            return None
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def record_latest_states(
    dynamodb: DynamoDBClient, products_table: str, observations: Sequence[Observation]
) -> list[StateOutcome]:
    """Each observation's conditional latest-state write (late ones are not written)."""
    outcomes = []
    for observation in observations:
        if observation.late:
            outcomes.append(StateOutcome(observation, Recorded.LATE))
            continue
        try:
            outcomes.append(_record_latest(dynamodb, products_table, observation))
        except StateWriteError as error:
            outcomes.append(StateOutcome(observation, Recorded.FAILED, error))
    return outcomes


def _record_latest(
    dynamodb: DynamoDBClient, products_table: str, observation: Observation
) -> StateOutcome:
    values: dict[str, Any] = {
        ":availability": observation.availability,
        ":checked": observation.scraped_at,
        ":run": observation.run_id,
        ":ok": ScrapeStatus.OK,
        ":zero": 0,
        ":observation": _record(observation) | _final_receive_mark(observation),
    }
    assignments = [
        "last_availability = :availability",
        "last_checked_at = :checked",
        "last_run_id = :run",
        "last_status = :ok",
        "consecutive_failures = :zero",
        f"{LAST_OBSERVATION} = :observation",
    ]
    removals = ["last_error"]
    if observation.price is not None:
        assignments.append("last_price = :price")
        values[":price"] = observation.price
    else:
        removals.append("last_price")  # the latest observation shows no price
    if observation.currency:
        assignments.append("last_currency = :currency")
        values[":currency"] = observation.currency
    else:
        removals.append("last_currency")  # an old currency must not label a new price
    try:
        response = dynamodb.update_item(
            TableName=products_table,
            Key={PRODUCT_ID: {"S": observation.product_id}},
            UpdateExpression=f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
            ConditionExpression=_RUN_MOVES_FORWARD,
            ExpressionAttributeValues=_serialize(values),
            ReturnValues="ALL_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except (ClientError, BotoCoreError) as error:
        if _error_code(error) != _CONDITION_FAILED:
            raise StateWriteError(observation.product_id, _describe(error)) from error
        return _refused(observation, _item_as_it_was(error))
    old = _deserialize(response.get("Attributes") or {}) or None
    return StateOutcome(observation, Recorded.NEW, healed=_final_receive_observation(old))


def _refused(observation: Observation, item: Mapping[str, Any] | None) -> StateOutcome:
    """Why the condition refused the write, from the item as it was."""
    if item is None:
        return StateOutcome(observation, Recorded.GONE)
    if is_newer_run(item.get("last_run_id"), observation.run_id):
        return StateOutcome(replace(observation, late=True, previous_price=None), Recorded.LATE)
    first = recorded_observation(item, observation.run_id)
    if first is None:
        return StateOutcome(observation, Recorded.DUPLICATE)
    return StateOutcome(first, Recorded.AGAIN)


def write_history(
    dynamodb: DynamoDBClient,
    prices_table: str,
    observations: Sequence[Observation],
    history_retention_days: int,
) -> dict[str, StateWriteError]:
    """Put the observations' history rows (BatchWriteItem, 25 per call); the errors of the
    rows not written, by `observation_id`. Putting a row again replaces it with itself."""
    rows = {o.observation_id: _history_row(o, history_retention_days) for o in observations}
    errors: dict[str, StateWriteError] = {}
    pending = list(rows.items())
    for start in range(0, len(pending), _BATCH_WRITE_LIMIT):
        chunk = pending[start : start + _BATCH_WRITE_LIMIT]
        request = {prices_table: [{"PutRequest": {"Item": _serialize(row)}} for _, row in chunk]}
        try:
            leftover: Mapping[str, Any] = {}
            for response in _until_processed(
                lambda pending_items: dynamodb.batch_write_item(RequestItems=pending_items),
                request,
                "UnprocessedItems",
            ):
                leftover = response.get("UnprocessedItems") or {}
        except (ClientError, BotoCoreError) as error:
            problem = _describe(error)
            for observation_id, row in chunk:
                errors[observation_id] = StateWriteError(row[PRODUCT_ID], problem)
            continue
        for entry in leftover.get(prices_table, []):
            item = _deserialize(entry["PutRequest"]["Item"])
            observation_id = f"{item[PRODUCT_ID]}#{int(item[TIMESTAMP])}"
            errors[observation_id] = StateWriteError(item[PRODUCT_ID], "history write throttled")
    return errors


def _record(observation: Observation) -> dict[str, Any]:
    """What a history row and `last_observation` hold of an observation (DESIGN's history
    attributes, and how the price was read)."""
    record: dict[str, Any] = {
        TIMESTAMP: observation.timestamp_ms,
        "retailer": observation.retailer,
        "availability": observation.availability,
        "run_id": observation.run_id,
        "url": observation.url,
        "scraped_at": observation.scraped_at,
        "source": observation.source,
        # repr: the shortest text that reads back as the same float.
        "confidence": Decimal(repr(observation.confidence)),
        "ambiguous": observation.ambiguous,
    }
    if observation.price is not None:  # none: an out-of-stock page that shows none
        record["price"] = observation.price
    if observation.currency:
        record["currency"] = observation.currency
    if observation.previous_price is not None:
        record["previous_price"] = observation.previous_price
    if observation.late:
        record["late"] = True
    return record


def _final_receive_mark(observation: Observation) -> dict[str, Any]:
    return {"final_receive": True} if observation.final_receive else {}


def _history_row(observation: Observation, retention_days: int) -> dict[str, Any]:
    expires = observation.observed_at + timedelta(days=retention_days)
    return {
        PRODUCT_ID: observation.product_id,
        **_record(observation),
        HISTORY_EXPIRES_AT: int(expires.timestamp()),
    }


def _from_record(product_id: str, record: Mapping[str, Any]) -> Observation:
    """The observation a history row or `last_observation` holds (inverse of `_record`)."""
    price, previous = record.get("price"), record.get("previous_price")
    return Observation(
        product_id=product_id,
        retailer=record["retailer"],
        url=record["url"],
        run_id=record["run_id"],
        price=None if price is None else Decimal(price),
        currency=record.get("currency"),
        availability=Availability(record["availability"]),
        observed_at=_EPOCH + int(record[TIMESTAMP]) * _MILLISECOND,
        previous_price=None if previous is None else Decimal(previous),
        source=record.get("source", ""),
        confidence=float(record.get("confidence", 1)),
        ambiguous=bool(record.get("ambiguous", False)),
        late=bool(record.get("late", False)),
    )


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


@dataclass(frozen=True)
class FailureOutcome:
    """What recording a failure found; `consecutive_failures` when it was written (NEW).

    `again` is the observation this run had recorded first (a concurrent duplicate that
    succeeded), `healed` an earlier final-receive observation: both to write again.
    """

    recorded: Recorded
    consecutive_failures: int | None = None
    again: Observation | None = None
    healed: Observation | None = None


def record_failure(
    dynamodb: DynamoDBClient,
    *,
    products_table: str,
    product_id: str,
    run_id: str,
    status: ScrapeStatus,
    error: str,
    checked_at: datetime,
) -> FailureOutcome:
    """Record a failed check on the catalog item, unless this or a newer run recorded it.

    `last_price`, `last_availability` and `last_observation` are left as they were.
    """
    if status not in _FAILURE_STATUSES:
        allowed = " or ".join(repr(str(failure)) for failure in _FAILURE_STATUSES)
        raise ValueError(f"a failure is recorded as {allowed}, not {status!r}")
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
            Key={PRODUCT_ID: {"S": product_id}},
            UpdateExpression=(
                "SET last_status = :status, last_error = :error, last_checked_at = :checked, "
                "last_run_id = :run, "
                "consecutive_failures = if_not_exists(consecutive_failures, :zero) + :one"
            ),
            ConditionExpression=_RUN_MOVES_FORWARD,
            ExpressionAttributeValues=_serialize(values),
            ReturnValues="ALL_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except (ClientError, BotoCoreError) as failure:
        if _error_code(failure) != _CONDITION_FAILED:
            raise StateWriteError(product_id, _describe(failure)) from failure
        item = _item_as_it_was(failure)
        if item is None:
            return FailureOutcome(Recorded.GONE)
        if is_newer_run(item.get("last_run_id"), run_id):
            return FailureOutcome(Recorded.LATE)
        return FailureOutcome(Recorded.DUPLICATE, again=recorded_observation(item, run_id))
    old = _deserialize(response.get("Attributes") or {})
    count = int(old.get("consecutive_failures", 0)) + 1
    return FailureOutcome(Recorded.NEW, count, healed=_final_receive_observation(old or None))


_FAILURE_STATUSES = (ScrapeStatus.ERROR, ScrapeStatus.BLOCKED)
# Strictly newer runs only: the same run again is a duplicate, an older one is late.
_RUN_MOVES_FORWARD = (
    f"attribute_exists({PRODUCT_ID}) AND (attribute_not_exists(last_run_id) OR last_run_id < :run)"
)
_CONDITION_FAILED = "ConditionalCheckFailedException"


def _item_as_it_was(error: ClientError | BotoCoreError) -> Mapping[str, Any] | None:
    """The item a refused condition saw (ReturnValuesOnConditionCheckFailure); None if none."""
    raw = error.response.get("Item") if isinstance(error, ClientError) else None
    # `Item` is DynamoDB's addition to the error response, unknown to the stubs' shape.
    return _deserialize(raw) if isinstance(raw, Mapping) and raw else None


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
