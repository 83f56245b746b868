"""What the functions write, in bytes and items: the cost model's size inputs.

`PayloadMeter` listens to a `CallCounter` (bench/call_counter.py) and, from the request
parameters of the functions' calls, adds up:

- DynamoDB items written (a TransactWriteItems of an Update and a Put is 2 items; a
  BatchWriteItem counts its requests), which is what write request units are billed on;
- the product-job messages the dispatcher sends (bodies of `scrape_product` entries);
- the archive objects put to S3, and the history rows put to the prices table.

`dynamodb_item_bytes` sizes an item the way DynamoDB bills it, and `LogVolume` is a log
stream that counts what the functions write to it (CloudWatch Logs bills ingestion by the
byte) without keeping it.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.call_counter import FUNCTION, ApiCall

SCRAPE_PRODUCT = "scrape_product"  # functions/contracts/messages.py's action for a product job
_WRITE_ACTIONS = ("Put", "Update", "Delete")  # a transaction's ConditionCheck writes nothing
_SINGLE_ITEM_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


def dynamodb_item_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values, in wire format
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Mapping[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return _number_bytes(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in content)
    if kind == "NS":
        return sum(_number_bytes(number) for number in content)
    if kind == "BS":
        return sum(len(blob) for blob in content)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in content.items())
    raise ValueError(f"not a DynamoDB attribute value type: {kind!r}")


def _number_bytes(text: str) -> int:
    # Up to 38 significant digits, two per byte, plus one byte.
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


@dataclass
class PayloadMeter:
    """Sizes and item counts of what the functions write (a CallCounter listener)."""

    prices_table: str
    dynamodb_write_items: int = 0
    # The same items, per function name and per operation ("dynamodb:BatchWriteItem").
    write_items_by_function: Counter[str] = field(default_factory=Counter)
    write_items_by_operation: Counter[str] = field(default_factory=Counter)
    job_messages: int = 0
    job_message_bytes: int = 0
    archive_objects: int = 0
    archive_bytes: int = 0
    history_items: int = 0
    history_item_bytes: int = 0

    def __call__(self, call: ApiCall) -> None:
        if call.scope != FUNCTION:
            return
        params = call.params
        if call.service == "dynamodb":
            written = self.dynamodb_write_items
            self._dynamodb(call.operation, params)
            self.write_items_by_function[call.function or ""] += self.dynamodb_write_items - written
            self.write_items_by_operation[f"dynamodb:{call.operation}"] += (
                self.dynamodb_write_items - written
            )
        elif call.service == "sqs" and call.operation == "SendMessageBatch":
            for entry in params.get("Entries", []):
                self._message(entry.get("MessageBody", ""))
        elif call.service == "sqs" and call.operation == "SendMessage":
            self._message(params.get("MessageBody", ""))
        elif call.service == "s3" and call.operation == "PutObject":
            self.archive_objects += 1
            self.archive_bytes += _body_bytes(params.get("Body", b""))

    def _dynamodb(self, operation: str, params: Mapping[str, Any]) -> None:
        if operation in _SINGLE_ITEM_WRITES:
            self.dynamodb_write_items += 1
            if operation == "PutItem":
                self._put(params)
        elif operation == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                self.dynamodb_write_items += len(requests)
                for request in requests:
                    if "PutRequest" in request:
                        self._put({"TableName": table, **request["PutRequest"]})
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                for action in _WRITE_ACTIONS:
                    if action in entry:
                        self.dynamodb_write_items += 1
                if "Put" in entry:
                    self._put(entry["Put"])

    def _put(self, put: Mapping[str, Any]) -> None:
        if put.get("TableName") == self.prices_table:
            self.history_items += 1
            self.history_item_bytes += dynamodb_item_bytes(put["Item"])

    def _message(self, body: str) -> None:
        try:
            action = json.loads(body).get("action")
        except (ValueError, AttributeError):
            return
        if action == SCRAPE_PRODUCT:
            self.job_messages += 1
            self.job_message_bytes += len(body.encode())


def _body_bytes(body: Any) -> int:
    if isinstance(body, str):
        return len(body.encode())
    if isinstance(body, bytes | bytearray):
        return len(body)
    raise TypeError(f"cannot size an S3 body of type {type(body).__name__}")


class LogVolume(io.StringIO):
    """A text stream that counts the UTF-8 bytes written to it and keeps nothing (a
    StringIO whose writes store nothing: a TextIO, as the local runtime's log stream is)."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)
