"""Provisioning: the program's resources created in moto, the AWS of the local stack.

`provision(stack)` runs the project's Pulumi program with the stack's config (program.py)
under `MotoMocks`, inside the caller's `mock_aws()`, and returns the `LocalStack` the event
loop plays (stack.py). So the local stack is exactly what the program declares.

Created in moto from the declared inputs (camelCase, as the engine passes them): tables (keys,
indexes, stream, TTL, point-in-time recovery, encryption), queues (every attribute, the
redrive policy naming the DLQ's ARN), redrive-allow policies, topics and their policies, the
KMS key and alias, the bucket with its versioning, encryption, public access block and
ownership controls, the schedule group and schedule. Each answers with moto's real id, ARN
and URL, so whatever refers to it (a redrive policy, a function's environment, a mapping's
source) names the moto resource. Resource types the service's behaviour does not depend on
locally are recorded with their inputs (`RECORDED_ONLY`, each with the reason). Any other
type, and any input an emulation would not apply, is a ProvisioningError naming it, so a new
resource or setting cannot be silently left out of the local stack.

Provisioning uses its own boto3 session (fake credentials, the stack's region, account-based
endpoints off, configured endpoint URLs ignored), so it needs nothing from `os.environ` but an
active `mock_aws()`. The handlers the event loop runs create their own clients: the caller
sets their region and fake credentials (and AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled).
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import boto3
import pulumi
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import create_loader
from moto.core.models import botocore_stubber

from price_monitor.local.program import ProgramError, run_program, stack_config
from price_monitor.local.stack import LocalStack, ProvisioningError, assemble

__all__ = ["RECORDED_ONLY", "LocalStack", "MotoMocks", "ProvisioningError", "provision"]

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

# ARNs of the recorded resources (as AWS forms them), from the name, region and account.
_RECORDED_ARNS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "aws:lambda/function:Function": (
            "arn",
            "arn:{partition}:lambda:{region}:{account}:function:{name}",
        ),
        "aws:lambda/eventSourceMapping:EventSourceMapping": (
            "arn",
            "arn:{partition}:lambda:{region}:{account}:event-source-mapping:{name}",
        ),
        "aws:cloudwatch/logGroup:LogGroup": (
            "arn",
            "arn:{partition}:logs:{region}:{account}:log-group:{name}",
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": (
            "arn",
            "arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}",
        ),
        "aws:cloudwatch/dashboard:Dashboard": (
            "dashboardArn",
            "arn:{partition}:cloudwatch::{account}:dashboard/{name}",
        ),
        "aws:iam/role:Role": ("arn", "arn:{partition}:iam::{account}:role/{name}"),
    }
)

# Inputs that change nothing the service does, accepted on every emulated resource.
_NEUTRAL_INPUTS = frozenset(("tags", "region"))
_EMAIL_PROTOCOLS = frozenset(("email", "email-json"))
_QUEUE_ATTRIBUTES: Mapping[str, str] = MappingProxyType(
    {
        "visibilityTimeoutSeconds": "VisibilityTimeout",
        "messageRetentionSeconds": "MessageRetentionPeriod",
        "delaySeconds": "DelaySeconds",
        "maxMessageSize": "MaximumMessageSize",
        "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
        "redrivePolicy": "RedrivePolicy",
        "redriveAllowPolicy": "RedriveAllowPolicy",
        "policy": "Policy",
        "sqsManagedSseEnabled": "SqsManagedSseEnabled",
        "kmsMasterKeyId": "KmsMasterKeyId",
        "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
        "fifoQueue": "FifoQueue",
        "contentBasedDeduplication": "ContentBasedDeduplication",
        "deduplicationScope": "DeduplicationScope",
        "fifoThroughputLimit": "FifoThroughputLimit",
    }
)
_TOPIC_ATTRIBUTES: Mapping[str, str] = MappingProxyType(
    {
        "kmsMasterKeyId": "KmsMasterKeyId",
        "policy": "Policy",
        "displayName": "DisplayName",
        "deliveryPolicy": "DeliveryPolicy",
        "fifoTopic": "FifoTopic",
        "contentBasedDeduplication": "ContentBasedDeduplication",
    }
)


def provision(
    stack: str = "dev",
    *,
    allowed_hosts: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> LocalStack:
    """Create the stack's resources in moto, as the program declares them for `stack`.

    Must run inside `mock_aws()`. `allowed_hosts` become the stack's `allowedHosts` (in place
    of the stack file's), which is how the scraper may reach a site on loopback. `overrides`
    replace config values of the stack file: bare keys are `price-monitor:` keys, keys with a
    namespace (`aws:region`) are taken as is. Raises ProvisioningError with the reason.
    """
    if not botocore_stubber.enabled:
        raise ProvisioningError(
            "the local stack is created in moto: call provision() inside `with mock_aws():`"
        )
    values = dict(overrides or {})
    if allowed_hosts:
        values["allowedHosts"] = list(allowed_hosts)
    try:
        config = stack_config(stack, values)
    except FileNotFoundError:
        raise ProvisioningError(f"there is no stack {stack!r}: no Pulumi.{stack}.yaml") from None
    mocks = MotoMocks(region=config.get("aws:region", ""))
    try:
        run = run_program(stack, config, mocks)
    except ProgramError as error:
        raise ProvisioningError(
            f"the {stack} stack could not be provisioned locally: {error.cause}"
        ) from error
    return assemble(run)


@dataclass(frozen=True)
class _Emulation:
    create: Callable[[MotoMocks, str, dict[str, Any]], tuple[str, dict[str, Any]]]
    inputs: frozenset[str]  # what `create` applies, besides the neutral inputs


class MotoMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that create each declared resource in moto, or record it.

    `new_resource` answers with the resource's real id and its inputs plus the attributes AWS
    computes (ARN, URL, stream ARN...), camelCase like the engine. Invokes are answered from
    moto and botocore's data: the caller's identity, the region's partition, and the
    functions' package (see `_package`). The SDK registers resources from worker threads,
    so every call holds a lock: moto's backends are not meant for concurrent writers.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._lock = threading.Lock()
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

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
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

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        with self._lock:
            if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
                identity = self._client("sts").get_caller_identity()
                return {
                    "id": identity["Account"],
                    "accountId": identity["Account"],
                    "arn": identity["Arn"],
                    "userId": identity["UserId"],
                }
            if args.token == "aws:index/getPartition:getPartition":
                return self._partition_result
            if args.token == "archive:index/getFile:getFile":
                return self._package(args.args)
        raise ProvisioningError(f"the local stack does not answer the invoke {args.token}")

    # --- dispatch ------------------------------------------------------------------------

    def _new_resource(
        self, type_: str, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        emulation = _EMULATIONS.get(type_)
        if emulation is not None:
            _require_applied(type_, name, inputs, emulation.inputs)
            return emulation.create(self, name, inputs)
        if type_ in RECORDED_ONLY:
            return self._recorded(type_, name, inputs)
        raise ProvisioningError(
            f"{type_} {name}: the local stack does not support this resource type; emulate it "
            "in price_monitor/local/provision.py or add it to RECORDED_ONLY with the reason"
        )

    def _recorded(
        self, type_: str, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        if type_ == "aws:iam/rolePolicy:RolePolicy":
            return f"{inputs['role']}:{inputs.get('name', name)}", {}
        if type_ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            mapping_id = str(uuid.uuid4())
            return mapping_id, {"uuid": mapping_id, "arn": self._arn(type_, mapping_id)}
        if "bucket" in inputs:  # a bucket's companion: its id is the bucket's
            return inputs["bucket"], {}
        physical = inputs.get("name") or inputs.get("dashboardName") or name
        key, _ = _RECORDED_ARNS[type_]
        return physical, {"name": physical, key: self._arn(type_, physical)}

    # --- DynamoDB ------------------------------------------------------------------------

    def _table(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client = self._client("dynamodb", inputs)
        table = inputs.get("name") or name
        request: dict[str, Any] = {
            "TableName": table,
            "BillingMode": inputs.get("billingMode", "PROVISIONED"),
            "AttributeDefinitions": [
                {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
                for attribute in inputs.get("attributes", [])
            ],
            "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
            "DeletionProtectionEnabled": bool(inputs.get("deletionProtectionEnabled", False)),
        }
        if inputs.get("globalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = [
                _global_index(index) for index in inputs["globalSecondaryIndexes"]
            ]
        if inputs.get("streamEnabled"):
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": inputs["streamViewType"],
            }
        encryption = inputs.get("serverSideEncryption") or {}
        if encryption.get("enabled"):
            request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"} | (
                {"KMSMasterKeyId": encryption["kmsKeyArn"]} if encryption.get("kmsKeyArn") else {}
            )
        description = client.create_table(**request)["TableDescription"]
        ttl = inputs.get("ttl") or {}
        if ttl.get("enabled"):
            client.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
            )
        if (inputs.get("pointInTimeRecovery") or {}).get("enabled"):
            client.update_continuous_backups(
                TableName=table,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        return table, {
            "name": table,
            "arn": description["TableArn"],
            "streamArn": description.get("LatestStreamArn", ""),
            "streamLabel": description.get("LatestStreamLabel", ""),
        }

    # --- CloudWatch ----------------------------------------------------------------------

    def _alarm(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The alarm as declared, so `pricemon status` finds it. Nothing evaluates it locally
        (the EMF metrics stay in the functions' log): it stays INSUFFICIENT_DATA."""
        client = self._client("cloudwatch", inputs)
        alarm = inputs.get("name") or name
        request: dict[str, Any] = {
            "AlarmName": alarm,
            "ComparisonOperator": inputs["comparisonOperator"],
            "EvaluationPeriods": int(inputs["evaluationPeriods"]),
            "Threshold": float(inputs["threshold"]),
            "AlarmActions": list(inputs.get("alarmActions") or []),
            "OKActions": list(inputs.get("okActions") or []),
        }
        for key, field in _ALARM_FIELDS.items():
            if inputs.get(key) not in (None, ""):
                request[field] = _pascal(inputs[key])
        if inputs.get("dimensions"):
            request["Dimensions"] = _dimensions(inputs["dimensions"])
        if inputs.get("metricQueries"):
            request["Metrics"] = [_metric_query(query) for query in inputs["metricQueries"]]
        client.put_metric_alarm(**request)
        # moto would report OK, which nothing here has checked: say what is true.
        client.set_alarm_state(
            AlarmName=alarm,
            StateValue="INSUFFICIENT_DATA",
            StateReason="not evaluated on the local stack: metrics stay in the logs as EMF",
        )
        return alarm, {
            "name": alarm,
            "arn": self._arn("aws:cloudwatch/metricAlarm:MetricAlarm", alarm),
        }

    # --- SQS -----------------------------------------------------------------------------

    def _queue(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client = self._client("sqs", inputs)
        queue = inputs.get("name") or name
        attributes = {
            attribute: _attribute_text(inputs[key])
            for key, attribute in _QUEUE_ATTRIBUTES.items()
            if inputs.get(key) not in (None, "")
        }
        url = client.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, {"name": queue, "url": url, "arn": arn}

    def _redrive_allow_policy(
        self, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        self._client("sqs", inputs).set_queue_attributes(
            QueueUrl=inputs["queueUrl"],
            Attributes={"RedriveAllowPolicy": inputs["redriveAllowPolicy"]},
        )
        return inputs["queueUrl"], {}

    # --- SNS -----------------------------------------------------------------------------

    def _topic(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        topic = inputs.get("name") or name
        attributes = {
            attribute: _attribute_text(inputs[key])
            for key, attribute in _TOPIC_ATTRIBUTES.items()
            if inputs.get(key) not in (None, "")
        }
        arn = self._client("sns", inputs).create_topic(Name=topic, Attributes=attributes)[
            "TopicArn"
        ]
        return arn, {"name": topic, "arn": arn, "owner": self._account_id}

    def _topic_policy(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self._client("sns", inputs).set_topic_attributes(
            TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=inputs["policy"]
        )
        return inputs["arn"], {"owner": self._account_id}

    def _topic_subscription(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # Email needs a person to confirm; the loop subscribes its own inbox to the topics.
        if inputs["protocol"] not in _EMAIL_PROTOCOLS:
            raise ProvisioningError(
                f"aws:sns/topicSubscription:TopicSubscription {name}: the local stack does not "
                f"deliver to protocol {inputs['protocol']!r}"
            )
        arn = f"{inputs['topic']}:{uuid.uuid4()}"
        return arn, {"arn": arn, "ownerId": self._account_id, "pendingConfirmation": True}

    # --- KMS -----------------------------------------------------------------------------

    def _key(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client = self._client("kms", inputs)
        request = {
            request_key: inputs[key]
            for key, request_key in (
                ("description", "Description"),
                ("policy", "Policy"),
                ("keyUsage", "KeyUsage"),
                ("customerMasterKeySpec", "KeySpec"),
            )
            if inputs.get(key)
        }
        key = client.create_key(**request)["KeyMetadata"]
        if inputs.get("enableKeyRotation"):
            client.enable_key_rotation(KeyId=key["KeyId"])
        return key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"]}

    def _alias(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client = self._client("kms", inputs)
        client.create_alias(AliasName=inputs["name"], TargetKeyId=inputs["targetKeyId"])
        key_arn = client.describe_key(KeyId=inputs["targetKeyId"])["KeyMetadata"]["Arn"]
        alias_arn = key_arn.split(":key/")[0] + ":" + inputs["name"]
        return inputs["name"], {"name": inputs["name"], "arn": alias_arn, "targetKeyArn": key_arn}

    # --- S3 ------------------------------------------------------------------------------

    def _bucket(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client = self._client("s3", inputs)
        bucket = inputs.get("bucket") or name
        region = inputs.get("region") or self.region
        if region == "us-east-1":  # the one region S3 refuses a location constraint for
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
        arn = f"arn:{self._partition}:s3:::{bucket}"
        return bucket, {"bucket": bucket, "arn": arn, "region": region}

    def _bucket_versioning(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self._client("s3", inputs).put_bucket_versioning(
            Bucket=inputs["bucket"],
            VersioningConfiguration={"Status": inputs["versioningConfiguration"]["status"]},
        )
        return inputs["bucket"], {}

    def _bucket_encryption(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rules = []
        for rule in inputs["rules"]:
            default = rule.get("applyServerSideEncryptionByDefault") or {}
            applied: dict[str, Any] = {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": default["sseAlgorithm"]}
                | (
                    {"KMSMasterKeyID": default["kmsMasterKeyId"]}
                    if default.get("kmsMasterKeyId")
                    else {}
                )
            }
            if "bucketKeyEnabled" in rule:
                applied["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
            rules.append(applied)
        self._client("s3", inputs).put_bucket_encryption(
            Bucket=inputs["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
        )
        return inputs["bucket"], {}

    def _bucket_public_access_block(
        self, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        self._client("s3", inputs).put_public_access_block(
            Bucket=inputs["bucket"],
            PublicAccessBlockConfiguration={
                setting: bool(inputs.get(key, False))
                for key, setting in (
                    ("blockPublicAcls", "BlockPublicAcls"),
                    ("blockPublicPolicy", "BlockPublicPolicy"),
                    ("ignorePublicAcls", "IgnorePublicAcls"),
                    ("restrictPublicBuckets", "RestrictPublicBuckets"),
                )
            },
        )
        return inputs["bucket"], {}

    def _bucket_ownership_controls(
        self, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        self._client("s3", inputs).put_bucket_ownership_controls(
            Bucket=inputs["bucket"],
            OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
        )
        return inputs["bucket"], {}

    # --- EventBridge Scheduler -----------------------------------------------------------

    def _schedule_group(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = inputs.get("name") or name
        arn = self._client("scheduler", inputs).create_schedule_group(Name=group)[
            "ScheduleGroupArn"
        ]
        return group, {"name": group, "arn": arn}

    def _schedule(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        schedule = inputs.get("name") or name
        group = inputs.get("groupName") or "default"
        request = {
            "Name": schedule,
            "GroupName": group,
            "ScheduleExpression": inputs["scheduleExpression"],
            # The scheduler's API shapes are the camelCase inputs with capitals.
            "FlexibleTimeWindow": _pascal(inputs["flexibleTimeWindow"]),
            "Target": _pascal(inputs["target"]),
        }
        for key, request_key in (
            ("scheduleExpressionTimezone", "ScheduleExpressionTimezone"),
            ("description", "Description"),
        ):
            if inputs.get(key):
                request[request_key] = inputs[key]
        arn = self._client("scheduler", inputs).create_schedule(**request)["ScheduleArn"]
        return f"{group}/{schedule}", {"name": schedule, "groupName": group, "arn": arn}

    # --- invokes -------------------------------------------------------------------------

    def _package(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The functions' package: the local stack runs the tree itself, so nothing is zipped.

        `outputPath` names the tree, and the hashes are a digest of its files (relative
        paths and contents, the declared excludes left out): they change when, and only
        when, the code the local functions run changes. They are not a zip's hashes.
        """
        if not args.get("sourceDir"):
            raise ProvisioningError(
                "archive:index/getFile:getFile: the local stack packages directories only"
            )
        source = Path(args["sourceDir"])
        digest, size = tree_digest(source, args.get("excludes") or ())
        return {
            **args,
            "id": digest.hex(),
            "outputPath": str(source),
            "outputSize": size,
            "outputSha256": digest.hex(),
            "outputBase64sha256": base64.b64encode(digest).decode("ascii"),
        }

    # --- helpers -------------------------------------------------------------------------

    def _client(self, service: str, inputs: Mapping[str, Any] | None = None) -> Any:
        region = (inputs or {}).get("region") or self.region
        if (service, region) not in self._clients:
            self._clients[(service, region)] = self._session.client(
                service, region_name=region, config=self._config
            )
        return self._clients[(service, region)]

    @cached_property
    def _account_id(self) -> str:
        return self._client("sts").get_caller_identity()["Account"]

    @cached_property
    def _partition(self) -> str:
        return self._session.get_partition_for_region(self.region)

    @cached_property
    def _partition_result(self) -> dict[str, str]:
        partitions = create_loader().load_data("partitions")["partitions"]
        (partition,) = [entry for entry in partitions if entry["id"] == self._partition]
        dns_suffix = partition["outputs"]["dnsSuffix"]
        return {
            "id": self._partition,
            "partition": self._partition,
            "dnsSuffix": dns_suffix,
            "reverseDnsPrefix": ".".join(reversed(dns_suffix.split("."))),
        }

    def _arn(self, type_: str, name: str) -> str:
        _, arn_format = _RECORDED_ARNS[type_]
        return arn_format.format(
            partition=self._partition, region=self.region, account=self._account_id, name=name
        )


def tree_digest(source: Path, excludes: Collection[str] = ()) -> tuple[bytes, int]:
    """SHA-256 over the files under `source` (relative path and content, in path order), and
    their total size; `excludes` are the archive's globs (`**/x` matches at any depth)."""
    digest, size = hashlib.sha256(), 0
    for path in sorted(path for path in source.rglob("*") if path.is_file()):
        relative = path.relative_to(source).as_posix()
        if _excluded(relative, excludes):
            continue
        content = path.read_bytes()
        digest.update(relative.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
        size += len(content)
    return digest.digest(), size


def _excluded(relative: str, excludes: Collection[str]) -> bool:
    parts = relative.split("/")
    for pattern in excludes:
        if pattern.startswith("**/"):
            if any(fnmatchcase(part, pattern[3:]) for part in parts):
                return True
        elif fnmatchcase(relative, pattern):
            return True
    return False


def _require_applied(
    type_: str, name: str, inputs: Mapping[str, Any], applied: Collection[str]
) -> None:
    unknown = sorted(set(inputs) - set(applied) - _NEUTRAL_INPUTS)
    if unknown:
        raise ProvisioningError(
            f"{type_} {name}: the local stack does not apply {', '.join(unknown)}; "
            "emulate it in price_monitor/local/provision.py"
        )


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _global_index(index: Mapping[str, Any]) -> dict[str, Any]:
    # pulumi-aws v7 declares the keys as keySchemas; the older hashKey/rangeKey still work.
    if index.get("keySchemas"):
        schema = [
            {"AttributeName": key["attributeName"], "KeyType": key["keyType"]}
            for key in index["keySchemas"]
        ]
    else:
        schema = _key_schema(index["hashKey"], index.get("rangeKey"))
    projection: dict[str, Any] = {"ProjectionType": index["projectionType"]}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return {"IndexName": index["name"], "KeySchema": schema, "Projection": projection}


def _attribute_text(value: Any) -> str:
    """An input as SQS and SNS attributes spell it: booleans in lowercase, whole numbers bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pascal(value: Any) -> Any:
    """Nested camelCase inputs as an API's PascalCase request (whole numbers as int).

    Enough for the scheduler's SQS targets; a list (other targets' parameters) would reach
    botocore as declared and be refused there, loudly.
    """
    if isinstance(value, Mapping):
        return {key[:1].upper() + key[1:]: _pascal(item) for key, item in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Alarm inputs passed to PutMetricAlarm as they are (the rest are built above).
_ALARM_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "alarmDescription": "AlarmDescription",
        "metricName": "MetricName",
        "namespace": "Namespace",
        "statistic": "Statistic",
        "period": "Period",
        "treatMissingData": "TreatMissingData",
        "datapointsToAlarm": "DatapointsToAlarm",
    }
)


def _dimensions(dimensions: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Name": key, "Value": str(value)} for key, value in dimensions.items()]


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A declared metric query (camelCase, dimensions as a map) as PutMetricAlarm's Metrics."""
    request: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    for key, field in (("expression", "Expression"), ("label", "Label")):
        if query.get(key):
            request[field] = query[key]
    metric = query.get("metric")
    if metric:
        request["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": _dimensions(metric.get("dimensions") or {}),
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
    return request


_EMULATIONS: Mapping[str, _Emulation] = MappingProxyType(
    {
        "aws:dynamodb/table:Table": _Emulation(
            MotoMocks._table,
            frozenset(
                (
                    "name",
                    "billingMode",
                    "hashKey",
                    "rangeKey",
                    "attributes",
                    "globalSecondaryIndexes",
                    "streamEnabled",
                    "streamViewType",
                    "ttl",
                    "pointInTimeRecovery",
                    "serverSideEncryption",
                    "deletionProtectionEnabled",
                )
            ),
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": _Emulation(
            MotoMocks._alarm,
            frozenset(
                (
                    "name",
                    "comparisonOperator",
                    "evaluationPeriods",
                    "threshold",
                    "alarmActions",
                    "okActions",
                    "dimensions",
                    "metricQueries",
                    *_ALARM_FIELDS,
                )
            ),
        ),
        "aws:sqs/queue:Queue": _Emulation(
            MotoMocks._queue, frozenset({"name", *_QUEUE_ATTRIBUTES})
        ),
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _Emulation(
            MotoMocks._redrive_allow_policy, frozenset(("queueUrl", "redriveAllowPolicy"))
        ),
        "aws:sns/topic:Topic": _Emulation(
            MotoMocks._topic, frozenset({"name", *_TOPIC_ATTRIBUTES})
        ),
        "aws:sns/topicPolicy:TopicPolicy": _Emulation(
            MotoMocks._topic_policy, frozenset(("arn", "policy"))
        ),
        "aws:sns/topicSubscription:TopicSubscription": _Emulation(
            MotoMocks._topic_subscription,
            frozenset(("topic", "protocol", "endpoint", "confirmationTimeoutInMinutes")),
        ),
        # The key's deletion window only matters when it is deleted.
        "aws:kms/key:Key": _Emulation(
            MotoMocks._key,
            frozenset(
                (
                    "description",
                    "policy",
                    "keyUsage",
                    "customerMasterKeySpec",
                    "enableKeyRotation",
                    "deletionWindowInDays",
                )
            ),
        ),
        "aws:kms/alias:Alias": _Emulation(MotoMocks._alias, frozenset(("name", "targetKeyId"))),
        # forceDestroy only matters when the stack is destroyed.
        "aws:s3/bucket:Bucket": _Emulation(
            MotoMocks._bucket, frozenset(("bucket", "forceDestroy"))
        ),
        "aws:s3/bucketVersioning:BucketVersioning": _Emulation(
            MotoMocks._bucket_versioning, frozenset(("bucket", "versioningConfiguration"))
        ),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
            _Emulation(MotoMocks._bucket_encryption, frozenset(("bucket", "rules")))
        ),
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _Emulation(
            MotoMocks._bucket_public_access_block,
            frozenset(
                (
                    "bucket",
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                )
            ),
        ),
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _Emulation(
            MotoMocks._bucket_ownership_controls, frozenset(("bucket", "rule"))
        ),
        "aws:scheduler/scheduleGroup:ScheduleGroup": _Emulation(
            MotoMocks._schedule_group, frozenset(("name",))
        ),
        "aws:scheduler/schedule:Schedule": _Emulation(
            MotoMocks._schedule,
            frozenset(
                (
                    "name",
                    "groupName",
                    "scheduleExpression",
                    "scheduleExpressionTimezone",
                    "flexibleTimeWindow",
                    "target",
                    "description",
                )
            ),
        ),
    }
)
