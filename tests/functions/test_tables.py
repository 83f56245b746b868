"""The table declarations both the Pulumi program and the moto fixtures are built from."""

import boto3

from contracts import tables
from contracts.tables import AttributeType, KeyAttribute


def test_attribute_definitions_name_each_key_of_the_table_and_its_index_once():
    # DynamoDB refuses a definition no key uses, and a key without a definition.
    assert tables.PRICES.attributes == (
        KeyAttribute("product_id", AttributeType.STRING),
        KeyAttribute("timestamp", AttributeType.NUMBER),
        KeyAttribute("retailer", AttributeType.STRING),
    )
    assert tables.RUNS.attributes == (KeyAttribute("run_id", AttributeType.STRING),)


def test_the_moto_tables_have_the_declared_stream_index_and_time_to_live(service_tables):
    dynamodb = boto3.client("dynamodb")

    products = dynamodb.describe_table(TableName=service_tables.products)["Table"]
    prices = dynamodb.describe_table(TableName=service_tables.prices)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=service_tables.prices)

    assert products["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    [index] = prices["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "retailer-index"
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["retailer", "timestamp"]
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
