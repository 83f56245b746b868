"""Price-alert notifications: what a subscriber of the price-alerts topic receives.

The message body is the DESIGN.md "Notification" contract, one JSON object per event:

    {"kind": "price_drop", "product_id": "...", "retailer": "...", "name": "..." | null,
     "url": "...", "currency": "EUR" | null, "old_price": 19.99, "new_price": 17.99,
     "change_percent": 10.01, "observed_at": "...", "run_id": "..."}

Amounts are JSON *numbers* written from their `Decimal` digits (never through a float), so
they are exact in the text and a subscriber can filter on them (SNS payload-based filter
policies match numbers, e.g. `change_percent >= 20`). `change_percent` has 2 decimal places
and is the drop in percent of the old price (negative for a rise). `currency` is null when
the retailer's pages do not state one (then neither observation did). Message attributes
`kind`, `product_id` and `retailer` (String) let subscribers filter without reading the
body. The subject is for people (e-mail): ASCII printable, no line breaks, shorter than
100 characters, as SNS requires.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monitor.change_rules import EventKind, PriceEvent

# SNS: "less than 100 characters long".
SUBJECT_MAX_CHARS = 99
ATTRIBUTE_NAMES = ("kind", "product_id", "retailer")

_ELLIPSIS = "..."
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Notification:
    """One message for the price-alerts topic; `id` is what makes it publish once."""

    id: str
    subject: str
    body: str
    attributes: dict[str, str]


def notification_for(event: PriceEvent) -> Notification:
    """The message that tells subscribers about `event`."""
    return Notification(
        id=event.notification_id,
        subject=_subject(event),
        body=_json_object(
            {
                "kind": str(event.kind),
                "product_id": event.product_id,
                "retailer": event.retailer,
                "name": event.name,
                "url": event.url,
                "currency": event.currency,
                "old_price": event.old_price,
                "new_price": event.new_price,
                "change_percent": event.change_percent,
                "observed_at": event.observed_at,
                "run_id": event.run_id,
            }
        ),
        attributes={
            "kind": str(event.kind),
            "product_id": event.product_id,
            "retailer": event.retailer,
        },
    )


def publish(sns_client: Any, topic_arn: str, notification: Notification) -> str:
    """Publish `notification` to the topic; returns the SNS message id."""
    response = sns_client.publish(
        TopicArn=topic_arn,
        Subject=notification.subject,
        Message=notification.body,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in notification.attributes.items()
        },
    )
    return response["MessageId"]


def _subject(event: PriceEvent) -> str:
    price = " ".join(filter(None, (_number(event.new_price), _ascii(event.currency or ""))))
    if event.kind is EventKind.PRICE_DROP:
        head = f"Price drop {_number(event.change_percent)}%"
        tail = f", now {price} (was {_number(event.old_price)})"
    elif event.kind is EventKind.TARGET_PRICE:
        head, tail = "Target price reached", f", now {price}"
    else:
        head, tail = "Back in stock", f", at {price}"
    label = _ascii(event.name or "") or _ascii(event.product_id) or "a product"
    room = SUBJECT_MAX_CHARS - len(head) - len(": ") - len(tail)
    if len(label) > room:
        label = label[: max(room - len(_ELLIPSIS), 0)].rstrip() + _ELLIPSIS
    # Only a pathological currency code could still overflow: the limit is SNS's, not ours.
    return f"{head}: {label}{tail}"[:SUBJECT_MAX_CHARS]


def _ascii(text: str) -> str:
    """Printable ASCII on one line: accents folded (é -> e), anything else dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", _NOT_PRINTABLE_ASCII.sub(" ", folded)).strip()


def _number(value: Decimal) -> str:
    return format(value, "f")


def _json(value: str | None) -> str:
    # Names stay readable in an e-mail body: UTF-8 text rather than \u escapes.
    return json.dumps(value, ensure_ascii=False)


def _json_object(fields: Mapping[str, str | Decimal | None]) -> str:
    # The standard json module can only write a Decimal through a float (or as a string);
    # the body is a flat object, so its numbers are written from their own digits instead.
    members = (
        f"{json.dumps(key)}:{_number(value) if isinstance(value, Decimal) else _json(value)}"
        for key, value in fields.items()
    )
    return "{" + ",".join(members) + "}"
