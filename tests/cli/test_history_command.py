"""`pricemon history PRODUCT_ID`: the series, the all-time low, the alerts the detector's rules
derive, and the SVG chart; against the provisioned stack in moto and after real cycles."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import boto3
import pytest

from contracts.environment import DEFAULT_DROP_THRESHOLD_PERCENT
from pricemon.history_queries import default_threshold

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def pricemon(module_world, pricemon_for):
    """`pricemon` against one stack for the module: each test writes its own products."""
    return pricemon_for(module_world)


@pytest.fixture
def catalog(module_world, pricemon):
    """Writes a product and its history rows (days ago, price, availability); a price of
    None is an out-of-stock page that showed none (no price, no currency)."""
    stack = pricemon.stack()
    products, prices = stack.table("products_table"), stack.table("prices_table")
    now = module_world.clock.now()

    def add(product_id, observations, **fields):
        products.put_item(
            Item={
                "product_id": product_id,
                "retailer": "jsonld-mart",
                "url": f"https://shop.example/{product_id}",
                "name": f"The {product_id}",
                **fields,
            }
        )
        for number, (days_ago, price, availability) in enumerate(observations):
            moment = now - timedelta(days=days_ago)
            prices.put_item(
                Item={
                    "product_id": product_id,
                    "timestamp": int(moment.timestamp() * 1000),
                    "retailer": "jsonld-mart",
                    **({} if price is None else {"price": Decimal(price), "currency": "EUR"}),
                    "availability": availability,
                    "run_id": f"run-{number}",
                    "url": f"https://shop.example/{product_id}",
                    "scraped_at": moment.isoformat(),
                }
            )

    return add


def test_an_unknown_product_is_a_usage_error_naming_it(pricemon):
    result = pricemon("history", "no-such-product")

    assert result.code == 2
    assert "no product 'no-such-product' in the catalog" in result.err


def test_a_product_without_history_says_so_and_succeeds(pricemon, catalog, tmp_path):
    catalog("new-kettle", [])

    result = pricemon("history", "new-kettle", "--chart", str(tmp_path / "new-kettle.svg"))

    assert result.code == 0
    assert "No price history for new-kettle yet." in result.out
    assert not (tmp_path / "new-kettle.svg").exists()
    assert pricemon("history", "new-kettle", "--json").json()["entries"] == []


def test_the_period_shows_each_observation_with_its_change(pricemon, catalog):
    catalog(
        "period-kettle",
        [(45, "30.00", "in_stock"), (20, "40.00", "in_stock"), (10, "34.00", "in_stock")],
    )

    shown = pricemon("history", "period-kettle", "--json").json()

    entries = [(e["price"], e["change_percent"], e["run_id"]) for e in shown["entries"]]
    # The observation 45 days ago is outside the default 30 days, yet still the reference
    # for the change of the first one inside.
    assert entries == [(40, 33.33, "run-1"), (34, -15, "run-2")]
    assert shown["stored_observations"] == 3
    assert shown["product"]["name"] == "The period-kettle"
    assert shown["product"]["url"] == "https://shop.example/period-kettle"


def test_the_all_time_low_covers_the_whole_stored_history(pricemon, catalog):
    catalog("low-kettle", [(45, "30.00", "in_stock"), (20, "40.00", "in_stock")])

    shown = pricemon("history", "low-kettle", "--json", "--days", "30").json()
    table = pricemon("history", "low-kettle").out

    assert shown["all_time_low"]["price"] == 30
    assert [entry["price"] for entry in shown["entries"]] == [40]
    assert "all-time low: 30.00 EUR on " in table


def test_alerts_are_derived_with_the_detector_rules_and_labelled_so(pricemon, catalog):
    catalog(
        "lamp",
        [
            (3, "30.00", "in_stock"),
            (2, "26.00", "out_of_stock"),  # -13.3 %: a drop
            (1, "26.00", "in_stock"),  # back in stock
            (0, "24.50", "in_stock"),  # -5.8 %: only the target price
        ],
        target_price=Decimal("25.00"),
    )

    shown = pricemon("history", "lamp", "--json").json()
    table = pricemon("history", "lamp").out

    alerts = [(a["kind"], a["run_id"], a["old_price"], a["new_price"]) for a in shown["alerts"]]
    assert alerts == [
        ("price_drop", "run-1", 30, 26),
        ("back_in_stock", "run-2", 26, 26),
        ("target_price", "run-3", 26, 24.5),
    ]
    assert "not a log of the notifications sent" in shown["alerts_note"]
    assert "Alerts (derived from the history with the detector's rules" in table


def test_an_observation_without_a_price_is_shown_and_its_price_returning_is_back_in_stock(
    pricemon, catalog, tmp_path
):
    catalog(
        "sold-out-kettle",
        [(3, "30.00", "in_stock"), (2, None, "out_of_stock"), (1, "28.00", "in_stock")],
    )
    chart = tmp_path / "sold-out-kettle.svg"

    shown = pricemon("history", "sold-out-kettle", "--json").json()
    result = pricemon("history", "sold-out-kettle", "--chart", str(chart))

    entries = [(e["price"], e["availability"], e["change_percent"]) for e in shown["entries"]]
    assert entries == [(30, "in_stock", None), (None, "out_of_stock", None), (28, "in_stock", None)]
    (alert,) = shown["alerts"]
    assert (alert["kind"], alert["old_price"], alert["new_price"], alert["drop_percent"]) == (
        "back_in_stock",
        None,
        28,
        None,
    )
    assert shown["all_time_low"]["price"] == 28
    assert result.code == 0
    (sold_out,) = [line for line in result.out.splitlines() if "run-1" in line]
    assert "out_of_stock" in sold_out
    assert " - " in sold_out
    circles = [c.get("class") for c in ET.parse(chart).getroot().iter(SVG + "circle")]
    assert circles == ["observation in-stock", "observation not-in-stock", "observation in-stock"]


def test_a_product_only_ever_seen_without_a_price_has_no_low_and_no_chart(
    pricemon, catalog, tmp_path
):
    catalog("never-priced", [(1, None, "out_of_stock")])
    chart = tmp_path / "never-priced.svg"

    result = pricemon("history", "never-priced", "--chart", str(chart))

    assert result.code == 0
    assert "all-time low: - (no observation showed a price)" in result.out
    assert "no chart: no observation with a price in the period" in result.out
    assert not chart.exists()


def test_the_products_own_threshold_and_the_default_threshold_decide_drops(pricemon, catalog):
    observations = [(2, "100.00", "in_stock"), (1, "93.00", "in_stock")]  # -7 %
    catalog("blender", observations)
    catalog("desk-chair", observations, drop_threshold_percent=Decimal(5))

    blender = pricemon("history", "blender", "--json").json()
    chair = pricemon("history", "desk-chair", "--json").json()
    lowered = pricemon("history", "blender", "--json", "--default-threshold", "6").json()

    assert blender["alerts"] == []  # the stack's 10 %
    assert [alert["kind"] for alert in chair["alerts"]] == ["price_drop"]
    assert chair["product"]["own_threshold"] is True
    assert [alert["kind"] for alert in lowered["alerts"]] == ["price_drop"]
    assert lowered["threshold"] == {"percent": 6, "source": "--default-threshold"}


@pytest.mark.parametrize(
    ("variables", "percent", "source"),
    [
        (
            {DEFAULT_DROP_THRESHOLD_PERCENT: "7.5"},
            Decimal("7.5"),
            f"the detector's {DEFAULT_DROP_THRESHOLD_PERCENT}",
        ),
        (
            {},
            Decimal(10),
            "dropThresholdPercent's default"
            f" (the detector has no {DEFAULT_DROP_THRESHOLD_PERCENT})",
        ),
    ],
)
def test_the_default_threshold_is_read_from_the_detector_when_it_can_be(
    module_world, pricemon, variables, percent, source
):
    """The local stack has no Lambda functions; a deployed one has, with the stack setting."""
    region = module_world.stack.region
    name = module_world.stack.outputs["detector_function"]
    iam, functions = (
        boto3.client("iam", region_name=region),
        boto3.client("lambda", region_name=region),
    )
    role = iam.create_role(RoleName="detector", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context): pass\n")
    functions.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
        Environment={"Variables": variables},
    )

    try:
        threshold = default_threshold(deployed_before_the_output(pricemon.stack()))
    finally:  # the module's other tests run without the function, as the local stack is
        functions.delete_function(FunctionName=name)
        iam.delete_role(RoleName="detector")

    assert (threshold.percent, threshold.source) == (percent, source)


def deployed_before_the_output(stack):
    """The stack as deployed before it exported drop_threshold_percent."""
    outputs = {k: v for k, v in stack.outputs.items() if k != "drop_threshold_percent"}
    return replace(stack, outputs=outputs)


def test_the_stacks_exported_default_threshold_comes_first(pricemon):
    threshold = default_threshold(pricemon.stack())

    assert (threshold.percent, threshold.source) == (10, "the stack's dropThresholdPercent")
    assert str(threshold.percent) == "10"
    fractional = replace(pricemon.stack(), outputs={"drop_threshold_percent": 7.5})
    assert str(default_threshold(fractional).percent) == "7.5"


def test_without_the_detectors_configuration_the_settings_default_is_used_and_said(pricemon):
    threshold = default_threshold(deployed_before_the_output(pricemon.stack()))

    assert threshold.percent == 10
    assert "ResourceNotFoundException" in threshold.source


def test_without_a_detector_output_the_settings_default_is_used_and_said(pricemon):
    stack = deployed_before_the_output(pricemon.stack())
    outputs = {**stack.outputs, "detector_function": ""}

    threshold = default_threshold(replace(stack, outputs=outputs))

    assert (threshold.percent, threshold.source) == (
        10,
        "dropThresholdPercent's default (no detector_function output)",
    )


@pytest.mark.parametrize("value", ["abc", "150", "NaN"])
def test_a_default_threshold_that_is_no_percentage_is_a_usage_error(pricemon, capsys, value):
    result = pricemon("history", "kettle", "--default-threshold", value)

    assert result.code == 2
    assert "--default-threshold" in capsys.readouterr().err


def test_a_catalog_item_breaking_the_data_contract_derives_no_alert(pricemon, catalog):
    # The detector cannot apply its rules to a threshold over 100 % either.
    catalog(
        "odd",
        [(2, "100.00", "in_stock"), (1, "50.00", "in_stock")],
        drop_threshold_percent=Decimal(150),
    )

    result = pricemon("history", "odd", "--json")

    assert result.code == 0
    assert result.json()["alerts"] == []
    assert [entry["change_percent"] for entry in result.json()["entries"]] == [None, -50]


def test_the_chart_goes_to_product_id_svg_by_default(pricemon, catalog, tmp_path, monkeypatch):
    catalog("chart-kettle", [(2, "40.00", "in_stock"), (1, "34.00", "in_stock")])
    monkeypatch.chdir(tmp_path)

    result = pricemon("history", "chart-kettle", "--chart")

    assert result.code == 0
    svg = ET.parse(tmp_path / "chart-kettle.svg").getroot()
    assert len(list(svg.iter(SVG + "circle"))) == 2
    assert len([p for p in svg.iter(SVG + "path") if p.get("class") == "alert"]) == 1
    assert "chart: chart-kettle.svg" in result.out


def test_a_chart_file_that_is_not_svg_is_a_usage_error(pricemon, catalog, tmp_path):
    catalog("png-kettle", [(1, "40.00", "in_stock")])

    result = pricemon("history", "png-kettle", "--chart", str(tmp_path / "png-kettle.png"))

    assert result.code == 2
    assert "charts are SVG" in result.err
    assert not (tmp_path / "png-kettle.png").exists()


def test_a_history_older_than_the_period_draws_no_chart(pricemon, catalog, tmp_path):
    catalog("old-kettle", [(40, "40.00", "in_stock")])

    result = pricemon("history", "old-kettle", "--chart", str(tmp_path / "k.svg"))

    assert "0 observation(s) since" in result.out
    assert "no chart: no observation with a price in the period" in result.out
    assert not (tmp_path / "k.svg").exists()
