"""The rules a catalog entry's fields obey (DESIGN.md "Data contracts"), in one place.

Two readers apply them: `contracts.catalog` (a products-table item, in the Lambda functions)
and `pricemon.catalog_file` (a catalog CSV, on the operator's machine, which imports
this module as `contracts.catalog_rules`). That second import root is why this
module uses the standard library only and defines no exception types: each check returns
the problem as text, or None, and the reader reports it its own way.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

URL_SCHEMES = ("http", "https")
# The catalog's retailer column is matched exactly against the stack's retailer settings,
# whose keys follow the same rule (price_monitor/config.py).
RETAILER_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")

# The alert kinds (contracts.change_rules.EventKind): the first three are always on; the
# others only for the products (the catalog's `alerts`) or stacks that enable them.
ALWAYS_ON_ALERT_KINDS = ("price_drop", "target_price", "back_in_stock")
OPT_IN_ALERT_KINDS = ("price_increase", "any_change", "new_low", "out_of_stock")
# How the catalog file lists several kinds in its one `alerts` cell.
ALERTS_SEPARATOR = ";"
# A price may more than double: an increase threshold goes past 100 %.
MAX_INCREASE_THRESHOLD_PERCENT = 1000
# `new_low_days`: the "lowest in N days" window, a day to a year (the prices table keeps
# history for the stack's retention only, so a longer window would see no more).
NEW_LOW_DAYS = range(1, 366)


def url_problem(url: str) -> str | None:
    """Why `url` is not a product page address the scraper may fetch, or None."""
    if any(character.isspace() for character in url):
        return f"{url!r} contains whitespace"
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 literal
        return f"{url!r} is not a URL"
    if parts.scheme.lower() not in URL_SCHEMES:
        return f"{url!r} is not an http or https URL"
    if not parts.hostname:
        return f"{url!r} has no host"
    return None


def retailer_problem(retailer: str) -> str | None:
    """Why `retailer` is not a retailer name, or None."""
    if RETAILER_NAME.fullmatch(retailer):
        return None
    return (
        f"{retailer!r} is not a retailer name: a lowercase letter, then up to 63 lowercase "
        "letters, digits, '-' or '_'"
    )


def drop_threshold_problem(threshold: Decimal) -> str | None:
    """Why a finite `drop_threshold_percent` is out of range, or None."""
    # 0 % would call an unchanged price a drop.
    if 0 < threshold <= 100:
        return None
    return f"{threshold} is not in (0, 100]"


def target_price_problem(target_price: Decimal) -> str | None:
    """Why a finite `target_price` is not a price, or None."""
    if target_price > 0:
        return None
    return f"{target_price} is not a positive price"


def alert_kind_problem(kind: str) -> str | None:
    """Why `kind` is not an opt-in alert kind a product may list in `alerts`, or None."""
    if kind in OPT_IN_ALERT_KINDS:
        return None
    valid = ", ".join(OPT_IN_ALERT_KINDS)
    if kind in ALWAYS_ON_ALERT_KINDS:
        return f"{kind!r} is always on: list only the opt-in kinds ({valid})"
    return f"unknown alert kind {kind!r} (the opt-in kinds are {valid})"


def increase_threshold_problem(threshold: Decimal) -> str | None:
    """Why a finite `increase_threshold_percent` is out of range, or None."""
    # 0 % would call an unchanged price an increase.
    if 0 < threshold <= MAX_INCREASE_THRESHOLD_PERCENT:
        return None
    return f"{threshold} is not in (0, {MAX_INCREASE_THRESHOLD_PERCENT}]"


def new_low_days_problem(days: Decimal) -> str | None:
    """Why a finite `new_low_days` is not a whole number of days in NEW_LOW_DAYS, or None."""
    if days == days.to_integral_value() and NEW_LOW_DAYS.start <= days < NEW_LOW_DAYS.stop:
        return None
    return f"{days} is not a whole number of days from {NEW_LOW_DAYS.start} to {NEW_LOW_DAYS[-1]}"
