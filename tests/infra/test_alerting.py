"""Alerting as declared per stack: what each alarm watches, that every alarm reaches the ops
topic both ways, and the run-health dashboard."""

from __future__ import annotations

import pytest
from declared_stack import DeclaredStack

from contracts import metric_names
from price_monitor.alerting import alarm_period

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarm(stack: DeclaredStack, purpose: str) -> dict:
    return stack.find(ALARM, name=f"price-monitor-{purpose}-{stack.suffix}").inputs


def assert_fires_above(inputs: dict, threshold: float) -> None:
    assert inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert inputs["threshold"] == threshold
    assert inputs["evaluationPeriods"] == 1


def test_every_alarm_notifies_the_ops_topic_on_alarm_and_on_recovery(stack):
    alarms = stack.of_type(ALARM)
    assert alarms
    for declared in alarms:
        assert declared.inputs["alarmActions"] == [stack.outputs["ops_topic_arn"]]
        assert declared.inputs["okActions"] == [stack.outputs["ops_topic_arn"]]
        assert declared.inputs["treatMissingData"] == "notBreaching"
        assert declared.inputs["alarmDescription"]


def test_alarms_cover_functions_dead_letters_stream_lag_schedule_and_runs(stack):
    assert {declared.inputs["name"] for declared in stack.of_type(ALARM)} == {
        f"price-monitor-{purpose}-{stack.suffix}"
        for purpose in (
            "scraper-errors",
            "scraper-throttles",
            "detector-errors",
            "detector-throttles",
            "scrape-dlq-not-empty",
            "schedule-dlq-not-empty",
            "stream-failures-not-empty",
            "detector-iterator-age",
            "schedule-target-errors",
            "incomplete-run",
            "products-failing-repeatedly",
        )
    }


@pytest.mark.parametrize("function", ["scraper", "detector"])
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_a_single_function_error_or_throttle_alarms(stack, function, metric):
    inputs = alarm(stack, f"{function}-{metric.lower()}")
    assert (inputs["namespace"], inputs["metricName"], inputs["statistic"]) == (
        "AWS/Lambda",
        metric,
        "Sum",
    )
    assert inputs["dimensions"] == {"FunctionName": f"price-monitor-{function}-{stack.suffix}"}
    assert_fires_above(inputs, 0)


@pytest.mark.parametrize("queue", ["scrape-dlq", "schedule-dlq", "stream-failures"])
def test_a_single_dead_letter_alarms(stack, queue):
    inputs = alarm(stack, f"{queue}-not-empty")
    assert (inputs["namespace"], inputs["metricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert inputs["dimensions"] == {"QueueName": f"price-monitor-{queue}-{stack.suffix}"}
    assert_fires_above(inputs, 0)


def test_detector_falling_ten_minutes_behind_the_stream_alarms(stack):
    inputs = alarm(stack, "detector-iterator-age")
    assert (inputs["namespace"], inputs["metricName"], inputs["statistic"]) == (
        "AWS/Lambda",
        "IteratorAge",
        "Maximum",
    )
    assert inputs["dimensions"] == {"FunctionName": f"price-monitor-detector-{stack.suffix}"}
    assert_fires_above(inputs, 10 * 60 * 1000)


def test_schedule_failing_to_deliver_alarms_for_this_stacks_schedule_group(stack):
    inputs = alarm(stack, "schedule-target-errors")
    group = stack.find("aws:scheduler/scheduleGroup:ScheduleGroup").inputs["name"]
    (schedule,) = stack.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["groupName"] == group
    assert (inputs["namespace"], inputs["metricName"]) == ("AWS/Scheduler", "TargetErrorCount")
    assert inputs["dimensions"] == {"ScheduleGroup": group}
    assert_fires_above(inputs, 0)


def test_products_failing_repeatedly_alarm_over_a_schedule_period(stack):
    inputs = alarm(stack, "products-failing-repeatedly")
    assert inputs["namespace"] == metric_names.namespace(stack.suffix)
    assert inputs["metricName"] == metric_names.PRODUCTS_FAILING_REPEATEDLY
    assert inputs["dimensions"] == {"service": metric_names.SERVICE}
    assert inputs["period"] == stack.settings.schedule_period_seconds
    assert_fires_above(inputs, 0)


def test_a_run_accounting_for_under_80_percent_of_its_dispatched_products_alarms(stack):
    inputs = alarm(stack, "incomplete-run")
    queries = {query["id"]: query for query in inputs["metricQueries"]}
    (result,) = [query for query in queries.values() if query.get("returnData")]
    assert result["expression"].replace(" ", "") == (
        "(FILL(scraped,0)+FILL(failed,0)+FILL(blocked,0))/dispatched"
    )
    for metric_id, metric_name in (
        ("dispatched", metric_names.PRODUCTS_DISPATCHED),
        ("scraped", metric_names.PRODUCTS_SCRAPED),
        ("failed", metric_names.PRODUCTS_FAILED),
        ("blocked", metric_names.PRODUCTS_BLOCKED),
    ):
        metric = queries[metric_id]["metric"]
        assert metric["namespace"] == metric_names.namespace(stack.suffix)
        assert metric["metricName"] == metric_name
        assert metric["dimensions"] == {"service": metric_names.SERVICE}
        assert metric["stat"] == "Sum"
        assert metric["period"] == stack.settings.schedule_period_seconds
    assert inputs["comparisonOperator"] == "LessThanThreshold"
    assert inputs["threshold"] == 0.8


@pytest.mark.parametrize(
    ("schedule_period", "alarm_period_seconds"),
    [(6 * 3600, 6 * 3600), (30, 60), (3 * 24 * 3600, 24 * 3600), (150, 120)],
)
def test_alarm_period_is_the_schedule_period_in_whole_minutes_up_to_a_day(
    schedule_period, alarm_period_seconds
):
    assert alarm_period(schedule_period) == alarm_period_seconds


def test_dashboard_shows_a_runs_health_at_a_glance(stack):
    (dashboard,) = stack.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == stack.outputs["dashboard_name"]
    widgets = dashboard.json("dashboardBody")["widgets"]
    graphs = [widget["properties"] for widget in widgets if widget["type"] == "metric"]
    shown = {(line[0], line[1]) for graph in graphs for line in graph["metrics"]}
    namespace = metric_names.namespace(stack.suffix)
    assert {
        (namespace, metric_names.PRODUCTS_DISPATCHED),
        (namespace, metric_names.PRODUCTS_SCRAPED),
        (namespace, metric_names.PRODUCTS_FAILED),
        (namespace, metric_names.PRODUCTS_BLOCKED),
        (namespace, metric_names.PRODUCTS_RETRIED),
        (namespace, metric_names.FETCH_LATENCY),
        (namespace, metric_names.NOTIFICATIONS_PUBLISHED),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "IteratorAge"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Duration"),
    } <= shown
    latency_stats = {
        line[-1]["stat"]
        for graph in graphs
        for line in graph["metrics"]
        if line[1] == metric_names.FETCH_LATENCY
    }
    assert latency_stats == {"p50", "p90"}
    assert all(graph["region"] == stack.settings.region for graph in graphs)
    (alarm_widget,) = [widget for widget in widgets if widget["type"] == "alarm"]
    assert set(alarm_widget["properties"]["alarms"]) == {
        declared.state["arn"] for declared in stack.of_type(ALARM)
    }


def test_dashboard_depth_graph_shows_the_scrape_queue_and_every_dead_letter_queue(stack):
    (dashboard,) = stack.of_type("aws:cloudwatch/dashboard:Dashboard")
    lines = [
        line
        for widget in dashboard.json("dashboardBody")["widgets"]
        if widget["type"] == "metric"
        for line in widget["properties"]["metrics"]
        if line[1] == "ApproximateNumberOfMessagesVisible"
    ]
    assert {line[3] for line in lines} == {
        queue.inputs["name"] for queue in stack.of_type("aws:sqs/queue:Queue")
    }
