"""moto's TransactWriteItems under `scalable_transactions`: the same outcomes as moto's own,
without copying the tables it writes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

from price_monitor.local.services import scalable_transactions

REGION = "eu-west-1"
RUN = {"S": "2026-11-25T12:00:00Z"}


def create_tables(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="products",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "product_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "product_id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName="prices",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "product_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "product_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
    )
    for product_id in ("kettle", "toaster"):
        dynamodb.put_item(
            TableName="products", Item={"product_id": {"S": product_id}, "price": {"N": "10"}}
        )
    dynamodb.put_item(
        TableName="prices", Item={"product_id": {"S": "kettle"}, "timestamp": {"N": "1"}}
    )


def observe(product_id: str, timestamp: str, price: str) -> list[dict[str, Any]]:
    """The scraper's transaction: the item's latest state, and a new history row."""
    return [
        {
            "Update": {
                "TableName": "products",
                "Key": {"product_id": {"S": product_id}},
                "UpdateExpression": "SET price = :p, last_run_id = :r",
                "ConditionExpression": "attribute_not_exists(last_run_id) OR last_run_id <> :r",
                "ExpressionAttributeValues": {":p": {"N": price}, ":r": RUN},
            }
        },
        {
            "Put": {
                "TableName": "prices",
                "Item": {"product_id": {"S": product_id}, "timestamp": {"N": timestamp}},
                "ConditionExpression": "attribute_not_exists(product_id)",
            }
        },
    ]


TRANSACTIONS = [
    pytest.param(observe("toaster", "2", "9"), id="both-written"),
    pytest.param(observe("kettle", "1", "9"), id="history-row-exists"),
    pytest.param(
        [
            {"Put": {"TableName": "products", "Item": {"product_id": {"S": "toaster"}}}},
            *observe("kettle", "1", "9"),
        ],
        id="put-over-an-item-then-cancelled",
    ),
    pytest.param(
        [
            {"Put": {"TableName": "products", "Item": {"product_id": {"S": "new"}}}},
            {
                "ConditionCheck": {
                    "TableName": "products",
                    "Key": {"product_id": {"S": "kettle"}},
                    "ConditionExpression": "attribute_not_exists(product_id)",
                }
            },
        ],
        id="new-item-then-cancelled",
    ),
    pytest.param(
        [
            {"Delete": {"TableName": "prices", "Key": {"product_id": {"S": "kettle"}}}},
        ],
        id="key-missing-its-range",
    ),
    pytest.param([*observe("toaster", "2", "9"), *observe("toaster", "3", "8")], id="item-twice"),
    pytest.param(
        [{"Put": {"TableName": "missing", "Item": {"product_id": {"S": "x"}}}}],
        id="no-such-table",
    ),
]


def outcome(transact_items: list[dict[str, Any]], wrap: Callable[[], Any]) -> dict[str, Any]:
    """Tables, stream and error after running the transaction on fresh tables."""
    with mock_aws(), wrap():
        dynamodb = boto3.client(
            "dynamodb",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        create_tables(dynamodb)
        try:
            dynamodb.transact_write_items(TransactItems=transact_items)
            error = None
        except ClientError as failure:
            error = (
                failure.response["Error"]["Code"],
                [reason.get("Code") for reason in failure.response.get("CancellationReasons", [])],
            )
        backend = dynamodb_backends["123456789012"][REGION]
        stream = backend.get_table("products").stream_shard.items
        return {
            "error": error,
            "products": sorted(
                (i["product_id"]["S"], str(i.get("price"))) for i in _scan(dynamodb, "products")
            ),
            "prices": sorted(
                (i["product_id"]["S"], i["timestamp"]["N"]) for i in _scan(dynamodb, "prices")
            ),
            "stream": [
                (r.record["eventName"], r.record["dynamodb"]["Keys"]["product_id"]["S"])
                for r in stream
            ],
        }


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    return dynamodb.scan(TableName=table)["Items"]


@pytest.mark.parametrize("transact_items", TRANSACTIONS)
def test_a_transaction_ends_exactly_as_in_moto(transact_items):
    assert outcome(transact_items, scalable_transactions) == outcome(transact_items, nullcontext)


def test_a_cancelled_transaction_leaves_the_live_tables_in_place(local_aws):
    with scalable_transactions():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_tables(dynamodb)
        backend = dynamodb_backends["123456789012"][REGION]
        tables = {name: backend.get_table(name) for name in ("products", "prices")}

        with pytest.raises(ClientError, match="TransactionCanceled"):
            dynamodb.transact_write_items(TransactItems=observe("kettle", "1", "9"))

        assert {name: backend.get_table(name) for name in tables} == tables
        assert all(backend.get_table(name) is table for name, table in tables.items())


def test_moto_gets_its_own_transactions_back_afterwards():
    original = DynamoDBBackend.transact_write_items

    with scalable_transactions():
        assert DynamoDBBackend.transact_write_items is not original

    assert DynamoDBBackend.transact_write_items is original
