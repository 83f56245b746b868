"""`pricemon history PRODUCT_ID`: what one product's price did.

Reads the product's rows from the prices table (history_queries.py), shows the period
asked for, the all-time low over everything stored, and the alerts the detector's rules
derive from them (rule_replay.py); `--chart` draws it as SVG (history_charts.py, chart.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pricemon.chart import render_svg
from pricemon.history_charts import history_chart
from pricemon.history_models import (
    AllTimeLow,
    HistoryEntry,
    HistoryRow,
    ProductHistory,
    Threshold,
)
from pricemon.history_queries import default_threshold, product_info, product_rows
from pricemon.period_options import add_period_options
from pricemon.rule_replay import change_percent, derive_alerts
from pricemon.target import UsageError
from pricemon.terminal import EXIT_OK, Console, signed_percent

if TYPE_CHECKING:
    from pricemon.context import Context, Subcommands

CHART_SUFFIX = ".svg"


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    history = commands.add_parser(
        "history",
        parents=[common],
        help="a product's price series, all-time low and alerts (and an SVG chart)",
        description="A product's price series as a table, and with --chart as an SVG image.",
    )
    history.add_argument("product_id", metavar="PRODUCT_ID")
    add_period_options(history)
    history.add_argument(
        "--chart",
        nargs="?",
        const="",
        default=None,
        metavar="FILE.svg",
        help="write the chart as SVG (default file: PRODUCT_ID.svg)",
    )
    history.set_defaults(action=show_history)


def show_history(arguments: argparse.Namespace, context: Context) -> int:
    stack = context.stack()
    product_id = arguments.product_id
    item = stack.table("products_table").get_item(Key={"product_id": product_id}).get("Item")
    if item is None:
        raise UsageError(
            f"no product {product_id!r} in the catalog ({stack.output('products_table')}):"
            " check the id (`pricemon catalog export` lists them)"
        )
    threshold = default_threshold(stack, arguments.default_threshold)
    since = context.clock() - timedelta(days=arguments.days)
    rows = product_rows(stack.table("prices_table"), product_id)
    history = product_history(item, rows, since, threshold)
    chart_path = _chart_path(arguments.chart, product_id)
    chart_written = None
    chart = history_chart(history) if chart_path is not None else None
    if chart_path is not None and chart is not None and chart.points:
        chart_path.write_text(render_svg(chart), encoding="utf-8")
        chart_written = str(chart_path)
    data = {**asdict(history), "chart": chart_written}
    context.console.result(
        data, lambda: _render_history(context.console, history, chart_path, chart_written)
    )
    return EXIT_OK


def product_history(
    catalog_item: Mapping[str, Any],
    rows: Sequence[HistoryRow],
    since: datetime,
    threshold: Threshold,
) -> ProductHistory:
    """The history of one product: `rows` is everything stored, oldest first."""
    since_ms = since.timestamp() * 1000
    entries = []
    for index, row in enumerate(rows):
        if row.timestamp_ms < since_ms:
            continue
        previous = rows[index - 1] if index else None
        # Prices in two currencies do not compare (the detector's rule too), nor do two
        # observations of which one showed no price.
        change = (
            change_percent(previous.price, row.price)
            if previous is not None
            and previous.price is not None
            and row.price is not None
            and previous.currency == row.currency
            else None
        )
        entries.append(
            HistoryEntry(
                observed_at=row.observed_at,
                price=row.price,
                currency=row.currency,
                availability=row.availability,
                change_percent=change,
                run_id=row.run_id,
            )
        )
    alerts = [
        alert
        for alert in derive_alerts(catalog_item, rows, threshold.percent)
        if alert.observed_at.timestamp() * 1000 >= since_ms
    ]
    return ProductHistory(
        product=product_info(catalog_item, threshold),
        threshold=threshold,
        since=since,
        entries=entries,
        stored_observations=len(rows),
        all_time_low=all_time_low(rows),
        alerts=alerts,
    )


def all_time_low(rows: Sequence[HistoryRow]) -> AllTimeLow | None:
    """The lowest price stored, in the currency of the latest observation with a price (the
    earliest observation of it when it recurs); None when no observation has a price."""
    priced = [(row.price, row) for row in rows if row.price is not None]
    if not priced:
        return None
    currency = priced[-1][1].currency
    price, lowest = min(
        (seen for seen in priced if seen[1].currency == currency), key=lambda seen: seen[0]
    )
    return AllTimeLow(price, currency, lowest.observed_at)


def _chart_path(value: str | None, product_id: str) -> Path | None:
    if value is None:
        return None
    path = Path(value or f"{product_id}{CHART_SUFFIX}")
    if path.suffix.lower() != CHART_SUFFIX:
        raise UsageError(f"--chart {value}: charts are SVG, name the file *{CHART_SUFFIX}")
    return path


def _render_history(
    console: Console, history: ProductHistory, chart_path: Path | None, chart_written: str | None
) -> None:
    product = history.product
    console.line(console.style(f"{product.product_id}: {product.name or '(no name)'}", "bold"))
    console.line(f"retailer: {product.retailer or '-'}   url: {product.url or '-'}")
    threshold = "its own" if product.own_threshold else f"stack default: {history.threshold.source}"
    console.line(
        f"drop threshold: {product.drop_threshold_percent}% ({threshold})"
        f"   target price: {product.target_price if product.target_price is not None else '-'}"
    )
    console.line()
    low = history.all_time_low
    if not history.stored_observations:
        console.line(f"No price history for {product.product_id} yet.")
        return
    console.line(
        f"{len(history.entries)} observation(s) since {history.since:%Y-%m-%d %H:%M} UTC"
        f" ({history.stored_observations} stored)"
    )
    if history.entries:
        console.table(
            ["observed at", "price", "currency", "availability", "change %", "run id"],
            [
                [
                    entry.observed_at,
                    entry.price,
                    entry.currency,
                    entry.availability,
                    signed_percent(entry.change_percent),
                    entry.run_id,
                ]
                for entry in history.entries
            ],
            right=(1, 4),
        )
    if low is None:
        console.line("all-time low: - (no observation showed a price)")
    else:
        price = f"{low.price} {low.currency}" if low.currency else f"{low.price}"
        console.line(f"all-time low: {price} on {low.observed_at:%Y-%m-%d %H:%M} UTC")
    console.line()
    console.line(console.style(f"Alerts ({history.alerts_note}): {len(history.alerts)}", "bold"))
    if history.alerts:
        console.table(
            ["observed at", "alert", "old price", "new price", "drop %", "run id"],
            [
                [
                    alert.observed_at,
                    alert.kind,
                    alert.old_price,
                    alert.new_price,
                    alert.drop_percent,
                    alert.run_id,
                ]
                for alert in history.alerts
            ],
            right=(2, 3, 4),
        )
    if chart_path is not None:
        console.line()
        console.line(
            f"chart: {chart_written}"
            if chart_written
            else "no chart: no observation with a price in the period"
        )
