"""`pricemon report --out DIR`: one self-contained page with a chart per product that changed,
read with one Query per retailer, with every value from the data escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from pricemon.chart import render_svg
from pricemon.history_charts import report_chart
from pricemon.history_models import ChangedProduct, HistoryRow, PeriodReport, Threshold
from pricemon.history_queries import product_info
from pricemon.html_report import render_report, safe_link
from pricemon.report import changes_in
from pricemon.rule_replay import derive_alerts

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_NAME = '<script>alert("pwned")</script><img src=x onerror=alert(1)> & "co"'


@pytest.fixture
def pricemon(module_world, pricemon_for):
    """`pricemon` against the module's stack, which holds `period`'s data."""
    return pricemon_for(module_world)


@pytest.fixture(scope="module")
def period(module_world):
    """A catalog over three retailers whose histories changed, or not, in the last 30 days."""
    dynamodb = boto3.resource("dynamodb", region_name=module_world.stack.region)
    outputs = module_world.stack.outputs
    products, prices = (
        dynamodb.Table(outputs["products_table"]),
        dynamodb.Table(outputs["prices_table"]),
    )
    now = module_world.clock.now()

    def add(product_id, retailer, observations, *, name=None, url=None, previous=None, **item):
        if item.pop("in_catalog", True):
            products.put_item(
                Item={
                    "product_id": product_id,
                    "retailer": retailer,
                    "url": url or f"https://{retailer}.example/{product_id}",
                    "name": name or f"The {product_id}",
                    **item,
                }
            )
        before = previous
        for days_ago, price, availability in observations:
            moment = now - timedelta(days=days_ago)
            row = {
                "product_id": product_id,
                "timestamp": int(moment.timestamp() * 1000),
                "retailer": retailer,
                "price": Decimal(price),
                "currency": "EUR",
                "availability": availability,
                "run_id": f"run-{days_ago}",
                "url": f"https://{retailer}.example/{product_id}",
                "scraped_at": moment.isoformat(),
            }
            if before is not None:
                row["previous_price"] = Decimal(before)
            prices.put_item(Item=row)
            before = price

    kettle = [(10, "40.00", "in_stock"), (5, "34.00", "in_stock")]
    add("kettle", "jsonld-mart", kettle, drop_threshold_percent=Decimal(12))
    add("toaster", "jsonld-mart", [(10, "50.00", "in_stock"), (5, "50.00", "in_stock")])
    add(
        "evil",
        "micro-store",
        [(10, "20.00", "in_stock"), (5, "20.00", "out_of_stock")],
        name=HOSTILE_NAME,
        url="javascript:alert(1)",
    )
    add(
        "old-change",
        "micro-store",
        [(60, "80.00", "in_stock"), (40, "60.00", "in_stock"), (5, "60.00", "in_stock")],
    )
    # Its first observation in the period is already lower than the one before it.
    add(
        "speaker",
        "meta-shop",
        [(5, "90.00", "in_stock")],
        previous="100.00",
        target_price=Decimal("95.00"),
    )
    # Removed from the catalog since: counted, not charted (no name, no threshold).
    add(
        "fryer",
        "meta-shop",
        [(10, "99.00", "in_stock"), (5, "49.00", "in_stock")],
        in_catalog=False,
    )
    return {"changed": {"kettle", "evil", "speaker"}, "retailers": 3}


def write_report(pricemon, tmp_path, *extra):
    out = tmp_path / "report"
    result = pricemon("report", "--out", str(out), *extra)
    assert result.code == 0, result.err
    return result, ET.parse(out / "index.html").getroot()


def sections(page):
    return {
        section.get("id").removeprefix("product-"): section
        for section in page.iter(XHTML + "section")
    }


def test_the_page_has_one_chart_per_changed_product_and_none_for_the_others(
    pricemon, period, tmp_path
):
    result, page = write_report(pricemon, tmp_path)

    changed = sections(page)
    assert set(changed) == period["changed"]
    assert len(list(page.iter(SVG + "svg"))) == len(period["changed"])
    for section in changed.values():
        assert len(list(section.iter(SVG + "svg"))) == 1
    text = ET.tostring(page, encoding="unicode")
    assert "The toaster" not in text
    assert "The old-change" not in text  # it changed, but before the period
    assert "wrote " in result.out
    assert "3 of 6 observed products changed in the last 30 days" in result.out


def test_each_changed_product_lists_its_changes_and_derived_alerts(pricemon, period, tmp_path):
    _, page = write_report(pricemon, tmp_path)

    def rows(section):
        return [
            [cell.text for cell in row.iter(XHTML + "td")]
            for row in section.iter(XHTML + "tr")
            if row.find(XHTML + "td") is not None
        ]

    changed = sections(page)
    (kettle,) = rows(changed["kettle"])
    assert kettle[1:5] == ["40.00 → 34.00 EUR", "-15.00", "in_stock", "price_drop"]
    (speaker,) = rows(changed["speaker"])  # against the price its row says came before
    assert speaker[1:5] == [
        "100.00 → 90.00 EUR",
        "-10.00",
        "in_stock",
        "price_drop, target_price",
    ]
    assert "target price 95.00" in ET.tostring(changed["speaker"], encoding="unicode")
    assert "drop threshold 12%" in ET.tostring(changed["kettle"], encoding="unicode")
    assert "drop threshold 10% (default)" in ET.tostring(changed["speaker"], encoding="unicode")
    (evil,) = rows(changed["evil"])
    assert evil[1:5] == ["20.00 → 20.00 EUR", "0.00", "in_stock → out_of_stock", "-"]


def test_hostile_names_and_urls_are_escaped_and_never_become_links(pricemon, period, tmp_path):
    _, page = write_report(pricemon, tmp_path)

    evil = sections(page)["evil"]
    assert evil.find(XHTML + "h2").text == HOSTILE_NAME
    for tag in ("script", "img", "iframe", "object"):
        assert not list(page.iter(XHTML + tag))
        assert not list(page.iter(SVG + tag))
    links = [a.get("href") for a in page.iter(XHTML + "a")]
    assert "javascript:alert(1)" not in links
    assert all(link.startswith("https://") for link in links)
    assert "https://jsonld-mart.example/kettle" in links
    assert "javascript:alert(1)" in ET.tostring(evil, encoding="unicode")  # shown as text


def test_the_page_loads_nothing_from_outside(pricemon, period, tmp_path):
    _, page = write_report(pricemon, tmp_path)

    assert not [e for e in page.iter() if e.get("src") is not None]
    assert not list(page.iter(XHTML + "link"))
    (policy,) = [
        meta
        for meta in page.iter(XHTML + "meta")
        if meta.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy.get("content").startswith("default-src 'none'")


def test_the_period_is_read_with_one_query_per_retailer(pricemon, period, tmp_path):
    result, _ = write_report(pricemon, tmp_path)

    assert result.calls.count("dynamodb.Query") == period["retailers"]


def test_the_header_gives_the_period_counts_and_last_runs(pricemon, period, tmp_path):
    pricemon.stack().table("runs_table").put_item(
        Item={
            "run_id": "2026-05-01T06:00:00Z",
            "status": "dispatched",
            "started_at": "2026-05-01T06:00:00Z",
            "dispatched": 5,
            "scraped": 5,
        }
    )

    _, page = write_report(pricemon, tmp_path, "--days", "7")

    header = page.find(f"{XHTML}body/{XHTML}header")
    counts = dict(
        zip(
            [dt.text for dt in header.iter(XHTML + "dt")],
            [dd.text for dd in header.iter(XHTML + "dd")],
            strict=True,
        )
    )
    assert counts["period"].startswith("the last 7 days: ")
    assert counts["products observed"] == "6"  # each has its row of 5 days ago
    assert counts["observations"] == "6"
    assert counts["observed, no longer in the catalog"] == "1"
    # Kettle and speaker, against the price their rows say came before. A row records no
    # earlier availability, so evil's going out of stock at the period's start is not seen.
    assert counts["products that changed"] == "2"
    runs = [td.text for td in header.iter(XHTML + "td")]
    assert runs[:3] == ["2026-05-01T06:00:00Z", "2026-05-01 06:00", "5"]


def test_the_json_summary_names_the_changed_products(pricemon, period, tmp_path):
    result = pricemon("report", "--out", str(tmp_path / "r"), "--json")

    summary = result.json()
    assert sorted(summary["changed_products"]) == sorted(period["changed"])
    assert summary["path"] == str(tmp_path / "r" / "index.html")
    assert summary["derived_alerts"] == 3


def test_an_empty_period_still_writes_a_page_saying_so(pricemon, period, tmp_path):
    _, page = write_report(pricemon, tmp_path, "--days", "1")  # the newest rows: 5 days old

    assert not list(page.iter(SVG + "svg"))
    assert "No product changed" in ET.tostring(page, encoding="unicode")


def test_an_unwritable_directory_is_a_usage_error(pricemon, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    result = pricemon("report", "--out", str(blocker / "report"))

    assert result.code == 2
    assert "cannot write the report" in result.err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://shop.example/a?b=1&c=2", '<a href="https://shop.example/a?b=1&amp;c=2"'),
        ("HTTP://shop.example/", '<a href="HTTP://shop.example/"'),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ('data:text/html,<script>alert("x")</script>', "data:text/html,&lt;script&gt;"),
        ("https:///no-host", "https:///no-host"),
        (None, "-"),
    ],
)
def test_only_http_and_https_urls_with_a_host_become_links(url, shown):
    link = safe_link(url)

    assert link.startswith(shown)
    assert ("<a " in link) == shown.startswith("<a ")


def test_an_observation_without_a_price_is_a_change_the_page_shows():
    start = datetime(2026, 5, 1, tzinfo=UTC)

    def row(day, price, availability, previous=None):
        return HistoryRow(
            product_id="grinder",
            timestamp_ms=int((start + timedelta(days=day)).timestamp() * 1000),
            price=None if price is None else Decimal(price),
            currency=None if price is None else "EUR",
            availability=availability,
            run_id=f"run-{day}",
            previous_price=None if previous is None else Decimal(previous),
        )

    item = {"product_id": "grinder", "retailer": "example-shop", "url": "https://e.example/g"}
    rows = [row(0, "89.90", "in_stock"), row(1, None, "out_of_stock", "89.90")]
    rows.append(row(2, "89.90", "in_stock"))
    threshold = Threshold(Decimal(10), "test")
    alerts = derive_alerts(item, rows, threshold.percent)

    changes = changes_in(rows, alerts)

    assert [(c.old_price, c.new_price, c.change_percent, c.alerts) for c in changes] == [
        (Decimal("89.90"), None, None, ()),
        (None, Decimal("89.90"), None, ("back_in_stock",)),
    ]
    product = ChangedProduct(product_info(item, threshold), rows, changes, alerts)
    report = PeriodReport(start, start + timedelta(days=3), 3, threshold, 1, 1, 3, [product], [])
    page = ET.fromstring(render_report(report, {"grinder": render_svg(report_chart(product))}))
    cells = [[td.text for td in tr.iter(XHTML + "td")] for tr in page.iter(XHTML + "tr")]
    assert ["89.90 → - EUR", "-", "in_stock → out_of_stock"] in [r[1:4] for r in cells]
    assert ["- → 89.90 EUR", "-", "out_of_stock → in_stock"] in [r[1:4] for r in cells]
