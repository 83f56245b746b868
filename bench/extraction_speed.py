"""Extraction time per page on real product pages, side by side with extruct.

Reads every page of ../shared/corpus (or $CORPUS_DIR; skips cleanly when it is absent),
times `extract_offer` (full pipeline, and structured data only) and extruct on the same
decoded text, best of --repeat runs per page, and prints the median and 90th percentile
for pages of 50-500 KB and for all pages, then how many times ours extruct takes. extruct
runs twice: like for like (JSON-LD, microdata and OpenGraph, what our structured sources
read) and with its full default (adding RDFa, microformats and Dublin Core; RDFa also
changes its parser). extruct is installed only for benchmarks (bench/requirements.txt).

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

CORPUS = Path(os.environ.get("CORPUS_DIR") or ROOT.parent / "shared" / "corpus")
REALISTIC = range(50_000, 500_001)
TARGET_MEDIAN_MS = 5.0  # DESIGN.md "Budgets": the full pipeline, on a 50-500 KB page
SIZE_GROUPS = ("50-500 KB", "all")
OURS = "price-monitor extract_offer"
OURS_STRUCTURED = "price-monitor structured only"
EXTRUCT_LIKE_FOR_LIKE = "extruct (json-ld, microdata, opengraph)"
EXTRUCT_DEFAULT = "extruct default (+ rdfa, microformat, dublincore)"
# extruct against ours: like for like, and extruct's full default against our full pipeline.
COMPARISONS = (
    (EXTRUCT_LIKE_FOR_LIKE, OURS_STRUCTURED),
    (EXTRUCT_LIKE_FOR_LIKE, OURS),
    (EXTRUCT_DEFAULT, OURS),
)

Extractor = Callable[[str], object]


def corpus_pages() -> list[Path]:
    return sorted(path for path in CORPUS.rglob("*.html") if path.name != "expected-price.html")


def best_time_ms(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def extruct_runners(errors: str = "ignore") -> dict[str, Extractor]:
    """extruct like for like and with its default syntaxes; none when it is not installed.

    Timed with errors="ignore", as a scraper would run it; `errors="strict"` tells which
    pages it fails on (a failing syntax is skipped, so such a page costs it less).
    """
    try:
        # Imported by name: an optional dependency (bench/requirements.txt) without stubs.
        extruct = importlib.import_module("extruct")
    except ImportError:
        return {}
    like_for_like = ["json-ld", "microdata", "opengraph"]
    return {
        EXTRUCT_LIKE_FOR_LIKE: partial(extruct.extract, syntaxes=like_for_like, errors=errors),
        EXTRUCT_DEFAULT: partial(extruct.extract, errors=errors),
    }


def raises(run: Extractor, html: str) -> bool:
    try:
        run(html)
    except Exception:  # any failure: extruct raises whatever its parsers raise
        return True
    return False


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return {"pages": len(times), "median_ms": statistics.median(times), "p90_ms": p90}


def ratios(
    results: dict[str, dict[str, dict[str, float]]],
) -> dict[str, dict[str, dict[str, float]]]:
    """For each comparison and size group: extruct's median and p90 over ours."""
    found: dict[str, dict[str, dict[str, float]]] = {}
    for theirs, ours in COMPARISONS:
        if theirs not in results:
            continue
        found[f"{theirs} / {ours}"] = {
            group: {
                "median": results[theirs][group]["median_ms"] / results[ours][group]["median_ms"],
                "p90": results[theirs][group]["p90_ms"] / results[ours][group]["p90_ms"],
            }
            for group in results[ours]
        }
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    pages = corpus_pages() if CORPUS.is_dir() else []
    if not pages:
        print(f"extraction_speed: no corpus at {CORPUS}; skipped")
        return 0
    runners: dict[str, Extractor] = {
        OURS: extract_offer,
        OURS_STRUCTURED: lambda html: extract_offer(html, use_heuristic=False),
        **extruct_runners(),
    }
    strict = extruct_runners(errors="strict")
    if not strict:
        print("extruct is not installed (pip install -r bench/requirements.txt): ours only")

    timings: dict[str, dict[str, list[float]]] = {
        name: {group: [] for group in SIZE_GROUPS} for name in runners
    }
    extruct_failed: dict[str, int] = dict.fromkeys(strict, 0)
    for path in pages:
        raw = path.read_bytes()
        html = decode_body(raw, {})
        for name, run in runners.items():
            elapsed = best_time_ms(partial(run, html), args.repeat)
            timings[name]["all"].append(elapsed)
            if len(raw) in REALISTIC:
                timings[name]["50-500 KB"].append(elapsed)
        for name, run in strict.items():
            extruct_failed[name] += raises(run, html)

    results = {
        name: {group: summary(times) for group, times in groups.items() if times}
        for name, groups in timings.items()
    }
    print(f"Extraction time per page, best of {args.repeat}, corpus {CORPUS}")
    print(f"{'extractor':52} {'pages':>12} {'median ms':>10} {'p90 ms':>8}")
    for name, groups in results.items():
        for group, figures in groups.items():
            label = f"{group}: {figures['pages']}"
            print(f"{name:52} {label:>12} {figures['median_ms']:10.2f} {figures['p90_ms']:8.2f}")
    realistic = results[OURS].get("50-500 KB")
    if realistic:
        met = realistic["median_ms"] < TARGET_MEDIAN_MS
        print(
            f"\ntarget: {OURS} median under {TARGET_MEDIAN_MS:g} ms on 50-500 KB pages:"
            f" {realistic['median_ms']:.2f} ms, {'target met' if met else 'TARGET MISSED'}"
        )
    compared = ratios(results)
    if compared:
        print("\nextruct's time over ours, median; p90 (above 1: ours is faster)")
        for comparison, groups in compared.items():
            cells = "".join(
                f"    {group}: {figures['median']:5.1f}x; {figures['p90']:5.1f}x"
                for group, figures in groups.items()
            )
            print(f"  {comparison}\n{cells}")
        for name, failed in extruct_failed.items():
            print(f"  {name} raised on {failed} of {len(pages)} pages (errors ignored when timed)")
    if args.json:
        document: dict[str, object] = {
            **results,
            "ratios": compared,
            "extruct_failed_pages": extruct_failed,
        }
        args.json.write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
