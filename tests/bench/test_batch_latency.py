"""Benchmark 1 (bench/scraper_batch_latency.py) and the generated site's injected latency."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.generated_site import GeneratedSite
from bench.scraper_batch_latency import BatchLatency, latency_cost, main, report

LATENCY = 0.3
# Long enough that three requests sent at once are all being answered together even on a
# slow, shared machine (the assertion is on overlap, not on seconds).
OVERLAP_LATENCY = 3.0


class RecordingSite(GeneratedSite):
    """The generated site, noting when it started and finished answering each path."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.answers: list[tuple[str, float, float]] = []
        self._answers_lock = threading.Lock()

    def respond(self, path: str, user_agent: str = "") -> tuple[int, str, str]:
        started = time.monotonic()
        answer = super().respond(path, user_agent)
        with self._answers_lock:
            self.answers.append((path, started, time.monotonic()))
        return answer


def fetch_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_every_product_page_waits_out_the_latency_and_concurrent_pages_wait_together():
    with RecordingSite(products=3, retailers=3, latency_seconds=OVERLAP_LATENCY) as site:
        urls = [site.url(product) for product in site.products]
        with ThreadPoolExecutor(max_workers=3) as pool:
            statuses = list(pool.map(fetch_status, urls))

    assert statuses == [200, 200, 200]
    assert site.pages_served == 3
    assert sorted(path for path, _, _ in site.answers) == sorted(p.path for p in site.products)
    # Every page waits (a sleep is never shorter), and all three were waiting at once: each
    # started before any finished. A site answering one page at a time fails this however
    # fast the machine is.
    assert all(finished - started >= OVERLAP_LATENCY for _, started, finished in site.answers)
    assert max(started for _, started, _ in site.answers) < min(
        finished for _, _, finished in site.answers
    )


def test_robots_txt_is_answered_without_the_page_latency():
    # With an hour of page latency, robots.txt answering within fetch_status's 10 s timeout
    # means it did not wait (fetching a product page the same way would time out).
    with GeneratedSite(products=1, retailers=1, latency_seconds=3600) as site:
        status = fetch_status(f"http://{site.host_port}/robots.txt")

    assert status == 200
    assert site.pages_served == 0


def test_a_negative_latency_is_refused():
    with pytest.raises(ValueError, match="negative"):
        GeneratedSite(products=1, retailers=1, latency_seconds=-0.1)


def test_a_smoke_run_measures_a_batch_of_ten_at_least_one_latency_and_the_baseline_ten(tmp_path):
    path = tmp_path / "measurements.json"
    path.write_text(json.dumps({"cycles": [{"products": 7}]}))

    assert main(["--smoke", "--json", str(path)]) == 0

    written = json.loads(path.read_text())
    (row,) = written["batch_latency"]
    assert set(row) == {"latency_ms", "batch_size", "concurrent_seconds", "sequential_seconds"}
    assert (row["latency_ms"], row["batch_size"]) == (50, 10)
    # Physical lower bounds: a batch waits for at least one page, the baseline for ten.
    assert row["concurrent_seconds"] >= 0.05
    assert row["sequential_seconds"] >= 10 * 0.05
    assert written["cycles"] == [{"products": 7}]  # the other section is kept
    assert written["scraper_memory_mb"] > 0
    assert written["stack"] == "dev"


def test_a_batch_is_judged_by_its_time_beyond_the_overhead_in_units_of_latency():
    overhead = BatchLatency(0, 10, concurrent_seconds=0.1, sequential_seconds=0.01)
    fast = BatchLatency(200, 10, concurrent_seconds=0.35, sequential_seconds=2.01)
    slow = BatchLatency(200, 10, concurrent_seconds=0.9, sequential_seconds=2.01)

    assert latency_cost(0.35, 0.1, 200) == pytest.approx(1.25)
    lines = report([overhead, fast, slow], repeat=1)
    assert lines[-2] == (
        "L = 200 ms: batch = overhead + 1.25 L (target <= 2 L; sequential 10.00 L): target met"
    )
    assert lines[-1].endswith(
        "batch = overhead + 4.00 L (target <= 2 L; sequential 10.00 L): TARGET MISSED"
    )


def test_latencies_must_be_positive():
    with pytest.raises(SystemExit):
        main(["--latency-ms", "0"])
