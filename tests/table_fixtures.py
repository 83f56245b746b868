"""The service's DynamoDB tables as moto creates them for a test, from `contracts.tables`.

Shared by the test directories that make tables of their own (tests/functions' fixtures,
tests/local's catalog file tests), so every table a test writes to has the key schema, index
and stream the Pulumi program declares. Imported by name, as each directory's own helpers
are: tests/conftest.py puts this directory on the import path.
"""

from __future__ import annotations

from typing import Any

from contracts import tables


def create_table_arguments(name: str, declaration: tables.TableDeclaration) -> dict[str, Any]:
    """CreateTable's arguments for a table as the Pulumi program declares it (on demand)."""
    arguments: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": key.name, "AttributeType": str(key.type)}
            for key in declaration.attributes
        ],
        "KeySchema": _key_schema(declaration.hash_key, declaration.range_key),
    }
    if declaration.indexes:
        arguments["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.hash_key, index.range_key),
                "Projection": {"ProjectionType": str(index.projection)},
            }
            for index in declaration.indexes
        ]
    if declaration.stream_view_type is not None:
        arguments["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": str(declaration.stream_view_type),
        }
    return arguments


def _key_schema(
    hash_key: tables.KeyAttribute, range_key: tables.KeyAttribute | None
) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema
