"""`pricemon status` and `pricemon history` on the local stack after real cycles over the local
retailer site: what they show must match the cycles' own accounting (the event loop's
CycleReport) and the notifications the detector actually sent."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"
CYCLES = 3  # the site's story: drops in cycles 1 and 2, out of stock in 1, back in 2


@pytest.fixture(scope="module")
def cycled(retailer_site, cycles_over):
    yield from cycles_over(retailer_site, CYCLES)


def test_status_shows_each_cycle_exactly_as_the_cycle_report_counts_it(cycled):
    shown = cycled.pricemon("status", "--json").json()

    runs = {run["run_id"]: run for run in shown["runs"]}
    assert len(runs) == len(cycled.world.cycles) == CYCLES
    for cycle in cycled.world.cycles:
        run = runs[cycle.run_id]
        counted = (run["products"], run["scraped"], run["failed"], run["blocked"])
        assert counted == (cycle.products, cycle.scraped, cycle.failed, cycle.blocked)
        assert run["dead_lettered"] == cycle.dead_lettered
        assert run["state"] == "finished"
    assert shown["runs"][0]["run_id"] == cycled.world.cycles[-1].run_id
    assert shown["dlq_depth"] == 0
    table = cycled.pricemon("status").out
    for cycle in cycled.world.cycles:
        (row,) = [line.split() for line in table.splitlines() if line.startswith(cycle.run_id)]
        counts = [cycle.products, cycle.scraped, cycle.failed, cycle.blocked, cycle.dead_lettered]
        assert row[3:8] == [str(count) for count in counts]


def test_status_names_the_products_the_cycles_could_not_read(cycled):
    result = cycled.pricemon("status", "--json", "--strict")

    failing = {p["product_id"]: p for p in result.json()["failing_products"]}
    assert set(failing) == {"grill", "standing-desk"}  # the 404 and the captcha page
    assert (failing["grill"]["last_status"], failing["grill"]["failures"]) == ("error", CYCLES)
    assert "404" in failing["grill"]["last_error"]
    assert failing["standing-desk"]["last_status"] == "blocked"
    assert result.code == 1  # failing repeatedly: a problem for --strict
    above = cycled.pricemon("status", "--json", "--min-failures", str(CYCLES + 1)).json()
    assert above["failing_products"] == []


def test_a_price_drop_shows_in_the_history_with_its_derived_alert(cycled):
    """The kettle drops from 40.00 to 34.00 (-15 %) in the second cycle."""
    shown = cycled.pricemon("history", "kettle", "--json").json()
    second_run = cycled.world.cycles[1].run_id
    table = cycled.pricemon("history", "kettle").out

    assert [(e["price"], e["change_percent"]) for e in shown["entries"]] == [
        (40, None),
        (34, -15),
        (34, 0),
    ]
    assert [e["run_id"] for e in shown["entries"]] == [c.run_id for c in cycled.world.cycles]
    (alert,) = shown["alerts"]
    assert (alert["kind"], alert["run_id"]) == ("price_drop", second_run)
    assert (alert["old_price"], alert["new_price"], alert["drop_percent"]) == (40, 34, 15)
    # The detector sent the same alert for the same observation.
    sent = [d.json() for d in cycled.world.notifications() if d.json()["product_id"] == "kettle"]
    assert [(n["kind"], n["run_id"]) for n in sent] == [("price_drop", second_run)]
    assert "-15.00" in table
    assert "price_drop" in table


def test_the_chart_of_a_product_out_of_stock_for_a_cycle_breaks_there(cycled, tmp_path):
    chart = tmp_path / "grinder.svg"

    result = cycled.pricemon("history", "grinder", "--chart", str(chart))

    assert result.code == 0
    svg = ET.parse(chart).getroot()
    points = [c.get("class") for c in svg.iter(SVG + "circle")]
    assert points == ["observation in-stock", "observation not-in-stock", "observation in-stock"]
    assert len([r for r in svg.iter(SVG + "rect") if r.get("class") == "gap"]) == 1
    assert [p.get("data-kind") for p in svg.iter(SVG + "path")] == ["back_in_stock"]
