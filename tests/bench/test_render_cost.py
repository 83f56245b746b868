"""bench/render_cost.py: the browser path's figures (summaries, /proc memory, cost) and a
smoke run in Chromium (skipped where there is none). No assertion here depends on speed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import aws_prices as price
from bench import render_cost
from bench.cost_model import RENDERER_MEMORY_MB
from bench.generated_site import ScriptRenderedSite
from bench.render_cost import (
    BenchmarkBroken,
    MemorySampler,
    cost_per_thousand_pages,
    is_chromium,
    percentile,
    process_tree,
    read_process,
    render_run,
    sample_tree,
    slope_per_latency,
    summarize,
)
from contracts.environment import CHROMIUM_PATH
from extraction import extract_offer
from fetching import fetch_page
from rendering import DEFAULT_CHROMIUM_PATH, Browser

CHROMIUM = os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH
KB = 1024


# --- summaries -------------------------------------------------------------------------------


def test_a_summary_has_the_median_the_nearest_rank_p90_and_the_extremes():
    values = [float(n) for n in range(10, 0, -1)]  # 10 .. 1, unsorted on purpose
    summary = summarize(values)
    assert summary.count == 10
    assert summary.median == pytest.approx(5.5)
    assert summary.mean == pytest.approx(5.5)
    assert summary.p90 == 10.0  # the 10th of 10 values, as bench/'s other p90s
    assert summary.max == 10.0
    assert summarize([3.0]).p90 == 3.0


def test_percentiles_refuse_nonsense():
    with pytest.raises(ValueError, match="no values"):
        summarize([])
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 1.5)


def test_the_latency_slope_counts_the_latencies_a_page_waits():
    assert slope_per_latency(0.3, 1.5, 0.2) == pytest.approx(6.0)
    assert slope_per_latency(0.3, 0.29, 0.2) == 0.0  # noise below zero is no waiting
    with pytest.raises(ValueError, match="positive"):
        slope_per_latency(0.3, 1.5, 0.0)


# --- cost ------------------------------------------------------------------------------------


def test_the_cost_of_1000_pages_is_gb_seconds_requests_and_sqs_at_list_prices():
    seconds = 0.8
    cost = cost_per_thousand_pages(seconds, memory_mb=2048, batch_size=5)
    assert cost["duration"] == pytest.approx(1000 * seconds * 2 * price.LAMBDA_ARM_GB_SECOND)
    assert cost["lambda_requests"] == pytest.approx(1000 / 5 * price.LAMBDA_REQUEST)
    # a receive and a delete per batch of 5, and the dispatcher's send in batches of 10
    assert cost["sqs_requests"] == pytest.approx(1000 * (2 / 5 + 0.1) * price.SQS_REQUEST)
    assert cost["total"] == pytest.approx(
        cost["duration"] + cost["lambda_requests"] + cost["sqs_requests"]
    )


def test_the_duration_cost_grows_with_time_and_memory_the_request_cost_does_not():
    base = cost_per_thousand_pages(0.5, memory_mb=1024)
    assert cost_per_thousand_pages(1.0, memory_mb=1024)["duration"] == pytest.approx(
        2 * base["duration"]
    )
    assert cost_per_thousand_pages(0.5, memory_mb=2048)["duration"] == pytest.approx(
        2 * base["duration"]
    )
    assert cost_per_thousand_pages(1.0, memory_mb=2048)["lambda_requests"] == pytest.approx(
        base["lambda_requests"]
    )


# --- memory, on a fake /proc and on this process ----------------------------------------------


def fake_process(
    proc: Path,
    pid: int,
    name: str,
    rss_kb: int,
    hwm_kb: int,
    pss_kb: int | None = None,
    children: dict[int, list[int]] | None = None,
) -> None:
    """/proc/<pid>: status, smaps_rollup (when pss_kb), and a children list per thread."""
    root = proc / str(pid)
    root.mkdir(parents=True, exist_ok=True)
    (root / "status").write_text(
        f"Name:\t{name}\nState:\tS (sleeping)\nVmHWM:\t{hwm_kb:>8} kB\nVmRSS:\t{rss_kb:>8} kB\n"
    )
    if pss_kb is not None:
        (root / "smaps_rollup").write_text(f"Rss:  {rss_kb} kB\nPss:  {pss_kb} kB\n")
    for thread, kids in (children or {pid: []}).items():
        task = root / "task" / str(thread)
        task.mkdir(parents=True, exist_ok=True)
        (task / "children").write_text(" ".join(str(kid) for kid in kids) + (" " if kids else ""))


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    """python (100) -> node driver (200, started from thread 101) -> chromium (300) -> 2 more;
    and an unrelated chromium (900) outside the tree."""
    proc = tmp_path / "proc"
    fake_process(proc, 100, "python", 80_000, 90_000, 70_000, {100: [], 101: [200]})
    fake_process(proc, 200, "node-MainThread", 120_000, 130_000, 100_000, {200: [300]})
    fake_process(proc, 300, "chromium", 200_000, 250_000, 150_000, {300: [301, 302]})
    fake_process(proc, 301, "chromium", 100_000, 110_000, 40_000)
    fake_process(proc, 302, "chrome_crashpad", 10_000, 10_000)  # no smaps_rollup: RSS
    fake_process(proc, 900, "chromium", 999_000, 999_000, 999_000)
    return proc


def test_the_tree_is_read_from_every_threads_children(proc: Path):
    assert process_tree(proc, 100) == [100, 200, 300, 301, 302]


def test_a_process_reads_as_its_rss_peak_and_pss(proc: Path):
    found = read_process(proc, 300)
    assert found is not None
    assert (found.name, found.rss_bytes, found.peak_rss_bytes, found.pss_bytes) == (
        "chromium",
        200_000 * KB,
        250_000 * KB,
        150_000 * KB,
    )
    assert read_process(proc, 302).pss_bytes is None  # type: ignore[union-attr]
    assert read_process(proc, 12345) is None  # gone


def test_a_sample_splits_the_tree_into_python_chromium_and_the_driver(proc: Path):
    sample = sample_tree(proc, 100)
    assert sample.python_rss == 80_000 * KB
    assert sample.python_peak_rss == 90_000 * KB
    assert sample.chromium_rss == (200_000 + 100_000 + 10_000) * KB
    assert sample.chromium_pss == (150_000 + 40_000 + 10_000) * KB  # RSS where no PSS
    assert sample.chromium_processes == 3
    assert sample.other_rss == 120_000 * KB
    assert sample.total_rss == (80_000 + 310_000 + 120_000) * KB
    assert sample.total_pss == (70_000 + 100_000 + 200_000) * KB


def test_the_sampler_keeps_each_peak_and_the_last_sample(proc: Path):
    sampler = MemorySampler(root=100, proc=proc)
    sampler.sample()
    fake_process(proc, 301, "chromium", 400_000, 400_000, 300_000)  # a page is rendering
    sampler.sample()
    fake_process(proc, 301, "chromium", 50_000, 400_000, 20_000)  # and closed
    sampler.sample()
    peaks = sampler.peaks
    assert peaks.samples == 3
    assert peaks.chromium_rss == (200_000 + 400_000 + 10_000) * KB
    assert peaks.last is not None
    assert peaks.last.chromium_rss == (200_000 + 50_000 + 10_000) * KB
    assert peaks.python_rss == 90_000 * KB


def test_the_sampler_reads_this_process_from_the_real_proc():
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc here")
    with MemorySampler(interval=0.01) as sampler:
        pass
    assert sampler.peaks.samples >= 2
    assert sampler.peaks.python_rss > 0
    assert sampler.peaks.total_rss >= sampler.peaks.python_rss // 2


def test_chromium_is_told_by_its_process_names():
    assert is_chromium("chromium")
    assert is_chromium("chrome_crashpad")
    assert not is_chromium("node-MainThread")
    assert not is_chromium("python")


# --- the site and the price check -------------------------------------------------------------


def test_the_site_shows_no_price_to_the_http_path_and_counts_what_it_serves():
    with ScriptRenderedSite(2) as site:
        product = site.products[1]
        page = fetch_page(site.url(product), allowed_hosts=[site.host_port])
        assert extract_offer(page.text, page.url) is None
        offer = fetch_page(
            f"http://{site.host_port}/api/offers/{product.product_id}.json",
            allowed_hosts=[site.host_port],
        )
        assert json.loads(offer.text)["price"] == str(product.price(0))
        served = site.served()
    assert served["page"] == (1, len(page.text.encode()))
    assert served["offer"][0] == 1


def test_renders_that_lose_the_price_break_the_benchmark(monkeypatch: pytest.MonkeyPatch):
    def render_nothing(url: str, **options: object) -> object:
        return fetch_page(url, allowed_hosts=options["allowed_hosts"])  # the script never ran

    monkeypatch.setattr(render_cost, "render_page", render_nothing)
    with ScriptRenderedSite(2) as site, pytest.raises(BenchmarkBroken, match="0 of 2"):
        render_run(site, site.products, Browser("/nonexistent"), clock=lambda: 0.0)


# --- the script --------------------------------------------------------------------------------


def test_the_script_skips_with_a_clear_message_without_chromium(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    monkeypatch.setenv(CHROMIUM_PATH, str(tmp_path / "no-chromium"))
    assert render_cost.main(["--smoke"]) == 0
    printed = capsys.readouterr().out
    assert "skipped" in printed
    assert "apt-get install chromium" in printed


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_a_smoke_run_renders_reads_every_price_and_writes_its_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    results = tmp_path / "measurements.json"
    # the stamps the stack-running benchmarks leave (so this run provisions nothing)
    results.write_text(
        json.dumps({"stack": "dev", "scraper_memory_mb": 512, "detector_memory_mb": 256})
    )
    assert render_cost.main(["--smoke", "--json", str(results)]) == 0
    printed = capsys.readouterr().out
    assert "target met" in printed or "TARGET MISSED" in printed
    figures = json.loads(results.read_text())["render"]
    pages = figures["pages"]
    assert figures["prices_read"] == {"render": pages, "http": 0}
    # the renderer fetched the assets and the offer, and refused the images and the font
    assert figures["render_bytes_per_page"] > figures["http_bytes_per_page"]
    assert figures["render_refused_per_page"]["resource_type"] >= 4
    assert figures["memory_mb"]["chromium_peak_rss"] > 0
    assert figures["chromium_processes"] >= 1
    assert figures["renderer"]["memory_mb"] == RENDERER_MEMORY_MB
    assert figures["cost_per_1000_pages_usd"]["loopback"]["total"] > 0
