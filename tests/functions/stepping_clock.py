"""A clock for budget tests that does not depend on the machine's speed."""


class SteppingClock:
    """A clock that advances one unit each time it is read: a budget of N units is spent
    after N checks, whatever the machine's speed."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        self.now += 1
        return self.now
