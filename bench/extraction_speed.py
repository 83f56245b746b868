"""Extraction time per page on real product pages, side by side with extruct.

Reads every page of ../shared/corpus (skips cleanly when it is absent), times
`extract_offer` (full pipeline, and structured data only) and extruct's extraction of the
same syntaxes (JSON-LD, microdata, OpenGraph, RDFa) on the same decoded text, best of
--repeat runs per page, and prints the median and 90th percentile for pages of 50-500 KB
and for all pages. extruct is installed only for benchmarks (bench/requirements.txt).

    python -m bench.extraction_speed [--repeat 5] [--json results.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from extraction import extract_offer
from fetching.decoding import decode_body

ROOT = Path(__file__).resolve().parents[1]

CORPUS = Path(os.environ.get("CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
REALISTIC = range(50_000, 500_001)


def corpus_pages() -> list[Path]:
    return sorted(path for path in CORPUS.rglob("*.html") if path.name != "expected-price.html")


def best_time_ms(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def extruct_runner() -> Callable[[str], object] | None:
    try:
        # Imported by name: an optional dependency (bench/requirements.txt) without stubs.
        extruct = importlib.import_module("extruct")
    except ImportError:
        return None
    syntaxes = ["json-ld", "microdata", "opengraph", "rdfa"]
    return lambda html: extruct.extract(html, syntaxes=syntaxes, errors="ignore")


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return {"pages": len(times), "median_ms": statistics.median(times), "p90_ms": p90}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    pages = corpus_pages() if CORPUS.is_dir() else []
    if not pages:
        print(f"extraction_speed: no corpus at {CORPUS}; skipped")
        return 0
    extruct = extruct_runner()
    runners: dict[str, Callable[[str], object]] = {
        "price-monitor extract_offer": extract_offer,
        "price-monitor structured only": lambda html: extract_offer(html, use_heuristic=False),
    }
    if extruct is not None:
        runners["extruct (json-ld, microdata, opengraph, rdfa)"] = extruct
    else:
        print("extruct is not installed (pip install -r bench/requirements.txt): ours only")

    timings: dict[str, dict[str, list[float]]] = {
        name: {"50-500 KB": [], "all": []} for name in runners
    }
    for path in pages:
        raw = path.read_bytes()
        html = decode_body(raw, {})
        for name, run in runners.items():
            elapsed = best_time_ms(partial(run, html), args.repeat)
            timings[name]["all"].append(elapsed)
            if len(raw) in REALISTIC:
                timings[name]["50-500 KB"].append(elapsed)

    results = {
        name: {group: summary(times) for group, times in groups.items() if times}
        for name, groups in timings.items()
    }
    print(f"Extraction time per page, best of {args.repeat}, corpus {CORPUS}")
    print(f"{'extractor':48} {'pages':>12} {'median ms':>10} {'p90 ms':>8}")
    for name, groups in results.items():
        for group, figures in groups.items():
            label = f"{group}: {figures['pages']}"
            print(f"{name:48} {label:>12} {figures['median_ms']:10.2f} {figures['p90_ms']:8.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
