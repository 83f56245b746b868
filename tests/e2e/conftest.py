"""The end-to-end tests' set-up: the local stack (the Pulumi program in moto, the event loop)
and the local retailer site, one of each per test module.

`running_stack(site)` provisions the dev stack with the site as an allowed host, imports the
site's sample catalog (plus any extra rows) and yields an `EndToEnd`, whose `run_cycle(n)`
moves the site to its cycle n and runs one cycle of the service, keeping what the cycle
delivered and invoked. Its `faults` (local_stack/faults.py) inject faults into the
functions' AWS calls; `account(cycle)` says what a run kept and said (`RunAccount`), and
`redrive_stream_failures()` is the operator's `pricemon dlq redrive` of the detector's
failed stream batches.
"""

from __future__ import annotations

import io
import json
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from contracts.catalog import ScrapeStatus
from local_stack.faults import FaultInjector, injecting
from local_stack.lambda_runtime import Invocation
from local_stack.report import CycleReport
from local_stack.retailer_site import RetailerSite, expected
from local_stack.runner import LocalWorld, local_stack
from local_stack.services.sns_inbox import Delivery
from pricemon.app import main as pricemon
from pricemon.catalog_file import CatalogRow, import_catalog
from pricemon.target import Stack


@dataclass
class Cycle:
    """One cycle of the service: its accounting, and what it delivered and invoked."""

    site_cycle: int
    report: CycleReport
    notifications: list[Delivery]
    invocations: list[Invocation]
    simulated: timedelta  # from the schedule's fire until the stack was idle

    def alerts(self) -> Counter[tuple[str, str]]:
        """(kind, product_id) of each notification delivered, with how many times."""
        return Counter(
            (delivery.json()["kind"], delivery.json()["product_id"])
            for delivery in self.notifications
        )

    def invocations_of(self, function: str) -> list[Invocation]:
        return [invocation for invocation in self.invocations if invocation.function == function]


@dataclass
class EndToEnd:
    """The service on the local stack, with the local retailer site as its retailers."""

    world: LocalWorld
    site: RetailerSite
    faults: FaultInjector
    cycles: list[Cycle] = field(default_factory=list)

    @property
    def scraper(self) -> str:
        return self.world.stack.outputs["scraper_function"]

    @property
    def detector(self) -> str:
        return self.world.stack.outputs["detector_function"]

    def run_cycle(self, site_cycle: int, before: Callable[[datetime], None] | None = None) -> Cycle:
        """Show the site's cycle `site_cycle`, then run one cycle at the next scheduled time;
        `before(scheduled)` runs first."""
        self.site.set_cycle(site_cycle)
        delivered = len(self.world.notifications())
        invoked = len(self.world.runtime.invocations)
        scheduled = self.world.next_scheduled_time()
        if before is not None:
            before(scheduled)
        report = self.world.run_cycle(scheduled)
        cycle = Cycle(
            site_cycle,
            report,
            self.world.notifications()[delivered:],
            self.world.runtime.invocations[invoked:],
            self.world.clock.now() - scheduled,
        )
        self.cycles.append(cycle)
        return cycle

    def item(self, product_id: str) -> dict[str, Any]:
        (item,) = [item for item in self.world.catalog() if item["product_id"] == product_id]
        return item

    def history(self, product_id: str) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb", region_name=self.world.stack.region).Table(
            self.world.stack.outputs["prices_table"]
        )
        return table.query(
            KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product_id}
        )["Items"]

    def path(self, product_id: str) -> str:
        return "/" + self.site.url(product_id).split("/", 3)[3]

    def redrive_stream_failures(self) -> str:
        """`pricemon dlq redrive` of the detector's failed stream batches, then the stack
        runs until idle (what the redrive replays is delivered); the command's output."""
        out, err = io.StringIO(), io.StringIO()
        stack = Stack(self.world.stack.outputs, self.world.stack.region, description="local")
        code = pricemon(list(STREAM_REDRIVE), out=out, err=err, stack=stack)
        assert code == 0, f"pricemon {' '.join(STREAM_REDRIVE)}: {code}: {err.getvalue()}"
        self.world.run_until_idle()
        self.world.inbox.collect()
        return out.getvalue()

    def account(self, cycle: Cycle) -> RunAccount:
        """What `cycle`'s run kept and said, from the stack's state now (see RunAccount)."""
        run_id = cycle.report.run_id
        history = {
            (str(row["product_id"]), int(row["timestamp"])) for row in self._history_rows(run_id)
        }
        copies = self._archive_lines(run_id)
        lines = [key for key, _ in copies]
        observed = {product_id for product_id, _ in history}
        stateless = [
            str(item["product_id"])
            for item in self.world.catalog()
            if item.get("last_run_id") == run_id
            and item.get("last_status") == ScrapeStatus.OK
            and item["product_id"] not in observed
        ]
        said = [
            delivery.json()
            for delivery in self.world.notifications()
            if delivery.json().get("run_id") == run_id
        ]
        delivered = Counter((body["kind"], body["product_id"]) for body in said)
        due = expected_alerts(cycle.site_cycle)
        return RunAccount(
            run_id=run_id,
            lost=tuple(sorted({*cycle.report.unaccounted, *stateless})),
            observed=len(observed),
            observations=len(history),
            archive_lines=len(lines),
            archive_distinct=len(set(lines)),
            archive_unmatched=len(set(lines) ^ history),
            archive_conflicting=len(set(copies)) - len(set(lines)),
            duplicates=sum(count - 1 for count in delivered.values() if count > 1),
            false=tuple(sorted(set(delivered) - set(due))),
            missing=tuple(sorted(set(due) - set(delivered))),
            dedup_keys=len({body.get("dedup_key") for body in said}),
        )

    def _history_rows(self, run_id: str) -> list[dict[str, Any]]:
        pages = self.world.dynamodb.get_paginator("scan").paginate(
            TableName=self.world.stack.outputs["prices_table"],
            FilterExpression="run_id = :run",
            ExpressionAttributeValues={":run": {"S": run_id}},
            ConsistentRead=True,
        )
        return [
            {"product_id": row["product_id"]["S"], "timestamp": row["timestamp"]["N"]}
            for page in pages
            for row in page["Items"]
        ]

    def _archive_lines(self, run_id: str) -> list[tuple[tuple[str, int], str]]:
        """Every archive line of the run, repeats included: its observation's key
        (product_id, timestamp: the history row's, which `observation_id` names) and its
        text, so that copies that differ from each other show."""
        s3 = boto3.client("s3", region_name=self.world.stack.region)
        bucket = self.world.stack.outputs["archive_bucket"]
        lines = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read().decode()
                for line in body.splitlines():
                    record = json.loads(line)
                    if record["run_id"] == run_id:
                        key = (record["product_id"], int(record["timestamp"]))
                        assert record["observation_id"] == f"{key[0]}#{key[1]}", record
                        lines.append((key, line))
        return lines


# The operator's redrive of the detector's failed stream batches (`pricemon dlq`).
STREAM_REDRIVE = ("dlq", "redrive", "--all")


@dataclass(frozen=True)
class RunAccount:
    """What a run kept and said: the figures every fault must leave as `survived` says.

    lost: active products of the run neither observed (a history row of the run) nor
    recorded as an error/blocked on their item for it nor dead-lettered; an item whose
    latest state says ok for the run without a history row counts as lost too.
    observations: history rows of the run; archive lines: lines of the run in S3, all and
    distinct by `observation_id`; archive_unmatched: observations in history or in the
    archive, not both; archive_conflicting: repeated lines that differ from their first copy.
    The archive is at least once (docs/architecture.md "Writes per scraped product"): a
    redelivered batch writes its recorded observations again, so a fault may leave
    identical copies, which `observation_id` makes detectable; so "archive lines =
    observations" holds for distinct lines, and copies must be byte-identical.
    duplicates/false/missing: notifications of the run against the site's story
    (`expected_alerts`), by (kind, product_id); dedup_keys: distinct keys delivered.
    """

    run_id: str
    lost: tuple[str, ...]
    observed: int
    observations: int
    archive_lines: int
    archive_distinct: int
    archive_unmatched: int
    archive_conflicting: int
    duplicates: int
    false: tuple[tuple[str, str], ...]
    missing: tuple[tuple[str, str], ...]
    dedup_keys: int

    def figures(self) -> dict[str, Any]:
        return {
            "products lost": self.lost,
            "products observed": self.observed,
            "distinct archive lines": self.archive_distinct,
            "observations not in both history and archive": self.archive_unmatched,
            "archive copies that differ": self.archive_conflicting,
            "duplicate notifications": self.duplicates,
            "false notifications": self.false,
            "missing notifications": self.missing,
        }

    def survived(self, *, observed: int, duplicates: int = 0) -> dict[str, Any]:
        """The figures of a run that survived its fault: nothing lost, the archive holds
        each observation once, each due notification delivered (`duplicates` extra)."""
        return {
            "products lost": (),
            "products observed": observed,
            "distinct archive lines": self.observations,
            "observations not in both history and archive": 0,
            "archive copies that differ": 0,
            "duplicate notifications": duplicates,
            "false notifications": (),
            "missing notifications": (),
        }


def expected_alerts(site_cycle: int) -> Counter[tuple[str, str]]:
    """The notifications the site's story says cycle `site_cycle` must raise, once each."""
    return Counter(
        (kind, page.product_id) for page in expected(site_cycle).values() for kind in page.alerts
    )


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_stack(
    site: RetailerSite,
    *,
    extra_rows: Sequence[CatalogRow] = (),
    extra_hosts: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> Iterator[EndToEnd]:
    """The dev stack provisioned locally (its config with `overrides`), with the site's sample
    catalog (and `extra_rows`)."""
    with local_stack(
        "dev",
        allowed_hosts=[site.host_port, *extra_hosts],
        overrides=overrides,
        log_stream=io.StringIO(),
        record_invocations=True,
    ) as world:
        table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
            world.stack.outputs["products_table"]
        )
        import_catalog(table, [*site.sample_catalog(), *extra_rows])
        with injecting(world.runtime) as faults:
            yield EndToEnd(world, site, faults)


@pytest.fixture(scope="module")
def site() -> Iterator[RetailerSite]:
    with RetailerSite() as running:
        yield running
