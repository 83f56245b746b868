"""How `pricemon` writes: aligned tables, colour only on a terminal, JSON for scripts.

Every command builds its result as plain data and hands it to `Console.result`: with
`--json` the data is printed as one JSON document (and nothing else goes to stdout, so
scripts can parse it); otherwise the command's own rendering runs, using `table`, `line`
and `style`. Progress goes to stderr: a redrawn bar on a terminal, a line every few
seconds otherwise, nothing with `--json`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

EXIT_OK = 0
EXIT_PROBLEM = 1  # the command ran and found a problem (bad rows, failing products, ...)
EXIT_USAGE = 2  # the command could not run as asked (usage, access, unknown stack, ...)

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2"}
_BAR_WIDTH = 30
# Without a terminal, a progress line at most this often (seconds).
_PROGRESS_LINE_INTERVAL = 5.0


@dataclass
class Console:
    """Where a command's output goes, and in which form."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    json_mode: bool = False
    colour: bool | None = None  # None: only when stdout is a terminal and NO_COLOR is unset
    clock: Callable[[], float] = time.monotonic
    _last_progress: float = field(default=float("-inf"), init=False)

    def __post_init__(self) -> None:
        if self.colour is None:
            self.colour = _is_terminal(self.out) and "NO_COLOR" not in os.environ

    # --- results -----------------------------------------------------------------------

    def result(self, data: Any, render: Callable[[], None]) -> None:
        """Print `data` as JSON with --json; otherwise call `render` for the human form."""
        if self.json_mode:
            self.out.write(to_json(data) + "\n")
        else:
            render()

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def error(self, text: str) -> None:
        """A message about what went wrong, on stderr (in every mode)."""
        self.err.write(f"pricemon: {text}\n")

    def style(self, text: str, *styles: str) -> str:
        """`text` in the given colours/weights on a terminal; unchanged otherwise."""
        if not self.colour or not styles:
            return text
        codes = ";".join(_COLOURS[name] for name in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        right: Sequence[int] = (),
        styles: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """Rows under headers, columns aligned; `right` lists right-aligned column indexes.

        `styles`, one entry per row, colours a whole row (on a terminal only); colour codes
        are added after padding so they never disturb the alignment.
        """
        cells = [[format_cell(value) for value in row] for row in rows]
        widths = [
            max([len(header), *(len(row[index]) for row in cells)])
            for index, header in enumerate(headers)
        ]

        def render(values: Sequence[str]) -> str:
            padded = [
                value.rjust(widths[index]) if index in right else value.ljust(widths[index])
                for index, value in enumerate(values)
            ]
            return "  ".join(padded).rstrip()

        self.line(self.style(render(headers), "bold"))
        for index, row in enumerate(cells):
            text = render(row)
            row_styles = styles[index] if styles is not None else ()
            self.line(self.style(text, *row_styles))

    # --- progress ----------------------------------------------------------------------

    def progress(self, done: int, total: int, label: str) -> None:
        """Report progress of a long operation (stderr; nothing with --json)."""
        if self.json_mode:
            return
        if _is_terminal(self.err):
            filled = _BAR_WIDTH * done // total if total else _BAR_WIDTH
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            end = "\n" if done >= total else ""
            self.err.write(f"\r{label} [{bar}] {done}/{total}{end}")
            self.err.flush()
            return
        now = self.clock()
        if done >= total or now - self._last_progress >= _PROGRESS_LINE_INTERVAL:
            self._last_progress = now
            self.err.write(f"{label}: {done}/{total}\n")


def format_cell(value: Any) -> str:
    """A table cell: '-' for nothing, numbers without exponent, times to the second."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def to_json(data: Any) -> str:
    """`data` as JSON: Decimals as numbers, datetimes as ISO 8601, sets as sorted lists."""
    return json.dumps(data, default=_json_default, indent=2, sort_keys=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
