import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.messages import (
    MAX_KEY_BYTES,
    SCHEDULE_INPUT,
    ContinueDispatch,
    PoisonMessageError,
    ProductJob,
    StartRun,
    encode,
    parse_message,
)
from contracts.timestamps import iso_seconds

RUN = "2026-11-25T18:00:00Z"
CONTINUE = json.dumps({"action": "continue_dispatch", "run_id": RUN})


def job(**fields):
    return json.dumps({"action": "scrape_product", "run_id": RUN, "retailer": "shop"} | fields)


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
        StartRun(RUN),
        ContinueDispatch(RUN, {"product_id": {"S": "p-9"}}, {"shop": 12.0}, 500),
        ProductJob(RUN, "p-1", "shop"),
        ProductJob(RUN, "é" * (MAX_KEY_BYTES // 2), "shop"),
    ],
)
def test_every_message_kind_survives_the_queue(message):
    assert parse_message(encode(message)) == message


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"action": "launch_rockets", "run_id": "2026-11-25T18:00:00Z"}', "unknown action"),
        (job(product_id=None), "product_id"),
        (job(product_id=42), "product_id"),
        (job(product_id="p" * 3_000), "product_id' is 3000 bytes, over DynamoDB's 2048"),
        (job(product_id="p" * 200_000), "product_id' is 200000 bytes"),
        (job(product_id="é" * 1_025), "product_id' is 2050 bytes"),
        (job(product_id="\ud800"), "not valid Unicode"),
        (job(product_id="p", retailer="r" * 2_049), "retailer' is 2049 bytes"),
        (job(product_id="p", retailer=["shop"]), "retailer"),
        (job(product_id="p", run_id="run-1"), "not a time like"),
        (job(product_id="p", run_id="2026-11-25T18:00:00.000Z"), "not a time like"),
        (job(product_id="p", run_id="2026-11-25 18:00:00Z"), "not a time like"),
        (job(product_id="p", run_id="2026-13-25T18:00:00Z"), "run_id"),
        (job(product_id="p", run_id=20261125), "run_id"),
        ("[" * 200_000, "nested too deeply"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        (
            '{"action": "scrape_product", "run_id": " ", "product_id": "p", "retailer": "s"}',
            "run_id",
        ),
        (CONTINUE, "cursor"),
        (CONTINUE[:-1] + ', "cursor": {}}', "cursor"),
        (
            CONTINUE[:-1] + ', "cursor": {"k": 1}, "spacing": {"a": "x"}}',
            "spacing",
        ),
        (
            CONTINUE[:-1] + ', "cursor": {"k": 1}, "dispatched": -1}',
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


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)),
)
def test_run_ids_as_every_producer_writes_them_are_valid_and_sort_in_time_order(first, second):
    # The Scheduler, `pricemon run`, `pricemon dlq redrive` and the local stack all write
    # iso_seconds; the scraper's state write compares run ids as strings.
    earlier, later = sorted((first.replace(microsecond=0), second.replace(microsecond=0)))
    ids = [iso_seconds(earlier), iso_seconds(later)]

    assert [parse_message(encode(StartRun(run_id))).run_id for run_id in ids] == ids
    assert (ids[0] < ids[1]) == (earlier < later)
