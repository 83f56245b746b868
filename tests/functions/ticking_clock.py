"""A fake monotonic clock that moves a fixed step at every reading, for deadline tests.

Code that checks its deadline once per unit of work then runs out of time after a known
number of units, whatever the machine's speed.
"""

from dataclasses import dataclass


@dataclass
class TickingClock:
    """Reads `now`, then moves it `step` seconds on; `readings` counts the calls."""

    step: float
    now: float = 1000.0
    readings: int = 0

    def __call__(self) -> float:
        self.readings += 1
        reading = self.now
        self.now += self.step
        return reading
