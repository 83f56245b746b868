"""The detector Lambda on moto: products table stream in, price alerts out, each exactly once.

Records come from the products table's own stream (moto), shaped as Lambda delivers them
and filtered as the event source mapping's filter does, so the handler sees what it would
see on AWS. A subscriber's inbox (an SQS queue on the alerts topic, raw delivery off) shows
what subscribers receive.
"""

from __future__ import annotations

import datetime as real_datetime
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_fixtures import AWS_TEST_REGION, ServiceTables
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from scraper_fixtures import LambdaContext
from sns_inbox import SnsInbox, subscribe_inbox
from stream_events import (
    OBSERVED_2,
    RUN_2,
    catalog_item,
    observed,
    observed_without_price,
    stream_event,
)

from contracts import environment
from contracts.environment import ConfigurationError, DetectionSettings, MissingEnvironmentError
from contracts.metric_names import NOTIFICATIONS_PUBLISHED
from handlers import detector
from monitor.notifications import NAME_MAX_CHARS, dedup_key
from monitor.telemetry import logger, metrics
from price_monitor.compute import DETECTOR_EVENT_FILTER

METRICS_NAMESPACE = "PriceMonitor/test"
RUN_3 = "2024-05-01T12:00:00Z"
DETECTOR_CONTEXT = LambdaContext(
    remaining_millis=30_000,
    function_name="price-monitor-detector-test",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:price-monitor-detector-test",
)


def detector_environment(tables: ServiceTables, topic_arn: str, **overrides: str) -> dict[str, str]:
    """A value for every variable the detector Function declares (contracts.environment)."""
    values = {
        "POWERTOOLS_SERVICE_NAME": "price-monitor",
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "ALERTS_TOPIC_ARN": topic_arn,
        "IDEMPOTENCY_TABLE": tables.idempotency,
        "DEFAULT_DROP_THRESHOLD_PERCENT": "10",
        "PRICES_TABLE": tables.prices,
        "ALERT_KINDS_JSON": "[]",
        "DEFAULT_INCREASE_THRESHOLD_PERCENT": "10",
        "DEFAULT_NEW_LOW_DAYS": "30",
    }
    values.update(overrides)
    assert set(values) == set(environment.DETECTOR)
    return values


def matches(pattern: Any, value: Any) -> bool:
    """Lambda event filtering for the pattern's forms used here: nested keys, value lists."""
    if isinstance(pattern, list):
        return value in pattern
    return isinstance(value, Mapping) and all(
        key in value and matches(inner, value[key]) for key, inner in pattern.items()
    )


def passes_event_filter(record: Mapping[str, Any]) -> bool:
    """Whether the stream mapping's filter, as the Pulumi program declares it, lets `record` in."""
    return matches(DETECTOR_EVENT_FILTER, record)


def sequence_numbers(response: Mapping[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@dataclass
class Detector:
    """The products table with its stream, the detector Lambda and a subscriber's inbox."""

    tables: ServiceTables
    topic_arn: str
    inbox: SnsInbox
    context: LambdaContext = field(default_factory=lambda: DETECTOR_CONTEXT)
    _read: set[str] = field(default_factory=set)

    def write(self, item: dict[str, Any]) -> None:
        """Put the catalog item as the catalog import or the scraper leaves it."""
        boto3.resource("dynamodb").Table(self.tables.products).put_item(Item=item)

    def new_records(self) -> list[dict[str, Any]]:
        """Stream records written since the last call, as Lambda delivers them (unfiltered)."""
        streams = boto3.client("dynamodbstreams")
        stream_arn = boto3.client("dynamodb").describe_table(TableName=self.tables.products)[
            "Table"
        ]["LatestStreamArn"]
        records = []
        for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for record in streams.get_records(ShardIterator=iterator)["Records"]:
                change = record["dynamodb"]
                if change["SequenceNumber"] in self._read:
                    continue
                self._read.add(change["SequenceNumber"])
                created = change["ApproximateCreationDateTime"]
                change["ApproximateCreationDateTime"] = created.timestamp()
                records.append(
                    {**record, "awsRegion": AWS_TEST_REGION, "eventSourceARN": stream_arn}
                )
        return records

    def deliverable(self) -> list[dict[str, Any]]:
        """The new records that pass the mapping's event filter."""
        return [record for record in self.new_records() if passes_event_filter(record)]

    def observe(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        """Write each item in turn; the deliverable records they produced."""
        for item in items:
            self.write(item)
        return self.deliverable()

    def invoke(self, *records: dict[str, Any]) -> dict[str, Any]:
        return detector.handler(stream_event(*records), self.context)

    def published(self) -> list[dict[str, Any]]:
        """The SNS envelopes subscribers received since the last call."""
        return self.inbox.envelopes()


@pytest.fixture
def world(
    service_tables: ServiceTables, alerts_topic: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Detector]:
    # telemetry's Metrics read its namespace when first imported, before any test ran.
    monkeypatch.setattr(metrics.provider, "namespace", METRICS_NAMESPACE)
    for name, value in detector_environment(service_tables, alerts_topic).items():
        monkeypatch.setenv(name, value)
    detector.reset()
    yield Detector(service_tables, alerts_topic, subscribe_inbox(alerts_topic))
    detector.reset()


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The handler's structured log lines (one JSON object each) written during the test."""
    buffer = io.StringIO()
    original = logger.registered_handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.registered_handler.setStream(original)


@pytest.fixture
def drop(world: Detector) -> dict[str, Any]:
    """The stream record of a 19.99 -> 17.99 drop (10.01 %) after a first observation."""
    world.write(catalog_item())
    world.observe(observed("19.99"))
    (record,) = world.observe(observed("17.99", run_id=RUN_2, checked_at=OBSERVED_2))
    return record


# --- what subscribers receive -------------------------------------------------------------


def test_price_drop_publishes_one_notification_with_body_subject_and_attributes(world, drop):
    response = world.invoke(drop)

    assert response == {"batchItemFailures": []}
    (envelope,) = world.published()
    assert json.loads(envelope["Message"], parse_float=Decimal) == {
        "kind": "price_drop",
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "name": "Kettle 1.7 l",
        "url": "https://shop.example/kettle",
        "currency": "EUR",
        "old_price": Decimal("19.99"),
        "new_price": Decimal("17.99"),
        "change_percent": Decimal("10.01"),
        "observed_at": OBSERVED_2,
        "run_id": RUN_2,
        "dedup_key": dedup_key(f"acme-kettle-1#{RUN_2}#price_drop"),
    }
    assert envelope["Subject"] == "Price drop 10.01%: Kettle 1.7 l, now 17.99 EUR (was 19.99)"
    assert envelope["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "price_drop"},
        "product_id": {"Type": "String", "Value": "acme-kettle-1"},
        "retailer": {"Type": "String", "Value": "acme"},
        "dedup_key": {"Type": "String", "Value": dedup_key(f"acme-kettle-1#{RUN_2}#price_drop")},
    }


def test_one_observation_publishes_each_of_its_events(world):
    world.write(catalog_item(target_price=Decimal("20.00")))
    world.observe(observed("25.00", availability="out_of_stock", target_price=Decimal("20.00")))
    (record,) = world.observe(observed("15.00", run_id=RUN_2, target_price=Decimal("20.00")))

    assert world.invoke(record) == {"batchItemFailures": []}
    kinds = sorted(json.loads(envelope["Message"])["kind"] for envelope in world.published())
    assert kinds == ["back_in_stock", "price_drop", "target_price"]


def test_the_price_returning_after_an_observation_without_one_is_back_in_stock_once(world):
    world.write(catalog_item())
    world.observe(observed("19.99"))
    sold_out = world.observe(observed_without_price(run_id=RUN_2, checked_at=OBSERVED_2))
    assert world.invoke(*sold_out) == {"batchItemFailures": []}
    assert world.published() == []  # an observation without a price compares with nothing

    (back,) = world.observe(observed("21.50", run_id=RUN_3, checked_at="2024-05-01T12:00:40Z"))
    world.invoke(back)
    world.invoke(back)  # the stream delivers it again

    (envelope,) = world.published()
    body = json.loads(envelope["Message"], parse_float=Decimal)
    assert (body["kind"], body["old_price"], body["new_price"]) == (
        "back_in_stock",
        None,
        Decimal("21.50"),
    )
    assert (body["change_percent"], body["currency"], body["run_id"]) == (None, "EUR", RUN_3)
    assert envelope["Subject"] == "Back in stock: Kettle 1.7 l, at 21.50 EUR"


def test_first_observation_and_catalog_edits_publish_nothing(world):
    world.write(catalog_item())
    first = world.observe(observed("19.99"))
    edit = world.observe(observed("19.99", target_price=Decimal("25"), drop_threshold_percent=0))

    assert world.invoke(*first, *edit) == {"batchItemFailures": []}
    assert world.published() == []


def test_currency_change_publishes_nothing_and_warns(world, json_logs):
    world.write(catalog_item())
    world.observe(observed("100.00", currency="EUR"))
    (record,) = world.observe(observed("50.00", run_id=RUN_2, currency="GBP"))

    assert world.invoke(record) == {"batchItemFailures": []}
    assert world.published() == []
    (warning,) = [log for log in json_logs() if log["level"] == "WARNING"]
    assert (warning["product_id"], warning["old_currency"], warning["new_currency"]) == (
        "acme-kettle-1",
        "EUR",
        "GBP",
    )


def test_records_the_event_filter_should_have_dropped_change_nothing(world):
    # Catalog import (INSERT), failure record (status error) and deletion (REMOVE).
    world.write(catalog_item())
    world.write(observed("19.99"))
    world.write(observed("1.00", run_id=RUN_2, last_status="error", last_error="HTTP 404"))
    boto3.resource("dynamodb").Table(world.tables.products).delete_item(
        Key={"product_id": "acme-kettle-1"}
    )
    records = world.new_records()
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"]

    assert world.invoke(*records) == {"batchItemFailures": []}
    assert world.published() == []


def emf_published(output: str) -> list[float]:
    """NotificationsPublished of each EMF blob in `output` (a value or a list of values)."""
    totals = []
    for line in output.splitlines():
        blob = json.loads(line) if '"_aws"' in line else {}
        if NOTIFICATIONS_PUBLISHED in blob:
            assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == METRICS_NAMESPACE
            value = blob[NOTIFICATIONS_PUBLISHED]
            totals.append(sum(value) if isinstance(value, list) else value)
    return totals


def test_counts_published_notifications_as_emf_and_not_suppressed_repeats(world, drop, capsys):
    capsys.readouterr()
    world.invoke(drop)
    assert emf_published(capsys.readouterr().out) == [1]

    world.invoke(drop)
    assert emf_published(capsys.readouterr().out) == []


# --- exactly once -------------------------------------------------------------------------


def test_same_record_delivered_twice_publishes_once(world, drop):
    assert world.invoke(drop) == {"batchItemFailures": []}
    assert world.invoke(drop) == {"batchItemFailures": []}

    assert len(world.published()) == 1


def test_redelivery_to_a_new_container_publishes_nothing_twice(world, drop):
    world.invoke(drop)
    detector.reset()  # a cold start: nothing remembered in memory

    world.invoke(drop)
    assert len(world.published()) == 1


def test_the_idempotency_key_is_made_of_the_notification_id_alone(world, drop):
    # What the idempotency table remembers must not change with the code: a record
    # redelivered across a deploy would otherwise publish its alert again.
    world.invoke(drop)

    stored = boto3.resource("dynamodb").Table(world.tables.idempotency).scan()["Items"]
    notification_id = json.dumps(f"acme-kettle-1#{RUN_2}#price_drop")
    assert [item["id"] for item in stored] == [
        f"notification#{hashlib.md5(notification_id.encode()).hexdigest()}"
    ]


def test_poison_record_is_reported_alone_and_the_others_still_publish(world):
    world.write(catalog_item(product_id="p-1"))
    world.write(catalog_item(product_id="p-2"))
    world.observe(observed("10.00", product_id="p-1"), observed("10.00", product_id="p-2"))
    first, second = world.observe(
        observed("5.00", product_id="p-1", run_id=RUN_2),
        observed("5.00", product_id="p-2", run_id=RUN_2),
    )
    poison = json.loads(json.dumps(first))
    poison["dynamodb"]["SequenceNumber"] = str(int(first["dynamodb"]["SequenceNumber"]) + 1)
    del poison["dynamodb"]["OldImage"]  # as a NEW_IMAGE stream view would send it

    response = world.invoke(first, poison, second)

    assert sequence_numbers(response) == [poison["dynamodb"]["SequenceNumber"]]
    assert sorted(
        envelope["MessageAttributes"]["product_id"]["Value"] for envelope in world.published()
    ) == ["p-1", "p-2"]

    # Lambda retries from the failed record: what already went out does not go out again.
    response = world.invoke(poison, second)
    assert sequence_numbers(response) == [poison["dynamodb"]["SequenceNumber"]]
    assert world.published() == []


def test_records_without_an_identity_fail_alone_and_a_huge_name_still_publishes(world, json_logs):
    huge_name = "Kettle " + "x" * 390_000  # near DynamoDB's 400 KB item limit
    world.write(catalog_item(product_id="p-1"))
    world.write(catalog_item(product_id="p-2", name=huge_name))
    world.write(catalog_item(product_id="p-3"))
    world.observe(*(observed("10.00", product_id=p) for p in ("p-1", "p-3")))
    world.observe(observed("10.00", product_id="p-2", name=huge_name))
    first, huge, last = world.observe(
        observed("5.00", product_id="p-1", run_id=RUN_2),
        observed("5.00", product_id="p-2", run_id=RUN_2, name=huge_name),
        observed("5.00", product_id="p-3", run_id=RUN_2),
    )
    not_an_object = "a record that is not an object"
    no_dynamodb = {key: value for key, value in first.items() if key != "dynamodb"}

    response = world.invoke(first, not_an_object, huge, no_dynamodb, last)

    # Lambda takes an identifier it did not send for the failure of the whole batch: the
    # two records that have none are logged, not reported; the others all go out.
    assert response == {"batchItemFailures": []}
    bodies = {
        json.loads(e["Message"])["product_id"]: json.loads(e["Message"]) for e in world.published()
    }
    assert sorted(bodies) == ["p-1", "p-2", "p-3"]
    assert bodies["p-2"]["name"] == huge_name[: NAME_MAX_CHARS - 1] + "\u2026"
    errors = [log for log in json_logs() if log["level"] == "ERROR"]
    assert [(log.get("sequence_number"), log["exception_name"]) for log in errors] == [
        (None, "StreamRecordError"),
        (None, "StreamRecordError"),
    ]
    assert "not a JSON object" in errors[0]["exception"]
    assert "no 'dynamodb' object" in errors[1]["exception"]


def test_a_batch_of_records_without_an_identity_fails_the_invocation(world):
    with pytest.raises(BatchProcessingError):
        world.invoke("not an object", {"eventID": "e-1", "eventName": "MODIFY"})


def test_observation_breaking_the_data_contract_is_reported_and_logged(world, json_logs):
    world.write(catalog_item())
    world.observe(observed("10.00"))
    (record,) = world.observe(observed("5.00", run_id=RUN_2, url=None))

    with pytest.raises(BatchProcessingError):
        # The only record of its batch fails: the invocation fails (see below).
        world.invoke(record)

    (error,) = [log for log in json_logs() if log["level"] == "ERROR"]
    assert error["sequence_number"] == record["dynamodb"]["SequenceNumber"]
    assert error["exception_name"] == "MalformedImageError"
    assert "url must be a non-empty string" in error["exception"]
    assert world.published() == []


def test_failed_publish_is_retried_and_not_forgotten(world, drop):
    sns = boto3.client("sns")
    sns.delete_topic(TopicArn=world.topic_arn)

    # Every record failing is a systemic fault: the invocation fails, Lambda retries it.
    with pytest.raises(BatchProcessingError):
        world.invoke(drop)

    assert sns.create_topic(Name="price-alerts-test")["TopicArn"] == world.topic_arn
    world.inbox = subscribe_inbox(world.topic_arn, name="alerts-inbox-again")
    assert world.invoke(drop) == {"batchItemFailures": []}
    assert len(world.published()) == 1


class SandboxKilled(BaseException):
    """What a Lambda timeout looks like from inside: the process stops mid-work."""


def test_publish_cut_short_by_a_timeout_is_retried_once_the_invocation_time_is_up(
    world, drop, monkeypatch
):
    real_publish = detector.publish

    def killed(*args, **kwargs):
        raise SandboxKilled

    monkeypatch.setattr(detector, "publish", killed)
    world.context = LambdaContext(remaining_millis=50)
    with pytest.raises(SandboxKilled):
        world.invoke(drop)

    # The in-progress marker lives as long as the killed invocation could have, not 7 days.
    monkeypatch.setattr(detector, "publish", real_publish)
    world.context = DETECTOR_CONTEXT
    time.sleep(0.1)
    assert world.invoke(drop) == {"batchItemFailures": []}
    assert len(world.published()) == 1


class PowertoolsClock:
    """The clock Powertools' idempotency reads (its modules' `dt.datetime.now()`), frozen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = real_datetime.datetime(2024, 5, 1, 6, 2, tzinfo=real_datetime.UTC)
        clock = self

        class FrozenDatetime(real_datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.now if tz is None else clock.now.astimezone(tz)

        shim = SimpleNamespace(
            datetime=FrozenDatetime,
            timedelta=real_datetime.timedelta,
            date=real_datetime.date,
            time=real_datetime.time,
        )
        for module in IDEMPOTENCY_CLOCK_MODULES:
            monkeypatch.setattr(f"{module}.dt", shim)

    def advance(self, seconds: float) -> None:
        self.now += real_datetime.timedelta(seconds=seconds)


IDEMPOTENCY_CLOCK_MODULES = (
    "aws_lambda_powertools.utilities.idempotency.base",
    "aws_lambda_powertools.utilities.idempotency.persistence.base",
    "aws_lambda_powertools.utilities.idempotency.persistence.dynamodb",
    "aws_lambda_powertools.utilities.idempotency.persistence.datarecord",
)


def test_killed_after_publish_the_retry_after_the_invocation_time_repeats_the_same_alert(
    world, drop, monkeypatch
):
    # docs/architecture.md "The duplicate window", exactly: the killed invocation's alert
    # went out; a retry within its time is refused (in progress); the retry after it
    # publishes the same alert again, with the same dedup_key; then nothing more.
    clock = PowertoolsClock(monkeypatch)
    real_publish = detector.publish
    killed = []

    def publish_then_die(*args, **kwargs):
        message_id = real_publish(*args, **kwargs)
        if not killed:
            killed.append(message_id)
            raise SandboxKilled  # after Publish returned, before the record is completed
        return message_id

    monkeypatch.setattr(detector, "publish", publish_then_die)
    with pytest.raises(SandboxKilled):
        world.invoke(drop)
    (first,) = world.published()

    with pytest.raises(BatchProcessingError):  # in progress: the record fails, retried later
        world.invoke(drop)
    assert world.published() == []

    clock.advance(DETECTOR_CONTEXT.get_remaining_time_in_millis() / 1000 + 1)
    assert world.invoke(drop) == {"batchItemFailures": []}
    (repeat,) = world.published()

    assert world.invoke(drop) == {"batchItemFailures": []}
    assert world.published() == []
    assert repeat["Message"] == first["Message"]
    assert repeat["MessageAttributes"]["dedup_key"] == first["MessageAttributes"]["dedup_key"]
    assert repeat["MessageId"] != first["MessageId"]
    subscriber_seen = {first["MessageAttributes"]["dedup_key"]["Value"]}
    assert repeat["MessageAttributes"]["dedup_key"]["Value"] in subscriber_seen


# --- configuration ------------------------------------------------------------------------


class RecordingEnviron(dict):
    """An environment that remembers which variables were looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __contains__(self, name: object) -> bool:
        self.read.add(str(name))
        return super().__contains__(name)

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)


def test_reads_exactly_the_variables_its_function_declares_once_per_container(
    world, drop, monkeypatch
):
    import os

    recorded = RecordingEnviron(os.environ)
    calls = []
    real_load = environment.load

    def recording_load(function, environ=None):
        calls.append(function)
        return real_load(function, recorded)

    monkeypatch.setattr(environment, "load", recording_load)
    detector.reset()

    world.invoke(drop)
    world.invoke(drop)

    assert calls == ["detector"]
    assert recorded.read == set(environment.DETECTOR)


def test_handler_module_reads_no_environment_variable_directly():
    with open(detector.__file__, encoding="utf-8") as module:
        source = module.read()
    assert "os.environ" not in source
    assert "getenv" not in source


@pytest.mark.parametrize("missing", environment.DETECTOR[-3:])
def test_missing_variable_stops_the_function_naming_it(world, drop, monkeypatch, missing):
    monkeypatch.delenv(missing)
    detector.reset()
    with pytest.raises(MissingEnvironmentError, match=missing):
        world.invoke(drop)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DEFAULT_DROP_THRESHOLD_PERCENT", "ten", "is not a number"),
        ("DEFAULT_DROP_THRESHOLD_PERCENT", "100.5", "from 0 to 100"),
        ("DEFAULT_DROP_THRESHOLD_PERCENT", "NaN", "from 0 to 100"),
        ("ALERTS_TOPIC_ARN", " ", "is empty"),
        ("IDEMPOTENCY_TABLE", "", "is empty"),
        ("PRICES_TABLE", "", "is empty"),
        ("ALERT_KINDS_JSON", "new_low", "is not JSON"),
        ("ALERT_KINDS_JSON", '{"new_low": true}', "is not a JSON list of alert kinds"),
        ("ALERT_KINDS_JSON", '["new_lows"]', "unknown alert kind 'new_lows'"),
        ("ALERT_KINDS_JSON", '["price_drop"]', "'price_drop' is always on"),
        ("DEFAULT_INCREASE_THRESHOLD_PERCENT", "0", "above 0 to 1000"),
        ("DEFAULT_INCREASE_THRESHOLD_PERCENT", "1000.5", "above 0 to 1000"),
        ("DEFAULT_NEW_LOW_DAYS", "7.5", "is not a whole number"),
        ("DEFAULT_NEW_LOW_DAYS", "0", "between 1 and 365"),
    ],
)
def test_unusable_configuration_is_refused_naming_the_variable(name, value, problem):
    values = detector_environment(
        ServiceTables("products", "prices", "runs", "idempotency"),
        "arn:aws:sns:eu-west-1:123456789012:alerts",
        **{name: value},
    )
    with pytest.raises(ConfigurationError, match=problem) as raised:
        DetectionSettings.from_environment(values)
    assert raised.value.setting == name


def test_configuration_is_read_as_set_and_the_threshold_exactly():
    values = detector_environment(
        ServiceTables("products", "prices", "runs", "idempotency"),
        "arn:aws:sns:eu-west-1:123456789012:alerts",
        DEFAULT_DROP_THRESHOLD_PERCENT=" 7.5 ",
        ALERT_KINDS_JSON='["out_of_stock", "price_increase"]',
        DEFAULT_INCREASE_THRESHOLD_PERCENT="150",
        DEFAULT_NEW_LOW_DAYS=" 90 ",
    )

    settings = DetectionSettings.from_environment(values)

    assert settings == DetectionSettings(
        alerts_topic_arn="arn:aws:sns:eu-west-1:123456789012:alerts",
        idempotency_table="idempotency",
        default_drop_threshold_percent=Decimal("7.5"),
        prices_table="prices",
        alert_kinds=("price_increase", "out_of_stock"),
        default_increase_threshold_percent=Decimal(150),
        default_new_low_days=90,
    )


def test_default_threshold_comes_from_the_environment(world, monkeypatch):
    monkeypatch.setenv("DEFAULT_DROP_THRESHOLD_PERCENT", "5")
    detector.reset()
    world.write(catalog_item())
    world.observe(observed("100.00"))
    (record,) = world.observe(observed("94.00", run_id=RUN_2))

    world.invoke(record)
    (envelope,) = world.published()
    assert json.loads(envelope["Message"])["kind"] == "price_drop"


# --- the opt-in rules -----------------------------------------------------------------------


def published_kinds(world: Detector) -> list[str]:
    return sorted(json.loads(envelope["Message"])["kind"] for envelope in world.published())


def count_queries() -> list[dict[str, Any]]:
    """The Query calls the detector's DynamoDB client makes from now on."""
    from monitor import aws

    calls: list[dict[str, Any]] = []
    aws.dynamodb().meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: calls.append(params)
    )
    return calls


def test_opt_in_kinds_the_stack_enables_publish_once_each(world, monkeypatch):
    monkeypatch.setenv("ALERT_KINDS_JSON", '["price_increase", "any_change"]')
    monkeypatch.setenv("DEFAULT_INCREASE_THRESHOLD_PERCENT", "20")
    detector.reset()
    world.write(catalog_item())
    world.observe(observed("10.00"))
    (rise,) = world.observe(observed("12.00", run_id=RUN_2, checked_at=OBSERVED_2))

    assert world.invoke(rise) == {"batchItemFailures": []}
    assert world.invoke(rise) == {"batchItemFailures": []}  # the stream delivers it again

    envelopes = {json.loads(e["Message"])["kind"]: e for e in world.published()}
    assert sorted(envelopes) == ["any_change", "price_increase"]
    assert envelopes["price_increase"]["Subject"] == (
        "Price increase 20.00%: Kettle 1.7 l, now 12.00 EUR (was 10.00)"
    )


def test_opt_in_kinds_are_off_by_default(world):
    world.write(catalog_item())
    world.observe(observed("10.00"))
    records = world.observe(
        observed("15.00", run_id=RUN_2),
        observed_without_price(run_id=RUN_3, checked_at="2024-05-01T12:00:40Z"),
    )

    assert world.invoke(*records) == {"batchItemFailures": []}
    assert world.published() == []


def test_a_products_own_alerts_publish_out_of_stock_without_a_price_once(world):
    own = {"alerts": {"out_of_stock"}}
    world.write(catalog_item(**own))
    world.observe(observed("19.99", **own))
    (gone,) = world.observe(observed_without_price(run_id=RUN_2, checked_at=OBSERVED_2, **own))

    world.invoke(gone)
    world.invoke(gone)

    (envelope,) = world.published()
    body = json.loads(envelope["Message"], parse_float=Decimal)
    assert (body["kind"], body["old_price"], body["new_price"]) == (
        "out_of_stock",
        Decimal("19.99"),
        None,
    )
    assert (body["change_percent"], body["currency"]) == (None, "EUR")
    assert envelope["Subject"] == "Out of stock: Kettle 1.7 l, was 19.99 EUR"


def write_history(world: Detector, rows: list[tuple[str, str, str]]) -> None:
    """History rows (time, price, run id) of the product, as the scraper writes them."""
    table = boto3.resource("dynamodb").Table(world.tables.prices)
    for moment, price, run_id in rows:
        when = real_datetime.datetime.fromisoformat(moment)
        table.put_item(
            Item={
                "product_id": "acme-kettle-1",
                "timestamp": int(when.timestamp() * 1000),
                "price": Decimal(price),
                "currency": "EUR",
                "run_id": run_id,
            }
        )


@pytest.mark.parametrize(("earlier_low", "expected"), [("9.80", ["new_low"]), ("9.40", [])])
def test_new_low_compares_with_the_lowest_price_of_the_window_in_the_prices_table(
    world, monkeypatch, earlier_low, expected
):
    monkeypatch.setenv("ALERT_KINDS_JSON", '["new_low"]')
    monkeypatch.setenv("DEFAULT_NEW_LOW_DAYS", "14")
    detector.reset()
    world.write(catalog_item())
    world.observe(observed("10.00"))
    write_history(
        world,
        [
            ("2024-04-10T06:00:00Z", "1.00", "2024-04-10T06:00:00Z"),  # before the 14 days
            ("2024-04-20T06:00:00Z", earlier_low, "2024-04-20T06:00:00Z"),
            ("2024-05-01T00:01:10Z", "10.00", "2024-05-01T00:00:00Z"),
            ("2024-05-01T06:01:30.250Z", "9.50", RUN_2),  # the new observation's own row
        ],
    )
    (fell,) = world.observe(observed("9.50", run_id=RUN_2, checked_at=OBSERVED_2))
    queries = count_queries()

    world.invoke(fell)
    world.invoke(fell)

    assert published_kinds(world) == expected  # a 5 % drop: under the drop threshold
    (query, _) = queries  # one per delivery, of the prices table
    assert query["TableName"] == world.tables.prices


def test_no_history_is_read_unless_new_low_can_fire(world, monkeypatch):
    monkeypatch.setenv("ALERT_KINDS_JSON", '["new_low"]')
    detector.reset()
    world.write(catalog_item())
    world.observe(observed("10.00"))
    records = world.observe(
        observed("11.00", run_id=RUN_2),  # a rise
        observed("11.00", run_id=RUN_3),  # no change
    )
    queries = count_queries()

    world.invoke(*records)

    assert queries == []
    assert world.published() == []


def test_the_default_drop_record_reads_no_history(world, drop):
    queries = count_queries()
    world.invoke(drop)
    assert queries == []
