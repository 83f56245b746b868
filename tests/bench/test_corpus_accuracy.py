"""bench/corpus_accuracy.py and bench/page_language.py, on a tiny corpus made in the test
(the development corpus is not part of a user's clone)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench import corpus_accuracy
from bench.corpus_accuracy import (
    AvailabilityTally,
    LabelledPage,
    Tally,
    evaluate,
    geizhals_pages,
    labelled_pages,
    main,
    tally_availability,
)
from bench.page_language import page_language
from contracts.catalog import Availability
from extraction.markup import parse_html
from extraction.offer import Offer

IN, OUT, UNKNOWN = Availability.IN_STOCK, Availability.OUT_OF_STOCK, Availability.UNKNOWN
JSON_KEYS = {
    "corpus",
    "pages",
    "groups",
    "languages",
    "availability",
    "heuristic_ms",
    "pipeline_misses",
    "availability_misses",
    "heuristic_answers",
}


def product_page(price: str, availability: str, lang: str = "de") -> str:
    offer = {"@type": "Offer", "price": price, "priceCurrency": "EUR"}
    offer["availability"] = f"https://schema.org/{availability}"
    data = {"@context": "https://schema.org", "@type": "Product", "name": "M", "offers": offer}
    return (
        f'<html lang="{lang}"><head><script type="application/ld+json">{json.dumps(data)}'
        f"</script></head><body><h1>M</h1><p>{price} EUR</p></body></html>"
    )


@pytest.fixture
def corpus(tmp_path):
    """geizhals/ with a gold, a silver and a bronze label; metascraper/ with one page."""
    pages = tmp_path / "geizhals" / "pages"
    pages.mkdir(parents=True)
    labels = []
    for name, price, stock, quality in (
        ("gold", "149.00", "InStock", "gold"),
        ("silver", "99.90", "OutOfStock", "silver"),
        ("bronze", "10.00", None, "bronze"),
    ):
        (pages / f"{name}.html").write_text(product_page("149.00", "InStock"))
        labels.append(
            {
                "id": name,
                "page_file": f"pages/{name}.html",
                "url": f"https://shop.example/{name}",
                "price": price,
                "currency": "EUR",
                "availability": stock,
                "label_quality": quality,
            }
        )
    (tmp_path / "geizhals" / "labels.json").write_text(json.dumps({"pages": labels}))
    (tmp_path / "metascraper").mkdir()
    (tmp_path / "metascraper" / "shop.html").write_text(
        product_page("5.00", "InStock", lang="en-US")
    )
    (tmp_path / "metascraper" / "expected.json").write_text(
        json.dumps({"_source": "x", "shop.html": {"price": "5.00", "availability": "in_stock"}})
    )
    return tmp_path


def test_geizhals_labels_keep_url_quality_and_schema_org_availability(corpus):
    gold, silver, bronze = geizhals_pages(corpus)

    assert (gold.price, gold.availability, gold.url) == (
        Decimal("149.00"),
        IN,
        "https://shop.example/gold",
    )
    assert silver.availability == OUT
    assert bronze.availability is None  # the label says nothing about stock
    assert gold.report_groups == ("geizhals", "geizhals gold+silver", "all")
    assert bronze.report_groups == ("geizhals", "all")


@pytest.mark.parametrize(
    ("head", "language"),
    [
        ('<html lang="de-AT">', "de"),
        ('<html lang="EN_us">', "en"),
        ('<html lang="{{lang}}"><meta property="og:locale" content="fr_FR">', "fr"),
        ('<html><meta http-equiv="Content-Language" content="es, en">', "es"),
        ("<html>", "unknown"),
    ],
)
def test_page_language_is_the_declared_primary_subtag(head, language):
    assert page_language(parse_html(f"{head}<body>x</body></html>")) == language


def test_stock_precision_leaves_out_unknown_answers_and_recall_counts_them():
    stock = AvailabilityTally()
    for expected, got in ((IN, IN), (IN, UNKNOWN), (OUT, IN), (OUT, OUT)):
        stock.add(expected, got)

    figures = stock.figures()

    assert (figures["labelled"], figures["answered"], figures["correct"]) == (4, 3, 2)
    assert (figures["precision"], figures["recall"], figures["f1"]) == (0.667, 0.5, 0.571)
    assert figures["out_of_stock"] == {
        "labelled": 2,
        "answered": 1,
        "correct": 1,
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.667,
    }


def test_an_offer_without_a_price_answers_no_price_but_its_stock_status(corpus):
    page = LabelledPage("p", "geizhals", corpus / "metascraper" / "shop.html", None, OUT)
    no_price = Offer(price=None, currency=None, availability=OUT, source="visible")

    result = evaluate(page, {"pipeline": lambda html, tree, url: no_price})
    prices = Tally()
    prices.add(page, result.price("pipeline"), failed=False)

    assert prices.figures()["answered"] == 0
    assert tally_availability([result])["all"].figures()["correct"] == 1


def test_a_run_writes_every_section_per_group_language_and_stock_label(
    corpus, tmp_path, monkeypatch
):
    monkeypatch.setattr(corpus_accuracy, "CORPUS", corpus)
    path = tmp_path / "accuracy.json"

    assert main(["--json", str(path)]) == 0

    written = json.loads(path.read_text())
    assert set(written) >= JSON_KEYS
    assert written["pages"] == len(labelled_pages(corpus)) == 4
    assert set(written["groups"]) == {"geizhals", "geizhals gold+silver", "metascraper", "all"}
    assert written["groups"]["geizhals gold+silver"]["pipeline"]["pages"] == 2
    assert set(written["languages"]) == {"de", "en"}
    # Every page says 149.00 in stock: the silver label (99.90, out of stock) is missed twice.
    assert [miss["page"] for miss in written["availability_misses"]] == ["geizhals/silver"]
    assert written["availability"]["all"]["labelled"] == 3


def test_a_missing_corpus_is_skipped_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus_accuracy, "CORPUS", tmp_path / "absent")

    assert main([]) == 0
    assert "skipping" in capsys.readouterr().out
