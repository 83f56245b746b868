"""EventBridge Scheduler's schedule expressions: rate(N unit), cron(6 fields), at(time).

One reading of the expression for its two readers: the stack settings
(`price_monitor.config`), which refuse an expression the Scheduler would refuse and size
the alarm periods from it, and the local stack's scheduler (`local_stack.services.scheduler`),
which fires rate() schedules on the simulated clock. `parse_schedule` raises
`InvalidScheduleError` and nothing else, whatever the text; its `problem` is the sentence
the settings report under the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

_RATE = re.compile(r"rate\((?P<count>\d+) (?P<unit>minutes?|hours?|days?)\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#-]+")
_AT = re.compile(r"at\((?P<time>[^()]*)\)")
_AT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_UNIT_SECONDS = {"minute": 60, "hour": 3_600, "day": 86_400}
# cron periods vary and at() fires once: a day is the longest a daily cron waits.
_DAY_SECONDS = 86_400


class ScheduleKind(StrEnum):
    """Which of the Scheduler's three forms an expression takes."""

    RATE = "rate"
    CRON = "cron"
    AT = "at"


@dataclass(frozen=True)
class Schedule:
    """A valid schedule expression: its form, and for rate() the seconds between fires."""

    expression: str
    kind: ScheduleKind
    period_seconds: int | None = None  # rate() only


class InvalidScheduleError(ValueError):
    """An expression the Scheduler would refuse; `problem` says why, quoting it."""

    def __init__(self, expression: str, problem: str) -> None:
        super().__init__(problem)
        self.expression = expression
        self.problem = problem


def parse_schedule(expression: str) -> Schedule:
    """The schedule `expression` names; InvalidScheduleError (only) when it is not valid."""
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        return _rate(expression, rate)
    cron = _CRON.fullmatch(expression)
    if cron is not None:
        return _cron(expression, cron["fields"].split())
    at = _AT.fullmatch(expression)
    if at is not None:
        return _at(expression, at["time"])
    raise InvalidScheduleError(
        expression,
        f"must be rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss), got {expression!r}",
    )


def schedule_problem(expression: str) -> str | None:
    """Why the Scheduler would refuse `expression`, or None when it is valid."""
    try:
        parse_schedule(expression)
    except InvalidScheduleError as error:
        return error.problem
    return None


def rate_period_seconds(expression: str) -> int | None:
    """The seconds a rate(N unit) expression names, or None for any other form.

    Reads the form only (a count of 0 gives 0): `parse_schedule` is what validates.
    """
    rate = _RATE.fullmatch(expression)
    return None if rate is None else _period(rate)


def schedule_period_seconds(expression: str) -> int:
    """Seconds between two runs of a valid schedule expression; a day for cron and at()."""
    period = rate_period_seconds(expression)
    return _DAY_SECONDS if period is None else period


def _period(rate: re.Match[str]) -> int:
    return int(rate["count"]) * _UNIT_SECONDS[rate["unit"].rstrip("s")]


def _rate(expression: str, rate: re.Match[str]) -> Schedule:
    count, unit = int(rate["count"]), rate["unit"]
    if count == 0:
        raise InvalidScheduleError(expression, f"a rate must be at least 1, got {expression!r}")
    if (count == 1) == unit.endswith("s"):
        raise InvalidScheduleError(
            expression,
            "a rate of 1 takes a singular unit and any other a plural one, as in "
            f"rate(1 hour) and rate(6 hours), got {expression!r}",
        )
    return Schedule(expression, ScheduleKind.RATE, _period(rate))


def _cron(expression: str, fields: list[str]) -> Schedule:
    if len(fields) != 6 or not all(_CRON_FIELD.fullmatch(field) for field in fields):
        raise InvalidScheduleError(
            expression,
            "cron() takes 6 fields (minutes hours day-of-month month day-of-week year), "
            f"got {expression!r}",
        )
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise InvalidScheduleError(
            expression,
            f"cron() needs '?' in exactly one of day-of-month and day-of-week, got {expression!r}",
        )
    return Schedule(expression, ScheduleKind.CRON)


def _at(expression: str, time: str) -> Schedule:
    try:
        datetime.strptime(time, _AT_TIME_FORMAT)
    except ValueError:
        raise InvalidScheduleError(
            expression, f"at() takes a time as yyyy-mm-ddThh:mm:ss, got {expression!r}"
        ) from None
    return Schedule(expression, ScheduleKind.AT)
