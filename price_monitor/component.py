"""PriceMonitor: the whole service as one component, wiring its four parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from contracts import metric_names
from contracts.alert_channels import OPS_TOPIC, channel_summary
from price_monitor.alerting import Alerting, AlertingArgs
from price_monitor.compute import Compute, ComputeArgs
from price_monitor.config import Settings
from price_monitor.messaging import Messaging, MessagingArgs
from price_monitor.storage import Storage, StorageArgs


@dataclass(frozen=True)
class PriceMonitorArgs:
    settings: Settings


class PriceMonitor(pulumi.ComponentResource):
    """Storage, Messaging, Compute and Alerting of one stack; `outputs` are its exports."""

    storage: Storage
    messaging: Messaging
    compute: Compute
    alerting: Alerting
    outputs: dict[str, pulumi.Output[Any]]

    def __init__(
        self, name: str, args: PriceMonitorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:PriceMonitor", name, None, opts)
        settings = args.settings
        suffix = settings.environment_suffix
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        namespace = metric_names.namespace(suffix)

        self.storage = Storage(
            f"{name}-storage",
            StorageArgs(
                suffix=suffix,
                account_id=account_id,
                deletion_protection=settings.deletion_protection,
                # The notifier's, like its queues and function: only with alert channels.
                channel_state=settings.needs_notifier,
            ),
            child,
        )
        self.messaging = Messaging(
            f"{name}-messaging",
            MessagingArgs(
                suffix=suffix,
                account_id=account_id,
                partition=partition,
                scraper_timeout_seconds=settings.scraper.timeout_seconds,
                scraper_batching_window_seconds=settings.scraper.batching_window_seconds,
                alert_emails=settings.alert_emails,
                ops_emails=settings.ops_emails,
                # The render queue (and the renderer) only for browser retailers: a stack
                # without one needs no Docker to deploy.
                renderer_timeout_seconds=(
                    settings.renderer.timeout_seconds if settings.needs_renderer else None
                ),
                renderer_batching_window_seconds=settings.renderer.batching_window_seconds,
                notifier_timeout_seconds=(
                    settings.notifier.timeout_seconds if settings.needs_notifier else None
                ),
                notifier_batching_window_seconds=settings.notifier.batching_window_seconds,
                notify_ops=any(OPS_TOPIC in channel.topics for channel in settings.alert_channels),
            ),
            child,
        )
        self.compute = Compute(
            f"{name}-compute",
            ComputeArgs(
                suffix=suffix,
                region=settings.region,
                account_id=account_id,
                storage=self.storage,
                messaging=self.messaging,
                scraper=settings.scraper,
                detector=settings.detector,
                powertools_layer_arn=settings.powertools_layer_arn,
                log_retention_days=settings.log_retention_days,
                schedule_expression=settings.schedule_expression,
                schedule_flexible_window_minutes=settings.schedule_flexible_window_minutes,
                history_retention_days=settings.history_retention_days,
                drop_threshold_percent=settings.drop_threshold_percent,
                alert_kinds=settings.alert_kinds,
                increase_threshold_percent=settings.increase_threshold_percent,
                new_low_days=settings.new_low_days,
                default_spacing_seconds=settings.default_spacing_seconds,
                user_agent_contact=settings.user_agent_contact,
                repeated_failure_threshold=settings.repeated_failure_threshold,
                tracing=settings.tracing,
                retailers=settings.retailers,
                allowed_hosts=settings.allowed_hosts,
                partition=partition,
                renderer=settings.renderer,
                proxies=settings.proxies,
                deletion_protection=settings.deletion_protection,
                notifier=settings.notifier,
                alert_channels=settings.alert_channels,
                alert_channels_json=settings.alert_channels_json,
            ),
            child,
        )
        self.alerting = Alerting(
            f"{name}-alerting",
            AlertingArgs(
                suffix=suffix,
                region=settings.region,
                metrics_namespace=namespace,
                schedule_period_seconds=settings.schedule_period_seconds,
                compute=self.compute,
                messaging=self.messaging,
            ),
            child,
        )

        # The stack outputs of docs/architecture.md, exported as they are by __main__.py.
        self.outputs = {
            "products_table": self.storage.products_table.name,
            "prices_table": self.storage.prices_table.name,
            "runs_table": self.storage.runs_table.name,
            "archive_bucket": self.storage.archive_bucket.bucket,
            "scrape_queue_url": self.messaging.scrape_queue.url,
            "scrape_dlq_url": self.messaging.scrape_dlq.url,
            # The detector's failed stream batches, read and replayed by `pricemon dlq`.
            "stream_failure_queue_url": self.messaging.stream_failure_queue.url,
            "alerts_topic_arn": self.messaging.alerts_topic.arn,
            "ops_topic_arn": self.messaging.ops_topic.arn,
            "scraper_function": self.compute.scraper_function.name,
            "detector_function": self.compute.detector_function.name,
            "schedule_name": self.compute.schedule.name,
            "dashboard_name": self.alerting.dashboard.dashboard_name,
            "alarm_names": pulumi.Output.all(
                *(alarm.name for alarm in self.alerting.alarms.values())
            ),
            "metrics_namespace": pulumi.Output.from_input(namespace),
            # Read by `pricemon history` to apply the detector's rules as the detector does.
            "drop_threshold_percent": pulumi.Output.from_input(settings.drop_threshold_percent),
            "region": pulumi.Output.from_input(settings.region),
        }
        renderer, queues = self.compute.renderer_function, self.messaging
        if (
            renderer is not None
            and queues.render_queue is not None
            and queues.render_dlq is not None
        ):
            self.outputs |= {
                "renderer_function": renderer.name,
                "render_queue_url": queues.render_queue.url,
                "render_dlq_url": queues.render_dlq.url,
            }
        notifier, state = self.compute.notifier_function, self.storage.channel_state_table
        if (
            notifier is not None
            and state is not None
            and queues.notify_queue is not None
            and queues.notify_dlq is not None
        ):
            self.outputs |= {
                "notifier_function": notifier.name,
                "notify_queue_url": queues.notify_queue.url,
                "notify_dlq_url": queues.notify_dlq.url,
                "channel_state_table": state.name,
                # What `pricemon alerts channels` shows: no URL beyond its scheme.
                "alert_channels": pulumi.Output.from_input(
                    [channel_summary(channel) for channel in settings.alert_channels]
                ),
            }
        self.register_outputs(self.outputs)
