"""A channel's hygiene state (`delivery.hygiene.ChannelState`) as bytes to store, and back.

JSON, compressed: a capped channel remembers the day's delivered keys (at most its cap) and
every held alert's key (one day's worth, kept whole up to the digest's 50 alerts), which
for a catalog of thousands on a bad day is hundreds of KB of hex as text. Compressed, it
stays well inside DynamoDB's 400 KB item. `decode_state` raises `ValueError` for bytes it
did not write, so a damaged item is a clear error, not a silently empty state.
"""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime
from typing import Any

from delivery.alert import parse_alert
from delivery.hygiene import ChannelState

_VERSION = 1


def encode_state(state: ChannelState) -> bytes:
    document = {
        "v": _VERSION,
        "day": None if state.day is None else state.day.isoformat(),
        "delivered": sorted(state.delivered),
        "held": [alert.to_body() for alert in state.held],
        "held_more": state.held_more,
        "held_keys": sorted(state.held_keys),
        "digest_at": None if state.digest_at is None else state.digest_at.isoformat(),
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), level=6)


def decode_state(data: bytes) -> ChannelState:
    try:
        document: dict[str, Any] = json.loads(zlib.decompress(data))
    except (zlib.error, ValueError) as error:
        raise ValueError(f"channel state is not one this notifier wrote: {error}") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise ValueError("channel state of an unknown version")
    try:
        return ChannelState(
            day=None if document["day"] is None else date.fromisoformat(document["day"]),
            delivered=frozenset(document["delivered"]),
            held=tuple(parse_alert(body) for body in document["held"]),
            held_more=int(document["held_more"]),
            held_keys=frozenset(document["held_keys"]),
            digest_at=(
                None
                if document["digest_at"] is None
                else datetime.fromisoformat(document["digest_at"])
            ),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"channel state is malformed: {error!r}") from None
