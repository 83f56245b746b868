"""What a stack declares that AWS bills for, read from the Pulumi program itself.

`declared_shape(stack)` runs the project's Pulumi program for Pulumi.<stack>.yaml the way
the local stack does (local_stack/provision.py, into a throwaway moto) and reads
from the declared resources what the cost model charges: the functions' memory and
tracing, the scrape queue's event source (batch size, maximum concurrency), the schedule's
period, log retention, the alarms and the metrics each reads, dashboards, customer managed
keys, the alert topic's email subscriptions, point-in-time recovery and the history index's
projection. So a change to the stack (another alarm, a new table setting) changes the
modelled cost without anyone editing the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto import mock_aws

from contracts import metric_names
from local_stack.program import RecordedResource
from local_stack.provision import provision
from local_stack.stack import LocalStack, QueueMapping

ROOT = Path(__file__).resolve().parents[1]

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
KMS_KEY = "aws:kms/key:Key"
TABLE = "aws:dynamodb/table:Table"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
# S3's default: objects below 128 KB never move to another storage class.
TRANSITION_MINIMUMS = {"all_storage_classes_128K": 128 * 1024, "varies_by_storage_class": 0}


class StackShapeError(ValueError):
    """The declared stack lacks something the cost model needs (named in the message)."""


@dataclass(frozen=True)
class StackShape:
    """The billable shape of one stack, as its Pulumi program declares it."""

    stack: str
    region: str
    schedule_period_seconds: int
    history_retention_days: int
    log_retention_days: int
    scraper_memory_mb: int
    detector_memory_mb: int
    scraper_batch_size: int
    scraper_max_concurrency: int
    sqs_event_sources: int  # each keeps pollers on its queue, busy or idle
    traced_functions: int  # X-Ray active tracing
    alarms: int
    alarm_metrics: int  # what alarms are billed by: a metric math alarm reads several
    dashboards: int
    customer_managed_keys: int
    custom_metrics: int  # EMF metric names x their one dimension set (`service`)
    alert_email_subscriptions: int
    catalog_pitr: bool  # point-in-time recovery on the products table
    history_pitr: bool  # and on the prices table
    history_index_projections: tuple[str, ...]  # the prices table's GSIs: ALL, KEYS_ONLY, ...
    archive_transition_min_bytes: int
    default_spacing_seconds: float  # between two requests to one retailer

    @property
    def checks_per_day(self) -> float:
        return 86_400 / self.schedule_period_seconds


def declared_shape(stack: str) -> StackShape:
    """The shape of Pulumi.<stack>.yaml's stack (runs the program into a throwaway moto)."""
    with mock_aws():
        local = provision(stack)
    return shape_of(local)


def shape_of(local: LocalStack) -> StackShape:
    """The billable shape of a provisioned local stack."""
    resources = local.recorded
    settings = local.settings
    functions = {r.inputs["name"]: r for r in _of_type(resources, FUNCTION)}
    scraper = _one(functions, local.outputs["scraper_function"], "scraper function")
    detector = _one(functions, local.outputs["detector_function"], "detector function")
    scrape_mapping = _scrape_queue_mapping(local)
    tables = {r.inputs["name"]: r for r in _of_type(resources, TABLE)}
    prices = _one(tables, local.outputs["prices_table"], "prices table")
    alarms = _of_type(resources, ALARM)
    alerts_topic = local.outputs["alerts_topic_arn"]
    return StackShape(
        stack=local.stack,
        region=local.region,
        schedule_period_seconds=settings.schedule_period_seconds,
        history_retention_days=settings.history_retention_days,
        log_retention_days=max(
            int(r.inputs.get("retentionInDays", 0)) for r in _of_type(resources, LOG_GROUP)
        ),
        scraper_memory_mb=int(scraper.inputs["memorySize"]),
        detector_memory_mb=int(detector.inputs["memorySize"]),
        scraper_batch_size=scrape_mapping.batch_size,
        scraper_max_concurrency=scrape_mapping.maximum_concurrency or 1000,
        sqs_event_sources=len(local.queue_mappings),
        traced_functions=sum(
            1
            for r in functions.values()
            if (r.inputs.get("tracingConfig") or {}).get("mode") == "Active"
        ),
        alarms=len(alarms),
        alarm_metrics=sum(alarm_metric_count(alarm.inputs) for alarm in alarms),
        dashboards=len(_of_type(resources, DASHBOARD)),
        customer_managed_keys=len(_of_type(resources, KMS_KEY)),
        custom_metrics=len(
            emitted_metric_names(with_notifier="notifier_function" in local.outputs)
        ),
        alert_email_subscriptions=sum(
            1
            for r in _of_type(resources, SUBSCRIPTION)
            if r.inputs.get("topic") == alerts_topic and r.inputs.get("protocol") == "email"
        ),
        catalog_pitr=_has_pitr(_one(tables, local.outputs["products_table"], "products table")),
        history_pitr=_has_pitr(prices),
        history_index_projections=tuple(
            str(index.get("projectionType", "ALL"))
            for index in prices.inputs.get("globalSecondaryIndexes") or []
        ),
        archive_transition_min_bytes=_transition_minimum(resources),
        default_spacing_seconds=settings.default_spacing_seconds,
    )


def alarm_metric_count(inputs: Mapping[str, Any]) -> int:
    """How many metrics an alarm is billed for: one, or each metric its math expression reads."""
    queries = inputs.get("metricQueries") or []
    if not queries:
        return 1
    return sum(1 for query in queries if query.get("metric") is not None)


def emitted_metric_names(*, with_notifier: bool = True) -> list[str]:
    """The custom metrics the functions emit: every metric name of `contracts.metric_names`,
    the notifier's only when the stack has the notifier."""
    left_out = set() if with_notifier else set(metric_names.NOTIFIER_METRICS)
    return [
        value
        for name, value in vars(metric_names).items()
        if name.isupper() and name != "SERVICE" and isinstance(value, str) and value not in left_out
    ]


def _of_type(resources: Iterable[RecordedResource], type_: str) -> list[RecordedResource]:
    return [resource for resource in resources if resource.type == type_]


def _one(by_name: Mapping[str, RecordedResource], name: str, what: str) -> RecordedResource:
    try:
        return by_name[name]
    except KeyError:
        raise StackShapeError(f"the stack declares no {what} named {name!r}") from None


def _scrape_queue_mapping(local: LocalStack) -> QueueMapping:
    scraper = local.outputs["scraper_function"]
    for mapping in local.queue_mappings:
        if mapping.function == scraper:
            return mapping
    raise StackShapeError(f"no SQS event source invokes {scraper!r}")


def _has_pitr(table: RecordedResource) -> bool:
    return bool((table.inputs.get("pointInTimeRecovery") or {}).get("enabled"))


def _transition_minimum(resources: Iterable[RecordedResource]) -> int:
    lifecycles = _of_type(
        resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    setting = next(
        (r.inputs.get("transitionDefaultMinimumObjectSize") for r in lifecycles),
        "all_storage_classes_128K",
    )
    return TRANSITION_MINIMUMS.get(str(setting), 128 * 1024)
