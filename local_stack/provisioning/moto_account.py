"""The AWS account provisioning talks to: moto's, through a session of its own.

Fake credentials, the stack's region, account-based endpoints off and configured endpoint
URLs ignored, so provisioning needs nothing from `os.environ` but an active `mock_aws()`.
One client per service and region, created on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config


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
            account_id_endpoint_mode="disabled", ignore_configured_endpoint_urls=True
        )
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, inputs: Mapping[str, Any] | None = None) -> Any:
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
