"""`pricemon catalog import` stopped halfway: a closed pipe never stops it, and after Ctrl-C
the same import run again brings the table in line with the file."""

from __future__ import annotations

import io
import sys

import pytest

from pricemon import app
from pricemon.app import main
from pricemon.catalog_file import CatalogRow, import_catalog, read_catalog
from pricemon.catalog_sync import read_stored_catalog, row_from_item


class ClosedPipe(io.StringIO):
    """A stream whose reader has gone (`| head` after its lines), after `allowed` chars."""

    def __init__(self, allowed: int = 0) -> None:
        super().__init__()
        self.allowed = allowed

    def write(self, text):
        if self.tell() + len(text) > self.allowed:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@pytest.fixture
def catalog_change(generated_rows, products_table, catalog_file):
    """120 products stored; a file that keeps 60 of them (5 edited), adds 20 and so
    deactivates the other 59 active ones with --deactivate-missing."""
    stored = generated_rows(120)
    import_catalog(products_table, stored)
    kept = [
        CatalogRow(row.product_id, row.retailer, row.url, f"Renamed {row.name}")
        if index < 5
        else row
        for index, row in enumerate(stored[:60])
    ]
    new = [
        CatalogRow(f"new{number:03d}", "shop-new", f"https://new.example/{number}")
        for number in range(20)
    ]
    return catalog_file([*kept, *new])


def assert_table_matches(products_table, path):
    """Every product of the file as the file says; every other one inactive."""
    wanted = {row.product_id: row for row in read_catalog(path)}
    stored = read_stored_catalog(products_table)
    for product_id, item in stored.items():
        if product_id in wanted:
            assert row_from_item(item) == wanted[product_id]
        else:
            assert item["active"] is False, product_id
    assert set(wanted) <= set(stored)


def test_ctrl_c_midway_says_what_was_applied_and_a_rerun_completes_the_import(
    pricemon, catalog_change, products_table
):
    updates = []

    def interrupt_on_the_30th(params):
        updates.append(params)
        if len(updates) == 30:  # 5 updates done, then 24 of the 60 deactivations
            raise KeyboardInterrupt
        return None  # the emulator answers

    pricemon.answers["dynamodb.UpdateItem"] = interrupt_on_the_30th
    interrupted = pricemon("catalog", "import", str(catalog_change), "--deactivate-missing")
    pricemon.answers.clear()
    rerun = pricemon("catalog", "import", str(catalog_change), "--deactivate-missing", "--json")

    assert interrupted.code == 130
    assert interrupted.err.splitlines()[-1] == (
        "pricemon: interrupted: 49 of the import's 84 writes were confirmed, so the table holds"
        " part of it. Run the same import again to complete it: it writes only what still"
        " differs from the file"
    )
    assert "Traceback" not in interrupted.err
    assert interrupted.out == ""  # the result is printed once every write is done
    assert rerun.code == 0
    data = rerun.json()
    assert (data["added"], data["updated"], data["deactivated"]) == (0, 0, 35)
    assert_table_matches(products_table, catalog_change)


def test_the_plan_is_announced_on_stderr_before_the_first_write(pricemon, catalog_change):
    outcome = pricemon("catalog", "import", str(catalog_change), "--deactivate-missing")

    assert outcome.err.splitlines()[0] == (
        f"{catalog_change}: writing 84 changes (20 new, 5 updated, 59 deactivated)"
    )
    assert outcome.err.splitlines()[-1] == "importing: 84/84"


def test_a_closed_stderr_does_not_stop_an_import_halfway(pricemon, catalog_change, products_table):
    # `pricemon catalog import ... 2>&1 | head -1`: the progress lines meet a closed pipe.
    code = main(
        ["catalog", "import", str(catalog_change), "--deactivate-missing"],
        out=io.StringIO(),
        err=ClosedPipe(),
        stack=pricemon.stack(),
    )

    assert code == 0
    assert_table_matches(products_table, catalog_change)


def test_a_closed_stdout_after_the_writes_leaves_the_import_complete(
    pricemon, catalog_change, products_table
):
    with pytest.raises(BrokenPipeError):  # entry_point ends it quietly (next test)
        main(
            ["catalog", "import", str(catalog_change), "--deactivate-missing"],
            out=ClosedPipe(allowed=40),
            err=io.StringIO(),
            stack=pricemon.stack(),
        )

    assert_table_matches(products_table, catalog_change)


def test_a_closed_stdout_ends_pricemon_quietly_with_sigpipes_exit_code(
    monkeypatch, generated_rows, catalog_file
):
    path = catalog_file(generated_rows(300))  # a table of seven retailers to print
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "argv", ["pricemon", "catalog", "validate", str(path)])
    monkeypatch.setattr(sys, "stdout", ClosedPipe(allowed=60))
    monkeypatch.setattr(sys, "stderr", stderr)

    with pytest.raises(SystemExit) as exit_:
        app.entry_point()

    assert exit_.value.code == 141
    assert stderr.getvalue() == ""  # no traceback, no message
    sys.stdout.write("the interpreter's last flush finds somewhere to go\n")
    sys.stdout.flush()
    sys.stdout.close()
