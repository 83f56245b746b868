"""The catalog file: the products to watch, as a CSV an operator edits in a spreadsheet.

DESIGN.md "Data contracts": a header row, then one product per row, with the columns
`product_id,retailer,url,name,drop_threshold_percent,target_price,active` and the opt-in
alert rules `alerts,increase_threshold_percent,new_low_days` (any order; the optional ones
may be left out of the header, so a file written before the alert columns existed still
reads). UTF-8, with or without a byte-order mark, any line ending, quoted cells as
spreadsheets write them. Surrounding spaces in a cell are ignored, blank rows are skipped,
`active` reads true/false, yes/no or 1/0 (blank: true). `alerts` lists opt-in kinds
separated by `;` (`price_increase;new_low`; blank: none beyond the stack's), each named
once, and is written back in `catalog_rules.OPT_IN_ALERT_KINDS` order.

Reading is all or nothing: `read_catalog` checks every row and raises `CatalogFileError`
with every problem found, each with the line number a spreadsheet shows (the header is
line 1) and the column, so no bad file is half imported. The field rules are the ones the
Lambda functions apply to a products-table item (`contracts.catalog_rules`), plus
what DynamoDB needs to store a row, so a file that reads cleanly also imports cleanly.
`import_catalog` writes rows with BatchWriteItem, retrying unprocessed items with backoff.

Formulas (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return (or the full-width `＝＋－＠`) as a formula, so a product name
such as `=HYPERLINK(...)` would run when an export is opened. Writing, such a text cell
gets a leading `'`, which spreadsheets show as text; reading, exactly that one `'` is
removed again, so an export imports back as the same catalog. A text that itself starts
with `'` before a trigger gets one more, for the same reason. The text columns are
`product_id`, `retailer`, `url` and `name`; the numeric ones are written as plain decimals
and read as numbers, never quoted: `-5` is the number -5 to a spreadsheet, not a formula,
and a quoted `'-5` there is not a number.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from contracts import catalog_rules
from contracts.batch_calls import until_processed

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table

COLUMNS = (
    "product_id",
    "retailer",
    "url",
    "name",
    "drop_threshold_percent",
    "target_price",
    "active",
    # Appended: a file without them reads as before.
    "alerts",
    "increase_threshold_percent",
    "new_low_days",
)
REQUIRED_COLUMNS = ("product_id", "retailer", "url")
TEXT_COLUMNS = ("product_id", "retailer", "url", "name")
# The first characters that make a spreadsheet read a cell as a formula (OWASP), and the
# prefix that makes it text.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
FORMULA_ESCAPE = "'"
HEADER_LINE = 1

# Bounds that keep every imported item within DynamoDB's limits (2,048-byte keys, 400 KB
# items, 38-digit numbers), so a file that reads cleanly never fails halfway through import.
MAX_PRODUCT_ID_BYTES = 1_024
MAX_URL_CHARACTERS = 8_192
MAX_NAME_CHARACTERS = 1_000
MAX_NUMBER_DIGITS = 38
NUMBER_EXPONENTS = range(-130, 126)  # DynamoDB: 1E-130 to 9.99...E+125

BATCH_SIZE = 25  # BatchWriteItem's maximum
MAX_WRITE_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 5.0

_TRUE = frozenset(("true", "yes", "1"))
_FALSE = frozenset(("false", "no", "0"))
# Bytes that are not UTF-8 are decoded as lone surrogates (surrogateescape), so they can be
# reported at the row and column where they are instead of as a byte offset in the file.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_BOM = "\ufeff"
_SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class RowProblem:
    """One problem of a catalog file: where (line, column when it is one cell's) and what."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.column is None else f"line {self.line}, {self.column}"
        return f"{where}: {self.reason}"


class CatalogFileError(ValueError):
    """A catalog file that cannot be imported: every problem found, in line order."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"the catalog file has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  {problem}" for problem in self.problems[:_SHOWN_PROBLEMS]]
        if count > _SHOWN_PROBLEMS:
            lines.append(f"  ... and {count - _SHOWN_PROBLEMS} more")
        super().__init__("\n".join(lines))


class CatalogImportError(RuntimeError):
    """DynamoDB kept some rows unprocessed after every retry: how far the import got."""

    def __init__(self, written: int, unwritten: Sequence[str]) -> None:
        super().__init__(
            f"{len(unwritten)} catalog rows were not written after {MAX_WRITE_ATTEMPTS} "
            f"attempts (DynamoDB kept them unprocessed; {written} were written): "
            "run the import again, it is safe to repeat"
        )
        self.written = written
        self.unwritten = list(unwritten)


@dataclass(frozen=True)
class CatalogRow:
    """One product of the catalog, as the file states it."""

    product_id: str
    retailer: str
    url: str
    name: str | None = None
    drop_threshold_percent: Decimal | None = None
    target_price: Decimal | None = None
    active: bool = True
    alerts: tuple[str, ...] = ()  # opt-in kinds, in catalog_rules.OPT_IN_ALERT_KINDS order
    increase_threshold_percent: Decimal | None = None
    new_low_days: int | None = None

    def to_item(self) -> dict[str, Any]:
        """The products-table item (DESIGN data contract); absent options are left out."""
        item: dict[str, Any] = {
            "product_id": self.product_id,
            "retailer": self.retailer,
            "url": self.url,
            "active": self.active,
        }
        optional = {
            "name": self.name,
            "drop_threshold_percent": self.drop_threshold_percent,
            "target_price": self.target_price,
            # A string set (DynamoDB holds no empty set: no kinds, no attribute).
            "alerts": set(self.alerts) or None,
            "increase_threshold_percent": self.increase_threshold_percent,
            # A Decimal, as DynamoDB numbers read back, so a re-import compares equal.
            "new_low_days": None if self.new_low_days is None else Decimal(self.new_low_days),
        }
        item.update((key, value) for key, value in optional.items() if value is not None)
        return item


def read_catalog(path: str | os.PathLike[str]) -> list[CatalogRow]:
    """The rows of the catalog file at `path`; CatalogFileError lists every problem."""
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        return parse_catalog(text)


def parse_catalog(source: str | Iterable[str]) -> list[CatalogRow]:
    """The rows of catalog CSV text (a string, or lines as a text file yields them)."""
    records = _Records(io.StringIO(source, newline="") if isinstance(source, str) else source)
    problems: list[RowProblem] = []
    try:
        columns = _header(next(records, (HEADER_LINE, [])))
        rows = _rows(records, columns, problems)
    except csv.Error as error:
        # Broken quoting: the reader cannot tell where the next row starts, so stop here.
        problems.append(RowProblem(records.line, None, f"unreadable CSV: {error}"))
        raise CatalogFileError(problems) from None
    if problems:
        raise CatalogFileError(problems)
    return rows


def write_catalog(rows: Iterable[CatalogRow], path: str | os.PathLike[str]) -> None:
    """Write `rows` as a catalog file (UTF-8, every column), replacing `path` atomically."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as stream:
            dump_catalog(rows, stream)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def dump_catalog(rows: Iterable[CatalogRow], stream: TextIO) -> None:
    """Write `rows` as catalog CSV to an open text stream (opened with newline="")."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    writer.writerows(_cells(row) for row in rows)


def import_catalog(
    table: Table,
    rows: Sequence[CatalogRow],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put every row's item into `table` (a boto3 DynamoDB Table); returns how many.

    BatchWriteItem, 25 items a call; unprocessed items are sent again after a growing,
    jittered delay, up to MAX_WRITE_ATTEMPTS calls per batch, then CatalogImportError.
    A put replaces the whole item, so an imported product starts without latest state.
    `on_progress(written, total)` follows each call.
    """
    duplicates = _duplicate_ids(rows)
    if duplicates:
        raise ValueError(f"product_id listed twice: {', '.join(sorted(duplicates))}")
    client, name = table.meta.client, table.name
    written = 0
    for start in range(0, len(rows), BATCH_SIZE):
        requests = [
            {"PutRequest": {"Item": row.to_item()}} for row in rows[start : start + BATCH_SIZE]
        ]
        for response in until_processed(
            lambda pending: client.batch_write_item(RequestItems=pending),
            {name: requests},
            "UnprocessedItems",
            attempts=MAX_WRITE_ATTEMPTS,
            pause=backoff_seconds,
            sleep=sleep,
        ):
            unprocessed = response.get("UnprocessedItems", {}).get(name, [])
            written += len(requests) - len(unprocessed)
            if on_progress is not None:
                on_progress(written, len(rows))
            requests = unprocessed
        if requests:
            not_sent = [row.product_id for row in rows[start + BATCH_SIZE :]]
            kept = [request["PutRequest"]["Item"]["product_id"] for request in requests]
            raise CatalogImportError(written, kept + not_sent)
    return written


def neutralise_formula(text: str) -> str:
    """A text cell as written to a file: `'` before what a spreadsheet would run."""
    return FORMULA_ESCAPE + text if _reads_as_formula(text) else text


def restore_formula(text: str) -> str:
    """A text cell as read from a file: the `'` `neutralise_formula` added, removed."""
    if text.startswith(FORMULA_ESCAPE) and _reads_as_formula(text[1:]):
        return text[1:]
    return text


def _reads_as_formula(text: str) -> bool:
    """Starts with a trigger, or with `'`s before one (which `restore_formula` strips)."""
    unquoted = text.lstrip(FORMULA_ESCAPE)
    return bool(unquoted) and unquoted[0] in FORMULA_TRIGGERS


def backoff_seconds(attempt: int) -> float:
    """Delay after the `attempt`-th call left items unprocessed: doubling, capped, jittered."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** min(attempt - 1, 16), BACKOFF_CAP_SECONDS)
    # Half fixed, half random: retries of concurrent importers spread out.
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# --- reading ----------------------------------------------------------------------------


class _CellProblem(ValueError):
    """Why one cell's text is not a valid value of its column."""


class _Records:
    """The CSV records of some lines, each with its line number as a spreadsheet shows it.

    A quoted cell may span several lines of text, yet it is one spreadsheet row: the line
    number counts records. `line` is the record being read, even when reading it fails.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._reader = csv.reader(_without_bom(lines), strict=True)
        self.line = HEADER_LINE - 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        self.line += 1
        return self.line, next(self._reader)


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    iterator = iter(lines)
    first = next(iterator, None)
    if first is not None:
        yield first.removeprefix(_BOM)
        yield from iterator


def _header(record: tuple[int, list[str]]) -> list[str | None]:
    """The column of each position (None: a column without a name); raises on a bad header."""
    names = [cell.strip() for cell in record[1]]
    expected = ",".join(COLUMNS)
    if not any(names):
        reason = f"no header: the first line must name the columns ({expected})"
        raise CatalogFileError([RowProblem(HEADER_LINE, None, reason)])
    if not set(names) & set(COLUMNS):
        reason = f"the first line must be the header ({expected}), not {','.join(names)!r}"
        raise CatalogFileError([RowProblem(HEADER_LINE, None, reason)])
    problems = []
    for position, name in enumerate(names):
        if name and name not in COLUMNS:
            reason = f"unknown column {name!r} (the columns are {expected})"
            problems.append(RowProblem(HEADER_LINE, name, reason))
        elif name and name in names[:position]:
            problems.append(RowProblem(HEADER_LINE, name, "column appears twice in the header"))
    problems += [
        RowProblem(HEADER_LINE, column, "required column is missing from the header")
        for column in REQUIRED_COLUMNS
        if column not in names
    ]
    if problems:
        raise CatalogFileError(problems)
    return [name or None for name in names]


def _rows(
    records: Iterable[tuple[int, list[str]]],
    columns: list[str | None],
    problems: list[RowProblem],
) -> list[CatalogRow]:
    """The valid rows; the problems of the others are appended to `problems`."""
    rows: list[CatalogRow] = []
    first_line: dict[str, int] = {}  # of each product_id, bad rows' included
    for line, cells in records:
        values, row_problems = _row_values(line, cells, columns)
        product_id = values.get("product_id")
        if product_id in first_line:
            reason = f"duplicate product_id {product_id!r} (first on line {first_line[product_id]})"
            row_problems.append(RowProblem(line, "product_id", reason))
        elif product_id is not None:
            first_line[product_id] = line
        if row_problems:
            problems += row_problems
        elif values:
            rows.append(CatalogRow(**values))
    return rows


def _row_values(
    line: int, cells: list[str], columns: list[str | None]
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The valid values of the row on `line` (none for a blank row), and its problems."""
    stripped = [cell.strip() for cell in cells]
    if not any(stripped):
        return {}, []
    values: dict[str, Any] = {}
    problems = []
    for position, column in enumerate(columns):
        text = stripped[position] if position < len(stripped) else ""  # a short row: blanks
        if column is None:
            if text:
                problems.append(RowProblem(line, None, f"a value under no column: {text!r}"))
            continue
        if column in TEXT_COLUMNS:
            text = restore_formula(text)
        try:
            if _UNDECODABLE.search(text):
                raise _CellProblem("is not UTF-8 text: save the file as CSV UTF-8")
            values[column] = _PARSERS[column](text)
        except _CellProblem as problem:
            problems.append(RowProblem(line, column, str(problem)))
    extra = [text for text in stripped[len(columns) :] if text]
    if extra:
        reason = f"more cells than the header has columns: {', '.join(map(repr, extra))}"
        problems.append(RowProblem(line, None, reason))
    return values, problems


def _product_id(text: str) -> str:
    _require(text)
    if len(text.encode("utf-8")) > MAX_PRODUCT_ID_BYTES:
        raise _CellProblem(f"is longer than {MAX_PRODUCT_ID_BYTES} bytes")
    return text


def _retailer(text: str) -> str:
    _require(text)
    _check(catalog_rules.retailer_problem(text))
    return text


def _url(text: str) -> str:
    _require(text)
    if len(text) > MAX_URL_CHARACTERS:
        raise _CellProblem(f"is longer than {MAX_URL_CHARACTERS} characters")
    _check(catalog_rules.url_problem(text))
    return text


def _name(text: str) -> str | None:
    if len(text) > MAX_NAME_CHARACTERS:
        raise _CellProblem(f"is longer than {MAX_NAME_CHARACTERS} characters")
    return text or None


def _threshold(text: str) -> Decimal | None:
    number = _number(text)
    if number is not None:
        _check(catalog_rules.drop_threshold_problem(number))
    return number


def _target_price(text: str) -> Decimal | None:
    number = _number(text)
    if number is not None:
        _check(catalog_rules.target_price_problem(number))
    return number


def _alerts(text: str) -> tuple[str, ...]:
    # A trailing or doubled separator is a blank, not a kind.
    kinds = [kind.strip() for kind in text.split(catalog_rules.ALERTS_SEPARATOR) if kind.strip()]
    problems = [catalog_rules.alert_kind_problem(kind) for kind in dict.fromkeys(kinds)]
    _check("; ".join(problem for problem in problems if problem is not None) or None)
    repeated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if repeated:
        raise _CellProblem(f"lists {', '.join(map(repr, repeated))} more than once")
    return tuple(kind for kind in catalog_rules.OPT_IN_ALERT_KINDS if kind in kinds)


def _increase_threshold(text: str) -> Decimal | None:
    number = _number(text)
    if number is not None:
        _check(catalog_rules.increase_threshold_problem(number))
    return number


def _new_low_days(text: str) -> int | None:
    number = _number(text)
    if number is None:
        return None
    _check(catalog_rules.new_low_days_problem(number))
    return int(number)


def _active(text: str) -> bool:
    word = text.lower()
    if not word or word in _TRUE:
        return True  # DESIGN: active defaults to true
    if word in _FALSE:
        return False
    raise _CellProblem(f"{text!r} is not a boolean (true or false)")


def _number(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        hint = " (use a dot for decimals, no thousands separator)" if "," in text else ""
        raise _CellProblem(f"{text!r} is not a number{hint}") from None
    if not number.is_finite():
        raise _CellProblem(f"{text!r} is not a number")
    if number and (
        len(number.as_tuple().digits) > MAX_NUMBER_DIGITS
        or number.adjusted() not in NUMBER_EXPONENTS
    ):
        raise _CellProblem(f"{text!r} has more digits or a larger exponent than DynamoDB stores")
    return number


def _require(text: str) -> None:
    if not text:
        raise _CellProblem("is missing")


def _check(problem: str | None) -> None:
    if problem is not None:
        raise _CellProblem(problem)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "product_id": _product_id,
    "retailer": _retailer,
    "url": _url,
    "name": _name,
    "drop_threshold_percent": _threshold,
    "target_price": _target_price,
    "active": _active,
    "alerts": _alerts,
    "increase_threshold_percent": _increase_threshold,
    "new_low_days": _new_low_days,
}


# --- writing ----------------------------------------------------------------------------


def _cells(row: CatalogRow) -> list[str]:
    def number(value: Decimal | None) -> str:
        return "" if value is None else format(value, "f")  # never "1E+2"

    return [
        neutralise_formula(row.product_id),
        neutralise_formula(row.retailer),
        neutralise_formula(row.url),
        neutralise_formula(row.name or ""),
        number(row.drop_threshold_percent),
        number(row.target_price),
        "true" if row.active else "false",
        catalog_rules.ALERTS_SEPARATOR.join(row.alerts),
        number(row.increase_threshold_percent),
        "" if row.new_low_days is None else str(row.new_low_days),
    ]


def _duplicate_ids(rows: Iterable[CatalogRow]) -> set[str]:
    seen: set[str] = set()
    duplicates: set[str] = set()
    for row in rows:
        (duplicates if row.product_id in seen else seen).add(row.product_id)
    return duplicates
