"""A stack with browser retailers provisions on the local stack: the render queue and its DLQ
in moto, the image repository and build recorded (no Docker), the renderer run in process by
the handler its image_config.commands names, and its alarms created."""

from __future__ import annotations

import json

import boto3
import pytest

from local_stack.provision import provision
from local_stack.provisioning.recorded import RECORDED_ONLY
from local_stack.stack import LocalStack
from price_monitor import compute

REGION = "eu-west-1"
BROWSER_RETAILERS = {
    "retailers": {
        "script-shop": {"fetch": "browser", "waitFor": "#price", "proxy": "local"},
        "walled-shop": {"fetch": "auto"},
    },
    "proxies": {"local": {"secret": "price-monitor/local-proxy"}},
}


@pytest.fixture
def browser_stack(local_aws: None) -> LocalStack:
    return provision("dev", overrides=BROWSER_RETAILERS)


def test_the_renderer_runs_in_process_by_the_handler_its_image_names(browser_stack):
    renderer = browser_stack.function(browser_stack.outputs["renderer_function"])
    assert renderer.handler == compute.RENDERER_HANDLER
    settings = browser_stack.settings.renderer
    assert (renderer.memory_mb, renderer.timeout_seconds) == (
        settings.memory_mb,
        settings.timeout_seconds,
    )
    render_url = browser_stack.outputs["render_queue_url"]
    assert renderer.environment["SCRAPE_QUEUE_URL"] == render_url
    scraper = browser_stack.function(browser_stack.outputs["scraper_function"])
    assert scraper.environment["RENDER_QUEUE_URL"] == render_url
    assert json.loads(scraper.environment["PROXY_SECRETS_JSON"]) == {
        "local": "price-monitor/local-proxy"
    }


def test_the_render_queue_feeds_the_renderer_with_its_declared_batch_and_concurrency(
    browser_stack,
):
    (mapping,) = [
        m for m in browser_stack.queue_mappings if m.function == "price-monitor-renderer-dev"
    ]
    settings = browser_stack.settings.renderer
    assert mapping.queue_url == browser_stack.outputs["render_queue_url"]
    assert (mapping.batch_size, mapping.maximum_concurrency) == (
        settings.batch_size,
        settings.max_concurrency,
    )
    assert mapping.report_batch_item_failures


def test_the_render_queue_dead_letters_to_its_dlq_in_moto(browser_stack):
    sqs = boto3.client("sqs", region_name=REGION)
    attributes = sqs.get_queue_attributes(
        QueueUrl=browser_stack.outputs["render_queue_url"], AttributeNames=["All"]
    )["Attributes"]
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=browser_stack.outputs["render_dlq_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn


def test_the_renderer_alarms_exist_in_moto(browser_stack):
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    names = {alarm["AlarmName"] for alarm in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert {
        "price-monitor-renderer-errors-dev",
        "price-monitor-renderer-throttles-dev",
        "price-monitor-render-dlq-not-empty-dev",
        "price-monitor-render-queue-age-dev",
    } <= names


def test_the_image_and_its_repository_are_recorded_with_a_digest_of_the_build_context(
    browser_stack,
):
    recorded = {resource.type: resource for resource in browser_stack.recorded}
    for type_ in (
        "aws:ecr/repository:Repository",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "docker-build:index:Image",
    ):
        assert type_ in recorded
        assert RECORDED_ONLY[type_]
    image = recorded["docker-build:index:Image"].state
    repository = recorded["aws:ecr/repository:Repository"].state
    assert image["ref"].startswith(f"{repository['repositoryUrl']}:renderer@sha256:")
    renderers = [
        r
        for r in browser_stack.recorded
        if r.type == "aws:lambda/function:Function" and r.inputs.get("packageType") == "Image"
    ]
    assert [r.inputs["imageUri"] for r in renderers] == [image["ref"]]


def test_a_stack_without_browser_retailers_provisions_no_renderer(local_aws):
    stack = provision("dev")
    assert "renderer_function" not in stack.outputs
    assert not [r for r in stack.recorded if r.type.startswith(("aws:ecr/", "docker-build:"))]
