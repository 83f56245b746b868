import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stepping_clock import SteppingClock

from extraction.budget import BUDGET_STRIDE, Budget, ExtractionTooSlowError
from extraction.raw_scan import LiteralLed, StartTags

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


@pytest.mark.parametrize("name", ["script", "meta", "link"])
def test_tag_names_are_found_in_any_case_as_ignorecase_finds_them(name):
    variants = {
        "script": "<SCRIPT <Script <\u017fcr\u0130pt <scr\u0131pt",
        "meta": "<META <mEtA",
        "link": "<LINK <lin\u212a",
    }
    html = f"<{name}><{name}x <{name}-a {variants[name]} <scripts <metal <links <{name}"
    expected = [match.end() for match in re.finditer(rf"<{name}\b", html, re.IGNORECASE)]
    assert StartTags(html).name_ends(name) == expected
    assert len(expected) >= 5


def test_tag_names_within_attributes_and_scripts_count_too():
    html = "<div title='<meta a=1>'><script>var s = '<meta b=2>';</script>"
    assert StartTags(html).name_ends("meta") == [html.index("<meta") + 5, html.index("<meta b") + 5]
    assert StartTags(html).name_ends("script") == [html.index("<script") + 7]


def test_one_pass_finds_a_pages_scripts_and_meta_tags_for_all_its_readers():
    html = "<script><meta a><meta b>"
    tags = StartTags(html)
    assert tags.name_ends("meta") == [13, 21]
    assert tags.name_ends("script") == [7]
    assert StartTags.of(html, tags) is tags
    assert StartTags.of(html, None).name_ends("script") == [7]


def test_start_tags_of_another_page_are_refused():
    copy = "".join(["<script>", "<meta a>"])  # equal, but another page's text
    with pytest.raises(ValueError, match="another page"):
        StartTags.of(copy, StartTags("<script><meta a>"))


def test_start_tags_read_each_tag_to_its_gt_in_page_order():
    html = '<link rel=canonical href=/p><meta name=a content="1"><p><LINK rel=x><meta b'
    assert list(StartTags(html).attributes(("link", "meta"))) == [
        " rel=canonical href=/p",
        ' name=a content="1"',
        " rel=x",
    ]
    assert list(StartTags(html).attributes(("meta",))) == [' name=a content="1"']


def test_a_start_tag_begun_within_another_is_part_of_its_attributes():
    html = "<meta content='<meta name=x>' property=y><meta z>"
    assert list(StartTags(html).attributes(("meta",))) == [" content='<meta name=x", " z"]


def test_start_tags_check_the_budget_along_many_tags():
    html = "<meta>" * (4 * BUDGET_STRIDE)
    clock = SteppingClock()
    assert (
        len(list(StartTags(html).attributes(("meta",), Budget(10**9, clock)))) == 4 * BUDGET_STRIDE
    )
    assert clock.now - 1 >= 8  # the scan's checks and the reading's
    with pytest.raises(ExtractionTooSlowError):
        list(StartTags(html + " ").attributes(("meta",), Budget(2, SteppingClock())))


# Pieces of tag names, in the cases and the letters IGNORECASE reads as theirs.
NAME_PIECES = [*"< s S \u017f cript CR\u0130PT m M eta ETA link LINK \u212a > - x".split(), " "]


@given(st.lists(st.sampled_from(NAME_PIECES), max_size=30))
def test_tag_names_are_ignorecases_matches_on_any_text(pieces):
    html = "".join(pieces)
    for name in ("script", "meta", "link"):
        expected = [match.end() for match in re.finditer(rf"<{name}\b", html, re.IGNORECASE)]
        assert StartTags(html).name_ends(name) == expected
