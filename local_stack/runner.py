"""The local stack's event loop: the service run offline, cycle by cycle.

`local_stack(...)` opens a session: fake credentials and moto in place of AWS, a simulated
clock that moto keeps, the stack provisioned from the Pulumi program (provision.py), the
functions' containers started cold, and an inbox subscribed to the stack's topics. It yields
a `LocalWorld`, which plays AWS's part:

- `run_cycle()` fires the schedule at its next scheduled time (the run id is that time) and
  runs until the stack is idle: no message left in the queues the functions read, nothing
  left on the stream for the detector. Each step delivers the stream first (Lambda reads it
  within a second of a write), then one SQS batch; when only delayed or in-flight messages
  remain, the clock jumps to the moment the next one becomes visible, so DelaySeconds,
  visibility timeouts and backoffs take no real time. Every notification is handed to
  `on_notification` as it is delivered.
- the cycle is then accounted for (report.py): every active product scraped, failed,
  blocked or dead-lettered.

Functions run one invocation at a time (a concurrency of 1, within any declared maximum),
which keeps runs reproducible; fetches within a scraper invocation are concurrent as on AWS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from moto import mock_aws

from contracts.timestamps import iso_seconds
from local_stack.clock import SimulatedClock, services_follow
from local_stack.environ import environment_changed
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.program import stack_config
from local_stack.provision import provision
from local_stack.report import CycleReport, RunReport, account_for, is_active
from local_stack.services.lambda_invoke import lambda_invocations
from local_stack.services.moto_sqs_patch import scalable_queues
from local_stack.services.scheduler import Fire, Scheduler, fire_times, rate_seconds
from local_stack.services.sns_inbox import Delivery, Inbox
from local_stack.services.sqs_event_source import SqsEventSource
from local_stack.services.sqs_queue import Queue
from local_stack.services.stream_event_source import StreamEventSource, StreamReader
from local_stack.stack import LocalSchedule, LocalStack

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# A cycle still busy after this much simulated time is stuck (DynamoDB streams keep
# records for 24 hours): the loop stops rather than spin.
CYCLE_HORIZON = timedelta(hours=24)
INBOX_QUEUE_NAME = "price-monitor-local-inbox"
ALERTS_TOPIC_OUTPUT = "alerts_topic_arn"
# Variables that could send the SDK to a real account or endpoint: cleared for the session.
_REAL_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


class RunawayCycleError(RuntimeError):
    """A cycle did not become idle within CYCLE_HORIZON of simulated time."""


class NoScheduleError(RuntimeError):
    """The stack declares no schedule to fire."""


@dataclass
class LocalWorld:
    """A provisioned local stack and the services that drive it (see the module docstring)."""

    stack: LocalStack
    clock: SimulatedClock
    runtime: LambdaRuntime
    scheduler: Scheduler
    inbox: Inbox
    dead_letter_queue: Queue
    queue_sources: list[SqsEventSource]
    stream_sources: list[StreamEventSource]
    dynamodb: DynamoDBClient
    on_notification: Callable[[Delivery], None] | None = None
    on_progress: Callable[[int, int], None] | None = None
    horizon: timedelta = CYCLE_HORIZON  # simulated time after which a busy cycle is stuck
    cycles: list[CycleReport] = field(default_factory=list)
    invocation_lock: threading.RLock = field(default_factory=threading.RLock)
    _dead_letters_seen: set[str] = field(default_factory=set)
    _observed: set[str] = field(default_factory=set)
    _run_id: str | None = None
    _products: int = 0

    @property
    def alerts_topic_arn(self) -> str:
        return self.stack.outputs[ALERTS_TOPIC_OUTPUT]

    # --- the schedule ------------------------------------------------------------------

    def next_scheduled_time(self) -> datetime:
        """The schedule's first scheduled time after the simulated now."""
        return next(fire_times(self._schedule().expression, self.clock.now()))

    def fire(self, scheduled: datetime | None = None) -> Fire:
        """Fire the schedule for `scheduled` (default: its next time), moving the clock there."""
        scheduled = self.next_scheduled_time() if scheduled is None else scheduled
        self.clock.advance_to(scheduled)
        return self.scheduler.fire(self._schedule(), scheduled)

    def _schedule(self) -> LocalSchedule:
        if not self.stack.schedules:
            raise NoScheduleError(f"stack {self.stack.stack!r} declares no schedule")
        return self.stack.schedules[0]

    # --- the loop ----------------------------------------------------------------------

    def step(self) -> bool:
        """Deliver one batch (stream first, then queues); False when nothing was visible."""
        with self.invocation_lock:  # shared with Lambda's Invoke API (lambda_invocations)
            sources: list[StreamEventSource | SqsEventSource] = [
                *self.stream_sources,
                *self.queue_sources,
            ]
            for source in sources:
                if source.poll() is not None:
                    self._deliver_notifications()
                    return True
        return False

    def run_until_idle(self) -> None:
        """Run until no queue holds a message and the stream holds nothing for the detector."""
        started = self.clock.now()
        while True:
            if self.step():
                continue
            wake = self.next_wake()
            if wake is None:
                return
            if wake - started > self.horizon:
                raise RunawayCycleError(
                    f"still busy {self.horizon} after {iso_seconds(started)}: "
                    f"messages wait in {', '.join(s.queue.name for s in self.queue_sources)}"
                )
            self.clock.advance_to(wake)

    def next_wake(self) -> datetime | None:
        """When the next delayed or in-flight message becomes visible; None: queues empty."""
        wakes = [
            wake
            for source in self.queue_sources
            if (wake := source.queue.next_visible_at()) is not None
        ]
        return min(wakes, default=None)

    def _deliver_notifications(self) -> None:
        for delivery in self.inbox.collect():
            if self.on_notification is not None:
                self.on_notification(delivery)

    # --- cycles ------------------------------------------------------------------------

    def run_cycle(self, scheduled: datetime | None = None) -> CycleReport:
        """Fire the schedule and run until idle; the cycle's accounting."""
        scheduled = self.next_scheduled_time() if scheduled is None else scheduled
        run_id = iso_seconds(scheduled)
        started = time.perf_counter()
        delivered_before = len(self._alerts())
        self._run_id, self._observed = run_id, set()
        self._products = sum(1 for item in self.catalog() if is_active(item))
        self.fire(scheduled)
        self.run_until_idle()
        self._run_id = None
        new_dead_letters = self._new_dead_letters()
        accounting = account_for(self.catalog(), run_id, new_dead_letters)
        cycle = CycleReport(
            number=len(self.cycles) + 1,
            run_id=run_id,
            products=self._products,
            scraped=len(accounting.scraped),
            failed=len(accounting.failed),
            blocked=len(accounting.blocked),
            dead_lettered=len(accounting.dead_lettered),
            notifications=len(self._alerts()) - delivered_before,
            seconds=time.perf_counter() - started,
            unaccounted=accounting.unaccounted,
            other_dead_letters=accounting.other_dead_letters,
        )
        self.cycles.append(cycle)
        return cycle

    def observe_record(self, record: Mapping[str, Any]) -> None:
        """Progress: a products-table stream record (before filtering) of the running cycle."""
        if self._run_id is None:
            return
        image = record.get("dynamodb", {}).get("NewImage") or {}
        run = image.get("last_run_id", {}).get("S")
        product = image.get("product_id", {}).get("S")
        if run == self._run_id and product is not None and product not in self._observed:
            self._observed.add(product)
            if self.on_progress is not None:
                self.on_progress(len(self._observed), self._products)

    def _new_dead_letters(self) -> list[str]:
        new = [
            m
            for m in self.dead_letter_queue.messages()
            if m.message_id not in self._dead_letters_seen
        ]
        self._dead_letters_seen.update(message.message_id for message in new)
        return [message.body for message in new]

    def _alerts(self) -> list[Delivery]:
        return [d for d in self.inbox.delivered if d.topic_arn == self.alerts_topic_arn]

    # --- what the stack holds ----------------------------------------------------------

    def catalog(self) -> list[dict[str, Any]]:
        """Every item of the products table (catalog and latest state), by product_id."""
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.stack.outputs["products_table"], ConsistentRead=True
        )
        items = [
            {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}
            for page in pages
            for item in page["Items"]
        ]
        return sorted(items, key=lambda item: str(item["product_id"]))

    def history_count(self) -> int:
        """Rows in the prices (history) table."""
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.stack.outputs["prices_table"], Select="COUNT"
        )
        return sum(page["Count"] for page in pages)

    def notifications(self) -> list[Delivery]:
        """Every price alert delivered so far, in order."""
        return self._alerts()

    def report(self) -> RunReport:
        return RunReport(
            cycles=list(self.cycles),
            notifications=[delivery.message for delivery in self._alerts()],
            products=self.catalog(),
            dead_letters=[message.body for message in self.dead_letter_queue.messages()],
            history_count=self.history_count(),
        )


_DESERIALIZER = TypeDeserializer()
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"})


def offline_aws(region: str) -> AbstractContextManager[None]:
    """Fake credentials and `region` in the environment, nothing pointing at a real account."""
    return environment_changed(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            # Recent botocore sends DynamoDB (Streams) calls to account-based endpoints,
            # which moto does not route.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        },
        removed=_REAL_AWS_VARIABLES,
    )


@contextmanager
def local_stack(
    stack: str = "dev",
    *,
    allowed_hosts: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    start: datetime | None = None,
    log_stream: TextIO | None = None,
    record_invocations: bool = False,
) -> Iterator[LocalWorld]:
    """A provisioned local stack in moto, on a simulated clock starting at `start` (now).

    `allowed_hosts` become the stack's allowedHosts (how the scraper may reach a site on
    loopback); `overrides` replace stack config values (bare keys are price-monitor keys).
    The functions' output goes to `log_stream`. Raises ProvisioningError when the program
    cannot be provisioned.
    """
    clock = SimulatedClock(start)
    region = _stack_region(stack, overrides)
    with (
        offline_aws(region),
        mock_aws(),
        services_follow(clock),
        notifier_keeps_service_time(clock),
        scalable_queues(),
    ):
        local = provision(stack, allowed_hosts=allowed_hosts, overrides=overrides)
        runtime = LambdaRuntime(
            local.functions, region=local.region, record_invocations=record_invocations
        )
        if log_stream is not None:
            runtime.log_stream = log_stream
        runtime.reset_containers()
        world = _world(local, clock, runtime)
        try:
            with lambda_invocations(runtime, world.invocation_lock):
                yield world
        finally:
            runtime.reset_containers()


@contextmanager
def notifier_keeps_service_time(clock: SimulatedClock) -> Iterator[None]:
    """The notifier's "now" is the simulated clock while the block runs.

    The one handler clock the simulated one drives: the notifier puts its later work (a
    delivery deferred to the end of quiet hours, a digest due at midnight) on its queue as
    SQS delays, which follow the simulated clock; read against the real one, such a job
    would always come back early and be put back for ever. (Its logged latency is then
    measured in simulated time; the demo measures latency at the receiver, in real time.)
    """
    import handlers.notifier as notifier  # functions/ is on the path, as for the runtime

    real = notifier.current_time
    notifier.current_time = clock.now
    try:
        yield
    finally:
        notifier.current_time = real


def _stack_region(stack: str, overrides: Mapping[str, Any] | None) -> str:
    # Read as provision() reads it, so the handlers' clients and the stack share a region.
    try:
        return stack_config(stack, overrides).get("aws:region", "") or "us-east-1"
    except FileNotFoundError:
        return "us-east-1"  # provision() reports the missing stack file


def _world(local: LocalStack, clock: SimulatedClock, runtime: LambdaRuntime) -> LocalWorld:
    for schedule in local.schedules:
        rate_seconds(schedule.expression)  # what the loop cannot fire is refused now
    region = local.region
    sqs = boto3.client("sqs", region_name=region, config=_CONFIG)
    sns = boto3.client("sns", region_name=region, config=_CONFIG)
    dynamodb = boto3.client("dynamodb", region_name=region, config=_CONFIG)
    streams = boto3.client("dynamodbstreams", region_name=region, config=_CONFIG)
    queue_sources = [
        SqsEventSource(mapping, Queue(sqs, mapping.queue_url), runtime, clock)
        for mapping in local.queue_mappings
    ]
    world = LocalWorld(
        stack=local,
        clock=clock,
        runtime=runtime,
        scheduler=Scheduler(sqs),
        inbox=Inbox.subscribe(sqs, sns, list(local.topics.values()), INBOX_QUEUE_NAME),
        dead_letter_queue=Queue(sqs, local.outputs["scrape_dlq_url"]),
        queue_sources=queue_sources,
        stream_sources=[],
        dynamodb=dynamodb,
    )
    world.stream_sources = [
        StreamEventSource(
            mapping,
            StreamReader(streams, mapping.stream_arn, region, mapping.starting_position),
            runtime,
            clock,
            None
            if mapping.on_failure_queue_url is None
            else Queue(sqs, mapping.on_failure_queue_url),
            on_record=world.observe_record,
        )
        for mapping in local.stream_mappings
    ]
    return world
