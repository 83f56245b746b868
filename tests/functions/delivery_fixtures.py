"""A sample alert for the notifier's tests: the detector's price drop, as the notifier reads it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from delivery.alert import Alert


def alert(**changes: Any) -> Alert:
    """Acme's kettle down from 19.99 to 17.99 EUR, with `changes` applied."""
    fields: dict[str, Any] = {
        "kind": "price_drop",
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "name": "Acme Kettle 2000",
        "url": "https://shop.example/kettle",
        "currency": "EUR",
        "old_price": Decimal("19.99"),
        "new_price": Decimal("17.99"),
        "change_percent": Decimal("10.01"),
        "observed_at": "2024-05-01T06:00:03Z",
        "run_id": "2024-05-01T06:00:00Z",
        "dedup_key": "5" * 64,
    }
    return Alert(**{**fields, **changes})
