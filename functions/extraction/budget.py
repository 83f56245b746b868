"""A per-page CPU budget for extraction: one hostile page fails alone, never its batch.

Extraction is pure Python in a worker thread, which cannot be interrupted from outside; so
every stage checks the page's budget at its own pace (between stages, and every so many
tokens or elements inside a long loop) and gives up with `ExtractionTooSlowError`. The
clock is the thread's CPU time by default, so time spent waiting for the GIL while other
pages are fetched or parsed is not charged to this page; tests inject their own clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Loops whose length grows with the page check the budget once per this many steps: often
# enough to stop within milliseconds, rarely enough to cost nothing on a normal page.
BUDGET_STRIDE = 256


class ExtractionTooSlowError(Exception):
    """Extraction spent its whole budget on one page."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"extraction too slow (over its {seconds:g} s CPU budget)")
        self.seconds = seconds


class Budget:
    """`seconds` of `clock` time from now; `check()` raises once they are spent."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.thread_time) -> None:
        if seconds <= 0:
            raise ValueError(f"a budget is a positive number of seconds, not {seconds!r}")
        self.seconds = seconds
        self._clock = clock
        self._deadline = clock() + seconds

    def check(self) -> None:
        if self._clock() > self._deadline:
            raise ExtractionTooSlowError(self.seconds)


class _Unlimited(Budget):
    """No budget: the default for callers that have none (the CLI, tests, benchmarks)."""

    def __init__(self) -> None:
        self.seconds = float("inf")

    def check(self) -> None:
        return None


UNLIMITED: Budget = _Unlimited()
