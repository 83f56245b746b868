"""The options `pricemon history` and `pricemon report` share: which period, which threshold.

`--days N` is the period (the last N days); `--default-threshold PERCENT` replaces the
detector's configured threshold for the products without their own, for the derived
alerts (rule_replay.py).
"""

from __future__ import annotations

import argparse
from decimal import Decimal

from pricemon.arguments import positive_count

DEFAULT_DAYS = 30


def add_period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=positive_count,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the period: the last N days (default {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--default-threshold",
        type=percent,
        default=None,
        metavar="PERCENT",
        help="the drop threshold of products without their own, for the derived alerts"
        " (default: the detector's configured value)",
    )


def percent(text: str) -> Decimal:
    """An argparse type: a percentage from 0 to 100."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be a percentage from 0 to 100")
    return value
