"""Precision and recall of each extraction source on the labelled corpus pages.

For every labelled page of ../shared/corpus (or $CORPUS_DIR; skips cleanly when absent),
runs each source alone — JSON-LD, microdata and meta tags (each through `choose_offer`),
the visible-price heuristic, and the heuristic kept only from its confidence threshold up —
and the full `extract_offer` pipeline. A source answers when it returns a price; the answer
is correct when it equals the label (as Decimals). precision = correct / answered, recall =
correct / pages labelled with a price. A page labelled "no price" counts against precision
when a source answers it. Sources not written yet show "n/a".

    python -m bench.corpus_accuracy [--json results.json]

Labels: metascraper/ and extruct/ have expected.json ({"page.html": {"price": "29.99"}},
price null for a page without one, no price key for no assertion). fathom/<set>/<site>/ has
expected-price.html, the element that shows the price: its text, parsed, is the label (the
first price of a range).
"""

from __future__ import annotations

import argparse
import html
import importlib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from extraction.markup import Element, parse_html
from extraction.offer import Offer, choose_offer
from extraction.price import parse_price

ROOT = Path(__file__).resolve().parents[1]

CORPUS = Path(
    os.environ.get("CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
HEURISTIC_ABOVE = "heuristic>=min"
SOURCES = ("jsonld", "microdata", "meta", "heuristic", HEURISTIC_ABOVE, "pipeline")
_TAG = re.compile(r"<[^>]*>")
# Labels the page's markup makes unreadable as text: dollars and cents in separate spans
# with no separator ("$<span>31</span><span>57</span>", content="31.57" on the element).
LABEL_CORRECTIONS = {"fathom/training/home_depot": Decimal("31.57")}

# One source alone: the page's html and tree -> the offer it alone would give.
Runner = Callable[[str, Element], Offer | None]


@dataclass(frozen=True)
class LabelledPage:
    name: str  # e.g. "fathom/test/gap" or "metascraper/amazon.html"
    group: str  # the corpus folder the figures are reported for
    path: Path
    price: Decimal | None  # None: the page has no price


@dataclass
class Tally:
    labelled: int = 0
    answered: int = 0
    correct: int = 0
    errors: int = 0

    def add(self, page: LabelledPage, got: Decimal | None, failed: bool) -> None:
        self.labelled += page.price is not None
        self.errors += failed
        if got is not None:
            self.answered += 1
            self.correct += got == page.price

    def figures(self) -> dict[str, object]:
        return {
            "labelled": self.labelled,
            "answered": self.answered,
            "correct": self.correct,
            "errors": self.errors,
            "precision": round(self.correct / self.answered, 3) if self.answered else None,
            "recall": round(self.correct / self.labelled, 3) if self.labelled else None,
        }


@dataclass
class PageResult:
    page: LabelledPage
    offers: dict[str, Offer | None] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    heuristic_ms: float | None = None


def labelled_pages(corpus: Path) -> list[LabelledPage]:
    pages: list[LabelledPage] = []
    for folder in ("metascraper", "extruct"):
        expected_file = corpus / folder / "expected.json"
        if not expected_file.is_file():
            continue
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        for filename, label in sorted(expected.items()):
            if filename.startswith("_") or not isinstance(label, dict) or "price" not in label:
                continue  # no assertion about this page's price
            price = Decimal(label["price"]) if label["price"] is not None else None
            name = f"{folder}/{filename}"
            pages.append(LabelledPage(name, folder, corpus / folder / filename, price))
    for expected_file in sorted((corpus / "fathom").glob("*/*/expected-price.html")):
        site = expected_file.parent
        group = f"fathom/{site.parent.name}"
        name = f"{group}/{site.name}"
        price = LABEL_CORRECTIONS.get(name) or fathom_label(expected_file)
        if price is None or not (site / "source.html").is_file():
            print(f"warning: no price label read for {site}", file=sys.stderr)
            continue
        pages.append(LabelledPage(name, group, site / "source.html", price))
    return pages


def fathom_label(expected_file: Path) -> Decimal | None:
    """The price shown by the labelled element: its text with tags removed, parsed.

    Tags are removed without adding spaces, since prices are split over inline elements
    ("$<strong>339</strong><sup>.99</sup>"); a range or "Now $52.00" reads as its first price.
    """
    markup = expected_file.read_text(encoding="utf-8", errors="replace")
    return parse_price(html.unescape(_TAG.sub("", markup))).amount


def read_page(path: Path) -> str:
    body = path.read_bytes()
    try:
        from fetching.decoding import decode_body
    except ImportError:
        return body.decode("utf-8", errors="replace")
    return decode_body(body, {})


def optional_module(name: str) -> ModuleType | None:
    """A source module, or None while it is not written yet."""
    try:
        return importlib.import_module(f"extraction.{name}")
    except ImportError:
        return None


def source_runners() -> dict[str, Runner | None]:
    """Each source alone, as html + tree -> the offer it alone would give (None: n/a)."""
    runners: dict[str, Runner | None] = {}
    jsonld = optional_module("jsonld")
    microdata = optional_module("microdata")
    meta = optional_module("meta")
    heuristic = optional_module("heuristic")
    extract = optional_module("extract")
    runners["jsonld"] = (
        None if jsonld is None else (lambda html, tree: choose_offer(jsonld.candidates(html)))
    )
    runners["microdata"] = (
        None
        if microdata is None
        else (
            lambda html, tree: choose_offer(
                microdata.candidates(tree) if microdata.may_contain(html) else []
            )
        )
    )
    runners["meta"] = (
        None if meta is None else (lambda html, tree: choose_offer(meta.candidates(html)))
    )
    runners["heuristic"] = (
        None if heuristic is None else (lambda html, tree: heuristic.find_visible_price(tree, None))
    )
    runners[HEURISTIC_ABOVE] = None  # derived from the heuristic's offer, not run again
    runners["pipeline"] = (
        None if extract is None else (lambda html, tree: extract.extract_offer(html, None))
    )
    return runners


def evaluate(page: LabelledPage, runners: dict[str, Runner | None]) -> PageResult:
    result = PageResult(page)
    html = read_page(page.path)
    for source, run in runners.items():
        if run is None:
            continue
        # Each source gets a fresh tree: attributes are parsed on first access, and a source
        # must not be timed (or helped) by the work another did before it.
        tree = parse_html(html)
        started = time.perf_counter()
        try:
            result.offers[source] = run(html, tree)
        except Exception as error:  # a source that raises is a bug to report, not to hide
            result.offers[source] = None
            result.failures[source] = f"{type(error).__name__}: {error}"
        if source == "heuristic":
            result.heuristic_ms = (time.perf_counter() - started) * 1000
    heuristic = optional_module("heuristic")
    if runners.get("heuristic") is not None and heuristic is not None:
        threshold = heuristic.DEFAULT_MIN_CONFIDENCE
        offer = result.offers.get("heuristic")
        result.offers[HEURISTIC_ABOVE] = (
            offer if offer is not None and offer.confidence >= threshold else None
        )
    return result


def tally(results: list[PageResult], available: set[str]) -> dict[str, dict[str, Tally]]:
    """Tallies per group (and "all"), per source."""
    groups: dict[str, dict[str, Tally]] = {}
    for result in sorted(results, key=lambda r: r.page.group):
        for group in (result.page.group, "all"):
            per_source = groups.setdefault(group, {source: Tally() for source in SOURCES})
            for source in available:
                offer = result.offers.get(source)
                per_source[source].add(
                    result.page, offer.price if offer else None, source in result.failures
                )
    return groups


def _percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float | int) else "-"


def print_tables(groups: dict[str, dict[str, Tally]], available: set[str]) -> None:
    for group in sorted(groups, key=lambda g: (g == "all", g)):
        per_source = groups[group]
        print(f"\n== {group} ==")
        print(
            f"{'source':16} {'precision':>9} {'recall':>7} {'correct':>8} {'answered':>9}"
            f" {'labelled':>9} {'errors':>7}"
        )
        for source in SOURCES:
            if source not in available:
                print(f"{source:16} {'n/a':>9}")
                continue
            f = per_source[source].figures()
            print(
                f"{source:16} {_percent(f['precision']):>9} {_percent(f['recall']):>7}"
                f" {f['correct']:>8} {f['answered']:>9} {f['labelled']:>9} {f['errors']:>7}"
            )


def misses(results: list[PageResult], source: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for result in results:
        offer = result.offers.get(source)
        got = offer.price if offer else None
        if got != result.page.price:
            found.append(
                {
                    "page": result.page.name,
                    "expected": str(result.page.price) if result.page.price is not None else None,
                    "got": str(got) if got is not None else None,
                    "source": offer.source if offer else None,
                    "confidence": round(offer.confidence, 3) if offer else None,
                    "error": result.failures.get(source),
                }
            )
    return found


def heuristic_answer(result: PageResult) -> dict[str, object]:
    """The page, its label and the heuristic's offer (nothing more when it gave none)."""
    offer = result.offers.get("heuristic")
    return {
        "page": result.page.name,
        "expected": str(result.page.price) if result.page.price is not None else None,
        **(offer.to_dict() if offer else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS} (set CORPUS_DIR): skipping")
        return 0

    runners = source_runners()
    available = {source for source, run in runners.items() if run is not None}
    if runners.get("heuristic") is not None:
        available.add(HEURISTIC_ABOVE)
    results = [evaluate(page, runners) for page in labelled_pages(CORPUS)]
    groups = tally(results, available)
    print(f"{len(results)} labelled pages in {CORPUS}")
    print_tables(groups, available)

    timings = [r.heuristic_ms for r in results if r.heuristic_ms is not None]
    if timings:
        ordered = sorted(timings)
        print(
            f"\nheuristic alone (tree already built): median {statistics.median(ordered):.2f} ms,"
            f" p90 {ordered[int(len(ordered) * 0.9)]:.2f} ms, max {ordered[-1]:.2f} ms"
        )
    if "pipeline" in available:
        pipeline_misses = misses(results, "pipeline")
        print(f"\nfull pipeline misses ({len(pipeline_misses)}):")
        for miss in pipeline_misses:
            print(
                f"  {miss['page']:40} expected {miss['expected']!s:>10}  got {miss['got']!s:>10}"
                f"  from {miss['source'] or '-'}"
                + (f" ({miss['confidence']})" if miss["confidence"] is not None else "")
                + (f"  ERROR {miss['error']}" if miss["error"] else "")
            )
    failures = [(r.page.name, s, e) for r in results for s, e in r.failures.items()]
    for name, source, error in failures:
        print(f"  error: {source} on {name}: {error}", file=sys.stderr)

    if args.json:
        figures = {
            "corpus": str(CORPUS),
            "pages": len(results),
            "groups": {
                group: {
                    source: (per_source[source].figures() if source in available else None)
                    for source in SOURCES
                }
                for group, per_source in groups.items()
            },
            "heuristic_ms": {
                "median": statistics.median(timings) if timings else None,
                "max": max(timings) if timings else None,
            },
            "pipeline_misses": misses(results, "pipeline") if "pipeline" in available else None,
            "heuristic_answers": [heuristic_answer(r) for r in results if "heuristic" in available],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
