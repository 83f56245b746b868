"""A price chart as SVG, with the standard library only.

One renderer for `pricemon history --chart` and the report's small charts: a point per
observation, the price line broken wherever the product was not in stock (out of stock or
unknown: a shaded band from that observation to the next one in stock), a dashed line at
the all-time low, a marker per alert, date and price axes and a title. SVG needs no
plotting package, opens in any browser and inlines into the report, which must load from
disk with no network. Every text that comes from the data goes through
`untrusted.xml_text`, so the SVG is well-formed XML whatever a page or a catalog held.

Geometry: `Frame` maps times to x and prices to y inside the plot area; the price axis
runs between "nice" ticks (1, 2, 2.5 or 5 times a power of ten) around the prices and the
all-time low, so the low line is always on the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pricemon.untrusted import xml_text

DEFAULT_WIDTH = 720
DEFAULT_HEIGHT = 320
# Room around the plot: price labels on the left, date labels below, the title on top.
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 30
MARGIN_BOTTOM = 36
# The smallest chart the margins leave a usable plot in.
MIN_WIDTH = MARGIN_LEFT + MARGIN_RIGHT + 60
MIN_HEIGHT = MARGIN_TOP + MARGIN_BOTTOM + 40

_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_PRICE_TICKS = 5
_PIXELS_PER_DATE_LABEL = 110
_LINE_COLOUR = "#1f6feb"
_GAP_COLOUR = "#9aa0a6"
_LOW_COLOUR = "#2da44e"
_ALERT_COLOUR = "#d1242f"


class ChartSizeError(ValueError):
    """A width or height too small to draw a chart in."""


@dataclass(frozen=True)
class ChartPoint:
    """One observation: when, at what price, and whether the product was in stock."""

    at: datetime
    price: Decimal
    in_stock: bool
    label: str = ""  # shown on hover (the SVG title of its point)


@dataclass(frozen=True)
class ChartMarker:
    """An alert at an observation."""

    at: datetime
    price: Decimal
    kind: str
    label: str


@dataclass(frozen=True)
class PriceChart:
    title: str
    points: Sequence[ChartPoint]  # oldest first
    all_time_low: Decimal | None = None
    markers: Sequence[ChartMarker] = ()
    currency: str | None = None


@dataclass(frozen=True)
class Frame:
    """Where a time and a price are drawn: the plot area and the axes' ranges."""

    left: float
    top: float
    right: float
    bottom: float
    start: datetime
    end: datetime
    low: float  # the price at the bottom edge
    high: float  # the price at the top edge
    price_ticks: tuple[float, ...]

    def x(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        if span <= 0:
            return (self.left + self.right) / 2
        return self.left + (at - self.start).total_seconds() / span * (self.right - self.left)

    def y(self, price: Decimal | float) -> float:
        share = (float(price) - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def frame_for(chart: PriceChart, width: int, height: int) -> Frame:
    """The frame of `chart` drawn at `width` x `height` (at least one point)."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ChartSizeError(
            f"a chart needs at least {MIN_WIDTH}x{MIN_HEIGHT}, not {width}x{height}"
        )
    if not chart.points:
        raise ValueError("a chart needs at least one point")
    prices = [float(point.price) for point in chart.points]
    if chart.all_time_low is not None:
        prices.append(float(chart.all_time_low))
    ticks = nice_ticks(min(prices), max(prices), _PRICE_TICKS)
    times = [point.at for point in chart.points]
    return Frame(
        left=MARGIN_LEFT,
        top=MARGIN_TOP,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        start=min(times),
        end=max(times),
        low=ticks[0],
        high=ticks[-1],
        price_ticks=ticks,
    )


def nice_ticks(low: float, high: float, count: int) -> tuple[float, ...]:
    """Evenly spaced round values from at most `low` to at least `high` (about `count`)."""
    if high <= low:
        # A flat series: a band around the price, so its line sits in the middle.
        padding = max(abs(low) * 0.05, 0.01)
        low, high = low - padding, high + padding
    raw_step = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(nice * magnitude for nice in _NICE_STEPS if nice * magnitude >= raw_step)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return tuple(round(index * step, 10) for index in range(first, last + 1))


def in_stock_runs(points: Sequence[ChartPoint]) -> list[list[ChartPoint]]:
    """Consecutive in-stock points: each run is one unbroken piece of the price line."""
    runs: list[list[ChartPoint]] = []
    current: list[ChartPoint] = []
    for point in points:
        if point.in_stock:
            current.append(point)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def gaps(points: Sequence[ChartPoint]) -> list[tuple[datetime, datetime | None]]:
    """Spans not in stock: from the first such observation to the next one in stock (None:
    the gap lasts to the end of the series)."""
    spans: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for point in points:
        if not point.in_stock and start is None:
            start = point.at
        elif point.in_stock and start is not None:
            spans.append((start, point.at))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def render_svg(
    chart: PriceChart, *, width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT
) -> str:
    """The chart as a standalone SVG document (also valid inline in HTML)."""
    frame = frame_for(chart, width, height)
    title = xml_text(chart.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{title}"'
        ' font-family="sans-serif" font-size="11">',
        f"<title>{title}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        *_gap_bands(chart, frame),
        *_price_axis(chart, frame),
        *_date_axis(frame),
        *_low_line(chart, frame),
        *_price_line(chart, frame),
        *_points(chart, frame),
        *_markers(chart, frame),
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="{MARGIN_TOP - 12}"'
        f' font-size="13" font-weight="bold">{title}</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _gap_bands(chart: PriceChart, frame: Frame) -> list[str]:
    bands = []
    for start, end in gaps(chart.points):
        left = frame.x(start)
        right = frame.right if end is None else frame.x(end)
        bands.append(
            f'<rect class="gap" x="{_n(left)}" y="{_n(frame.top)}"'
            f' width="{_n(max(right - left, 2.0))}" height="{_n(frame.bottom - frame.top)}"'
            f' fill="{_GAP_COLOUR}" fill-opacity="0.2"><title>not in stock</title></rect>'
        )
    return bands


def _price_axis(chart: PriceChart, frame: Frame) -> list[str]:
    decimals = 0 if all(float(tick).is_integer() for tick in frame.price_ticks) else 2
    parts = [
        f'<line class="axis" x1="{_n(frame.left)}" y1="{_n(frame.top)}"'
        f' x2="{_n(frame.left)}" y2="{_n(frame.bottom)}" stroke="#57606a"/>'
    ]
    for tick in frame.price_ticks:
        y = _n(frame.y(tick))
        parts.append(
            f'<line class="grid" x1="{_n(frame.left)}" y1="{y}" x2="{_n(frame.right)}" y2="{y}"'
            ' stroke="#d0d7de" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text class="price-label" x="{_n(frame.left - 6)}" y="{y}" text-anchor="end"'
            f' dominant-baseline="middle">{tick:.{decimals}f}</text>'
        )
    if chart.currency:
        parts.append(
            f'<text class="currency" x="{_n(frame.left - 6)}" y="{_n(frame.top - 4)}"'
            f' text-anchor="end">{xml_text(chart.currency)}</text>'
        )
    return parts


def _date_axis(frame: Frame) -> list[str]:
    parts = [
        f'<line class="axis" x1="{_n(frame.left)}" y1="{_n(frame.bottom)}"'
        f' x2="{_n(frame.right)}" y2="{_n(frame.bottom)}" stroke="#57606a"/>'
    ]
    span = frame.end - frame.start
    labels = max(2, min(6, int((frame.right - frame.left) // _PIXELS_PER_DATE_LABEL)))
    moments = (
        [frame.start]
        if span <= timedelta(0)
        else [frame.start + span * index / (labels - 1) for index in range(labels)]
    )
    form = _date_format(span)
    for index, moment in enumerate(moments):
        anchor = "start" if index == 0 and len(moments) > 1 else "middle"
        if index == len(moments) - 1 and len(moments) > 1:
            anchor = "end"
        x = _n(frame.x(moment))
        parts.append(
            f'<line class="tick" x1="{x}" y1="{_n(frame.bottom)}" x2="{x}"'
            f' y2="{_n(frame.bottom + 4)}" stroke="#57606a"/>'
        )
        parts.append(
            f'<text class="date-label" x="{x}" y="{_n(frame.bottom + 16)}"'
            f' text-anchor="{anchor}">{moment.strftime(form)}</text>'
        )
    return parts


def _date_format(span: timedelta) -> str:
    if span >= timedelta(days=2):
        return "%Y-%m-%d"
    if span >= timedelta(hours=1):
        return "%m-%d %H:%M"
    return "%H:%M:%S"


def _low_line(chart: PriceChart, frame: Frame) -> list[str]:
    if chart.all_time_low is None:
        return []
    y = _n(frame.y(chart.all_time_low))
    low = xml_text(f"all-time low {chart.all_time_low}")
    return [
        f'<line class="all-time-low" x1="{_n(frame.left)}" y1="{y}" x2="{_n(frame.right)}"'
        f' y2="{y}" stroke="{_LOW_COLOUR}" stroke-dasharray="6 4"><title>{low}</title></line>',
        f'<text class="low-label" x="{_n(frame.right)}" y="{_n(frame.y(chart.all_time_low) - 4)}"'
        f' text-anchor="end" fill="{_LOW_COLOUR}">{low}</text>',
    ]


def _price_line(chart: PriceChart, frame: Frame) -> list[str]:
    return [
        '<polyline class="price-line" fill="none" stroke-width="2"'
        f' stroke="{_LINE_COLOUR}" points="'
        + " ".join(f"{_n(frame.x(point.at))},{_n(frame.y(point.price))}" for point in run)
        + '"/>'
        for run in in_stock_runs(chart.points)
        if len(run) > 1
    ]


def _points(chart: PriceChart, frame: Frame) -> list[str]:
    parts = []
    for point in chart.points:
        kind = "in-stock" if point.in_stock else "not-in-stock"
        fill = _LINE_COLOUR if point.in_stock else "#ffffff"
        label = xml_text(point.label or f"{point.at.isoformat()} {point.price}")
        parts.append(
            f'<circle class="observation {kind}" cx="{_n(frame.x(point.at))}"'
            f' cy="{_n(frame.y(point.price))}" r="3" fill="{fill}" stroke="{_LINE_COLOUR}"'
            f' data-price="{xml_text(str(point.price))}"><title>{label}</title></circle>'
        )
    return parts


def _markers(chart: PriceChart, frame: Frame) -> list[str]:
    parts = []
    for marker in chart.markers:
        x, y = frame.x(marker.at), frame.y(marker.price)
        # A triangle pointing down at the observation, just above it.
        path = f"M{_n(x)},{_n(y - 5)} l-5,-9 h10 z"
        parts.append(
            f'<path class="alert" data-kind="{xml_text(marker.kind)}" d="{path}"'
            f' fill="{_ALERT_COLOUR}"><title>{xml_text(marker.label)}</title></path>'
        )
    return parts


def _n(value: float) -> str:
    """A coordinate: two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
