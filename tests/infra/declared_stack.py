"""Pulumi mock harness: the program runs once per stack, and tests read what it declared.

`declared_stack(stack)` runs `__main__.py` with the config of Pulumi.<stack>.yaml, as the CLI
passes it, under Pulumi mocks with `preview=False`, so every `apply` runs (the running itself
is local_stack/program.py's, shared with the local stack); `outputs` are the stack's
exports. Mocked outputs are the inputs plus the attributes AWS would compute (ARNs, URLs,
stream ARNs), camelCase as the engine sends them. An invoke the mocks do not know fails the
run, so a new provider call cannot slip in unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pulumi
from stack_files import stack_config

from local_stack import program
from local_stack.program import RecordedResource
from price_monitor.config import Settings

ACCOUNT_ID = "123456789012"
PACKAGE_HASH = "bW9ja2VkLXBhY2thZ2UtaGFzaA=="
IMAGE_DIGEST = "sha256:" + "ab" * 32  # what the mocked build pushes


# A resource as the program declared it: type, name, urn, id, parent, inputs, state.
DeclaredResource = RecordedResource


@dataclass
class DeclaredStack:
    stack: str
    settings: Settings
    outputs: dict[str, Any]  # the stack's exports
    resources: list[DeclaredResource]
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def suffix(self) -> str:
        return self.settings.environment_suffix

    def of_type(self, type_: str) -> list[DeclaredResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def find(self, type_: str, **inputs: Any) -> DeclaredResource:
        """The one resource of `type_` whose inputs have these (camelCase) values."""
        (match,) = [
            resource
            for resource in self.of_type(type_)
            if all(resource.inputs.get(key) == value for key, value in inputs.items())
        ]
        return match

    def by_urn(self, urn: str) -> DeclaredResource:
        (match,) = [resource for resource in self.resources if resource.urn == urn]
        return match


class _StackMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str) -> None:
        self.region = region
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", {**args.inputs, **self._computed(args)}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.invokes.append((args.token, dict(args.args)))
        if args.token == "archive:index/getFile:getFile":
            return {
                **args.args,
                "id": "package",
                "outputBase64sha256": PACKAGE_HASH,
                "outputSize": 1024,
                "outputMd5": "0" * 32,
                "outputSha": "0" * 40,
                "outputSha256": "0" * 64,
                "outputSha512": "0" * 128,
                "outputBase64sha512": PACKAGE_HASH,
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT_ID,
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer",
                "userId": "AIDAMOCKED",
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {
                "id": "aws",
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            }
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            registry = f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com"
            return {
                "id": registry,
                "registryId": args.args.get("registryId", ACCOUNT_ID),
                "userName": "AWS",
                "password": "mocked-ecr-token",
                "authorizationToken": "QVdTOm1vY2tlZC1lY3ItdG9rZW4=",
                "proxyEndpoint": f"https://{registry}",
                "expiresAt": "2026-12-31T00:00:00Z",
            }
        raise NotImplementedError(f"unexpected invoke {args.token}")

    def _computed(self, args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        inputs = args.inputs
        physical = inputs.get("name") or inputs.get("bucket") or args.name
        service = args.typ.split(":")[1].split("/")[0]
        computed: dict[str, Any] = {
            "name": physical,
            "arn": f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{physical}",
        }
        if args.typ == "aws:dynamodb/table:Table":
            computed["arn"] = f"arn:aws:dynamodb:{self.region}:{ACCOUNT_ID}:table/{physical}"
            if inputs.get("streamEnabled"):
                computed["streamArn"] = f"{computed['arn']}/stream/2024-01-01T00:00:00.000"
        elif args.typ == "aws:s3/bucket:Bucket":
            computed["arn"] = f"arn:aws:s3:::{physical}"
        elif args.typ == "aws:sqs/queue:Queue":
            computed["url"] = f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{physical}"
        elif args.typ == "aws:ecr/repository:Repository":
            computed["registryId"] = ACCOUNT_ID
            computed["repositoryUrl"] = (
                f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{physical}"
            )
            computed["arn"] = f"arn:aws:ecr:{self.region}:{ACCOUNT_ID}:repository/{physical}"
        elif args.typ == "docker-build:index:Image":
            (tag,) = inputs["tags"]
            computed["digest"] = IMAGE_DIGEST
            computed["ref"] = f"{tag}@{IMAGE_DIGEST}"
        elif args.typ == "aws:kms/key:Key":
            computed["keyId"] = "0b1c2d3e-mocked-key"
            computed["arn"] = f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:key/0b1c2d3e-mocked-key"
        return computed


@cache
def declared_stack(stack: str) -> DeclaredStack:
    """What the program declares for `stack`, from its stack file (run once per session)."""
    return run_program(stack, stack_config(stack))


@cache
def traced_stack() -> DeclaredStack:
    """The dev stack with X-Ray active tracing turned on."""
    return run_program("dev", {**stack_config("dev"), "price-monitor:tracing": "true"})


def run_program(stack: str, config: Mapping[str, str]) -> DeclaredStack:
    """Run the program as `pulumi up` would for `stack` with this config bag, under mocks."""
    mocks = _StackMocks(region=config["aws:region"])
    run = program.run_program(stack, config, mocks)
    return DeclaredStack(stack, run.settings, run.outputs, run.resources, mocks.invokes)
