"""The browser path's time, memory and cost per page, measured on script-rendered pages.

    python -m bench.render_cost [--smoke] [--pages N] [--latency-ms L] [--json PATH]

A loopback shop (generated_site.ScriptRenderedSite) serves product pages whose price and
stock a script inserts after load from a JSON endpoint, with a stylesheet, three scripts,
images and a web font. They are rendered with `rendering.render_page` in Debian's Chromium
through one browser, as the renderer function does (the first page launches it: the cold
start), and the extraction must read each page's price from the rendered HTML (a benchmark
whose renders lose the price is broken, and stops). Measured per page: wall time, bytes and
requests served, what the renderer refused; the memory of the Python process and of the
browser's process tree (read from /proc while the pages render); the same pages fetched by
the http path (`fetch_page`, which finds no price in them) for the ratio; and a few pages
again with every answer delayed by L, for how much page latency a render waits (its
sequential round trips). The cost per 1,000 pages at the renderer's declared memory comes
from cost_model.render_usage.

Without --smoke the figures replace the `render` section of bench/results/measurements.json
(or of --json PATH), which the cost model reads for `--browser-share`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench import aws_prices as price
from bench.cost_model import (
    RENDER_SENDS_PER_PAGE,
    RENDERER_BATCH_SIZE,
    RENDERER_MAX_CONCURRENCY,
    RENDERER_MEMORY_MB,
    render_usage,
)
from bench.generated_site import PRICE_SELECTOR, GeneratedProduct, ScriptRenderedSite
from bench.measurements import RESULTS, machine, write_section
from contracts.environment import CHROMIUM_PATH
from extraction import extract_offer
from fetching import FetchResult, fetch_page
from rendering import DEFAULT_CHROMIUM_PATH, Browser, render_page

DEFAULT_STACK = "dev"  # the stack whose memory sizes stamp the measurements file
DEFAULT_PAGES = 100
SMOKE_PAGES = 3
DEFAULT_LATENCY_MS = 200
LATENCY_PAGES = 5  # pages rendered again at latency L (smoke: 1)
# The renderer's per-page caps, as its settings' defaults (pageTimeoutSeconds, maxPageBytes).
PAGE_TIMEOUT_SECONDS = 30.0
MAX_PAGE_BYTES = 5_000_000
SAMPLE_SECONDS = 0.05  # how often /proc is read while pages render
MB = 1024 * 1024

Clock = Callable[[], float]


class BenchmarkBroken(RuntimeError):
    """The renders did not give what the site serves (a price lost or wrong)."""


# --- summaries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """count, mean, median, 90th percentile (nearest rank) and max of some figures."""

    count: int
    mean: float
    median: float
    p90: float
    max: float


def summarize(values: Iterable[float]) -> Summary:
    """The Summary of `values` (ValueError when there are none)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values to summarize")
    return Summary(
        count=len(ordered),
        mean=statistics.fmean(ordered),
        median=statistics.median(ordered),
        p90=percentile(ordered, 0.9),
        max=ordered[-1],
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted `ordered` lie, nearest rank (as bench/'s
    other scripts take their p90)."""
    if not ordered:
        raise ValueError("no values")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a percentile's share is between 0 and 1, not {share}")
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# --- memory, read from /proc -----------------------------------------------------------------


@dataclass(frozen=True)
class ProcessMemory:
    """One process's memory now (VmRSS, Pss) and its peak so far (VmHWM), in bytes."""

    pid: int
    name: str
    rss_bytes: int
    peak_rss_bytes: int
    pss_bytes: int | None  # None when smaps_rollup cannot be read


def read_process(proc: Path, pid: int) -> ProcessMemory | None:
    """`pid`'s memory from `proc` (/proc), None when it has gone."""
    try:
        status = (proc / str(pid) / "status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields: dict[str, str] = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    try:
        rollup = (proc / str(pid) / "smaps_rollup").read_text()
    except OSError:
        rollup = ""
    return ProcessMemory(
        pid=pid,
        name=fields.get("Name", ""),
        rss_bytes=_kilobytes(fields.get("VmRSS")),  # absent for kernel threads and zombies
        peak_rss_bytes=_kilobytes(fields.get("VmHWM")),
        pss_bytes=_rollup_pss(rollup),
    )


def process_tree(proc: Path, root: int) -> list[int]:
    """`root` and every process descended from it, parents first.

    Read from each thread's `children` list: a process started from a thread (Playwright's
    driver is, from the browser's thread) is listed under that thread only.
    """
    seen: list[int] = []
    pending = [root]
    while pending:
        pid = pending.pop(0)
        if pid in seen:
            continue
        seen.append(pid)
        for children in sorted((proc / str(pid) / "task").glob("*/children")):
            try:
                pending += [int(child) for child in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread ended while we looked
    return seen


def is_chromium(name: str) -> bool:
    """Whether a process named `name` is the browser's (Chromium's processes and helpers)."""
    return name.startswith(("chromium", "chrome"))


@dataclass(frozen=True)
class TreeSample:
    """One reading of the process tree: bytes by part (RSS, and PSS where readable)."""

    python_rss: int
    python_peak_rss: int
    chromium_rss: int
    chromium_pss: int
    chromium_processes: int
    other_rss: int  # the rest of the tree: Playwright's driver (node)
    total_pss: int

    @property
    def total_rss(self) -> int:
        return self.python_rss + self.chromium_rss + self.other_rss


def sample_tree(proc: Path, root: int) -> TreeSample:
    """The memory of `root` and its descendants, now."""
    python = read_process(proc, root)
    chromium: list[ProcessMemory] = []
    others: list[ProcessMemory] = []
    for pid in process_tree(proc, root)[1:]:
        found = read_process(proc, pid)
        if found is not None:
            (chromium if is_chromium(found.name) else others).append(found)
    everyone = [*([python] if python else []), *chromium, *others]
    return TreeSample(
        python_rss=python.rss_bytes if python else 0,
        python_peak_rss=python.peak_rss_bytes if python else 0,
        chromium_rss=sum(p.rss_bytes for p in chromium),
        chromium_pss=sum(_pss(p) for p in chromium),
        chromium_processes=len(chromium),
        other_rss=sum(p.rss_bytes for p in others),
        total_pss=sum(_pss(p) for p in everyone),
    )


@dataclass
class MemoryPeaks:
    """The highest of each figure over the samples, in bytes, and the last sample."""

    samples: int = 0
    python_rss: int = 0  # the Python process's own high-water mark (VmHWM)
    chromium_rss: int = 0  # the browser's processes together (shared pages counted in each)
    chromium_pss: int = 0  # the same, shared pages split between them (nearer what a cgroup
    # such as Lambda's memory limit charges)
    chromium_processes: int = 0
    other_rss: int = 0
    total_rss: int = 0  # the whole tree, in one sample
    total_pss: int = 0
    last: TreeSample | None = None

    def add(self, sample: TreeSample) -> None:
        self.samples += 1
        self.python_rss = max(self.python_rss, sample.python_peak_rss)
        self.chromium_rss = max(self.chromium_rss, sample.chromium_rss)
        self.chromium_pss = max(self.chromium_pss, sample.chromium_pss)
        self.chromium_processes = max(self.chromium_processes, sample.chromium_processes)
        self.other_rss = max(self.other_rss, sample.other_rss)
        self.total_rss = max(self.total_rss, sample.total_rss)
        self.total_pss = max(self.total_pss, sample.total_pss)
        self.last = sample


class MemorySampler:
    """Samples the process tree of `root` every `interval` seconds, from start to stop."""

    def __init__(
        self, root: int | None = None, proc: Path = Path("/proc"), interval: float = SAMPLE_SECONDS
    ) -> None:
        self.root = os.getpid() if root is None else root
        self.proc = proc
        self.interval = interval
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def sample(self) -> None:
        self.peaks.add(sample_tree(self.proc, self.root))

    def __enter__(self) -> Self:
        self.sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


def _kilobytes(value: str | None) -> int:
    return int(value.split()[0]) * 1024 if value else 0


def _rollup_pss(rollup: str) -> int | None:
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return _kilobytes(line.partition(":")[2].strip())
    return None


def _pss(process: ProcessMemory) -> int:
    return process.pss_bytes if process.pss_bytes is not None else process.rss_bytes


# --- the measurement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PathRun:
    """N pages fetched one way: each page's seconds, what the site served, what was read."""

    seconds: tuple[float, ...]
    served: Mapping[str, tuple[int, int]]  # (requests, bytes) by kind
    prices_read: int
    refused: Mapping[str, int] = field(default_factory=dict)  # by reason, all pages

    @property
    def pages(self) -> int:
        return len(self.seconds)

    @property
    def bytes_per_page(self) -> float:
        return sum(size for _, size in self.served.values()) / self.pages

    @property
    def requests_per_page(self) -> float:
        return sum(count for count, _ in self.served.values()) / self.pages


def render_run(
    site: ScriptRenderedSite,
    products: Sequence[GeneratedProduct],
    browser: Browser,
    clock: Clock,
    wait_for: str | None = PRICE_SELECTOR,
) -> PathRun:
    """Render each product's page, in turn; BenchmarkBroken unless each gives its price.

    With `wait_for` None the renderer waits for the network to go quiet (at most its settle
    time), as for a retailer configured without a selector.
    """

    def fetch(product: GeneratedProduct) -> FetchResult:
        return render_page(
            site.url(product),
            allowed_hosts=[site.host_port],
            timeout=PAGE_TIMEOUT_SECONDS,
            max_bytes=MAX_PAGE_BYTES,
            wait_for=wait_for,
            browser=browser,
            clock=clock,
        )

    run = _run(site, products, fetch, clock)
    if run.prices_read != run.pages:
        raise BenchmarkBroken(
            f"the renders read the site's price on {run.prices_read} of {run.pages} pages"
        )
    return run


def http_run(
    site: ScriptRenderedSite, products: Sequence[GeneratedProduct], clock: Clock
) -> PathRun:
    """Fetch each product's page with fetch_page, in turn (its HTML shows no price)."""

    def fetch(product: GeneratedProduct) -> FetchResult:
        return fetch_page(
            site.url(product),
            allowed_hosts=[site.host_port],
            timeout=PAGE_TIMEOUT_SECONDS,
            max_bytes=MAX_PAGE_BYTES,
            clock=clock,
        )

    return _run(site, products, fetch, clock)


def _run(
    site: ScriptRenderedSite,
    products: Sequence[GeneratedProduct],
    fetch: Callable[[GeneratedProduct], FetchResult],
    clock: Clock,
) -> PathRun:
    site.reset_counts()
    seconds: list[float] = []
    refused: dict[str, int] = {}
    read = 0
    for product in products:
        started = clock()
        result = fetch(product)
        seconds.append(clock() - started)
        offer = extract_offer(result.text, result.url)
        read += offer is not None and offer.price == product.price(0)
        for reason, count in result.refused_requests.items():
            refused[reason] = refused.get(reason, 0) + count
    return PathRun(tuple(seconds), site.served(), read, refused)


def slope_per_latency(at_zero: float, at_latency: float, latency_seconds: float) -> float:
    """Seconds of page time per second of latency: about the round trips made in turn."""
    if latency_seconds <= 0:
        raise ValueError(f"the latency must be positive, not {latency_seconds}")
    return max(0.0, (at_latency - at_zero) / latency_seconds)


def cost_per_thousand_pages(
    seconds_per_page: float,
    memory_mb: int = RENDERER_MEMORY_MB,
    batch_size: int = RENDERER_BATCH_SIZE,
) -> dict[str, float]:
    """USD per 1,000 rendered pages, by part: renderer duration, Lambda requests, SQS."""
    usage = render_usage(
        seconds_per_page,
        memory_mb=memory_mb,
        batch_size=batch_size,
        sends_per_page=RENDER_SENDS_PER_PAGE,
    )
    parts = {
        "duration": 1000 * usage.gb_seconds * price.LAMBDA_ARM_GB_SECOND,
        "lambda_requests": 1000 * usage.lambda_requests * price.LAMBDA_REQUEST,
        "sqs_requests": 1000 * usage.sqs_requests * price.SQS_REQUEST,
    }
    return {**parts, "total": sum(parts.values())}


def measure(
    chromium: str,
    pages: int,
    latency_ms: int,
    latency_pages: int,
    clock: Clock = time.perf_counter,
    wait_for: str | None = PRICE_SELECTOR,
) -> dict[str, Any]:
    """Every figure of the benchmark, as plain data (see the module's docstring)."""
    with ScriptRenderedSite(pages) as site:
        products = site.products
        http = http_run(site, products, clock)
        browser = Browser(chromium)
        try:
            with MemorySampler() as sampler:
                rendered = render_run(site, products, browser, clock, wait_for)
            latency_seconds = latency_ms / 1000
            site.latency_seconds = latency_seconds
            slow_products = products[:latency_pages]
            slow_render = render_run(site, slow_products, browser, clock, wait_for)
            slow_http = http_run(site, slow_products, clock)
        finally:
            browser.close()
    warm = rendered.seconds[1:] or rendered.seconds
    warm_render = summarize(warm)
    http_seconds = summarize(http.seconds)
    slope = slope_per_latency(
        statistics.fmean(warm[:latency_pages]),
        statistics.fmean(slow_render.seconds),
        latency_seconds,
    )
    peaks = sampler.peaks
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "chromium": chromium,
        "pages": pages,
        "wait_for": wait_for,
        "render_seconds": {
            "cold": rendered.seconds[0],
            "warm": asdict(warm_render),
        },
        "http_seconds": asdict(http_seconds),
        "ratio": {
            "median_seconds": warm_render.median / http_seconds.median,
            "bytes": rendered.bytes_per_page / http.bytes_per_page,
        },
        "render_served": {kind: list(v) for kind, v in rendered.served.items()},
        "render_bytes_per_page": rendered.bytes_per_page,
        "render_requests_per_page": rendered.requests_per_page,
        "render_refused_per_page": {
            reason: count / rendered.pages for reason, count in rendered.refused.items()
        },
        "http_bytes_per_page": http.bytes_per_page,
        "prices_read": {"render": rendered.prices_read, "http": http.prices_read},
        "latency_ms": latency_ms,
        "latency_pages": len(slow_products),
        "latency_seconds": {
            "render_mean": statistics.fmean(slow_render.seconds),
            "http_mean": statistics.fmean(slow_http.seconds),
        },
        "latency_slope": slope,
        "http_latency_slope": slope_per_latency(
            statistics.fmean(http.seconds[:latency_pages]),
            statistics.fmean(slow_http.seconds),
            latency_seconds,
        ),
        "memory_mb": {
            "python_peak_rss": peaks.python_rss / MB,
            "chromium_peak_rss": peaks.chromium_rss / MB,
            "chromium_peak_pss": peaks.chromium_pss / MB,
            "driver_peak_rss": peaks.other_rss / MB,
            "tree_peak_rss": peaks.total_rss / MB,
            "tree_peak_pss": peaks.total_pss / MB,
            "chromium_rss_at_end": (peaks.last.chromium_rss if peaks.last else 0) / MB,
        },
        "chromium_processes": peaks.chromium_processes,
        "memory_samples": peaks.samples,
        "renderer": {
            "memory_mb": RENDERER_MEMORY_MB,
            "batch_size": RENDERER_BATCH_SIZE,
            "max_concurrency": RENDERER_MAX_CONCURRENCY,
        },
        "cost_per_1000_pages_usd": {
            "loopback": cost_per_thousand_pages(warm_render.mean),
            "page_latency_1s": cost_per_thousand_pages(warm_render.mean + slope * 1.0),
        },
    }


# --- the report ------------------------------------------------------------------------------


def report(figures: Mapping[str, Any]) -> str:
    """The figures as the readable table the script prints."""
    warm, http = figures["render_seconds"]["warm"], figures["http_seconds"]
    memory, costs = figures["memory_mb"], figures["cost_per_1000_pages_usd"]
    renderer = figures["renderer"]
    slow = figures["latency_seconds"]
    served = ", ".join(
        f"{kind} {count / figures['pages']:g} x {size / count / 1024:.1f} KB"
        for kind, (count, size) in sorted(figures["render_served"].items())
        if count
    )
    refused = ", ".join(
        f"{reason} {count:g}" for reason, count in figures["render_refused_per_page"].items()
    )
    peak_ok = memory["tree_peak_rss"] < renderer["memory_mb"]
    time_ok = warm["p90"] < PAGE_TIMEOUT_SECONDS
    per_hour = 3600 / (warm["mean"] + figures["latency_slope"])
    lines = [
        f"Rendering {figures['pages']} script-rendered pages with {figures['chromium']} "
        f"(one browser, waiting for {_waited(figures['wait_for'])}), {figures['machine']}",
        f"  {'per page':<44}{'median':>10}{'p90':>10}{'mean':>10}{'max':>10}",
        _row("rendered (warm browser), s", warm),
        _row("http path (fetch_page), s", http),
        f"  {'first page (cold: launches Chromium), s':<44}"
        f"{figures['render_seconds']['cold']:>10.3f}",
        f"  render / http: {figures['ratio']['median_seconds']:.1f}x the time (medians), "
        f"{figures['ratio']['bytes']:.1f}x the bytes "
        f"({figures['render_bytes_per_page'] / 1024:.1f} KB against "
        f"{figures['http_bytes_per_page'] / 1024:.1f} KB a page)",
        f"  served per rendered page: {served}; refused per page: {refused or 'none'}",
        f"  prices read: rendered {figures['prices_read']['render']} of {figures['pages']}, "
        f"http {figures['prices_read']['http']} of {figures['pages']}",
        f"  at latency {figures['latency_ms']} ms on every answer ({figures['latency_pages']} "
        f"pages): render {slow['render_mean']:.3f} s, http {slow['http_mean']:.3f} s a page; "
        f"a render waits {figures['latency_slope']:.2f} latencies "
        f"(http {figures['http_latency_slope']:.2f})",
        f"  memory, peak MB: Python {memory['python_peak_rss']:.0f}, Chromium "
        f"{memory['chromium_peak_rss']:.0f} RSS / {memory['chromium_peak_pss']:.0f} PSS "
        f"({figures['chromium_processes']} processes), driver {memory['driver_peak_rss']:.0f}; "
        f"whole tree {memory['tree_peak_rss']:.0f} RSS / {memory['tree_peak_pss']:.0f} PSS "
        f"({figures['memory_samples']} samples); Chromium at the end "
        f"{memory['chromium_rss_at_end']:.0f} RSS",
        f"  cost per 1,000 pages at {renderer['memory_mb']} MB (arm64, batches of "
        f"{renderer['batch_size']}): {_usd(costs['loopback'])} as measured; "
        f"{_usd(costs['page_latency_1s'])} at 1 s page latency",
        f"  one renderer container: about {per_hour:,.0f} pages an hour at 1 s page latency, "
        f"{renderer['max_concurrency'] * per_hour:,.0f} at the maximum concurrency "
        f"{renderer['max_concurrency']}",
        f"  target: the tree's peak under the renderer's {renderer['memory_mb']} MB: "
        f"{memory['tree_peak_rss']:.0f} MB RSS, {'target met' if peak_ok else 'TARGET MISSED'}",
        f"  target: p90 page time under the page cap {PAGE_TIMEOUT_SECONDS:g} s: "
        f"{warm['p90']:.3f} s, {'target met' if time_ok else 'TARGET MISSED'}",
    ]
    return "\n".join(lines)


def _waited(wait_for: str | None) -> str:
    return f"{wait_for!r}" if wait_for else "the network to go quiet"


def _row(label: str, summary: Mapping[str, float]) -> str:
    return (
        f"  {label:<44}{summary['median']:>10.3f}{summary['p90']:>10.3f}"
        f"{summary['mean']:>10.3f}{summary['max']:>10.3f}"
    )


def _usd(parts: Mapping[str, float]) -> str:
    return (
        f"{parts['total']:.4f} USD (duration {parts['duration']:.4f}, requests "
        f"{parts['lambda_requests']:.5f}, SQS {parts['sqs_requests']:.5f})"
    )


def chromium_missing(path: str) -> str | None:
    """Why the browser cannot run here (None when it can)."""
    if not Path(path).exists():
        return (
            f"no Chromium at {path}: install it (apt-get install chromium) or set "
            f"{CHROMIUM_PATH} to its path"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -r requirements.txt)"
    return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_PAGES} pages (CI)")
    parser.add_argument("--pages", type=int, help=f"pages to render (default {DEFAULT_PAGES})")
    parser.add_argument("--latency-ms", type=int, default=DEFAULT_LATENCY_MS)
    parser.add_argument(
        "--settle",
        action="store_true",
        help="render without wait_for: wait for the network to go quiet, as without a selector",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pages = args.pages or (SMOKE_PAGES if args.smoke else DEFAULT_PAGES)
    if pages < 2 or args.latency_ms <= 0:
        print("render_cost: --pages must be 2 or more, --latency-ms above 0", file=sys.stderr)
        return 2
    chromium = os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH
    missing = chromium_missing(chromium)
    if missing:
        print(f"render_cost: skipped: {missing}")
        return 0
    try:
        figures = measure(
            chromium,
            pages,
            args.latency_ms,
            1 if args.smoke else LATENCY_PAGES,
            wait_for=None if args.settle else PRICE_SELECTOR,
        )
    except BenchmarkBroken as error:
        print(f"render_cost: the benchmark is broken: {error}", file=sys.stderr)
        return 1
    print(report(figures))
    target = args.json or (None if args.smoke else RESULTS)
    if target is not None:
        stack, memory = stack_stamps(target)
        write_section(target, "render", figures, stack=stack, memory_mb=memory)
    return 0


def stack_stamps(path: Path) -> tuple[str, dict[str, int]]:
    """The stack and memory sizes to stamp the file with: those it has (written by the
    benchmarks that run the stack), else the default stack's, as its program declares them."""
    existing = json.loads(path.read_text()) if path.exists() else {}
    try:
        return existing["stack"], {
            "scraper": existing["scraper_memory_mb"],
            "detector": existing["detector_memory_mb"],
        }
    except KeyError:
        from bench.stack_shape import declared_shape  # provisions a throwaway stack

        shape = declared_shape(DEFAULT_STACK)
        return DEFAULT_STACK, {
            "scraper": shape.scraper_memory_mb,
            "detector": shape.detector_memory_mb,
        }


if __name__ == "__main__":
    sys.exit(main())
