"""The messages on the scrape queue: what the schedule, the dispatcher and the scraper say.

Three kinds travel on the one queue, told apart by `action`:

- `scrape_all_products` (from EventBridge Scheduler, or `pricemon run`): start run `run_id`.
  The schedule's input is `{"action": "scrape_all_products",
  "run_id": "<aws.scheduler.scheduled-time>"}`, so `run_id` is the scheduled time.
- `continue_dispatch` (from the dispatcher to itself): the rest of the catalog of a run,
  from `cursor` (a DynamoDB ExclusiveStartKey) with the per-retailer spacing so far.
- `scrape_product` (from the dispatcher): one product job of a run.

A body that is not one of these is a `PoisonMessageError`: it is reported as a failed
batch item on its own (the rest of the batch goes on), so after maxReceiveCount deliveries
it rests in the DLQ for a person to read. What a message carries is checked here, before
any AWS call sees it, because one bad value in a batch call fails the whole call:

- `run_id` is a scheduled time written as `2026-11-25T18:00:00Z` (`RUN_ID_FORMAT`): how
  EventBridge Scheduler expands `<aws.scheduler.scheduled-time>`, and how `pricemon run`,
  `pricemon dlq redrive` and the local stack write theirs (`contracts.timestamps.iso_seconds`).
  One fixed-width, zero-padded UTC format is what lets the scraper's state write compare
  run ids as strings, in time order (`monitor.state`).
- `product_id` and `retailer` are DynamoDB key values (the products table's and the
  prices table's retailer-index hash keys): non-empty strings of at most 2,048 UTF-8 bytes.
- A body nested too deeply for the JSON parser is poison, not a RecursionError.

Self-contained (standard library only): the Pulumi program and the operator command line
import it as `contracts.messages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SCRAPE_ALL_PRODUCTS = "scrape_all_products"
CONTINUE_DISPATCH = "continue_dispatch"
SCRAPE_PRODUCT = "scrape_product"

# After this many receives a message (product job, dispatch or poison) rests in the DLQ:
# the queue's redrive policy (price_monitor/messaging.py) and the scraper's "last chance"
# recording of a transient failure both read it from here.
MAX_RECEIVE_COUNT = 3

SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>"
# A run id: a UTC scheduled time to the second, e.g. 2026-11-25T18:00:00Z.
RUN_ID_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_RUN_ID = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# DynamoDB's limit on a partition key value (product_id; retailer keys the history's index).
MAX_KEY_BYTES = 2048
SCHEDULE_INPUT = {"action": SCRAPE_ALL_PRODUCTS, "run_id": SCHEDULED_TIME_PLACEHOLDER}


class PoisonMessageError(ValueError):
    """A queue message that no retry can make valid."""


@dataclass(frozen=True)
class StartRun:
    run_id: str


@dataclass(frozen=True)
class ContinueDispatch:
    run_id: str
    cursor: Mapping[str, Any]
    # Seconds of delay already given to each retailer's jobs in this run (for spacing).
    spacing: Mapping[str, float] = field(default_factory=dict)
    dispatched: int = 0


@dataclass(frozen=True)
class ProductJob:
    run_id: str
    product_id: str
    retailer: str


Message = StartRun | ContinueDispatch | ProductJob


def parse_message(body: str) -> Message:
    """The message a queue body carries; PoisonMessageError says what is wrong with it."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError) as error:
        raise PoisonMessageError(f"body is not JSON: {error}") from None
    except RecursionError:
        raise PoisonMessageError("body is JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        raise PoisonMessageError("body is not a JSON object")
    action = data.get("action")
    if action == SCRAPE_ALL_PRODUCTS:
        return StartRun(_run_id(data))
    if action == CONTINUE_DISPATCH:
        cursor, spacing = data.get("cursor"), data.get("spacing", {})
        if not isinstance(cursor, dict) or not cursor:
            raise PoisonMessageError("continue_dispatch without a cursor object")
        if not isinstance(spacing, dict) or not all(
            isinstance(value, int | float) for value in spacing.values()
        ):
            raise PoisonMessageError("continue_dispatch spacing is not a map of numbers")
        dispatched = data.get("dispatched", 0)
        if not isinstance(dispatched, int) or dispatched < 0:
            raise PoisonMessageError("continue_dispatch dispatched is not a count")
        return ContinueDispatch(_run_id(data), cursor, spacing, dispatched)
    if action == SCRAPE_PRODUCT:
        return ProductJob(_run_id(data), _key(data, "product_id"), _key(data, "retailer"))
    raise PoisonMessageError(f"unknown action {action!r:.100}")


def encode(message: Message) -> str:
    """The queue body of a message; `parse_message(encode(m)) == m`."""
    if isinstance(message, StartRun):
        data: dict[str, Any] = {"action": SCRAPE_ALL_PRODUCTS, "run_id": message.run_id}
    elif isinstance(message, ContinueDispatch):
        data = {
            "action": CONTINUE_DISPATCH,
            "run_id": message.run_id,
            "cursor": dict(message.cursor),
            "spacing": dict(message.spacing),
            "dispatched": message.dispatched,
        }
    else:
        data = {
            "action": SCRAPE_PRODUCT,
            "run_id": message.run_id,
            "product_id": message.product_id,
            "retailer": message.retailer,
        }
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def run_time(run_id: str) -> datetime:
    """The scheduled time a run id names (UTC); ValueError when it is not a run id."""
    if not _RUN_ID.fullmatch(run_id):
        raise ValueError(f"{run_id!r:.60} is not a time like 2026-11-25T18:00:00Z")
    return datetime.strptime(run_id, RUN_ID_FORMAT).replace(tzinfo=UTC)  # month 13 fails here


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PoisonMessageError(f"missing or empty {key!r}")
    return value


def _run_id(data: Mapping[str, Any]) -> str:
    value = _text(data, "run_id")
    if value == SCHEDULED_TIME_PLACEHOLDER:
        raise PoisonMessageError("'run_id' is the unexpanded scheduler placeholder")
    try:
        run_time(value)
    except ValueError as error:
        raise PoisonMessageError(f"'run_id' {error}") from None
    return value


def _key(data: Mapping[str, Any], key: str) -> str:
    value = _text(data, key)
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800"): no DynamoDB string
        raise PoisonMessageError(f"{key!r} is not valid Unicode text") from None
    if size > MAX_KEY_BYTES:
        raise PoisonMessageError(f"{key!r} is {size} bytes, over DynamoDB's {MAX_KEY_BYTES}")
    return value
