"""Fixtures shared by the `pricemon` tests: the dev stack provisioned into moto (the local
stack), the local retailer site, and `pricemon` run against the stack, counting the AWS
calls each command makes.

`pricemon_for(world)` runs commands as `pricemon ... COMMAND` does, through `app.main`, with
the stack's outputs and region and the local stack's simulated clock; each `Outcome` has the
exit code, stdout, stderr and the AWS operations called (e.g. "dynamodb.UpdateItem").
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from local_stack.retailer_site import RetailerSite
from local_stack.runner import LocalWorld, local_stack
from pricemon.app import main
from pricemon.catalog_file import CatalogRow, write_catalog
from pricemon.target import Stack


@dataclass(frozen=True)
class Outcome:
    """What one `pricemon` command did."""

    code: int
    out: str
    err: str
    calls: list[str]  # AWS operations, "service.Operation", in order

    def json(self) -> Any:
        return json.loads(self.out)

    def writes(self, service: str = "dynamodb") -> list[str]:
        """The calls to `service` that change something (not Get/Scan/Query/Describe/List)."""
        reads = ("Get", "Scan", "Query", "Describe", "List", "Receive", "BatchGet")
        return [
            call
            for call in self.calls
            if call.startswith(f"{service}.") and not call.split(".", 1)[1].startswith(reads)
        ]


@dataclass
class Pricemon:
    """`pricemon` against one provisioned stack."""

    world: LocalWorld
    calls: list[str] = field(default_factory=list)
    # "service.Operation" -> a function of the call's parameters giving AWS's answer in
    # place of the emulator's (e.g. a SendMessageBatch whose entries all fail), or None.
    answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)

    def stack(self) -> Stack:
        session = boto3.session.Session(region_name=self.world.stack.region)
        session.events.register("before-call", self._count)
        return Stack(
            self.world.stack.outputs,
            self.world.stack.region,
            description="the local stack",
            _session=session,
        )

    def __call__(self, *argv: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        self.calls = []
        code = main(list(argv), out=out, err=err, stack=self.stack(), clock=self.world.clock.now)
        # Time passes between commands. (moto shows a message made visible again, with
        # visibility timeout 0, only once its clock has moved past that instant.)
        self.world.clock.advance(1)
        return Outcome(code, out.getvalue(), err.getvalue(), self.calls)

    def _count(self, event_name: str, params: dict[str, Any], **_: Any) -> Any:
        _, service, operation = event_name.split(".", 2)
        call = f"{service}.{operation}"
        self.calls.append(call)
        answer = self.answers.get(call)
        if answer is None:
            return None
        # `params` is the serialised request: a JSON body (SQS, DynamoDB) holds the API
        # parameters; a query-protocol body (SNS) is already a dict of flattened ones.
        body = params.get("body") or b"{}"
        parsed = answer(body if isinstance(body, dict) else json.loads(body))
        if parsed is None:
            return None  # this time, the emulator answers
        # botocore takes a before-call handler's (response, parsed) as the call's answer.
        return AWSResponse("https://answered.invalid", 200, {}, None), parsed


@pytest.fixture
def world() -> Iterator[LocalWorld]:
    """The dev stack provisioned into moto, empty, for one test."""
    with local_stack("dev", log_stream=io.StringIO()) as provisioned:
        yield provisioned


@pytest.fixture
def pricemon(world: LocalWorld) -> Pricemon:
    return Pricemon(world)


@pytest.fixture
def pricemon_for() -> Callable[[LocalWorld], Pricemon]:
    """`pricemon` against a world a test (or a module fixture) provisioned itself."""
    return Pricemon


@pytest.fixture
def products_table(world: LocalWorld) -> Any:
    """The stack's products table (a boto3 Table)."""
    return table_of(world, "products_table")


@pytest.fixture
def runs_table(world: LocalWorld) -> Any:
    """The stack's runs table (a boto3 Table)."""
    return table_of(world, "runs_table")


def table_of(world: LocalWorld, output: str) -> Any:
    resource = boto3.resource("dynamodb", region_name=world.stack.region)
    return resource.Table(world.stack.outputs[output])


@pytest.fixture(scope="module")
def retailer_site() -> Iterator[RetailerSite]:
    """The local retailer site (four retailers on 127.0.0.1), for a module's tests."""
    with RetailerSite() as site:
        yield site


@pytest.fixture
def offline_url() -> str:
    """A product page on 127.0.0.1 where nothing listens: every fetch is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/kettle"


@pytest.fixture
def site_world(retailer_site: RetailerSite, offline_url: str) -> Iterator[LocalWorld]:
    """The dev stack allowed to fetch the retailer site (and `offline_url`), empty catalog."""
    offline_host = offline_url.split("/")[2]
    with local_stack(
        "dev",
        allowed_hosts=[retailer_site.host_port, offline_host],
        log_stream=io.StringIO(),
    ) as provisioned:
        yield provisioned


@pytest.fixture
def catalog_file(tmp_path: Path) -> Callable[..., Path]:
    """Writes a catalog CSV: `catalog_file(rows, extra_lines=(), name=...)`."""

    def write(
        rows: Sequence[CatalogRow], extra_lines: Sequence[str] = (), name: str = "catalog.csv"
    ) -> Path:
        path = tmp_path / name
        write_catalog(rows, path)
        if extra_lines:
            with path.open("a", encoding="utf-8", newline="") as stream:
                stream.writelines(f"{line}\r\n" for line in extra_lines)
        return path

    return write


@pytest.fixture
def generated_rows() -> Callable[[int], list[CatalogRow]]:
    """`generated_rows(count)`: that many valid products over seven retailers."""
    return _generated_rows


def _generated_rows(count: int) -> list[CatalogRow]:
    return [
        CatalogRow(
            product_id=f"p{number:05d}",
            retailer=f"shop-{number % 7}",
            url=f"https://shop-{number % 7}.example/items/{number}",
            name=f"Item {number}",
            drop_threshold_percent=None if number % 3 else Decimal(12),
            active=number % 50 != 0,
        )
        for number in range(count)
    ]


# --- status, history and report (appended for the view commands) ------------------------


@dataclass
class CycledStack:
    """The dev stack after cycles over the local retailer site, and `pricemon` against it."""

    world: LocalWorld
    site: RetailerSite
    pricemon: Pricemon


def cycled_stack(site: RetailerSite, cycles: int) -> Iterator[CycledStack]:
    """The dev stack with the site's sample catalog after `cycles` cycles of the service, the
    n-th showing the site's cycle n (its story: drops, a rise, out of stock and back, ...).

    A generator for module fixtures: `yield from cycled_stack(retailer_site, 2)`.
    """
    from pricemon.catalog_file import import_catalog

    with local_stack("dev", allowed_hosts=[site.host_port], log_stream=io.StringIO()) as world:
        import_catalog(table_of(world, "products_table"), site.sample_catalog())
        for site_cycle in range(cycles):
            site.set_cycle(site_cycle)
            world.run_cycle()
        yield CycledStack(world, site, Pricemon(world))


@pytest.fixture(scope="session")
def cycles_over() -> Callable[[RetailerSite, int], Iterator[CycledStack]]:
    """`cycled_stack`, for module fixtures: `yield from cycles_over(retailer_site, 2)`."""
    return cycled_stack


@pytest.fixture
def stack_table(world: LocalWorld) -> Callable[[str], Any]:
    """`stack_table("prices_table")`: the table a stack output names (a boto3 Table)."""
    return lambda output: table_of(world, output)


@pytest.fixture(scope="module")
def module_world() -> Iterator[LocalWorld]:
    """The dev stack provisioned into moto once for a module whose tests each write only
    their own items (never together with `world`: both would share moto's one backend)."""
    with local_stack("dev", log_stream=io.StringIO()) as provisioned:
        yield provisioned
