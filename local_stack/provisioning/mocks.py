"""`MotoMocks`: the Pulumi mocks that create each declared resource in moto, or record it.

A declared type is emulated (`EMULATIONS`, the union of the services' tables: each module
creates its types and names the inputs it applies), recorded with its inputs
(`RECORDED_ONLY`, each with the reason), or refused with a ProvisioningError naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any

import pulumi
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import create_loader

from local_stack.provisioning import cloudwatch, dynamodb, kms, s3, scheduler, sns, sqs
from local_stack.provisioning.emulation import Created, Emulation
from local_stack.provisioning.function_package import package
from local_stack.provisioning.moto_account import MotoAccount
from local_stack.provisioning.recorded import RECORDED_ONLY, record
from local_stack.stack import ProvisioningError

# Every emulated type, from the module of its service.
EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        **dynamodb.EMULATIONS,
        **cloudwatch.EMULATIONS,
        **sqs.EMULATIONS,
        **sns.EMULATIONS,
        **kms.EMULATIONS,
        **s3.EMULATIONS,
        **scheduler.EMULATIONS,
    }
)


class MotoMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that create each declared resource in moto, or record it.

    `new_resource` answers with the resource's real id and its inputs plus the attributes AWS
    computes (ARN, URL, stream ARN...), camelCase like the engine. Invokes are answered from
    moto and botocore's data: the caller's identity, the region's partition, and the
    functions' package (function_package.py). The SDK registers resources from worker
    threads, so every call holds a lock: moto's backends are not meant for concurrent writers.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._lock = threading.Lock()
        self._aws = MotoAccount(region)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> Created:
        if not args.custom:
            return "", {}  # a component: its children are the resources
        with self._lock:
            try:
                physical_id, computed = self._new_resource(args.typ, args.name, args.inputs)
            except (ClientError, BotoCoreError) as error:
                raise ProvisioningError(
                    f"{args.typ} {args.name}: moto refused it: {error}"
                ) from error
        return physical_id, {**args.inputs, **computed}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The invoke's result, and no check failures."""
        with self._lock:
            return self._invoke(args), []

    def _invoke(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = self._aws.client("sts").get_caller_identity()
            return {
                "id": identity["Account"],
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
            }
        if args.token == "aws:index/getPartition:getPartition":
            return self._partition_result
        if args.token == "archive:index/getFile:getFile":
            return package(args.args)
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            # The renderer image's push credentials: nothing is pushed locally (recorded.py).
            registry = self._aws.arn("{account}.dkr.ecr.{region}.amazonaws.com", "")
            return {
                "id": registry,
                "registryId": args.args.get("registryId") or self._aws.account_id,
                "userName": "AWS",
                "password": "local-stack-pushes-nothing",
                "authorizationToken": "",
                "proxyEndpoint": f"https://{registry}",
                "expiresAt": "",
            }
        raise ProvisioningError(f"the local stack does not answer the invoke {args.token}")

    def _new_resource(self, type_: str, name: str, inputs: dict[str, Any]) -> Created:
        emulation = EMULATIONS.get(type_)
        if emulation is not None:
            emulation.require_applied(type_, name, inputs)
            return emulation.create(self._aws, name, inputs)
        if type_ in RECORDED_ONLY:
            return record(self._aws, type_, name, inputs)
        raise ProvisioningError(
            f"{type_} {name}: the local stack does not support this resource type; emulate it "
            "in the local_stack/provisioning/ module of its service or add it to RECORDED_ONLY "
            "(local_stack/provisioning/recorded.py) with the reason"
        )

    @cached_property
    def _partition_result(self) -> dict[str, str]:
        partitions = create_loader().load_data("partitions")["partitions"]
        (partition,) = [entry for entry in partitions if entry["id"] == self._aws.partition]
        dns_suffix = partition["outputs"]["dnsSuffix"]
        return {
            "id": self._aws.partition,
            "partition": self._aws.partition,
            "dnsSuffix": dns_suffix,
            "reverseDnsPrefix": ".".join(reversed(dns_suffix.split("."))),
        }
