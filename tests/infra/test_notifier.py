"""The notifier as declared for a stack with alert channels (one through a named secret that
also hears the ops topic, one `json://` webhook, one through a secret ARN), and its absence
from stacks without channels: the channel-state table, the notify queue and its DLQ, their
subscriptions and queue policy, the layer, the function, its trigger, environment, IAM and
alarms; and the `alertChannels` and `notifier` settings."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest
import yaml
from declared_stack import (
    ACCOUNT_ID,
    PACKAGE_HASH,
    DeclaredResource,
    DeclaredStack,
    declared_stack,
    run_program,
)
from stack_files import ROOT, documented_outputs, stack_config

from contracts import environment, tables
from delivery.channels import OPS_TOPIC, parse_channels
from price_monitor import alerting, compute, messaging
from price_monitor.config import (
    ALERT_CHANNELS_MAX_BYTES,
    ConfigError,
    NotifierSettings,
    settings_from_config,
)

FUNCTION = "aws:lambda/function:Function"
LAYER = "aws:lambda/layerVersion:LayerVersion"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TABLE = "aws:dynamodb/table:Table"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
NAMED_SECRET = "price-monitor/slack-webhook"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:teams-hook-AbCd12"
CHANNELS = [
    {
        "name": "team-slack",
        "secret": NAMED_SECRET,
        "kinds": ["price_drop", "new_low"],
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
        "daily_cap": 20,
        "topics": ["alerts", "ops"],
    },
    {"name": "hooks", "url": "json://hooks.example/price-alerts", "min_change_percent": 15},
    {"name": "teams", "secret": SECRET_ARN, "retailers": ["acme"]},
]
NOTIFIER_CONFIG = {
    "alertChannels": CHANNELS,
    "notifier": {"timeoutSeconds": 90, "memoryMb": 512, "batchSize": 5, "maxConcurrency": 3},
}
NOTIFIER_TYPES = (LAYER, QUEUE_POLICY)


@pytest.fixture(scope="module")
def notifying() -> DeclaredStack:
    """The dev stack with three alert channels, one of which hears the ops topic."""
    return run_program("dev", stack_config("dev", NOTIFIER_CONFIG))


@pytest.fixture(scope="module")
def alerts_only() -> DeclaredStack:
    """The dev stack with one webhook channel that hears price alerts only."""
    return run_program("dev", stack_config("dev", {"alertChannels": [CHANNELS[1]]}))


def function(stack: DeclaredStack, purpose: str = "notifier") -> DeclaredResource:
    return stack.find(FUNCTION, name=f"price-monitor-{purpose}-{stack.suffix}")


def queue(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(QUEUE, name=f"price-monitor-{purpose}-{stack.suffix}")


def table(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(TABLE, name=f"price-monitor-{purpose}-{stack.suffix}")


def topic_arn(stack: DeclaredStack, purpose: str) -> str:
    return stack.find("aws:sns/topic:Topic", name=f"price-monitor-{purpose}-{stack.suffix}").state[
        "arn"
    ]


def grants(stack: DeclaredStack) -> dict[str, tuple[set[str], set[str]]]:
    role = stack.find("aws:iam/role:Role", name=f"price-monitor-notifier-{stack.suffix}")
    statements = stack.find(ROLE_POLICY, role=role.id).json("policy")["Statement"]
    by_sid = {s["Sid"]: (set(s["Action"]), set(s["Resource"])) for s in statements}
    assert len(by_sid) == len(statements)
    assert all(s["Effect"] == "Allow" for s in statements)
    return by_sid


# --- absence ---------------------------------------------------------------------------------


def test_stacks_without_alert_channels_declare_no_notifier_or_its_resources(stack):
    assert not stack.settings.needs_notifier
    for type_ in NOTIFIER_TYPES:
        assert stack.of_type(type_) == []
    names = {str(resource.inputs.get("name")) for resource in stack.resources}
    assert not [name for name in names if "notif" in name or "channel-state" in name]
    assert not [s for s in stack.of_type(SUBSCRIPTION) if s.inputs["protocol"] == "sqs"]
    for output in ("notifier_function", "notify_queue_url", "notify_dlq_url"):
        assert output not in stack.outputs
    assert "channel_state_table" not in stack.outputs


# --- the channel-state table -----------------------------------------------------------------


def test_channel_state_table_is_keyed_by_channel_on_demand_and_recoverable(notifying):
    state = table(notifying, "channel-state").inputs
    products = table(notifying, "products").inputs
    assert state["hashKey"] == tables.CHANNEL == "channel"
    assert state["attributes"] == [{"name": "channel", "type": "S"}]
    assert state["billingMode"] == "PAY_PER_REQUEST"
    assert state["pointInTimeRecovery"] == {"enabled": True}
    assert state["serverSideEncryption"] == {"enabled": True}
    assert state["deletionProtectionEnabled"] == products["deletionProtectionEnabled"]
    assert "rangeKey" not in state
    assert "ttl" not in state


# --- the notify queue, its subscriptions and policy ------------------------------------------


def test_notify_queue_retries_and_dead_letters_like_the_scrape_queue(notifying):
    scrape, notify = queue(notifying, "scrape").inputs, queue(notifying, "notify").inputs
    dlq = queue(notifying, "notify-dlq")
    for key in ("messageRetentionSeconds", "sqsManagedSseEnabled"):
        assert notify[key] == scrape[key]
    assert json.loads(notify["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.state["arn"],
        "maxReceiveCount": messaging.MAX_RECEIVE_COUNT,
    }
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["messageRetentionSeconds"] == messaging.DEAD_LETTER_RETENTION_SECONDS
    allow = notifying.find(
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", queueUrl=dlq.state["url"]
    ).json("redriveAllowPolicy")
    assert allow == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue(notifying, "notify").state["arn"]],
    }


def test_notify_queue_visibility_outlasts_the_notifiers_invocations(notifying):
    notifier = notifying.settings.notifier
    visibility = queue(notifying, "notify").inputs["visibilityTimeoutSeconds"]
    assert visibility == messaging.queue_visibility_timeout(90, 0)
    assert visibility > notifier.timeout_seconds + notifier.batching_window_seconds


def test_both_topics_deliver_raw_to_the_notify_queue_once_its_policy_allows_them(notifying):
    notify = queue(notifying, "notify").state["arn"]
    subscriptions = [s for s in notifying.of_type(SUBSCRIPTION) if s.inputs["protocol"] == "sqs"]
    assert {s.inputs["topic"] for s in subscriptions} == {
        topic_arn(notifying, "alerts"),
        topic_arn(notifying, "ops"),
    }
    for subscription in subscriptions:
        assert subscription.inputs["endpoint"] == notify
        assert subscription.inputs["rawMessageDelivery"] is True


def test_queue_subscriptions_wait_for_the_queue_policy(monkeypatch):
    # The mocks record no dependencies: the subscriptions' options are caught as declared.
    waits: list[list[type]] = []

    class RecordedSubscription(aws.sns.TopicSubscription):
        def __init__(self, resource_name, *args, opts=None, **kwargs):
            if kwargs.get("protocol") == "sqs":
                waits.append([type(resource) for resource in opts.depends_on])
            super().__init__(resource_name, *args, opts=opts, **kwargs)

    monkeypatch.setattr(aws.sns, "TopicSubscription", RecordedSubscription)
    run_program("dev", stack_config("dev", NOTIFIER_CONFIG))
    assert waits == [[aws.sqs.QueuePolicy], [aws.sqs.QueuePolicy]]


def test_only_sns_may_send_to_the_notify_queue_and_only_for_the_stacks_topics(notifying):
    (policy,) = notifying.of_type(QUEUE_POLICY)
    assert policy.inputs["queueUrl"] == queue(notifying, "notify").state["url"]
    (statement,) = policy.json("policy")["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == ["sqs:SendMessage"]
    assert statement["Resource"] == [queue(notifying, "notify").state["arn"]]
    assert statement["Condition"] == {
        "ArnEquals": {
            "aws:SourceArn": [topic_arn(notifying, "alerts"), topic_arn(notifying, "ops")]
        }
    }


def test_without_an_ops_channel_only_the_alerts_topic_reaches_the_notify_queue(alerts_only):
    subscriptions = [s for s in alerts_only.of_type(SUBSCRIPTION) if s.inputs["protocol"] == "sqs"]
    assert [s.inputs["topic"] for s in subscriptions] == [topic_arn(alerts_only, "alerts")]
    (policy,) = alerts_only.of_type(QUEUE_POLICY)
    (statement,) = policy.json("policy")["Statement"]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        topic_arn(alerts_only, "alerts")
    ]


def test_the_topic_key_policy_is_unchanged_by_the_notify_queue(notifying):
    # The notify queue is SSE-SQS encrypted: SNS needs no permission on the topics' key to
    # deliver to it (only a queue under a customer-managed key would).
    notify = queue(notifying, "notify").inputs
    assert notify["sqsManagedSseEnabled"] is True
    assert "kmsMasterKeyId" not in notify
    key = "aws:kms/key:Key"
    assert notifying.find(key).json("policy") == declared_stack("dev").find(key).json("policy")


# --- the layer and the function --------------------------------------------------------------


def test_dependencies_layer_is_built_for_the_functions_runtime_and_architecture(notifying):
    (layer,) = notifying.of_type(LAYER)
    inputs = layer.inputs
    assert inputs["layerName"] == f"price-monitor-notifier-deps-{notifying.suffix}"
    assert inputs["compatibleRuntimes"] == [compute.RUNTIME]
    assert inputs["compatibleArchitectures"] == [compute.ARCHITECTURE]
    assert inputs["sourceCodeHash"] == PACKAGE_HASH
    zips = [
        call[1]["outputPath"]
        for call in notifying.invokes
        if call[0] == "archive:index/getFile:getFile"
    ]
    assert [path for path in zips if path.endswith(f"notifier-deps-{notifying.suffix}.zip")]


def test_notifier_runs_the_package_with_powertools_and_its_layer(notifying):
    inputs = function(notifying).inputs
    detector = function(notifying, "detector").inputs
    (layer,) = notifying.of_type(LAYER)
    assert inputs["handler"] == compute.NOTIFIER_HANDLER == "handlers.notifier.handler"
    assert (inputs["runtime"], inputs["architectures"]) == (
        compute.RUNTIME,
        [compute.ARCHITECTURE],
    )
    assert inputs["sourceCodeHash"] == detector["sourceCodeHash"]
    assert inputs["layers"] == [notifying.settings.powertools_layer_arn, layer.state["arn"]]
    assert (inputs["timeout"], inputs["memorySize"]) == (90, 512)
    assert inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{inputs['name']}"
    group = notifying.find(
        "aws:cloudwatch/logGroup:LogGroup", name=inputs["loggingConfig"]["logGroup"]
    )
    assert group.inputs["retentionInDays"] == notifying.settings.log_retention_days


def test_notify_queue_invokes_the_notifier_reporting_failures_per_message(notifying):
    mapping = notifying.find(MAPPING, eventSourceArn=queue(notifying, "notify").state["arn"])
    assert mapping.inputs["functionName"] == function(notifying).state["arn"]
    assert mapping.inputs["batchSize"] == 5
    assert mapping.inputs["maximumBatchingWindowInSeconds"] == 0
    assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping.inputs["scalingConfig"] == {"maximumConcurrency": 3}


def test_notifier_reads_exactly_its_declared_variables(notifying):
    env = function(notifying).inputs["environment"]["variables"]
    assert sorted(env) == sorted(environment.NOTIFIER)
    assert env[environment.IDEMPOTENCY_TABLE] == table(notifying, "idempotency").state["name"]
    assert env[environment.CHANNEL_STATE_TABLE] == table(notifying, "channel-state").state["name"]
    assert env[environment.NOTIFY_QUEUE_URL] == queue(notifying, "notify").state["url"]
    assert env[environment.NOTIFY_DLQ_URL] == queue(notifying, "notify-dlq").state["url"]


def test_channels_reach_the_notifier_as_compact_json_its_parser_accepts(notifying):
    text = function(notifying).inputs["environment"]["variables"][environment.ALERT_CHANNELS_JSON]
    assert json.loads(text) == CHANNELS
    assert text == json.dumps(CHANNELS, sort_keys=True, separators=(",", ":"))
    assert [channel.name for channel in parse_channels(text)] == ["team-slack", "hooks", "teams"]
    # A secret's name, never a URL with its tokens.
    assert "hooks.slack.com" not in text


# --- IAM, action by action ---------------------------------------------------------------------


def test_notifier_may_do_exactly_what_the_notifier_does(notifying):
    notify, dlq = (
        queue(notifying, "notify").state["arn"],
        queue(notifying, "notify-dlq").state["arn"],
    )
    group = notifying.find(
        "aws:cloudwatch/logGroup:LogGroup",
        name=f"/aws/lambda/price-monitor-notifier-{notifying.suffix}",
    ).state["arn"]
    assert grants(notifying) == {
        "EventSourceConsumesNotifyQueue": (
            {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
            {notify},
        ),
        "ScheduleLaterDeliveries": ({"sqs:SendMessage"}, {notify}),
        "DeadLetterFailedDeliveries": ({"sqs:SendMessage"}, {dlq}),
        "KeepDeliveryIdempotencyRecords": (
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
            {table(notifying, "idempotency").state["arn"]},
        ),
        "ReadAndWriteChannelState": (
            {"dynamodb:GetItem", "dynamodb:PutItem"},
            {table(notifying, "channel-state").state["arn"]},
        ),
        # A secret named by the config is matched with the 6 characters AWS appends; an
        # ARN as given. The webhook given by `url` has no secret to read.
        "ReadChannelUrlSecrets": (
            {"secretsmanager:GetSecretValue"},
            {
                f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{NAMED_SECRET}-??????",
                SECRET_ARN,
            },
        ),
        "WriteOwnLogGroup": ({"logs:CreateLogStream", "logs:PutLogEvents"}, {group, f"{group}:*"}),
    }


def test_notifier_without_secret_channels_may_read_no_secret(alerts_only):
    assert "ReadChannelUrlSecrets" not in grants(alerts_only)


def test_notifier_sends_traces_only_when_tracing_is_on():
    config = stack_config("dev", {"alertChannels": [CHANNELS[1]], "tracing": True})
    by_sid = grants(run_program("dev", config))
    assert by_sid["SendXRayTraces"] == (
        {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
        {"*"},
    )


def test_notifier_role_is_assumable_only_by_lambda_and_grants_no_wildcard(notifying):
    role = notifying.find("aws:iam/role:Role", name=f"price-monitor-notifier-{notifying.suffix}")
    assert function(notifying).inputs["role"] == role.state["arn"]
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    for sid, (actions, resources) in grants(notifying).items():
        assert not [a for a in actions if "*" in a], sid
        assert "*" not in resources, sid


# --- alarms and outputs ------------------------------------------------------------------------


def test_notifier_failures_dead_letters_and_a_backlog_alarm_the_ops_topic(notifying):
    ops = notifying.outputs["ops_topic_arn"]
    alarms = {
        a.inputs["name"].removesuffix(f"-{notifying.suffix}"): a.inputs
        for a in notifying.of_type(ALARM)
    }
    notifier = function(notifying).inputs["name"]
    for metric in ("errors", "throttles"):
        alarm = alarms[f"price-monitor-notifier-{metric}"]
        assert alarm["dimensions"] == {"FunctionName": notifier}
        assert alarm["metricName"] == metric.capitalize()
    dlq = alarms["price-monitor-notify-dlq-not-empty"]
    assert dlq["dimensions"] == {"QueueName": queue(notifying, "notify-dlq").state["name"]}
    assert (dlq["metricName"], dlq["threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)
    age = alarms["price-monitor-notify-queue-age"]
    assert age["metricName"] == "ApproximateAgeOfOldestMessage"
    assert age["dimensions"] == {"QueueName": queue(notifying, "notify").state["name"]}
    assert age["comparisonOperator"] == "GreaterThanThreshold"
    # Above SQS's longest delay, which the notifier's own deferred jobs may wait.
    assert age["threshold"] == alerting.NOTIFY_QUEUE_AGE_LIMIT_SECONDS > 900
    for key in (
        "price-monitor-notifier-errors",
        "price-monitor-notify-dlq-not-empty",
        "price-monitor-notify-queue-age",
    ):
        assert alarms[key]["alarmActions"] == alarms[key]["okActions"] == [ops]


def test_stack_exports_the_notifier_its_queues_and_its_state_table(notifying):
    outputs = notifying.outputs
    assert outputs["notifier_function"] == f"price-monitor-notifier-{notifying.suffix}"
    assert outputs["notify_queue_url"] == queue(notifying, "notify").state["url"]
    assert outputs["notify_dlq_url"] == queue(notifying, "notify-dlq").state["url"]
    assert outputs["channel_state_table"] == table(notifying, "channel-state").state["name"]
    assert len(outputs["alarm_names"]) == len(notifying.of_type(ALARM))


# --- settings ----------------------------------------------------------------------------------

REQUIRED = {
    "environmentSuffix": "dev",
    "powertoolsLayerVersion": "27",
    "userAgentContact": "https://example.com/contact",
}


def settings(**values):
    return settings_from_config({**REQUIRED, **values}, "eu-west-1")


def test_channels_load_from_cli_json_or_plain_values_alike():
    from_cli = settings(alertChannels=json.dumps(CHANNELS))
    plain = settings(alertChannels=CHANNELS)
    assert from_cli.alert_channels_json == plain.alert_channels_json
    assert [c.name for c in from_cli.alert_channels] == ["team-slack", "hooks", "teams"]
    assert from_cli.needs_notifier


def test_no_channels_or_an_empty_list_need_no_notifier():
    assert settings().alert_channels == settings(alertChannels="[]").alert_channels == ()
    assert not settings(alertChannels=[]).needs_notifier
    assert settings().notifier == NotifierSettings(
        timeout_seconds=60,
        memory_mb=256,
        batch_size=10,
        batching_window_seconds=0,
        max_concurrency=2,
    )


BAD_CHANNELS = {
    "not a list": ('{"name": "a"}', "price-monitor:alertChannels", "must be a JSON list"),
    "neither url nor secret": (
        [{"name": "a"}],
        "price-monitor:alertChannels[0] (a).url",
        "give exactly one of url and secret",
    ),
    "unknown field": (
        [{"name": "a", "url": "json://x", "colour": "red"}],
        "price-monitor:alertChannels[0] (a).colour",
        "unknown field",
    ),
    "password in a plain url": (
        [{"name": "a", "url": "json://user:hunter2@hooks.example/x"}],
        "price-monitor:alertChannels[0] (a).url",
        "holds a password",
    ),
    "a url where the secret goes": (
        [{"name": "a", "secret": "https://hooks.slack.com/services/T0/B0/XYZ"}],
        "price-monitor:alertChannels[0] (a).secret",
        "must be a Secrets Manager secret name",
    ),
    "unknown topic": (
        [{"name": "a", "url": "json://x", "topics": ["billing"]}],
        "price-monitor:alertChannels[0] (a).topics",
        "unknown topic 'billing'",
    ),
    "two channels of one name": (
        [{"name": "a", "url": "json://x"}, {"name": "a", "url": "json://y"}],
        "price-monitor:alertChannels[1].name",
        "names two channels",
    ),
    "too large for the environment": (
        [{"name": f"c{i}", "url": f"json://hooks.example/{'x' * 200}"} for i in range(15)],
        "price-monitor:alertChannels",
        f"over the {ALERT_CHANNELS_MAX_BYTES}",
    ),
}


@pytest.mark.parametrize(("raw", "key", "problem"), BAD_CHANNELS.values(), ids=BAD_CHANNELS)
def test_a_bad_channel_stops_the_program_naming_alert_channels_and_the_problem(raw, key, problem):
    with pytest.raises(ConfigError) as raised:
        settings(alertChannels=raw if isinstance(raw, str) else json.dumps(raw))
    assert raised.value.key == key
    assert problem in raised.value.problem
    # Neither a token nor a password is ever quoted back.
    assert "hunter2" not in str(raised.value)
    assert "XYZ" not in str(raised.value)


BAD_NOTIFIER = {
    "concurrency 1": ({"maxConcurrency": 1}, "maxConcurrency", "from 2 to 1000"),
    "timeout 0": ({"timeoutSeconds": 0}, "timeoutSeconds", "from 1 to 900"),
    "batch of 11": ({"batchSize": 11}, "batchSize", "from 1 to 10"),
    "memory 64": ({"memoryMb": 64}, "memoryMb", "from 128 to 10240"),
    "window 301": ({"batchingWindowSeconds": 301}, "batchingWindowSeconds", "from 0 to 300"),
    "unknown key": ({"memory": 512}, "memory", "did you mean 'memoryMb'?"),
}


@pytest.mark.parametrize(("value", "name", "problem"), BAD_NOTIFIER.values(), ids=BAD_NOTIFIER)
def test_a_bad_notifier_setting_stops_the_program_naming_it(value, name, problem):
    with pytest.raises(ConfigError) as raised:
        settings(notifier=json.dumps(value))
    assert raised.value.key == f"price-monitor:notifier.{name}"
    assert problem in raised.value.problem


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_stack_files_commented_channels_example_is_valid_config(stack_name):
    lines = (ROOT / f"Pulumi.{stack_name}.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("  # price-monitor:alertChannels:")
    example = []
    for line in lines[start + 1 :]:
        if not line.startswith("  #   "):
            break
        example.append(line.removeprefix("  # "))
    channels = yaml.safe_load("\n".join(example))
    loaded = settings(alertChannels=json.dumps(channels))
    assert [c.name for c in loaded.alert_channels] == ["team-slack", "hooks"]
    assert any(OPS_TOPIC in channel.topics for channel in loaded.alert_channels)


def test_a_stack_with_channels_exports_the_documented_outputs_and_the_notifiers(notifying):
    assert set(notifying.outputs) == documented_outputs() | documented_outputs("alert channels")
