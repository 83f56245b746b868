"""The local stack's simulated clock, and the emulated services that keep its time.

A cycle of the service spans simulated minutes: the dispatcher spreads a retailer's jobs
with DelaySeconds of up to 900 s, and transient failures come back after backoffs of 30 s
to 15 min. `SimulatedClock` is the time of the emulated AWS services, and
`services_follow(clock)` makes moto keep it: SQS message delays, visibility timeouts,
sent and first-receive timestamps and retention, and the creation time of DynamoDB stream
records (which is what a stream mapping's maximum record age is measured against). The
event loop advances the clock to the next moment something becomes visible, so waiting
takes no real time.

What the clock does not drive: the handlers' own clocks. Observations are stamped with
the real time they were made, and fetches, spacing between fetches and the functions'
remaining time are real too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import moto.dynamodb.models.table
import moto.sqs.models


class ClockError(ValueError):
    """The simulated clock was asked to go backwards or was given a naive time."""


class SimulatedClock:
    """Time of the emulated services: starts at `start`, moves only when advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        start = datetime.now(UTC) if start is None else start
        if start.tzinfo is None:
            raise ClockError(f"the clock's start must carry a time zone, got {start!r}")
        self._set(start.astimezone(UTC))

    def _set(self, moment: datetime) -> None:
        self._now = moment
        # moto asks for the time on every message it looks at: kept ready as a number.
        self._epoch = moment.timestamp()

    def now(self) -> datetime:
        """The current simulated time (aware, UTC)."""
        return self._now

    def epoch_seconds(self) -> float:
        return self._epoch

    def epoch_millis(self) -> float:
        return self._epoch * 1000

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward."""
        if seconds < 0:
            raise ClockError(f"the clock only moves forward, asked to move {seconds} s")
        self._set(self._now + timedelta(seconds=seconds))

    def advance_to(self, moment: datetime) -> None:
        """Move the clock forward to `moment`; a moment already past leaves it where it is."""
        if moment.tzinfo is None:
            raise ClockError(f"a moment must carry a time zone, got {moment!r}")
        self._set(max(self._now, moment.astimezone(UTC)))


# moto's time functions that `services_follow` replaces: module, attribute, replacement.
def _replacements(clock: SimulatedClock) -> list[tuple[object, str, object]]:
    def naive_utc_now() -> datetime:
        # moto keeps naive UTC datetimes.
        return clock.now().replace(tzinfo=None)

    def unix_time(dt: datetime | None = None) -> float:
        return clock.epoch_seconds() if dt is None else dt.replace(tzinfo=UTC).timestamp()

    def unix_time_millis(dt: datetime | None = None) -> float:
        return clock.epoch_millis() if dt is None else unix_time(dt) * 1000

    return [
        (moto.sqs.models, "unix_time", unix_time),
        (moto.sqs.models, "unix_time_millis", unix_time_millis),
        (moto.dynamodb.models.table, "utcnow", naive_utc_now),
    ]


class ClockAlreadyInstalledError(RuntimeError):
    """moto already follows another simulated clock."""


_installed: SimulatedClock | None = None


@contextmanager
def services_follow(clock: SimulatedClock) -> Iterator[SimulatedClock]:
    """While open, moto's SQS and DynamoDB stream records keep `clock`'s time."""
    global _installed
    if _installed is not None:
        raise ClockAlreadyInstalledError("moto already follows a simulated clock")
    saved = []
    for module, name, replacement in _replacements(clock):
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, replacement)
    _installed = clock
    try:
        yield clock
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
        _installed = None
