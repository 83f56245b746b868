"""The page `pricemon report` writes: one self-contained HTML file.

It must open from disk with no network, so the charts are inline SVG and the style is an
inline <style>; there are no scripts, and a Content-Security-Policy forbids loading
anything, so even a value that slipped through could not fetch or run code. Product names
and URLs come from catalog files and retailer pages: untrusted. Every value from the data
goes through `untrusted.xml_text` (markup escaped, and characters XML forbids or that could
reorder the display written as visible escapes), and a URL becomes a link only when it is
http or https.

The markup is also well-formed XML (every element closed, only XML's entities, no character
XML 1.0 forbids, whatever the data holds), so tools and tests can read the page with an XML
parser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pricemon.history_models import Change, ChangedProduct, PeriodReport
from pricemon.terminal import format_cell, signed_percent
from pricemon.untrusted import xml_text

_LINK_SCHEMES = ("http", "https")
_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #1f2328; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.2em 0.6em; text-align: left; }
td.number { text-align: right; }
section.product { border-top: 2px solid #d0d7de; padding-top: 0.5em; margin-top: 1.5em; }
section.product h2 { font-size: 1.1em; margin: 0.3em 0; }
.meta { color: #57606a; font-size: 0.9em; }
.alert { color: #d1242f; font-weight: bold; }
dl.counts { display: grid; grid-template-columns: max-content max-content; gap: 0.1em 1em; }
dl.counts dt { color: #57606a; }
dl.counts dd { margin: 0; }
"""
# No scripts, nothing fetched: only the inline style and inline SVG.
_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def render_report(report: PeriodReport, charts: Mapping[str, str]) -> str:
    """The page; `charts` holds each changed product's SVG by product_id."""
    title = f"Price report, {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d}"
    parts = [
        "<!DOCTYPE html>",
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        f'<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}"/>',
        f"<title>{xml_text(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{xml_text(title)}</h1>",
        _counts(report),
        f'<p class="meta">Alerts are {xml_text(report.alerts_note)}. Default drop threshold'
        f" {_text(report.threshold.percent)}% ({xml_text(report.threshold.source)}).</p>",
        "<h2>Last runs</h2>",
        _runs(report),
        "</header>",
        "<main>",
    ]
    if not report.changed:
        parts.append("<p>No product changed price or availability in the period.</p>")
    for product in report.changed:
        parts.append(_product(product, charts.get(product.product.product_id, "")))
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def safe_link(url: str | None) -> str:
    """An <a> to `url` when it is http(s) with a host; otherwise the escaped text."""
    if not url:
        return "-"
    parts = urlsplit(url)
    if parts.scheme.lower() in _LINK_SCHEMES and parts.netloc:
        return f'<a href="{xml_text(url)}" rel="noreferrer noopener">{xml_text(url)}</a>'
    return xml_text(url)


def _counts(report: PeriodReport) -> str:
    counts = [
        (
            "period",
            f"the last {report.days} days: {_when(report.since)} to {_when(report.until)} UTC",
        ),
        ("active products in the catalog", report.catalog_products),
        ("products observed", report.observed_products),
        ("observations", report.observations),
        ("products that changed", len(report.changed)),
        ("alerts (derived)", report.alert_count),
    ]
    if report.unknown_products:
        counts.append(("observed, no longer in the catalog", report.unknown_products))
    rows = "".join(f"<dt>{xml_text(name)}</dt><dd>{_text(value)}</dd>" for name, value in counts)
    return f'<dl class="counts">{rows}</dl>'


def _runs(report: PeriodReport) -> str:
    if not report.runs:
        return "<p>No run recorded.</p>"
    headers = (
        "run id",
        "started",
        "products",
        "scraped",
        "failed",
        "blocked",
        "dead-lettered",
        "state",
    )
    rows = [
        (
            run.run_id,
            run.started_at,
            run.products,
            run.scraped,
            run.failed,
            run.blocked,
            run.dead_lettered,
            run.state,
        )
        for run in report.runs
    ]
    return _table(headers, rows)


def _product(product: ChangedProduct, chart: str) -> str:
    info = product.product
    threshold = f"{format_cell(info.drop_threshold_percent)}%"
    if not info.own_threshold:
        threshold += " (default)"
    meta = [
        f"<code>{xml_text(info.product_id)}</code>",
        xml_text(info.retailer or "-"),
        safe_link(info.url),
        f"drop threshold {xml_text(threshold)}",
    ]
    if info.target_price is not None:
        meta.append(f"target price {_text(info.target_price)}")
    alerts = (
        f'<p class="alert">{len(product.alerts)} alert(s): '
        + xml_text(", ".join(alert.kind for alert in product.alerts))
        + "</p>"
        if product.alerts
        else ""
    )
    return "\n".join(
        [
            f'<section class="product" id="product-{xml_text(info.product_id)}">',
            f"<h2>{xml_text(info.name or info.product_id)}</h2>",
            f'<p class="meta">{" · ".join(meta)}</p>',
            chart,
            alerts,
            _changes(product.changes),
            "</section>",
        ]
    )


def _changes(changes: Sequence[Change]) -> str:
    headers = ("observed at", "price", "change %", "availability", "alerts", "run id")
    rows = [
        (
            change.observed_at,
            f"{format_cell(change.old_price)} → {format_cell(change.new_price)}"
            f" {change.currency or ''}".strip(),
            signed_percent(change.change_percent),
            change.new_availability
            if change.old_availability in (None, change.new_availability)
            else f"{change.old_availability} → {change.new_availability}",
            ", ".join(change.alerts),
            change.run_id,
        )
        for change in changes
    ]
    return _table(headers, rows)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{xml_text(header)}</th>" for header in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="number">{_text(value)}</td>'
            if isinstance(value, int | Decimal) and not isinstance(value, bool)
            else f"<td>{_text(value)}</td>"
            for value in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value: Any) -> str:
    """A value as escaped text (times to the minute, UTC)."""
    return xml_text(_when(value) if isinstance(value, datetime) else format_cell(value))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
