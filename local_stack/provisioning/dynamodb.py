"""DynamoDB tables in moto, as declared: keys, indexes, stream, TTL, point-in-time recovery,
encryption and deletion protection."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from local_stack.provisioning.emulation import Created, Emulation
from local_stack.provisioning.moto_account import MotoAccount


def create_table(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("dynamodb", inputs)
    table = inputs.get("name") or name
    request: dict[str, Any] = {
        "TableName": table,
        "BillingMode": inputs.get("billingMode", "PROVISIONED"),
        "AttributeDefinitions": [
            {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
            for attribute in inputs.get("attributes", [])
        ],
        "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        "DeletionProtectionEnabled": bool(inputs.get("deletionProtectionEnabled", False)),
    }
    if inputs.get("globalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            _global_index(index) for index in inputs["globalSecondaryIndexes"]
        ]
    if inputs.get("streamEnabled"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": inputs["streamViewType"],
        }
    encryption = inputs.get("serverSideEncryption") or {}
    if encryption.get("enabled"):
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"} | (
            {"KMSMasterKeyId": encryption["kmsKeyArn"]} if encryption.get("kmsKeyArn") else {}
        )
    description = client.create_table(**request)["TableDescription"]
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled"):
        client.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    if (inputs.get("pointInTimeRecovery") or {}).get("enabled"):
        client.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    return table, {
        "name": table,
        "arn": description["TableArn"],
        "streamArn": description.get("LatestStreamArn", ""),
        "streamLabel": description.get("LatestStreamLabel", ""),
    }


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _global_index(index: Mapping[str, Any]) -> dict[str, Any]:
    # pulumi-aws v7 declares the keys as keySchemas; the older hashKey/rangeKey still work.
    if index.get("keySchemas"):
        schema = [
            {"AttributeName": key["attributeName"], "KeyType": key["keyType"]}
            for key in index["keySchemas"]
        ]
    else:
        schema = _key_schema(index["hashKey"], index.get("rangeKey"))
    projection: dict[str, Any] = {"ProjectionType": index["projectionType"]}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return {"IndexName": index["name"], "KeySchema": schema, "Projection": projection}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:dynamodb/table:Table": Emulation(
            create_table,
            frozenset(
                (
                    "name",
                    "billingMode",
                    "hashKey",
                    "rangeKey",
                    "attributes",
                    "globalSecondaryIndexes",
                    "streamEnabled",
                    "streamViewType",
                    "ttl",
                    "pointInTimeRecovery",
                    "serverSideEncryption",
                    "deletionProtectionEnabled",
                )
            ),
        ),
    }
)
