"""`pricemon status`: runs, DLQ depth, products failing repeatedly and alarm states, read from
the provisioned stack in moto and from the local stack after real cycles."""

from __future__ import annotations

import io
from dataclasses import replace

import boto3
import pytest

from pricemon.app import main
from pricemon.status import (
    alarm_names,
    alarm_states,
    format_duration,
    read_all,
    summarise_run,
)

OK_ALARM = "OK"


def put_run(runs, run_id, *, status="dispatched", dispatched=10, started="06:00:00", **fields):
    runs.put_item(
        Item={
            "run_id": run_id,
            "status": status,
            "dispatched": dispatched,
            "rejected": 0,
            "started_at": f"2026-05-01T{started}Z",
            **fields,
        }
    )


def finished_run(runs, run_id="2026-05-01T06:00:00Z"):
    put_run(runs, run_id, scraped=8, failed=1, blocked=1, dead_lettered=0)


def put_alarms(world, state_of):
    """Create the stack's alarms in CloudWatch, each in the state `state_of(name)` says."""
    cloudwatch = boto3.client("cloudwatch", region_name=world.stack.region)
    for name in world.stack.outputs["alarm_names"]:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state_of(name), StateReason="test")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- against the provisioned stack (moto) ------------------------------------------------


def test_the_last_runs_are_listed_newest_first_with_their_counts_and_state(pricemon, stack_table):
    runs = stack_table("runs_table")
    put_run(runs, "r1", started="00:00:00", scraped=10, last_activity_at="2026-05-01T00:03:05Z")
    put_run(runs, "r2", started="06:00:00", scraped=6, failed=1, blocked=1)  # 2 not counted
    put_run(runs, "r3", started="12:00:00", status="dispatching", dispatched=4)
    put_run(runs, "r0", started="00:00:00", scraped=1)  # started with r1: older id, shown after

    result = pricemon("status", "--json", "--runs", "3")

    assert result.code == 0
    shown = result.json()["runs"]
    assert [run["run_id"] for run in shown] == ["r3", "r2", "r1"]
    assert [run["state"] for run in shown] == ["dispatching", "running", "finished"]
    assert shown[1] | {"started_at": None} == {
        "run_id": "r2",
        "started_at": None,
        "products": 10,
        "scraped": 6,
        "failed": 1,
        "blocked": 1,
        "dead_lettered": 0,
        "duration_seconds": None,
        "state": "running",
    }
    assert shown[2]["duration_seconds"] == 185
    note = "A run still `running` after a later one started may never finish"
    assert note in pricemon("status").out  # r2, short of its count, with r3 after it
    assert note not in pricemon("status", "--runs", "1").out  # the newest run may yet finish


def test_the_runs_table_reads_as_an_aligned_table(pricemon, stack_table):
    put_run(
        stack_table("runs_table"),
        "2026-05-01T06:00:00Z",
        scraped=9,
        dead_lettered=1,
        last_activity_at="2026-05-01T06:03:05Z",
    )

    result = pricemon("status")

    lines = result.out.splitlines()
    header = lines[1]
    assert header.split() == [
        "run", "id", "started", "products", "scraped", "failed", "blocked",
        "dead-lettered", "duration", "state",
    ]  # fmt: skip
    row = lines[2]
    assert row.split() == [
        "2026-05-01T06:00:00Z", "2026-05-01", "06:00:00", "10", "9", "0", "0", "1", "3m", "05s",
        "finished",
    ]  # fmt: skip
    assert row.index("finished") == header.index("state")


def test_the_dlq_depth_counts_visible_and_in_flight_messages(pricemon, world):
    sqs = boto3.client("sqs", region_name=world.stack.region)
    dlq = world.stack.outputs["scrape_dlq_url"]
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=dlq, MessageBody=body)
    sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=1, VisibilityTimeout=300)

    result = pricemon("status")

    assert "Dead-letter queue: 3 messages" in result.out
    assert pricemon("status", "--json").json()["dlq_depth"] == 3


def test_products_failing_repeatedly_are_listed_with_their_last_error(pricemon, products_table):
    for product_id, failures in (("grill", 5), ("lamp", 3), ("kettle", 2), ("toaster", 0)):
        products_table.put_item(
            Item={
                "product_id": product_id,
                "retailer": "jsonld-mart",
                "url": f"https://shop.example/{product_id}",
                "consecutive_failures": failures,
                "last_status": "error" if failures else "ok",
                "last_error": f"HTTP 404 ({product_id})" if failures else None,
                "last_checked_at": "2026-05-01T06:00:01.000Z",
            }
        )

    default = pricemon("status", "--json").json()
    wider = pricemon("status", "--json", "--min-failures", "2").json()
    shown = pricemon("status").out

    assert [(p["product_id"], p["failures"]) for p in default["failing_products"]] == [
        ("grill", 5),
        ("lamp", 3),
    ]
    assert default["failing_products"][0]["last_error"] == "HTTP 404 (grill)"
    assert [p["product_id"] for p in wider["failing_products"]] == ["grill", "lamp", "kettle"]
    assert "(3 or more failures in a row): 2" in shown
    assert "HTTP 404 (grill)" in shown


def test_alarm_states_are_read_and_an_alarm_in_alarm_is_red_on_a_terminal(world, pricemon):
    alarming = world.stack.outputs["alarm_names"][0]
    put_alarms(world, lambda name: "ALARM" if name == alarming else OK_ALARM)
    out = Terminal()

    code = main(["status"], out=out, err=io.StringIO(), stack=pricemon.stack())

    assert code == 0
    (line,) = [line for line in out.getvalue().splitlines() if f"{alarming}  " in line]
    assert line.startswith(f"\x1b[31m{alarming} ")
    assert line.endswith("\x1b[0m")
    assert line.split()[1] == "ALARM"
    other_rows = [row for row in out.getvalue().splitlines() if "  OK  " in row]
    assert other_rows
    assert not any("\x1b[31m" in row for row in other_rows)
    states = {a["name"]: a["state"] for a in pricemon("status", "--json").json()["alarms"]}
    assert states == {
        name: "ALARM" if name == alarming else OK_ALARM
        for name in world.stack.outputs["alarm_names"]
    }
    assert "\x1b[" not in pricemon("status").out  # not a terminal: no colour


def test_the_local_stacks_alarms_are_the_declared_ones(world, pricemon):
    states = {a["name"]: a["state"] for a in pricemon("status", "--json").json()["alarms"]}

    assert sorted(states) == sorted(world.stack.outputs["alarm_names"])
    assert set(states.values()) == {"INSUFFICIENT_DATA"}  # not evaluated locally


def test_alarms_the_outputs_name_but_cloudwatch_lacks_are_reported_not_found(world, pricemon):
    stale = world.stack.outputs["alarm_names"][0]
    boto3.client("cloudwatch", region_name=world.stack.region).delete_alarms(AlarmNames=[stale])

    result = pricemon("status")

    (line,) = [line for line in result.out.splitlines() if line.startswith(f"{stale} ")]
    assert "NOT_FOUND" in line
    assert "the stack's outputs name an alarm CloudWatch does not have" in result.out


def test_a_stack_without_alarm_outputs_shows_none(pricemon):
    outputs = {**pricemon.stack().outputs, "alarm_names": []}
    out = io.StringIO()

    main(["status"], out=out, err=io.StringIO(), stack=replace(pricemon.stack(), outputs=outputs))

    assert "Alarms: 0" in out.getvalue()


def test_every_page_of_a_paginated_read_is_returned(stack_table):
    runs = stack_table("runs_table")
    for number in range(5):
        put_run(runs, f"r{number}")

    items = read_all(runs, "scan", {"Limit": 2})

    assert sorted(item["run_id"] for item in items) == [f"r{number}" for number in range(5)]


def test_a_run_record_with_unreadable_times_has_no_duration():
    run = summarise_run(
        {"run_id": "r", "status": "dispatched", "started_at": "soon", "dispatched": 0}
    )

    assert (run.started_at, run.duration_seconds, run.state) == (None, None, "finished")


def test_alarm_names_are_described_100_at_a_time(world):
    cloudwatch = boto3.client("cloudwatch", region_name=world.stack.region)
    names = [f"alarm-{number:03d}" for number in range(230)]
    for name in names[:150]:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    asked: list[int] = []
    cloudwatch.meta.events.register(
        "provide-client-params.cloudwatch.DescribeAlarms",
        lambda params, **_: asked.append(len(params["AlarmNames"])),
    )

    states = alarm_states(cloudwatch, names)

    assert asked == [100, 100, 30]
    assert [state.name for state in states] == names
    assert "NOT_FOUND" not in {state.state for state in states[:150]}
    assert {state.state for state in states[150:]} == {"NOT_FOUND"}


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (["a", "b"], ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        ("a, b", ["a", "b"]),
        ("a", ["a"]),
    ],
)
def test_alarm_names_come_as_a_list_or_as_set_on_the_command_line(value, names):
    assert alarm_names(value) == names


@pytest.fixture
def healthy(world, stack_table) -> None:
    finished_run(stack_table("runs_table"))
    put_alarms(world, lambda name: OK_ALARM)


def test_strict_exits_0_when_all_is_well(healthy, pricemon):
    result = pricemon("status", "--strict")

    assert result.code == 0
    assert "problem:" not in result.out


def make_product_fail(world, stack_table):
    stack_table("products_table").put_item(
        Item={"product_id": "grill", "consecutive_failures": 3, "last_status": "error"}
    )


def fill_dlq(world, stack_table):
    sqs = boto3.client("sqs", region_name=world.stack.region)
    sqs.send_message(QueueUrl=world.stack.outputs["scrape_dlq_url"], MessageBody="{}")


def raise_alarm(world, stack_table):
    put_alarms(world, lambda name: "ALARM")


def start_a_run(world, stack_table):
    put_run(stack_table("runs_table"), "2026-05-01T12:00:00Z", started="12:00:00", scraped=3)


@pytest.mark.parametrize(
    ("problem", "says"),
    [
        (make_product_fail, "1 product(s) failed 3 or more times in a row"),
        (fill_dlq, "1 message(s) in the dead-letter queue"),
        (raise_alarm, "alarm(s) in ALARM: price-monitor-"),
        (start_a_run, "the last run (2026-05-01T12:00:00Z) is running"),
    ],
)
def test_strict_exits_1_on_each_problem_and_says_which(
    healthy, pricemon, world, stack_table, problem, says
):
    problem(world, stack_table)

    strict = pricemon("status", "--strict")
    relaxed = pricemon("status")

    assert strict.code == 1
    assert says in strict.out
    assert relaxed.code == 0  # without --strict the problems are shown, not failed on
    assert says in relaxed.out


def test_strict_fails_when_no_run_was_ever_recorded(pricemon):
    result = pricemon("status", "--strict", "--json")

    assert result.code == 1
    assert result.json()["problems"] == ["no run recorded"]
    assert "No run recorded yet." in pricemon("status").out


@pytest.mark.parametrize(
    ("value", "says"), [("0", "'0' must be 1 or more"), ("five", "'five' is not a whole number")]
)
def test_a_count_that_is_not_a_whole_number_of_1_or_more_is_a_usage_error(
    pricemon, capsys, value, says
):
    result = pricemon("status", "--runs", value)

    assert result.code == 2
    assert f"argument --runs: {says}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, None), (42.4, "42s"), (185, "3m 05s"), (7380, "2h 03m"), (-1, "0s")],
)
def test_durations_read_at_a_glance(seconds, shown):
    assert format_duration(seconds) == shown
