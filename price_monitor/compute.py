"""Compute: the scraper and detector functions, their triggers, roles and the schedule."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from contracts import environment, messages, metric_names
from contracts.catalog import ScrapeStatus
from price_monitor import policies
from price_monitor.config import DetectorSettings, RetailerSettings, ScraperSettings
from price_monitor.messaging import Messaging
from price_monitor.packaging import FunctionPackage, function_package
from price_monitor.storage import Storage

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
SCRAPER_HANDLER = "handlers.scraper.handler"
DETECTOR_HANDLER = "handlers.detector.handler"
LOG_LEVEL = "INFO"
SYSTEM_LOG_LEVEL = "WARN"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# Only successful observations of an existing catalog item can be a change worth telling
# (a catalog import's INSERT and the failure records never invoke the detector).
DETECTOR_EVENT_FILTER = {
    "eventName": ["MODIFY"],
    "dynamodb": {"NewImage": {"last_status": {"S": [ScrapeStatus.OK]}}},
}
# A run message the scrape queue refuses is retried a few times within the hour, then
# lands in the schedule's DLQ (alarmed); a later run supersedes it anyway.
SCHEDULE_RETRY_ATTEMPTS = 3
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600


@dataclass(frozen=True)
class ComputeArgs:
    suffix: str
    region: str
    account_id: pulumi.Input[str]
    storage: Storage
    messaging: Messaging
    scraper: ScraperSettings
    detector: DetectorSettings
    # The AWS-published Powertools v3 layer built for RUNTIME and ARCHITECTURE.
    powertools_layer_arn: str
    log_retention_days: int
    schedule_expression: str
    schedule_flexible_window_minutes: int
    history_retention_days: int
    drop_threshold_percent: float
    default_spacing_seconds: float
    user_agent_contact: str
    repeated_failure_threshold: int
    tracing: bool = False  # X-Ray active tracing (config `tracing`)
    retailers: Sequence[RetailerSettings] = ()
    allowed_hosts: Sequence[str] = ()


class Compute(pulumi.ComponentResource):
    """The two functions (one package), their event sources and least-privilege roles."""

    package: FunctionPackage
    scraper_function: aws.lambda_.Function
    detector_function: aws.lambda_.Function
    scraper_log_group: aws.cloudwatch.LogGroup
    detector_log_group: aws.cloudwatch.LogGroup
    scraper_role: aws.iam.Role
    detector_role: aws.iam.Role
    scraper_policy: aws.iam.RolePolicy
    detector_policy: aws.iam.RolePolicy
    scrape_queue_mapping: aws.lambda_.EventSourceMapping
    products_stream_mapping: aws.lambda_.EventSourceMapping
    schedule_group: aws.scheduler.ScheduleGroup
    schedule_role: aws.iam.Role
    schedule_policy: aws.iam.RolePolicy
    schedule: aws.scheduler.Schedule

    def __init__(
        self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Compute", name, None, opts)
        storage, queues = args.storage, args.messaging
        suffix = args.suffix
        self.package = function_package(
            f"functions-{suffix}", opts=pulumi.InvokeOutputOptions(parent=self)
        )

        scraper_name = f"price-monitor-scraper-{suffix}"
        self.scraper_log_group = self._log_group(f"{name}-scraper", scraper_name, args)
        self.scraper_role, self.scraper_policy = self._role(
            f"{name}-scraper",
            scraper_name,
            policies.scraper_policy(
                products_table_arn=storage.products_table.arn,
                prices_table_arn=storage.prices_table.arn,
                runs_table_arn=storage.runs_table.arn,
                archive_bucket_arn=storage.archive_bucket.arn,
                scrape_queue_arn=queues.scrape_queue.arn,
                log_group_arn=self.scraper_log_group.arn,
                region=args.region,
                tracing=args.tracing,
            ),
        )
        self.scraper_function = self._function(
            f"{name}-scraper",
            scraper_name,
            handler=SCRAPER_HANDLER,
            timeout_seconds=args.scraper.timeout_seconds,
            memory_mb=args.scraper.memory_mb,
            variables=scraper_environment(args),
            log_group=self.scraper_log_group,
            role=self.scraper_role,
            role_policy=self.scraper_policy,
            args=args,
        )

        detector_name = f"price-monitor-detector-{suffix}"
        self.detector_log_group = self._log_group(f"{name}-detector", detector_name, args)
        self.detector_role, self.detector_policy = self._role(
            f"{name}-detector",
            detector_name,
            policies.detector_policy(
                products_stream_arn=storage.products_table.stream_arn,
                idempotency_table_arn=storage.idempotency_table.arn,
                alerts_topic_arn=queues.alerts_topic.arn,
                topic_key_arn=queues.topic_key.arn,
                stream_failure_queue_arn=queues.stream_failure_queue.arn,
                log_group_arn=self.detector_log_group.arn,
                region=args.region,
                tracing=args.tracing,
            ),
        )
        self.detector_function = self._function(
            f"{name}-detector",
            detector_name,
            handler=DETECTOR_HANDLER,
            timeout_seconds=args.detector.timeout_seconds,
            memory_mb=args.detector.memory_mb,
            variables=detector_environment(args),
            log_group=self.detector_log_group,
            role=self.detector_role,
            role_policy=self.detector_policy,
            args=args,
        )

        # Event sources are validated against the role when created: policies first.
        self.scrape_queue_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-scraper-queue",
            event_source_arn=queues.scrape_queue.arn,
            function_name=self.scraper_function.arn,
            batch_size=args.scraper.batch_size,
            maximum_batching_window_in_seconds=args.scraper.batching_window_seconds,
            function_response_types=[REPORT_BATCH_ITEM_FAILURES],
            # Bounds how many scrapers run at once: politeness to retailers, and cost.
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=args.scraper.max_concurrency
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.scraper_policy]),
        )
        self.products_stream_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-detector-stream",
            event_source_arn=storage.products_table.stream_arn,
            function_name=self.detector_function.arn,
            starting_position="LATEST",
            batch_size=args.detector.batch_size,
            function_response_types=[REPORT_BATCH_ITEM_FAILURES],
            # A failing record is isolated by halving the batch, retried a bounded number of
            # times and age, then handed to the failure queue instead of blocking the shard.
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=args.detector.maximum_retry_attempts,
            maximum_record_age_in_seconds=args.detector.maximum_record_age_seconds,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=queues.stream_failure_queue.arn
                )
            ),
            filter_criteria=aws.lambda_.EventSourceMappingFilterCriteriaArgs(
                filters=[
                    aws.lambda_.EventSourceMappingFilterCriteriaFilterArgs(
                        pattern=json.dumps(DETECTOR_EVENT_FILTER)
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.detector_policy]),
        )

        self._schedule(name, args)

        self.register_outputs(
            {
                "scraper_function": self.scraper_function.name,
                "detector_function": self.detector_function.name,
                "schedule_name": self.schedule.name,
            }
        )

    def _log_group(
        self, resource_name: str, function_name: str, args: ComputeArgs
    ) -> aws.cloudwatch.LogGroup:
        # Created by the stack, with retention, before the function: Lambda would otherwise
        # create it on first invocation, without retention and outside the stack.
        return aws.cloudwatch.LogGroup(
            f"{resource_name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _role(
        self, resource_name: str, role_name: str, policy: pulumi.Output[str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        role = aws.iam.Role(
            f"{resource_name}-role",
            name=role_name,
            assume_role_policy=policies.service_trust("lambda.amazonaws.com"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        role_policy = aws.iam.RolePolicy(
            f"{resource_name}-policy",
            name=role_name,
            role=role.id,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role, role_policy

    def _function(
        self,
        resource_name: str,
        function_name: str,
        *,
        handler: str,
        timeout_seconds: int,
        memory_mb: int,
        variables: Mapping[str, pulumi.Input[str]],
        log_group: aws.cloudwatch.LogGroup,
        role: aws.iam.Role,
        role_policy: aws.iam.RolePolicy,
        args: ComputeArgs,
    ) -> aws.lambda_.Function:
        return aws.lambda_.Function(
            resource_name,
            name=function_name,
            role=role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=handler,
            code=self.package.archive,
            source_code_hash=self.package.base64_sha256,
            timeout=timeout_seconds,
            memory_size=memory_mb,
            layers=[args.powertools_layer_arn],
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(variables)),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                application_log_level=LOG_LEVEL,
                system_log_level=SYSTEM_LOG_LEVEL,
                log_group=log_group.name,
            ),
            # PassThrough: traced only when a caller's trace says so (SQS and stream
            # triggers carry none), so nothing is recorded unless `tracing` is on.
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(
                mode="Active" if args.tracing else "PassThrough"
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, role_policy]),
        )

    def _schedule(self, name: str, args: ComputeArgs) -> None:
        queues, suffix = args.messaging, args.suffix
        # A group of its own scopes the scheduler's metrics (alarms) to this stack.
        self.schedule_group = aws.scheduler.ScheduleGroup(
            f"{name}-schedule-group",
            name=f"price-monitor-{suffix}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.schedule_role = aws.iam.Role(
            f"{name}-schedule-role",
            name=f"price-monitor-schedule-{suffix}",
            assume_role_policy=policies.service_trust("scheduler.amazonaws.com", args.account_id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.schedule_policy = aws.iam.RolePolicy(
            f"{name}-schedule-policy",
            name=f"price-monitor-schedule-{suffix}",
            role=self.schedule_role.id,
            policy=policies.schedule_policy(
                scrape_queue_arn=queues.scrape_queue.arn,
                schedule_dlq_arn=queues.schedule_dlq.arn,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        window = args.schedule_flexible_window_minutes
        self.schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            name=f"price-monitor-scrape-{suffix}",
            group_name=self.schedule_group.name,
            schedule_expression=args.schedule_expression,
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(
                mode="FLEXIBLE", maximum_window_in_minutes=window
            )
            if window > 0
            else aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=queues.scrape_queue.arn,
                role_arn=self.schedule_role.arn,
                # The scheduler fills in <aws.scheduler.scheduled-time>: the run id.
                input=json.dumps(messages.SCHEDULE_INPUT),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=SCHEDULE_MAX_EVENT_AGE_SECONDS,
                ),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(
                    arn=queues.schedule_dlq.arn
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.schedule_policy]),
        )


def scraper_environment(args: ComputeArgs) -> dict[str, pulumi.Input[str]]:
    """The scraper's variables: exactly `contracts.environment.SCRAPER`."""
    scraper = args.scraper
    return {
        **_powertools_environment(args.suffix),
        environment.PRODUCTS_TABLE: args.storage.products_table.name,
        environment.PRICES_TABLE: args.storage.prices_table.name,
        environment.RUNS_TABLE: args.storage.runs_table.name,
        environment.ARCHIVE_BUCKET: args.storage.archive_bucket.bucket,
        environment.SCRAPE_QUEUE_URL: args.messaging.scrape_queue.url,
        environment.HISTORY_RETENTION_DAYS: str(args.history_retention_days),
        environment.RETAILERS_JSON: retailers_json(args.retailers),
        environment.DEFAULT_SPACING_SECONDS: str(args.default_spacing_seconds),
        environment.USER_AGENT_CONTACT: args.user_agent_contact,
        environment.ALLOWED_HOSTS: ",".join(args.allowed_hosts),
        environment.FETCH_TIMEOUT_SECONDS: str(scraper.fetch_timeout_seconds),
        environment.MAX_PAGE_BYTES: str(scraper.max_page_bytes),
        environment.FETCH_CONCURRENCY: str(scraper.fetch_concurrency),
        environment.MIN_HEURISTIC_CONFIDENCE: str(scraper.min_heuristic_confidence),
        environment.REPEATED_FAILURE_THRESHOLD: str(args.repeated_failure_threshold),
        environment.EXTRACTION_BUDGET_SECONDS: str(scraper.extraction_budget_seconds),
    }


def detector_environment(args: ComputeArgs) -> dict[str, pulumi.Input[str]]:
    """The detector's variables: exactly `contracts.environment.DETECTOR`."""
    return {
        **_powertools_environment(args.suffix),
        environment.ALERTS_TOPIC_ARN: args.messaging.alerts_topic.arn,
        environment.IDEMPOTENCY_TABLE: args.storage.idempotency_table.name,
        environment.DEFAULT_DROP_THRESHOLD_PERCENT: str(args.drop_threshold_percent),
    }


def retailers_json(retailers: Sequence[RetailerSettings]) -> str:
    """Per-retailer politeness and extraction rules, by retailer name (rules null: none)."""
    return json.dumps(
        {
            retailer.name: {
                "spacing_seconds": retailer.spacing_seconds,
                "respect_robots_txt": retailer.respect_robots_txt,
                "rules": None if retailer.rules is None else dict(retailer.rules),
            }
            for retailer in retailers
        },
        sort_keys=True,
        separators=(",", ":"),  # compact: Lambda allows 4 KB of variables in all
    )


def _powertools_environment(suffix: str) -> dict[str, pulumi.Input[str]]:
    # Read by Powertools itself: the `service` dimension and the stack's metrics namespace.
    return {
        environment.POWERTOOLS_SERVICE_NAME: metric_names.SERVICE,
        environment.POWERTOOLS_METRICS_NAMESPACE: metric_names.namespace(suffix),
        environment.POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
    }
