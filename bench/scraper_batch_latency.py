"""Benchmark 1: a scraper batch of 10 product jobs at page latency L, against sequential fetches.

On the local stack (the dev stack provisioned into moto), ten product jobs of one run, one
per retailer, go onto the scrape queue and the scraper's event source delivers them as one
SQS batch to the scraper handler, which reads the catalog, fetches the ten pages, extracts,
writes state and history and archives the batch. The pages come from a generated site on
127.0.0.1 that answers every product page after L ms. Side by side, in the same run, the
naive baseline fetches and extracts the same ten pages one after another with the same
functions (`fetch_page`, `extract_offer`) and settings, writing nothing.

A batch at L = 0 gives the batch's own overhead; the latency cost of a batch is its time
minus that overhead, in units of L: about 1 for concurrent fetches, 10 for sequential
ones. Target: a batch costs about L + overhead (latency cost at most 2 L), not 10 L.

    python -m bench.scraper_batch_latency [--smoke] [--latency-ms 50 200 800] [--repeat 3]
                                          [--json PATH]

Without --smoke the figures replace the `batch_latency` section of
bench/results/measurements.json (or of --json PATH).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import handlers.scraper  # noqa: F401  (see measure())
from bench.generated_site import GeneratedSite
from bench.measurements import RESULTS, write_section
from bench.payload_sizes import LogVolume
from bench.site_stack import (
    DEFAULT_STACK,
    function_names,
    memory_mb,
    scraper_event_source,
    stack_with_site,
)
from contracts.messages import RUN_ID_FORMAT, ProductJob, encode
from extraction import extract_offer
from fetching import RobotsPolicy, fetch_page
from local_stack.runner import LocalWorld
from monitor.scrape import ScrapeSettings

ROOT = Path(__file__).resolve().parents[1]

BATCH_SIZE = 10  # the scraper's SQS batch size in both stacks
LATENCIES_MS = (50, 200, 800)
SMOKE_LATENCIES_MS = (50,)
MAX_LATENCY_COST = 2.0  # target: a batch's latency cost at most this many L


class BenchmarkError(RuntimeError):
    """A batch did not do what it is measured doing (the figures would mean nothing)."""


@dataclass(frozen=True)
class BatchLatency:
    """Median wall seconds of one batch at one page latency (the measurements file's row)."""

    latency_ms: int
    batch_size: int
    concurrent_seconds: float
    sequential_seconds: float


def measure(latencies_ms: list[int], repeat: int) -> tuple[list[BatchLatency], dict[str, int]]:
    """The overhead row (L = 0) then one row per latency; and the functions' memory sizes."""
    site = GeneratedSite(products=BATCH_SIZE, retailers=BATCH_SIZE)
    with site, stack_with_site(site, LogVolume()) as world:
        environment = world.stack.function(function_names(world)["scraper"]).environment
        settings = ScrapeSettings.from_environment(environment)
        # A warm container, as for most batches of a run. (The handler module is imported
        # up front: the local runtime finds the function's logger on it to send its logs to
        # the log stream, and monitor.scrape's import above has created that logger.)
        run_ids = _run_ids()
        concurrent_batch(world, site, next(run_ids))
        rows = []
        for latency_ms in [0, *latencies_ms]:
            site.latency_seconds = latency_ms / 1000
            concurrent = [concurrent_batch(world, site, next(run_ids)) for _ in range(repeat)]
            sequential = [sequential_batch(site, settings) for _ in range(repeat)]
            rows.append(
                BatchLatency(
                    latency_ms,
                    BATCH_SIZE,
                    round(statistics.median(concurrent), 4),
                    round(statistics.median(sequential), 4),
                )
            )
        return rows, memory_mb(world)


def _run_ids() -> Iterator[str]:
    """A new run for every batch, each a second after the last: run ids are scheduled times,
    and a product's latest state only moves forward from one run to a later one."""
    first = datetime(2026, 1, 1, tzinfo=UTC)
    for second in itertools.count():
        yield (first + timedelta(seconds=second)).strftime(RUN_ID_FORMAT)


def concurrent_batch(world: LocalWorld, site: GeneratedSite, run_id: str) -> float:
    """Wall seconds of the scraper invocation for one batch of every product of the site."""
    source = scraper_event_source(world)
    for product in site.products:
        source.queue.send(encode(ProductJob(run_id, product.product_id, product.retailer)))
    served = site.pages_served
    invocation = source.poll()
    if invocation is None or len(invocation.event["Records"]) != len(site.products):
        raise BenchmarkError(f"run {run_id}: the event source did not deliver one full batch")
    if not invocation.ok or invocation.response.get("batchItemFailures"):
        raise BenchmarkError(f"run {run_id}: the batch failed: {invocation.error}")
    if site.pages_served - served != len(site.products):
        raise BenchmarkError(f"run {run_id}: {site.pages_served - served} pages fetched")
    return invocation.duration_seconds


def sequential_batch(site: GeneratedSite, settings: ScrapeSettings) -> float:
    """Wall seconds of fetching and extracting every page of the site, one after another."""
    robots = RobotsPolicy()  # one per run, as the scraper keeps it
    started = time.perf_counter()
    for product in site.products:
        page = fetch_page(
            site.url(product),
            allowed_hosts=settings.allowed_hosts,
            timeout=settings.fetch_timeout_seconds,
            max_bytes=settings.max_page_bytes,
            contact_url=settings.contact_url or None,
            robots=robots,
        )
        offer = extract_offer(page.text, page.url)
        if offer is None or offer.price != product.price(site.cycle):
            raise BenchmarkError(f"{product.product_id}: extracted {offer} from its page")
    return time.perf_counter() - started


def latency_cost(seconds: float, overhead: float, latency_ms: int) -> float:
    """A batch's time beyond its overhead, in units of the page latency."""
    return (seconds - overhead) / (latency_ms / 1000)


def report(rows: list[BatchLatency], repeat: int) -> list[str]:
    """The table and one target line per latency."""
    overhead, *measured = rows
    lines = [
        f"Scraper batch latency: {BATCH_SIZE} product jobs of {BATCH_SIZE} retailers, "
        f"median of {repeat}",
        f"{'L (ms)':>7} | {'concurrent (s)':>14} | {'cost / L':>8} | "
        f"{'sequential (s)':>14} | {'cost / L':>8} | {'speed-up':>8}",
        f"{0:>7} | {overhead.concurrent_seconds:>14.3f} | {'overhead':>8} | "
        f"{overhead.sequential_seconds:>14.3f} | {'overhead':>8} | {'':>8}",
    ]
    targets = []
    for row in measured:
        ours = latency_cost(row.concurrent_seconds, overhead.concurrent_seconds, row.latency_ms)
        naive = latency_cost(row.sequential_seconds, overhead.sequential_seconds, row.latency_ms)
        lines.append(
            f"{row.latency_ms:>7} | {row.concurrent_seconds:>14.3f} | {ours:>8.2f} | "
            f"{row.sequential_seconds:>14.3f} | {naive:>8.2f} | "
            f"{row.sequential_seconds / row.concurrent_seconds:>7.1f}x"
        )
        verdict = "target met" if ours <= MAX_LATENCY_COST else "TARGET MISSED"
        targets.append(
            f"L = {row.latency_ms} ms: batch = overhead + {ours:.2f} L "
            f"(target <= {MAX_LATENCY_COST:g} L; sequential {naive:.2f} L): {verdict}"
        )
    return [*lines, "", *targets]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one latency, one repetition")
    parser.add_argument("--latency-ms", type=int, nargs="+", help="page latencies to measure")
    parser.add_argument("--repeat", type=int, help="batches per latency (median)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    latencies = args.latency_ms or list(SMOKE_LATENCIES_MS if args.smoke else LATENCIES_MS)
    repeat = args.repeat or (1 if args.smoke else 3)
    if any(latency <= 0 for latency in latencies) or repeat < 1:
        parser.error("latencies and --repeat must be positive")

    rows, memory = measure(latencies, repeat)
    print("\n".join(report(rows, repeat)))
    target = args.json or (None if args.smoke else RESULTS)
    if target is not None:
        figures = [asdict(row) for row in rows[1:]]
        write_section(target, "batch_latency", figures, stack=DEFAULT_STACK, memory_mb=memory)
        print(f"\nwritten to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
