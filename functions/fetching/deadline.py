"""The one time budget of a fetch: an instant on a monotonic clock that tests can replace.

Everything a fetch does (connects, TLS, each send and receive, decompression) asks the same
``Deadline`` how long is left, so no step can stretch the fetch past its budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Deadline:
    """``at`` is a reading of ``clock`` (seconds, monotonic) after which the fetch has failed."""

    at: float
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now on ``clock``."""
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left; raises TimeoutError once there are none (socket timeouts raise it too)."""
        left = self.at - self.clock()
        if left <= 0:
            raise TimeoutError("fetch deadline exceeded")
        return left

    def check(self) -> None:
        """Raise TimeoutError if the deadline has passed."""
        self.remaining()

    def within(self, seconds: float) -> Deadline:
        """This deadline, or ``seconds`` from now if that comes sooner."""
        return Deadline(min(self.at, self.clock() + seconds), self.clock)
