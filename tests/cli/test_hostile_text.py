"""Text from pages and catalogs never drives the terminal, nor breaks the report's XML.

One products-table item carries, in its id, name, url, retailer and last error, what a
hostile page or catalog could put there: ESC [2J (clear the screen), a carriage return
before a fake "all products OK", a bidi override, a C1 control, a non-character XML forbids. Every
command that shows it must print those as visible escapes, and --json must stay JSON.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import boto3
import pytest

from contracts.messages import ProductJob, encode
from pricemon.app import main
from pricemon.catalog_file import CatalogRow
from pricemon.target import Stack

RUN = "2026-01-01T06:00:00Z"
CLEAR = "\x1b[2J\x1b[H"
FAKE = "\rall products OK"
BIDI = "\u202egpj.exe"
PRODUCT_ID = f"evil{CLEAR}"
ITEM = {
    "product_id": PRODUCT_ID,
    "retailer": f"shop\u202e{CLEAR}",
    "url": f"https://shop.example/k{CLEAR}",
    "name": f"Kettle{CLEAR}{FAKE}{BIDI}\x9b\ufffe",
    "active": True,
    "last_status": "error",
    "last_run_id": RUN,
    "last_error": f"redirect to https://x.example/{CLEAR}{FAKE}{BIDI} (gave up after 3 tries)",
    "consecutive_failures": 5,
}
# What must never reach a terminal raw: C0 but newline, DEL, C1, bidi controls, surrogates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@pytest.fixture(scope="module")
def hostile(module_world):
    """The hostile item in the catalog, and its job in the DLQ (its last error the reason)."""
    region, outputs = module_world.stack.region, module_world.stack.outputs
    boto3.resource("dynamodb", region_name=region).Table(outputs["products_table"]).put_item(
        Item=ITEM
    )
    boto3.client("sqs", region_name=region).send_message(
        QueueUrl=outputs["scrape_dlq_url"],
        MessageBody=encode(ProductJob(RUN, PRODUCT_ID, str(ITEM["retailer"]))),
    )
    return module_world


@pytest.fixture
def pricemon(hostile, pricemon_for):
    return pricemon_for(hostile)


@pytest.fixture
def other_catalog(catalog_file):
    """A file without the hostile product: importing it would deactivate that one."""
    return catalog_file([CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle")])


def commands(other_catalog, tmp_path):
    return {
        "status": ["status"],
        "history": ["history", PRODUCT_ID],
        "dlq list": ["dlq", "list"],
        "import": ["catalog", "import", str(other_catalog), "--deactivate-missing", "--dry-run"],
        "history (unknown id)": ["history", f"nope{CLEAR}{FAKE}"],
        "report": ["report", "--out", str(tmp_path / "report")],
    }


@pytest.mark.parametrize(
    "command", ["status", "history", "dlq list", "import", "history (unknown id)", "report"]
)
def test_every_command_prints_hostile_text_escaped(pricemon, other_catalog, tmp_path, command):
    argv = commands(other_catalog, tmp_path)[command]

    outcome = pricemon(*argv)

    shown = outcome.out + outcome.err
    assert not RAW.search(shown), repr(RAW.search(shown))
    if command in ("status", "dlq list", "import", "history", "history (unknown id)"):
        assert "\\x1b[2J" in shown
    if command in ("status", "dlq list"):
        assert "\\rall products OK" in shown  # the last error, visibly
        assert "\\u202egpj.exe" in shown


@pytest.mark.parametrize("command", ["status", "history", "dlq list", "import"])
def test_json_output_stays_json_and_keeps_the_text_exactly(
    pricemon, other_catalog, tmp_path, command
):
    argv = commands(other_catalog, tmp_path)[command]

    outcome = pricemon(*argv, "--json")

    assert not RAW.search(outcome.out)
    assert PRODUCT_ID in strings(outcome.json())


def strings(data):
    """Every string in a JSON document."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for value in data.values() for text in strings(value)]
    if isinstance(data, list):
        return [text for value in data for text in strings(value)]
    return []


def test_a_tables_columns_stay_aligned_around_escaped_text(pricemon):
    lines = pricemon("status").out.splitlines()

    header = next(line for line in lines if line.startswith("product "))
    row = next(line for line in lines if line.startswith("evil"))
    assert row.index("shop\\u202e") == header.index("retailer")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_csv_export_is_escaped_on_a_terminal_and_exact_into_a_pipe(hostile):
    stack = Stack(hostile.stack.outputs, hostile.stack.region, description="the local stack")
    on_terminal, piped = Terminal(), io.StringIO()

    main(["catalog", "export", "-"], out=on_terminal, err=io.StringIO(), stack=stack)
    main(["catalog", "export", "-"], out=piped, err=io.StringIO(), stack=stack)

    assert not RAW.search(on_terminal.getvalue())
    assert "evil\\x1b[2J" in on_terminal.getvalue()
    assert PRODUCT_ID in piped.getvalue()  # the file's content, as stored


def test_the_report_is_well_formed_xml_whatever_the_catalog_holds(pricemon, tmp_path, hostile):
    # A product that changed in the period: the report shows its name, url and chart.
    region, outputs = hostile.stack.region, hostile.stack.outputs
    prices = boto3.resource("dynamodb", region_name=region).Table(outputs["prices_table"])
    now_ms = int(hostile.clock.now().timestamp() * 1000)
    for offset, price in ((2, Decimal("40.00")), (1, Decimal("30.00"))):
        prices.put_item(
            Item={
                "product_id": PRODUCT_ID,
                "timestamp": now_ms - offset * 3_600_000,
                "retailer": ITEM["retailer"],
                "price": price,
                "currency": f"EUR{CLEAR}",
                "availability": "in_stock",
                "run_id": f"run-{offset}",
            }
        )

    outcome = pricemon("report", "--out", str(tmp_path / "report"))

    assert outcome.code == 0
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    root = ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))  # expat rejects \x1b
    assert "\\x1b[2J" in "".join(root.itertext())
    assert root.find(".//{http://www.w3.org/2000/svg}svg") is not None
