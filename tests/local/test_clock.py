"""The simulated clock, and moto's SQS and DynamoDB stream keeping its time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import moto.dynamodb.models.table
import moto.sqs.models
import pytest

from local_stack.clock import (
    ClockAlreadyInstalledError,
    ClockError,
    SimulatedClock,
    services_follow,
)

START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock(local_aws) -> SimulatedClock:
    clock = SimulatedClock(START)
    with services_follow(clock):
        yield clock


@pytest.fixture
def sqs(clock):
    return boto3.client("sqs")


def receive(sqs, url: str) -> list[dict]:
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])


def test_the_clock_moves_only_when_advanced():
    clock = SimulatedClock(START)

    clock.advance(90)
    clock.advance_to(START)  # a moment already past leaves it where it is

    assert clock.now() == START + timedelta(seconds=90)
    assert clock.epoch_millis() == (START.timestamp() + 90) * 1000


def test_the_clock_refuses_to_go_backwards_or_to_naive_times():
    clock = SimulatedClock(START)

    with pytest.raises(ClockError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ClockError, match="time zone"):
        clock.advance_to(datetime(2026, 11, 25, 7))
    with pytest.raises(ClockError, match="time zone"):
        SimulatedClock(datetime(2026, 11, 25, 7))


def test_a_clock_starts_now_by_default():
    before = datetime.now(UTC)

    assert before <= SimulatedClock().now() <= datetime.now(UTC)


def test_a_delayed_message_arrives_when_the_simulated_delay_ends(sqs, clock):
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job", DelaySeconds=900)

    clock.advance(899)
    early = receive(sqs, url)
    clock.advance(1)
    on_time = receive(sqs, url)

    assert early == []
    assert [message["Body"] for message in on_time] == ["job"]
    assert on_time[0]["Attributes"]["SentTimestamp"] == str(int(START.timestamp() * 1000))


def test_a_received_message_returns_when_its_simulated_visibility_timeout_ends(sqs, clock):
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "725"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    first = receive(sqs, url)

    clock.advance(725)
    hidden = receive(sqs, url)
    clock.advance(0.001)
    again = receive(sqs, url)

    assert hidden == []
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert (
        again[0]["Attributes"]["ApproximateFirstReceiveTimestamp"]
        == (first[0]["Attributes"]["ApproximateFirstReceiveTimestamp"])
    )


def test_a_message_received_max_receive_count_times_moves_to_the_dlq(sqs, clock):
    dlq_url = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(
        QueueName="jobs", Attributes={"VisibilityTimeout": "30", "RedrivePolicy": redrive}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")

    receive_counts = []
    for _ in range(3):
        receive_counts += [m["Attributes"]["ApproximateReceiveCount"] for m in receive(sqs, url)]
        clock.advance(31)
    after = receive(sqs, url)

    assert receive_counts == ["1", "2", "3"]
    assert after == []
    assert [message["Body"] for message in receive(sqs, dlq_url)] == ["poison"]


def test_stream_records_are_stamped_with_the_simulated_time(clock):
    dynamodb = boto3.client("dynamodb")
    description = dynamodb.create_table(
        TableName="products",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "product_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "product_id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    clock.advance(3600)
    dynamodb.put_item(TableName="products", Item={"product_id": {"S": "kettle"}})

    streams = boto3.client("dynamodbstreams")
    stream_arn = description["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = streams.get_records(ShardIterator=iterator)["Records"]

    created = record["dynamodb"]["ApproximateCreationDateTime"]
    assert created.timestamp() == (START + timedelta(hours=1)).timestamp()


def test_moto_gets_its_own_clocks_back_afterwards():
    originals = (
        moto.sqs.models.unix_time,
        moto.sqs.models.unix_time_millis,
        moto.dynamodb.models.table.utcnow,
    )

    with services_follow(SimulatedClock(START)):
        assert moto.sqs.models.unix_time() == START.timestamp()

    assert (
        moto.sqs.models.unix_time,
        moto.sqs.models.unix_time_millis,
        moto.dynamodb.models.table.utcnow,
    ) == originals


def test_moto_follows_one_clock_at_a_time():
    with services_follow(SimulatedClock(START)):
        with pytest.raises(ClockAlreadyInstalledError), services_follow(SimulatedClock(START)):
            pass
        assert moto.sqs.models.unix_time() == START.timestamp()


def test_moto_reads_given_times_unchanged():
    with services_follow(SimulatedClock(START)):
        assert moto.sqs.models.unix_time_millis(datetime(1970, 1, 1, 0, 0, 1)) == 1000
