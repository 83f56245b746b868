"""What survives what: faults injected into the functions' AWS calls on the local stack.

Each fault is injected (local_stack/faults.py) into one cycle of the service over
the local retailer site, after a clean first cycle, and each test asserts the run's five
figures (conftest.RunAccount): products lost = 0, archive lines = observations recorded
(each once), duplicate notifications = 0 (or the documented window, exactly), false
notifications = 0, missing notifications = 0 (after the operator's redrive where the fault
outlasts the retries). README.md "What survives what" is the table of these outcomes.

Faults that do not disturb one another share a stack, one per cycle; each stack is its own
module fixture. Everything is deterministic: rules count calls, concurrency is re-entrancy
(a second invocation run inside the first's chosen AWS call), and waits take no real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from conftest import Cycle, EndToEnd, RunAccount, expected_alerts, running_stack

from local_stack.faults import (
    Calls,
    Rule,
    Selector,
    calls,
    crash_after,
    crash_before,
    deliver_again,
    every_call,
    every_nth_attempt,
    fail,
    first_attempts,
    meanwhile,
    nothing_processed,
    nth_call,
    throttle,
)
from local_stack.retailer_site import FLAKY, OFFER, PRODUCTS, RetailerSite

# Active products whose page shows an offer: what every run must observe.
OFFERING = frozenset(p.product_id for p in PRODUCTS if p.active and p.page in (OFFER, FLAKY))
OBSERVED = len(OFFERING)
# The documented duplicate window: a detector that dies after Publish and before its
# idempotency record is completed publishes that notification again once the record's
# in-progress lock lapses (with the same dedup_key). One killed publish: one duplicate.
ONE_KILLED_PUBLISH = 1


@dataclass
class Faulted:
    """One cycle run under a fault: the cycle, the run's account, the rules' hit counts."""

    cycle: Cycle
    account: RunAccount
    fired: list[int]
    before_redrive: RunAccount | None = None
    redrive_error: str | None = None


Plan = Callable[[EndToEnd, datetime], list[Rule]]


def run_faulted(
    service: EndToEnd, site_cycle: int, plan: Plan, *, redrive: bool = False
) -> Faulted:
    """Run site cycle `site_cycle` with the rules `plan` makes in force; then, if asked, lift
    them and redrive the detector's failed stream batches (after the detector's timeout, so
    a killed invocation's in-progress lock has lapsed, as it has when an operator acts)."""
    rules: list[Rule] = []

    def arm(scheduled: datetime) -> None:
        rules.extend(service.faults.add(rule) for rule in plan(service, scheduled))

    try:
        cycle = service.run_cycle(site_cycle, before=arm)
    finally:
        for rule in rules:
            service.faults.rules.remove(rule)
    faulted = Faulted(cycle, service.account(cycle), [rule.fired for rule in rules])
    if redrive:
        faulted.before_redrive = faulted.account
        service.faults.let_time_pass(detector_timeout(service))
        try:
            service.redrive_stream_failures()
        except AssertionError as error:  # reported by the test that needs the redrive
            faulted.redrive_error = str(error)
        faulted.account = service.account(cycle)
    return faulted


def faulted_cycles(
    site: RetailerSite, faults: dict[str, Plan], *, redrive: tuple[str, ...] = ()
) -> Iterator[dict[str, Faulted]]:
    """A stack of its own: cycle 0 clean, then one site cycle per fault, in order (each
    with its plan's rules in force; the names in `redrive` followed by a redrive)."""
    with running_stack(site) as service:
        service.run_cycle(0)
        yield {
            name: run_faulted(service, cycle, plan, redrive=name in redrive)
            for cycle, (name, plan) in enumerate(faults.items(), start=1)
        }


def detector_timeout(service: EndToEnd) -> int:
    return service.world.runtime.function(service.detector).timeout_seconds


def output(service: EndToEnd, name: str) -> str:
    return service.world.stack.outputs[name]


def idempotency_table(service: EndToEnd) -> str:
    return service.world.runtime.function(service.detector).environment["IDEMPOTENCY_TABLE"]


def observed_product(call) -> bool:
    return call.product_id in OFFERING


def on_scraper(service: EndToEnd, operation: str, resource: str, **kwargs) -> Calls:
    return Calls(service.scraper, operations=(operation,), resource=resource, **kwargs)


def single(watch: Calls, select: Selector, action) -> list[Rule]:
    return [Rule(watch, select, action)]


def assert_survived(faulted: Faulted, *, duplicates: int = 0) -> None:
    account = faulted.account
    assert faulted.redrive_error is None, faulted.redrive_error
    assert all(faulted.fired), f"a fault never happened: {faulted.fired}"
    assert account.figures() == account.survived(observed=OBSERVED, duplicates=duplicates)


# --- the scraper killed while recording ---------------------------------------------------


@pytest.fixture(scope="class")
def recording(site: RetailerSite) -> Iterator[dict[str, Faulted]]:
    """Cycle 0 clean; the scraper killed after its first history write (1), after its first
    latest-state write of an observation (2), before its first archive put (3)."""
    yield from faulted_cycles(
        site,
        {
            "after history": lambda s, _: single(
                on_scraper(s, "BatchWriteItem", output(s, "prices_table")),
                nth_call(1),
                crash_after(),
            ),
            "after state": lambda s, _: single(
                on_scraper(s, "UpdateItem", output(s, "products_table"), where=observed_product),
                nth_call(1),
                crash_after(),
            ),
            "before archive": lambda s, _: single(
                on_scraper(s, "PutObject", output(s, "archive_bucket")),
                nth_call(1),
                crash_before(),
            ),
        },
    )


class TestScraperKilledWhileRecording:
    def test_a_scraper_killed_after_the_history_write_loses_and_repeats_nothing(self, recording):
        assert_survived(recording["after history"])

    def test_a_scraper_killed_after_the_state_write_loses_and_repeats_nothing(self, recording):
        assert_survived(recording["after state"])

    def test_a_scraper_killed_before_the_archive_put_loses_and_repeats_nothing(self, recording):
        assert_survived(recording["before archive"])

    def test_a_killed_scraper_is_a_failed_invocation_whose_batch_comes_back(self, recording):
        for faulted in recording.values():
            scrapes = faulted.cycle.invocations_of(faulted.cycle.invocations[0].function)
            crashed = [invocation for invocation in scrapes if not invocation.ok]
            assert [invocation.error.error_type for invocation in crashed] == ["Runtime.ExitError"]
            (batch,) = [{r["messageId"] for r in crashed[0].event["Records"]}]
            again = [
                invocation
                for invocation in scrapes
                if invocation is not crashed[0]
                and batch & {r["messageId"] for r in invocation.event["Records"]}
            ]
            assert again, "the killed invocation's messages never came back"


# --- concurrency and the dispatcher -------------------------------------------------------


def fired_again(service: EndToEnd, scheduled: datetime) -> list[Rule]:
    """During the dispatcher's first SendMessageBatch, the schedule fires again and that
    message is handled at once (two dispatches of the run at the same time)."""

    def second_fire(call) -> None:
        service.world.fire(scheduled)
        service.world.queue_sources[0].poll()

    return single(
        on_scraper(service, "SendMessageBatch", output(service, "scrape_queue_url")),
        nth_call(1),
        meanwhile(second_fire),
    )


@pytest.fixture(scope="class")
def concurrency() -> Iterator[tuple[EndToEnd, dict[str, Faulted]]]:
    """The schedule fired twice concurrently (cycle 0), the same scrape batch delivered
    twice at once (1), the dispatcher killed after its first SendMessageBatch (2). A site
    of its own: its request counts are this stack's alone."""
    with RetailerSite() as site, running_stack(site) as service:
        outcomes = {"fired twice": run_faulted(service, 0, fired_again)}
        outcomes["delivered twice"] = run_faulted(
            service,
            1,
            lambda s, _: single(
                on_scraper(s, "UpdateItem", output(s, "products_table"), where=observed_product),
                nth_call(1),
                meanwhile(deliver_again(s.world.runtime)),
            ),
        )
        outcomes["dispatcher killed"] = run_faulted(
            service,
            2,
            lambda s, _: single(
                on_scraper(s, "SendMessageBatch", output(s, "scrape_queue_url")),
                nth_call(1),
                crash_after(),
            ),
        )
        yield service, outcomes


class TestConcurrencyAndTheDispatcher:
    def test_a_schedule_fired_twice_concurrently_dispatches_and_scrapes_once(self, concurrency):
        service, outcomes = concurrency
        faulted = outcomes["fired twice"]
        starts = [
            record
            for invocation in faulted.cycle.invocations_of(service.scraper)
            for record in invocation.event["Records"]
            if '"scrape_all_products"' in record["body"]
        ]

        assert len(starts) == 2
        assert_survived(faulted)
        for product_id in OFFERING - {p.product_id for p in PRODUCTS if p.page == FLAKY}:
            assert service.site.request_count(service.path(product_id), 0) == 1, product_id

    def test_a_batch_delivered_twice_concurrently_records_and_notifies_once(self, concurrency):
        assert_survived(concurrency[1]["delivered twice"])

    def test_a_dispatcher_killed_midway_loses_no_product(self, concurrency):
        faulted = concurrency[1]["dispatcher killed"]

        assert_survived(faulted)
        assert faulted.cycle.report.dead_lettered == 0


# --- DynamoDB throttling, and the detector killed after Publish -------------------------------


def throttling(service: EndToEnd, scheduled: datetime) -> list[Rule]:
    """Kettle's first latest-state write throttled past the SDK's retries (the write fails);
    every other history BatchWriteItem answered with nothing processed; and one DynamoDB
    attempt in three, of every function, throttled (the SDK retries it)."""
    products, prices = output(service, "products_table"), output(service, "prices_table")
    return [
        Rule(
            on_scraper(service, "UpdateItem", products, where=lambda c: c.product_id == "kettle"),
            nth_call(1),
            throttle(),
        ),
        Rule(on_scraper(service, "BatchWriteItem", prices), calls(1, 3, 5), nothing_processed()),
        Rule(Calls(service="dynamodb"), every_nth_attempt(3), throttle()),
    ]


def killed_after_publish(service: EndToEnd, scheduled: datetime) -> list[Rule]:
    return single(
        Calls(service.detector, operations=("Publish",)),
        nth_call(1),
        crash_after(deadline_passes=False),  # the stream retries at once, not after a timeout
    )


@pytest.fixture(scope="class")
def throttled(site: RetailerSite) -> Iterator[dict[str, Faulted]]:
    yield from faulted_cycles(
        site,
        {"throttling": throttling, "detector killed": killed_after_publish},
        redrive=("detector killed",),
    )


class TestThrottlingAndTheDetectorKilled:
    def test_dynamodb_throttling_on_some_calls_loses_and_repeats_nothing(self, throttled):
        assert_survived(throttled["throttling"])

    def test_a_detector_killed_after_publish_repeats_that_notification_once_same_dedup_key(
        self, throttled
    ):
        faulted = throttled["detector killed"]

        assert_survived(faulted, duplicates=ONE_KILLED_PUBLISH)
        # Every copy carries its event's dedup_key: one key per due notification.
        assert faulted.account.dedup_keys == len(expected_alerts(2))


# --- SNS failing ------------------------------------------------------------------------


def sns_transient(service: EndToEnd, scheduled: datetime) -> list[Rule]:
    """The first Publish fails every SDK attempt (the record fails, the stream retries it);
    the first attempt of every later Publish fails too (the SDK retries it)."""
    publish = Calls(service.detector, operations=("Publish",))
    return [
        Rule(publish, nth_call(1), fail("InternalError", 500)),
        Rule(publish, first_attempts(1), fail("InternalError", 500)),
    ]


def sns_denied(service: EndToEnd, scheduled: datetime) -> list[Rule]:
    """Every Publish of the cycle is denied (the topic's policy broken, then fixed)."""
    return single(
        Calls(service.detector, operations=("Publish",)),
        every_call(),
        fail("AuthorizationError", 403, "not authorized to perform SNS:Publish"),
    )


@pytest.fixture(scope="class")
def publishing(site: RetailerSite) -> Iterator[dict[str, Faulted]]:
    yield from faulted_cycles(
        site, {"transient": sns_transient, "persistent": sns_denied}, redrive=("persistent",)
    )


class TestSnsFailing:
    def test_sns_failing_transiently_delivers_each_notification_once(self, publishing):
        assert_survived(publishing["transient"])

    def test_sns_failing_for_a_whole_cycle_delivers_everything_once_after_the_redrive(
        self, publishing
    ):
        faulted = publishing["persistent"]

        assert faulted.before_redrive is not None
        assert faulted.before_redrive.missing == tuple(sorted(expected_alerts(2)))
        assert_survived(faulted)


# --- the idempotency store failing -----------------------------------------------------------


def idempotency_failing(operation: str) -> Plan:
    """Every SDK attempt of the detector's first `operation` on its idempotency table fails."""

    def plan(service: EndToEnd, scheduled: datetime) -> list[Rule]:
        return single(
            Calls(service.detector, operations=(operation,), resource=idempotency_table(service)),
            nth_call(1),
            fail("InternalServerError", 500),
        )

    return plan


@pytest.fixture(scope="class")
def idempotency(site: RetailerSite) -> Iterator[dict[str, Faulted]]:
    """The in-progress save (PutItem, before Publish) failing in cycle 1; the completion
    save (UpdateItem, after Publish) failing in cycle 2."""
    yield from faulted_cycles(
        site,
        {
            "in progress": idempotency_failing("PutItem"),
            "completion": idempotency_failing("UpdateItem"),
        },
        redrive=("completion",),
    )


class TestIdempotencyStoreFailing:
    def test_an_idempotency_save_failing_before_publish_loses_and_repeats_nothing(
        self, idempotency
    ):
        assert_survived(idempotency["in progress"])

    def test_an_idempotency_save_failing_after_publish_is_the_documented_window(self, idempotency):
        assert_survived(idempotency["completion"], duplicates=ONE_KILLED_PUBLISH)
