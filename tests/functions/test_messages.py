import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.messages import (
    SCHEDULE_INPUT,
    ContinueDispatch,
    PoisonMessageError,
    ProductJob,
    StartRun,
    encode,
    parse_message,
)


def test_schedule_input_expanded_by_the_scheduler_starts_a_run():
    body = json.dumps(SCHEDULE_INPUT).replace(
        "<aws.scheduler.scheduled-time>", "2026-11-25T06:00:00Z"
    )
    assert parse_message(body) == StartRun("2026-11-25T06:00:00Z")


def test_unexpanded_scheduler_placeholder_is_poison():
    with pytest.raises(PoisonMessageError, match="placeholder"):
        parse_message(json.dumps(SCHEDULE_INPUT))


@pytest.mark.parametrize(
    "message",
    [
        StartRun("run-1"),
        ContinueDispatch("run-1", {"product_id": {"S": "p-9"}}, {"shop": 12.0}, 500),
        ProductJob("run-1", "p-1", "shop"),
    ],
)
def test_every_message_kind_survives_the_queue(message):
    assert parse_message(encode(message)) == message


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"action": "launch_rockets", "run_id": "r"}', "unknown action"),
        ('{"action": "scrape_product", "run_id": "r", "retailer": "shop"}', "product_id"),
        (
            '{"action": "scrape_product", "run_id": " ", "product_id": "p", "retailer": "s"}',
            "run_id",
        ),
        ('{"action": "continue_dispatch", "run_id": "r"}', "cursor"),
        ('{"action": "continue_dispatch", "run_id": "r", "cursor": {}}', "cursor"),
        (
            '{"action": "continue_dispatch", "run_id": "r", "cursor": {"k": 1},'
            ' "spacing": {"a": "x"}}',
            "spacing",
        ),
        (
            '{"action": "continue_dispatch", "run_id": "r", "cursor": {"k": 1}, "dispatched": -1}',
            "dispatched",
        ),
    ],
)
def test_malformed_bodies_are_poison_with_the_reason(body, problem):
    with pytest.raises(PoisonMessageError, match=problem):
        parse_message(body)


@given(st.text())
def test_any_body_is_a_message_or_poison(body):
    try:
        message = parse_message(body)
    except PoisonMessageError:
        return
    assert parse_message(encode(message)) == message
