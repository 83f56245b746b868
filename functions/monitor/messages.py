"""The messages on the scrape queue: what the schedule, the dispatcher and the scraper say.

Three kinds travel on the one queue, told apart by `action`:

- `scrape_all_products` (from EventBridge Scheduler, or `pricemon run`): start run `run_id`.
  The schedule's input is `{"action": "scrape_all_products",
  "run_id": "<aws.scheduler.scheduled-time>"}`, so `run_id` is the scheduled time.
- `continue_dispatch` (from the dispatcher to itself): the rest of the catalog of a run,
  from `cursor` (a DynamoDB ExclusiveStartKey) with the per-retailer spacing so far.
- `scrape_product` (from the dispatcher): one product job of a run.

A body that is not one of these is a `PoisonMessageError`: it is reported as a failed
batch item, so after maxReceiveCount deliveries it rests in the DLQ for a person to read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCRAPE_ALL_PRODUCTS = "scrape_all_products"
CONTINUE_DISPATCH = "continue_dispatch"
SCRAPE_PRODUCT = "scrape_product"

# After this many receives a message (product job, dispatch or poison) rests in the DLQ:
# the queue's redrive policy (price_monitor/messaging.py) and the scraper's "last chance"
# recording of a transient failure both read it from here.
MAX_RECEIVE_COUNT = 3

SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>"
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
    if not isinstance(data, dict):
        raise PoisonMessageError("body is not a JSON object")
    action = data.get("action")
    if action == SCRAPE_ALL_PRODUCTS:
        return StartRun(_text(data, "run_id"))
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
        return ContinueDispatch(_text(data, "run_id"), cursor, spacing, dispatched)
    if action == SCRAPE_PRODUCT:
        return ProductJob(_text(data, "run_id"), _text(data, "product_id"), _text(data, "retailer"))
    raise PoisonMessageError(f"unknown action {action!r}")


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


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PoisonMessageError(f"missing or empty {key!r}")
    if value == SCHEDULED_TIME_PLACEHOLDER:
        raise PoisonMessageError(f"{key!r} is the unexpanded scheduler placeholder")
    return value
