"""The end-to-end tests' set-up: the local stack (the Pulumi program in moto, the event loop)
and the local retailer site, one of each per test module.

`running_stack(site)` provisions the dev stack with the site as an allowed host, imports the
site's sample catalog (plus any extra rows) and yields an `EndToEnd`, whose `run_cycle(n)`
moves the site to its cycle n and runs one cycle of the service, keeping what the cycle
delivered and invoked.
"""

from __future__ import annotations

import io
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from price_monitor.catalog_file import CatalogRow, import_catalog
from price_monitor.local.lambda_runtime import Invocation
from price_monitor.local.report import CycleReport
from price_monitor.local.retailer_site import RetailerSite, expected
from price_monitor.local.runner import LocalWorld, local_stack
from price_monitor.local.services import Delivery


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
) -> Iterator[EndToEnd]:
    """The dev stack provisioned locally, with the site's sample catalog (and `extra_rows`)."""
    with local_stack(
        "dev",
        allowed_hosts=[site.host_port, *extra_hosts],
        log_stream=io.StringIO(),
        record_invocations=True,
    ) as world:
        table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
            world.stack.outputs["products_table"]
        )
        import_catalog(table, [*site.sample_catalog(), *extra_rows])
        yield EndToEnd(world, site)


@pytest.fixture(scope="module")
def site() -> Iterator[RetailerSite]:
    with RetailerSite() as running:
        yield running
