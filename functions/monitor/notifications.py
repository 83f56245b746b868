"""Price-alert notifications: what a subscriber of the price-alerts topic receives.

The message body is the DESIGN.md "Notification" contract, one JSON object per event:

    {"kind": "price_drop", "product_id": "...", "retailer": "...", "name": "..." | null,
     "url": "...", "currency": "EUR" | null, "old_price": 19.99, "new_price": 17.99,
     "change_percent": 10.01, "observed_at": "...", "run_id": "...", "dedup_key": "<64 hex>"}

Amounts are JSON *numbers* written from their `Decimal` digits (never through a float), so
they are exact in the text and a subscriber can filter on them (SNS payload-based filter
policies match numbers, e.g. `change_percent >= 20`). `change_percent` has 2 decimal places
and is the drop in percent of the old price (negative for a rise). `old_price` and
`change_percent` are null for a `back_in_stock` after an out-of-stock observation that
showed no price (DESIGN: an observation may have no price); `new_price` and
`change_percent` are null for an `out_of_stock` whose page shows no price, and only then.
`recent_low`, the lowest price of the product's `new_low` window before this observation,
is present only when the detector looked it up (the `new_low` rule is on and the price
fell). `currency` is null when the retailer's pages do not state one (then neither observation
did; after an observation without a price, the new page's; for an `out_of_stock` without
a price, the old page's). Message attributes
`kind`, `product_id`, `retailer` and `dedup_key` (String) let subscribers filter (and drop
repeats) without reading the body. The subject is for people (e-mail): ASCII printable,
no line breaks, shorter than 100 characters, as SNS requires.

People read text, not JSON: each notification also carries `email_text`
(`monitor.alert_text`), and is published with `MessageStructure=json`, `{"default": body,
"email": email_text}`, so SNS e-mail subscribers get the text and every other protocol
(SQS, HTTPS, Lambda, e-mail-json) the JSON contract, as before.

`dedup_key` (in the body and as a message attribute) is the same for every copy of one
event, however often it is published: a subscriber that remembers the keys it has handled
drops the rare repeat the detector cannot rule out (docs/architecture.md "Detector").

Size: SNS refuses a message whose body and attributes exceed 256 KiB, and a catalog item may
hold up to DynamoDB's 400 KB. The display fields are therefore cut to documented limits,
ending in "…" when cut: `name` to NAME_MAX_CHARS, `url` to URL_MAX_CHARS (RFC 9110 asks
every URI handler for at least 8000 octets, so a real product page's address is never
cut). Identifiers (`product_id`, `retailer`, `run_id`, `kind`) are never cut: a key of
DynamoDB is at most 2048 bytes and the catalog's retailer names 64 characters, so with the
display limits a message stays far below SNS's; one that still would not fit (an item
edited past the catalog's rules) is refused here, naming the product, rather than by SNS.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from contracts.change_rules import EventKind, PriceEvent
from monitor.alert_text import readable_text

if TYPE_CHECKING:
    from types_boto3_sns import SNSClient

# SNS: "less than 100 characters long".
SUBJECT_MAX_CHARS = 99
# SNS's limit on a message's body plus its attributes (names, types and values), in bytes.
SNS_MESSAGE_MAX_BYTES = 262_144
# The display fields' limits, in characters (at most 4 UTF-8 bytes each, 6 when escaped).
NAME_MAX_CHARS = 1000
URL_MAX_CHARS = 8000
ATTRIBUTE_NAMES = ("kind", "product_id", "retailer", "dedup_key")
ATTRIBUTE_TYPE = "String"

_ELLIPSIS = "..."
# The body is UTF-8 text: a cut display field ends in one character, not three.
_BODY_ELLIPSIS = "\u2026"
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Notification:
    """One message for the price-alerts topic; `id` is what makes it publish once."""

    id: str
    dedup_key: str
    subject: str
    body: str  # the JSON contract
    attributes: dict[str, str]
    email_text: str  # what e-mail subscribers read instead of the body

    @property
    def message(self) -> str:
        """The per-protocol message SNS takes with MessageStructure=json."""
        return json.dumps({"default": self.body, "email": self.email_text}, ensure_ascii=False)

    @property
    def size_bytes(self) -> int:
        """What SNS counts against SNS_MESSAGE_MAX_BYTES: the message and every attribute."""
        attributes = sum(
            len(name.encode()) + len(ATTRIBUTE_TYPE) + len(value.encode())
            for name, value in self.attributes.items()
        )
        return len(self.message.encode()) + attributes


class NotificationTooLargeError(ValueError):
    """A notification SNS would refuse even with its display fields cut to their limits."""

    def __init__(self, product_id: str, size_bytes: int) -> None:
        super().__init__(
            f"product {product_id[:200]!r}: the notification is {size_bytes} bytes, over SNS's"
            f" {SNS_MESSAGE_MAX_BYTES}; its identifiers break the catalog's rules"
        )
        self.product_id = product_id
        self.size_bytes = size_bytes


def dedup_key(notification_id: str) -> str:
    """The event's key for subscribers: the same for every copy, 64 hex digits whatever the id
    (short enough for an SQS FIFO MessageDeduplicationId, should a subscriber use one)."""
    return hashlib.sha256(notification_id.encode()).hexdigest()


def shortened(text: str | None, limit: int) -> str | None:
    """`text` if it has at most `limit` characters, else its start and "…" (`limit` in all)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - len(_BODY_ELLIPSIS)] + _BODY_ELLIPSIS


def notification_for(event: PriceEvent) -> Notification:
    """The message that tells subscribers about `event`.

    Raises NotificationTooLargeError when even the shortened message exceeds SNS's limit.
    """
    key = dedup_key(event.notification_id)
    name, url = shortened(event.name, NAME_MAX_CHARS), shortened(event.url, URL_MAX_CHARS) or ""
    notification = Notification(
        id=event.notification_id,
        dedup_key=key,
        subject=_subject(event),
        body=_json_object(
            {
                "kind": str(event.kind),
                "product_id": event.product_id,
                "retailer": event.retailer,
                "name": name,
                "url": url,
                "currency": event.currency,
                "old_price": event.old_price,
                "new_price": event.new_price,
                "change_percent": event.change_percent,
                "observed_at": event.observed_at,
                "run_id": event.run_id,
                "dedup_key": key,
                # Optional: present only when the detector looked it up.
                **({} if event.recent_low is None else {"recent_low": event.recent_low}),
            }
        ),
        attributes={
            "kind": str(event.kind),
            "product_id": event.product_id,
            "retailer": event.retailer,
            "dedup_key": key,
        },
        email_text=readable_text(event, name=name, url=url),
    )
    if notification.size_bytes > SNS_MESSAGE_MAX_BYTES:
        raise NotificationTooLargeError(event.product_id, notification.size_bytes)
    return notification


def publish(sns_client: SNSClient, topic_arn: str, notification: Notification) -> str:
    """Publish `notification` to the topic; returns the SNS message id."""
    response = sns_client.publish(
        TopicArn=topic_arn,
        Subject=notification.subject,
        Message=notification.message,
        MessageStructure="json",
        MessageAttributes={
            name: {"DataType": ATTRIBUTE_TYPE, "StringValue": value}
            for name, value in notification.attributes.items()
        },
    )
    return response["MessageId"]


def _subject(event: PriceEvent) -> str:
    price = _priced(event.new_price, event.currency)
    was = f" (was {_number(event.old_price)})"
    if event.kind is EventKind.PRICE_DROP:
        head, tail = f"Price drop {_number(event.change_percent)}%", f", now {price}{was}"
    elif event.kind is EventKind.TARGET_PRICE:
        head, tail = "Target price reached", f", now {price}"
    elif event.kind is EventKind.BACK_IN_STOCK:
        head, tail = "Back in stock", f", at {price}"
    elif event.kind is EventKind.PRICE_INCREASE:
        rise = None if event.change_percent is None else -event.change_percent
        head, tail = f"Price increase {_number(rise)}%", f", now {price}{was}"
    elif event.kind is EventKind.ANY_CHANGE:
        head, tail = "Price changed", f", now {price}{was}"
    elif event.kind is EventKind.NEW_LOW:
        head, tail = "New low price", f", now {price}{was}"
    elif event.new_price is None:  # out of stock, and the page shows no price
        head, tail = "Out of stock", f", was {_priced(event.old_price, event.currency)}"
    else:
        head, tail = "Out of stock", f", at {price}"
    label = _ascii(event.name or "") or _ascii(event.product_id) or "a product"
    room = SUBJECT_MAX_CHARS - len(head) - len(": ") - len(tail)
    if len(label) > room:
        label = label[: max(room - len(_ELLIPSIS), 0)].rstrip() + _ELLIPSIS
    # Only a pathological currency code could still overflow: the limit is SNS's, not ours.
    return f"{head}: {label}{tail}"[:SUBJECT_MAX_CHARS]


def _priced(amount: Decimal | None, currency: str | None) -> str:
    return " ".join(filter(None, (_number(amount), _ascii(currency or ""))))


def _ascii(text: str) -> str:
    """Printable ASCII on one line: accents folded (é -> e), anything else dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", _NOT_PRINTABLE_ASCII.sub(" ", folded)).strip()


def _number(value: Decimal | None) -> str:
    # None only where the event has no such price, which a price comparison always has.
    return "-" if value is None else format(value, "f")


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
