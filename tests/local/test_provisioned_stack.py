"""The stack provisioned locally has the environment variables, keys and filters the program
declares: the dev stack is provisioned once in moto, then read back from moto and compared
with the program's declarations and the contracts of docs/architecture.md."""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contracts import environment, messages
from local_stack.program import RecordedResource
from local_stack.provision import provision
from local_stack.provisioning.function_package import tree_digest
from local_stack.stack import LocalStack
from price_monitor.compute import DETECTOR_EVENT_FILTER
from price_monitor.messaging import scrape_visibility_timeout
from price_monitor.packaging import EXCLUDES, FUNCTIONS_DIR

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def dev(fake_aws_environment: None) -> Iterator[LocalStack]:
    """The dev stack, provisioned in a moto kept for this module's (read-only) checks."""
    with mock_aws():
        yield provision("dev")


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def queue_attributes(url: str) -> dict[str, str]:
    return client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def recorded(stack: LocalStack, type_: str) -> list[RecordedResource]:
    return [resource for resource in stack.recorded if resource.type == type_]


# --- what the handlers are given -------------------------------------------------------------


def test_functions_get_exactly_their_declared_variables_naming_existing_moto_resources(dev):
    scraper = dev.function(dev.outputs["scraper_function"]).environment
    detector = dev.function(dev.outputs["detector_function"]).environment
    assert set(scraper) == set(environment.SCRAPER)
    assert set(detector) == set(environment.DETECTOR)

    dynamodb = client("dynamodb")
    for table in (scraper["PRODUCTS_TABLE"], scraper["PRICES_TABLE"], scraper["RUNS_TABLE"]):
        assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    assert dynamodb.describe_table(TableName=detector["IDEMPOTENCY_TABLE"])["Table"]
    client("s3").put_object(Bucket=scraper["ARCHIVE_BUCKET"], Key="prices/probe.jsonl", Body=b"{}")
    # The scraper sends its jobs to the queue that feeds it.
    assert (
        queue_attributes(scraper["SCRAPE_QUEUE_URL"])["QueueArn"] == dev.queue_mappings[0].queue_arn
    )
    topic = client("sns").get_topic_attributes(TopicArn=detector["ALERTS_TOPIC_ARN"])
    assert topic["Attributes"]["TopicArn"] == dev.topics["alerts_topic_arn"]


def test_function_handlers_and_limits_are_the_declared_ones(dev):
    scraper = dev.function(dev.outputs["scraper_function"])
    detector = dev.function(dev.outputs["detector_function"])
    assert (scraper.handler, detector.handler) == (
        "handlers.scraper.handler",
        "handlers.detector.handler",
    )
    for function in (scraper, detector):
        module, attribute = function.handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute))
    assert (scraper.timeout_seconds, scraper.memory_mb) == (
        dev.settings.scraper.timeout_seconds,
        dev.settings.scraper.memory_mb,
    )
    assert (detector.timeout_seconds, detector.memory_mb) == (
        dev.settings.detector.timeout_seconds,
        dev.settings.detector.memory_mb,
    )


def test_an_unknown_function_name_says_which_functions_exist(dev):
    with pytest.raises(KeyError, match="price-monitor-scraper-dev"):
        dev.function("scraper")


def test_function_code_hash_is_the_digest_of_the_functions_tree(dev):
    digest, _ = tree_digest(FUNCTIONS_DIR, EXCLUDES)
    for function in recorded(dev, "aws:lambda/function:Function"):
        assert function.inputs["sourceCodeHash"] == base64.b64encode(digest).decode()


# --- tables ----------------------------------------------------------------------------------


def test_tables_in_moto_have_the_declared_keys_indexes_stream_and_ttl(dev):
    dynamodb = client("dynamodb")
    tables = recorded(dev, "aws:dynamodb/table:Table")
    assert len(tables) == 4
    for table in tables:
        inputs = table.inputs
        described = dynamodb.describe_table(TableName=inputs["name"])["Table"]
        keys = {key["KeyType"]: key["AttributeName"] for key in described["KeySchema"]}
        assert keys == {"HASH": inputs["hashKey"]} | (
            {"RANGE": inputs["rangeKey"]} if "rangeKey" in inputs else {}
        )
        assert {
            (attribute["AttributeName"], attribute["AttributeType"])
            for attribute in described["AttributeDefinitions"]
        } == {(attribute["name"], attribute["type"]) for attribute in inputs["attributes"]}
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert described["SSEDescription"]["Status"] == "ENABLED"
        ttl = dynamodb.describe_time_to_live(TableName=inputs["name"])["TimeToLiveDescription"]
        if "ttl" in inputs:
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == (
                "ENABLED",
                inputs["ttl"]["attributeName"],
            )
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"
        backups = dynamodb.describe_continuous_backups(TableName=inputs["name"])
        recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"


def test_products_table_streams_new_and_old_images_and_prices_has_the_retailer_index(dev):
    dynamodb = client("dynamodb")
    products = dynamodb.describe_table(TableName=dev.outputs["products_table"])["Table"]
    assert products["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    prices = dynamodb.describe_table(TableName=dev.outputs["prices_table"])["Table"]
    (index,) = prices["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "retailer-index"
    assert index["KeySchema"] == [
        {"AttributeName": "retailer", "KeyType": "HASH"},
        {"AttributeName": "timestamp", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    ttl = dynamodb.describe_time_to_live(TableName=dev.outputs["prices_table"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


# --- queues and event source mappings --------------------------------------------------------


def test_scrape_queue_redrives_to_its_dlq_after_three_receives(dev):
    scrape = queue_attributes(dev.outputs["scrape_queue_url"])
    dlq = queue_attributes(dev.outputs["scrape_dlq_url"])
    assert json.loads(scrape["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["QueueArn"],
        "maxReceiveCount": 3,  # issue 4: a message failing 3 times ends in the DLQ
    }
    settings = dev.settings.scraper
    assert int(scrape["VisibilityTimeout"]) == scrape_visibility_timeout(
        settings.timeout_seconds, settings.batching_window_seconds
    )
    assert scrape["SqsManagedSseEnabled"] == dlq["SqsManagedSseEnabled"] == "true"
    assert int(dlq["MessageRetentionPeriod"]) == 14 * 24 * 3600


def test_scrape_queue_feeds_the_scraper_with_the_declared_batch_settings(dev):
    (mapping,) = dev.queue_mappings
    settings = dev.settings.scraper
    assert mapping.queue_url == dev.outputs["scrape_queue_url"]
    assert mapping.queue_arn == queue_attributes(mapping.queue_url)["QueueArn"]
    assert mapping.function == dev.outputs["scraper_function"]
    assert (mapping.batch_size, mapping.batching_window_seconds, mapping.maximum_concurrency) == (
        settings.batch_size,
        settings.batching_window_seconds,
        settings.max_concurrency,
    )
    assert mapping.report_batch_item_failures


def test_products_stream_feeds_the_detector_through_the_declared_filter(dev):
    (mapping,) = dev.stream_mappings
    settings = dev.settings.detector
    products = client("dynamodb").describe_table(TableName=dev.outputs["products_table"])
    assert mapping.table_name == dev.outputs["products_table"]
    assert mapping.stream_arn == products["Table"]["LatestStreamArn"]
    assert mapping.function == dev.outputs["detector_function"]
    assert mapping.filter_patterns == [DETECTOR_EVENT_FILTER]
    assert (
        mapping.batch_size,
        mapping.maximum_retry_attempts,
        mapping.maximum_record_age_seconds,
    ) == (settings.batch_size, settings.maximum_retry_attempts, settings.maximum_record_age_seconds)
    assert mapping.bisect_on_error
    assert mapping.report_batch_item_failures
    assert mapping.starting_position == "LATEST"
    failures = queue_attributes(mapping.on_failure_queue_url)
    assert failures["QueueArn"].endswith(":price-monitor-stream-failures-dev")


# --- topics, bucket, schedule, the rest ------------------------------------------------------


def test_topics_exist_encrypted_with_the_stacks_key_and_emails_are_recorded_only(dev):
    sns, kms = client("sns"), client("kms")
    (alias,) = [
        alias
        for alias in kms.list_aliases()["Aliases"]
        if alias["AliasName"] == "alias/price-monitor-topics-dev"
    ]
    key_arn = kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"]
    assert set(dev.topics) == {"alerts_topic_arn", "ops_topic_arn"}
    for arn in dev.topics.values():
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        assert attributes["KmsMasterKeyId"] == key_arn
        assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    ops_policy = json.loads(
        sns.get_topic_attributes(TopicArn=dev.topics["ops_topic_arn"])["Attributes"]["Policy"]
    )
    (declared,) = recorded(dev, "aws:sns/topicPolicy:TopicPolicy")
    assert ops_policy == declared.json("policy")
    emails = {
        r.inputs["endpoint"] for r in recorded(dev, "aws:sns/topicSubscription:TopicSubscription")
    }
    assert emails == set(dev.settings.alert_emails) | set(dev.settings.ops_emails)


def test_archive_bucket_is_versioned_encrypted_and_private_and_accepts_the_archive(dev):
    s3 = client("s3")
    bucket = dev.outputs["archive_bucket"]
    assert bucket == "price-monitor-archive-dev-123456789012"  # moto's account id
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert list(block.values()) == [True] * 4
    controls = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # The TLS-only policy is recorded, not applied: moto would deny this write.
    assert recorded(dev, "aws:s3/bucketPolicy:BucketPolicy")
    s3.put_object(Bucket=bucket, Key="prices/dt=2026-01-01/retailer=_mixed/a.jsonl", Body=b"{}")


def test_schedule_sends_the_declared_input_to_the_scrape_queue(dev):
    (schedule,) = dev.schedules
    scrape_arn = queue_attributes(dev.outputs["scrape_queue_url"])["QueueArn"]
    assert schedule.name == dev.outputs["schedule_name"]
    assert schedule.expression == dev.settings.schedule_expression
    assert json.loads(schedule.input) == messages.SCHEDULE_INPUT
    assert schedule.target_queue_url == dev.outputs["scrape_queue_url"]
    assert schedule.flexible_window_minutes == dev.settings.schedule_flexible_window_minutes
    assert schedule.retry_attempts == 3
    assert queue_attributes(schedule.dead_letter_queue_url)["QueueArn"].endswith(
        ":price-monitor-schedule-dlq-dev"
    )
    in_moto = client("scheduler").get_schedule(Name=schedule.name, GroupName="price-monitor-dev")
    assert in_moto["Target"]["Arn"] == scrape_arn
    assert json.loads(in_moto["Target"]["Input"]) == messages.SCHEDULE_INPUT
    assert in_moto["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}


def test_everything_the_program_declares_is_recorded_with_its_inputs(dev):
    types = {resource.type for resource in dev.recorded}
    assert {
        "aws:lambda/function:Function",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:iam/role:Role",
        "aws:cloudwatch/logGroup:LogGroup",
    } <= types
    (dashboard,) = recorded(dev, "aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == dev.outputs["dashboard_name"]
    assert dashboard.state["dashboardArn"].endswith(":dashboard/price-monitor-dev")


def test_alarms_exist_in_cloudwatch_as_declared_and_notify_the_ops_topic(dev):
    alarms = client("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]

    by_name = {alarm["AlarmName"]: alarm for alarm in alarms}
    assert sorted(by_name) == sorted(dev.outputs["alarm_names"])
    ops = dev.outputs["ops_topic_arn"]
    assert all(a["AlarmActions"] == [ops] and a["OKActions"] == [ops] for a in alarms)
    # Nothing evaluates them locally, and they say so rather than OK.
    assert {a["StateValue"] for a in alarms} == {"INSUFFICIENT_DATA"}
    errors = by_name["price-monitor-scraper-errors-dev"]
    assert (errors["Namespace"], errors["MetricName"], errors["Statistic"]) == (
        "AWS/Lambda",
        "Errors",
        "Sum",
    )
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": "price-monitor-scraper-dev"}]
    incomplete = by_name["price-monitor-incomplete-run-dev"]
    assert incomplete["ComparisonOperator"] == "LessThanThreshold"
    queries = {query["Id"]: query for query in incomplete["Metrics"]}
    assert set(queries) == {"dispatched", "scraped", "failed", "blocked", "completion"}
    assert queries["completion"]["ReturnData"] is True
    dispatched = queries["dispatched"]["MetricStat"]["Metric"]
    assert (dispatched["Namespace"], dispatched["MetricName"]) == (
        "PriceMonitor/dev",
        "ProductsDispatched",
    )
