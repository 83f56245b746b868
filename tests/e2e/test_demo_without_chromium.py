"""`make demo` on a machine without Chromium: it runs without script-shop and says how to
install it (its own module: the demo provisions its own stack, which cannot run while
another module's stack is up in the same process)."""

from __future__ import annotations

import io
import json

from local_stack.__main__ import EXIT_OK, main
from local_stack.demo import demo_products
from local_stack.retailer_site import BROWSER, HARD_TO_REACH, PROXY

SCRIPTED = [p.product_id for p in HARD_TO_REACH if p.reached_by == BROWSER]
WALLED = [p.product_id for p in HARD_TO_REACH if p.reached_by == PROXY]


def test_the_demo_without_chromium_runs_without_script_shop_and_says_how_to_install_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    report_path = tmp_path / "report.json"
    out = io.StringIO()

    logs = tmp_path / "functions.log"

    status = main(
        ["demo", "--cycles", "1", "--report", str(report_path), "--logs", str(logs)], out=out
    )

    output = out.getvalue()
    assert status == EXIT_OK, output
    assert f"Chromium is not at {tmp_path / 'no-chromium'}: install it with" in output
    assert "`apt-get install chromium`" in output
    assert "set CHROMIUM_PATH" in output
    assert "the demo runs without script-shop" in output
    products = {
        item["product_id"]: item for item in json.loads(report_path.read_text())["products"]
    }
    assert set(products) == {p.product_id for p in demo_products(browser=False)}
    assert not set(SCRIPTED) & set(products)
    assert all(products[p]["last_status"] == "ok" for p in WALLED)  # the rest is unchanged
    assert "robot-vacuum" not in output
    assert "every product of every cycle is accounted for" in output
