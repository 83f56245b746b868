"""How `pricemon` writes: aligned tables, colour only on a terminal, JSON for scripts.

Every command builds its result as plain data and hands it to `Console.result`: with
`--json` the data is printed as one JSON document (and nothing else goes to stdout, so
scripts can parse it); otherwise the command's own rendering runs, using `table`, `line`
and `style`. Progress goes to stderr: a redrawn bar on a terminal, a line every few
seconds otherwise, nothing with `--json`.

Every line passes through `line` (tables, styled headings, errors and progress too), and
that is where untrusted text is escaped (untrusted.py): control characters and bidi
overrides from a page or a catalog are printed as `\\x1b`, `\\u202e`, never acted on. Only
the colour codes `style` adds itself get through, so no command can forget the escaping.
JSON needs none: `json.dumps` writes every control and non-ASCII character as `\\uXXXX`.
Progress is best effort: a stderr that cannot be written (a closed pipe) stops the progress
reports, never the operation they follow.
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

from pricemon.untrusted import visible

EXIT_OK = 0
EXIT_PROBLEM = 1  # the command ran and found a problem (bad rows, failing products, ...)
EXIT_USAGE = 2  # the command could not run as asked (usage, access, unknown stack, ...)
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
EXIT_PIPE_CLOSED = 141  # stdout's reader went away (`| head`): 128 + SIGPIPE, as shells report it

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2"}
_BAR_WIDTH = 30
# Without a terminal, a progress line at most this often (seconds).
_PROGRESS_LINE_INTERVAL = 5.0
_LINE_BREAK = frozenset("\n")


@dataclass
class Console:
    """Where a command's output goes, and in which form."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    json_mode: bool = False
    colour: bool | None = None  # None: only when stdout is a terminal and NO_COLOR is unset
    clock: Callable[[], float] = time.monotonic
    _last_progress: float = field(default=float("-inf"), init=False)
    _err_closed: bool = field(default=False, init=False)

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
        """One line on stdout, its untrusted characters escaped (but `style`'s colours)."""
        self.out.write(_shown(text) + "\n")

    def error(self, text: str) -> None:
        """A message about what went wrong, on stderr (in every mode)."""
        self.err.write(f"pricemon: {_shown(text)}\n")

    def note(self, text: str) -> None:
        """A line about what the command is doing, on stderr (nothing with --json)."""
        if not self.json_mode:
            self._best_effort(f"{_shown(text)}\n")

    def data(self, text: str) -> None:
        """A document that is the command's output (a CSV): as it is into a file or a pipe,
        escaped on a terminal, where a person reads it (lines kept)."""
        if _is_terminal(self.out):
            text = visible(text.replace("\r\n", "\n"), keep=_LINE_BREAK)
        self.out.write(text)

    def style(self, text: str, *styles: str) -> str:
        """`text`, escaped, in the given colours/weights on a terminal; uncoloured otherwise."""
        shown = _shown(text)
        if not self.colour or not styles:
            return _Styled(shown)
        codes = ";".join(_COLOURS[name] for name in styles)
        return _Styled(f"\x1b[{codes}m{shown}\x1b[0m")

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
        # Escaped before measuring: an escape is wider than the character it shows.
        headers = [visible(header) for header in headers]
        cells = [[visible(format_cell(value)) for value in row] for row in rows]
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
        label = visible(label)
        if _is_terminal(self.err):
            filled = _BAR_WIDTH * done // total if total else _BAR_WIDTH
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            end = "\n" if done >= total else ""
            self._best_effort(f"\r{label} [{bar}] {done}/{total}{end}")
            return
        now = self.clock()
        if done >= total or now - self._last_progress >= _PROGRESS_LINE_INTERVAL:
            self._last_progress = now
            self._best_effort(f"{label}: {done}/{total}\n")

    def _best_effort(self, text: str) -> None:
        """Write to stderr unless it is gone: progress never interrupts what it reports on
        (an import stopped halfway by a closed pipe would leave the table half written)."""
        if self._err_closed:
            return
        try:
            self.err.write(text)
            self.err.flush()
        except (OSError, ValueError):  # a closed pipe (EPIPE) or a closed stream
            self._err_closed = True


class _Styled(str):
    """Text `Console.style` has escaped and coloured: `line` writes it as it is."""


def _shown(text: str) -> str:
    return text if isinstance(text, _Styled) else visible(text)


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


def signed_percent(value: Decimal | None) -> str | None:
    """A change in percent with its sign (none for no change), as the tables show it."""
    if value is None:
        return None
    return f"{value:+}" if value else f"{abs(value)}"


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
