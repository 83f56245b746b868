"""The text a person reads for a price event: what SNS e-mail subscribers receive.

The topic's JSON contract (`monitor.notifications`) is for programs; an e-mail of it is a
line of braces. So each notification also carries this plain text, and is published with
SNS's per-protocol messages (`MessageStructure=json`): e-mail subscribers get the text,
every other protocol (SQS, HTTPS, Lambda, e-mail-json) the JSON contract unchanged.

    Price drop: Acme Kettle 2000
    Now 17.99 EUR, was 19.99 EUR: 2.00 EUR less (-10.01%).

    Retailer: acme
    https://shop.example/kettle

    Seen at 2024-05-01T06:00:03Z, in the run of 2024-05-01T06:00:00Z (product acme-kettle-1).

Amounts are written from their `Decimal` digits; a price without a currency is written
alone. An `out_of_stock` whose page shows no price says so, with the last price seen.
The name and URL are the notification's display fields, already cut to their limits.
"""

from __future__ import annotations

from decimal import Decimal

from contracts.change_rules import EventKind, PriceEvent

_HEADINGS = {
    EventKind.PRICE_DROP: "Price drop",
    EventKind.TARGET_PRICE: "Target price reached",
    EventKind.BACK_IN_STOCK: "Back in stock",
    EventKind.PRICE_INCREASE: "Price increase",
    EventKind.ANY_CHANGE: "Price changed",
    EventKind.NEW_LOW: "New low price",
    EventKind.OUT_OF_STOCK: "Out of stock",
}


def readable_text(event: PriceEvent, *, name: str | None, url: str) -> str:
    """The e-mail text for `event`, with its (shortened) display `name` and `url`."""
    label = name or event.product_id
    lines = [
        f"{_HEADINGS[event.kind]}: {label}",
        _price_line(event),
        "",
        f"Retailer: {event.retailer}",
        url,
        "",
        f"Seen at {event.observed_at}, in the run of {event.run_id} (product {event.product_id}).",
    ]
    return "\n".join(lines) + "\n"


def _price_line(event: PriceEvent) -> str:
    if event.new_price is None:
        # Out of stock, and the page shows no price: the last one seen is all there is.
        was = "" if event.old_price is None else f", was {_amount(event.old_price, event.currency)}"
        return f"No price shown now{was}."
    now = f"Now {_amount(event.new_price, event.currency)}"
    if event.old_price is None:
        # Back in stock after an out-of-stock page that showed no price.
        return f"{now} (it was out of stock, without a price)."
    was = f"was {_amount(event.old_price, event.currency)}"
    difference = event.old_price - event.new_price
    if difference == 0:
        return f"{now}, as before."
    direction = "less" if difference > 0 else "more"
    change = "" if event.change_percent is None else f" ({_signed(-event.change_percent)}%)"
    return f"{now}, {was}: {_amount(abs(difference), event.currency)} {direction}{change}."


def _amount(value: Decimal, currency: str | None) -> str:
    digits = format(value, "f")
    return f"{digits} {currency}" if currency else digits


def _signed(value: Decimal) -> str:
    digits = format(value, "f")
    return digits if value < 0 else f"+{digits}"
