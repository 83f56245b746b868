"""The emulated services against hand-built moto resources: SQS and stream event sources,
the SNS inbox and the scheduler, on the simulated clock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local_stack.clock import SimulatedClock, services_follow
from local_stack.lambda_runtime import FunctionError, Invocation
from local_stack.services.scheduler import (
    Scheduler,
    UnsupportedScheduleError,
    fire_times,
    scheduled_input,
)
from local_stack.services.sns_inbox import Inbox
from local_stack.services.sqs_event_source import SqsEventSource, lambda_sqs_record
from local_stack.services.sqs_queue import Queue
from local_stack.services.stream_event_source import StreamEventSource, StreamReader
from local_stack.stack import LocalSchedule, QueueMapping, StreamMapping
from price_monitor.compute import DETECTOR_EVENT_FILTER

START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
REGION = "eu-west-1"


@dataclass
class ScriptedRuntime:
    """Stands in for the Lambda runtime: `behaviour(event)` is the function."""

    behaviour: Callable[[dict[str, Any]], Any]
    account_id: str = "123456789012"
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, name: str, event: dict[str, Any]) -> Invocation:
        self.events.append(event)
        try:
            response = self.behaviour(event)
        except Exception as error:
            return Invocation(name, "req", event, None, FunctionError("Error", str(error)), 0.0)
        return Invocation(name, "req", event, response, None, 0.0)

    def batches(self, key: Callable[[dict[str, Any]], str]) -> list[list[str]]:
        return [[key(record) for record in event["Records"]] for event in self.events]


def body_of(record: dict[str, Any]) -> str:
    return record["body"]


def product_of(record: dict[str, Any]) -> str:
    return record["dynamodb"]["Keys"]["product_id"]["S"]


@pytest.fixture
def clock(local_aws) -> SimulatedClock:
    clock = SimulatedClock(START)
    with services_follow(clock):
        yield clock


@pytest.fixture
def sqs(clock):
    return boto3.client("sqs", region_name=REGION)


def make_queue(sqs, name: str, **attributes: str) -> Queue:
    return Queue(sqs, sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def queue_mapping(queue: Queue, **settings: Any) -> QueueMapping:
    values = {
        "queue_url": queue.url,
        "queue_arn": queue.arn,
        "function": "scraper",
        "batch_size": 10,
        "batching_window_seconds": 0,
        "maximum_concurrency": None,
        "report_batch_item_failures": True,
    }
    return QueueMapping(**(values | settings))


def fail_bodies(*bodies: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def behaviour(event: dict[str, Any]) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] in bodies]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    return behaviour


# --- SQS -------------------------------------------------------------------------------


def test_a_received_message_becomes_the_record_lambda_sends(sqs):
    queue = make_queue(sqs, "jobs")
    sqs.send_message(
        QueueUrl=queue.url,
        MessageBody='{"action": "scrape_product"}',
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "test"}},
    )

    (message,) = queue.receive(10)
    record = lambda_sqs_record(message, queue)

    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": str(int(START.timestamp() * 1000)),
        "SenderId": message["Attributes"]["SenderId"],
        "ApproximateFirstReceiveTimestamp": str(int(START.timestamp() * 1000)),
    }
    assert record["messageAttributes"] == {
        "origin": {
            "stringValue": "test",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        f"arn:aws:sqs:{REGION}:123456789012:jobs",
        REGION,
    )


def test_binary_message_attributes_arrive_base64_encoded(sqs):
    queue = make_queue(sqs, "jobs")
    sqs.send_message(
        QueueUrl=queue.url,
        MessageBody="x",
        MessageAttributes={"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    )

    record = lambda_sqs_record(queue.receive(1)[0], queue)

    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="


def test_successes_are_deleted_and_failures_return_after_the_visibility_timeout(sqs, clock):
    queue = make_queue(sqs, "jobs", VisibilityTimeout="60")
    for body in ("a", "b", "c"):
        queue.send(body)
    runtime = ScriptedRuntime(fail_bodies("b"))
    source = SqsEventSource(queue_mapping(queue), queue, runtime, clock)

    source.poll()
    hidden = source.poll()
    wake = queue.next_visible_at()
    clock.advance_to(wake)
    source.poll()

    assert hidden is None
    assert wake == START + timedelta(seconds=60, milliseconds=1)
    assert runtime.batches(body_of) == [["a", "b", "c"], ["b"]]
    assert runtime.events[1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert [message.body for message in queue.messages()] == ["b"]


@pytest.mark.parametrize(
    "behaviour",
    [
        pytest.param(lambda event: 1 / 0, id="function-error"),
        pytest.param(
            lambda event: {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]},
            id="unknown-identifier",
        ),
        pytest.param(lambda event: {"batchItemFailures": [{"itemIdentifier": ""}]}, id="empty"),
        pytest.param(lambda event: {"batchItemFailures": "b"}, id="not-a-list"),
    ],
)
def test_a_failed_invocation_or_malformed_response_returns_the_whole_batch(sqs, clock, behaviour):
    queue = make_queue(sqs, "jobs")
    queue.send("a")
    queue.send("b")

    SqsEventSource(queue_mapping(queue), queue, ScriptedRuntime(behaviour), clock).poll()

    assert sorted(message.body for message in queue.messages()) == ["a", "b"]


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, "done"])
def test_an_empty_or_absent_failure_list_is_a_complete_success(sqs, clock, response):
    queue = make_queue(sqs, "jobs")
    queue.send("a")

    SqsEventSource(queue_mapping(queue), queue, ScriptedRuntime(lambda e: response), clock).poll()

    assert queue.is_empty()


def test_without_report_batch_item_failures_a_failure_list_is_ignored(sqs, clock):
    queue = make_queue(sqs, "jobs")
    queue.send("a")
    mapping = queue_mapping(queue, report_batch_item_failures=False)

    SqsEventSource(mapping, queue, ScriptedRuntime(fail_bodies("a")), clock).poll()

    assert queue.is_empty()


def test_the_batching_window_gathers_what_arrives_within_it_on_the_simulated_clock(sqs, clock):
    queue = make_queue(sqs, "jobs")
    queue.send("now")
    sqs.send_message(QueueUrl=queue.url, MessageBody="in 3 s", DelaySeconds=3)
    sqs.send_message(QueueUrl=queue.url, MessageBody="in 8 s", DelaySeconds=8)
    runtime = ScriptedRuntime(lambda event: None)
    mapping = queue_mapping(queue, batching_window_seconds=5)

    SqsEventSource(mapping, queue, runtime, clock).poll()

    assert runtime.batches(body_of) == [["now", "in 3 s"]]
    assert clock.now() == START + timedelta(seconds=5)  # Lambda waits the window out
    assert [message.body for message in queue.messages()] == ["in 8 s"]


def test_a_full_batch_is_invoked_without_waiting_for_the_window(sqs, clock):
    queue = make_queue(sqs, "jobs")
    for index in range(12):
        queue.send(str(index))
    runtime = ScriptedRuntime(lambda event: None)
    mapping = queue_mapping(queue, batching_window_seconds=5)

    SqsEventSource(mapping, queue, runtime, clock).poll()

    assert [len(batch) for batch in runtime.batches(body_of)] == [10]
    assert clock.now() == START


def test_a_poison_message_reaches_the_dlq_after_three_receives_without_blocking_its_batch(
    sqs, clock
):
    dlq = make_queue(sqs, "jobs-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 3})
    queue = make_queue(sqs, "jobs", VisibilityTimeout="30", RedrivePolicy=redrive)
    queue.send("poison")
    queue.send("good")
    runtime = ScriptedRuntime(fail_bodies("poison"))
    source = SqsEventSource(queue_mapping(queue), queue, runtime, clock)

    while not queue.is_empty():
        if source.poll() is None and (wake := queue.next_visible_at()) is not None:
            clock.advance_to(wake)

    assert runtime.batches(body_of) == [["poison", "good"], ["poison"], ["poison"]]
    assert [(m.body, m.receive_count) for m in dlq.messages()] == [("poison", 3)]


def test_nothing_waits_in_an_empty_queue_or_one_whose_messages_are_visible(sqs):
    queue = make_queue(sqs, "jobs")
    assert queue.next_visible_at() is None

    queue.send("visible")

    assert queue.next_visible_at() is None
    assert not queue.is_empty()


# --- DynamoDB stream -------------------------------------------------------------------


@pytest.fixture
def products(clock) -> dict[str, str]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    description = dynamodb.create_table(
        TableName="products",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "product_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "product_id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    return {"table": "products", "stream_arn": description["LatestStreamArn"]}


def put(product_id: str, status: str = "ok", **fields: str) -> None:
    item = {"product_id": {"S": product_id}, "last_status": {"S": status}}
    item |= {name: {"S": value} for name, value in fields.items()}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName="products", Item=item)


def observe(*product_ids: str, status: str = "ok") -> None:
    """An import (INSERT) then an observation (MODIFY) of each product."""
    for product_id in product_ids:
        put(product_id, status="new")
        put(product_id, status=status)


def reader_of(products, position: str = "LATEST") -> StreamReader:
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    return StreamReader(streams, products["stream_arn"], REGION, position)


def stream_mapping(products, **settings: Any) -> StreamMapping:
    values = {
        "table_name": products["table"],
        "stream_arn": products["stream_arn"],
        "function": "detector",
        "batch_size": 100,
        # Parsed from the JSON the program declares, as the stack reads it (stack.py).
        "filter_patterns": [json.loads(json.dumps(DETECTOR_EVENT_FILTER))],
        "bisect_on_error": True,
        "maximum_retry_attempts": 2,
        "maximum_record_age_seconds": 21600,
        "on_failure_queue_url": None,
        "report_batch_item_failures": True,
        "starting_position": "LATEST",
    }
    return StreamMapping(**(values | settings))


def stream_source(products, clock, runtime, failures: Queue | None = None, **settings):
    reader = reader_of(products)
    return StreamEventSource(stream_mapping(products, **settings), reader, runtime, clock, failures)


def drain(source: StreamEventSource) -> None:
    while source.poll() is not None:
        pass


def test_the_stream_is_read_from_where_the_mapping_started_as_lambda_delivers_it(products, clock):
    put("before")
    reader = reader_of(products)
    clock.advance(30)
    put("after")

    first = reader.read()
    put("later")
    second = reader.read()

    assert [product_of(read.record) for read in first] == ["after"]
    assert [product_of(read.record) for read in second] == ["later"]
    record = first[0].record
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == products["stream_arn"]
    assert record["awsRegion"] == REGION
    assert record["dynamodb"]["ApproximateCreationDateTime"] == int(START.timestamp()) + 30
    assert record["dynamodb"]["NewImage"]["product_id"] == {"S": "after"}
    assert first[0].shard_id.startswith("shardId-")


def test_a_trim_horizon_mapping_reads_the_whole_stream(products):
    put("before")

    assert [product_of(read.record) for read in reader_of(products, "TRIM_HORIZON").read()] == [
        "before"
    ]


def test_records_the_filter_rejects_never_reach_the_function_but_are_seen(products, clock):
    seen: list[str] = []
    runtime = ScriptedRuntime(lambda event: None)
    source = stream_source(products, clock, runtime)
    source.on_record = lambda record: seen.append(record["eventName"])
    observe("kettle")
    put("toaster", status="new")
    put("toaster", status="error")

    drain(source)

    assert runtime.batches(product_of) == [["kettle"]]
    assert seen == ["INSERT", "MODIFY", "INSERT", "MODIFY"]


def test_records_go_in_batches_of_the_declared_size(products, clock):
    runtime = ScriptedRuntime(lambda event: None)
    source = stream_source(products, clock, runtime, batch_size=2)
    observe("a", "b", "c", "d", "e")

    drain(source)

    assert runtime.batches(product_of) == [["a", "b"], ["c", "d"], ["e"]]


def test_a_partial_failure_is_retried_from_the_first_failed_record(products, clock):
    failing = {"b"}

    def behaviour(event):
        failed = [r for r in event["Records"] if product_of(r) in failing]
        failing.clear()  # fine on the retry
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed
            ]
        }

    runtime = ScriptedRuntime(behaviour)
    source = stream_source(products, clock, runtime)
    observe("a", "b", "c")

    drain(source)

    assert runtime.batches(product_of) == [["a", "b", "c"], ["b", "c"]]


def test_a_failing_batch_is_halved_until_the_bad_record_is_alone_then_retried_and_dropped(
    products, clock, sqs
):
    failures = make_queue(sqs, "stream-failures")

    def behaviour(event):
        if any(product_of(record) == "c" for record in event["Records"]):
            raise RuntimeError("bad record")

    runtime = ScriptedRuntime(behaviour)
    source = stream_source(products, clock, runtime, failures, maximum_retry_attempts=2)
    observe("a", "b", "c", "d")

    drain(source)

    assert runtime.batches(product_of) == [
        ["a", "b", "c", "d"],
        ["a", "b"],
        ["c", "d"],
        ["c"],  # alone: the first call and two retries
        ["c"],
        ["c"],
        ["d"],
    ]
    (message,) = failures.messages()
    record = json.loads(message.body)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:detector")
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"] == products["stream_arn"]
    assert info["approximateArrivalOfFirstRecord"] == "2026-11-25T06:00:00Z"


def test_without_bisect_the_whole_batch_is_retried_then_sent_to_the_failure_queue(
    products, clock, sqs
):
    failures = make_queue(sqs, "stream-failures")
    runtime = ScriptedRuntime(lambda event: 1 / 0)
    source = stream_source(
        products, clock, runtime, failures, bisect_on_error=False, maximum_retry_attempts=1
    )
    observe("a", "b")

    drain(source)

    assert runtime.batches(product_of) == [["a", "b"], ["a", "b"]]
    (record,) = source.failure_records
    assert record["DDBStreamBatchInfo"]["batchSize"] == 2
    assert [json.loads(message.body) for message in failures.messages()] == [record]


def test_a_partial_failure_that_persists_uses_up_the_retries(products, clock):
    def behaviour(event):
        last = event["Records"][-1]["dynamodb"]["SequenceNumber"]
        return {"batchItemFailures": [{"itemIdentifier": last}]}

    runtime = ScriptedRuntime(behaviour)
    source = stream_source(products, clock, runtime, maximum_retry_attempts=1)
    observe("a", "b")

    drain(source)

    assert runtime.batches(product_of) == [["a", "b"], ["b"]]
    (record,) = source.failure_records
    assert "functionError" not in record["responseContext"]
    assert record["requestContext"]["approximateInvokeCount"] == 2


def test_records_older_than_the_maximum_age_are_sent_to_the_failure_queue_unprocessed(
    products, clock, sqs
):
    failures = make_queue(sqs, "stream-failures")
    runtime = ScriptedRuntime(lambda event: None)
    source = stream_source(products, clock, runtime, failures, maximum_record_age_seconds=60)
    observe("stale")
    clock.advance(61)

    nothing = source.poll()
    observe("fresh")
    drain(source)

    assert nothing is None
    assert runtime.batches(product_of) == [["fresh"]]
    (record,) = source.failure_records
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert [json.loads(message.body) for message in failures.messages()] == [record]


def test_only_the_expired_records_of_a_batch_are_dropped(products, clock):
    runtime = ScriptedRuntime(lambda event: None)
    source = stream_source(products, clock, runtime, maximum_record_age_seconds=60)
    observe("stale")
    clock.advance(61)
    observe("fresh")

    drain(source)

    assert runtime.batches(product_of) == [["fresh"]]
    assert source.failure_records[0]["DDBStreamBatchInfo"]["batchSize"] == 1


@dataclass
class TwoShardStream:
    """A stream client whose table has two shards, the first of them closed."""

    stream_arn: str = "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x"
    region: str = REGION

    def describe_stream(self, StreamArn):
        return {"StreamDescription": {"Shards": [{"ShardId": "old"}, {"ShardId": "new"}]}}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType):
        return {"ShardIterator": f"{ShardId}-0"}

    def get_records(self, ShardIterator, Limit):
        shard, position = ShardIterator.rsplit("-", 1)
        if shard == "old":  # closed after two records: no next iterator
            return {"Records": [self.record("a", 1), self.record("b", 2)]}
        if position == "0":
            return {"Records": [self.record("c", 3)], "NextShardIterator": "new-1"}
        return {"Records": [], "NextShardIterator": "new-1"}

    @staticmethod
    def record(product_id: str, sequence: int) -> dict[str, Any]:
        return {
            "eventID": str(sequence),
            "eventName": "MODIFY",
            "dynamodb": {
                "Keys": {"product_id": {"S": product_id}},
                "NewImage": {"product_id": {"S": product_id}, "last_status": {"S": "ok"}},
                "SequenceNumber": str(sequence),
                "ApproximateCreationDateTime": START.timestamp(),
            },
        }


def test_a_batch_holds_the_records_of_one_shard_and_a_closed_shard_is_read_once(clock):
    fake = TwoShardStream()
    reader = StreamReader(fake, fake.stream_arn, REGION, "TRIM_HORIZON")
    runtime = ScriptedRuntime(lambda event: None)
    mapping = stream_mapping({"table": "t", "stream_arn": fake.stream_arn})
    source = StreamEventSource(mapping, reader, runtime, clock, None)

    drain(source)
    later = reader.read()

    assert runtime.batches(product_of) == [["a", "b"], ["c"]]
    assert later == []


def test_unlimited_retries_keep_trying_until_the_function_succeeds(products, clock):
    calls = []

    def behaviour(event):
        calls.append(1)
        if len(calls) < 4:
            raise RuntimeError("not yet")

    runtime = ScriptedRuntime(behaviour)
    source = stream_source(
        products, clock, runtime, maximum_retry_attempts=-1, maximum_record_age_seconds=-1
    )
    observe("a")

    drain(source)

    assert len(runtime.events) == 4
    assert source.failure_records == []


# --- SNS -------------------------------------------------------------------------------


def test_the_inbox_receives_every_message_in_order_with_filter_policies_applied(sqs):
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    everything = Inbox.subscribe(sqs, sns, [topic], "everything")
    drops = Inbox.subscribe(sqs, sns, [topic], "drops", filter_policy={"kind": ["price_drop"]})
    for kind in ("price_drop", "back_in_stock", "price_drop"):
        sns.publish(
            TopicArn=topic,
            Subject=f"Subject {kind}",
            Message=json.dumps({"kind": kind}),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )

    delivered = everything.collect()

    assert [delivery.json()["kind"] for delivery in delivered] == [
        "price_drop",
        "back_in_stock",
        "price_drop",
    ]
    assert delivered[1].subject == "Subject back_in_stock"
    assert delivered[1].attributes == {"kind": "back_in_stock"}
    assert delivered[1].topic_arn == topic
    assert [delivery.json()["kind"] for delivery in drops.collect()] == ["price_drop"] * 2
    assert everything.collect() == []
    assert everything.delivered == delivered


# --- EventBridge Scheduler -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(6 hours)", "2026-11-25T07:45:12", ["2026-11-25T12:00", "2026-11-25T18:00"]),
        ("rate(6 hours)", "2026-11-25T12:00:00", ["2026-11-25T18:00", "2026-11-26T00:00"]),
        ("rate(1 day)", "2026-11-25T07:45:00", ["2026-11-26T00:00", "2026-11-27T00:00"]),
        ("rate(30 minutes)", "2026-11-25T07:45:00", ["2026-11-25T08:00", "2026-11-25T08:30"]),
    ],
)
def test_a_rate_schedule_fires_on_whole_periods_after_now(expression, after, expected):
    times = fire_times(expression, datetime.fromisoformat(after).replace(tzinfo=UTC))

    assert [next(times) for _ in expected] == [
        datetime.fromisoformat(moment).replace(tzinfo=UTC) for moment in expected
    ]


@pytest.mark.parametrize("expression", ["cron(0 6 * * ? *)", "at(2026-11-25T06:00:00)"])
def test_schedules_other_than_rate_are_refused(expression):
    with pytest.raises(UnsupportedScheduleError, match="rate"):
        fire_times(expression, START)


def test_the_scheduled_time_fills_the_placeholder_as_the_scheduler_writes_it():
    template = '{"action": "scrape_all_products", "run_id": "<aws.scheduler.scheduled-time>"}'

    assert json.loads(scheduled_input(template, START)) == {
        "action": "scrape_all_products",
        "run_id": "2026-11-25T06:00:00Z",
    }


def schedule_to(target: Queue, dead_letters: Queue | None) -> LocalSchedule:
    return LocalSchedule(
        name="scrape",
        expression="rate(6 hours)",
        input='{"run_id": "<aws.scheduler.scheduled-time>"}',
        target_queue_url=target.url,
        flexible_window_minutes=15,
        retry_attempts=2,
        dead_letter_queue_url=None if dead_letters is None else dead_letters.url,
    )


def test_a_fire_sends_the_input_to_the_target_queue(sqs):
    target = make_queue(sqs, "scrape")
    scheduler = Scheduler(sqs)

    fire = scheduler.fire(schedule_to(target, None), START)

    assert [message.body for message in target.messages()] == ['{"run_id": "2026-11-25T06:00:00Z"}']
    assert fire.message_id == target.messages()[0].message_id
    assert scheduler.fires == [fire]


def test_a_fire_the_target_refuses_goes_to_the_schedules_dlq_after_its_retries(sqs):
    target = make_queue(sqs, "scrape")
    dead_letters = make_queue(sqs, "schedule-dlq")
    schedule = schedule_to(target, dead_letters)
    sqs.delete_queue(QueueUrl=target.url)

    fire = Scheduler(sqs).fire(schedule, START)

    assert fire.message_id is None
    assert "NonExistentQueue" in fire.error or "does not exist" in fire.error
    (message,) = dead_letters.receive(10)
    assert message["Body"] == '{"run_id": "2026-11-25T06:00:00Z"}'
    attributes = {
        name: value["StringValue"] for name, value in message["MessageAttributes"].items()
    }
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"


def test_without_a_dlq_a_refused_fire_is_dropped(sqs):
    target = make_queue(sqs, "scrape")
    schedule = replace(schedule_to(target, None), target_queue_url=target.url + "-gone")

    fire = Scheduler(sqs).fire(schedule, START)

    assert fire.message_id is None
    assert fire.error
