"""Planning and writing an import: only what the file changes, never the latest state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricemon.catalog_file import CatalogRow
from pricemon.catalog_sync import (
    apply_plan,
    plan_import,
    read_stored_catalog,
    row_from_item,
    sorted_rows,
)

KETTLE = CatalogRow(
    "kettle", "shop-a", "https://shop-a.example/kettle", "Kettle", Decimal("12.5"), None, True
)
LAMP = CatalogRow("lamp", "shop-b", "https://shop-b.example/lamp", None, None, Decimal("30"), True)
LATEST_STATE = {
    "last_price": Decimal("19.99"),
    "last_currency": "EUR",
    "last_status": "ok",
    "last_run_id": "2026-01-01T06:00:00Z",
    "consecutive_failures": 0,
}


def store(table, *rows, **state):
    for row in rows:
        table.put_item(Item={**row.to_item(), **state})


def items(table):
    return {item["product_id"]: item for item in table.scan(ConsistentRead=True)["Items"]}


def test_new_products_are_added_and_identical_ones_left_alone(products_table):
    store(products_table, KETTLE)

    plan = plan_import([KETTLE, LAMP], read_stored_catalog(products_table))

    assert [row.product_id for row in plan.added] == ["lamp"]
    assert plan.unchanged == ["kettle"]
    assert plan.updated == []
    assert plan.deactivated == []
    assert plan.writes == 1


def test_equal_numbers_written_differently_are_unchanged(products_table):
    store(products_table, KETTLE)
    same = CatalogRow(**{**KETTLE.__dict__, "drop_threshold_percent": Decimal("12.50")})

    plan = plan_import([same], read_stored_catalog(products_table))

    assert plan.unchanged == ["kettle"]


def test_an_item_without_active_counts_as_active(products_table):
    item = KETTLE.to_item()
    del item["active"]
    products_table.put_item(Item=item)

    assert plan_import([KETTLE], read_stored_catalog(products_table)).unchanged == ["kettle"]


def test_an_update_sets_changed_fields_removes_blanked_ones_and_keeps_latest_state(
    products_table,
):
    store(products_table, KETTLE, **LATEST_STATE)
    edited = CatalogRow(
        "kettle", "shop-a", "https://shop-a.example/kettle-2", "Kettle", None, Decimal("15")
    )

    plan = plan_import([edited], read_stored_catalog(products_table))
    apply_plan(products_table, plan)

    assert [(u.product_id, u.fields) for u in plan.updated] == [
        ("kettle", ["drop_threshold_percent", "target_price", "url"])
    ]
    item = items(products_table)["kettle"]
    assert row_from_item(item) == edited
    assert {name: item[name] for name in LATEST_STATE} == LATEST_STATE


def test_deactivate_missing_retires_active_products_absent_from_the_file(products_table):
    retired = CatalogRow("old", "shop-a", "https://shop-a.example/old", active=False)
    store(products_table, KETTLE, LAMP, retired)

    plan = plan_import([KETTLE], read_stored_catalog(products_table), deactivate_missing=True)
    apply_plan(products_table, plan)

    assert plan.deactivated == ["lamp"]  # "old" is inactive already
    assert {pid: item["active"] for pid, item in items(products_table).items()} == {
        "kettle": True,
        "lamp": False,
        "old": False,
    }


def test_without_deactivate_missing_absent_products_stay_active(products_table):
    store(products_table, KETTLE, LAMP)

    plan = plan_import([KETTLE], read_stored_catalog(products_table))

    assert plan.deactivated == []


def test_a_product_deleted_after_planning_is_written_whole_not_as_a_fragment(products_table):
    store(products_table, KETTLE)
    edited = CatalogRow(**{**KETTLE.__dict__, "name": "Steel kettle"})
    plan = plan_import([edited], read_stored_catalog(products_table))
    products_table.delete_item(Key={"product_id": "kettle"})

    apply_plan(products_table, plan)

    assert row_from_item(items(products_table)["kettle"]) == edited


def test_a_product_deleted_before_its_deactivation_stays_deleted(products_table):
    store(products_table, LAMP)
    plan = plan_import([], read_stored_catalog(products_table), deactivate_missing=True)
    products_table.delete_item(Key={"product_id": "lamp"})

    apply_plan(products_table, plan)

    assert items(products_table) == {}


def test_progress_counts_every_write_of_the_plan(products_table):
    store(products_table, KETTLE, LAMP)
    edited = CatalogRow(**{**KETTLE.__dict__, "name": "Steel kettle"})
    new = [CatalogRow(f"n{i}", "shop-c", f"https://shop-c.example/{i}") for i in range(30)]
    plan = plan_import([edited, *new], read_stored_catalog(products_table), deactivate_missing=True)
    seen = []

    apply_plan(products_table, plan, on_progress=lambda done, total: seen.append((done, total)))

    assert seen == [(25, 32), (30, 32), (31, 32), (32, 32)]


class PagedTable:
    """A table whose scan answers in pages of two items, as DynamoDB does past 1 MB."""

    def __init__(self, items):
        self.items = items
        self.scans = []

    def scan(self, **arguments):
        self.scans.append(arguments)
        start = arguments.get("ExclusiveStartKey", {}).get("index", 0)
        page = {"Items": self.items[start : start + 2]}
        if start + 2 < len(self.items):
            page["LastEvaluatedKey"] = {"index": start + 2}
        return page


def test_the_stored_catalog_is_read_across_scan_pages_with_catalog_attributes_only():
    table = PagedTable([{**row.to_item()} for row in (KETTLE, LAMP, CatalogRow("z", "r", "u"))])

    stored = read_stored_catalog(table)

    assert sorted(stored) == ["kettle", "lamp", "z"]
    assert len(table.scans) == 2
    assert "last_price" not in table.scans[0]["ExpressionAttributeNames"].values()
    assert set(table.scans[0]["ExpressionAttributeNames"].values()) == {
        "product_id",
        "retailer",
        "url",
        "name",
        "drop_threshold_percent",
        "target_price",
        "active",
        "alerts",
        "increase_threshold_percent",
        "new_low_days",
    }


def test_exported_rows_are_sorted_by_product_id():
    assert [row.product_id for row in sorted_rows([LAMP.to_item(), KETTLE.to_item()])] == [
        "kettle",
        "lamp",
    ]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"product_id": "x"}, CatalogRow("x", "", "")),
        (
            {"product_id": "x", "retailer": "r", "url": "u", "name": "", "active": False},
            CatalogRow("x", "r", "u", active=False),
        ),
    ],
)
def test_rows_from_incomplete_items_keep_what_is_there(stored, expected):
    assert row_from_item(stored) == expected
