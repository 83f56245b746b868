"""Policy documents (IAM roles, key, topic and bucket policies), built from what they grant.

One statement per purpose, each with a `Sid` that says it, and only the actions the code
uses. Documents are JSON strings made with `Output.json_dumps`, so ARNs flow in as Outputs
and no provider invoke is needed (which also keeps the Pulumi mock tests free of invokes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
# What Lambda's SQS event source does with the function's role.
QUEUE_CONSUMER = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
PAGE_CATALOG = ["dynamodb:Scan"]
LATEST_STATE = ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]


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


@dataclass(frozen=True)
class ScrapeStores:
    """Where a scrape job reads and writes: the same for the scraper and the renderer."""

    products_table_arn: pulumi.Input[str]
    prices_table_arn: pulumi.Input[str]
    runs_table_arn: pulumi.Input[str]
    archive_bucket_arn: pulumi.Input[str]


def scraper_policy(
    *,
    stores: ScrapeStores,
    scrape_queue_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
    region: str,
    tracing: bool,
    render_queue_arn: pulumi.Input[str] | None = None,
    proxy_secret_arns: Sequence[pulumi.Input[str]] = (),
) -> pulumi.Output[str]:
    """What the scraper (dispatcher included) does, and nothing else."""
    return document(
        *_job_state_and_history(stores, dispatches=True),
        allow(
            # Lambda's SQS event source polls the queue with this role.
            "EventSourceConsumesScrapeQueue",
            list(QUEUE_CONSUMER),
            [scrape_queue_arn],
        ),
        allow(
            # Dispatch and continuation send (SendMessageBatch is authorised as SendMessage);
            # a transient failure's backoff is its message's visibility timeout.
            "FeedScrapeQueueAndSetBackoff",
            ["sqs:SendMessage", "sqs:ChangeMessageVisibility"],
            [scrape_queue_arn],
        ),
        _archive_observations(stores),
        *(
            # Jobs of browser retailers, dispatched or escalated from `auto`, go there.
            [allow("SendBrowserJobsToRenderQueue", ["sqs:SendMessage"], [render_queue_arn])]
            if render_queue_arn is not None
            else []
        ),
        *_read_proxy_secrets(proxy_secret_arns),
        *run_function(log_group_arn, region, tracing),
    )


def renderer_policy(
    *,
    stores: ScrapeStores,
    render_queue_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
    region: str,
    tracing: bool,
    proxy_secret_arns: Sequence[pulumi.Input[str]] = (),
) -> pulumi.Output[str]:
    """What the renderer does: the scraper's job path on the render queue, no dispatch."""
    return document(
        *_job_state_and_history(stores, dispatches=False),
        allow("EventSourceConsumesRenderQueue", list(QUEUE_CONSUMER), [render_queue_arn]),
        allow(
            # A job goes back to the render queue (a retry that outlives its visibility); a
            # transient failure's backoff is its message's visibility timeout.
            "ReturnRenderJobsAndSetBackoff",
            ["sqs:SendMessage", "sqs:ChangeMessageVisibility"],
            [render_queue_arn],
        ),
        _archive_observations(stores),
        *_read_proxy_secrets(proxy_secret_arns),
        *run_function(log_group_arn, region, tracing),
    )


def secret_arn(
    secret: str, *, region: str, account_id: pulumi.Input[str], partition: pulumi.Input[str]
) -> pulumi.Input[str]:
    """The ARN an IAM policy grants for a configured secret (a proxy's, a channel's): as
    given when it is an ARN.

    A secret named without its ARN is matched by its name and the 6 random characters
    Secrets Manager appends (`<name>-??????`), as AWS documents for policies by name.
    """
    if secret.startswith("arn:"):
        return secret
    return pulumi.Output.concat(
        "arn:",
        partition,
        ":secretsmanager:",
        region,
        ":",
        account_id,
        ":secret:",
        secret,
        "-??????",
    )


def lambda_pulls_image(
    *, function_name: str, region: str, account_id: pulumi.Input[str], partition: pulumi.Input[str]
) -> pulumi.Output[str]:
    """An ECR repository policy: the Lambda service may pull its images, for one function.

    Lambda pulls a same-account image with these two actions and needs them granted in the
    repository policy (it would otherwise try to add them itself when the function is
    created, outside the stack). The function's ARN is formed from its name because the
    function cannot exist before the policy that lets it pull its image.
    """
    function_arn = pulumi.Output.concat(
        "arn:", partition, ":lambda:", region, ":", account_id, ":function:", function_name
    )
    # A repository policy applies to its repository: its statements name no Resource.
    return document(
        {
            "Sid": "LambdaPullsTheRendererImage",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringEquals": {"aws:SourceArn": function_arn}},
        }
    )


def _job_state_and_history(stores: ScrapeStores, *, dispatches: bool) -> list[Statement]:
    """A scrape job's state and history, for the scraper (which dispatches too) and renderer."""
    return [
        # BatchGetItem reads a batch's current state; UpdateItem writes latest state and
        # failures; the dispatcher's Scan pages the catalog.
        allow(
            "ReadCatalogAndWriteLatestState",
            PAGE_CATALOG + LATEST_STATE,
            [stores.products_table_arn],
        )
        if dispatches
        else allow("ReadAndWriteLatestState", LATEST_STATE, [stores.products_table_arn]),
        # BatchWriteItem puts a batch's history rows: AWS authorises it as its own action
        # only (no PutItem; docs/architecture.md, "IAM"). Query finds the row an earlier
        # delivery of a redelivered job wrote (the table itself, not its index).
        allow("WritePriceHistory", ["dynamodb:BatchWriteItem"], [stores.prices_table_arn]),
        allow("FindRedeliveredHistoryRows", ["dynamodb:Query"], [stores.prices_table_arn]),
        # A conditional UpdateItem creates (or takes over) a run's record, so a duplicated
        # schedule fire is a no-op, and counts its progress and outcomes (run_tally);
        # GetItem reads a duplicate's run (dispatch only).
        allow(
            "RecordRuns",
            (["dynamodb:GetItem"] if dispatches else []) + ["dynamodb:UpdateItem"],
            [stores.runs_table_arn],
        ),
    ]


def _archive_observations(stores: ScrapeStores) -> Statement:
    return allow(
        "ArchiveObservations",
        ["s3:PutObject"],
        [pulumi.Output.concat(stores.archive_bucket_arn, "/prices/*")],
    )


def notifier_policy(
    *,
    notify_queue_arn: pulumi.Input[str],
    notify_dlq_arn: pulumi.Input[str],
    idempotency_table_arn: pulumi.Input[str],
    channel_state_table_arn: pulumi.Input[str],
    channel_secret_arns: Sequence[pulumi.Input[str]],
    log_group_arn: pulumi.Input[str],
    region: str,
    tracing: bool,
) -> pulumi.Output[str]:
    """What the notifier does, and nothing else."""
    return document(
        allow("EventSourceConsumesNotifyQueue", list(QUEUE_CONSUMER), [notify_queue_arn]),
        # Deliveries deferred past quiet hours, retried after a transient failure, and the
        # day's digests go back to the notify queue, delayed.
        allow("ScheduleLaterDeliveries", ["sqs:SendMessage"], [notify_queue_arn]),
        # A delivery that fails for good is sent to the dead-letter queue with its reason.
        allow("DeadLetterFailedDeliveries", ["sqs:SendMessage"], [notify_dlq_arn]),
        allow(
            # Powertools idempotency, once per channel and alert: a conditional PutItem saves
            # the record in progress, UpdateItem completes it, DeleteItem drops a failed
            # send's; GetItem reads an existing record when the put's failure returned none.
            "KeepDeliveryIdempotencyRecords",
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [idempotency_table_arn],
        ),
        # A capped channel's day: its deliveries and the digest it holds back.
        allow(
            "ReadAndWriteChannelState",
            ["dynamodb:GetItem", "dynamodb:PutItem"],
            [channel_state_table_arn],
        ),
        *_read_secrets("ReadChannelUrlSecrets", channel_secret_arns),
        *run_function(log_group_arn, region, tracing),
    )


def topics_deliver_to_queue(
    *, queue_arn: pulumi.Input[str], topic_arns: Sequence[pulumi.Input[str]]
) -> pulumi.Output[str]:
    """A queue policy: SNS may send to the queue, for these topics' deliveries only.

    The queue is encrypted with SSE-SQS, so SNS needs no key permission to deliver to it
    (only a queue under a customer-managed KMS key needs SNS in its key policy, SQS
    developer guide, "Configure KMS permissions for AWS services"); the topics' own key is
    used by SNS itself to decrypt what it delivers.
    """
    return document(
        allow(
            "AlertTopicsDeliverToNotifyQueue",
            ["sqs:SendMessage"],
            [queue_arn],
            principal={"Service": "sns.amazonaws.com"},
            condition={"ArnEquals": {"aws:SourceArn": list(topic_arns)}},
        )
    )


def _read_proxy_secrets(secret_arns: Sequence[pulumi.Input[str]]) -> list[Statement]:
    # Each configured proxy's URL, read through Powertools Parameters (get_secret).
    return _read_secrets("ReadProxySecrets", secret_arns)


def _read_secrets(sid: str, secret_arns: Sequence[pulumi.Input[str]]) -> list[Statement]:
    if not secret_arns:
        return []
    return [allow(sid, ["secretsmanager:GetSecretValue"], list(secret_arns))]


def detector_policy(
    *,
    products_stream_arn: pulumi.Input[str],
    idempotency_table_arn: pulumi.Input[str],
    prices_table_arn: pulumi.Input[str],
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
        # `new_low`: the product's lowest price of its window (monitor.recent_low), by key.
        allow("ReadRecentLows", ["dynamodb:Query"], [prices_table_arn]),
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
