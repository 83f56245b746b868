"""When a channel gets an alert: quiet hours defer it, a daily cap holds it for a digest.

Pure functions over `ChannelState`, one small value per channel (the notifier stores it,
e.g. as one DynamoDB item per channel, and writes it back conditionally), with the time
`now` passed in. For each alert a channel's filters let through, `plan_delivery` decides:

- `Defer(until)`: `now` is inside the channel's quiet hours; deliver at their end. The
  state does not change: the alert comes back at `until` and is planned again then, so it
  counts against the day it is delivered on.
- `Deliver()`: send it now; it takes one of the day's `daily_cap` places.
- `HoldForDigest(at)`: the day's cap is reached; the alert is kept in the state and goes
  out in one digest at `at`: the end of the channel's day (its next local midnight), or,
  when that falls in quiet hours, their end. `take_digest` hands the held alerts over once
  `at` has come.

The channel's day is the calendar day of its quiet hours' time zone (UTC without quiet
hours). Planning the same alert again (a redelivered message, a retried send) gives the
same decision and takes no second place: the state remembers the day's alerts by
`dedup_key`. The digest keeps at most `DIGEST_MAX_ALERTS` alerts whole and counts the
rest, so the state stays far below DynamoDB's item size.

Wall-clock times are found as a person reads them, daylight saving time included: a quiet
window ending at 02:30 on the night the clocks skip from 02:00 to 03:00 ends at 03:00
(the first instant the clock shows 02:30 or later); on the night 02:00-03:00 happens twice,
it ends at the first 02:30 after `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from delivery.alert import Alert
from delivery.channels import Channel, QuietHours

DIGEST_MAX_ALERTS = 50
_MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Deliver:
    """Send the alert now."""


@dataclass(frozen=True)
class Defer:
    """Quiet hours: send the alert at `until` (plan it again then)."""

    until: datetime


@dataclass(frozen=True)
class HoldForDigest:
    """The daily cap is reached: the alert is held for the digest sent at `at`."""

    at: datetime


Decision = Deliver | Defer | HoldForDigest


@dataclass(frozen=True)
class ChannelState:
    """What one channel's hygiene remembers between alerts.

    `day` is the channel's current day, `delivered` the `dedup_key`s given a place on it;
    `held` the alerts waiting for the digest (`held_more`: how many more were held than
    kept), due at `digest_at`."""

    day: date | None = None
    delivered: frozenset[str] = frozenset()
    held: tuple[Alert, ...] = ()
    held_more: int = 0
    held_keys: frozenset[str] = field(default=frozenset())
    digest_at: datetime | None = None


def plan_delivery(
    channel: Channel, state: ChannelState, alert: Alert, now: datetime
) -> tuple[Decision, ChannelState]:
    """What to do with `alert` on `channel` at `now` (timezone-aware), and the new state."""
    _require_aware(now)
    quiet = channel.quiet_hours
    if quiet is not None:
        end = quiet_hours_end(quiet, now)
        if end is not None:
            return Defer(end), state
    today = now.astimezone(_day_zone(channel)).date()
    if state.day != today:
        # A new day: fresh places. Held alerts stay until their digest is taken.
        state = replace(state, day=today, delivered=frozenset())
    key = alert.dedup_key
    if key in state.delivered:
        return Deliver(), state
    if key in state.held_keys:
        return HoldForDigest(_held_digest_at(state)), state
    if channel.daily_cap is None or len(state.delivered) < channel.daily_cap:
        return Deliver(), replace(state, delivered=state.delivered | {key})
    digest_at = state.digest_at or digest_time(channel, today)
    kept = len(state.held) < DIGEST_MAX_ALERTS
    return HoldForDigest(digest_at), replace(
        state,
        held=(*state.held, alert) if kept else state.held,
        held_more=state.held_more + (0 if kept else 1),
        held_keys=state.held_keys | {key},
        digest_at=digest_at,
    )


def take_digest(state: ChannelState, now: datetime) -> tuple[tuple[Alert, ...], int, ChannelState]:
    """The held alerts and the count of those not kept, once their digest is due at `now`,
    and the state without them; nothing (and the same state) before that."""
    _require_aware(now)
    if state.digest_at is None or now < state.digest_at:
        return (), 0, state
    return (
        state.held,
        state.held_more,
        replace(state, held=(), held_more=0, held_keys=frozenset(), digest_at=None),
    )


def without_sent_digest(state: ChannelState, sent: ChannelState) -> ChannelState:
    """`state` once the digest of `sent` (an earlier reading of it) went out: what was held
    since that reading stays held, and its digest is still due (at once, when the digest
    time has passed)."""
    keys = state.held_keys - sent.held_keys
    if not keys:
        return replace(state, held=(), held_more=0, held_keys=frozenset(), digest_at=None)
    return replace(
        state,
        held=tuple(alert for alert in state.held if alert.dedup_key in keys),
        held_more=max(0, state.held_more - sent.held_more),
        held_keys=keys,
    )


def digest_time(channel: Channel, day: date) -> datetime:
    """When the digest of `channel`'s `day` goes out: the day's end (the next local
    midnight), or the end of the quiet hours it falls in."""
    zone = _day_zone(channel)
    day_end = wall_clock_instant(day + timedelta(days=1), _MIDNIGHT, zone)
    quiet = channel.quiet_hours
    if quiet is not None:
        end = quiet_hours_end(quiet, day_end)
        if end is not None:
            return end
    return day_end


def quiet_hours_end(quiet: QuietHours, now: datetime) -> datetime | None:
    """The end of the quiet window `now` is in (UTC), or None when `now` is outside it."""
    _require_aware(now)
    local = now.astimezone(quiet.timezone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    return next_wall_clock_time(quiet.end, quiet.timezone, after=now)


def next_wall_clock_time(wall: time, zone: tzinfo, *, after: datetime) -> datetime:
    """The first instant later than `after` at which `zone`'s clocks show `wall` (or jump
    past it), in UTC."""
    today = after.astimezone(zone).date()
    candidates = [
        instant
        for day in (today - timedelta(days=1), today, today + timedelta(days=1))
        for instant in _instants_showing(day, wall, zone)
        if instant > after
    ]
    return min(candidates)


def wall_clock_instant(day: date, wall: time, zone: tzinfo) -> datetime:
    """The first instant of `day` at which `zone`'s clocks show `wall` or later, in UTC."""
    return min(_instants_showing(day, wall, zone))


def _instants_showing(day: date, wall: time, zone: tzinfo) -> list[datetime]:
    # Once on most days, twice when the clocks fall back over it, never when they skip it:
    # then the instant they skip it is when it is "reached".
    instants = []
    for fold in (0, 1):
        local = datetime.combine(day, wall, tzinfo=zone).replace(fold=fold)
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            instants.append(instant)
    if not instants:
        instants.append(_skipped_at(day, wall, zone))
    return sorted(set(instants))


def _skipped_at(day: date, wall: time, zone: tzinfo) -> datetime:
    """The instant the clocks jump over the non-existent `wall` of `day`."""
    local = datetime.combine(day, wall, tzinfo=zone)
    # fold=1 reads the time with the offset after the jump (an instant before it), fold=0
    # with the offset before (an instant after it): the jump lies between the two.
    early = local.replace(fold=1).astimezone(UTC)
    late = local.replace(fold=0).astimezone(UTC)
    if late < early:
        early, late = late, early
    while late - early > timedelta(seconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < local.replace(tzinfo=None):
            early = middle
        else:
            late = middle
    return late.replace(microsecond=0)


def _held_digest_at(state: ChannelState) -> datetime:
    if state.digest_at is None:  # held alerts always have their digest time
        raise ValueError("held alerts without a digest time")
    return state.digest_at


def _day_zone(channel: Channel) -> tzinfo:
    return channel.quiet_hours.timezone if channel.quiet_hours is not None else UTC


def _require_aware(now: datetime) -> None:
    # A naive time would be read as the machine's local time: wrong on Lambda's UTC and
    # anywhere else alike.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
