"""How pricemon writes: aligned tables, colour only on a terminal, JSON, progress."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pricemon.terminal import Console, format_cell, to_json
from pricemon.untrusted import visible, xml_text


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


# --- untrusted text (untrusted.py): escaped at the one place every line passes -----------

HOSTILE = "\x1b[2J\rall products OK\u202egpj.exe\x9b\x7f\t\n\udc80\u2066"


def test_control_bidi_and_surrogate_characters_become_visible_escapes():
    assert visible(HOSTILE) == (
        "\\x1b[2J\\rall products OK\\u202egpj.exe\\x9b\\x7f\\t\\n\\udc80\\u2066"
    )
    assert visible(visible(HOSTILE)) == visible(HOSTILE)  # escaping twice changes nothing
    assert visible("Größe 1,5 l – 9,99 €") == "Größe 1,5 l – 9,99 €"


def test_xml_text_keeps_what_xml_allows_and_escapes_markup():
    assert xml_text('a\tb\nc\r<&>"\x00\ufffe\uffff') == (
        "a\tb\nc\r&lt;&amp;&gt;&quot;\\x00\\ufffe\\uffff"
    )


def test_lines_errors_styles_and_progress_never_print_a_control_character():
    out, err = Terminal(), Terminal()
    console = Console(out=out, err=err, colour=True)

    console.line(f"name: {HOSTILE}")
    console.line(console.style(f"heading {HOSTILE}", "bold"))
    console.error(f"no product {HOSTILE}")
    console.progress(1, 2, f"importing {HOSTILE}")
    console.note(HOSTILE)

    printed = out.getvalue() + err.getvalue()
    # Only the colour codes the console adds itself, and the bar's own redraw.
    without_own = printed.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\r", "", 1)
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in without_own)
    assert "\u202e" not in printed
    assert out.getvalue().splitlines()[1] == f"\x1b[1mheading {visible(HOSTILE)}\x1b[0m"


def test_table_cells_are_escaped_before_the_columns_are_measured():
    out = io.StringIO()

    Console(out=out).table(["id", "state"], [["a\x1b[2J", "x"], ["bb", "y"]])

    assert out.getvalue().splitlines() == ["id        state", "a\\x1b[2J  x", "bb        y"]


def test_a_document_is_exact_into_a_pipe_and_escaped_on_a_terminal():
    piped, terminal = io.StringIO(), Terminal()
    csv_text = 'id,name\r\nk,"evil\x1b[2J"\r\n'

    Console(out=piped).data(csv_text)
    Console(out=terminal).data(csv_text)

    assert piped.getvalue() == csv_text
    assert terminal.getvalue() == 'id,name\nk,"evil\\x1b[2J"\n'


class ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_progress_on_a_closed_stderr_stops_reporting_but_not_the_work():
    console = Console(out=io.StringIO(), err=ClosedPipe(), clock=lambda: 0.0)

    for done in range(1, 4):
        console.progress(done, 3, "importing")  # raises nothing
    console.note("writing 3 changes")

    assert console._err_closed
