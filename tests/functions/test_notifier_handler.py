"""The notifier Lambda on moto: SQS in, Apprise to loopback webhooks, once per channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_fixtures import ScrapeQueue, _queue_with_dlq
from delivery_fixtures import TOKEN, Receiver, alert, receiving
from scraper_fixtures import LambdaContext
from table_fixtures import create_table_arguments

from contracts import environment, tables
from delivery.notifier import RETRY_DELAYS_SECONDS
from handlers import notifier
from local_stack.clock import SimulatedClock, services_follow
from monitor.telemetry import metrics

NOTIFIER_CONTEXT = LambdaContext(
    function_name="price-monitor-notifier-test",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:price-monitor-notifier-test",
)
SECRET = "price-monitor/test/hook"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class NotifierWorld:
    queue: ScrapeQueue
    clock: SimulatedClock
    hook: Receiver
    secret_hook: Receiver
    monkeypatch: pytest.MonkeyPatch
    idempotency_table: str = "idempotency-test"
    state_table: str = "channel-state-test"

    def configure(self, *channels: dict[str, Any]) -> None:
        values = {
            "POWERTOOLS_SERVICE_NAME": "price-monitor",
            "POWERTOOLS_METRICS_NAMESPACE": "PriceMonitor/test",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "ALERT_CHANNELS_JSON": json.dumps(list(channels)),
            "IDEMPOTENCY_TABLE": self.idempotency_table,
            "CHANNEL_STATE_TABLE": self.state_table,
            "NOTIFY_QUEUE_URL": self.queue.url,
            "NOTIFY_DLQ_URL": self.queue.dlq_url,
        }
        assert set(values) == set(environment.NOTIFIER)
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)
        notifier.reset()

    def send(self, *bodies: str) -> None:
        for body in bodies:
            boto3.client("sqs").send_message(QueueUrl=self.queue.url, MessageBody=body)

    def receive(self, url: str | None = None) -> list[dict[str, Any]]:
        response = boto3.client("sqs").receive_message(
            QueueUrl=url or self.queue.url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def run(self, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The handler on the visible messages (or `messages`), settled as Lambda does."""
        messages = self.receive() if messages is None else messages
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": self.queue.arn,
                "awsRegion": "eu-west-1",
            }
            for m in messages
        ]
        response = notifier.handler({"Records": records}, NOTIFIER_CONTEXT)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                boto3.client("sqs").delete_message(
                    QueueUrl=self.queue.url, ReceiptHandle=m["ReceiptHandle"]
                )
        return response

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


@pytest.fixture
def world(aws, monkeypatch) -> Iterator[NotifierWorld]:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**create_table_arguments("idempotency-test", tables.IDEMPOTENCY))
    dynamodb.create_table(**create_table_arguments("channel-state-test", tables.CHANNEL_STATE))
    clock = SimulatedClock(START)
    with services_follow(clock), receiving() as hook, receiving() as secret_hook:
        boto3.client("secretsmanager").create_secret(Name=SECRET, SecretString=secret_hook.url())
        monkeypatch.setattr(notifier, "current_time", clock.now)
        # telemetry's Metrics read their namespace when first imported, before any test ran.
        monkeypatch.setattr(metrics.provider, "namespace", "PriceMonitor/test")
        yield NotifierWorld(_queue_with_dlq("notify"), clock, hook, secret_hook, monkeypatch)
    notifier.reset()


def test_an_alert_reaches_a_url_channel_and_a_secret_channel_once_each(world, caplog):
    world.configure({"name": "hook", "url": world.hook.url()}, {"name": "team", "secret": SECRET})
    body = alert(observed_at=(START - timedelta(seconds=3)).isoformat()).to_body()
    world.send(body)
    messages = world.receive()
    assert world.run(messages) == {"batchItemFailures": []}
    assert [p["title"] for p in world.hook.received] == ["Price drop: Acme Kettle 2000"]
    assert len(world.secret_hook.received) == 1
    assert "Now 17.99 EUR, was 19.99 EUR" in world.hook.received[0]["message"]
    # The same SQS message again (a redelivery): nothing is sent twice.
    world.run(messages)
    assert (len(world.hook.received), len(world.secret_hook.received)) == (1, 1)
    assert not [r for r in caplog.records if TOKEN in r.getMessage() or TOKEN in str(r.__dict__)]
    delivered = [r for r in caplog.records if r.getMessage() == "delivered to channel"]
    assert [r.latency_seconds for r in delivered] == [3.0, 3.0]


def test_a_transient_failure_is_retried_from_the_queue_after_its_backoff(world):
    world.configure({"name": "hook", "url": world.hook.url()})
    world.hook.status = 500
    world.send(alert().to_body())
    assert world.run() == {"batchItemFailures": []}
    assert world.receive() == []  # the retry waits out its delay
    world.advance(RETRY_DELAYS_SECONDS[0])
    world.hook.status = 200
    (retry,) = world.receive()
    assert json.loads(retry["Body"])["attempt"] == 2
    world.run([retry])
    assert len(world.hook.received) == 2
    assert world.hook.received[-1]["title"] == "Price drop: Acme Kettle 2000"


def test_a_permanent_failure_lands_in_the_dead_letter_queue_with_its_reason(world):
    world.configure(
        {"name": "broken", "url": "nosuchservice://host/path"},
        {"name": "hook", "url": world.hook.url()},
    )
    world.send(alert().to_body())
    world.run()
    (dead,) = world.receive(world.queue.dlq_url)
    reason = dead["MessageAttributes"]["reason"]["StringValue"]
    assert reason == "nosuchservice://***: Apprise does not accept this URL"
    assert json.loads(dead["Body"])["channel"] == "broken"
    assert len(world.hook.received) == 1  # the good channel is not held back


def test_a_poison_message_is_dead_lettered_at_once_and_the_batch_goes_on(world):
    world.configure({"name": "hook", "url": world.hook.url()})
    world.send("{not json", alert().to_body())
    assert world.run() == {"batchItemFailures": []}
    (dead,) = world.receive(world.queue.dlq_url)
    assert dead["Body"] == "{not json"
    assert dead["MessageAttributes"]["reason"]["StringValue"] == "malformed: body is not JSON"
    assert len(world.hook.received) == 1


def test_a_capped_channel_keeps_its_state_in_the_table_and_sends_the_digest_at_midnight(world):
    world.configure({"name": "capped", "url": world.hook.url(), "daily_cap": 1})
    world.send(*(alert(dedup_key=f"{i:064x}", name=f"Lamp {i}").to_body() for i in range(3)))
    while messages := world.receive():
        world.run(messages)
    assert len(world.hook.received) == 1
    item = boto3.client("dynamodb").get_item(
        TableName=world.state_table, Key={"channel": {"S": "capped"}}
    )["Item"]
    assert int(item["version"]["N"]) >= 2
    # The digest job comes back every 15 minutes until midnight, then sends.
    for _ in range(60):
        world.advance(900)
        if messages := world.receive():
            world.run(messages)
        if len(world.hook.received) == 2:
            break
    assert world.clock.now() >= datetime(2024, 5, 2, tzinfo=UTC)
    assert world.hook.received[-1]["title"] == "2 price alerts held back today"


def test_an_operator_test_sends_a_sample_and_answers_the_outcome(world):
    world.configure({"name": "hook", "url": world.hook.url()})
    answer = notifier.handler({"action": "test_channel", "channel": "hook"}, NOTIFIER_CONTEXT)
    assert answer == {"channel": "hook", "outcome": "delivered", "reason": "json://***: delivered"}
    assert "Test notification for channel hook" in world.hook.received[0]["title"]


def test_an_unreadable_secret_names_the_secret_and_is_retried(world):
    world.configure({"name": "team", "secret": "price-monitor/test/missing"})
    answer = notifier.handler({"action": "test_channel", "channel": "team"}, NOTIFIER_CONTEXT)
    assert answer["outcome"] == "failed_transiently"
    assert "'price-monitor/test/missing' could not be read" in answer["reason"]


def test_a_channel_configuration_the_notifier_cannot_use_fails_the_container(world):
    world.configure({"name": "Bad Name", "url": world.hook.url()})
    world.send(alert().to_body())
    with pytest.raises(environment.ConfigurationError, match=r"ALERT_CHANNELS_JSON\[0\]\.name"):
        world.run()
