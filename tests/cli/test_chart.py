"""The SVG price chart: size, one point per observation where it belongs, a line broken at
availability gaps, the all-time-low line, alert markers, escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pricemon.chart import (
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    ChartMarker,
    ChartPoint,
    ChartSizeError,
    PriceChart,
    nice_ticks,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 5, 1, 6, tzinfo=UTC)
WIDTH, HEIGHT = 600, 300
LEFT, RIGHT = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
TOP, BOTTOM = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM


def daily(prices: list[str], stock: str | None = None) -> list[ChartPoint]:
    """One point a day from START; `stock` marks each day in (i) or out (o) of stock."""
    stock = stock or "i" * len(prices)
    return [
        ChartPoint(START + timedelta(days=day), Decimal(price), stock[day] == "i")
        for day, price in enumerate(prices)
    ]


def draw(chart: PriceChart) -> ET.Element:
    return ET.fromstring(render_svg(chart, width=WIDTH, height=HEIGHT))


def elements(svg: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in svg.iter(SVG + tag) if css_class in e.get("class", "").split()]


def coordinates(points: str) -> list[float]:
    """A polyline's points as x1, y1, x2, y2, ..."""
    return [float(value) for pair in points.split() for value in pair.split(",")]


def test_the_svg_parses_and_has_the_requested_size():
    svg = draw(PriceChart("Kettle", daily(["40", "34"])))

    assert svg.tag == SVG + "svg"
    assert (svg.get("width"), svg.get("height")) == (str(WIDTH), str(HEIGHT))
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert svg.find(SVG + "title").text == "Kettle"


def test_each_observation_is_one_point_at_its_time_and_price():
    # Prices 10..30: the price axis runs from 10 (bottom) to 30 (top) in steps of 5.
    prices = ["10", "20", "15", "30"]
    svg = draw(PriceChart("p", daily(prices)))

    points = elements(svg, "circle", "observation")
    step = (RIGHT - LEFT) / 3
    expected = [
        value
        for day, price in enumerate(prices)
        for value in (LEFT + day * step, BOTTOM - (float(price) - 10) / 20 * (BOTTOM - TOP))
    ]
    drawn = [float(p.get(axis)) for p in points for axis in ("cx", "cy")]
    assert drawn == pytest.approx(expected, abs=0.01)
    assert [p.get("data-price") for p in points] == prices
    (line,) = elements(svg, "polyline", "price-line")
    assert coordinates(line.get("points")) == pytest.approx(expected, abs=0.01)


def test_the_line_breaks_where_the_product_was_not_in_stock_and_the_gap_is_shaded():
    svg = draw(PriceChart("p", daily(["10", "12", "11", "14", "13"], stock="iioii")))

    lines = [coordinates(line.get("points")) for line in elements(svg, "polyline", "price-line")]
    points = elements(svg, "circle", "observation")
    xs = [float(point.get("cx")) for point in points]
    assert [len(line) for line in lines] == [4, 4]  # two pieces of two points each
    assert [x for line in lines for x in line[0::2]] == pytest.approx(xs[0:2] + xs[3:5])
    assert [p.get("class") for p in points].count("observation not-in-stock") == 1
    (gap,) = elements(svg, "rect", "gap")
    # From the observation out of stock to the next one in stock, over the plot's height.
    assert float(gap.get("x")) == pytest.approx(xs[2], abs=0.01)
    assert float(gap.get("x")) + float(gap.get("width")) == pytest.approx(xs[3], abs=0.01)
    assert (float(gap.get("y")), float(gap.get("height"))) == (TOP, BOTTOM - TOP)


def test_a_gap_at_the_end_is_shaded_to_the_edge_of_the_plot():
    svg = draw(PriceChart("p", daily(["10", "12", "11"], stock="ioo")))

    (gap,) = elements(svg, "rect", "gap")
    assert float(gap.get("x")) + float(gap.get("width")) == pytest.approx(RIGHT)
    assert elements(svg, "polyline", "price-line") == []  # one point in stock: no line


def test_the_all_time_low_line_is_dashed_at_the_low_price():
    svg = draw(PriceChart("p", daily(["40", "34", "36"]), all_time_low=Decimal("34")))

    (low,) = elements(svg, "line", "all-time-low")
    lowest = [p for p in elements(svg, "circle", "observation") if p.get("data-price") == "34"]
    assert low.get("stroke-dasharray")
    assert float(low.get("y1")) == float(low.get("y2")) == float(lowest[0].get("cy"))
    assert (float(low.get("x1")), float(low.get("x2"))) == (LEFT, RIGHT)


def test_an_all_time_low_before_the_period_stretches_the_price_axis_to_it():
    svg = draw(PriceChart("p", daily(["40", "34"]), all_time_low=Decimal("20")))

    (low,) = elements(svg, "line", "all-time-low")
    labels = {label.text: float(label.get("y")) for label in elements(svg, "text", "price-label")}
    assert float(low.get("y1")) == labels["20"] == BOTTOM  # the axis starts at the low
    assert all(float(p.get("cy")) < BOTTOM for p in elements(svg, "circle", "observation"))


def test_each_alert_has_a_marker_at_its_observation_with_its_label():
    points = daily(["40", "34"])
    marker = ChartMarker(points[1].at, points[1].price, "price_drop", "price_drop 40 -> 34")
    svg = draw(PriceChart("p", points, markers=[marker]))

    (alert,) = elements(svg, "path", "alert")
    drop_point = elements(svg, "circle", "observation")[1]
    assert alert.get("data-kind") == "price_drop"
    assert alert.find(SVG + "title").text == "price_drop 40 -> 34"
    tip_x, tip_y = (float(v) for v in alert.get("d")[1:].split()[0].split(","))
    assert tip_x == pytest.approx(float(drop_point.get("cx")))
    assert tip_y < float(drop_point.get("cy"))  # just above the point


def test_the_axes_label_dates_and_prices():
    svg = draw(PriceChart("p", daily(["10", "20", "15", "30"]), currency="EUR"))

    dates = [label.text for label in elements(svg, "text", "date-label")]
    prices = [label.text for label in elements(svg, "text", "price-label")]
    assert (dates[0], dates[-1]) == ("2026-05-01", "2026-05-04")
    assert prices == ["10", "15", "20", "25", "30"]
    assert elements(svg, "text", "currency")[0].text == "EUR"


@pytest.mark.parametrize(
    ("span", "label"),
    [(timedelta(hours=3), "05-01 06:00"), (timedelta(minutes=5), "06:00:00")],
)
def test_short_series_label_times_not_just_dates(span, label):
    points = [
        ChartPoint(START, Decimal(10), True),
        ChartPoint(START + span, Decimal(11), True),
    ]
    svg = draw(PriceChart("p", points))

    assert elements(svg, "text", "date-label")[0].text == label


def test_a_single_observation_is_drawn_in_the_middle():
    svg = draw(PriceChart("p", daily(["19.99"])))

    (point,) = elements(svg, "circle", "observation")
    assert float(point.get("cx")) == pytest.approx((LEFT + RIGHT) / 2)
    assert TOP < float(point.get("cy")) < BOTTOM  # a flat series sits inside its axis


def test_text_from_the_data_is_escaped():
    hostile = '<script>alert("x")</script> & co'
    svg = draw(PriceChart(hostile, daily(["10", "9"]), currency="<b>"))

    assert svg.find(SVG + "title").text == hostile
    assert not list(svg.iter(SVG + "script"))
    assert not list(svg.iter("script"))


def test_a_chart_too_small_to_draw_is_refused():
    with pytest.raises(ChartSizeError):
        render_svg(PriceChart("p", daily(["10"])), width=50, height=300)


def test_a_chart_without_points_is_refused():
    with pytest.raises(ValueError, match="at least one point"):
        render_svg(PriceChart("p", []))


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (10.0, 30.0, (10.0, 15.0, 20.0, 25.0, 30.0)),
        (34.0, 40.0, (34.0, 36.0, 38.0, 40.0)),
        (0.93, 1.07, (0.9, 0.95, 1.0, 1.05, 1.1)),
    ],
)
def test_price_ticks_are_round_and_cover_the_range(low, high, ticks):
    assert nice_ticks(low, high, 5) == pytest.approx(ticks)


def test_characters_xml_forbids_never_reach_the_svg():
    forbidden = "\x00\x08\x0b\x1b[2J\x7f\ufffe\uffff\ud800"
    chart = PriceChart(
        f"Kettle {forbidden}",
        [ChartPoint(START, Decimal("40"), True, label=f"40 {forbidden}")],
        markers=[ChartMarker(START, Decimal("40"), f"kind{forbidden}", f"drop {forbidden}")],
        currency=f"EUR{forbidden}",
    )

    text = render_svg(chart, width=WIDTH, height=HEIGHT)
    svg = ET.fromstring(text.encode("utf-8"))  # expat refuses any of them, raw or as &#x..;

    assert (
        svg.find(SVG + "title").text == "Kettle \\x00\\x08\\x0b\\x1b[2J\\x7f\\ufffe\\uffff\\ud800"
    )
