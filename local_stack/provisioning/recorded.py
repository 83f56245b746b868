"""The resource types recorded with their inputs only, and why nothing local needs them
created; and the ids and ARNs AWS would give them, so whatever refers to one still reads
a well-formed value.

Every type here is a decision: a type neither emulated (the services' modules) nor listed
in `RECORDED_ONLY` fails provisioning, so a new resource cannot be silently left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from local_stack.provisioning.emulation import Created
from local_stack.provisioning.moto_account import MotoAccount

# The recorded-only types, and why nothing local needs them created.
RECORDED_ONLY: Mapping[str, str] = MappingProxyType(
    {
        "aws:lambda/function:Function": (
            "the event loop runs its handler in process with its declared environment"
        ),
        "aws:lambda/eventSourceMapping:EventSourceMapping": (
            "the event loop plays it with its declared batch, window, filter and failure settings"
        ),
        "aws:cloudwatch/logGroup:LogGroup": "the handlers log to the console locally",
        "aws:cloudwatch/dashboard:Dashboard": "no CloudWatch metrics locally",
        "aws:iam/role:Role": "moto does not enforce IAM; tests/infra checks every grant",
        "aws:iam/rolePolicy:RolePolicy": "moto does not enforce IAM; tests/infra checks it",
        "aws:s3/bucketPolicy:BucketPolicy": (
            "moto evaluates bucket policies without their conditions, so the TLS-only Deny "
            "would refuse every request; local requests are HTTPS anyway"
        ),
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
            "transitions and expirations act after days, longer than any local run"
        ),
    }
)


class _RecordedArn(NamedTuple):
    output: str  # the output that carries the ARN
    arn_format: str  # as AWS forms it, from the name, region and account


_RECORDED_ARNS: Mapping[str, _RecordedArn] = MappingProxyType(
    {
        "aws:lambda/function:Function": _RecordedArn(
            "arn", "arn:{partition}:lambda:{region}:{account}:function:{name}"
        ),
        "aws:lambda/eventSourceMapping:EventSourceMapping": _RecordedArn(
            "arn", "arn:{partition}:lambda:{region}:{account}:event-source-mapping:{name}"
        ),
        "aws:cloudwatch/logGroup:LogGroup": _RecordedArn(
            "arn", "arn:{partition}:logs:{region}:{account}:log-group:{name}"
        ),
        "aws:cloudwatch/dashboard:Dashboard": _RecordedArn(
            "dashboardArn", "arn:{partition}:cloudwatch::{account}:dashboard/{name}"
        ),
        "aws:iam/role:Role": _RecordedArn("arn", "arn:{partition}:iam::{account}:role/{name}"),
    }
)


def record(aws: MotoAccount, type_: str, name: str, inputs: dict[str, Any]) -> Created:
    """The id (and ARN, for the types that have one) a recorded-only resource answers with."""
    if type_ == "aws:iam/rolePolicy:RolePolicy":
        return f"{inputs['role']}:{inputs.get('name', name)}", {}
    if type_ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        mapping_id = str(uuid.uuid4())
        arn_format = _RECORDED_ARNS[type_].arn_format
        return mapping_id, {"uuid": mapping_id, "arn": aws.arn(arn_format, mapping_id)}
    if "bucket" in inputs:  # a bucket's companion: its id is the bucket's
        return inputs["bucket"], {}
    physical = inputs.get("name") or inputs.get("dashboardName") or name
    output, arn_format = _RECORDED_ARNS[type_]
    return physical, {"name": physical, output: aws.arn(arn_format, physical)}
