"""The local stack kept running, for `pricemon` to operate like a deployed one.

`python -m local_stack serve` provisions the stack into moto as `demo` does, then
also serves moto's AWS API on 127.0.0.1 (moto's own server, sharing the same in-memory
services) and writes the outputs file that `pricemon --local` reads: the stack outputs,
the region and the endpoint URL. The local retailer site runs alongside, and its sample
catalog is written next to the outputs file, ready for `pricemon --local catalog import`.

Then the event loop runs until interrupted, as AWS would between the operator's commands:
every message `pricemon run` or `dlq redrive` puts on the scrape queue is delivered to the
scraper, stream records to the detector, notifications to the inbox (and printed). The
schedule is not fired: runs start when the operator asks. Each new run moves the retailer
site to its next cycle of prices, so successive runs have something to notice. As in
`run_cycle`, delayed messages take no real time: when only delayed or in-flight messages
remain, the simulated clock jumps to the next one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack.runner import LocalWorld

# Seconds the loop waits for new work when every queue is empty.
IDLE_WAIT_SECONDS = 0.2


@dataclass(frozen=True)
class Endpoint:
    """Where moto's AWS API is served."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def aws_endpoint(host: str = "127.0.0.1", port: int = 0) -> Iterator[Endpoint]:
    """moto's server on `host:port` (0: any free port), over the services already mocked."""
    # Imported here: the server (Flask) is only needed by `serve`.
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    try:
        bound_host, bound_port = server.get_host_and_port()
        yield Endpoint(bound_host, bound_port)
    finally:
        server.stop()


def write_outputs_file(path: Path, world: LocalWorld, endpoint: Endpoint) -> None:
    """The file `pricemon --local` (or `--outputs PATH`) reads."""
    document = {
        "outputs": world.stack.outputs,
        "region": world.stack.region,
        "endpoint_url": endpoint.url,
        "stack": world.stack.stack,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


class RunWatcher:
    """Calls `on_new_run(count)` when a new run record appears in the runs table."""

    def __init__(self, world: LocalWorld, on_new_run: Callable[[int], None]) -> None:
        self.world = world
        self.on_new_run = on_new_run
        self.seen = self._count()

    def check(self) -> None:
        count = self._count()
        if count > self.seen:
            self.seen = count
            self.on_new_run(count)

    def _count(self) -> int:
        pages = self.world.dynamodb.get_paginator("scan").paginate(
            TableName=self.world.stack.outputs["runs_table"], Select="COUNT"
        )
        return sum(page["Count"] for page in pages)


def serve_forever(
    world: LocalWorld,
    stop: threading.Event,
    *,
    after_step: Callable[[], Any] | None = None,
    idle_wait: float = IDLE_WAIT_SECONDS,
) -> None:
    """Deliver whatever arrives until `stop` is set (see the module docstring)."""
    while not stop.is_set():
        if world.step():
            if after_step is not None:
                after_step()
            continue
        wake = world.next_wake()
        if wake is None:
            stop.wait(idle_wait)
        else:
            world.clock.advance_to(wake)
