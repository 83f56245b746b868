"""Moto fixtures shared by the function tests (dispatcher, scraper, detector).

Imported into tests/functions/conftest.py, so every test module there can ask for them.
The tables are created from the declarations the Pulumi program builds its tables from
(`contracts.tables`): the same key schemas, stream view, GSI and TTL. The queue mirrors
docs/architecture.md's redrive policy. So code tested here meets the real shapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws
from table_fixtures import create_table_arguments

from contracts import tables
from monitor import aws as monitor_aws

__all__ = [
    "AWS_TEST_REGION",
    "SCRAPE_MAX_RECEIVE_COUNT",
    "ScrapeQueue",
    "ServiceTables",
    "alerts_topic",
    "archive_bucket",
    "aws",
    "aws_credentials",
    "render_queue",
    "scrape_queue",
    "service_tables",
]

AWS_TEST_REGION = "eu-west-1"
# What the scrape queue's redrive policy allows before a message rests in the DLQ.
SCRAPE_MAX_RECEIVE_COUNT = 3
SCRAPE_VISIBILITY_TIMEOUT_SECONDS = 360


@dataclass(frozen=True)
class ServiceTables:
    """Names of the four DynamoDB tables of the service."""

    products: str
    prices: str
    runs: str
    idempotency: str


@dataclass(frozen=True)
class ScrapeQueue:
    """The scrape queue and its dead-letter queue."""

    url: str
    arn: str
    dlq_url: str
    dlq_arn: str


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region, so no test can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_TEST_REGION)
    monkeypatch.setenv("AWS_REGION", AWS_TEST_REGION)
    # Recent botocore routes DynamoDB (Streams) to account-based endpoints moto does not serve.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[None]:
    """Moto in place of AWS for one test; cached clients are dropped before and after."""
    monitor_aws.reset()
    with mock_aws():
        yield
    monitor_aws.reset()


@pytest.fixture
def service_tables(aws: None) -> ServiceTables:
    dynamodb = boto3.client("dynamodb")
    names = ServiceTables(
        products="products-test",
        prices="prices-test",
        runs="runs-test",
        idempotency="idempotency-test",
    )
    for name, declaration in (
        (names.products, tables.PRODUCTS),
        (names.prices, tables.PRICES),
        (names.runs, tables.RUNS),
        (names.idempotency, tables.IDEMPOTENCY),
    ):
        dynamodb.create_table(**create_table_arguments(name, declaration))
        if declaration.ttl_attribute is not None:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": declaration.ttl_attribute,
                },
            )
    return names


def _queue_with_dlq(name: str) -> ScrapeQueue:
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq-test")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": SCRAPE_MAX_RECEIVE_COUNT}
    url = sqs.create_queue(
        QueueName=f"{name}-test",
        Attributes={
            "RedrivePolicy": json.dumps(redrive),
            "VisibilityTimeout": str(SCRAPE_VISIBILITY_TIMEOUT_SECONDS),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return ScrapeQueue(url=url, arn=arn, dlq_url=dlq_url, dlq_arn=dlq_arn)


@pytest.fixture
def scrape_queue(aws: None) -> ScrapeQueue:
    return _queue_with_dlq("scrape")


@pytest.fixture
def render_queue(aws: None) -> ScrapeQueue:
    """The render queue (browser jobs, consumed by the renderer) and its DLQ: the scrape
    queue's shape."""
    return _queue_with_dlq("render")


@pytest.fixture
def archive_bucket(aws: None) -> str:
    name = "price-monitor-archive-test"
    boto3.client("s3").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": AWS_TEST_REGION}
    )
    return name


@pytest.fixture
def alerts_topic(aws: None) -> str:
    """ARN of the price-alerts topic."""
    return boto3.client("sns").create_topic(Name="price-alerts-test")["TopicArn"]
