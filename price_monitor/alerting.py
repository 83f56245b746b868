"""Alerting: alarms to the ops topic, and a dashboard of a run's health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from contracts import metric_names
from price_monitor.compute import Compute
from price_monitor.messaging import Messaging

PERIOD_SECONDS = 300
# The stream is "behind" when its oldest record waited this long (IteratorAge, milliseconds).
ITERATOR_AGE_LIMIT_MS = 10 * 60 * 1000
# A run should account for (nearly) every product it dispatched: scraped, failed or blocked.
MIN_RUN_COMPLETION = 0.8
# CloudWatch alarms evaluate at most one day of data, in periods that are multiples of 60 s.
MAX_ALARM_PERIOD_SECONDS = 24 * 3600
# A browser job may wait out its spacing delay (at most 900 s) and a few renders before it;
# one an hour old means the renderer cannot keep up at its maximum concurrency.
RENDER_QUEUE_AGE_LIMIT_SECONDS = 3600
# Alerts should reach their channels within a minute or two. The notifier's own deferred
# jobs (quiet hours, retries, digests) wait up to SQS's longest delay, 15 minutes, before
# they are received, so the limit sits above that: a 30-minute-old message means the
# notifier is failing or cannot keep up.
NOTIFY_QUEUE_AGE_LIMIT_SECONDS = 1800


@dataclass(frozen=True)
class AlertingArgs:
    suffix: str
    region: str
    metrics_namespace: str
    schedule_period_seconds: int
    compute: Compute
    messaging: Messaging


class Alerting(pulumi.ComponentResource):
    """Alarms with alarm and OK actions to the ops topic; the run-health dashboard."""

    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard

    def __init__(
        self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Alerting", name, None, opts)
        self._name, self._args = name, args
        compute, queues = args.compute, args.messaging
        self.alarms = {}

        for function_key, function in _functions(compute):
            for metric in ("Errors", "Throttles"):
                self._alarm(
                    f"{function_key}-{metric.lower()}",
                    f"The {function_key} function reported {metric.lower()}.",
                    namespace="AWS/Lambda",
                    metric_name=metric,
                    dimensions={"FunctionName": function.name},
                    statistic="Sum",
                )
        render_dlq = (
            []
            if queues.render_dlq is None
            else [("render-dlq", queues.render_dlq, "browser jobs failed every receive")]
        )
        notify_dlq = (
            []
            if queues.notify_dlq is None
            else [("notify-dlq", queues.notify_dlq, "alert deliveries failed for good")]
        )
        for queue_key, queue, meaning in (
            ("scrape-dlq", queues.scrape_dlq, "scrape messages failed every receive"),
            *render_dlq,
            *notify_dlq,
            ("schedule-dlq", queues.schedule_dlq, "the schedule could not start a run"),
            ("stream-failures", queues.stream_failure_queue, "detector batches were dropped"),
        ):
            self._alarm(
                f"{queue_key}-not-empty",
                f"Messages wait in {queue_key}: {meaning}. Read them, fix, redrive.",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": queue.name},
                statistic="Maximum",
            )
        if queues.render_queue is not None:
            self._alarm(
                "render-queue-age",
                "Browser jobs have waited over an hour in the render queue: the renderer "
                "cannot keep up (raise renderer.maxConcurrency, or look for its errors).",
                namespace="AWS/SQS",
                metric_name="ApproximateAgeOfOldestMessage",
                dimensions={"QueueName": queues.render_queue.name},
                statistic="Maximum",
                threshold=RENDER_QUEUE_AGE_LIMIT_SECONDS,
            )
        if queues.notify_queue is not None:
            self._alarm(
                "notify-queue-age",
                "Alerts have waited over 30 minutes in the notify queue: the notifier is "
                "failing or cannot keep up (look for its errors, or raise "
                "notifier.maxConcurrency).",
                namespace="AWS/SQS",
                metric_name="ApproximateAgeOfOldestMessage",
                dimensions={"QueueName": queues.notify_queue.name},
                statistic="Maximum",
                threshold=NOTIFY_QUEUE_AGE_LIMIT_SECONDS,
            )
        self._alarm(
            "detector-iterator-age",
            "The detector is more than 10 minutes behind the products stream.",
            namespace="AWS/Lambda",
            metric_name="IteratorAge",
            dimensions={"FunctionName": compute.detector_function.name},
            statistic="Maximum",
            threshold=ITERATOR_AGE_LIMIT_MS,
        )
        self._alarm(
            "schedule-target-errors",
            "EventBridge Scheduler could not deliver a run message to the scrape queue.",
            namespace="AWS/Scheduler",
            metric_name="TargetErrorCount",
            dimensions={"ScheduleGroup": compute.schedule_group.name},
            statistic="Sum",
        )
        run_period = alarm_period(args.schedule_period_seconds)
        self._alarm(
            "products-failing-repeatedly",
            "Some products failed repeatedly: see their last_error in the catalog.",
            namespace=args.metrics_namespace,
            metric_name=metric_names.PRODUCTS_FAILING_REPEATEDLY,
            dimensions={"service": metric_names.SERVICE},
            statistic="Sum",
            period=run_period,
        )
        self._incomplete_run_alarm(run_period)
        self.dashboard = self._dashboard()

        self.register_outputs(
            {
                "alarm_names": [alarm.name for alarm in self.alarms.values()],
                "dashboard_name": self.dashboard.dashboard_name,
            }
        )

    def _alarm(
        self,
        key: str,
        description: str,
        *,
        namespace: str,
        metric_name: str,
        dimensions: dict[str, pulumi.Input[str]],
        statistic: str,
        threshold: float = 0,
        period: int = PERIOD_SECONDS,
    ) -> None:
        self._register(
            key,
            description,
            namespace=namespace,
            metric_name=metric_name,
            dimensions=dimensions,
            statistic=statistic,
            period=period,
            threshold=threshold,
            comparison_operator="GreaterThanThreshold",
        )

    def _incomplete_run_alarm(self, period: int) -> None:
        """Fewer than 80% of the products dispatched in a schedule period were accounted for.

        Over a whole period every run's dispatch and its scrapes fall in the same window or,
        for a run across a boundary, the tail of one run balances the head of the next.
        FILL gives a kind with no data a zero; no dispatch means no data point (no alarm).
        """

        def metric(metric_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=metric_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=self._args.metrics_namespace,
                    metric_name=metric_name,
                    dimensions={"service": metric_names.SERVICE},
                    stat="Sum",
                    period=period,
                ),
            )

        self._register(
            "incomplete-run",
            "A run accounted for under 80% of the products it dispatched (scraped, failed or "
            "blocked): scrapes are stuck, throttled or dead-lettered.",
            metric_queries=[
                metric("dispatched", metric_names.PRODUCTS_DISPATCHED),
                metric("scraped", metric_names.PRODUCTS_SCRAPED),
                metric("failed", metric_names.PRODUCTS_FAILED),
                metric("blocked", metric_names.PRODUCTS_BLOCKED),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="completion",
                    label="Share of dispatched products accounted for",
                    expression="(FILL(scraped, 0) + FILL(failed, 0) + FILL(blocked, 0))"
                    " / dispatched",
                    return_data=True,
                ),
            ],
            threshold=MIN_RUN_COMPLETION,
            comparison_operator="LessThanThreshold",
        )

    def _register(self, key: str, description: str, **alarm: Any) -> None:
        ops = [self._args.messaging.ops_topic.arn]
        self.alarms[key] = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            name=f"price-monitor-{key}-{self._args.suffix}",
            alarm_description=description,
            evaluation_periods=1,
            # No data is the normal state of an error metric or an empty queue.
            treat_missing_data="notBreaching",
            alarm_actions=ops,
            ok_actions=ops,
            opts=pulumi.ResourceOptions(parent=self),
            **alarm,
        )

    def _dashboard(self) -> aws.cloudwatch.Dashboard:
        args = self._args
        compute, queues = args.compute, args.messaging
        namespace, region = args.metrics_namespace, args.region
        service = ["service", metric_names.SERVICE]
        detector = ["FunctionName", compute.detector_function.name]
        functions = [["FunctionName", function.name] for _, function in _functions(compute)]

        def run_metric(metric_name: str, stat: str = "Sum") -> list[Any]:
            return [namespace, metric_name, *service, {"stat": stat}]

        def queue_depth(queue: aws.sqs.Queue) -> list[Any]:
            return ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.name]

        widgets = [
            _graph(
                "Run: products by outcome",
                region,
                [
                    run_metric(metric_names.PRODUCTS_DISPATCHED),
                    run_metric(metric_names.PRODUCTS_SCRAPED),
                    run_metric(metric_names.PRODUCTS_FAILED),
                    run_metric(metric_names.PRODUCTS_BLOCKED),
                    run_metric(metric_names.PRODUCTS_RETRIED),
                    run_metric(metric_names.PRODUCTS_FAILING_REPEATEDLY),
                ],
            ),
            _graph(
                "Fetch latency (ms)",
                region,
                [
                    run_metric(metric_names.FETCH_LATENCY, "p50"),
                    run_metric(metric_names.FETCH_LATENCY, "p90"),
                ],
            ),
            _graph(
                "Queue depth (scrape queue and dead letters)",
                region,
                [
                    queue_depth(queue)
                    for queue in (
                        queues.scrape_queue,
                        queues.scrape_dlq,
                        queues.render_queue,
                        queues.render_dlq,
                        queues.notify_queue,
                        queues.notify_dlq,
                        queues.schedule_dlq,
                        queues.stream_failure_queue,
                    )
                    if queue is not None
                ],
                stat="Maximum",
            ),
            _graph(
                "Detector: iterator age (ms) and notifications published",
                region,
                [
                    ["AWS/Lambda", "IteratorAge", *detector, {"stat": "Maximum"}],
                    [
                        namespace,
                        metric_names.NOTIFICATIONS_PUBLISHED,
                        *service,
                        {"stat": "Sum", "yAxis": "right"},
                    ],
                ],
            ),
            _graph(
                "Lambda errors and throttles",
                region,
                [
                    ["AWS/Lambda", metric, *function]
                    for metric in ("Errors", "Throttles")
                    for function in functions
                ],
            ),
            _graph(
                "Lambda duration (ms, p90)",
                region,
                [["AWS/Lambda", "Duration", *function] for function in functions],
                stat="p90",
            ),
            {
                "type": "alarm",
                "width": 24,
                "height": 4,
                "properties": {
                    "title": "Alarms",
                    "alarms": [alarm.arn for alarm in self.alarms.values()],
                },
            },
        ]
        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=f"price-monitor-{args.suffix}",
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _functions(compute: Compute) -> list[tuple[str, aws.lambda_.Function]]:
    """The stack's functions by key: scraper, renderer and notifier (when declared),
    detector."""
    renderer = (
        [] if compute.renderer_function is None else [("renderer", compute.renderer_function)]
    )
    notifier = (
        [] if compute.notifier_function is None else [("notifier", compute.notifier_function)]
    )
    return [
        ("scraper", compute.scraper_function),
        *renderer,
        ("detector", compute.detector_function),
        *notifier,
    ]


def alarm_period(schedule_period_seconds: int) -> int:
    """The schedule period as an alarm period: a multiple of 60 s, at most one day."""
    bounded = min(max(schedule_period_seconds, 60), MAX_ALARM_PERIOD_SECONDS)
    return bounded - bounded % 60


def _graph(
    title: str, region: str, metrics: list[list[Any]], *, stat: str = "Sum"
) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stat": stat,
            "period": PERIOD_SECONDS,
            "metrics": metrics,
        },
    }
