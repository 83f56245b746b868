"""AWS clients, created once per container and only when first used.

Domain code receives clients (or tables) as arguments; only handlers call these, which is
what keeps the domain testable without AWS and lets tests swap in moto between cases
(`reset()` forgets the cached clients). One factory per service, so each hands back that
service's typed client (the types-boto3 stubs, a development dependency: the annotations
are never evaluated in Lambda).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_s3 import S3Client
    from types_boto3_sns import SNSClient
    from types_boto3_sqs import SQSClient

# Standard retry mode with a few attempts: throttling is retried by the SDK, not by us.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


@cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


@cache
def s3() -> S3Client:
    return boto3.client("s3", config=_CONFIG)


@cache
def sns() -> SNSClient:
    return boto3.client("sns", config=_CONFIG)


@cache
def table(name: str) -> Table:
    """Table `name` of a DynamoDB resource (the dispatcher reads and writes plain values)."""
    return boto3.resource("dynamodb", config=_CONFIG).Table(name)


def reset() -> None:
    for factory in (dynamodb, sqs, s3, sns, table):
        factory.cache_clear()
