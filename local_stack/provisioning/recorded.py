"""The resource types recorded with their inputs only, and why nothing local needs them
created; and the ids and ARNs AWS would give them, so whatever refers to one still reads
a well-formed value.

Every type here is a decision: a type neither emulated (the services' modules) nor listed
in `RECORDED_ONLY` fails provisioning, so a new resource cannot be silently left out.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from local_stack.provisioning.emulation import Created
from local_stack.provisioning.function_package import tree_digest
from local_stack.provisioning.moto_account import MotoAccount
from price_monitor.packaging import EXCLUDES

ECR_REPOSITORY = "aws:ecr/repository:Repository"
LAYER_VERSION = "aws:lambda/layerVersion:LayerVersion"
DOCKER_IMAGE = "docker-build:index:Image"

# The recorded-only types, and why nothing local needs them created.
RECORDED_ONLY: Mapping[str, str] = MappingProxyType(
    {
        "aws:lambda/function:Function": (
            "the event loop runs its handler in process with its declared environment"
        ),
        LAYER_VERSION: (
            "the functions run in process on this environment, which has the layer's "
            "distributions installed (the layer is built from them: "
            "price_monitor/notifier_layer.py)"
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
        # The renderer (browser retailers only): its image is never built or pulled locally.
        ECR_REPOSITORY: (
            "no image is pulled locally: the renderer runs its handler in process from "
            "functions/, the tree its image is built from"
        ),
        "aws:ecr/lifecyclePolicy:LifecyclePolicy": "no images are stored locally to expire",
        "aws:ecr/repositoryPolicy:RepositoryPolicy": (
            "no image is pulled locally; tests/infra checks who may pull it"
        ),
        DOCKER_IMAGE: (
            "the local stack needs no Docker: the renderer runs its build context (functions/) "
            "in process; its digest stands for the context and renderer/ as they are"
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
        ECR_REPOSITORY: _RecordedArn(
            "arn", "arn:{partition}:ecr:{region}:{account}:repository/{name}"
        ),
    }
)
_REGISTRY = "{account}.dkr.ecr.{region}.amazonaws.com"
_LAYER_ARN = "arn:{partition}:lambda:{region}:{account}:layer:{name}"
_FIRST_VERSION = "1"


def record(aws: MotoAccount, type_: str, name: str, inputs: dict[str, Any]) -> Created:
    """The id (and ARN, for the types that have one) a recorded-only resource answers with."""
    if type_ == "aws:iam/rolePolicy:RolePolicy":
        return f"{inputs['role']}:{inputs.get('name', name)}", {}
    if type_ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        mapping_id = str(uuid.uuid4())
        arn_format = _RECORDED_ARNS[type_].arn_format
        return mapping_id, {"uuid": mapping_id, "arn": aws.arn(arn_format, mapping_id)}
    if type_ == LAYER_VERSION:
        return _recorded_layer(aws, inputs.get("layerName") or name)
    if "bucket" in inputs:  # a bucket's companion: its id is the bucket's
        return inputs["bucket"], {}
    if "repository" in inputs:  # a repository's companion: its id is the repository's
        return inputs["repository"], {}
    if type_ == DOCKER_IMAGE:
        return _recorded_image(inputs)
    physical = inputs.get("name") or inputs.get("dashboardName") or name
    output, arn_format = _RECORDED_ARNS[type_]
    computed = {"name": physical, output: aws.arn(arn_format, physical)}
    if type_ == ECR_REPOSITORY:
        registry = aws.arn(_REGISTRY, physical)
        computed |= {"registryId": aws.account_id, "repositoryUrl": f"{registry}/{physical}"}
    return physical, computed


def _recorded_layer(aws: MotoAccount, layer: str) -> Created:
    """A layer's first version, as Lambda names it: the layer's ARN and `:1` after it.

    Each local stack is provisioned in a fresh moto account, so every layer is at version 1.
    """
    layer_arn = aws.arn(_LAYER_ARN, layer)
    version_arn = f"{layer_arn}:{_FIRST_VERSION}"
    return version_arn, {
        "layerName": layer,
        "layerArn": layer_arn,
        "arn": version_arn,
        "version": _FIRST_VERSION,
    }


def _recorded_image(inputs: dict[str, Any]) -> Created:
    """An image as if built and pushed: its ref, with a digest of what it would be built from.

    The digest covers the build context and the named contexts (functions/ and renderer/,
    caches and tests left out as the image leaves them out), so it changes when, and only
    when, what the image would hold changes.
    """
    context = inputs.get("context") or {}
    locations = [
        context.get("location", ""),
        *(named.get("location", "") for _, named in sorted((context.get("named") or {}).items())),
    ]
    digest = b"".join(
        tree_digest(Path(location), EXCLUDES)[0] for location in locations if location
    )
    image_digest = "sha256:" + hashlib.sha256(digest).hexdigest()
    tags = list(inputs.get("tags") or [])
    ref = f"{tags[0]}@{image_digest}" if tags else image_digest
    return image_digest, {"digest": image_digest, "ref": ref}
