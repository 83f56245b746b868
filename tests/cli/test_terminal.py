"""How pricemon writes: aligned tables, colour only on a terminal, JSON, progress."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from price_monitor.cli.terminal import Console, format_cell, to_json


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_table_columns_line_up_with_numbers_on_the_right():
    out = io.StringIO()

    Console(out=out).table(
        ["product", "price"], [["kettle", Decimal("9.5")], ["tv", 1299]], right=[1]
    )

    assert out.getvalue().splitlines() == [
        "product  price",
        "kettle     9.5",
        "tv        1299",
    ]


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped, terminal = Console(out=io.StringIO()), Console(out=Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    refused = Console(out=Terminal())

    assert piped.style("ALARM", "red") == "ALARM"
    assert terminal.style("ALARM", "red") == "\x1b[31mALARM\x1b[0m"
    assert refused.style("ALARM", "red") == "ALARM"


def test_coloured_rows_keep_their_alignment():
    out = Terminal()

    Console(out=out, colour=True).table(
        ["name", "state"], [["errors", "ALARM"], ["dlq-not-empty", "OK"]], styles=[["red"], []]
    )

    lines = out.getvalue().splitlines()
    assert lines[1] == "\x1b[31merrors         ALARM\x1b[0m"
    assert lines[2] == "dlq-not-empty  OK"


def test_json_mode_prints_only_the_data():
    out = io.StringIO()
    rendered = []

    Console(out=out, json_mode=True).result({"price": Decimal("9.50")}, lambda: rendered.append(1))

    assert json.loads(out.getvalue()) == {"price": 9.5}
    assert rendered == []


def test_human_mode_renders():
    out = io.StringIO()
    console = Console(out=out)

    console.result({"n": 1}, lambda: console.line("one product"))

    assert out.getvalue() == "one product\n"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "-"),
        ("", "-"),
        (True, "yes"),
        (Decimal("1E+2"), "100"),
        (0.125, "0.12"),
        (datetime(2026, 11, 25, 9, 30, 5, tzinfo=UTC), "2026-11-25 09:30:05"),
        ("x", "x"),
    ],
)
def test_cells(value, shown):
    assert format_cell(value) == shown


def test_json_has_numbers_times_and_sorted_sets():
    data = {"n": Decimal("3"), "at": datetime(2026, 1, 2, tzinfo=UTC), "ids": {"b", "a"}}

    assert json.loads(to_json(data)) == {
        "n": 3,
        "at": "2026-01-02T00:00:00+00:00",
        "ids": ["a", "b"],
    }
    with pytest.raises(TypeError, match="object"):
        to_json(object())


def test_progress_redraws_a_bar_on_a_terminal():
    err = Terminal()
    console = Console(out=io.StringIO(), err=err)

    console.progress(5, 10, "importing")
    console.progress(10, 10, "importing")

    assert err.getvalue().endswith("importing [" + "#" * 30 + "] 10/10\n")
    assert "\rimporting [" + "#" * 15 + "-" * 15 + "] 5/10" in err.getvalue()


def test_progress_without_a_terminal_is_a_line_every_few_seconds_and_at_the_end():
    err, now = io.StringIO(), [0.0]
    console = Console(out=io.StringIO(), err=err, clock=lambda: now[0])

    for done in range(1, 5):
        now[0] += 2.0
        console.progress(done, 5, "importing")
    console.progress(5, 5, "importing")

    assert err.getvalue().splitlines() == ["importing: 1/5", "importing: 4/5", "importing: 5/5"]


def test_no_progress_with_json():
    err = Terminal()

    Console(out=io.StringIO(), err=err, json_mode=True).progress(1, 2, "importing")

    assert err.getvalue() == ""


def test_errors_go_to_stderr_named_for_the_command():
    err = io.StringIO()

    Console(out=io.StringIO(), err=err).error("no AWS credentials found")

    assert err.getvalue() == "pricemon: no AWS credentials found\n"
