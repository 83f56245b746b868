"""The dispatcher against moto: every active product once, spaced, resumable, never twice."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from contracts.messages import ContinueDispatch, ProductJob, StartRun, parse_message
from contracts.run_record import RunStatus
from monitor.dispatch import (
    MAX_DELAY_SECONDS,
    SEND_ATTEMPTS,
    DispatchError,
    LeaseLostError,
    UnknownRunError,
    delay_seconds,
    dispatch_run,
)
from monitor.retailers import ConfigurationError, RetailerDirectory

RUN_ID = "2025-01-06T12:00:00Z"
START = datetime(2025, 1, 6, 12, 0, 5, tzinfo=UTC)
FULL_TIME_MS = 120_000
PAGE_MS = 1_000  # how long the fake Lambda clock says one catalog page takes


@dataclass
class LambdaClock:
    """The invocation's clock: wall time and remaining milliseconds, advanced by the test."""

    moment: datetime = START
    remaining: int = FULL_TIME_MS

    def now(self) -> datetime:
        return self.moment

    def remaining_ms(self) -> int:
        return self.remaining

    def next_invocation(self, after: timedelta = timedelta(seconds=1)) -> None:
        self.moment += timedelta(milliseconds=FULL_TIME_MS - self.remaining) + after
        self.remaining = FULL_TIME_MS


class TimedTable:
    """The products table, where reading a page uses up the invocation's time."""

    def __init__(self, table: Any, clock: LambdaClock, page_ms: int = PAGE_MS) -> None:
        self._table = table
        self._clock = clock
        self.page_ms = page_ms
        self.scans = 0

    def scan(self, **arguments: Any) -> dict[str, Any]:
        self.scans += 1
        self._clock.remaining -= self.page_ms
        self._clock.moment += timedelta(milliseconds=self.page_ms)
        return self._table.scan(**arguments)


@dataclass
class SentJob:
    job: ProductJob
    delay: int


@dataclass
class SqsRecorder:
    """What reached SQS: every SendMessageBatch call's entries and every single send."""

    batch_calls: list[list[dict[str, Any]]] = field(default_factory=list)
    single_sends: list[dict[str, Any]] = field(default_factory=list)

    def jobs(self) -> list[SentJob]:
        return [
            SentJob(parse_message(entry["MessageBody"]), entry["DelaySeconds"])
            for call in self.batch_calls
            for entry in call
        ]

    def product_ids(self) -> list[str]:
        return [sent.job.product_id for sent in self.jobs()]


class FlakySqs:
    """An SQS client that reports chosen entries as Failed instead of sending them.

    `fails(call, attempt, product_id)`: whether the entry of `product_id` fails in the
    `call`-th SendMessageBatch call, its `attempt`-th try.
    """

    def __init__(self, client: Any, fails: Any, sender_fault: bool = False) -> None:
        self._client = client
        self._fails = fails
        self._sender_fault = sender_fault
        self._attempts: Counter[str] = Counter()
        self.calls: list[list[str]] = []  # product ids of every call the dispatcher made

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        failed, sent = [], []
        self.calls.append([parse_message(entry["MessageBody"]).product_id for entry in Entries])
        for entry, product_id in zip(Entries, self.calls[-1], strict=True):
            self._attempts[product_id] += 1
            fails = self._fails(len(self.calls), self._attempts[product_id], product_id)
            (failed if fails else sent).append(entry)
        response = {"Successful": [], "Failed": []}
        if sent:
            response = self._client.send_message_batch(QueueUrl=QueueUrl, Entries=sent)
        response.setdefault("Failed", []).extend(
            {
                "Id": entry["Id"],
                "SenderFault": self._sender_fault,
                "Code": "InvalidParameterValue" if self._sender_fault else "InternalError",
                "Message": "injected by the test",
            }
            for entry in failed
        )
        return response

    def send_message(self, **arguments: Any) -> dict[str, Any]:
        return self._client.send_message(**arguments)


class BrokenContinuationSqs:
    """Product jobs go through; the continuation message cannot be sent."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def send_message_batch(self, **arguments: Any) -> dict[str, Any]:
        return self._client.send_message_batch(**arguments)

    def send_message(self, **arguments: Any) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "KMS.KMSThrottlingException", "Message": "throttled"}},
            "SendMessage",
        )


@dataclass
class Dispatcher:
    """Runs dispatch_run against the moto tables and queue, as the handler would."""

    products: TimedTable
    runs: Any
    sqs: Any
    queue_url: str
    clock: LambdaClock
    recorder: SqsRecorder
    retailers: RetailerDirectory
    sleeps: list[float] = field(default_factory=list)

    def __call__(self, message: StartRun | ContinueDispatch, **overrides: Any):
        arguments = {
            "products_table": self.products,
            "runs_table": self.runs,
            "sqs_client": self.sqs,
            "queue_url": self.queue_url,
            "retailers": self.retailers,
            "remaining_ms": self.clock.remaining_ms,
            "now": self.clock.now,
            "page_size": 10,
            "sleep": self.sleeps.append,
        }
        return dispatch_run(message, **(arguments | overrides))

    def continuation(self) -> ContinueDispatch:
        """The continuation message this dispatcher sent last."""
        return parse_message(self.recorder.single_sends[-1]["MessageBody"])

    def run_record(self) -> dict[str, Any]:
        return self.runs.get_item(Key={"run_id": RUN_ID}, ConsistentRead=True)["Item"]

    def queued_messages(self) -> list[Any]:
        """Every message now visible on the scrape queue, parsed (and deleted)."""
        messages = []
        while True:
            batch = self.sqs_client.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                messages.append(parse_message(message["Body"]))
                self.sqs_client.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    @property
    def sqs_client(self) -> Any:
        return boto3.client("sqs")


RETAILERS_JSON = json.dumps(
    {
        "slow-shop": {"spacing_seconds": 2.5},
        "eager-shop": {"spacing_seconds": 0},
        "far-shop": {"spacing_seconds": 300},
    }
)


@pytest.fixture
def dispatcher(service_tables, scrape_queue) -> Dispatcher:
    dynamodb = boto3.resource("dynamodb")
    sqs = boto3.client("sqs")
    recorder = SqsRecorder()
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: recorder.batch_calls.append(params["Entries"]),
    )
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessage",
        lambda params, **_: recorder.single_sends.append(params),
    )
    clock = LambdaClock()
    return Dispatcher(
        products=TimedTable(dynamodb.Table(service_tables.products), clock),
        runs=dynamodb.Table(service_tables.runs),
        sqs=sqs,
        queue_url=scrape_queue.url,
        clock=clock,
        recorder=recorder,
        retailers=RetailerDirectory.from_environment_values(RETAILERS_JSON, 1.0),
    )


def seed_catalog(dispatcher: Dispatcher, items: list[dict[str, Any]]) -> None:
    table = boto3.resource("dynamodb").Table(dispatcher.products._table.name)
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)


def products(count: int, retailer: str = "eager-shop", prefix: str = "p", **extra: Any):
    return [
        {
            "product_id": f"{prefix}-{index:04d}",
            "retailer": retailer,
            "url": f"https://{retailer}.example/item/{index}",
        }
        | extra
        for index in range(count)
    ]


def test_start_run_dispatches_every_active_product_once_in_batches_of_ten(dispatcher):
    active = products(57) + products(30, prefix="on", active=True)
    seed_catalog(dispatcher, active + products(13, prefix="off", active=False))

    report = dispatcher(StartRun(RUN_ID), page_size=500)

    sent = dispatcher.recorder.product_ids()
    assert sorted(sent) == sorted(item["product_id"] for item in active)
    assert report.dispatched == report.total_dispatched == 87
    assert report.finished
    assert not report.continued
    assert not report.duplicate
    calls = dispatcher.recorder.batch_calls
    assert len(calls) == math.ceil(87 / 10)
    assert all(len(call) <= 10 and len({e["Id"] for e in call}) == len(call) for call in calls)


def test_dispatched_jobs_arrive_on_the_queue_as_product_jobs_of_the_run(dispatcher):
    seed_catalog(dispatcher, products(23))

    dispatcher(StartRun(RUN_ID))

    queued = dispatcher.queued_messages()
    assert sorted(queued, key=lambda job: job.product_id) == [
        ProductJob(RUN_ID, f"p-{index:04d}", "eager-shop") for index in range(23)
    ]


def test_finished_run_record_holds_counts_times_and_expiry(dispatcher):
    seed_catalog(dispatcher, products(12) + products(3, prefix="off", active=False))

    dispatcher(StartRun(RUN_ID))

    record = dispatcher.run_record()
    assert record["status"] == RunStatus.DISPATCHED
    assert record["dispatched"] == 12
    assert record["catalog_size"] == 12
    assert record["rejected"] == 0
    assert record["started_at"] == "2025-01-06T12:00:05Z"
    assert record["dispatch_finished_at"] == "2025-01-06T12:00:07Z"  # two pages of 1 s
    assert record["expires_at"] == int((START + timedelta(days=90)).timestamp())
    assert "dispatch_cursor" not in record
    assert "dispatch_owner" not in record


def test_empty_catalog_finishes_the_run_without_sending(dispatcher):
    report = dispatcher(StartRun(RUN_ID))

    assert report.finished
    assert report.total_dispatched == 0
    assert dispatcher.recorder.batch_calls == []
    assert dispatcher.run_record()["catalog_size"] == 0


def test_each_retailers_jobs_are_spaced_by_its_spacing(dispatcher):
    seed_catalog(
        dispatcher,
        products(6, "slow-shop", prefix="s")
        + products(4, "unlisted-shop", prefix="u")
        + products(5, "eager-shop", prefix="e"),
    )

    dispatcher(StartRun(RUN_ID))

    delays: dict[str, list[int]] = {}
    for sent in dispatcher.recorder.jobs():
        delays.setdefault(sent.job.retailer, []).append(sent.delay)
    assert sorted(delays["slow-shop"]) == [0, 2, 5, 7, 10, 12]  # 2.5 s apart
    assert sorted(delays["unlisted-shop"]) == [0, 1, 2, 3]  # DEFAULT_SPACING_SECONDS
    assert sorted(delays["eager-shop"]) == [0, 0, 0, 0, 0]


def test_delays_wrap_at_the_sqs_limit_of_900_seconds(dispatcher):
    seed_catalog(dispatcher, products(5, "far-shop"))

    dispatcher(StartRun(RUN_ID))

    assert sorted(sent.delay for sent in dispatcher.recorder.jobs()) == [0, 0, 300, 300, 600]


@pytest.mark.parametrize(
    ("offset", "delay"),
    [(0, 0), (2.5, 2), (sum([0.1] * 10), 1), (899.99, 899), (900, 0), (1_000, 100), (2_700.5, 0)],
)
def test_delay_is_the_whole_seconds_of_the_offset_within_900(offset, delay):
    assert delay_seconds(offset) == delay
    assert 0 <= delay_seconds(offset) < MAX_DELAY_SECONDS


def test_duplicate_start_run_sends_nothing(dispatcher):
    seed_catalog(dispatcher, products(15))
    dispatcher(StartRun(RUN_ID))
    sent_before = len(dispatcher.recorder.batch_calls)
    record_before = dispatcher.run_record()
    dispatcher.clock.next_invocation()

    report = dispatcher(StartRun(RUN_ID))

    assert report.duplicate
    assert report.dispatched == 0
    assert report.total_dispatched == 15
    assert len(dispatcher.recorder.batch_calls) == sent_before
    assert dispatcher.run_record() == record_before


def test_start_run_while_another_invocation_dispatches_it_sends_nothing(dispatcher):
    seed_catalog(dispatcher, products(30))
    # The first delivery fails on its second page and its Lambda is still running.
    dispatcher.sqs = FlakySqs(dispatcher.sqs, lambda call, *_: call >= 2)
    with pytest.raises(DispatchError):
        dispatcher(StartRun(RUN_ID))
    sent_before = len(dispatcher.recorder.batch_calls)

    report = dispatcher(StartRun(RUN_ID))

    assert report.duplicate
    assert len(dispatcher.recorder.batch_calls) == sent_before
    assert dispatcher.run_record()["status"] == RunStatus.DISPATCHING


def test_redelivered_start_run_of_an_unfinished_dispatch_resumes_from_the_saved_page(
    dispatcher,
):
    seed_catalog(dispatcher, products(45, "slow-shop"))
    healthy_sqs = dispatcher.sqs
    # A page of 10 is one call: the third page never goes.
    dispatcher.sqs = FlakySqs(healthy_sqs, lambda call, *_: call >= 3)
    with pytest.raises(DispatchError):
        dispatcher(StartRun(RUN_ID))
    first_pages = dispatcher.recorder.product_ids()
    assert len(first_pages) == 20
    dispatcher.recorder.batch_calls.clear()
    dispatcher.sqs = healthy_sqs
    dispatcher.clock.next_invocation(after=timedelta(minutes=36))  # the visibility timeout

    report = dispatcher(StartRun(RUN_ID))

    assert not report.duplicate
    assert report.finished
    resumed = dispatcher.recorder.product_ids()
    assert set(first_pages).isdisjoint(resumed)
    assert sorted(first_pages + resumed) == [f"p-{index:04d}" for index in range(45)]
    assert report.total_dispatched == dispatcher.run_record()["dispatched"] == 45
    # Spacing resumes where the saved pages left it: 2.5 s per job over the whole run.
    delays = [sent.delay for sent in dispatcher.recorder.jobs()]
    assert sorted(delays) == [math.floor(index * 2.5) for index in range(20, 45)]


def test_hands_off_to_a_continuation_when_time_runs_short(dispatcher):
    seed_catalog(dispatcher, products(35, "slow-shop"))
    dispatcher.clock.remaining = 22_500  # the third 1 s page ends below the 20 s margin

    report = dispatcher(StartRun(RUN_ID))

    assert report.continued
    assert not report.finished
    assert (report.pages, report.dispatched) == (3, 30)
    continuation = dispatcher.continuation()
    assert len(dispatcher.recorder.single_sends) == 1
    assert isinstance(continuation, ContinueDispatch)
    assert continuation.run_id == RUN_ID
    assert continuation.dispatched == 30
    assert continuation.spacing == {"slow-shop": 75.0}
    assert continuation.cursor == dispatcher.run_record()["dispatch_cursor"]
    assert dispatcher.run_record()["status"] == RunStatus.DISPATCHING


def test_hands_off_early_when_pages_are_slow(dispatcher):
    seed_catalog(dispatcher, products(35))
    dispatcher.products.page_ms = 35_000  # 50 s left after two pages: not enough for two more

    report = dispatcher(StartRun(RUN_ID))

    assert report.continued
    assert report.pages == 2


def test_continuation_completes_the_catalog_with_spacing_carried_over(dispatcher):
    seed_catalog(dispatcher, products(35, "slow-shop"))
    dispatcher.clock.remaining = 21_500
    dispatcher(StartRun(RUN_ID))
    # Taken at once, before the first invocation's Lambda deadline: the lease was released.
    dispatcher.clock.remaining = FULL_TIME_MS

    report = dispatcher(dispatcher.continuation())

    assert report.finished
    assert not report.duplicate
    assert report.total_dispatched == 35
    assert Counter(dispatcher.recorder.product_ids()) == Counter(
        f"p-{index:04d}" for index in range(35)
    )
    delays = sorted(sent.delay for sent in dispatcher.recorder.jobs())
    assert delays == [math.floor(index * 2.5) for index in range(35)]
    record = dispatcher.run_record()
    assert record["status"] == RunStatus.DISPATCHED
    assert (record["dispatched"], record["catalog_size"]) == (35, 35)


def test_redelivered_continuation_of_a_finished_run_sends_nothing(dispatcher):
    seed_catalog(dispatcher, products(25))
    dispatcher.clock.remaining = 21_500
    dispatcher(StartRun(RUN_ID))
    continuation = dispatcher.continuation()
    dispatcher.clock.next_invocation()
    dispatcher(continuation)
    sent_before = len(dispatcher.recorder.batch_calls)

    report = dispatcher(continuation)

    assert report.duplicate
    assert report.total_dispatched == 25
    assert len(dispatcher.recorder.batch_calls) == sent_before


def test_continuation_for_a_run_without_a_record_is_refused(dispatcher):
    seed_catalog(dispatcher, products(5))

    with pytest.raises(UnknownRunError) as raised:
        dispatcher(ContinueDispatch(RUN_ID, {"product_id": "p-0002"}))

    assert raised.value.run_id == RUN_ID
    assert dispatcher.recorder.batch_calls == []


def test_unsent_continuation_raises_and_leaves_the_run_to_its_redelivery(dispatcher):
    seed_catalog(dispatcher, products(25))
    healthy_sqs = dispatcher.sqs
    dispatcher.sqs = BrokenContinuationSqs(healthy_sqs)
    dispatcher.clock.remaining = 21_500
    with pytest.raises(DispatchError, match="continuation"):
        dispatcher(StartRun(RUN_ID))
    dispatcher.sqs = healthy_sqs
    dispatcher.clock.next_invocation()

    report = dispatcher(StartRun(RUN_ID))

    assert report.finished
    assert report.dispatched == 5
    assert sorted(dispatcher.recorder.product_ids()) == [f"p-{index:04d}" for index in range(25)]


def test_entries_a_batch_call_rejects_are_retried_alone(dispatcher):
    seed_catalog(dispatcher, products(20))
    unlucky = {"p-0003", "p-0007", "p-0016"}
    flaky = FlakySqs(
        dispatcher.sqs, lambda _, attempt, product_id: attempt == 1 and product_id in unlucky
    )
    dispatcher.sqs = flaky

    report = dispatcher(StartRun(RUN_ID))

    assert report.finished
    assert report.dispatched == 20
    queued = [job.product_id for job in dispatcher.queued_messages()]
    assert sorted(queued) == [f"p-{index:04d}" for index in range(20)]
    assert [len(call) for call in flaky.calls] == [10, 2, 10, 1]
    assert sorted(flaky.calls[1] + flaky.calls[3]) == sorted(unlucky)
    assert dispatcher.sleeps  # backed off before retrying, briefly
    assert sum(dispatcher.sleeps) < 1


def test_entries_that_keep_failing_raise_dispatch_error(dispatcher):
    seed_catalog(dispatcher, products(10))
    flaky = FlakySqs(dispatcher.sqs, lambda _call, _attempt, product_id: product_id == "p-0004")
    dispatcher.sqs = flaky

    with pytest.raises(DispatchError, match="InternalError") as raised:
        dispatcher(StartRun(RUN_ID))

    assert raised.value.run_id == RUN_ID
    assert len(flaky.calls) == SEND_ATTEMPTS
    assert flaky.calls[1:] == [["p-0004"]] * (SEND_ATTEMPTS - 1)
    assert dispatcher.run_record()["status"] == RunStatus.DISPATCHING


def test_sender_fault_entries_are_not_retried(dispatcher):
    seed_catalog(dispatcher, products(10))
    flaky = FlakySqs(
        dispatcher.sqs,
        lambda _call, _attempt, product_id: product_id == "p-0004",
        sender_fault=True,
    )
    dispatcher.sqs = flaky

    with pytest.raises(DispatchError, match="InvalidParameterValue"):
        dispatcher(StartRun(RUN_ID))

    assert len(flaky.calls) == 1


def test_a_failed_send_call_raises_dispatch_error(dispatcher):
    seed_catalog(dispatcher, products(3))

    with pytest.raises(DispatchError, match="SendMessageBatch") as raised:
        dispatcher(StartRun(RUN_ID), queue_url=dispatcher.queue_url + "-missing")

    assert isinstance(raised.value.__cause__, ClientError)


def test_malformed_catalog_rows_are_counted_as_rejected_and_logged(dispatcher, caplog):
    seed_catalog(
        dispatcher,
        [
            *products(8),
            {"product_id": "no-retailer", "url": "https://shop.example/1"},
            {"product_id": "blank-retailer", "retailer": "  ", "url": "https://shop.example/2"},
            {"product_id": "odd-active", "retailer": "eager-shop", "active": "yes"},
        ],
    )

    report = dispatcher(StartRun(RUN_ID))

    assert report.finished
    assert report.dispatched == 8
    assert report.rejected == 3
    assert "no-retailer" not in dispatcher.recorder.product_ids()
    record = dispatcher.run_record()
    assert (record["rejected"], record["catalog_size"]) == (3, 11)
    rejected = {
        record.product_id: record.problem
        for record in caplog.records
        if record.getMessage() == "catalog item not dispatched" and record.run_id == RUN_ID
    }
    assert set(rejected) == {"no-retailer", "blank-retailer", "odd-active"}
    assert "retailer" in rejected["no-retailer"]
    assert "active" in rejected["odd-active"]


def test_dispatch_taken_over_by_another_invocation_stops_with_lease_lost(dispatcher):
    seed_catalog(dispatcher, products(25))
    runs = dispatcher.runs

    class TakeoverSqs(FlakySqs):
        def send_message_batch(self, **arguments: Any) -> dict[str, Any]:
            runs.update_item(
                Key={"run_id": RUN_ID},
                UpdateExpression="SET dispatch_owner = :other",
                ExpressionAttributeValues={":other": "another-invocation"},
            )
            return super().send_message_batch(**arguments)

    dispatcher.sqs = TakeoverSqs(dispatcher.sqs, lambda *_: False)

    with pytest.raises(LeaseLostError):
        dispatcher(StartRun(RUN_ID))

    assert len(dispatcher.recorder.batch_calls) == 1


# --- browser retailers: their jobs go to the render queue ----------------------------------


def queued_count(queue_url: str) -> int:
    """Messages on the queue, visible or still delayed."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_browser_retailers_jobs_go_to_the_render_queue_with_their_spacing(dispatcher, render_queue):
    sent_to: dict[str, list[SentJob]] = {}
    dispatcher.sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: sent_to.setdefault(params["QueueUrl"], []).extend(
            SentJob(parse_message(entry["MessageBody"]), entry["DelaySeconds"])
            for entry in params["Entries"]
        ),
    )
    dispatcher.retailers = RetailerDirectory.from_environment_values(
        json.dumps(
            {
                "js-shop": {"fetch": "browser", "spacing_seconds": 2.5},
                "maybe-shop": {"fetch": "auto"},
            }
        ),
        1.0,
    )
    seed_catalog(
        dispatcher,
        products(4, "js-shop", prefix="j")
        + products(3, "maybe-shop", prefix="m")
        + products(2, "eager-shop", prefix="e"),
    )

    report = dispatcher(StartRun(RUN_ID), render_queue_url=render_queue.url)

    rendered, scraped = sent_to[render_queue.url], sent_to[dispatcher.queue_url]
    assert {sent.job.retailer for sent in rendered} == {"js-shop"}
    assert sorted(sent.delay for sent in rendered) == [0, 2, 5, 7]  # the scrape queue's spacing
    assert {sent.job.retailer for sent in scraped} == {"maybe-shop", "eager-shop"}  # auto: http
    assert (len(rendered), len(scraped), report.total_dispatched) == (4, 5, 9)
    assert {sent.job.run_id for sent in rendered} == {RUN_ID}
    assert (queued_count(render_queue.url), queued_count(dispatcher.queue_url)) == (4, 5)


def test_a_browser_retailer_without_a_render_queue_is_refused_before_anything_is_sent(dispatcher):
    dispatcher.retailers = RetailerDirectory.from_environment_values(
        json.dumps({"js-shop": {"fetch": "browser"}}), 1.0
    )
    seed_catalog(dispatcher, products(3, "js-shop"))

    with pytest.raises(ConfigurationError, match="RENDER_QUEUE_URL"):
        dispatcher(StartRun(RUN_ID))

    assert dispatcher.recorder.batch_calls == []
    assert dispatcher.queued_messages() == []
