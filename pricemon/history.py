"""`pricemon history PRODUCT_ID` and `pricemon report --out DIR`: what prices did.

`history` reads one product's rows from the prices table (one Query on its key: the whole
stored history is a few hundred rows at most, 4 a day for the retention period), shows
the period asked for, the all-time low over everything stored, and the alerts; `--chart`
draws it as SVG (chart.py).

`report` writes one HTML page with a small chart per product whose price or availability
changed in the period. It reads the period's rows with the prices table's `retailer-index`
GSI, one paginated Query per retailer, rather than one Query per product: for 5,300
products that is a handful of queries instead of 5,300.

The alerts are *derived*: the detector's own rules (functions/monitor/change_rules.py)
applied to each pair of consecutive observations, rebuilt as the catalog item's old and new
images with the product's current threshold and target price. They say what the rules make
of the history, not which notifications were sent (SNS keeps no log): a threshold changed
since, or a run that failed to publish, would differ. The output labels them so.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from functions.monitor.change_rules import (
    IN_STOCK,
    STATUS_OK,
    MalformedImageError,
    detect_changes,
    price_drop_percent,
)
from functions.monitor.timestamps import iso_millis
from price_monitor.arguments import positive_count
from price_monitor.catalog_file import COLUMNS
from price_monitor.cli.chart import ChartMarker, ChartPoint, PriceChart, render_svg
from price_monitor.cli.html_report import render_report, signed_percent
from price_monitor.cli.status import (
    RunSummary,
    projection,
    read_all,
    recent_runs,
)
from price_monitor.cli.target import UsageError
from price_monitor.cli.terminal import EXIT_OK, Console
from price_monitor.config import Settings

DEFAULT_DAYS = 30
REPORT_RUNS = 5  # runs listed in the report's header
# The report's small charts: two fit side by side on a laptop screen.
REPORT_CHART_WIDTH = 480
REPORT_CHART_HEIGHT = 200
RETAILER_INDEX = "retailer-index"
CHART_SUFFIX = ".svg"
DERIVED_NOTE = (
    "derived from the history with the detector's rules and the product's current"
    " threshold; not a log of the notifications sent"
)
# The detector's variable holding the stack's dropThresholdPercent (environment.py DETECTOR).
THRESHOLD_VARIABLE = "DEFAULT_DROP_THRESHOLD_PERCENT"

_ROW_ATTRIBUTES = (
    "product_id",
    "timestamp",
    "price",
    "currency",
    "availability",
    "previous_price",
    "run_id",
    "scraped_at",
)
_CATALOG_ATTRIBUTES = COLUMNS  # the catalog file's columns are the item's catalog fields
# What an image needs from the catalog item besides the observation.
_IMAGE_CATALOG_FIELDS = (
    "product_id",
    "retailer",
    "url",
    "name",
    "drop_threshold_percent",
    "target_price",
)


# --- data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """What the catalog item said after an observation: the images' `last_*` fields."""

    price: Decimal
    currency: str | None
    availability: str | None
    run_id: str | None
    checked_at: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    """One row of the prices table: a successful observation."""

    product_id: str
    timestamp_ms: int
    price: Decimal
    currency: str | None
    availability: str
    run_id: str
    scraped_at: str | None = None
    previous_price: Decimal | None = None  # the catalog item's last price before this one

    @property
    def observed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    @property
    def state(self) -> State:
        checked = self.scraped_at or iso_millis(self.observed_at)
        return State(self.price, self.currency, self.availability, self.run_id, checked)

    @property
    def state_before(self) -> State | None:
        """The item's state before this observation, as far as the row records it: the
        price (and, as the row has no other, its currency); None on a first observation."""
        if self.previous_price is None:
            return None
        return State(self.previous_price, self.currency, None, None)


@dataclass(frozen=True)
class Threshold:
    """The stack's default drop threshold, and where it was read."""

    percent: Decimal
    source: str


@dataclass(frozen=True)
class ProductInfo:
    product_id: str
    retailer: str | None
    name: str | None
    url: str | None
    drop_threshold_percent: Decimal  # the product's own, else the stack default
    own_threshold: bool
    target_price: Decimal | None


@dataclass(frozen=True)
class HistoryEntry:
    observed_at: datetime
    price: Decimal
    currency: str | None
    availability: str
    change_percent: Decimal | None  # vs the previous observation: + a rise, - a drop
    run_id: str


@dataclass(frozen=True)
class DerivedAlert:
    kind: str
    observed_at: datetime
    run_id: str
    old_price: Decimal
    new_price: Decimal
    drop_percent: Decimal  # as the notification's change_percent: positive for a drop
    currency: str | None


@dataclass(frozen=True)
class AllTimeLow:
    price: Decimal
    currency: str | None
    observed_at: datetime


@dataclass(frozen=True)
class ProductHistory:
    product: ProductInfo
    threshold: Threshold
    since: datetime
    entries: list[HistoryEntry]
    stored_observations: int
    all_time_low: AllTimeLow | None
    alerts: list[DerivedAlert]
    alerts_note: str = DERIVED_NOTE


@dataclass(frozen=True)
class Change:
    """An observation whose price or availability differs from the one before."""

    observed_at: datetime
    run_id: str
    old_price: Decimal
    new_price: Decimal
    currency: str | None
    old_availability: str | None  # None: before the period (the row records no availability)
    new_availability: str
    change_percent: Decimal
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class ChangedProduct:
    product: ProductInfo
    observations: list[HistoryRow]
    changes: list[Change]
    alerts: list[DerivedAlert]


@dataclass(frozen=True)
class PeriodReport:
    """Everything the report page shows."""

    since: datetime
    until: datetime
    days: int
    threshold: Threshold
    catalog_products: int
    observed_products: int
    observations: int
    changed: list[ChangedProduct]
    runs: list[RunSummary]
    unknown_products: int = 0  # observed in the period, no longer in the catalog
    alerts_note: str = DERIVED_NOTE
    problems: list[str] = field(default_factory=list)

    @property
    def alert_count(self) -> int:
        return sum(len(product.alerts) for product in self.changed)


# --- reading -----------------------------------------------------------------------------


def row_from_item(item: Mapping[str, Any]) -> HistoryRow:
    """A prices-table item (as the boto3 resource returns it) as a HistoryRow."""
    return HistoryRow(
        product_id=str(item["product_id"]),
        timestamp_ms=int(item["timestamp"]),
        price=item["price"],
        currency=item.get("currency"),
        availability=str(item.get("availability", "unknown")),
        run_id=str(item.get("run_id", "")),
        scraped_at=item.get("scraped_at"),
        previous_price=item.get("previous_price"),
    )


def product_rows(prices_table: Any, product_id: str) -> list[HistoryRow]:
    """Every stored observation of `product_id`, oldest first."""
    request: dict[str, Any] = {
        "KeyConditionExpression": "#product_id = :product_id",
        "ExpressionAttributeValues": {":product_id": product_id},
        **projection(_ROW_ATTRIBUTES),
    }
    return [row_from_item(item) for item in read_all(prices_table, "query", request)]


def period_rows(
    prices_table: Any,
    retailers: Iterable[str],
    since: datetime,
    progress: Callable[[int, int], None],
) -> dict[str, list[HistoryRow]]:
    """The rows since `since`, by product (oldest first): one GSI Query per retailer."""
    by_product: dict[str, list[HistoryRow]] = {}
    chosen = sorted(set(retailers))
    for done, retailer in enumerate(chosen, start=1):
        request: dict[str, Any] = {
            "IndexName": RETAILER_INDEX,
            "KeyConditionExpression": "#retailer = :retailer AND #timestamp >= :since",
            "ExpressionAttributeValues": {
                ":retailer": retailer,
                ":since": int(since.timestamp() * 1000),
            },
            **projection(_ROW_ATTRIBUTES, other_names=("retailer",)),
        }
        for item in read_all(prices_table, "query", request):
            row = row_from_item(item)
            by_product.setdefault(row.product_id, []).append(row)
        progress(done, len(chosen))
    for rows in by_product.values():
        rows.sort(key=lambda row: row.timestamp_ms)
    return by_product


def catalog_items(products_table: Any) -> dict[str, dict[str, Any]]:
    """The catalog fields of every product, by product_id."""
    items = read_all(products_table, "scan", projection(_CATALOG_ATTRIBUTES))
    return {str(item["product_id"]): item for item in items}


def default_threshold(stack: Any, override: Decimal | None = None) -> Threshold:
    """The drop threshold of products without their own: --default-threshold, else the
    stack's output, else the detector's configured value, else the settings' default (with
    the reason)."""
    if override is not None:
        return Threshold(override, "--default-threshold")
    exported = stack.outputs.get("drop_threshold_percent")
    if exported is not None:
        percent = Decimal(str(exported))  # a float output: 10.0 reads as 10
        if percent == percent.to_integral_value():
            percent = percent.quantize(Decimal(1))
        return Threshold(percent, "the stack's dropThresholdPercent")
    # Stacks deployed before that output: the detector's own environment.
    function = stack.outputs.get("detector_function")
    fallback = Decimal(f"{Settings.drop_threshold_percent:g}")
    if not function:
        return Threshold(fallback, "dropThresholdPercent's default (no detector_function output)")
    try:
        configuration = stack.client("lambda").get_function_configuration(FunctionName=function)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        return Threshold(
            fallback, f"dropThresholdPercent's default (the detector's configuration: {code})"
        )
    value = configuration.get("Environment", {}).get("Variables", {}).get(THRESHOLD_VARIABLE)
    if value is None:
        missing = f"the detector has no {THRESHOLD_VARIABLE}"
        return Threshold(fallback, f"dropThresholdPercent's default ({missing})")
    return Threshold(Decimal(value), f"the detector's {THRESHOLD_VARIABLE}")


def product_info(item: Mapping[str, Any], threshold: Threshold) -> ProductInfo:
    own = item.get("drop_threshold_percent")
    return ProductInfo(
        product_id=str(item["product_id"]),
        retailer=item.get("retailer"),
        name=item.get("name"),
        url=item.get("url"),
        drop_threshold_percent=own if own is not None else threshold.percent,
        own_threshold=own is not None,
        target_price=item.get("target_price"),
    )


# --- deciding ----------------------------------------------------------------------------


def image(catalog_item: Mapping[str, Any], state: State) -> dict[str, Any]:
    """The catalog item as the stream would show it after an observation in `state`."""
    result = {name: catalog_item.get(name) for name in _IMAGE_CATALOG_FIELDS}
    result.update(
        last_status=STATUS_OK,
        last_price=state.price,
        last_currency=state.currency,
        last_availability=state.availability,
        last_run_id=state.run_id,
        last_checked_at=state.checked_at,
    )
    return result


def derive_alerts(
    catalog_item: Mapping[str, Any],
    rows: Sequence[HistoryRow],
    default_threshold_percent: Decimal,
    *,
    before: State | None = None,
) -> list[DerivedAlert]:
    """The alerts the detector's rules raise along `rows` (oldest first); `before` is the
    item's state before the first row, when known."""
    if not rows:
        return []
    olds: list[State | None] = [before, *(row.state for row in rows[:-1])]
    alerts = []
    for old, row in zip(olds, rows, strict=True):
        if old is None:
            continue
        try:
            events = detect_changes(
                image(catalog_item, old),
                image(catalog_item, row.state),
                default_threshold_percent,
            )
        except MalformedImageError:
            # A catalog item breaking the data contract: the detector raised no alert either.
            continue
        alerts.extend(
            DerivedAlert(
                kind=str(event.kind),
                observed_at=row.observed_at,
                run_id=row.run_id,
                old_price=event.old_price,
                new_price=event.new_price,
                drop_percent=event.change_percent,
                currency=event.currency,
            )
            for event in events
        )
    return alerts


def change_percent(old: Decimal, new: Decimal) -> Decimal:
    """The change from `old` to `new` in percent of `old` (+ a rise), 2 places."""
    return -price_drop_percent(old, new)


def all_time_low(rows: Sequence[HistoryRow]) -> AllTimeLow | None:
    """The lowest price stored, in the currency of the latest observation (the earliest
    observation of it when it recurs)."""
    if not rows:
        return None
    currency = rows[-1].currency
    lowest = min((row for row in rows if row.currency == currency), key=lambda row: row.price)
    return AllTimeLow(lowest.price, currency, lowest.observed_at)


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
        # Prices in two currencies do not compare (the detector's rule too).
        change = (
            change_percent(previous.price, row.price)
            if previous is not None and previous.currency == row.currency
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


def changes_in(rows: Sequence[HistoryRow], alerts: Sequence[DerivedAlert]) -> list[Change]:
    """The observations of `rows` (a period, oldest first) that changed price or stock; the
    first one is compared with the price the row says came before."""
    kinds: dict[tuple[str, int], list[str]] = {}
    for alert in alerts:
        moment = int(alert.observed_at.timestamp() * 1000)
        kinds.setdefault((alert.run_id, moment), []).append(alert.kind)
    found = []
    previous: HistoryRow | None = None
    for row in rows:
        old_price = previous.price if previous is not None else row.previous_price
        old_availability = previous.availability if previous is not None else None
        stock_changed = old_availability is not None and old_availability != row.availability
        if old_price is not None and (old_price != row.price or stock_changed):
            found.append(
                Change(
                    observed_at=row.observed_at,
                    run_id=row.run_id,
                    old_price=old_price,
                    new_price=row.price,
                    currency=row.currency,
                    old_availability=old_availability,
                    new_availability=row.availability,
                    change_percent=change_percent(old_price, row.price),
                    alerts=tuple(kinds.get((row.run_id, row.timestamp_ms), ())),
                )
            )
        previous = row
    return found


def period_report(
    stack: Any,
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
    return [
        ChartPoint(
            at=seen.observed_at,
            price=seen.price,
            in_stock=seen.availability == IN_STOCK,
            label=f"{seen.observed_at:%Y-%m-%d %H:%M} {seen.price} {seen.availability}",
        )
        for seen in observations
    ]


def _markers(alerts: Sequence[DerivedAlert]) -> list[ChartMarker]:
    return [
        ChartMarker(
            at=alert.observed_at,
            price=alert.new_price,
            kind=alert.kind,
            label=f"{alert.kind}: {alert.old_price} -> {alert.new_price} ({alert.drop_percent}%)",
        )
        for alert in alerts
    ]


# --- the commands ------------------------------------------------------------------------


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    history = commands.add_parser(
        "history",
        parents=[common],
        help="a product's price series, all-time low and alerts (and an SVG chart)",
        description="A product's price series as a table, and with --chart as an SVG image.",
    )
    history.add_argument("product_id", metavar="PRODUCT_ID")
    _period_options(history)
    history.add_argument(
        "--chart",
        nargs="?",
        const="",
        default=None,
        metavar="FILE.svg",
        help="write the chart as SVG (default file: PRODUCT_ID.svg)",
    )
    history.set_defaults(action=show_history)

    report = commands.add_parser(
        "report",
        parents=[common],
        help="an HTML page with a chart per product that changed in the period",
        description="Write DIR/index.html: a small chart and the changes of every product"
        " whose price or availability changed in the period; opens from disk, no network.",
    )
    report.add_argument("--out", required=True, type=Path, metavar="DIR")
    _period_options(report)
    report.set_defaults(action=write_report)


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=positive_count,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the period: the last N days (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--default-threshold",
        type=_percent,
        default=None,
        metavar="PERCENT",
        help="the drop threshold of products without their own, for the derived alerts"
        " (default: the detector's configured value)",
    )


def show_history(arguments: argparse.Namespace, context: Any) -> int:
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
    if chart_path is not None and history.entries:
        chart_path.write_text(render_svg(history_chart(history)), encoding="utf-8")
        chart_written = str(chart_path)
    data = {**asdict(history), "chart": chart_written}
    context.console.result(
        data, lambda: _render_history(context.console, history, chart_path, chart_written)
    )
    return EXIT_OK


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
    if low is None:  # nothing stored
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
            f"chart: {chart_written}" if chart_written else "no chart: no observation in the period"
        )


def write_report(arguments: argparse.Namespace, context: Any) -> int:
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
    charts = {
        product.product.product_id: render_svg(
            report_chart(product), width=REPORT_CHART_WIDTH, height=REPORT_CHART_HEIGHT
        )
        for product in report.changed
    }
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


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be a percentage from 0 to 100")
    return value
