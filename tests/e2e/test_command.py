"""`python -m local_stack`: the command a user runs, end to end."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from local_stack.__main__ import (
    EXIT_INVALID_CATALOG,
    EXIT_NOT_PROVISIONED,
    EXIT_OK,
    main,
)
from local_stack.retailer_site import RetailerSite
from pricemon.catalog_file import COLUMNS, write_catalog

ROOT = Path(__file__).resolve().parents[2]


def run_command(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


@pytest.fixture
def bad_catalog(tmp_path) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(
        ",".join(COLUMNS)
        + "\n"
        + "kettle,jsonld-mart,http://127.0.0.1:9/kettle,Kettle,10,,true\n"
        + "toaster,jsonld-mart,ftp://example.com/toaster,Toaster,10,,true\n"
        + "kettle,jsonld-mart,https://example.com/kettle,Kettle,150,,maybe\n"
    )
    return path


def test_the_demo_runs_its_cycles_and_writes_the_report(tmp_path):
    report_path, logs = tmp_path / "report.json", tmp_path / "functions.log"

    status, output = run_command(
        "demo", "--cycles", "2", "--report", str(report_path), "--logs", str(logs)
    )

    assert status == EXIT_OK, output
    assert "cycle 2/2 run " in output
    assert "11 products, 9 scraped, 1 failed, 1 blocked, 0 dead-lettered, 3 notifications" in output
    kettle = '"Steel kettle 1.7 l": 40.00 -> 34.00 EUR (-15.00%)'
    assert f"notification: price_drop kettle (jsonld-mart) {kettle}" in output
    assert "every product of every cycle is accounted for" in output
    report = json.loads(report_path.read_text())
    assert set(report) == {"cycles", "notifications", "products", "dead_letters", "history_count"}
    assert [cycle["notifications"] for cycle in report["cycles"]] == [0, 3]
    assert set(report["cycles"][0]) >= {
        "run_id",
        "products",
        "scraped",
        "failed",
        "blocked",
        "dead_lettered",
        "notifications",
        "seconds",
    }
    assert [n["kind"] for n in report["notifications"]] == ["price_drop"] * 3
    assert {item["product_id"] for item in report["products"]} >= {"kettle", "fryer"}
    assert report["dead_letters"] == []
    assert report["history_count"] == 18
    # The functions' own output went to their log, not to the summary.
    assert '"message":"batch scraped"' in logs.read_text()
    assert "batch scraped" not in output


def test_a_catalog_with_bad_rows_is_reported_by_line_and_nothing_runs(bad_catalog):
    status, output = run_command("run", "--catalog", str(bad_catalog), "--cycles", "1")

    assert status == EXIT_INVALID_CATALOG
    assert "line 3, url" in output
    assert "line 4, product_id" in output
    assert "line 4, drop_threshold_percent" in output
    assert "line 4, active" in output
    assert "nothing was imported" in output
    assert "provisioning" not in output


def test_a_missing_catalog_file_is_an_invalid_catalog(tmp_path):
    status, output = run_command("run", "--catalog", str(tmp_path / "nope.csv"))

    assert status == EXIT_INVALID_CATALOG
    assert "cannot read the catalog" in output


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--stack", "staging"], "no Pulumi.staging.yaml"),
        (["--allow-host", "not a host!"], "allowedHosts"),
    ],
    ids=["unknown-stack", "bad-allowed-host"],
)
def test_a_stack_that_cannot_be_provisioned_is_reported(tmp_path, arguments, problem):
    catalog = tmp_path / "catalog.csv"
    write_catalog([], catalog)

    status, output = run_command("run", "--catalog", str(catalog), *arguments)

    assert status == EXIT_NOT_PROVISIONED
    assert "could not be provisioned" in output
    assert problem in output


def test_run_imports_the_catalog_and_fetches_only_through_allowed_hosts(tmp_path):
    with RetailerSite() as site:
        catalog = tmp_path / "catalog.csv"
        write_catalog(site.sample_catalog()[:2], catalog)
        report_path = tmp_path / "report.json"

        status, output = run_command(
            "run",
            "--catalog",
            str(catalog),
            "--report",
            str(report_path),
            "--logs",
            str(tmp_path / "functions.log"),
        )

    assert status == EXIT_OK, output
    assert "imported 2 catalog items" in output
    (cycle,) = json.loads(report_path.read_text())["cycles"]
    # Without --allow-host the fetcher refuses the loopback site: failed, not fetched.
    assert (cycle["products"], cycle["failed"], cycle["scraped"]) == (2, 2, 0)
    assert site.requests() == []


def test_the_module_runs_as_a_command(bad_catalog):
    completed = subprocess.run(
        [sys.executable, "-m", "local_stack", "run", "--catalog", str(bad_catalog)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == EXIT_INVALID_CATALOG
    assert "line 3, url" in completed.stdout


def test_the_command_line_is_checked():
    with pytest.raises(SystemExit) as raised:
        main(["run", "--catalog", "x.csv", "--cycles", "0"], out=io.StringIO())

    assert raised.value.code == 2
