import json

import pytest

from extraction.cli import main

PAGE = (
    '<html><head><script type="application/ld+json">'
    '{"@type": "Product", "offers": {"price": "1299.00", "priceCurrency": "EUR"}}'
    "</script></head><body><h1>TV</h1></body></html>"
)


@pytest.fixture
def saved_page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def run(capsys, *argv):
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_prints_the_offer_with_its_source_as_json(capsys, saved_page):
    status, out, _ = run(capsys, saved_page, "--url", "https://shop.example/tv")
    assert status == 0
    result = json.loads(out)
    assert result["blocked"] is None
    assert result["offer"]["price"] == "1299.00"
    assert result["offer"]["currency"] == "EUR"
    assert result["offer"]["source"] == "jsonld"
    assert result["offer"]["ambiguous"] is False


def test_rules_file_is_applied(capsys, tmp_path):
    rules = tmp_path / "rules.json"
    page = tmp_path / "price.html"
    page.write_text("<h1>Now 15,00 €</h1>", encoding="utf-8")
    rules.write_text(json.dumps({"selector": "h1"}))
    status, out, _ = run(capsys, page, "--rules", rules)
    assert status == 0
    assert json.loads(out)["offer"]["source"] == "rule"
    assert json.loads(out)["offer"]["price"] == "15.00"


def test_page_without_price_exits_1(capsys, tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<h1>Nothing here</h1>")
    status, out, _ = run(capsys, page, "--no-heuristic")
    assert status == 1
    assert json.loads(out)["offer"] is None


def test_invalid_rules_exit_2_with_the_problem(capsys, tmp_path, saved_page):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"pattern": "(no-group)"}))
    status, _, err = run(capsys, saved_page, "--rules", rules)
    assert status == 2
    assert "invalid rules" in err
    assert "price" in err


def test_missing_page_exits_2(capsys, tmp_path):
    status, _, err = run(capsys, tmp_path / "absent.html")
    assert status == 2
    assert "cannot read input" in err
