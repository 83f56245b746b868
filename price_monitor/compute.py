"""Compute: the scraper and detector functions, the renderer (browser retailers only), the
notifier (alert channels only), their triggers, roles and the schedule."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from contracts import environment, messages, metric_names
from contracts.alert_channels import Channel, secret_names
from contracts.catalog import ScrapeStatus
from contracts.fetch_modes import DEFAULT_FETCH_MODE
from price_monitor import policies
from price_monitor.config import (
    DetectorSettings,
    NotifierSettings,
    ProxySettings,
    RendererSettings,
    RetailerSettings,
    ScraperSettings,
)
from price_monitor.messaging import Messaging
from price_monitor.notifier_layer import notifier_dependencies
from price_monitor.packaging import FunctionPackage, function_package
from price_monitor.renderer_image import RendererImage, RendererImageArgs
from price_monitor.storage import Storage

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
SCRAPER_HANDLER = "handlers.scraper.handler"
DETECTOR_HANDLER = "handlers.detector.handler"
# The renderer's image runs the Lambda runtime interface client; the program names the
# handler (image_config.commands), so it is declared here like the zip functions' handlers.
RENDERER_HANDLER = "handlers.renderer.handler"
NOTIFIER_HANDLER = "handlers.notifier.handler"
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
    alert_kinds: Sequence[str] = ()  # the opt-in rules on for every product
    increase_threshold_percent: float = 10.0
    new_low_days: int = 30
    retailers: Sequence[RetailerSettings] = ()
    allowed_hosts: Sequence[str] = ()
    partition: pulumi.Input[str] = "aws"
    # Declared only when `messaging` has a render queue (some retailer is browser or auto).
    renderer: RendererSettings = field(default_factory=RendererSettings)
    proxies: Sequence[ProxySettings] = ()
    deletion_protection: bool = False  # the renderer's image repository keeps its images
    # Declared only when `messaging` has a notify queue (some alert channel is configured).
    notifier: NotifierSettings = field(default_factory=NotifierSettings)
    alert_channels: Sequence[Channel] = ()
    alert_channels_json: str = "[]"  # the channels as ALERT_CHANNELS_JSON (config.py)


class Compute(pulumi.ComponentResource):
    """The functions (one package, and the renderer's image when browser retailers need it),
    their event sources and least-privilege roles."""

    package: FunctionPackage
    scraper_function: aws.lambda_.Function
    detector_function: aws.lambda_.Function
    # The renderer and what only it has: None when no retailer is fetched by a browser.
    renderer_function: aws.lambda_.Function | None = None
    renderer_image: RendererImage | None = None
    renderer_log_group: aws.cloudwatch.LogGroup | None = None
    renderer_role: aws.iam.Role | None = None
    renderer_policy: aws.iam.RolePolicy | None = None
    render_queue_mapping: aws.lambda_.EventSourceMapping | None = None
    # The notifier and what only it has: None when no alert channel is configured.
    notifier_function: aws.lambda_.Function | None = None
    notifier_dependencies: FunctionPackage | None = None
    notifier_layer: aws.lambda_.LayerVersion | None = None
    notifier_log_group: aws.cloudwatch.LogGroup | None = None
    notifier_role: aws.iam.Role | None = None
    notifier_policy: aws.iam.RolePolicy | None = None
    notify_queue_mapping: aws.lambda_.EventSourceMapping | None = None
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
                stores=_scrape_stores(storage),
                scrape_queue_arn=queues.scrape_queue.arn,
                render_queue_arn=None if queues.render_queue is None else queues.render_queue.arn,
                proxy_secret_arns=_proxy_secret_arns(args),
                log_group_arn=self.scraper_log_group.arn,
                region=args.region,
                tracing=args.tracing,
            ),
        )
        self.scraper_function = self._function(
            f"{name}-scraper",
            scraper_name,
            package=self._zip_package(SCRAPER_HANDLER, args),
            timeout_seconds=args.scraper.timeout_seconds,
            memory_mb=args.scraper.memory_mb,
            variables=scraper_environment(args),
            log_group=self.scraper_log_group,
            role=self.scraper_role,
            depends_on=[self.scraper_policy],
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
                prices_table_arn=storage.prices_table.arn,
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
            package=self._zip_package(DETECTOR_HANDLER, args),
            timeout_seconds=args.detector.timeout_seconds,
            memory_mb=args.detector.memory_mb,
            variables=detector_environment(args),
            log_group=self.detector_log_group,
            role=self.detector_role,
            depends_on=[self.detector_policy],
            args=args,
        )

        self.scrape_queue_mapping = self._queue_mapping(
            f"{name}-scraper-queue",
            queue=queues.scrape_queue,
            function=self.scraper_function,
            batch_size=args.scraper.batch_size,
            batching_window_seconds=args.scraper.batching_window_seconds,
            max_concurrency=args.scraper.max_concurrency,
            role_policy=self.scraper_policy,
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
        if queues.render_queue is not None:
            self._renderer(name, queues.render_queue, args)
        if (
            queues.notify_queue is not None
            and queues.notify_dlq is not None
            and storage.channel_state_table is not None
        ):
            self._notifier(
                name, queues.notify_queue, queues.notify_dlq, storage.channel_state_table, args
            )

        self.register_outputs(
            {
                "scraper_function": self.scraper_function.name,
                "detector_function": self.detector_function.name,
                "schedule_name": self.schedule.name,
                **(
                    {}
                    if self.renderer_function is None
                    else {"renderer_function": self.renderer_function.name}
                ),
                **(
                    {}
                    if self.notifier_function is None
                    else {"notifier_function": self.notifier_function.name}
                ),
            }
        )

    def _renderer(self, name: str, render_queue: aws.sqs.Queue, args: ComputeArgs) -> None:
        """The renderer: the scraper's job code with a browser fetch, in a container image.

        Its image (Chromium is far beyond a zip's 250 MB) runs the same `functions/` tree,
        so after the fetch every page takes the scraper's one code path.
        """
        renderer_name = f"price-monitor-renderer-{args.suffix}"
        self.renderer_image = RendererImage(
            f"{name}-renderer-image",
            RendererImageArgs(
                suffix=args.suffix,
                region=args.region,
                account_id=args.account_id,
                partition=args.partition,
                function_name=renderer_name,
                force_delete=not args.deletion_protection,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.renderer_log_group = self._log_group(f"{name}-renderer", renderer_name, args)
        self.renderer_role, self.renderer_policy = self._role(
            f"{name}-renderer",
            renderer_name,
            policies.renderer_policy(
                stores=_scrape_stores(args.storage),
                render_queue_arn=render_queue.arn,
                proxy_secret_arns=_proxy_secret_arns(args),
                log_group_arn=self.renderer_log_group.arn,
                region=args.region,
                tracing=args.tracing,
            ),
        )
        self.renderer_function = self._function(
            f"{name}-renderer",
            renderer_name,
            package={
                "package_type": "Image",
                "image_uri": self.renderer_image.image_uri,
                "image_config": aws.lambda_.FunctionImageConfigArgs(commands=[RENDERER_HANDLER]),
            },
            timeout_seconds=args.renderer.timeout_seconds,
            memory_mb=args.renderer.memory_mb,
            variables=renderer_environment(args),
            log_group=self.renderer_log_group,
            role=self.renderer_role,
            # Lambda pulls the image when the function is created: the repository policy
            # that lets it must be there first.
            depends_on=[self.renderer_policy, self.renderer_image.repository_policy],
            args=args,
        )
        self.render_queue_mapping = self._queue_mapping(
            f"{name}-renderer-queue",
            queue=render_queue,
            function=self.renderer_function,
            batch_size=args.renderer.batch_size,
            batching_window_seconds=args.renderer.batching_window_seconds,
            max_concurrency=args.renderer.max_concurrency,
            role_policy=self.renderer_policy,
        )

    def _notifier(
        self,
        name: str,
        notify_queue: aws.sqs.Queue,
        notify_dlq: aws.sqs.Queue,
        channel_state_table: aws.dynamodb.Table,
        args: ComputeArgs,
    ) -> None:
        """The notifier: the topics' messages, through the notify queue, to the channels.

        The functions' package with Apprise, Jinja2 and tzdata in a layer of their own, built
        from the lock (price_monitor/notifier_layer.py), so the other functions stay small.
        """
        notifier_name = f"price-monitor-notifier-{args.suffix}"
        self.notifier_dependencies = notifier_dependencies(
            f"notifier-deps-{args.suffix}", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.notifier_layer = aws.lambda_.LayerVersion(
            f"{name}-notifier-deps",
            layer_name=f"price-monitor-notifier-deps-{args.suffix}",
            code=self.notifier_dependencies.archive,
            source_code_hash=self.notifier_dependencies.base64_sha256,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.notifier_log_group = self._log_group(f"{name}-notifier", notifier_name, args)
        self.notifier_role, self.notifier_policy = self._role(
            f"{name}-notifier",
            notifier_name,
            policies.notifier_policy(
                notify_queue_arn=notify_queue.arn,
                notify_dlq_arn=notify_dlq.arn,
                idempotency_table_arn=args.storage.idempotency_table.arn,
                channel_state_table_arn=channel_state_table.arn,
                channel_secret_arns=_secret_arns(secret_names(args.alert_channels), args),
                log_group_arn=self.notifier_log_group.arn,
                region=args.region,
                tracing=args.tracing,
            ),
        )
        self.notifier_function = self._function(
            f"{name}-notifier",
            notifier_name,
            package={
                **self._zip_package(NOTIFIER_HANDLER, args),
                "layers": [args.powertools_layer_arn, self.notifier_layer.arn],
            },
            timeout_seconds=args.notifier.timeout_seconds,
            memory_mb=args.notifier.memory_mb,
            variables=notifier_environment(args),
            log_group=self.notifier_log_group,
            role=self.notifier_role,
            depends_on=[self.notifier_policy],
            args=args,
        )
        self.notify_queue_mapping = self._queue_mapping(
            f"{name}-notifier-queue",
            queue=notify_queue,
            function=self.notifier_function,
            batch_size=args.notifier.batch_size,
            batching_window_seconds=args.notifier.batching_window_seconds,
            max_concurrency=args.notifier.max_concurrency,
            role_policy=self.notifier_policy,
        )

    def _queue_mapping(
        self,
        resource_name: str,
        *,
        queue: aws.sqs.Queue,
        function: aws.lambda_.Function,
        batch_size: int,
        batching_window_seconds: int,
        max_concurrency: int,
        role_policy: aws.iam.RolePolicy,
    ) -> aws.lambda_.EventSourceMapping:
        return aws.lambda_.EventSourceMapping(
            resource_name,
            event_source_arn=queue.arn,
            function_name=function.arn,
            batch_size=batch_size,
            maximum_batching_window_in_seconds=batching_window_seconds,
            function_response_types=[REPORT_BATCH_ITEM_FAILURES],
            # Bounds how many functions run at once: politeness to retailers, and cost.
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=max_concurrency
            ),
            # Event sources are validated against the role when created: policies first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
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

    def _zip_package(self, handler: str, args: ComputeArgs) -> dict[str, Any]:
        """A zip function's code: the package, its handler, and Powertools as the AWS layer."""
        return {
            "runtime": RUNTIME,
            "handler": handler,
            "code": self.package.archive,
            "source_code_hash": self.package.base64_sha256,
            "layers": [args.powertools_layer_arn],
        }

    def _function(
        self,
        resource_name: str,
        function_name: str,
        *,
        package: Mapping[str, Any],
        timeout_seconds: int,
        memory_mb: int,
        variables: Mapping[str, pulumi.Input[str]],
        log_group: aws.cloudwatch.LogGroup,
        role: aws.iam.Role,
        depends_on: Sequence[pulumi.Resource],
        args: ComputeArgs,
    ) -> aws.lambda_.Function:
        """A function of the stack, its code given by `package` (zip or image arguments)."""
        return aws.lambda_.Function(
            resource_name,
            name=function_name,
            role=role.arn,
            architectures=[ARCHITECTURE],
            timeout=timeout_seconds,
            memory_size=memory_mb,
            **package,
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, *depends_on]),
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
        environment.RENDER_QUEUE_URL: (
            "" if args.messaging.render_queue is None else args.messaging.render_queue.url
        ),
        environment.PROXY_SECRETS_JSON: proxy_secrets_json(args.proxies),
    }


def renderer_environment(args: ComputeArgs) -> dict[str, pulumi.Input[str]]:
    """The renderer's variables (`contracts.environment.RENDERER`): the scraper's, with the
    render queue as the queue it consumes and returns jobs to, and the renderer's caps."""
    render_queue = args.messaging.render_queue
    if render_queue is None:
        raise ValueError("the renderer's environment needs the stack's render queue")
    renderer = args.renderer
    return {
        **scraper_environment(args),
        environment.SCRAPE_QUEUE_URL: render_queue.url,
        environment.FETCH_TIMEOUT_SECONDS: str(renderer.page_timeout_seconds),
        environment.MAX_PAGE_BYTES: str(renderer.max_page_bytes),
        environment.FETCH_CONCURRENCY: str(renderer.fetch_concurrency),
    }


def detector_environment(args: ComputeArgs) -> dict[str, pulumi.Input[str]]:
    """The detector's variables: exactly `contracts.environment.DETECTOR`."""
    return {
        **_powertools_environment(args.suffix),
        environment.ALERTS_TOPIC_ARN: args.messaging.alerts_topic.arn,
        environment.IDEMPOTENCY_TABLE: args.storage.idempotency_table.name,
        environment.DEFAULT_DROP_THRESHOLD_PERCENT: str(args.drop_threshold_percent),
        environment.PRICES_TABLE: args.storage.prices_table.name,
        environment.ALERT_KINDS_JSON: json.dumps(list(args.alert_kinds)),
        environment.DEFAULT_INCREASE_THRESHOLD_PERCENT: str(args.increase_threshold_percent),
        environment.DEFAULT_NEW_LOW_DAYS: str(args.new_low_days),
    }


def notifier_environment(args: ComputeArgs) -> dict[str, pulumi.Input[str]]:
    """The notifier's variables: exactly `contracts.environment.NOTIFIER`."""
    queues, table = args.messaging, args.storage.channel_state_table
    if queues.notify_queue is None or queues.notify_dlq is None or table is None:
        raise ValueError("the notifier's environment needs the notify queues and state table")
    return {
        **_powertools_environment(args.suffix),
        environment.ALERT_CHANNELS_JSON: args.alert_channels_json,
        environment.IDEMPOTENCY_TABLE: args.storage.idempotency_table.name,
        environment.CHANNEL_STATE_TABLE: table.name,
        environment.NOTIFY_QUEUE_URL: queues.notify_queue.url,
        environment.NOTIFY_DLQ_URL: queues.notify_dlq.url,
    }


def retailers_json(retailers: Sequence[RetailerSettings]) -> str:
    """Per-retailer politeness, extraction rules, fetch mode and proxy, by retailer name.

    `rules` null: none. The fetch keys (`fetch`, `wait_for`, `consent_selector`,
    `render_timeout_seconds`, `render_max_bytes`, `proxy`) are present only when set: an
    absent one is the default (fetch http, no proxy, the renderer's page caps), which keeps
    an http retailer's entry as short as before within Lambda's 4 KB of variables.
    """
    return json.dumps(
        {retailer.name: _retailer_entry(retailer) for retailer in retailers},
        sort_keys=True,
        separators=(",", ":"),  # compact: Lambda allows 4 KB of variables in all
    )


def _retailer_entry(retailer: RetailerSettings) -> dict[str, Any]:
    fetch_settings = {
        "fetch": None if retailer.fetch is DEFAULT_FETCH_MODE else retailer.fetch.value,
        "wait_for": retailer.wait_for,
        "consent_selector": retailer.consent_selector,
        "render_timeout_seconds": retailer.render_timeout_seconds,
        "render_max_bytes": retailer.render_max_bytes,
        "proxy": retailer.proxy,
    }
    return {
        "spacing_seconds": retailer.spacing_seconds,
        "respect_robots_txt": retailer.respect_robots_txt,
        "rules": None if retailer.rules is None else dict(retailer.rules),
        **{key: value for key, value in fetch_settings.items() if value is not None},
    }


def proxy_secrets_json(proxies: Sequence[ProxySettings]) -> str:
    """Each proxy's secret id (name or ARN) by proxy name; "{}" without proxies."""
    return json.dumps(
        {proxy.name: proxy.secret for proxy in proxies}, sort_keys=True, separators=(",", ":")
    )


def _scrape_stores(storage: Storage) -> policies.ScrapeStores:
    return policies.ScrapeStores(
        products_table_arn=storage.products_table.arn,
        prices_table_arn=storage.prices_table.arn,
        runs_table_arn=storage.runs_table.arn,
        archive_bucket_arn=storage.archive_bucket.arn,
    )


def _proxy_secret_arns(args: ComputeArgs) -> list[pulumi.Input[str]]:
    return _secret_arns([proxy.secret for proxy in args.proxies], args)


def _secret_arns(secrets: Sequence[str], args: ComputeArgs) -> list[pulumi.Input[str]]:
    """The ARNs a role's GetSecretValue grant names for these secret names or ARNs."""
    return [
        policies.secret_arn(
            secret, region=args.region, account_id=args.account_id, partition=args.partition
        )
        for secret in secrets
    ]


def _powertools_environment(suffix: str) -> dict[str, pulumi.Input[str]]:
    # Read by Powertools itself: the `service` dimension and the stack's metrics namespace.
    return {
        environment.POWERTOOLS_SERVICE_NAME: metric_names.SERVICE,
        environment.POWERTOOLS_METRICS_NAMESPACE: metric_names.namespace(suffix),
        environment.POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
    }
