"""provision(): what it takes (stack, allowed hosts, overrides), what it creates in moto for
each setting an emulated resource may declare, and what it refuses, with the reason.

tests/local/test_provisioned_stack.py checks the dev stack itself against the program.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pulumi.runtime import MockCallArgs, MockResourceArgs

from local_stack.program import ROOT, ProgramRun
from local_stack.provision import provision
from local_stack.provisioning import cloudwatch, dynamodb, kms, s3, scheduler, sns, sqs
from local_stack.provisioning import mocks as provisioning_mocks
from local_stack.provisioning.function_package import tree_digest
from local_stack.provisioning.mocks import MotoMocks
from local_stack.provisioning.recorded import RECORDED_ONLY
from local_stack.stack import LocalStack, ProvisioningError, assemble
from price_monitor.packaging import EXCLUDES

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def declared_dev() -> LocalStack:
    """The dev stack as provisioned once, for checks of its declarations only (moto is gone)."""
    with mock_aws():
        return provision("dev")


@pytest.fixture
def mocks(local_aws: None) -> MotoMocks:
    return MotoMocks(REGION)


def declare(
    mocks: MotoMocks, type_: str, name: str, /, **inputs: Any
) -> tuple[str, dict[str, Any]]:
    """Register one resource with the mocks, as the engine would."""
    return mocks.new_resource(MockResourceArgs(type_, name, inputs, custom=True))


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def redeclared(stack: LocalStack, name: str, **inputs: Any) -> ProgramRun:
    """The stack's program run, with resource `name` declaring these inputs as well."""
    (target,) = [resource for resource in stack.recorded if resource.name == name]
    changed = dataclasses.replace(target, inputs={**target.inputs, **inputs})
    resources = [changed if resource is target else resource for resource in stack.recorded]
    return ProgramRun(stack.stack, {}, stack.settings, stack.outputs, resources)


# --- what provision() takes ------------------------------------------------------------------


def test_allowed_hosts_reach_the_scraper_and_the_settings(local_aws):
    stack = provision("dev", allowed_hosts=["127.0.0.1:8080", "localhost:9000"])
    scraper = stack.function(stack.outputs["scraper_function"])
    assert scraper.environment["ALLOWED_HOSTS"] == "127.0.0.1:8080,localhost:9000"
    assert stack.settings.allowed_hosts == ("127.0.0.1:8080", "localhost:9000")


def test_overrides_replace_the_stack_files_values(local_aws):
    stack = provision("dev", overrides={"environmentSuffix": "local", "scraper": {"batchSize": 5}})
    assert stack.outputs["products_table"] == "price-monitor-products-local"
    assert client("dynamodb").describe_table(TableName="price-monitor-products-local")
    (mapping,) = stack.queue_mappings
    assert mapping.batch_size == 5


def test_tree_digest_follows_the_code_and_ignores_the_excluded_files(tmp_path):
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "scraper.py").write_text("x = 1\n")
    before, size = tree_digest(tmp_path, EXCLUDES)
    assert size == len("x = 1\n")
    (tmp_path / "handlers" / "__pycache__").mkdir()
    (tmp_path / "handlers" / "__pycache__" / "scraper.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "notes.pyc").write_bytes(b"\0")
    assert tree_digest(tmp_path, EXCLUDES)[0] == before
    assert tree_digest(tmp_path, ("notes.pyc", "**/__pycache__"))[0] == before
    (tmp_path / "handlers" / "scraper.py").write_text("x = 2\n")
    assert tree_digest(tmp_path, EXCLUDES)[0] != before


def test_provisioning_twice_in_separate_moto_contexts_gives_two_fresh_stacks(
    fake_aws_environment,
):
    for _ in range(2):
        with mock_aws():
            stack = provision("dev")
            dynamodb = client("dynamodb")
            table = stack.outputs["products_table"]
            assert dynamodb.scan(TableName=table)["Items"] == []  # nothing left from before
            dynamodb.put_item(TableName=table, Item={"product_id": {"S": "p-1"}})
            assert client("sqs").get_queue_attributes(
                QueueUrl=stack.outputs["scrape_queue_url"], AttributeNames=["RedrivePolicy"]
            )["Attributes"]["RedrivePolicy"]


def test_the_prod_stack_provisions_too(local_aws):
    stack = provision("prod")
    products = client("dynamodb").describe_table(TableName=stack.outputs["products_table"])
    assert products["Table"]["DeletionProtectionEnabled"] is True


# --- what the local stack refuses ------------------------------------------------------------


def test_provisioning_outside_moto_is_refused():
    with pytest.raises(ProvisioningError, match="mock_aws"):
        provision("dev")


def test_an_unknown_stack_is_a_provisioning_error(local_aws):
    with pytest.raises(ProvisioningError, match=r"Pulumi\.staging\.yaml"):
        provision("staging")


def test_an_invalid_setting_is_a_provisioning_error_naming_the_key(local_aws):
    with pytest.raises(ProvisioningError, match="price-monitor:scheduleExpression"):
        provision("dev", overrides={"scheduleExpression": "every day"})


def test_a_resource_type_the_local_stack_does_not_know_fails_provisioning(local_aws, monkeypatch):
    emulations = dict(provisioning_mocks.EMULATIONS)
    del emulations["aws:sqs/queue:Queue"]
    monkeypatch.setattr(provisioning_mocks, "EMULATIONS", emulations)
    with pytest.raises(ProvisioningError, match=r"aws:sqs/queue:Queue .*does not support"):
        provision("dev")


def test_an_unsupported_resource_type_is_named(mocks):
    with pytest.raises(ProvisioningError, match=r"aws:ec2/instance:Instance web"):
        declare(mocks, "aws:ec2/instance:Instance", "web", instanceType="t4g.micro")


def test_an_input_the_local_stack_would_not_apply_is_named_with_the_module_to_emulate_it_in(
    mocks,
):
    with pytest.raises(ProvisioningError, match="fifoThroughputScope") as refused:
        declare(mocks, "aws:sns/topic:Topic", "alerts", name="alerts", fifoThroughputScope="Topic")
    module = str(refused.value).rsplit("emulate it in ", 1)[1]
    assert module == "local_stack/provisioning/sns.py"
    assert (ROOT / module).is_file()


def test_each_type_is_emulated_by_one_service_module_or_recorded_only():
    families = (cloudwatch, dynamodb, kms, s3, scheduler, sns, sqs)
    emulated = [type_ for family in families for type_ in family.EMULATIONS]
    assert len(emulated) == len(set(emulated)) == len(provisioning_mocks.EMULATIONS)
    assert not set(emulated) & set(RECORDED_ONLY)


def test_a_subscription_the_local_stack_cannot_deliver_is_refused(mocks):
    topic, _ = declare(mocks, "aws:sns/topic:Topic", "alerts", name="alerts")
    with pytest.raises(ProvisioningError, match="'lambda'"):
        declare(
            mocks,
            "aws:sns/topicSubscription:TopicSubscription",
            "to-lambda",
            topic=topic,
            protocol="lambda",
            endpoint="arn:aws:lambda:eu-west-1:123456789012:function:f",
        )


def test_what_moto_refuses_is_a_provisioning_error(mocks):
    with pytest.raises(ProvisioningError, match="moto refused"):
        declare(mocks, "aws:sqs/queue:Queue", "jobs", name="jobs", fifoQueue=True)


def test_an_invoke_the_local_stack_does_not_answer_is_refused(mocks):
    with pytest.raises(ProvisioningError, match="aws:ec2/getAmi:getAmi"):
        mocks.call(MockCallArgs("aws:ec2/getAmi:getAmi", {}, ""))


def test_a_package_of_anything_but_a_directory_is_refused(mocks):
    with pytest.raises(ProvisioningError, match="directories"):
        mocks.call(MockCallArgs("archive:index/getFile:getFile", {"sourceFile": "x.py"}, ""))


@pytest.mark.parametrize(
    ("resource_name", "inputs", "problem"),
    [
        (
            "price-monitor-compute-scraper-queue",
            {"eventSourceArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/s"},
            "not a queue or table stream",
        ),
        (
            "price-monitor-compute-scraper-queue",
            {"filterCriteria": {"filters": [{"pattern": "{}"}]}},
            "filterCriteria of a queue mapping",
        ),
        (
            "price-monitor-compute-detector-stream",
            {"functionName": "elsewhere"},
            "'elsewhere' is not a function",
        ),
        ("price-monitor-compute-scraper", {"handler": None}, "no handler"),
        (
            "price-monitor-compute-schedule",
            {"target": {"arn": "arn:aws:lambda:eu-west-1:123456789012:function:f", "input": "{}"}},
            "not a queue",
        ),
        ("price-monitor-compute-schedule", {"target": {"arn": "x"}}, "no input"),
    ],
)
def test_what_the_event_loop_could_not_play_is_refused(
    declared_dev, resource_name, inputs, problem
):
    with pytest.raises(ProvisioningError, match=problem):
        assemble(redeclared(declared_dev, resource_name, **inputs))


# --- optional settings of the emulated resources ---------------------------------------------


def test_optional_table_settings_are_applied(mocks):
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    name, state = declare(
        mocks,
        "aws:dynamodb/table:Table",
        "events",
        name="events",
        billingMode="PAY_PER_REQUEST",
        hashKey="id",
        attributes=[{"name": "id", "type": "S"}, {"name": "kind", "type": "S"}],
        globalSecondaryIndexes=[
            {
                "name": "kind-index",
                "hashKey": "kind",
                "projectionType": "INCLUDE",
                "nonKeyAttributes": ["id"],
            }
        ],
        serverSideEncryption={"enabled": True, "kmsKeyArn": key},
        streamEnabled=False,
    )
    assert (name, state["streamArn"]) == ("events", "")
    table = client("dynamodb").describe_table(TableName="events")["Table"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["KeySchema"] == [{"AttributeName": "kind", "KeyType": "HASH"}]
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["id"]}
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key


def test_optional_bucket_settings_are_applied(mocks):
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    bucket, state = declare(
        mocks, "aws:s3/bucket:Bucket", "east", bucket="east", region="us-east-1"
    )
    assert state["arn"] == "arn:aws:s3:::east"
    declare(
        mocks,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "east-encryption",
        bucket=bucket,
        rules=[
            {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": "aws:kms",
                    "kmsMasterKeyId": key,
                },
                "bucketKeyEnabled": True,
            }
        ],
    )
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None  # us-east-1
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    assert rule["BucketKeyEnabled"] is True


def test_a_key_without_rotation_and_a_component_are_created_as_declared(mocks):
    key_id, state = declare(mocks, "aws:kms/key:Key", "plain", description="plain key")
    assert state["keyId"] == key_id
    assert not client("kms").get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    component = MockResourceArgs("price-monitor:index:Storage", "storage", {}, custom=False)
    assert mocks.new_resource(component) == ("", {})


def test_a_plain_table_and_a_described_schedule_are_created_as_declared(mocks):
    declare(
        mocks,
        "aws:dynamodb/table:Table",
        "plain",
        name="plain",
        billingMode="PAY_PER_REQUEST",
        hashKey="id",
        rangeKey="at",
        attributes=[{"name": "id", "type": "S"}, {"name": "at", "type": "N"}],
    )
    table = client("dynamodb").describe_table(TableName="plain")["Table"]
    assert [key["KeyType"] for key in table["KeySchema"]] == ["HASH", "RANGE"]
    assert "StreamSpecification" not in table

    queue_url, queue = declare(mocks, "aws:sqs/queue:Queue", "runs", name="runs")
    group, _ = declare(mocks, "aws:scheduler/scheduleGroup:ScheduleGroup", "group", name="g")
    schedule_id, state = declare(
        mocks,
        "aws:scheduler/schedule:Schedule",
        "nightly",
        name="nightly",
        groupName=group,
        description="nightly run",
        scheduleExpression="cron(0 3 * * ? *)",
        scheduleExpressionTimezone="Europe/Paris",
        flexibleTimeWindow={"mode": "OFF"},
        target={"arn": queue["arn"], "roleArn": "arn:aws:iam::123456789012:role/r", "input": "{}"},
    )
    assert schedule_id == "g/nightly"
    described = client("scheduler").get_schedule(Name="nightly", GroupName="g")
    assert (described["Description"], described["ScheduleExpressionTimezone"]) == (
        "nightly run",
        "Europe/Paris",
    )
    assert described["Arn"] == state["arn"]
    assert described["Target"]["Arn"] == queue["arn"]
    assert queue_url == queue["url"]


# --- the notifier's resources ----------------------------------------------------------------


def test_a_queue_policy_becomes_the_queues_policy_attribute(mocks):
    queue_url, queue = declare(mocks, "aws:sqs/queue:Queue", "notify", name="notify")
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage",'
        f'"Resource":"{queue["arn"]}"}}]}}'
    )
    physical, _ = declare(
        mocks, "aws:sqs/queuePolicy:QueuePolicy", "notify-policy", queueUrl=queue_url, policy=policy
    )
    assert physical == queue_url
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
    # moto re-serialises the document: the same policy, spaced its own way.
    assert json.loads(attributes["Attributes"]["Policy"]) == json.loads(policy)


def test_an_sqs_subscription_with_raw_delivery_lands_a_publish_in_the_queue_as_published(mocks):
    topic, _ = declare(mocks, "aws:sns/topic:Topic", "alerts", name="alerts")
    queue_url, queue = declare(mocks, "aws:sqs/queue:Queue", "notify", name="notify")
    arn, state = declare(
        mocks,
        "aws:sns/topicSubscription:TopicSubscription",
        "alerts-notify",
        topic=topic,
        protocol="sqs",
        endpoint=queue["arn"],
        rawMessageDelivery=True,
    )
    assert state["arn"] == arn
    assert state["pendingConfirmation"] is False
    attributes = client("sns").get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert (attributes["Endpoint"], attributes["RawMessageDelivery"]) == (queue["arn"], "true")

    client("sns").publish(TopicArn=topic, Message='{"kind": "price_drop"}')

    (message,) = client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert message["Body"] == '{"kind": "price_drop"}'  # raw: no SNS envelope


def test_an_email_subscription_stays_pending_and_refuses_queue_settings(mocks):
    topic, _ = declare(mocks, "aws:sns/topic:Topic", "alerts", name="alerts")
    _, state = declare(
        mocks,
        "aws:sns/topicSubscription:TopicSubscription",
        "alerts-email",
        topic=topic,
        protocol="email",
        endpoint="me@example.com",
    )
    assert state["pendingConfirmation"] is True
    assert client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    with pytest.raises(ProvisioningError, match="rawMessageDelivery to an email subscription"):
        declare(
            mocks,
            "aws:sns/topicSubscription:TopicSubscription",
            "alerts-email-raw",
            topic=topic,
            protocol="email",
            endpoint="me@example.com",
            rawMessageDelivery=True,
        )


def test_a_layer_version_is_recorded_with_arns_as_lambda_forms_them(mocks):
    arn, state = declare(
        mocks,
        "aws:lambda/layerVersion:LayerVersion",
        "deps",
        layerName="price-monitor-notifier-deps-dev",
        compatibleRuntimes=["python3.12"],
    )
    layer = "arn:aws:lambda:eu-west-1:123456789012:layer:price-monitor-notifier-deps-dev"
    assert (arn, state["arn"], state["layerArn"], state["version"]) == (
        f"{layer}:1",
        f"{layer}:1",
        layer,
        "1",
    )
    assert "aws:lambda/layerVersion:LayerVersion" in RECORDED_ONLY


def test_a_stack_with_alert_channels_runs_the_notifier_from_its_queue_with_its_layers(local_aws):
    channels = [
        {"name": "hooks", "url": "json://127.0.0.1:9/hooks/demo-json"},
        {"name": "team", "secret": "price-monitor/team", "topics": ["alerts", "ops"]},
    ]
    stack = provision("dev", overrides={"alertChannels": channels})

    notifier = stack.function(stack.outputs["notifier_function"])
    (layer,) = [r for r in stack.recorded if r.type == "aws:lambda/layerVersion:LayerVersion"]
    assert notifier.handler == "handlers.notifier.handler"
    assert notifier.layers[-1] == layer.state["arn"]
    assert len(notifier.layers) == 2  # Powertools' published layer first
    (mapping,) = [m for m in stack.queue_mappings if m.function == notifier.name]
    assert mapping.queue_url == stack.outputs["notify_queue_url"]
    assert mapping.report_batch_item_failures
    # Both topics deliver to the notify queue, raw, as published.
    sns = client("sns")
    for topic in (stack.outputs["alerts_topic_arn"], stack.outputs["ops_topic_arn"]):
        (subscription,) = [
            s
            for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
            if s["Protocol"] == "sqs"
        ]
        assert subscription["Endpoint"] == mapping.queue_arn
        sns.publish(TopicArn=topic, Message=f"to {topic}")
    bodies = {
        m["Body"]
        for m in client("sqs").receive_message(QueueUrl=mapping.queue_url, MaxNumberOfMessages=10)[
            "Messages"
        ]
    }
    assert bodies == {
        f"to {stack.outputs['alerts_topic_arn']}",
        f"to {stack.outputs['ops_topic_arn']}",
    }
    policy = client("sqs").get_queue_attributes(
        QueueUrl=mapping.queue_url, AttributeNames=["Policy"]
    )["Attributes"]["Policy"]
    assert stack.outputs["alerts_topic_arn"] in policy
