"""Where alerts go: the notifier's channels, as the stack config and ALERT_CHANNELS_JSON give them.

ALERT_CHANNELS_JSON holds a JSON list, one object per channel:

    [{"name": "team-slack", "secret": "price-monitor/slack-webhook",
      "kinds": ["price_drop", "new_low"], "retailers": ["acme"], "min_change_percent": 15,
      "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
      "daily_cap": 20},
     {"name": "hooks", "url": "json://hooks.example/price-alerts"}]

A channel has either `url`, an Apprise URL (`slack://`, `msteams://`, `discord://`,
`tgram://`, `ntfy://`, `json://`, `mailto://`, ...), or `secret`, the Secrets Manager
secret (name or ARN) holding one: a URL with tokens or credentials belongs in a secret,
so a plain `url` with `user:password@` is refused. Neither is ever logged or quoted in an
error: logs show `redact_url`'s `scheme://***`. Filters, all optional, narrow what the
channel receives: `kinds`, `retailers`, `products` (lists), `min_change_percent` (the
size of the price move, either way), `quiet_hours` (delivery deferred to its end,
`delivery.hygiene`) and `daily_cap` (past it, a digest at the day's end; at most 1,000).
`topics` is what the channel hears: `["alerts"]` unless it says otherwise; `"ops"` brings
the stack's alarms (the ops topic) to it as well, unfiltered and at once.

A value the notifier cannot use is a broken deployment: `parse_channels` raises
`ConfigurationError` naming the channel and the field, once, when the container starts;
the Pulumi program checks `alertChannels` with it before anything is created, which is why
this lives in `contracts` (standard library only). Which alerts a channel takes is
`delivery.channels.matches`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts.environment import ALERT_CHANNELS_JSON, ConfigurationError

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]{0,31})://", re.IGNORECASE)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_FIELDS = frozenset(
    {
        "name",
        "url",
        "secret",
        "kinds",
        "retailers",
        "products",
        "min_change_percent",
        "quiet_hours",
        "daily_cap",
        "topics",
    }
)
# What a channel can listen to: the price alerts, and the ops topic's alarms.
ALERTS_TOPIC = "alerts"
OPS_TOPIC = "ops"
TOPICS = frozenset({ALERTS_TOPIC, OPS_TOPIC})
MAX_DAILY_CAP = 1000
_QUIET_FIELDS = frozenset({"start", "end", "timezone"})


@dataclass(frozen=True)
class QuietHours:
    """A daily window, in a time zone's wall-clock time, in which nothing is delivered.

    `start` > `end` crosses midnight (22:00-07:00); the window includes `start` and ends
    just before `end`."""

    start: time
    end: time
    timezone: ZoneInfo

    def contains(self, wall: time) -> bool:
        """Whether the wall-clock time `wall` is inside the window."""
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


@dataclass(frozen=True)
class Channel:
    """One configured destination and what it wants to receive."""

    name: str
    # Exactly one of the two: the Apprise URL itself, or the secret holding it.
    url: str | None = None
    secret: str | None = None
    kinds: frozenset[str] | None = None
    retailers: frozenset[str] | None = None
    products: frozenset[str] | None = None
    min_change_percent: Decimal | None = None
    quiet_hours: QuietHours | None = None
    daily_cap: int | None = None
    # The topics it hears: price alerts only unless it says so ("ops": the stack's alarms).
    topics: frozenset[str] = frozenset({ALERTS_TOPIC})

    def __repr__(self) -> str:
        # Never the URL: a repr ends up in logs and tracebacks.
        source = redact_url(self.url) if self.url is not None else f"secret {self.secret}"
        return f"Channel({self.name!r}, {source})"


def redact_url(url: str) -> str:
    """What logs may show of a channel URL: its scheme only (`slack://***`)."""
    found = _SCHEME.match(url)
    return f"{found.group(1).lower()}://***" if found else "***"


def parse_channels(text: str, setting: str = ALERT_CHANNELS_JSON) -> tuple[Channel, ...]:
    """The channels declared in `text` (the variable's value); `ConfigurationError` naming
    the channel and field that is wrong. An empty list is valid: no channel."""
    try:
        document = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKeyError as error:
        raise ConfigurationError(setting, f"key {error.key!r} appears twice") from None
    except (ValueError, RecursionError):
        # Not the text itself: a misplaced token would be quoted into the log.
        raise ConfigurationError(setting, "not valid JSON") from None
    if not isinstance(document, list):
        raise ConfigurationError(setting, "must be a JSON list of channel objects")
    channels = tuple(_channel(f"{setting}[{i}]", entry) for i, entry in enumerate(document))
    seen: set[str] = set()
    for index, channel in enumerate(channels):
        if channel.name in seen:
            raise ConfigurationError(
                f"{setting}[{index}].name", f"{channel.name!r} names two channels"
            )
        seen.add(channel.name)
    return channels


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def _channel(where: str, entry: object) -> Channel:
    if not isinstance(entry, dict):
        raise ConfigurationError(where, "must be a JSON object")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigurationError(
            f"{where}.name", "required: a lowercase identifier (a-z, 0-9, - and _, at most 64)"
        )
    where = f"{where} ({name})"
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise ConfigurationError(
            f"{where}.{unknown[0]}", f"unknown field (known: {', '.join(sorted(_FIELDS))})"
        )
    url, secret = entry.get("url"), entry.get("secret")
    if (url is None) == (secret is None):
        raise ConfigurationError(f"{where}.url", "give exactly one of url and secret")
    return Channel(
        name=name,
        url=None if url is None else _plain_url(f"{where}.url", url),
        secret=None if secret is None else _nonempty_text(f"{where}.secret", secret),
        kinds=_names(f"{where}.kinds", entry.get("kinds"), pattern=_KIND),
        retailers=_names(f"{where}.retailers", entry.get("retailers")),
        products=_names(f"{where}.products", entry.get("products")),
        min_change_percent=_percent(f"{where}.min_change_percent", entry.get("min_change_percent")),
        quiet_hours=_quiet_hours(f"{where}.quiet_hours", entry.get("quiet_hours")),
        daily_cap=_cap(f"{where}.daily_cap", entry.get("daily_cap")),
        topics=_topics(f"{where}.topics", entry.get("topics")),
    )


def _plain_url(where: str, value: object) -> str:
    # No error here quotes the value: it may be a token put in the wrong field.
    if not isinstance(value, str) or not _SCHEME.match(value) or value.strip() != value:
        raise ConfigurationError(where, "must be an Apprise URL, scheme://...")
    try:
        credentials = urlsplit(value).password is not None
    except ValueError:
        raise ConfigurationError(where, "must be an Apprise URL, scheme://...") from None
    if credentials:
        raise ConfigurationError(
            where, "holds a password: put the URL in a secret and name it in `secret`"
        )
    return value


def _nonempty_text(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(where, "must be a non-empty string")
    return value


def _names(
    where: str, value: object, *, pattern: re.Pattern[str] | None = None
) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ConfigurationError(where, "must be a non-empty list of strings")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise ConfigurationError(f"{where}[{index}]", "must be a non-empty string")
        if pattern is not None and not pattern.fullmatch(item):
            raise ConfigurationError(f"{where}[{index}]", f"{item!r} is not a lowercase kind")
    return frozenset(value)


def _percent(where: str, value: object) -> Decimal | None:
    if value is None:
        return None
    # bool is an int to Python, never a percentage to a reader.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(where, "must be a number")
    percent = Decimal(str(value))
    if not percent.is_finite() or percent < 0:
        raise ConfigurationError(where, "must be a finite number, 0 or more")
    return percent


def _cap(where: str, value: object) -> int | None:
    if value is None:
        return None
    # At most MAX_DAILY_CAP: the day's delivered keys are kept in the channel's state item.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAILY_CAP:
        raise ConfigurationError(where, f"must be a whole number from 1 to {MAX_DAILY_CAP}")
    return value


def _topics(where: str, value: object) -> frozenset[str]:
    if value is None:
        return frozenset({ALERTS_TOPIC})
    topics = _names(where, value)
    unknown = sorted((topics or frozenset()) - TOPICS)
    if unknown:
        raise ConfigurationError(where, f"unknown topic {unknown[0]!r} (known: alerts, ops)")
    return topics or frozenset({ALERTS_TOPIC})


def _quiet_hours(where: str, value: object) -> QuietHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigurationError(where, 'must be {"start": "HH:MM", "end": "HH:MM", "timezone"}')
    unknown = sorted(set(value) - _QUIET_FIELDS)
    if unknown:
        raise ConfigurationError(f"{where}.{unknown[0]}", "unknown field (start, end, timezone)")
    start = _clock(f"{where}.start", value.get("start"))
    end = _clock(f"{where}.end", value.get("end"))
    if start == end:
        raise ConfigurationError(where, "start and end are the same time: an empty window")
    return QuietHours(start, end, _zone(f"{where}.timezone", value.get("timezone")))


def _clock(where: str, value: object) -> time:
    found = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise ConfigurationError(where, "must be a 24-hour time, HH:MM")
    return time(int(found.group(1)), int(found.group(2)))


def _zone(where: str, value: object) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(where, "required: an IANA time zone such as Europe/Berlin")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a key that is not a relative path (ZoneInfo refuses "../x", "/x");
        # OSError: a key naming a directory of the zone database ("Europe").
        raise ConfigurationError(where, f"unknown time zone {value!r}") from None


def channel_summary(channel: Channel) -> dict[str, Any]:
    """What may be shown of a channel anywhere (a stack output, `pricemon alerts channels`):
    everything but its URL, of which only the scheme; a secret by its name."""
    quiet = channel.quiet_hours
    return {
        "name": channel.name,
        "source": (
            redact_url(channel.url) if channel.url is not None else f"secret {channel.secret}"
        ),
        "topics": sorted(channel.topics),
        "kinds": None if channel.kinds is None else sorted(channel.kinds),
        "retailers": None if channel.retailers is None else sorted(channel.retailers),
        "products": None if channel.products is None else sorted(channel.products),
        "min_change_percent": (
            None if channel.min_change_percent is None else str(channel.min_change_percent)
        ),
        "quiet_hours": (
            None
            if quiet is None
            else {
                "start": quiet.start.strftime("%H:%M"),
                "end": quiet.end.strftime("%H:%M"),
                "timezone": quiet.timezone.key,
            }
        ),
        "daily_cap": channel.daily_cap,
    }


def secret_names(channels: Sequence[Channel]) -> tuple[str, ...]:
    """The secrets the channels' URLs are read from (for the role's GetSecretValue grant)."""
    return tuple(sorted({c.secret for c in channels if c.secret is not None}))
