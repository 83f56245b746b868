"""Two dispatches of one run interleaved call by call, and dispatchers killed midway.

Each dispatch runs as its own Lambda invocation in a thread, but only one thread moves at a
time: every AWS call the dispatcher makes first passes `Invocation.before`, where the test
can park the thread (and let another run) or end it as the Lambda runtime would (a
BaseException: a timeout or an out-of-memory kill). So each interleaving is one fixed
sequence of calls, reproducible, and the tests can walk through all of them.

After the scripted part, `World.settle` plays the queue: every dispatch message that did
not succeed comes back once the leases have expired, every continuation is delivered, until
none is left. Then, per run: every active product was sent, the run record's counts are the
active catalog's, and a product was sent twice only where no dispatcher could have known
it had been sent (a page in flight when its sender died or stalled past its lease); the
scraper skips those (`last_run_id`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from contracts.messages import ContinueDispatch, StartRun, parse_message
from contracts.run_record import RunStatus
from monitor.dispatch import (
    SEND_BATCH_SIZE,
    DispatchReport,
    LeaseLostError,
    dispatch_run,
)
from monitor.retailers import RetailerDirectory

RUN_ID = "2025-01-06T12:00:00Z"
START = datetime(2025, 1, 6, 12, 0, 5, tzinfo=UTC)
TIMEOUT = timedelta(seconds=120)  # the scraper function's timeout
VISIBILITY_TIMEOUT = timedelta(seconds=6 * 120)  # when a failed message is delivered again
PAGE_SIZE = 10
WAIT_SECONDS = 10  # how long the test waits for a thread to park (never reached when correct)


class Killed(BaseException):
    """The Lambda runtime ended the invocation at this call (a timeout, out of memory)."""


class WallClock:
    """The time every invocation reads; it moves only when the test moves it."""

    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


class Invocation:
    """One Lambda invocation running `dispatch_run(message)` in its own thread, call by call.

    `run_until(n)` lets it go until it is about to make its n-th AWS call (None: to its
    end); `kill_at(n)` makes that call raise Killed instead. `calls` names every call made.
    """

    def __init__(
        self,
        name: str,
        message: StartRun | ContinueDispatch,
        world: World,
        timeout: timedelta = TIMEOUT,
    ) -> None:
        self.name = name
        self.message = message
        self.calls: list[str] = []
        self.outcome: DispatchReport | BaseException | None = None
        self.deadline = world.clock.now() + timeout
        self.redelivered = False  # its failed message has come back (World.settle)
        self._world = world
        self._pause_at: int | None = None
        self._kill_at: int | None = None
        self._turn = threading.Event()
        self._parked = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def failed(self) -> bool:
        """It ended without a report: SQS delivers its message again."""
        return self.ended and not isinstance(self.outcome, DispatchReport)

    def remaining_ms(self) -> int:
        return int((self.deadline - self._world.clock.now()).total_seconds() * 1000)

    def kill_at(self, call_number: int) -> Invocation:
        self._kill_at = call_number
        return self

    def run_until(self, call_number: int | None = None) -> Invocation:
        """Run until just before the `call_number`-th AWS call, or to the end."""
        assert not self.ended, f"{self.name} has already ended"
        self._pause_at = call_number
        self._parked.clear()
        self._turn.set()
        assert self._parked.wait(WAIT_SECONDS), f"{self.name} did not stop"
        return self

    def before(self, call: str) -> None:
        """Called in the invocation's thread before each AWS call."""
        self.calls.append(call)
        if len(self.calls) == self._kill_at:
            raise Killed(f"{self.name} killed at {call}")
        if len(self.calls) == self._pause_at:
            self._turn.clear()
            self._parked.set()
            self._turn.wait()

    def _main(self) -> None:
        self._turn.wait()
        try:
            self.outcome = self._world.dispatch(self)
        except BaseException as error:
            self.outcome = error
        finally:
            self._parked.set()


class Watched:
    """An AWS client or table whose calls pass through the invocation's `before` first."""

    CALLS = frozenset({"scan", "get_item", "update_item", "send_message", "send_message_batch"})

    def __init__(self, target: Any, label: str, invocation: Invocation) -> None:
        self._target = target
        self._label = label
        self._invocation = invocation

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name not in self.CALLS:
            return attribute

        def call(**arguments: Any) -> Any:
            self._invocation.before(f"{self._label}.{name}")
            return attribute(**arguments)

        return call


@dataclass(frozen=True)
class Sent:
    invocation: str
    product_id: str


@dataclass
class World:
    """The run's tables and queue as every invocation sees them, and what reached SQS."""

    products: Any
    runs: Any
    sqs: Any
    queue_url: str
    retailers: RetailerDirectory
    clock: WallClock = field(default_factory=WallClock)
    sent: list[Sent] = field(default_factory=list)  # every product job that reached SQS
    continuations: list[ContinueDispatch] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)

    def invoke(
        self, message: StartRun | ContinueDispatch, name: str = "", timeout: timedelta = TIMEOUT
    ) -> Invocation:
        name = name or f"invocation-{len(self.invocations) + 1}"
        invocation = Invocation(name, message, self, timeout)
        self.invocations.append(invocation)
        return invocation

    def dispatch(self, invocation: Invocation) -> DispatchReport:
        return dispatch_run(
            invocation.message,
            products_table=Watched(self.products, "products", invocation),
            runs_table=Watched(self.runs, "runs", invocation),
            sqs_client=Watched(_RecordingSqs(self, invocation.name), "sqs", invocation),
            queue_url=self.queue_url,
            retailers=self.retailers,
            remaining_ms=invocation.remaining_ms,
            now=self.clock.now,
            page_size=PAGE_SIZE,
            sleep=lambda _seconds: None,
        )

    def settle(self) -> None:
        """Deliver every message still owed, as SQS would, until the run has none left.

        A message whose invocation failed or was killed comes back after the visibility
        timeout; each continuation is delivered once. An invocation still parked stays
        parked (a stalled Lambda): the run must not wait for it.
        """
        delivered = 0
        for _round in range(20):
            owed = [
                invocation
                for invocation in self.invocations
                if invocation.failed and not invocation.redelivered
            ]
            fresh = self.continuations[delivered:]
            delivered = len(self.continuations)
            if not owed and not fresh:
                return
            if owed:
                self.clock.advance(VISIBILITY_TIMEOUT)
            for invocation in owed:
                invocation.redelivered = True
            for message in [*fresh, *(invocation.message for invocation in owed)]:
                self.invoke(message).run_until()
        raise AssertionError("the run never settled")

    def record(self) -> dict[str, Any]:
        return self.runs.get_item(Key={"run_id": RUN_ID}, ConsistentRead=True)["Item"]

    def sent_by(self, invocation: Invocation) -> list[str]:
        return [sent.product_id for sent in self.sent if sent.invocation == invocation.name]

    def duplicates(self) -> set[str]:
        counts = Counter(sent.product_id for sent in self.sent)
        return {product_id for product_id, count in counts.items() if count > 1}


class _RecordingSqs:
    """The moto SQS client, noting each product job and continuation that reached the queue."""

    def __init__(self, world: World, invocation: str) -> None:
        self._world = world
        self._invocation = invocation

    def send_message_batch(self, **arguments: Any) -> dict[str, Any]:
        response = self._world.sqs.send_message_batch(**arguments)
        sent = {entry["Id"] for entry in response.get("Successful", [])}
        self._world.sent.extend(
            Sent(self._invocation, parse_message(entry["MessageBody"]).product_id)
            for entry in arguments["Entries"]
            if entry["Id"] in sent
        )
        return response

    def send_message(self, **arguments: Any) -> dict[str, Any]:
        response = self._world.sqs.send_message(**arguments)
        self._world.continuations.append(parse_message(arguments["MessageBody"]))
        return response


@pytest.fixture
def world(service_tables, scrape_queue) -> Iterator[World]:
    dynamodb = boto3.resource("dynamodb")
    world = World(
        products=dynamodb.Table(service_tables.products),
        runs=dynamodb.Table(service_tables.runs),
        sqs=boto3.client("sqs"),
        queue_url=scrape_queue.url,
        retailers=RetailerDirectory.from_environment_values("{}", 1.0),
    )
    yield world
    for invocation in world.invocations:  # a parked thread ends with its test
        if not invocation.ended:
            invocation.kill_at(len(invocation.calls) + 1).run_until()


def seed(world: World, count: int) -> list[str]:
    product_ids = [f"p-{index:04d}" for index in range(count)]
    with world.products.batch_writer() as batch:
        for product_id in product_ids:
            batch.put_item(
                Item={
                    "product_id": product_id,
                    "retailer": "shop",
                    "url": f"https://shop.example/{product_id}",
                }
            )
    return product_ids


def assert_every_product_dispatched(world: World, product_ids: list[str]) -> None:
    """Every product reached the queue and the run record counts the active catalog."""
    sent = {sent.product_id for sent in world.sent}
    assert sent == set(product_ids), f"never sent: {sorted(set(product_ids) - sent)}"
    record = world.record()
    assert record["status"] == RunStatus.DISPATCHED
    assert (record["dispatched"], record["catalog_size"]) == (len(product_ids), len(product_ids))


# 25 products in pages of 10: the AWS calls of one undisturbed dispatch, numbered from 1.
CATALOG = 25
WHOLE_DISPATCH = [
    "runs.update_item",  # 1: take the lease (create the record)
    *["products.scan", "sqs.send_message_batch", "runs.update_item"] * 2,  # 2-7: two pages
    "products.scan",  # 8: the last page (5 products)
    "sqs.send_message_batch",  # 9
    "runs.update_item",  # 10: finish
]
EVERY_CALL = range(1, len(WHOLE_DISPATCH) + 1)
# A function with 15 s left: one page, then the hand-off (release, then the continuation).
SHORT_TIMEOUT = timedelta(seconds=15)
HAND_OFF = [*WHOLE_DISPATCH[:4], "sqs.send_message"]


def test_an_undisturbed_dispatch_makes_the_calls_the_interleavings_count(world):
    product_ids = seed(world, CATALOG)

    whole = world.invoke(StartRun(RUN_ID)).run_until()
    short = world.invoke(StartRun("2025-01-06T18:00:00Z"), timeout=SHORT_TIMEOUT).run_until()

    assert whole.calls == WHOLE_DISPATCH
    assert short.calls == HAND_OFF
    assert sorted(world.sent_by(whole)) == product_ids


@pytest.mark.parametrize("arrives_before", EVERY_CALL)
def test_a_second_start_run_at_any_point_of_the_dispatch_sends_nothing(world, arrives_before):
    product_ids = seed(world, CATALOG)
    first = world.invoke(StartRun(RUN_ID), "first").run_until(arrives_before)

    second = world.invoke(StartRun(RUN_ID), "second").run_until()
    first.run_until()
    world.settle()

    assert_every_product_dispatched(world, product_ids)
    assert not world.duplicates()
    if arrives_before > 1:  # the first has the lease: the second is the duplicate
        assert second.outcome.duplicate
        assert not first.outcome.duplicate


@pytest.mark.parametrize("arrives_before", range(1, len(HAND_OFF) + 2))
@pytest.mark.parametrize("continuation_first", [False, True])
def test_a_start_run_arriving_around_a_hand_off_sends_each_product_once(
    world, arrives_before, continuation_first
):
    product_ids = seed(world, CATALOG)
    first = world.invoke(StartRun(RUN_ID), "first", timeout=SHORT_TIMEOUT)
    first.run_until(arrives_before if arrives_before <= len(HAND_OFF) else None)
    if continuation_first and world.continuations:
        world.settle()

    world.invoke(StartRun(RUN_ID), "second").run_until()
    if not first.ended:
        first.run_until()
    world.settle()

    assert_every_product_dispatched(world, product_ids)
    assert not world.duplicates()


@pytest.mark.parametrize("killed_at", EVERY_CALL)
@pytest.mark.parametrize("timeout", [TIMEOUT, SHORT_TIMEOUT], ids=["whole", "hand-off"])
def test_a_dispatcher_killed_at_any_call_loses_no_product(world, killed_at, timeout):
    product_ids = seed(world, CATALOG)
    killed = world.invoke(StartRun(RUN_ID), "killed", timeout=timeout)

    killed.kill_at(killed_at).run_until()
    world.settle()

    assert_every_product_dispatched(world, product_ids)
    # Sent again at most: the page in flight when the Lambda died (nothing said it went).
    assert world.duplicates() <= set(world.sent_by(killed))
    assert len(world.duplicates()) <= PAGE_SIZE


@pytest.mark.parametrize("stalls_before", EVERY_CALL[1:])
# The taker runs through, or parks before a scan, a send, a progress write or its finish.
@pytest.mark.parametrize("taker_pauses_before", [None, 2, 3, 4, 10])
def test_a_dispatcher_that_stalls_past_its_lease_sends_nothing_once_taken_over(
    world, stalls_before, taker_pauses_before
):
    product_ids = seed(world, CATALOG)
    stalled = world.invoke(StartRun(RUN_ID), "stalled").run_until(stalls_before)
    before_stall = list(world.sent_by(stalled))
    world.clock.advance(TIMEOUT + timedelta(seconds=1))  # its lease has expired

    taker = world.invoke(StartRun(RUN_ID), "taker").run_until(taker_pauses_before)
    stalled.run_until()
    if not taker.ended:
        taker.run_until()
    world.settle()

    assert_every_product_dispatched(world, product_ids)
    assert isinstance(stalled.outcome, LeaseLostError)
    assert not taker.outcome.duplicate
    # Stalled inside a SendMessageBatch call, that call goes through; nothing after it.
    in_flight = SEND_BATCH_SIZE if WHOLE_DISPATCH[stalls_before - 1].startswith("sqs") else 0
    assert len(world.sent_by(stalled)) <= len(before_stall) + in_flight
    # Sent twice at most: what the stalled one sent of the page it had not finished.
    assert world.duplicates() <= set(world.sent_by(stalled))
    assert len(world.duplicates()) <= PAGE_SIZE
