"""Compute as declared per stack: the functions, what they run and read, their triggers, the
deployment package and the schedule."""

from __future__ import annotations

import json

import pytest
from declared_stack import ACCOUNT_ID, PACKAGE_HASH, DeclaredResource, DeclaredStack, run_program
from stack_files import stack_config

from contracts import environment, messages, metric_names
from price_monitor import compute, packaging

FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
HANDLERS = {"scraper": "handlers.scraper.handler", "detector": "handlers.detector.handler"}
MAY_BE_EMPTY = ("ALLOWED_HOSTS", "RENDER_QUEUE_URL")


def function(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(FUNCTION, name=f"price-monitor-{purpose}-{stack.suffix}")


def variables(stack: DeclaredStack, purpose: str) -> dict[str, str]:
    return function(stack, purpose).inputs["environment"]["variables"]


def queue_arn(stack: DeclaredStack, purpose: str) -> str:
    return stack.find(QUEUE, name=f"price-monitor-{purpose}-{stack.suffix}").state["arn"]


def table(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find("aws:dynamodb/table:Table", name=f"price-monitor-{purpose}-{stack.suffix}")


@pytest.fixture(scope="module")
def variant() -> DeclaredStack:
    """The dev stack with the settings the stack files leave at their usual values changed."""
    config = stack_config("dev") | {
        "price-monitor:scheduleExpression": "cron(0 6 * * ? *)",
        "price-monitor:scheduleFlexibleWindowMinutes": "0",
        "price-monitor:alertEmails": "[]",
        "price-monitor:opsEmails": "[]",
        "price-monitor:allowedHosts": '["127.0.0.1:8080", "shop.test"]',
    }
    return run_program("dev", config)


@pytest.mark.parametrize("purpose", ["scraper", "detector"])
def test_tracing_on_makes_both_functions_actively_traced(traced, purpose):
    assert function(traced, purpose).inputs["tracingConfig"] == {"mode": "Active"}


@pytest.mark.parametrize("purpose", ["scraper", "detector"])
def test_functions_run_python312_on_arm64_with_json_logs_tracing_and_powertools(stack, purpose):
    inputs = function(stack, purpose).inputs
    assert inputs["runtime"] == "python3.12"
    assert inputs["architectures"] == ["arm64"]
    assert inputs["handler"] == HANDLERS[purpose]
    assert inputs["tracingConfig"] == {"mode": "PassThrough"}  # `tracing` is off
    assert inputs["loggingConfig"]["logFormat"] == "JSON"
    assert inputs["loggingConfig"]["applicationLogLevel"] == "INFO"
    assert inputs["loggingConfig"]["systemLogLevel"] == "WARN"
    (layer,) = inputs["layers"]
    assert layer == (
        f"arn:aws:lambda:{stack.settings.region}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-python312-arm64:{stack.settings.powertools_layer_version}"
    )


def test_powertools_layer_is_built_for_the_functions_runtime_and_architecture(stack):
    layer_name = stack.settings.powertools_layer_arn.split(":")[6]
    python = compute.RUNTIME.replace(".", "")
    assert layer_name == f"AWSLambdaPowertoolsPythonV3-{python}-{compute.ARCHITECTURE}"


@pytest.mark.parametrize(
    ("purpose", "settings_of"),
    [("scraper", lambda s: s.scraper), ("detector", lambda s: s.detector)],
)
def test_function_timeout_and_memory_come_from_the_stack_config(stack, purpose, settings_of):
    inputs = function(stack, purpose).inputs
    assert inputs["timeout"] == settings_of(stack.settings).timeout_seconds
    assert inputs["memorySize"] == settings_of(stack.settings).memory_mb


@pytest.mark.parametrize(
    ("purpose", "declared"),
    [("scraper", environment.SCRAPER), ("detector", environment.DETECTOR)],
)
def test_each_function_declares_exactly_the_variables_its_handler_reads(stack, purpose, declared):
    names = variables(stack, purpose)
    assert sorted(names) == sorted(declared)
    assert len(declared) == len(set(declared))
    # What the handler reads at cold start must also be readable: no empty value, but for
    # the two that are empty by design (no private hosts on AWS; no renderer in the stack).
    assert all(value != "" for name, value in names.items() if name not in MAY_BE_EMPTY)


def test_scraper_variables_point_at_this_stacks_resources_and_settings(stack):
    env, settings = variables(stack, "scraper"), stack.settings
    bucket = stack.find("aws:s3/bucket:Bucket").inputs["bucket"]
    assert env["POWERTOOLS_SERVICE_NAME"] == metric_names.SERVICE
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == metric_names.namespace(stack.suffix)
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert env["PRODUCTS_TABLE"] == f"price-monitor-products-{stack.suffix}"
    assert env["PRICES_TABLE"] == f"price-monitor-prices-{stack.suffix}"
    assert env["RUNS_TABLE"] == f"price-monitor-runs-{stack.suffix}"
    assert env["ARCHIVE_BUCKET"] == bucket
    assert env["SCRAPE_QUEUE_URL"] == stack.outputs["scrape_queue_url"]
    assert int(env["HISTORY_RETENTION_DAYS"]) == settings.history_retention_days
    assert float(env["DEFAULT_SPACING_SECONDS"]) == settings.default_spacing_seconds
    assert env["USER_AGENT_CONTACT"] == settings.user_agent_contact
    assert env["ALLOWED_HOSTS"] == ""  # AWS stacks fetch no private address
    assert float(env["FETCH_TIMEOUT_SECONDS"]) == settings.scraper.fetch_timeout_seconds
    assert int(env["MAX_PAGE_BYTES"]) == settings.scraper.max_page_bytes
    assert int(env["FETCH_CONCURRENCY"]) == settings.scraper.fetch_concurrency
    assert float(env["MIN_HEURISTIC_CONFIDENCE"]) == settings.scraper.min_heuristic_confidence
    assert int(env["REPEATED_FAILURE_THRESHOLD"]) == settings.repeated_failure_threshold
    assert float(env["EXTRACTION_BUDGET_SECONDS"]) == settings.scraper.extraction_budget_seconds
    # The stack files declare no browser retailer and no proxy.
    assert env["RENDER_QUEUE_URL"] == ""
    assert json.loads(env["PROXY_SECRETS_JSON"]) == {}


def test_scraper_receives_each_retailers_politeness_and_rules(stack):
    retailers = json.loads(variables(stack, "scraper")["RETAILERS_JSON"])
    assert retailers == {
        retailer.name: {
            "spacing_seconds": retailer.spacing_seconds,
            "respect_robots_txt": retailer.respect_robots_txt,
            "rules": None if retailer.rules is None else dict(retailer.rules),
        }
        for retailer in stack.settings.retailers
    }
    # The stack files show both kinds: generic extraction (null) and explicit rules.
    assert None in [entry["rules"] for entry in retailers.values()]
    assert any(entry["rules"] for entry in retailers.values())


def test_allowed_hosts_reach_the_scraper_comma_separated(variant):
    assert variables(variant, "scraper")["ALLOWED_HOSTS"] == "127.0.0.1:8080,shop.test"


def test_detector_variables_point_at_this_stacks_resources_and_settings(stack):
    env = variables(stack, "detector")
    assert env["ALERTS_TOPIC_ARN"] == stack.outputs["alerts_topic_arn"]
    assert env["IDEMPOTENCY_TABLE"] == f"price-monitor-idempotency-{stack.suffix}"
    assert float(env["DEFAULT_DROP_THRESHOLD_PERCENT"]) == stack.settings.drop_threshold_percent
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == stack.outputs["metrics_namespace"]


@pytest.mark.parametrize("purpose", ["scraper", "detector"])
def test_functions_log_to_a_stack_owned_group_with_the_configured_retention(stack, purpose):
    declared = function(stack, purpose)
    group = stack.find(
        "aws:cloudwatch/logGroup:LogGroup", name=f"/aws/lambda/{declared.inputs['name']}"
    )
    assert group.inputs["retentionInDays"] == stack.settings.log_retention_days
    assert declared.inputs["loggingConfig"]["logGroup"] == group.inputs["name"]


@pytest.mark.parametrize("purpose", ["scraper", "detector"])
def test_functions_deploy_the_package_and_redeploy_only_when_its_hash_changes(stack, purpose):
    inputs = function(stack, purpose).inputs
    ((_, package),) = [call for call in stack.invokes if call[0] == "archive:index/getFile:getFile"]
    assert inputs["code"].path == package["outputPath"]
    assert inputs["sourceCodeHash"] == PACKAGE_HASH


def test_package_is_a_deterministic_zip_of_the_functions_tree_without_caches(stack):
    ((_, package),) = [call for call in stack.invokes if call[0] == "archive:index/getFile:getFile"]
    assert package["type"] == "zip"
    assert package["sourceDir"] == str(packaging.FUNCTIONS_DIR)
    assert (packaging.FUNCTIONS_DIR / "handlers").is_dir()
    # Same permissions on every machine; the provider zeroes modification times itself.
    assert package["outputFileMode"] == "0644"
    assert {"**/__pycache__", "**/*.pyc", "**/tests"} <= set(package["excludes"])
    assert not package["outputPath"].startswith(str(packaging.FUNCTIONS_DIR.parent))


def test_scrape_queue_invokes_the_scraper_in_bounded_batches_with_partial_failures(stack):
    scraper = stack.settings.scraper
    mapping = stack.find(MAPPING, eventSourceArn=queue_arn(stack, "scrape")).inputs
    assert mapping["functionName"] == function(stack, "scraper").state["arn"]
    assert mapping["batchSize"] == scraper.batch_size
    assert mapping["maximumBatchingWindowInSeconds"] == scraper.batching_window_seconds
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["scalingConfig"] == {"maximumConcurrency": scraper.max_concurrency}


def test_products_stream_invokes_the_detector_for_successful_observations_only(stack):
    detector = stack.settings.detector
    stream_arn = table(stack, "products").state["streamArn"]
    mapping = stack.find(MAPPING, eventSourceArn=stream_arn).inputs
    assert mapping["functionName"] == function(stack, "detector").state["arn"]
    assert mapping["startingPosition"] == "LATEST"
    assert mapping["batchSize"] == detector.batch_size
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["maximumRetryAttempts"] == detector.maximum_retry_attempts
    assert mapping["maximumRecordAgeInSeconds"] == detector.maximum_record_age_seconds
    assert mapping["destinationConfig"] == {
        "onFailure": {"destinationArn": queue_arn(stack, "stream-failures")}
    }
    (event_filter,) = mapping["filterCriteria"]["filters"]
    # docs/architecture.md's filter: INSERTs of an import and failure records never invoke it.
    assert json.loads(event_filter["pattern"]) == {
        "eventName": ["MODIFY"],
        "dynamodb": {"NewImage": {"last_status": {"S": ["ok"]}}},
    }


def test_schedule_sends_the_run_message_to_the_scrape_queue(stack):
    (schedule,) = stack.of_type("aws:scheduler/schedule:Schedule")
    inputs, target = schedule.inputs, schedule.inputs["target"]
    assert inputs["name"] == f"price-monitor-scrape-{stack.suffix}"
    assert inputs["scheduleExpression"] == stack.settings.schedule_expression
    assert inputs["flexibleTimeWindow"] == {
        "mode": "FLEXIBLE",
        "maximumWindowInMinutes": stack.settings.schedule_flexible_window_minutes,
    }
    assert target["arn"] == queue_arn(stack, "scrape")
    # The scheduler substitutes <aws.scheduler.scheduled-time>: the run id.
    assert json.loads(target["input"]) == messages.SCHEDULE_INPUT
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"] == {"arn": queue_arn(stack, "schedule-dlq")}
    group = stack.find("aws:scheduler/scheduleGroup:ScheduleGroup")
    assert inputs["groupName"] == group.inputs["name"]


def test_schedule_without_flexible_window_fires_on_time(variant):
    (schedule,) = variant.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"] == "cron(0 6 * * ? *)"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}


def test_no_subscription_is_declared_without_addresses(variant):
    assert variant.of_type("aws:sns/topicSubscription:TopicSubscription") == []


def test_schedule_role_is_assumable_only_by_the_scheduler_for_this_account(stack):
    (schedule,) = stack.of_type("aws:scheduler/schedule:Schedule")
    role = stack.find("aws:iam/role:Role", name=f"price-monitor-schedule-{stack.suffix}")
    assert schedule.inputs["target"]["roleArn"] == role.state["arn"]
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


@pytest.mark.parametrize("purpose", ["scraper", "detector"])
def test_function_roles_are_assumable_only_by_lambda(stack, purpose):
    role = stack.find("aws:iam/role:Role", name=f"price-monitor-{purpose}-{stack.suffix}")
    assert function(stack, purpose).inputs["role"] == role.state["arn"]
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
