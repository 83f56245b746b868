"""The AWS account provisioning talks to: moto's, through a session of its own.

Fake credentials, the stack's region, account-based endpoints off and configured endpoint
URLs ignored, so provisioning needs nothing from `os.environ` but an active `mock_aws()`.
One client per service and region, created on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_kms import KMSClient
    from types_boto3_s3 import S3Client
    from types_boto3_scheduler import EventBridgeSchedulerClient
    from types_boto3_sns import SNSClient
    from types_boto3_sqs import SQSClient
    from types_boto3_sts import STSClient

# The services the program's emulated resources live in (and STS, for the account id).
ServiceName = Literal["cloudwatch", "dynamodb", "kms", "s3", "scheduler", "sns", "sqs", "sts"]
Inputs = Mapping[str, Any] | None


class MotoAccount:
    """moto's account in `region`: clients, and the account id and partition ARNs name."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=region,
        )
        self._config = Config(
            account_id_endpoint_mode="disabled",
            # An option of botocore's Config that botocore-stubs do not declare.
            ignore_configured_endpoint_urls=True,  # type: ignore[call-arg]
        )
        self._clients: dict[tuple[str, str], BaseClient] = {}

    @overload
    def client(self, service: Literal["cloudwatch"], inputs: Inputs = None) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["dynamodb"], inputs: Inputs = None) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["kms"], inputs: Inputs = None) -> KMSClient: ...
    @overload
    def client(self, service: Literal["s3"], inputs: Inputs = None) -> S3Client: ...
    @overload
    def client(
        self, service: Literal["scheduler"], inputs: Inputs = None
    ) -> EventBridgeSchedulerClient: ...
    @overload
    def client(self, service: Literal["sns"], inputs: Inputs = None) -> SNSClient: ...
    @overload
    def client(self, service: Literal["sqs"], inputs: Inputs = None) -> SQSClient: ...
    @overload
    def client(self, service: Literal["sts"], inputs: Inputs = None) -> STSClient: ...
    def client(self, service: ServiceName, inputs: Inputs = None) -> BaseClient:
        """The client for `service` in the resource's region (its `region` input, if any)."""
        region = (inputs or {}).get("region") or self.region
        if (service, region) not in self._clients:
            self._clients[(service, region)] = self._session.client(
                service, region_name=region, config=self._config
            )
        return self._clients[(service, region)]

    @cached_property
    def account_id(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    @cached_property
    def partition(self) -> str:
        return self._session.get_partition_for_region(self.region)

    def arn(self, arn_format: str, name: str) -> str:
        """An ARN as AWS forms it: `arn_format` with {partition}, {region}, {account}, {name}."""
        return arn_format.format(
            partition=self.partition, region=self.region, account=self.account_id, name=name
        )
