"""Least privilege, action by action: each role's policy grants what its code uses, on the
stack's own resources, one statement per purpose."""

from __future__ import annotations

import pytest
from declared_stack import DeclaredResource, DeclaredStack

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def policy(stack: DeclaredStack, role_name: str) -> dict[str, dict]:
    """The role's inline policy, statements by Sid (each Sid once)."""
    role = stack.find("aws:iam/role:Role", name=role_name)
    document = stack.find(ROLE_POLICY, role=role.id).json("policy")
    by_sid = {statement["Sid"]: statement for statement in document["Statement"]}
    assert len(by_sid) == len(document["Statement"])
    assert all(statement["Effect"] == "Allow" for statement in by_sid.values())
    return by_sid


def grants(by_sid: dict[str, dict]) -> dict[str, tuple[set[str], set[str]]]:
    return {sid: (set(s["Action"]), set(s["Resource"])) for sid, s in by_sid.items()}


def arn(stack: DeclaredStack, type_: str, **inputs: str) -> str:
    return stack.find(type_, **inputs).state["arn"]


def log_group(stack: DeclaredStack, purpose: str) -> set[str]:
    group = arn(
        stack,
        "aws:cloudwatch/logGroup:LogGroup",
        name=f"/aws/lambda/price-monitor-{purpose}-{stack.suffix}",
    )
    return {group, f"{group}:*"}


def table(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find("aws:dynamodb/table:Table", name=f"price-monitor-{purpose}-{stack.suffix}")


def queue(stack: DeclaredStack, purpose: str) -> str:
    return arn(stack, "aws:sqs/queue:Queue", name=f"price-monitor-{purpose}-{stack.suffix}")


XRAY = ({"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, {"*"})


def test_scraper_may_do_exactly_what_the_scraper_does(stack):
    by_sid = policy(stack, f"price-monitor-scraper-{stack.suffix}")
    bucket = stack.find("aws:s3/bucket:Bucket").state["arn"]
    assert grants(by_sid) == {
        "ReadCatalogAndWriteLatestState": (
            {"dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
            {table(stack, "products").state["arn"]},
        ),
        "WritePriceHistory": ({"dynamodb:BatchWriteItem"}, {table(stack, "prices").state["arn"]}),
        "FindRedeliveredHistoryRows": ({"dynamodb:Query"}, {table(stack, "prices").state["arn"]}),
        "RecordRuns": (
            {"dynamodb:GetItem", "dynamodb:UpdateItem"},
            {table(stack, "runs").state["arn"]},
        ),
        "EventSourceConsumesScrapeQueue": (
            {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
            {queue(stack, "scrape")},
        ),
        "FeedScrapeQueueAndSetBackoff": (
            {"sqs:SendMessage", "sqs:ChangeMessageVisibility"},
            {queue(stack, "scrape")},
        ),
        "ArchiveObservations": ({"s3:PutObject"}, {f"{bucket}/prices/*"}),
        "WriteOwnLogGroup": (
            {"logs:CreateLogStream", "logs:PutLogEvents"},
            log_group(stack, "scraper"),
        ),
    }


def test_detector_may_do_exactly_what_the_detector_does(stack):
    by_sid = policy(stack, f"price-monitor-detector-{stack.suffix}")
    key = stack.find("aws:kms/key:Key").state["arn"]
    alerts = arn(stack, "aws:sns/topic:Topic", name=f"price-monitor-alerts-{stack.suffix}")
    assert grants(by_sid) == {
        "EventSourceReadsProductsStream": (
            {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
            {table(stack, "products").state["streamArn"]},
        ),
        # ListStreams has no resource type: only "*" grants it (docs/architecture.md, IAM).
        "EventSourceListsStreams": ({"dynamodb:ListStreams"}, {"*"}),
        "KeepIdempotencyRecords": (
            {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
            {table(stack, "idempotency").state["arn"]},
        ),
        # new_low's recent low: one Query of the product's history, nothing more.
        "ReadRecentLows": ({"dynamodb:Query"}, {table(stack, "prices").state["arn"]}),
        "PublishPriceAlerts": ({"sns:Publish"}, {alerts}),
        "EncryptPriceAlerts": ({"kms:GenerateDataKey", "kms:Decrypt"}, {key}),
        "SendFailedStreamBatches": ({"sqs:SendMessage"}, {queue(stack, "stream-failures")}),
        "WriteOwnLogGroup": (
            {"logs:CreateLogStream", "logs:PutLogEvents"},
            log_group(stack, "detector"),
        ),
    }
    # The key serves the detector only through SNS.
    assert by_sid["EncryptPriceAlerts"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"sns.{stack.settings.region}.amazonaws.com"}
    }


def test_schedule_may_only_send_to_the_scrape_queue_and_dead_letter_to_its_dlq(stack):
    by_sid = policy(stack, f"price-monitor-schedule-{stack.suffix}")
    assert grants(by_sid) == {
        "SendScheduledRunToScrapeQueue": ({"sqs:SendMessage"}, {queue(stack, "scrape")}),
        "SendUndeliveredRunToScheduleDLQ": ({"sqs:SendMessage"}, {queue(stack, "schedule-dlq")}),
    }


def test_no_role_is_granted_a_wildcard_action(stack):
    documents = [declared.json("policy") for declared in stack.of_type(ROLE_POLICY)]
    assert len(documents) == 3
    actions = [action for d in documents for s in d["Statement"] for action in s["Action"]]
    assert actions
    assert [action for action in actions if "*" in action] == []


def test_x_ray_may_be_written_to_only_when_tracing_is_on(stack, traced):
    for purpose in ("scraper", "detector"):
        name = f"price-monitor-{purpose}"
        assert "SendXRayTraces" not in policy(stack, f"{name}-{stack.suffix}")
        assert grants(policy(traced, f"{name}-{traced.suffix}"))["SendXRayTraces"] == XRAY


@pytest.mark.parametrize("tracing", [False, True], ids=["untraced", "traced"])
def test_wildcard_resources_appear_only_for_actions_without_resource_types_in_the_region(
    stack, traced, tracing
):
    stack = traced if tracing else stack
    for declared in stack.of_type(ROLE_POLICY):
        for statement in declared.json("policy")["Statement"]:
            if "*" in statement["Resource"]:
                assert statement["Sid"] in ("SendXRayTraces", "EventSourceListsStreams")
                assert statement["Condition"] == {
                    "StringEquals": {"aws:RequestedRegion": stack.settings.region}
                }
            else:
                assert all(resource.startswith("arn:aws:") for resource in statement["Resource"])
