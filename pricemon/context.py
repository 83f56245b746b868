"""What every `pricemon` command is handed: where to write, the stack, the time.

`app.py` builds one `Context` per command line; each command module registers its parser
on the `Subcommands` of `app.build_parser` and receives the Context in its action. Kept
apart from app.py, which imports every command module, so that the commands can name it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeAlias

from pricemon.target import Stack
from pricemon.terminal import Console

# What `add_subparsers` returns: each command module's `register` adds its parser to it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass
class Context:
    """What a command needs: where to write, the stack (resolved on first use), the time."""

    console: Console
    resolve: Callable[[], Stack]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _stack: Stack | None = None

    def stack(self) -> Stack:
        if self._stack is None:
            self._stack = self.resolve()
        return self._stack
