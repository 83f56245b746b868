"""What the charts of price history show: a point per observation, a marker per alert.

`history --chart` draws one product's period (`history_chart`); the report draws a small
chart per changed product (`report_chart`). Both go to the SVG renderer (chart.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contracts.catalog import Availability
from pricemon.chart import ChartMarker, ChartPoint, PriceChart
from pricemon.history_models import (
    ChangedProduct,
    DerivedAlert,
    HistoryEntry,
    HistoryRow,
    ProductHistory,
)


def history_chart(history: ProductHistory) -> PriceChart:
    """The chart of a product's period."""
    product = history.product
    return PriceChart(
        title=f"{product.name or product.product_id} ({product.retailer or '?'})"
        f" since {history.since:%Y-%m-%d}",
        points=_chart_points(history.entries),
        all_time_low=history.all_time_low.price if history.all_time_low else None,
        markers=_markers(history.alerts),
        currency=history.entries[-1].currency if history.entries else None,
    )


def report_chart(product: ChangedProduct) -> PriceChart:
    """The small chart of a changed product in the report."""
    info = product.product
    return PriceChart(
        title=info.name or info.product_id,
        points=_chart_points(product.observations),
        markers=_markers(product.alerts),
        currency=product.observations[-1].currency,
    )


def _chart_points(observations: Sequence[HistoryEntry | HistoryRow]) -> list[ChartPoint]:
    """A point per observation; none when no observation has a price. An observation that
    showed no price (out of stock) is drawn at the price shown before it (the first one
    shown, when none was), where the line breaks."""
    shown = [seen.price for seen in observations if seen.price is not None]
    if not shown:
        return []
    points = []
    last = shown[0]
    for seen in observations:
        last = seen.price if seen.price is not None else last
        price = "no price" if seen.price is None else seen.price
        points.append(
            ChartPoint(
                at=seen.observed_at,
                price=last,
                in_stock=seen.availability == Availability.IN_STOCK and seen.price is not None,
                label=f"{seen.observed_at:%Y-%m-%d %H:%M} {price} {seen.availability}",
            )
        )
    return points


def _markers(alerts: Sequence[DerivedAlert]) -> list[ChartMarker]:
    return [
        ChartMarker(
            at=alert.observed_at,
            price=alert.new_price,
            kind=alert.kind,
            label=f"{alert.kind}: {_shown(alert.old_price)} -> {alert.new_price}"
            + ("" if alert.drop_percent is None else f" ({alert.drop_percent}%)"),
        )
        for alert in alerts
    ]


def _shown(price: Decimal | None) -> str:
    return "no price" if price is None else str(price)
