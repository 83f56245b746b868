"""A capped channel's state: stored compressed, written only over the version read."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime

import boto3
import pytest
from delivery_fixtures import alert
from table_fixtures import create_table_arguments

from contracts import tables
from delivery.hygiene import ChannelState
from delivery.state_codec import decode_state, encode_state
from monitor.channel_state import (
    MAX_WRITE_ATTEMPTS,
    ChannelStateContentionError,
    ChannelStateStore,
)

HELD = ChannelState(
    day=date(2024, 5, 1),
    delivered=frozenset({"a" * 64, "b" * 64}),
    held=(alert(dedup_key="c" * 64), alert(dedup_key="d" * 64, new_price=None)),
    held_more=3,
    held_keys=frozenset({"c" * 64, "d" * 64, "e" * 64}),
    digest_at=datetime(2024, 5, 2, tzinfo=UTC),
)


@pytest.mark.parametrize("state", [ChannelState(), HELD])
def test_a_state_reads_back_equal(state):
    assert decode_state(encode_state(state)) == state


def test_a_bad_day_of_held_keys_stays_far_below_the_item_limit():
    keys = frozenset(f"{i:064x}" for i in range(5300))
    size = len(encode_state(ChannelState(day=date(2024, 5, 1), held_keys=keys)))
    assert size < 400_000 / 2


@pytest.mark.parametrize(
    "data",
    [b"", b"not zlib", zlib.compress(b"[]"), zlib.compress(b'{"v": 2}'), zlib.compress(b'{"v":1}')],
)
def test_bytes_it_did_not_write_are_a_clear_error(data):
    with pytest.raises(ValueError, match="channel state"):
        decode_state(data)


@pytest.fixture
def store(aws):
    boto3.client("dynamodb").create_table(
        **create_table_arguments("channel-state-test", tables.CHANNEL_STATE)
    )
    return ChannelStateStore(boto3.client("dynamodb"), "channel-state-test")


def test_a_channel_without_an_item_starts_empty_and_an_update_creates_it(store):
    assert store.read("team") == ChannelState()
    assert store.update("team", lambda state: ("done", HELD)) == "done"
    assert store.read("team") == HELD


def test_an_unchanged_state_is_not_written(store):
    store.update("team", lambda state: (None, HELD))
    store.update("team", lambda state: (None, state))
    item = boto3.client("dynamodb").get_item(
        TableName="channel-state-test", Key={"channel": {"S": "team"}}
    )["Item"]
    assert item["version"] == {"N": "1"}


def test_a_concurrent_write_makes_the_change_apply_to_the_newer_state(store):
    store.update("team", lambda state: (None, ChannelState(held_more=1)))
    seen = []

    def change(state):
        seen.append(state.held_more)
        if len(seen) == 1:  # another notifier writes between this read and this write
            store.update("team", lambda other: (None, ChannelState(held_more=10)))
        return None, ChannelState(held_more=state.held_more + 1)

    store.update("team", change)
    assert seen == [1, 10]
    assert store.read("team").held_more == 11


def test_losing_every_race_is_an_error_naming_the_channel(store):
    counter = iter(range(1, 100))

    def always_raced(state):
        store.update("team", lambda other: (None, ChannelState(held_more=next(counter))))
        return None, ChannelState(held_more=-1)

    with pytest.raises(ChannelStateContentionError, match=f"'team'.*{MAX_WRITE_ATTEMPTS}"):
        store.update("team", always_raced)
