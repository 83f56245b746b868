"""Policy documents (IAM roles, key, topic and bucket policies), built from what they grant.

One statement per purpose, each with a `Sid` that says it, and only the actions the code
uses. Documents are JSON strings made with `Output.json_dumps`, so ARNs flow in as Outputs
and no provider invoke is needed (which also keeps the Pulumi mock tests free of invokes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

VERSION = "2012-10-17"

Statement = dict[str, Any]

# Everything the account needs to administer the SNS key, listed action by action instead of
# `kms:*`. `kms:PutKeyPolicy` is what keeps the account from ever being locked out: whoever
# may update the key policy can repair any omission. Decrypt and GenerateDataKey let IAM
# policies (the detector's) use the key; nothing in this stack needs Encrypt or grants.
KEY_ADMINISTRATION = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# What a publisher to a KMS-encrypted topic needs on the key (explicit, not GenerateDataKey*).
KEY_USE_FOR_PUBLISHING = ("kms:Decrypt", "kms:GenerateDataKey")


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    condition: Mapping[str, Any] | None = None,
    principal: Mapping[str, Any] | None = None,
) -> Statement:
    """An Allow statement; `principal` only for resource policies."""
    return _statement("Allow", sid, actions, resources, condition, principal)


def document(*statements: Statement) -> pulumi.Output[str]:
    """The policy document of `statements`, as the JSON string AWS expects."""
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})


def service_trust(
    service: str, source_account: pulumi.Input[str] | None = None
) -> pulumi.Output[str]:
    """A role trust policy: only `service` may assume it (from `source_account`, if given)."""
    condition = None
    if source_account is not None:
        # Confused-deputy guard: the service may act only for this account's resources.
        condition = {"StringEquals": {"aws:SourceAccount": source_account}}
    return document(
        {
            "Sid": "AssumedOnlyBy" + service.split(".")[0].capitalize(),
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            **({"Condition": condition} if condition else {}),
        }
    )


def write_own_logs(log_group_arn: pulumi.Input[str]) -> Statement:
    """A function writes its own log group only (created by the stack, so no CreateLogGroup)."""
    return allow(
        "WriteOwnLogGroup",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [log_group_arn, pulumi.Output.concat(log_group_arn, ":*")],
    )


def send_traces(region: str) -> Statement:
    """X-Ray trace upload.

    X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions,
    so the resource must be "*"; the condition keeps the grant to this stack's region.
    """
    return allow(
        "SendXRayTraces",
        ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        ["*"],
        condition={"StringEquals": {"aws:RequestedRegion": region}},
    )


def run_function(log_group_arn: pulumi.Input[str], region: str, tracing: bool) -> list[Statement]:
    """What every function needs to run: its logs, and its traces when tracing is on."""
    return [write_own_logs(log_group_arn), *([send_traces(region)] if tracing else [])]


def scraper_policy(
    *,
    products_table_arn: pulumi.Input[str],
    prices_table_arn: pulumi.Input[str],
    runs_table_arn: pulumi.Input[str],
    archive_bucket_arn: pulumi.Input[str],
    scrape_queue_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
    region: str,
    tracing: bool,
) -> pulumi.Output[str]:
    """What the scraper (dispatcher included) does, and nothing else."""
    return document(
        allow(
            # Scan pages the catalog (dispatch); BatchGetItem reads a batch's current state;
            # UpdateItem writes latest state and failures.
            "ReadCatalogAndWriteLatestState",
            ["dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
            [products_table_arn],
        ),
        # BatchWriteItem puts a batch's history rows: AWS authorises it as its own action
        # only (no PutItem; docs/architecture.md, "IAM"). Query finds the row an earlier
        # delivery of a redelivered job wrote (the table itself, not its index).
        allow("WritePriceHistory", ["dynamodb:BatchWriteItem"], [prices_table_arn]),
        allow("FindRedeliveredHistoryRows", ["dynamodb:Query"], [prices_table_arn]),
        # A conditional UpdateItem creates (or takes over) a run's record, so a duplicated
        # schedule fire is a no-op, and counts its progress and outcomes (run_tally);
        # GetItem reads a duplicate's run.
        allow("RecordRuns", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [runs_table_arn]),
        allow(
            # Lambda's SQS event source polls the queue with this role.
            "EventSourceConsumesScrapeQueue",
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            [scrape_queue_arn],
        ),
        allow(
            # Dispatch and continuation send (SendMessageBatch is authorised as SendMessage);
            # a transient failure's backoff is its message's visibility timeout.
            "FeedScrapeQueueAndSetBackoff",
            ["sqs:SendMessage", "sqs:ChangeMessageVisibility"],
            [scrape_queue_arn],
        ),
        allow(
            "ArchiveObservations",
            ["s3:PutObject"],
            [pulumi.Output.concat(archive_bucket_arn, "/prices/*")],
        ),
        *run_function(log_group_arn, region, tracing),
    )


def detector_policy(
    *,
    products_stream_arn: pulumi.Input[str],
    idempotency_table_arn: pulumi.Input[str],
    alerts_topic_arn: pulumi.Input[str],
    topic_key_arn: pulumi.Input[str],
    stream_failure_queue_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
    region: str,
    tracing: bool,
) -> pulumi.Output[str]:
    """What the detector does, and nothing else."""
    return document(
        # Lambda's stream event source reads the stream with this role.
        allow(
            "EventSourceReadsProductsStream",
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            [products_stream_arn],
        ),
        # ListStreams has no resource type (Service Authorization Reference): granted on a
        # stream ARN it never applies. Lambda's documented stream permissions include it, so
        # it is granted as AWS documents it, on "*", kept to this stack's region.
        allow(
            "EventSourceListsStreams",
            ["dynamodb:ListStreams"],
            ["*"],
            condition={"StringEquals": {"aws:RequestedRegion": region}},
        ),
        allow(
            # Powertools idempotency reads an existing record from its conditional PutItem's
            # failure (ReturnValuesOnConditionCheckFailure), so it never needs GetItem.
            "KeepIdempotencyRecords",
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [idempotency_table_arn],
        ),
        allow("PublishPriceAlerts", ["sns:Publish"], [alerts_topic_arn]),
        allow(
            # The alerts topic is encrypted with the stack's key: publishing needs it, and
            # only through SNS.
            "EncryptPriceAlerts",
            list(KEY_USE_FOR_PUBLISHING),
            [topic_key_arn],
            condition={"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com"}},
        ),
        # Lambda sends a batch that exhausted its retries there, with this role.
        allow("SendFailedStreamBatches", ["sqs:SendMessage"], [stream_failure_queue_arn]),
        *run_function(log_group_arn, region, tracing),
    )


def schedule_policy(
    *, scrape_queue_arn: pulumi.Input[str], schedule_dlq_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The schedule's execution role: deliver the run message, or dead-letter it.

    EventBridge Scheduler delivers failed invocations to the schedule's DLQ with the same
    execution role ("Configuring a schedule's dead-letter queue", Scheduler user guide), so
    the DLQ needs its own statement.
    """
    return document(
        allow("SendScheduledRunToScrapeQueue", ["sqs:SendMessage"], [scrape_queue_arn]),
        allow("SendUndeliveredRunToScheduleDLQ", ["sqs:SendMessage"], [schedule_dlq_arn]),
    )


def topic_key_policy(
    *, account_id: pulumi.Input[str], partition: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The SNS key: the account administers it; CloudWatch alarms may publish with it.

    CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, whose policy
    nobody can change; this customer-managed key names the CloudWatch service principal.
    """
    root = pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")
    return document(
        allow(
            # In a key policy "*" is this key. The account principal delegates to IAM.
            "AccountAdministersKey",
            list(KEY_ADMINISTRATION) + list(KEY_USE_FOR_PUBLISHING),
            ["*"],
            principal={"AWS": root},
        ),
        allow(
            "CloudWatchAlarmsPublishWithKey",
            list(KEY_USE_FOR_PUBLISHING),
            ["*"],
            principal={"Service": "cloudwatch.amazonaws.com"},
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        ),
    )


def alarm_topic_policy(
    *, topic_arn: pulumi.Input[str], account_id: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The ops topic accepts alarm notifications from this account's CloudWatch alarms."""
    return document(
        allow(
            "CloudWatchAlarmsPublish",
            ["sns:Publish"],
            [topic_arn],
            principal={"Service": "cloudwatch.amazonaws.com"},
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        )
    )


def tls_only_bucket_policy(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Refuse every request to the bucket or its objects that does not come over TLS.

    A Deny of `s3:*` is the one wildcard action in the stack: it takes rights away.
    """
    return document(
        _statement(
            "Deny",
            "DenyInsecureTransport",
            ["s3:*"],
            [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
            {"Bool": {"aws:SecureTransport": "false"}},
            {"AWS": "*"},
        )
    )


def _statement(
    effect: str,
    sid: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    condition: Mapping[str, Any] | None,
    principal: Mapping[str, Any] | None,
) -> Statement:
    statement: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        statement["Principal"] = dict(principal)
    statement["Action"] = list(actions)
    statement["Resource"] = list(resources)
    if condition is not None:
        statement["Condition"] = dict(condition)
    return statement
