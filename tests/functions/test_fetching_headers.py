"""Response headers mapping and Retry-After parsing."""

from datetime import UTC, datetime
from email.message import Message

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fetching import Headers, retry_after_seconds

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_header_lookup_ignores_case():
    headers = Headers([("Content-Type", "text/html"), ("retry-after", "5")])
    assert headers["content-type"] == headers["CONTENT-TYPE"] == "text/html"
    assert "Retry-After" in headers
    assert headers.get("x-missing") is None
    assert list(headers) == ["Content-Type", "retry-after"]
    assert "'Content-Type': 'text/html'" in repr(headers)


def test_repeated_headers_are_joined_as_a_list():
    headers = Headers([("Vary", "Accept"), ("vary", "Cookie")])
    assert headers["Vary"] == "Accept, Cookie"
    assert len(headers) == 1


def test_headers_cannot_be_modified():
    headers = Headers([("A", "1")])
    with pytest.raises(TypeError):
        headers["A"] = "2"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 01 Jan 2025 12:02:00 GMT", 120.0),
        ("Wed, 01 Jan 2025 11:00:00 GMT", 0.0),  # in the past: retry now
        ("Wed, 01 Jan 2025 12:00:30 -0000", 30.0),
    ],
)
def test_retry_after_as_seconds_or_http_date(value, seconds):
    assert retry_after_seconds(Headers([("Retry-After", value)]), now=NOW) == seconds


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5", "12 seconds", "9" * 400, "٣"])
def test_unreadable_retry_after_is_none(value):
    assert retry_after_seconds(Headers([("Retry-After", value)]), now=NOW) is None


def test_missing_retry_after_is_none():
    assert retry_after_seconds(Headers([("Content-Type", "text/html")])) is None


def test_retry_after_is_found_in_any_mapping_whatever_the_case():
    message = Message()
    message["RETRY-AFTER"] = "7"
    assert retry_after_seconds({"retry-after": "7"}) == 7.0
    assert retry_after_seconds(message) == 7.0


@given(st.text())
def test_retry_after_never_raises(value):
    result = retry_after_seconds({"Retry-After": value}, now=NOW)
    assert result is None or result >= 0
