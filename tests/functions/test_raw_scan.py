import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stepping_clock import SteppingClock

from extraction.budget import BUDGET_STRIDE, Budget, ExtractionTooSlowError
from extraction.raw_scan import LiteralLed

ITEMPROP = r"""itemprop\s*+=\s*+["']?+"""


def test_literal_led_finds_what_finditer_finds_and_skips_the_literal_alone():
    html = "itemprop itemprop=price itemprop = 'x' itempropitemprop=\"y\" itemprop"
    found = [match.span() for match in LiteralLed("itemprop", ITEMPROP).finditer(html)]
    assert found == [match.span() for match in re.finditer(ITEMPROP, html)]
    assert len(found) == 3


def test_literal_led_goes_on_after_a_match_not_inside_it():
    # "aa" at 0 matches "aaaa"; the next try is at its end, as finditer's is.
    pattern = LiteralLed("aa", "aa(?:aa)?")
    assert [match.group() for match in pattern.finditer("aaaaaa")] == ["aaaa", "aa"]


def test_literal_led_search_is_the_first_match_or_none():
    pattern = LiteralLed("price", r"price:amount")
    assert pattern.search("price, price:amount").start() == 7
    assert pattern.search("price, price:currency") is None


def test_literal_led_refuses_a_pattern_that_does_not_start_with_its_literal():
    with pytest.raises(ValueError, match="does not start with"):
        LiteralLed("itemprop", r"\s*itemprop")
    with pytest.raises(ValueError, match="does not start with"):
        LiteralLed("", "x")


def test_literal_led_checks_the_budget_along_occurrences_that_do_not_match():
    html = "itemprop " * (4 * BUDGET_STRIDE)
    clock = SteppingClock()
    assert list(LiteralLed("itemprop", ITEMPROP).finditer(html, Budget(10**9, clock))) == []
    assert clock.now - 1 >= 4
    with pytest.raises(ExtractionTooSlowError):
        list(LiteralLed("itemprop", ITEMPROP).finditer(html, Budget(2, SteppingClock())))


@given(st.lists(st.sampled_from(["itemprop", "=", " ", "'", '"', "x", "item"]), max_size=30))
def test_literal_led_matches_are_finditers_on_any_text(pieces):
    html = "".join(pieces)
    found = [match.span() for match in LiteralLed("itemprop", ITEMPROP).finditer(html)]
    assert found == [match.span() for match in re.finditer(ITEMPROP, html)]
