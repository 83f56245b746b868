"""`pricemon report --out DIR`: one HTML page of what prices did in a period.

The page (html_report.py) has a small chart per product whose price or availability
changed in the period, with its changes and the alerts the detector's rules derive from
them (rule_replay.py), and the last runs. The period's rows are read by retailer
(history_queries.period_rows), not product by product.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pricemon.chart import render_svg
from pricemon.history_charts import report_chart
from pricemon.history_models import (
    Change,
    ChangedProduct,
    DerivedAlert,
    HistoryRow,
    PeriodReport,
    Threshold,
)
from pricemon.history_queries import catalog_items, default_threshold, period_rows, product_info
from pricemon.html_report import render_report
from pricemon.period_options import add_period_options
from pricemon.rule_replay import change_percent, derive_alerts
from pricemon.status import recent_runs
from pricemon.target import Stack, UsageError
from pricemon.terminal import EXIT_OK

if TYPE_CHECKING:
    from pricemon.context import Context, Subcommands

REPORT_RUNS = 5  # runs listed in the report's header
# The report's small charts: two fit side by side on a laptop screen.
REPORT_CHART_WIDTH = 480
REPORT_CHART_HEIGHT = 200


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    report = commands.add_parser(
        "report",
        parents=[common],
        help="an HTML page with a chart per product that changed in the period",
        description="Write DIR/index.html: a small chart and the changes of every product"
        " whose price or availability changed in the period; opens from disk, no network.",
    )
    report.add_argument("--out", required=True, type=Path, metavar="DIR")
    add_period_options(report)
    report.set_defaults(action=write_report)


def write_report(arguments: argparse.Namespace, context: Context) -> int:
    stack = context.stack()
    until = context.clock()
    since = until - timedelta(days=arguments.days)
    threshold = default_threshold(stack, arguments.default_threshold)
    report = period_report(
        stack,
        since=since,
        until=until,
        days=arguments.days,
        threshold=threshold,
        progress=lambda done, total: context.console.progress(done, total, "retailers read"),
    )
    charts = {}
    for product in report.changed:
        chart = report_chart(product)
        if chart.points:  # none when no observation of the period showed a price
            charts[product.product.product_id] = render_svg(
                chart, width=REPORT_CHART_WIDTH, height=REPORT_CHART_HEIGHT
            )
    directory: Path = arguments.out
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "index.html"
        path.write_text(render_report(report, charts), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write the report to {directory}: {error}") from None
    data = {
        "path": str(path),
        "since": since,
        "until": until,
        "catalog_products": report.catalog_products,
        "observed_products": report.observed_products,
        "observations": report.observations,
        "changed_products": [product.product.product_id for product in report.changed],
        "derived_alerts": report.alert_count,
        "threshold": asdict(threshold),
    }
    context.console.result(
        data,
        lambda: context.console.line(
            f"wrote {path}: {len(report.changed)} of {report.observed_products} observed"
            f" products changed in the last {arguments.days} days"
            f" ({report.observations} observations, {report.alert_count} derived alerts)"
        ),
    )
    return EXIT_OK


def period_report(
    stack: Stack,
    *,
    since: datetime,
    until: datetime,
    days: int,
    threshold: Threshold,
    progress: Callable[[int, int], None],
) -> PeriodReport:
    """Read the catalog, the period's rows (by retailer) and the last runs; find what changed."""
    catalog = catalog_items(stack.table("products_table"))
    retailers = {str(item["retailer"]) for item in catalog.values() if item.get("retailer")}
    rows = period_rows(stack.table("prices_table"), retailers, since, progress)
    changed = []
    for product_id in sorted(rows):
        item = catalog.get(product_id)
        if item is None:
            continue
        observations = rows[product_id]
        alerts = derive_alerts(
            item, observations, threshold.percent, before=observations[0].state_before
        )
        changes = changes_in(observations, alerts)
        if changes:
            changed.append(
                ChangedProduct(product_info(item, threshold), observations, changes, alerts)
            )
    return PeriodReport(
        since=since,
        until=until,
        days=days,
        threshold=threshold,
        catalog_products=sum(1 for item in catalog.values() if item.get("active", True)),
        observed_products=len(rows),
        observations=sum(len(product_rows) for product_rows in rows.values()),
        changed=changed,
        runs=recent_runs(stack.table("runs_table"), REPORT_RUNS),
        unknown_products=sum(1 for product_id in rows if product_id not in catalog),
    )


def changes_in(rows: Sequence[HistoryRow], alerts: Sequence[DerivedAlert]) -> list[Change]:
    """The observations of `rows` (a period, oldest first) that changed price or stock; the
    first one is compared with the price the row says came before. An observation without a
    price (out of stock) compares like any other: the price went, or came back."""
    kinds: dict[tuple[str, int], list[str]] = {}
    for alert in alerts:
        moment = int(alert.observed_at.timestamp() * 1000)
        kinds.setdefault((alert.run_id, moment), []).append(alert.kind)
    found = []
    previous: HistoryRow | None = None
    for row in rows:
        old_price = previous.price if previous is not None else row.previous_price
        old_availability = previous.availability if previous is not None else None
        known_before = previous is not None or row.previous_price is not None
        stock_changed = old_availability is not None and old_availability != row.availability
        if known_before and (old_price != row.price or stock_changed):
            found.append(
                Change(
                    observed_at=row.observed_at,
                    run_id=row.run_id,
                    old_price=old_price,
                    new_price=row.price,
                    # A row without a price has no currency: the old price's is shown.
                    currency=row.currency or (previous.currency if previous else None),
                    old_availability=old_availability,
                    new_availability=row.availability,
                    change_percent=(
                        None
                        if old_price is None or row.price is None
                        else change_percent(old_price, row.price)
                    ),
                    alerts=tuple(kinds.get((row.run_id, row.timestamp_ms), ())),
                )
            )
        previous = row
    return found
