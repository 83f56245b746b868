"""The demo's set-up: the local retailer site running, and its sample catalog as a file.

`python -m local_stack demo` runs its cycles inside `demo_site()`, moving the site
to each cycle with `site.set_cycle(n)`; `describe_cycle(n)` says, product by product, what
the site shows in that cycle and what the service should make of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local_stack.retailer_site import CAPTCHA, FLAKY, MISSING, RetailerSite, expected
from pricemon.catalog_file import write_catalog

CATALOG_NAME = "demo-catalog.csv"


@contextmanager
def demo_site() -> Iterator[tuple[RetailerSite, Path]]:
    """The running site and its sample catalog file; both go away on exit."""
    with (
        RetailerSite() as site,
        tempfile.TemporaryDirectory(prefix="price-monitor-demo-") as directory,
    ):
        catalog_path = Path(directory) / CATALOG_NAME
        write_catalog(site.sample_catalog(), catalog_path)
        yield site, catalog_path


def describe_cycle(cycle: int) -> list[str]:
    """One line per product: its page in `cycle`, and the notifications it is due."""
    previous = expected(cycle - 1) if cycle > 0 else {}
    lines = []
    for product_id, page in expected(cycle).items():
        where = f"{product_id} ({page.retailer})"
        if page.outcome is None:
            lines.append(f"{where}: inactive in the catalog, never fetched")
        elif page.page == MISSING:
            lines.append(f"{where}: HTTP 404, recorded as failed")
        elif page.page == CAPTCHA:
            lines.append(f"{where}: a captcha page, recorded as blocked")
        else:
            assert page.availability is not None  # an offer page (OFFER, FLAKY) has stock
            price = "no price" if page.price is None else f"{page.price} {page.currency}"
            shown = f"{price}, {page.availability.replace('_', ' ')}"
            before = previous.get(product_id)
            if before is not None and before.price != page.price:
                shown = f"{before.price or 'no price'} -> {shown}"
            if page.page == FLAKY:
                shown = f"HTTP 503 first, then {shown} on the retry"
            due = ", ".join(page.alerts) if page.alerts else "no notification"
            lines.append(f"{where}: {shown}; {'first sight, ' if cycle == 0 else ''}{due}")
    return lines
