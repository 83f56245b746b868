"""The price alert the notifier receives: the topic's JSON contract, read back into a value.

The SQS body (raw message delivery) is the SNS message's `default`, the notification
contract of `monitor.notifications`. It is read strictly (a body that breaks the contract
is poison: `MalformedAlertError` names the field) with two openings for what is coming:
`kind` is text from an open set (new kinds get the generic template), and `new_price` may
be null (an `out_of_stock` observation without a price). `recent_low`, the price's lowest
in the recent past, is optional: templates show it when it is given.

Amounts are read as `Decimal` from their JSON digits, never through a float.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DEDUP_KEY = re.compile(r"[0-9a-f]{64}")
# The body of one SNS message is at most 256 KiB; anything longer is not one of ours.
BODY_MAX_CHARS = 262_144


class MalformedAlertError(ValueError):
    """A body that is not the notification contract: which field, and what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"alert {field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Alert:
    """One notification of the price-alerts topic, as the notifier acts on it."""

    kind: str
    product_id: str
    retailer: str
    name: str | None
    url: str
    currency: str | None
    old_price: Decimal | None
    new_price: Decimal | None
    change_percent: Decimal | None
    observed_at: str
    run_id: str
    dedup_key: str
    recent_low: Decimal | None = None

    def to_body(self) -> str:
        """The contract's JSON text again, which `parse_alert` reads back to an equal alert
        (e.g. to store an alert held back for a digest); amounts written from their digits."""
        fields: dict[str, str | Decimal | None] = {
            "kind": self.kind,
            "product_id": self.product_id,
            "retailer": self.retailer,
            "name": self.name,
            "url": self.url,
            "currency": self.currency,
            "old_price": self.old_price,
            "new_price": self.new_price,
            "change_percent": self.change_percent,
            "observed_at": self.observed_at,
            "run_id": self.run_id,
            "dedup_key": self.dedup_key,
        }
        if self.recent_low is not None:
            fields["recent_low"] = self.recent_low
        # The standard json module writes a Decimal only through a float: numbers by hand.
        members = (
            f"{json.dumps(key)}:"
            f"{format(value, 'f') if isinstance(value, Decimal) else json.dumps(value)}"
            for key, value in fields.items()
        )
        return "{" + ",".join(members) + "}"


def parse_alert(body: str) -> Alert:
    """The alert in an SQS body; `MalformedAlertError` when it breaks the contract."""
    if len(body) > BODY_MAX_CHARS:
        raise MalformedAlertError("body", f"longer than {BODY_MAX_CHARS} characters")
    try:
        document = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError) as error:
        raise MalformedAlertError("body", "not JSON") from error
    if not isinstance(document, dict):
        raise MalformedAlertError("body", "not a JSON object")
    kind = _text(document, "kind")
    if not _KIND.fullmatch(kind):
        raise MalformedAlertError("kind", "not a lowercase identifier")
    dedup_key = _text(document, "dedup_key")
    if not _DEDUP_KEY.fullmatch(dedup_key):
        raise MalformedAlertError("dedup_key", "not 64 lowercase hex digits")
    return Alert(
        kind=kind,
        product_id=_text(document, "product_id"),
        retailer=_text(document, "retailer"),
        name=_optional_text(document, "name"),
        url=_text(document, "url"),
        currency=_optional_text(document, "currency"),
        old_price=_amount(document, "old_price"),
        new_price=_amount(document, "new_price"),
        change_percent=_amount(document, "change_percent", signed=True),
        observed_at=_text(document, "observed_at"),
        run_id=_text(document, "run_id"),
        dedup_key=dedup_key,
        recent_low=_amount(document, "recent_low", required=False),
    )


def _text(document: dict[str, Any], field: str) -> str:
    value = _optional_text(document, field)
    if not value:
        raise MalformedAlertError(field, "missing or empty")
    return value


def _optional_text(document: dict[str, Any], field: str) -> str | None:
    if field not in document:
        raise MalformedAlertError(field, "missing")
    value = document[field]
    if value is not None and not isinstance(value, str):
        raise MalformedAlertError(field, "not a string")
    return value


def _amount(
    document: dict[str, Any], field: str, *, signed: bool = False, required: bool = True
) -> Decimal | None:
    if field not in document:
        if required:
            raise MalformedAlertError(field, "missing")
        return None
    value = document[field]
    if value is None:
        return None
    # bool is not a number of the contract (json gives True/False, never a Decimal).
    if not isinstance(value, Decimal) or not value.is_finite():
        raise MalformedAlertError(field, "not a number")
    if value < 0 and not signed:
        raise MalformedAlertError(field, "negative")
    return value
