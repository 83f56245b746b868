"""Lambda event filtering on the local stack: which stream records reach the detector."""

from __future__ import annotations

import json

import pytest

from local_stack.event_filter import (
    MAX_FILTERS,
    EventFilter,
    UnsupportedFilterPatternError,
)
from price_monitor.compute import DETECTOR_EVENT_FILTER


def stream_record(event_name: str, **new_image: dict) -> dict:
    record = {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": {}}
    if new_image:
        record["dynamodb"]["NewImage"] = {"product_id": {"S": "kettle"}, **new_image}
    return record


DETECTOR = EventFilter.from_patterns([json.dumps(DETECTOR_EVENT_FILTER)])


def test_the_detector_filter_passes_a_successful_observation():
    assert DETECTOR.matches(stream_record("MODIFY", last_status={"S": "ok"}))


@pytest.mark.parametrize(
    "record",
    [
        stream_record("INSERT", last_status={"S": "ok"}),  # a catalog import
        stream_record("MODIFY", last_status={"S": "error"}),  # a recorded failure
        stream_record("MODIFY", last_status={"S": "blocked"}),
        stream_record("MODIFY"),  # no new image at all
        stream_record("REMOVE"),
        stream_record("MODIFY", last_price={"N": "10"}),  # never observed: no last_status
    ],
    ids=["insert", "error", "blocked", "no-image", "remove", "no-status"],
)
def test_the_detector_filter_drops_everything_else(record):
    assert not DETECTOR.matches(record)


def test_any_listed_value_matches():
    event_filter = EventFilter.from_patterns([{"eventName": ["INSERT", "MODIFY"]}])

    assert event_filter.matches({"eventName": "INSERT"})
    assert event_filter.matches({"eventName": "MODIFY"})
    assert not event_filter.matches({"eventName": "REMOVE"})


def test_every_key_of_a_pattern_must_match():
    event_filter = EventFilter.from_patterns(
        [{"eventName": ["MODIFY"], "awsRegion": ["eu-west-1"]}]
    )

    assert event_filter.matches({"eventName": "MODIFY", "awsRegion": "eu-west-1"})
    assert not event_filter.matches({"eventName": "MODIFY", "awsRegion": "us-east-1"})


def test_a_record_matches_when_any_filter_matches():
    event_filter = EventFilter.from_patterns([{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}])

    assert event_filter.matches({"eventName": "REMOVE"})
    assert not event_filter.matches({"eventName": "MODIFY"})


def test_a_mapping_without_filters_passes_every_record():
    assert EventFilter.from_patterns([]).matches({"eventName": "anything"})


def test_a_list_in_the_record_matches_when_any_element_does():
    event_filter = EventFilter.from_patterns([{"tags": ["sale"]}])

    assert event_filter.matches({"tags": ["new", "sale"]})
    assert not event_filter.matches({"tags": ["new"]})


def test_numbers_match_by_value_and_never_strings_or_booleans():
    event_filter = EventFilter.from_patterns([{"size": [1]}])

    assert event_filter.matches({"size": 1.0})
    assert not event_filter.matches({"size": "1"})
    assert not event_filter.matches({"size": True})


def test_booleans_match_booleans_only():
    event_filter = EventFilter.from_patterns([{"active": [True]}])

    assert event_filter.matches({"active": True})
    assert not event_filter.matches({"active": 1})
    assert not event_filter.matches({"active": False})


def test_null_matches_a_present_null_but_not_a_missing_key():
    event_filter = EventFilter.from_patterns([{"name": [None]}])

    assert event_filter.matches({"name": None})
    assert not event_filter.matches({})


def test_a_nested_pattern_needs_an_object_in_the_record():
    event_filter = EventFilter.from_patterns([{"dynamodb": {"Keys": {"id": {"S": ["a"]}}}}])

    assert event_filter.matches({"dynamodb": {"Keys": {"id": {"S": "a"}}}})
    assert not event_filter.matches({"dynamodb": "not an object"})
    assert not event_filter.matches({"dynamodb": {"Keys": {"id": {"S": "b"}}}})


@pytest.mark.parametrize(
    "operator",
    [
        {"prefix": "MOD"},
        {"anything-but": ["INSERT"]},
        {"numeric": [">", 0]},
        {"exists": True},
        {"wildcard": "MOD*"},
    ],
    ids=lambda operator: next(iter(operator)),
)
def test_content_filters_are_refused_rather_than_misread(operator):
    with pytest.raises(UnsupportedFilterPatternError, match="not supported locally") as raised:
        EventFilter.from_patterns([{"dynamodb": {"NewImage": {"x": {"S": [operator]}}}}])

    assert raised.value.path == "dynamodb.NewImage.x.S"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({}, "empty object"),
        ({"eventName": []}, "empty list"),
        ({"eventName": "MODIFY"}, "must be a list or an object"),
        ({"eventName": [["MODIFY"]]}, "not a literal value"),
        ({"dynamodb": {}}, "empty object"),
    ],
    ids=["text", "array", "empty", "empty-list", "scalar", "nested-list", "empty-nested"],
)
def test_malformed_patterns_are_refused(pattern, problem):
    with pytest.raises(UnsupportedFilterPatternError, match=problem):
        EventFilter.from_patterns([pattern])


def test_more_filters_than_lambda_takes_are_refused():
    patterns = [{"eventName": [str(index)]} for index in range(MAX_FILTERS + 1)]

    with pytest.raises(UnsupportedFilterPatternError, match="at most"):
        EventFilter.from_patterns(patterns)
