"""moto's ReceiveMessage under `scalable_queues`: the same messages as moto's own, without
walking the queue for every message handed out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

import boto3
import moto.sqs.models
import pytest

from local_stack.clock import SimulatedClock, services_follow
from local_stack.services.moto_sqs_patch import scalable_queues

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RETENTION_SECONDS = 60


def receive_after(wait: timedelta, patch: Callable[[], AbstractContextManager[None]]) -> list[str]:
    """Bodies received `wait` after sending three messages to a 60 s retention queue."""
    clock = SimulatedClock(START)
    with services_follow(clock), patch():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(
            QueueName=f"retention-{wait.seconds}-{patch.__name__}",
            Attributes={"MessageRetentionPeriod": str(RETENTION_SECONDS)},
        )["QueueUrl"]
        for body in ("a", "b", "c"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        clock.advance(wait.total_seconds())
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return sorted(message["Body"] for message in messages.get("Messages", []))


@pytest.mark.parametrize("wait", [timedelta(seconds=59), timedelta(seconds=61)])
def test_receives_return_what_motos_own_receives_return(local_aws, wait):
    assert receive_after(wait, scalable_queues) == receive_after(wait, nullcontext)


def test_a_message_past_its_retention_period_is_not_received(local_aws):
    assert receive_after(timedelta(seconds=59), scalable_queues) == ["a", "b", "c"]
    assert receive_after(timedelta(seconds=61), scalable_queues) == []


def test_content_based_deduplication_still_applies_to_sends(local_aws):
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(
        QueueName="jobs.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]

    with scalable_queues():
        for _ in range(2):
            sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert [message["Body"] for message in received] == ["same"]


COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


def test_sends_and_receives_no_longer_count_the_queues_messages(local_aws, monkeypatch):
    """Each count walks the whole queue: sends and receives must not ask for them."""
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="deep")["QueueUrl"]
    counted = []
    for name in COUNTS:
        count = getattr(moto.sqs.models.Queue, name)
        monkeypatch.setattr(
            moto.sqs.models.Queue,
            name,
            property(lambda queue, count=count: counted.append(queue.name) or count.fget(queue)),
        )
    entries = [{"Id": str(n), "MessageBody": str(n)} for n in range(10)]

    with scalable_queues():
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    with_patch = len(counted)
    sqs.send_message(QueueUrl=url, MessageBody="one more")  # moto's own, for comparison

    assert len(received) == 10
    assert with_patch == 0
    assert len(counted) > 0
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"  # the map is whole again
