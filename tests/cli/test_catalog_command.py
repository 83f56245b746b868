"""`pricemon catalog validate|import|export` against the dev stack provisioned into moto."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from pricemon.catalog_file import COLUMNS, CatalogRow, read_catalog

HEADER = ",".join(COLUMNS)
KETTLE = CatalogRow(
    "kettle", "shop-a", "https://shop-a.example/kettle", "Kettle", Decimal("12.5"), None, True
)
LAMP = CatalogRow("lamp", "shop-b", "https://shop-b.example/lamp", None, None, Decimal("30"), True)


def stored(products_table):
    return {item["product_id"]: item for item in products_table.scan(ConsistentRead=True)["Items"]}


# --- validate ---------------------------------------------------------------------------


def test_validate_reports_every_bad_row_with_its_line_and_reason(pricemon, catalog_file):
    path = catalog_file(
        [KETTLE],
        extra_lines=[
            "toaster,shop-a,ftp://shop-a.example/toaster,Toaster,,,",
            "kettle,shop-a,https://shop-a.example/kettle-2,,,,",
            "grill,shop-a,https://shop-a.example/grill,,ten,,",
            "lamp,shop-a,https://shop-a.example/lamp,,150,,",
            "fan,shop-a,not a url,,,,",
        ],
    )

    outcome = pricemon("catalog", "validate", str(path), "--json")

    assert outcome.code == 1
    problems = [(p["line"], p["column"]) for p in outcome.json()["problems"]]
    assert problems == [
        (3, "url"),
        (4, "product_id"),
        (5, "drop_threshold_percent"),
        (6, "drop_threshold_percent"),
        (7, "url"),
    ]
    reasons = [p["reason"] for p in outcome.json()["problems"]]
    assert "is not an http or https URL" in reasons[0]
    assert "duplicate product_id 'kettle' (first on line 2)" in reasons[1]
    assert "'ten' is not a number" in reasons[2]
    assert "150 is not in (0, 100]" in reasons[3]
    assert outcome.calls == []  # checking a file needs no AWS


def test_validate_prints_the_problems_as_a_table(pricemon, catalog_file):
    path = catalog_file([KETTLE], extra_lines=["lamp,shop-a,https://shop-a.example/l,,0,,"])

    outcome = pricemon("catalog", "validate", str(path))

    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert lines[0] == f"{path}: 1 problem"
    assert lines[1].split() == ["line", "column", "problem"]
    assert lines[2].split()[:2] == ["3", "drop_threshold_percent"]
    assert lines[2].endswith("0 is not in (0, 100]")


def test_validate_reports_an_unknown_column(pricemon, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(f"{HEADER},colour\nkettle,shop-a,https://shop-a.example/k,,,,,red\n")

    outcome = pricemon("catalog", "validate", str(path), "--json")

    assert outcome.code == 1
    (problem,) = outcome.json()["problems"]
    assert problem["line"] == 1
    assert problem["column"] == "colour"
    assert problem["reason"].startswith("unknown column 'colour'")


def test_a_valid_file_is_summarised_by_retailer(pricemon, catalog_file):
    path = catalog_file(
        [KETTLE, LAMP, CatalogRow("x", "shop-a", "https://a.example/x", active=False)]
    )

    outcome = pricemon("catalog", "validate", str(path))
    data = pricemon("catalog", "validate", str(path), "--json").json()

    assert outcome.code == 0
    assert outcome.out.splitlines()[0] == f"{path}: 3 products (2 active), 2 retailers, no problems"
    assert data == {
        "file": str(path),
        "valid": True,
        "products": 3,
        "active": 2,
        "retailers": {"shop-a": 2, "shop-b": 1},
    }


def test_a_file_that_cannot_be_read_is_a_usage_error(pricemon, tmp_path):
    outcome = pricemon("catalog", "validate", str(tmp_path / "missing.csv"))

    assert outcome.code == 2
    assert "cannot read" in outcome.err
    assert "missing.csv" in outcome.err


# --- import -----------------------------------------------------------------------------


def test_import_adds_new_products(pricemon, catalog_file, products_table):
    path = catalog_file([KETTLE, LAMP])

    outcome = pricemon("catalog", "import", str(path), "--json")

    assert outcome.code == 0
    data = outcome.json()
    assert (data["added"], data["updated"], data["unchanged"], data["deactivated"]) == (2, 0, 0, 0)
    assert data["changes"]["added"] == ["kettle", "lamp"]
    assert stored(products_table) == {"kettle": KETTLE.to_item(), "lamp": LAMP.to_item()}


def test_one_bad_row_at_the_end_of_5300_writes_nothing(
    pricemon, catalog_file, generated_rows, products_table
):
    path = catalog_file(
        generated_rows(5_300), extra_lines=["last,shop-1,https://shop-1.example/last,,101,,"]
    )

    outcome = pricemon("catalog", "import", str(path), "--json")

    assert outcome.code == 1
    assert outcome.json()["problems"] == [
        {"line": 5_302, "column": "drop_threshold_percent", "reason": "101 is not in (0, 100]"}
    ]
    assert "nothing was written" in outcome.err
    assert outcome.calls == []
    assert stored(products_table) == {}


def test_5300_products_import_in_batches_with_progress_and_reimport_writes_nothing(
    pricemon, catalog_file, generated_rows, products_table
):
    rows = generated_rows(5_300)
    path = catalog_file(rows)

    first = pricemon("catalog", "import", str(path))
    again = pricemon("catalog", "import", str(path), "--json")

    assert first.code == 0
    assert first.out.splitlines()[1:3] == [
        "added  updated  unchanged  deactivated",
        " 5300        0          0            0",
    ]
    assert first.writes() == ["dynamodb.BatchWriteItem"] * 212  # 25 a call
    assert first.err.splitlines()[-1] == "importing: 5300/5300"
    items = stored(products_table)
    assert len(items) == 5_300
    assert items["p00003"] == rows[3].to_item()
    assert again.json()["unchanged"] == 5_300
    assert again.writes() == []


def test_reimporting_an_edited_file_keeps_each_products_latest_state(
    pricemon, catalog_file, products_table
):
    products_table.put_item(
        Item={**KETTLE.to_item(), "last_price": Decimal("19.99"), "last_status": "ok"}
    )
    edited = CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle", "Steel kettle")
    path = catalog_file([edited, LAMP])

    outcome = pricemon("catalog", "import", str(path))

    assert outcome.code == 0
    assert outcome.out.splitlines()[2].split() == ["1", "1", "0", "0"]
    assert ["updated", "kettle", "drop_threshold_percent,", "name"] in [
        line.split() for line in outcome.out.splitlines()
    ]
    kettle = stored(products_table)["kettle"]
    assert kettle["name"] == "Steel kettle"
    assert "drop_threshold_percent" not in kettle
    assert (kettle["last_price"], kettle["last_status"]) == (Decimal("19.99"), "ok")
    assert outcome.writes().count("dynamodb.UpdateItem") == 1


def test_deactivate_missing_retires_products_absent_from_the_file(
    pricemon, catalog_file, products_table
):
    pricemon("catalog", "import", str(catalog_file([KETTLE, LAMP])))

    outcome = pricemon(
        "catalog", "import", str(catalog_file([KETTLE], name="k.csv")), "--deactivate-missing"
    )

    assert outcome.code == 0
    assert outcome.out.splitlines()[2].split() == ["0", "0", "1", "1"]
    assert {pid: item["active"] for pid, item in stored(products_table).items()} == {
        "kettle": True,
        "lamp": False,
    }


def test_a_dry_run_shows_the_changes_and_writes_nothing(pricemon, catalog_file, products_table):
    pricemon("catalog", "import", str(catalog_file([KETTLE])))

    outcome = pricemon(
        "catalog",
        "import",
        str(catalog_file([LAMP], name="l.csv")),
        "--dry-run",
        "--deactivate-missing",
    )

    assert outcome.code == 0
    assert "would change" in outcome.out
    assert outcome.out.rstrip().endswith("dry run: nothing was written")
    lines = [line.split() for line in outcome.out.splitlines()]
    assert ["added", "lamp", "-"] in lines
    assert ["deactivated", "kettle", "active"] in lines
    assert outcome.writes() == []
    assert stored(products_table) == {"kettle": KETTLE.to_item()}


def test_a_long_change_list_is_cut_short_on_screen_but_complete_in_json(
    pricemon, catalog_file, generated_rows
):
    path = catalog_file(generated_rows(30))

    shown = pricemon("catalog", "import", str(path), "--dry-run")
    data = pricemon("catalog", "import", str(path), "--dry-run", "--json").json()

    assert "... and 10 more (--json lists them all)" in shown.out
    assert len(data["changes"]["added"]) == 30


def test_import_without_a_stack_says_which_stack_to_name(catalog_file):
    from pricemon.app import main

    err = io.StringIO()
    code = main(["catalog", "import", str(catalog_file([KETTLE]))], out=io.StringIO(), err=err)

    assert code == 2
    assert "which stack?" in err.getvalue()


# --- export -----------------------------------------------------------------------------


def test_export_writes_every_product_sorted_and_reimports_unchanged(
    pricemon, catalog_file, products_table, tmp_path
):
    pricemon("catalog", "import", str(catalog_file([LAMP, KETTLE])))
    products_table.update_item(
        Key={"product_id": "kettle"},
        UpdateExpression="SET last_price = :p",
        ExpressionAttributeValues={":p": Decimal("20")},
    )
    exported = tmp_path / "exported.csv"

    outcome = pricemon("catalog", "export", str(exported))
    again = pricemon("catalog", "import", str(exported), "--json")

    assert outcome.code == 0
    assert outcome.out == f"{exported}: 2 products exported\n"
    assert read_catalog(exported) == [KETTLE, LAMP]
    assert again.json()["unchanged"] == 2
    assert again.writes() == []


NO_ALERTS = ("", "", "")  # alerts, increase_threshold_percent, new_low_days


def test_export_to_stdout_is_the_csv(pricemon, catalog_file):
    pricemon("catalog", "import", str(catalog_file([LAMP, KETTLE])))

    outcome = pricemon("catalog", "export", "-")

    assert outcome.code == 0
    assert list(csv.reader(io.StringIO(outcome.out))) == [
        list(COLUMNS),
        [
            "kettle",
            "shop-a",
            "https://shop-a.example/kettle",
            "Kettle",
            "12.5",
            "",
            "true",
            *NO_ALERTS,
        ],
        ["lamp", "shop-b", "https://shop-b.example/lamp", "", "", "30", "true", *NO_ALERTS],
    ]


def test_export_json_names_the_file_and_count(pricemon, tmp_path):
    outcome = pricemon("catalog", "export", str(tmp_path / "empty.csv"), "--json")

    assert outcome.json() == {"file": str(tmp_path / "empty.csv"), "products": 0}
    assert read_catalog(tmp_path / "empty.csv") == []


def test_export_to_an_unwritable_place_is_a_usage_error(pricemon, tmp_path):
    outcome = pricemon("catalog", "export", str(tmp_path / "no-such-dir" / "c.csv"))

    assert outcome.code == 2
    assert "cannot write" in outcome.err
