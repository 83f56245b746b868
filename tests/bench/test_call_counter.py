"""bench/call_counter.py: botocore calls attributed to the function, the event loop or neither."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws

from bench.call_counter import EVENT_LOOP, FUNCTION, HARNESS, CallCounter
from local_stack.clock import SimulatedClock
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.runner import offline_aws
from local_stack.services.sqs_event_source import SqsEventSource
from local_stack.services.sqs_queue import Queue
from local_stack.stack import LocalFunction, QueueMapping

REGION = "eu-west-1"
FUNCTION_NAME = "counted"
# A Lambda handler that makes two API calls of its own.
HANDLER_SOURCE = """
import boto3


def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.list_queues()
    sqs.get_queue_attributes(QueueUrl=event["Records"][0]["eventSourceARN"].split(":")[-1])
    return {"batchItemFailures": []}
"""


@pytest.fixture
def aws() -> Iterator[None]:
    with offline_aws(REGION), mock_aws():
        yield


@pytest.fixture
def event_source(aws, tmp_path: Path, monkeypatch) -> SqsEventSource:
    """A queue feeding the handler above through the local stack's SQS event source."""
    (tmp_path / "counted_handler.py").write_text(HANDLER_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    function = LocalFunction(FUNCTION_NAME, "counted_handler.handler", {}, 30, 128)
    runtime = LambdaRuntime({FUNCTION_NAME: function}, region=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    queue = Queue(sqs, url)
    mapping = QueueMapping(url, queue.arn, FUNCTION_NAME, 10, 0, None, True)
    return SqsEventSource(mapping, queue, runtime, SimulatedClock())


def test_calls_are_attributed_to_the_function_the_event_loop_or_the_harness(event_source):
    counter = CallCounter()
    with counter.installed():
        counter.start()
        event_source.queue.send('{"job": 1}')  # the benchmark itself
        invocation = event_source.poll()  # the poller: receive, invoke, delete

    assert invocation is not None
    assert invocation.ok
    assert counter.counts[FUNCTION] == {"sqs:ListQueues": 1, "sqs:GetQueueAttributes": 1}
    # The local poller receives until the queue answers empty: a second, empty receive.
    assert counter.counts[EVENT_LOOP] == {"sqs:ReceiveMessage": 2, "sqs:DeleteMessageBatch": 1}
    assert counter.counts[HARNESS] == {"sqs:SendMessage": 1}
    assert counter.by_function == {
        FUNCTION_NAME: {"sqs:ListQueues": 1, "sqs:GetQueueAttributes": 1}
    }
    (timed,) = counter.invocations
    assert timed.function == FUNCTION_NAME
    assert timed.ok
    assert timed.seconds == invocation.duration_seconds


def test_only_calls_between_start_and_stop_are_counted(event_source):
    counter = CallCounter()
    with counter.installed():
        event_source.queue.send("before")
        counter.start()
        event_source.queue.send("during")
        counter.stop()
        event_source.queue.send("after")
        event_source.poll()

    assert counter.counts[HARNESS] == {"sqs:SendMessage": 1}
    assert not counter.counts[FUNCTION]
    assert not counter.counts[EVENT_LOOP]
    assert not counter.invocations


def test_start_counts_again_from_zero(event_source):
    counter = CallCounter()
    with counter.installed():
        counter.start()
        event_source.queue.send("first cycle")
        event_source.poll()
        counter.start()
        event_source.queue.send("second cycle")

    assert counter.counts[HARNESS] == {"sqs:SendMessage": 1}
    assert not counter.by_function
    assert not counter.invocations


def test_listeners_see_every_counted_call_with_its_parameters(event_source):
    seen = []
    counter = CallCounter(listeners=[seen.append])
    with counter.installed():
        counter.start()
        event_source.queue.send("hello")

    (call,) = seen
    assert (call.scope, call.function, call.name) == (HARNESS, None, "sqs:SendMessage")
    assert call.params["MessageBody"] == "hello"


def test_botocore_and_the_local_stack_are_restored_when_the_block_ends(event_source):
    originals = (BaseClient._make_api_call, LambdaRuntime.invoke, SqsEventSource.poll)
    counter = CallCounter()
    with counter.installed():
        assert BaseClient._make_api_call is not originals[0]
    counter.start()
    event_source.queue.send("not counted")

    assert (BaseClient._make_api_call, LambdaRuntime.invoke, SqsEventSource.poll) == originals
    assert not counter.counts[HARNESS]
