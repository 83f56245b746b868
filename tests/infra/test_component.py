"""The component tree, resource names and stack outputs of each stack."""

from __future__ import annotations

import re

from declared_stack import DeclaredResource, DeclaredStack, declared_stack
from stack_files import documented_outputs

PRICE_MONITOR = "price-monitor:index:PriceMonitor"
COMPONENTS = {
    "Storage": ("aws:dynamodb/", "aws:s3/"),
    "Messaging": ("aws:sqs/", "aws:sns/", "aws:kms/"),
    "Compute": ("aws:lambda/", "aws:iam/", "aws:scheduler/", "aws:cloudwatch/logGroup:"),
    "Alerting": ("aws:cloudwatch/metricAlarm:", "aws:cloudwatch/dashboard:"),
}
# The input holding a resource's physical name, where it is not `name`.
NAME_INPUT = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
}


def owner(resource: DeclaredResource) -> str:
    """The component that should own an AWS resource, by what the resource is."""
    (component,) = [
        component
        for component, prefixes in COMPONENTS.items()
        if resource.type.startswith(prefixes)
    ]
    return f"price-monitor:index:{component}"


def physical_names(stack: DeclaredStack) -> list[str]:
    """The names the stack gives its AWS resources (companions and mappings have none)."""
    names = []
    for resource in stack.resources:
        key = NAME_INPUT.get(resource.type, "name")
        if resource.type.startswith("aws:") and key in resource.inputs:
            names.append(resource.inputs[key])
    return names


def test_price_monitor_is_the_root_component_of_the_stack(stack):
    (root,) = stack.of_type(PRICE_MONITOR)
    assert root.parent.endswith(f"::pulumi:pulumi:Stack::price-monitor-{stack.stack}")
    assert {r.type for r in stack.resources if r.parent == root.urn} == {
        f"price-monitor:index:{component}" for component in COMPONENTS
    }


def test_each_component_appears_once_under_price_monitor(stack):
    (root,) = stack.of_type(PRICE_MONITOR)
    for component in COMPONENTS:
        (declared,) = stack.of_type(f"price-monitor:index:{component}")
        assert declared.parent == root.urn


def test_every_aws_resource_is_a_child_of_the_component_of_its_concern(stack):
    aws_resources = [r for r in stack.resources if r.type.startswith("aws:")]
    assert len(aws_resources) > 40
    for resource in aws_resources:
        assert stack.by_urn(resource.parent).type == owner(resource), resource.name


def test_every_named_resource_carries_the_environment_suffix(stack):
    names = physical_names(stack)
    assert len(names) > 20
    token = re.compile(rf"(^|[-/]){re.escape(stack.suffix)}($|-)")
    assert [name for name in names if not token.search(name)] == []


def test_dev_and_prod_share_no_resource_name():
    assert not set(physical_names(declared_stack("dev"))) & set(
        physical_names(declared_stack("prod"))
    )


def test_outputs_are_exactly_the_documented_stack_outputs(stack):
    assert set(stack.outputs) == documented_outputs()
    not_names = ("alarm_names", "drop_threshold_percent")
    names = {key: value for key, value in stack.outputs.items() if key not in not_names}
    assert all(isinstance(value, str) and value for value in names.values())


def test_outputs_name_this_stacks_resources(stack):
    suffix, outputs = stack.suffix, stack.outputs
    assert outputs["products_table"] == f"price-monitor-products-{suffix}"
    assert outputs["prices_table"] == f"price-monitor-prices-{suffix}"
    assert outputs["runs_table"] == f"price-monitor-runs-{suffix}"
    assert outputs["archive_bucket"] == stack.find("aws:s3/bucket:Bucket").inputs["bucket"]
    assert outputs["scrape_queue_url"].endswith(f"/price-monitor-scrape-{suffix}")
    assert outputs["scrape_dlq_url"].endswith(f"/price-monitor-scrape-dlq-{suffix}")
    assert outputs["alerts_topic_arn"].endswith(f":price-monitor-alerts-{suffix}")
    assert outputs["ops_topic_arn"].endswith(f":price-monitor-ops-{suffix}")
    assert outputs["scraper_function"] == f"price-monitor-scraper-{suffix}"
    assert outputs["detector_function"] == f"price-monitor-detector-{suffix}"
    assert outputs["schedule_name"] == f"price-monitor-scrape-{suffix}"
    assert outputs["dashboard_name"] == f"price-monitor-{suffix}"
    assert outputs["metrics_namespace"] == f"PriceMonitor/{suffix}"
    alarms = stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert sorted(outputs["alarm_names"]) == sorted(alarm.inputs["name"] for alarm in alarms)
    assert outputs["region"] == stack.settings.region
    assert outputs["drop_threshold_percent"] == stack.settings.drop_threshold_percent


def test_account_and_partition_are_looked_up_once_for_the_whole_stack(stack):
    tokens = [token for token, _ in stack.invokes]
    assert sorted(tokens) == [
        "archive:index/getFile:getFile",
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
    ]
