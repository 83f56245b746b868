"""The lowest price a product had in its recent history: what `new_low` compares with.

The `new_low` rule (contracts.change_rules) raises when a new price is below the lowest
one of the last N days. The detector asks for that low only when the rule can fire
(`new_low_window_days`), with one Query of the prices table: the product's rows from N days
before the observation up to it (the key schema's `timestamp`, epoch milliseconds),
projecting only what the comparison reads. The window ends at the observation, not at
"now", so a record replayed later (stream retry, `pricemon dlq redrive`) is judged on the
same history; and the new observation's own row (the scraper writes it before the item's
latest state) is left out by its run id, since a price is never below itself. Rows in
another currency, or without a price (out of stock without one), are not comparable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from contracts.tables import PRODUCT_ID, TIMESTAMP

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_MILLISECOND = timedelta(milliseconds=1)
_DESERIALIZER = TypeDeserializer()


def recent_low_price(
    dynamodb: DynamoDBClient,
    prices_table: str,
    product_id: str,
    *,
    observed_at: datetime,
    days: int,
    run_id: str | None,
    currency: str | None,
) -> Decimal | None:
    """The lowest `currency` price of the product's history rows from `days` days before
    `observed_at` up to it, the row of run `run_id` left out; None when there is none."""
    end = (observed_at - _EPOCH) // _MILLISECOND
    start = end - days * (timedelta(days=1) // _MILLISECOND)
    request: dict[str, Any] = {
        "TableName": prices_table,
        "KeyConditionExpression": f"{PRODUCT_ID} = :product AND #ts BETWEEN :start AND :end",
        # Names throughout: TIMESTAMP is a DynamoDB reserved word, and the others may become one.
        "ProjectionExpression": "#price, #currency, #run",
        "ExpressionAttributeNames": {
            "#ts": TIMESTAMP,
            "#price": "price",
            "#currency": "currency",
            "#run": "run_id",
        },
        "ExpressionAttributeValues": {
            ":product": {"S": product_id},
            ":start": {"N": str(start)},
            ":end": {"N": str(end)},
        },
    }
    low: Decimal | None = None
    while True:
        response = dynamodb.query(**request)
        for raw in response.get("Items", []):
            row = {name: _DESERIALIZER.deserialize(value) for name, value in raw.items()}
            price = row.get("price")
            if (
                isinstance(price, Decimal)
                and row.get("run_id") != run_id
                and row.get("currency") == currency
                and (low is None or price < low)
            ):
                low = price
        if not response.get("LastEvaluatedKey"):
            return low
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
