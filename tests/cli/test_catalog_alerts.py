"""The catalog file's opt-in alert columns: `alerts`, `increase_threshold_percent`,
`new_low_days` read, checked, imported as the item's attributes and exported back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import catalog_rules
from contracts.catalog import CatalogItem
from contracts.change_rules import CatalogFields, EventKind
from pricemon.catalog_file import (
    COLUMNS,
    CatalogFileError,
    CatalogRow,
    RowProblem,
    import_catalog,
    parse_catalog,
    read_catalog,
    write_catalog,
)

OLD_HEADER = "product_id,retailer,url,name,drop_threshold_percent,target_price,active"
HEADER = ",".join(COLUMNS)
BASE = "kettle,shop-a,https://shop-a.example/kettle,Kettle,,,"


def problems_of(text: str) -> list[RowProblem]:
    with pytest.raises(CatalogFileError) as raised:
        parse_catalog(text)
    return raised.value.problems


def test_the_alert_columns_come_after_active():
    assert HEADER == OLD_HEADER + ",alerts,increase_threshold_percent,new_low_days"


def test_a_file_written_before_the_alert_columns_reads_as_before():
    (row,) = parse_catalog(f"{OLD_HEADER}\n{BASE}true\n")

    assert row == CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle", "Kettle")
    assert (row.alerts, row.increase_threshold_percent, row.new_low_days) == ((), None, None)


def test_the_alert_columns_are_read_into_their_types():
    (row,) = parse_catalog(f'{HEADER}\n{BASE}," new_low ; price_increase;",2.5,14\n')

    assert row.alerts == ("price_increase", "new_low")  # catalog_rules order, blanks dropped
    assert (row.increase_threshold_percent, row.new_low_days) == (Decimal("2.5"), 14)


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ("price_rise,,", "alerts", "unknown alert kind 'price_rise' (the opt-in kinds are "
         "price_increase, any_change, new_low, out_of_stock)"),
        ("price_drop,,", "alerts", "'price_drop' is always on: list only the opt-in kinds"),
        ("new_low;New_Low,,", "alerts", "unknown alert kind 'New_Low'"),
        ("new_low;new_low,,", "alerts", "lists 'new_low' more than once"),
        ("new_low,new_low,", "increase_threshold_percent", "'new_low' is not a number"),
        (",0,", "increase_threshold_percent", "0 is not in (0, 1000]"),
        (",1000.01,", "increase_threshold_percent", "1000.01 is not in (0, 1000]"),
        (",,0", "new_low_days", "0 is not a whole number of days from 1 to 365"),
        (",,366", "new_low_days", "366 is not a whole number of days from 1 to 365"),
        (",,7.5", "new_low_days", "7.5 is not a whole number of days"),
        (",,seven", "new_low_days", "'seven' is not a number"),
    ],
)  # fmt: skip
def test_each_bad_alert_cell_is_reported_with_its_line_column_and_reason(cells, column, reason):
    [problem] = problems_of(f"{HEADER}\n{BASE},{cells}\n")

    assert (problem.line, problem.column) == (2, column)
    assert reason in problem.reason


def test_every_unknown_kind_of_a_cell_is_named():
    [problem] = problems_of(f"{HEADER}\n{BASE},rise;any_change;fall,,\n")

    assert "'rise'" in problem.reason
    assert "'fall'" in problem.reason


def test_the_file_and_the_detector_and_scraper_apply_the_same_alert_rules():
    # A value the file rejects is one the products table's readers reject too.
    for column, cell, value in [
        ("alerts", "price_rise", {"price_rise"}),
        ("increase_threshold_percent", "0", Decimal(0)),
        ("new_low_days", "400", Decimal(400)),
    ]:
        item = CatalogRow("a", "shop", "https://shop.example/a").to_item() | {column: value}
        with pytest.raises(ValueError, match=column):
            CatalogItem.from_item(item)
        with pytest.raises(ValueError, match=column):
            CatalogFields.from_image(item)
        [problem] = problems_of(
            f"{OLD_HEADER},{column}\na,shop,https://shop.example/a,,,,,{cell}\n"
        )
        assert problem.column == column


def test_a_row_is_imported_as_the_items_string_set_and_numbers(products_table):
    (row,) = parse_catalog(f"{HEADER}\n{BASE},out_of_stock;new_low,5,30\n")
    import_catalog(products_table, [row])

    item = products_table.get_item(Key={"product_id": "kettle"})["Item"]
    assert item["alerts"] == {"new_low", "out_of_stock"}
    assert (item["increase_threshold_percent"], item["new_low_days"]) == (Decimal(5), Decimal(30))
    catalog = CatalogFields.from_image(item)
    assert catalog.alerts == {EventKind.NEW_LOW, EventKind.OUT_OF_STOCK}
    assert catalog.new_low_days == 30


def test_a_row_without_alerts_stores_no_alert_attributes():
    item = CatalogRow("a", "shop", "https://shop.example/a").to_item()
    assert not {"alerts", "increase_threshold_percent", "new_low_days"} & set(item)


def test_export_writes_the_alert_columns_and_reimports_unchanged(
    pricemon, catalog_file, products_table, tmp_path
):
    rows = [
        CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle", alerts=("any_change",)),
        CatalogRow(
            "lamp",
            "shop-b",
            "https://shop-b.example/lamp",
            alerts=("price_increase", "out_of_stock"),
            increase_threshold_percent=Decimal("7.5"),
            new_low_days=60,
        ),
    ]
    pricemon("catalog", "import", str(catalog_file(rows)))
    exported = tmp_path / "exported.csv"

    pricemon("catalog", "export", str(exported))
    again = pricemon("catalog", "import", str(exported), "--json")

    assert read_catalog(exported) == rows
    assert "true,price_increase;out_of_stock,7.5,60" in exported.read_text(encoding="utf-8")
    assert again.json()["unchanged"] == 2


def test_clearing_a_products_alerts_removes_them_from_the_item(
    pricemon, catalog_file, products_table
):
    kettle = CatalogRow(
        "kettle", "shop-a", "https://shop-a.example/kettle", alerts=("new_low",), new_low_days=7
    )
    pricemon("catalog", "import", str(catalog_file([kettle])))

    plain = CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle")
    pricemon("catalog", "import", str(catalog_file([plain], name="plain.csv")))

    item = products_table.get_item(Key={"product_id": "kettle"})["Item"]
    assert "alerts" not in item
    assert "new_low_days" not in item


# --- untrusted cells ----------------------------------------------------------------------

kind_sets = st.lists(st.sampled_from(catalog_rules.OPT_IN_ALERT_KINDS), unique=True).map(
    lambda kinds: tuple(k for k in catalog_rules.OPT_IN_ALERT_KINDS if k in kinds)
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            CatalogRow,
            product_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
            retailer=st.just("shop"),
            url=st.just("https://shop.example/a"),
            alerts=kind_sets,
            increase_threshold_percent=st.none()
            | st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
            new_low_days=st.none() | st.integers(min_value=1, max_value=365),
        ),
        max_size=5,
        unique_by=lambda row: row.product_id,
    )
)
def test_any_valid_alert_settings_survive_a_write_and_a_read(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("catalog") / "catalog.csv"

    write_catalog(rows, path)

    assert read_catalog(path) == rows


cell_text = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from([*catalog_rules.OPT_IN_ALERT_KINDS, *catalog_rules.ALWAYS_ON_ALERT_KINDS])
        | st.text(alphabet="abcdefghijklmnopqrstuvwxyz_ ;", max_size=12),
        max_size=5,
    ).map(";".join),
)


@settings(max_examples=200, deadline=None)
@given(alerts=cell_text, increase=st.text(max_size=12), days=st.text(max_size=12))
def test_untrusted_alert_cells_read_as_valid_settings_or_are_reported_on_their_column(
    alerts, increase, days
):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(
        [
            COLUMNS,
            ["kettle", "shop", "https://shop.example/a", "", "", "", "", alerts, increase, days],
        ]
    )
    try:
        rows, problems = parse_catalog(buffer.getvalue()), []
    except CatalogFileError as error:
        rows, problems = [], error.problems
    if problems:
        # A NUL character stops the CSV reader: a problem of the line, not of one cell.
        columns = {problem.column for problem in problems}
        assert columns <= {"alerts", "increase_threshold_percent", "new_low_days", None}
        assert all(problem.line == 2 for problem in problems)
        return
    (row,) = rows
    assert set(row.alerts) <= set(catalog_rules.OPT_IN_ALERT_KINDS)
    assert len(set(row.alerts)) == len(row.alerts)
    if row.increase_threshold_percent is not None:
        assert catalog_rules.increase_threshold_problem(row.increase_threshold_percent) is None
    if row.new_low_days is not None:
        assert row.new_low_days in catalog_rules.NEW_LOW_DAYS
    # What was read is what an item of the products table may hold.
    CatalogItem.from_item(row.to_item())
    CatalogFields.from_image(row.to_item())
