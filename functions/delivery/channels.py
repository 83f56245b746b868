"""Which alerts a channel takes: its filters, applied to an alert.

The channels themselves (their fields, parsing, summaries) are `contracts.alert_channels`,
shared with the Pulumi program, which checks `alertChannels` before anything is created.
"""

from __future__ import annotations

from contracts.alert_channels import (
    ALERTS_TOPIC,
    OPS_TOPIC,
    Channel,
    QuietHours,
    channel_summary,
    parse_channels,
    redact_url,
    secret_names,
)
from delivery.alert import Alert

__all__ = [
    "ALERTS_TOPIC",
    "OPS_TOPIC",
    "Channel",
    "QuietHours",
    "channel_summary",
    "matches",
    "parse_channels",
    "redact_url",
    "secret_names",
]


def matches(channel: Channel, alert: Alert) -> bool:
    """Whether `channel` wants `alert`: every filter it declares lets the alert through.

    `min_change_percent` compares the size of the move, a rise as a drop; an alert without
    a change (back in stock after a page without a price) passes it, having no move to
    measure."""
    if channel.kinds is not None and alert.kind not in channel.kinds:
        return False
    if channel.retailers is not None and alert.retailer not in channel.retailers:
        return False
    if channel.products is not None and alert.product_id not in channel.products:
        return False
    return not (
        channel.min_change_percent is not None
        and alert.change_percent is not None
        and abs(alert.change_percent) < channel.min_change_percent
    )
