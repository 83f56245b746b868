"""Precision and recall of each extraction source on the labelled corpus pages.

For every labelled page of ../shared/corpus (or $CORPUS_DIR; skips cleanly when absent),
runs each source alone — JSON-LD, microdata and meta tags (each through `choose_offer`),
the visible-price heuristic, and the heuristic kept only from its confidence threshold up —
and the full `extract_offer` pipeline, each given the page's URL where its label knows it
(as the scraper always does). A source answers when it returns a price (an offer without
one, an out-of-stock page that shows none, answers no price); the answer is correct when
it equals the label (as Decimals). precision = correct / answered, recall = correct / pages
labelled with a price. A page labelled "no price" counts against precision when a source
answers it. Sources not written yet show "n/a". Printed side by side per corpus folder
(fathom's training and test sets apart), for geizhals/ also its gold and silver labels
alone, and for all pages; then the pipeline's figures per page language
(`bench.page_language`), and its stock status where a label states one: precision = correct
among pages it answered in or out of stock, recall = correct among pages labelled; then the
pipeline's price and stock misses.

    python -m bench.corpus_accuracy [--json results.json]

Labels: metascraper/ and extruct/ have expected.json ({"page.html": {"price": "29.99"}},
price null for a page without one, no price key for no assertion; some "availability").
fathom/<set>/<site>/ has expected-price.html, the element that shows the price: its text,
parsed, is the label (the first price of a range). geizhals/labels.json lists its pages
with price, currency, URL, sometimes a schema.org availability (LimitedAvailability and
PreSale count as in stock, as `normalize_availability` reads them) and a `label_quality`:
gold and silver prices are in the page's text, bronze ones only in what scripts render.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from bench.measurements import machine
from bench.page_language import page_language
from contracts.catalog import Availability
from contracts.timestamps import iso_seconds
from extraction.markup import Element, parse_html
from extraction.offer import Offer, choose_offer, normalize_availability
from extraction.price import parse_price

ROOT = Path(__file__).resolve().parents[1]

CORPUS = Path(
    os.environ.get("CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
HEURISTIC_ABOVE = "heuristic>=min"
SOURCES = ("jsonld", "microdata", "meta", "heuristic", HEURISTIC_ABOVE, "pipeline")
ALL = "all"
# geizhals/ label qualities whose price the page's own text shows (bronze: scripts render it).
TRUSTED_LABELS = ("gold", "silver")
STOCK_STATUSES = (Availability.IN_STOCK, Availability.OUT_OF_STOCK)
_TAG = re.compile(r"<[^>]*>")
# Labels the page's markup makes unreadable as text: dollars and cents in separate spans
# with no separator ("$<span>31</span><span>57</span>", content="31.57" on the element).
LABEL_CORRECTIONS = {"fathom/training/home_depot": Decimal("31.57")}

# One source alone: the page's html, tree and URL -> the offer it alone would give.
Runner = Callable[[str, Element, str | None], Offer | None]


@dataclass(frozen=True)
class LabelledPage:
    name: str  # e.g. "fathom/test/gap" or "metascraper/amazon.html"
    group: str  # the corpus folder the figures are reported for
    path: Path
    price: Decimal | None  # None: the page has no price
    availability: Availability | None = None  # None: the label says nothing about stock
    url: str | None = None
    label_quality: str | None = None  # geizhals/: gold, silver or bronze

    @property
    def report_groups(self) -> tuple[str, ...]:
        """Its folder, its folder's gold and silver labels when it is one, and all pages."""
        trusted = () if self.label_quality not in TRUSTED_LABELS else (f"{self.group} gold+silver",)
        return (self.group, *trusted, ALL)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class Tally:
    """One source's price answers over a set of pages."""

    pages: int = 0
    labelled: int = 0
    answered: int = 0
    correct: int = 0
    errors: int = 0

    def add(self, page: LabelledPage, got: Decimal | None, failed: bool) -> None:
        self.pages += 1
        self.labelled += page.price is not None
        self.errors += failed
        if got is not None:
            self.answered += 1
            self.correct += got == page.price

    def figures(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "labelled": self.labelled,
            "answered": self.answered,
            "correct": self.correct,
            "errors": self.errors,
            "precision": ratio(self.correct, self.answered),
            "recall": ratio(self.correct, self.labelled),
        }


@dataclass
class AvailabilityTally:
    """The pipeline's stock status on pages whose label states one: (label, answer) pairs."""

    pairs: list[tuple[Availability, Availability]] = field(default_factory=list)

    def add(self, expected: Availability, got: Availability) -> None:
        self.pairs.append((expected, got))

    def figures(self) -> dict[str, object]:
        """Overall, then per labelled status ("in_stock": {...}, "out_of_stock": {...})."""
        per_status = {str(status): self.scores(status) for status in STOCK_STATUSES}
        return {**self.scores(), **per_status}

    def scores(self, status: Availability | None = None) -> dict[str, float | int | None]:
        """Over all statuses (an answer is any status but unknown), or over one: its
        precision among answers of that status, its recall among pages labelled with it."""
        if status is None:
            labelled = len(self.pairs)
            answered = sum(got != Availability.UNKNOWN for _, got in self.pairs)
            correct = sum(expected == got for expected, got in self.pairs)
        else:
            labelled = sum(expected == status for expected, _ in self.pairs)
            answered = sum(got == status for _, got in self.pairs)
            correct = sum(expected == got == status for expected, got in self.pairs)
        return {
            "labelled": labelled,
            "answered": answered,
            "correct": correct,
            "precision": ratio(correct, answered),
            "recall": ratio(correct, labelled),
            # The harmonic mean of the two, from the counts: 2c / (answered + labelled).
            "f1": ratio(2 * correct, answered + labelled),
        }


@dataclass
class PageResult:
    page: LabelledPage
    language: str = "unknown"
    offers: dict[str, Offer | None] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    heuristic_ms: float | None = None

    def price(self, source: str) -> Decimal | None:
        """The price `source` answered: None for no offer, or an offer without a price."""
        offer = self.offers.get(source)
        return None if offer is None else offer.price

    def availability(self, source: str) -> Availability:
        offer = self.offers.get(source)
        return Availability.UNKNOWN if offer is None else Availability(offer.availability)


def labelled_pages(corpus: Path) -> list[LabelledPage]:
    return [
        *expected_json_pages(corpus),
        *fathom_pages(corpus),
        *geizhals_pages(corpus),
    ]


def expected_json_pages(corpus: Path) -> list[LabelledPage]:
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
            path = corpus / folder / filename
            stock = stated_availability(label.get("availability"))
            pages.append(LabelledPage(name, folder, path, price, stock))
    return pages


def fathom_pages(corpus: Path) -> list[LabelledPage]:
    pages: list[LabelledPage] = []
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


def geizhals_pages(corpus: Path) -> list[LabelledPage]:
    labels_file = corpus / "geizhals" / "labels.json"
    if not labels_file.is_file():
        return []
    pages: list[LabelledPage] = []
    for label in json.loads(labels_file.read_text(encoding="utf-8"))["pages"]:
        path = corpus / "geizhals" / label["page_file"]
        if not path.is_file():
            print(f"warning: {path} is labelled but missing", file=sys.stderr)
            continue
        pages.append(
            LabelledPage(
                name=f"geizhals/{label['id']}",
                group="geizhals",
                path=path,
                price=Decimal(label["price"]) if label.get("price") is not None else None,
                availability=stated_availability(label.get("availability")),
                url=label.get("url"),
                label_quality=label.get("label_quality"),
            )
        )
    return pages


def stated_availability(label: object) -> Availability | None:
    """The stock status a label states ("in_stock", schema.org "OutOfStock"), else None."""
    status = normalize_availability(label)
    return None if status == Availability.UNKNOWN else status


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
    """Each source alone, as html + tree + URL -> the offer it alone would give (None: n/a)."""
    runners: dict[str, Runner | None] = {}
    jsonld = optional_module("jsonld")
    microdata = optional_module("microdata")
    meta = optional_module("meta")
    heuristic = optional_module("heuristic")
    extract = optional_module("extract")
    runners["jsonld"] = (
        None
        if jsonld is None
        else (lambda html, tree, url: choose_offer(jsonld.candidates(html), url))
    )
    runners["microdata"] = (
        None
        if microdata is None
        else (
            lambda html, tree, url: choose_offer(
                microdata.candidates(tree) if microdata.may_contain(html) else [], url
            )
        )
    )
    runners["meta"] = (
        None if meta is None else (lambda html, tree, url: choose_offer(meta.candidates(html), url))
    )
    runners["heuristic"] = (
        None
        if heuristic is None
        else (lambda html, tree, url: heuristic.find_visible_price(tree, url))
    )
    runners[HEURISTIC_ABOVE] = None  # derived from the heuristic's offer, not run again
    runners["pipeline"] = (
        None if extract is None else (lambda html, tree, url: extract.extract_offer(html, url))
    )
    return runners


def evaluate(page: LabelledPage, runners: dict[str, Runner | None]) -> PageResult:
    html = read_page(page.path)
    result = PageResult(page, language=page_language(parse_html(html)))
    for source, run in runners.items():
        if run is None:
            continue
        # Each source gets a fresh tree: attributes are parsed on first access, and a source
        # must not be timed (or helped) by the work another did before it.
        tree = parse_html(html)
        started = time.perf_counter()
        try:
            result.offers[source] = run(html, tree, page.url)
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


def group_order(group: str) -> tuple[bool, str]:
    """Corpus folders alphabetically, "all" last."""
    return (group == ALL, group)


def tally(results: list[PageResult], available: set[str]) -> dict[str, dict[str, Tally]]:
    """Price tallies per report group (folders, geizhals gold+silver, "all"), per source."""
    groups: dict[str, dict[str, Tally]] = {}
    for result in results:
        for group in result.page.report_groups:
            per_source = groups.setdefault(group, {source: Tally() for source in SOURCES})
            for source in available:
                per_source[source].add(result.page, result.price(source), source in result.failures)
    return dict(sorted(groups.items(), key=lambda item: group_order(item[0])))


def tally_languages(results: list[PageResult], source: str = "pipeline") -> dict[str, Tally]:
    """Price tallies of `source` per declared page language, most pages first."""
    languages: dict[str, Tally] = {}
    for result in results:
        languages.setdefault(result.language, Tally()).add(
            result.page, result.price(source), source in result.failures
        )
    return dict(sorted(languages.items(), key=lambda item: (-item[1].pages, item[0])))


def tally_availability(
    results: list[PageResult], source: str = "pipeline"
) -> dict[str, AvailabilityTally]:
    """Stock status tallies of `source` per report group, over pages labelled with one."""
    groups: dict[str, AvailabilityTally] = {}
    for result in results:
        expected = result.page.availability
        if expected is None:
            continue
        for group in result.page.report_groups:
            groups.setdefault(group, AvailabilityTally()).add(expected, result.availability(source))
    return dict(sorted(groups.items(), key=lambda item: group_order(item[0])))


def _percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float | int) else "-"


def _row(label: str, cells: Iterable[object], width: int = 10) -> str:
    first = 26  # "geizhals gold+silver (60)"
    return f"{label:{first}}" + "".join(f" {cell!s:>{width}}" for cell in cells)


def print_price_tables(groups: dict[str, dict[str, Tally]], available: set[str]) -> None:
    """Two tables, a row per group and a column per source: precision / recall, then
    correct / answered with the pages labelled."""
    width = max(len(source) for source in SOURCES)
    print("\nprice precision / recall, per source")
    print(_row("group (pages)", SOURCES, width))
    for group, per_source in groups.items():
        cells = []
        for source in SOURCES:
            figures = per_source[source].figures()
            cells.append(
                f"{_percent(figures['precision'])}/{_percent(figures['recall'])}"
                if source in available
                else "n/a"
            )
        print(_row(f"{group} ({per_source['pipeline'].pages})", cells, width))
    print("\ncorrect / answered (errors), per source; labelled: pages with a price")
    print(_row("group", ["labelled", *SOURCES], width))
    for group, per_source in groups.items():
        cells = [str(per_source["pipeline"].labelled)]
        for source in SOURCES:
            counts = per_source[source]
            errors = f" ({counts.errors})" if counts.errors else ""
            cells.append(
                f"{counts.correct}/{counts.answered}{errors}" if source in available else "n/a"
            )
        print(_row(group, cells, width))


def print_language_table(languages: dict[str, Tally]) -> None:
    print("\nfull pipeline per page language (<html lang>, og:locale, Content-Language)")
    print(_row("language", ["pages", "labelled", "answered", "correct", "precision", "recall"]))
    for language, language_tally in languages.items():
        f = language_tally.figures()
        print(
            _row(
                language,
                [
                    f["pages"],
                    f["labelled"],
                    f["answered"],
                    f["correct"],
                    _percent(f["precision"]),
                    _percent(f["recall"]),
                ],
            )
        )


def print_availability_table(groups: dict[str, AvailabilityTally]) -> None:
    print(
        "\nfull pipeline stock status, pages whose label states one"
        " (answered: in or out of stock, not unknown)"
    )
    print(_row("group / status", ["labelled", "answered", "correct", "precision", "recall", "F1"]))
    for group, availability_tally in groups.items():
        rows = [(group, None), *((f"  {status}", status) for status in STOCK_STATUSES)]
        for label, status in rows:
            scores = availability_tally.scores(status)
            print(
                _row(
                    label,
                    [
                        scores["labelled"],
                        scores["answered"],
                        scores["correct"],
                        _percent(scores["precision"]),
                        _percent(scores["recall"]),
                        _percent(scores["f1"]),
                    ],
                )
            )


def misses(results: list[PageResult], source: str) -> list[dict[str, object]]:
    """Pages where `source`'s price is not the label's (no price answered counts)."""
    found: list[dict[str, object]] = []
    for result in results:
        offer = result.offers.get(source)
        got = result.price(source)
        if got != result.page.price:
            found.append(
                {
                    "page": result.page.name,
                    "label_quality": result.page.label_quality,
                    "expected": str(result.page.price) if result.page.price is not None else None,
                    "got": str(got) if got is not None else None,
                    "source": offer.source if offer else None,
                    "confidence": round(offer.confidence, 3) if offer else None,
                    "error": result.failures.get(source),
                }
            )
    return found


def availability_misses(
    results: list[PageResult], source: str = "pipeline"
) -> list[dict[str, object]]:
    """Pages labelled with a stock status where `source` answered another, or unknown."""
    found: list[dict[str, object]] = []
    for result in results:
        expected, got = result.page.availability, result.availability(source)
        if expected is None or got == expected:
            continue
        offer = result.offers.get(source)
        found.append(
            {
                "page": result.page.name,
                "expected": str(expected),
                "got": str(got),
                "price": str(offer.price) if offer and offer.price is not None else None,
                "source": offer.source if offer else None,
                "error": result.failures.get(source),
            }
        )
    return found


def print_misses(
    price_misses: list[dict[str, object]], stock_misses: list[dict[str, object]]
) -> None:
    print(f"\nfull pipeline price misses ({len(price_misses)}):")
    for miss in price_misses:
        quality = f" [{miss['label_quality']}]" if miss["label_quality"] else ""
        page = f"{miss['page']}{quality}"
        print(
            f"  {page:52} expected {miss['expected']!s:>10}"
            f"  got {miss['got']!s:>10}  from {miss['source'] or '-'}"
            + (f" ({miss['confidence']})" if miss["confidence"] is not None else "")
            + (f"  ERROR {miss['error']}" if miss["error"] else "")
        )
    print(f"\nfull pipeline stock status misses ({len(stock_misses)}):")
    for miss in stock_misses:
        print(
            f"  {miss['page']!s:52} expected {miss['expected']!s:>12}  got {miss['got']!s:>12}"
            f"  from {miss['source'] or '-'}"
            + (f"  ERROR {miss['error']}" if miss["error"] else "")
        )


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
    print_price_tables(groups, available)

    pipeline = "pipeline" in available
    languages = tally_languages(results) if pipeline else {}
    stock = tally_availability(results) if pipeline else {}
    price_misses = misses(results, "pipeline") if pipeline else []
    stock_misses = availability_misses(results) if pipeline else []
    if pipeline:
        print_language_table(languages)
        print_availability_table(stock)

    timings = [r.heuristic_ms for r in results if r.heuristic_ms is not None]
    if timings:
        ordered = sorted(timings)
        print(
            f"\nheuristic alone (tree already built): median {statistics.median(ordered):.2f} ms,"
            f" p90 {ordered[int(len(ordered) * 0.9)]:.2f} ms, max {ordered[-1]:.2f} ms"
        )
    if pipeline:
        print_misses(price_misses, stock_misses)
    failures = [(r.page.name, s, e) for r in results for s, e in r.failures.items()]
    for name, source, error in failures:
        print(f"  error: {source} on {name}: {error}", file=sys.stderr)

    if args.json:
        figures = {
            "measured_at": iso_seconds(datetime.now(UTC)),
            "machine": machine(),
            "corpus": str(CORPUS),
            "pages": len(results),
            "groups": {
                group: {
                    source: (per_source[source].figures() if source in available else None)
                    for source in SOURCES
                }
                for group, per_source in groups.items()
            },
            "languages": (
                {language: t.figures() for language, t in languages.items()} if pipeline else None
            ),
            "availability": (
                {group: t.figures() for group, t in stock.items()} if pipeline else None
            ),
            "heuristic_ms": {
                "median": statistics.median(timings) if timings else None,
                "max": max(timings) if timings else None,
            },
            "pipeline_misses": price_misses if pipeline else None,
            "availability_misses": stock_misses if pipeline else None,
            "heuristic_answers": [heuristic_answer(r) for r in results if "heuristic" in available],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
