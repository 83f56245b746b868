"""Benchmarks 2 and 3: AWS calls, time and bytes per scraped product over full cycles.

For each catalog size N, on the local stack (the dev stack provisioned into moto, its
event loop playing Lambda's pollers, the stream and the schedule): a generated catalog of
N products across 50 retailers, served as JSON-LD pages from a generated site on
127.0.0.1 whose prices change every cycle (one in five drops 15 %, so the detector
publishes). Two scheduled cycles run; the second (every product already known, prices
changed, detector busy) is measured:

- every botocore call per `service:Operation`, split into calls made by the functions and
  calls made by the event loop playing AWS (bench/call_counter.py), per scraped product;
- DynamoDB items written, bytes per product (job message, archive, history row, catalog
  item, function logs) (bench/payload_sizes.py);
- invocations per function and their local wall time (pages are served at once here, so
  this is the functions' own work plus moto's), the cycle's wall seconds and seconds per
  product.

Per-product budgets (DESIGN.md "Budgets") are printed with their target and met/missed,
and a last table sets the sizes side by side to show the per-product figures stay flat.

    python -m bench.cycle_calls [--smoke] [--products 1000 5300 20000] [--retailers 50]
                                [--json PATH]

Without --smoke the figures replace the `cycles` section of
bench/results/measurements.json (or of --json PATH).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.call_counter import EVENT_LOOP, FUNCTION, HARNESS, CallCounter
from bench.generated_site import GeneratedSite
from bench.measurements import RESULTS, write_section
from bench.payload_sizes import LogVolume, PayloadMeter, dynamodb_item_bytes
from bench.site_stack import DEFAULT_STACK, function_names, memory_mb, stack_with_site
from local_stack.report import CycleReport
from local_stack.runner import LocalWorld

ROOT = Path(__file__).resolve().parents[1]

SIZES = (1000, 5300, 20000)
SMOKE_SIZES = (200,)
RETAILERS = 50
CYCLES = 2
PROGRESS_SECONDS = 15.0

SQS_SENDS = ("sqs:SendMessage", "sqs:SendMessageBatch")
DYNAMODB_WRITES = tuple(
    f"dynamodb:{operation}"
    for operation in (
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
    )
)
S3_PUTS = ("s3:PutObject",)
PUT_METRIC_DATA = ("cloudwatch:PutMetricData",)


class BenchmarkError(RuntimeError):
    """A measured cycle did not do its work (the figures would mean nothing)."""


@dataclass(frozen=True)
class Budget:
    """A per-product limit on the functions' calls (or, with `items`, on items written)."""

    label: str
    operations: tuple[str, ...]
    limit: float | None  # None: shown for reading the others (and the cost), no target
    items: bool = False

    def value(self, cycle: Mapping[str, Any], role: str | None = None) -> float:
        """Per scraped product, for all functions or for the function of `role`."""
        if self.items:
            if role is None:
                return cycle["dynamodb_write_items_per_product"]
            return cycle["dynamodb_write_items_per_product_by_function"][role]
        if role is None:
            per_product = cycle["per_product"]
        else:
            calls = cycle["function_calls_by_function"][role]
            per_product = {name: count / cycle["products"] for name, count in calls.items()}
        return sum(per_product.get(operation, 0.0) for operation in self.operations)

    def line(self, cycle: Mapping[str, Any]) -> str:
        value = self.value(cycle)
        split = ", ".join(
            f"{role} {self.value(cycle, role):.4f}" for role in cycle["function_calls_by_function"]
        )
        if self.limit is None:
            return f"  {self.label:<32} {value:>8.4f} per product ({split}); no target"
        verdict = "target met" if value <= self.limit else "TARGET MISSED"
        return (
            f"  {self.label:<32} {value:>8.4f} per product ({split}); "
            f"target <= {self.limit:g}: {verdict}"
        )


BUDGETS = (
    Budget("SQS send calls", SQS_SENDS, 0.1),
    Budget("DynamoDB write calls", DYNAMODB_WRITES, 2.0),
    # The budget counts write calls, as the issue counts every call, at the botocore level.
    # Items written (a BatchWriteItem of 10 rows is 10) are what write units bill: shown
    # beside it, and priced by the cost model.
    Budget("DynamoDB items written", DYNAMODB_WRITES, None, items=True),
    Budget("S3 puts", S3_PUTS, 0.1),
    Budget("CloudWatch PutMetricData calls", PUT_METRIC_DATA, 0.0),
)


@dataclass(frozen=True)
class SizeRun:
    """One catalog size's measured cycle, and what the run says about its stack."""

    figures: dict[str, Any]  # the measurements file's entry
    memory_mb: dict[str, int]  # each function's declared memory
    harness_calls: int  # calls neither a function nor the event loop made (not in figures)


def measure_size(products: int, retailers: int, cycles: int = CYCLES) -> SizeRun:
    """Run `cycles` cycles of a generated catalog; the last one's figures."""
    site = GeneratedSite(products, min(retailers, products))
    logs = LogVolume()
    counter = CallCounter()
    with site, stack_with_site(site, logs) as world, counter.installed():
        meter = PayloadMeter(prices_table=world.stack.outputs["prices_table"])
        counter.listeners.append(meter)
        world.on_progress = _progress_printer()
        for cycle in range(cycles):
            site.set_cycle(cycle)
            if cycle == cycles - 1:
                counter.start()
                logs_before = logs.bytes
            report = world.run_cycle()
            counter.stop()
            print(
                f"  N = {products:,}: cycle {cycle + 1}/{cycles} {report.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        _check(report, products, expected_notifications=site.drops(cycles - 1))
        figures = cycle_figures(
            report,
            retailers=site.retailers,
            cycles=cycles,
            counter=counter,
            meter=meter,
            roles={name: role for role, name in function_names(world).items()},
            product_item_bytes=_mean_product_item_bytes(world),
            log_bytes=logs.bytes - logs_before,
        )
        return SizeRun(figures, memory_mb(world), sum(counter.counts[HARNESS].values()))


def _check(report: CycleReport, products: int, expected_notifications: int) -> None:
    if report.products != products or report.scraped != products:
        raise BenchmarkError(
            f"{products} products: the cycle scraped {report.scraped} of {report.products} "
            f"({report.failed} failed, {report.blocked} blocked, "
            f"{report.dead_lettered} dead-lettered)"
        )
    if report.notifications != expected_notifications:
        raise BenchmarkError(
            f"{products} products: {report.notifications} notifications, "
            f"{expected_notifications} price drops on the site"
        )


def cycle_figures(
    report: CycleReport,
    *,
    retailers: int,
    cycles: int,
    counter: CallCounter,
    meter: PayloadMeter,
    roles: Mapping[str, str],
    product_item_bytes: float,
    log_bytes: int,
) -> dict[str, Any]:
    """The measurements file's entry for one measured cycle."""
    scraped = report.scraped
    function_calls = dict(sorted(counter.counts[FUNCTION].items()))
    by_function = {
        role: dict(sorted(counter.by_function[name].items())) for name, role in roles.items()
    }
    durations: dict[str, list[float]] = {role: [] for role in roles.values()}
    for invocation in counter.invocations:
        durations[roles[invocation.function]].append(invocation.seconds * 1000)
    return {
        "products": report.products,
        "retailers": retailers,
        "cycles_run": cycles,
        "wall_seconds": round(report.seconds, 2),
        "seconds_per_product": round(report.seconds / scraped, 5),
        "function_calls": function_calls,
        "event_loop_calls": dict(sorted(counter.counts[EVENT_LOOP].items())),
        "per_product": {name: round(count / scraped, 4) for name, count in function_calls.items()},
        "dynamodb_write_items_per_product": round(meter.dynamodb_write_items / scraped, 4),
        # Beyond the contract's keys: the same figures per function, for reading the budgets.
        "function_calls_by_function": by_function,
        "dynamodb_write_items_per_product_by_function": {
            role: round(meter.write_items_by_function[name] / scraped, 4)
            for name, role in roles.items()
        },
        "dynamodb_write_items_per_product_by_operation": {
            operation: round(items / scraped, 4)
            for operation, items in sorted(meter.write_items_by_operation.items())
            if items
        },
        "history_rows_per_product": round(meter.history_items / scraped, 4),
        "invocations": {role: len(times) for role, times in durations.items()},
        "invocation_ms": {role: _distribution(times) for role, times in durations.items()},
        "bytes_per_product": {
            "sqs_job_message": _mean(meter.job_message_bytes, meter.job_messages),
            "s3_archive": _mean(meter.archive_bytes, scraped),
            "history_item": _mean(meter.history_item_bytes, meter.history_items),
            "product_item": round(product_item_bytes),
            "function_logs": _mean(log_bytes, scraped),
        },
        "notifications": report.notifications,
    }


def _mean(total: int, count: int) -> int:
    return round(total / count) if count else 0


def _distribution(milliseconds: Sequence[float]) -> dict[str, float]:
    if not milliseconds:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0}
    ordered = sorted(milliseconds)
    return {
        "mean": round(statistics.fmean(ordered), 1),
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
    }


def _mean_product_item_bytes(world: LocalWorld) -> float:
    pages = world.dynamodb.get_paginator("scan").paginate(
        TableName=world.stack.outputs["products_table"]
    )
    sizes = [dynamodb_item_bytes(item) for page in pages for item in page["Items"]]
    return statistics.fmean(sizes) if sizes else 0.0


def _progress_printer() -> Callable[[int, int], None]:
    """Progress of a long cycle on stderr, every PROGRESS_SECONDS at most."""
    last = [time.monotonic()]

    def progress(observed: int, total: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_SECONDS:
            last[0] = time.monotonic()
            print(f"    {observed:,}/{total:,} products observed", file=sys.stderr, flush=True)

    return progress


def size_report(cycle: Mapping[str, Any]) -> list[str]:
    """One catalog size: every operation's calls, then the budget lines."""
    products = cycle["products"]
    functions: Mapping[str, int] = cycle["function_calls"]
    loop: Mapping[str, int] = cycle["event_loop_calls"]
    lines = [
        f"N = {products:,} products, {cycle['retailers']} retailers: cycle "
        f"{cycle['cycles_run']} of {cycle['cycles_run']} measured, "
        f"{cycle['wall_seconds']:.1f} s wall, {cycle['seconds_per_product'] * 1000:.2f} ms "
        f"per product, {cycle['notifications']:,} notifications",
        f"  {'operation':<34} | {'function calls':>14} | {'per product':>11} | "
        f"{'event loop calls':>16} | {'per product':>11}",
    ]
    for name in sorted(set(functions) | set(loop)):
        lines.append(
            f"  {name:<34} | {functions.get(name, 0):>14,} | "
            f"{functions.get(name, 0) / products:>11.4f} | {loop.get(name, 0):>16,} | "
            f"{loop.get(name, 0) / products:>11.4f}"
        )
    invocations, timings = cycle["invocations"], cycle["invocation_ms"]
    for role, count in invocations.items():
        timing = timings[role]
        lines.append(
            f"  {role} invocations: {count:,} ({count / products:.3f} per product), local wall "
            f"ms mean {timing['mean']:.1f}, p50 {timing['p50']:.1f}, p90 {timing['p90']:.1f}"
        )
    sizes = ", ".join(f"{key} {value:,}" for key, value in cycle["bytes_per_product"].items())
    lines.append(f"  bytes per product: {sizes}")
    lines.append("  budgets per scraped product (the functions' calls):")
    lines.extend(budget.line(cycle) for budget in BUDGETS)
    return lines


def growth_report(cycles: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sizes side by side: per-product time and calls as the catalog grows."""
    lines = [
        "Per product as the catalog grows (measured cycle):",
        f"  {'products':>9} | {'wall s':>8} | {'ms/product':>10} | {'fn calls':>8} | "
        f"{'loop calls':>10} | {'SQS sends':>9} | {'DDB writes':>10} | {'DDB items':>9} | "
        f"{'S3 puts':>7} | {'invocations':>11}",
    ]
    for cycle in cycles:
        products = cycle["products"]
        loop_calls = sum(cycle["event_loop_calls"].values())
        lines.append(
            f"  {products:>9,} | {cycle['wall_seconds']:>8.1f} | "
            f"{cycle['seconds_per_product'] * 1000:>10.2f} | "
            f"{sum(cycle['per_product'].values()):>8.3f} | {loop_calls / products:>10.3f} | "
            f"{BUDGETS[0].value(cycle):>9.4f} | {BUDGETS[1].value(cycle):>10.4f} | "
            f"{BUDGETS[2].value(cycle):>9.4f} | {BUDGETS[3].value(cycle):>7.4f} | "
            f"{sum(cycle['invocations'].values()) / products:>11.4f}"
        )
    if len(cycles) > 1:
        first, last = cycles[0], cycles[-1]
        size = last["products"] / first["products"]
        time_growth = last["seconds_per_product"] / first["seconds_per_product"]
        calls_growth = sum(last["per_product"].values()) / sum(first["per_product"].values())
        lines.append(
            f"  from {first['products']:,} to {last['products']:,} products ({size:.1f}x): "
            f"time per product x{time_growth:.2f}, function calls per product "
            f"x{calls_growth:.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"one catalog of {SMOKE_SIZES[0]}")
    parser.add_argument("--products", type=int, nargs="+", help="catalog sizes to measure")
    parser.add_argument("--retailers", type=int, default=RETAILERS)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    sizes = sorted(args.products or (SMOKE_SIZES if args.smoke else SIZES))
    if any(size < 1 for size in sizes) or args.retailers < 1:
        parser.error("catalog sizes and --retailers must be positive")

    started = time.perf_counter()
    runs = []
    for size in sizes:
        run = measure_size(size, args.retailers)
        runs.append(run)
        print("\n".join(size_report(run.figures)), end="\n\n", flush=True)
    cycles = [run.figures for run in runs]
    print("\n".join(growth_report(cycles)))
    print(
        "  (not counted: the benchmark's and the loop's own accounting calls, "
        + ", ".join(f"{run.harness_calls:,} at N = {run.figures['products']:,}" for run in runs)
        + ")"
    )
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")
    target = args.json or (None if args.smoke else RESULTS)
    if target is not None:
        write_section(target, "cycles", cycles, stack=DEFAULT_STACK, memory_mb=runs[-1].memory_mb)
        print(f"written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
