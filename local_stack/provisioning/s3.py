"""The archive bucket in moto, and its companions: versioning, default encryption, public
access block and ownership controls. Each companion's id is its bucket's, as in AWS."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from local_stack.provisioning.emulation import Created, Emulation
from local_stack.provisioning.moto_account import MotoAccount

if TYPE_CHECKING:
    from types_boto3_s3.literals import BucketLocationConstraintType
    from types_boto3_s3.type_defs import (
        PublicAccessBlockConfigurationTypeDef,
        ServerSideEncryptionByDefaultTypeDef,
        ServerSideEncryptionRuleTypeDef,
    )

# PutPublicAccessBlock's settings, by the input that declares each.
_PUBLIC_ACCESS_SETTINGS: Mapping[str, str] = MappingProxyType(
    {
        "blockPublicAcls": "BlockPublicAcls",
        "blockPublicPolicy": "BlockPublicPolicy",
        "ignorePublicAcls": "IgnorePublicAcls",
        "restrictPublicBuckets": "RestrictPublicBuckets",
    }
)


def create_bucket(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("s3", inputs)
    bucket = inputs.get("bucket") or name
    region = inputs.get("region") or aws.region
    if region == "us-east-1":  # the one region S3 refuses a location constraint for
        client.create_bucket(Bucket=bucket)
    else:
        # Every other region is its own location constraint (S3 refuses an unknown one).
        constraint = cast("BucketLocationConstraintType", region)
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": constraint}
        )
    arn = f"arn:{aws.partition}:s3:::{bucket}"
    return bucket, {"bucket": bucket, "arn": arn, "region": region}


def set_versioning(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    aws.client("s3", inputs).put_bucket_versioning(
        Bucket=inputs["bucket"],
        VersioningConfiguration={"Status": inputs["versioningConfiguration"]["status"]},
    )
    return inputs["bucket"], {}


def set_encryption(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    rules: list[ServerSideEncryptionRuleTypeDef] = []
    for rule in inputs["rules"]:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        by_default: ServerSideEncryptionByDefaultTypeDef = {"SSEAlgorithm": default["sseAlgorithm"]}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        applied: ServerSideEncryptionRuleTypeDef = {
            "ApplyServerSideEncryptionByDefault": by_default
        }
        if "bucketKeyEnabled" in rule:
            applied["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
        rules.append(applied)
    aws.client("s3", inputs).put_bucket_encryption(
        Bucket=inputs["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return inputs["bucket"], {}


def set_public_access_block(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    # Every setting of the configuration, as _PUBLIC_ACCESS_SETTINGS names them.
    configuration = cast(
        "PublicAccessBlockConfigurationTypeDef",
        {setting: bool(inputs.get(key, False)) for key, setting in _PUBLIC_ACCESS_SETTINGS.items()},
    )
    aws.client("s3", inputs).put_public_access_block(
        Bucket=inputs["bucket"], PublicAccessBlockConfiguration=configuration
    )
    return inputs["bucket"], {}


def set_ownership_controls(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    aws.client("s3", inputs).put_bucket_ownership_controls(
        Bucket=inputs["bucket"],
        OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
    )
    return inputs["bucket"], {}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        # forceDestroy only matters when the stack is destroyed.
        "aws:s3/bucket:Bucket": Emulation(create_bucket, frozenset(("bucket", "forceDestroy"))),
        "aws:s3/bucketVersioning:BucketVersioning": Emulation(
            set_versioning, frozenset(("bucket", "versioningConfiguration"))
        ),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
            Emulation(set_encryption, frozenset(("bucket", "rules")))
        ),
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": Emulation(
            set_public_access_block, frozenset({"bucket", *_PUBLIC_ACCESS_SETTINGS})
        ),
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": Emulation(
            set_ownership_controls, frozenset(("bucket", "rule"))
        ),
    }
)
