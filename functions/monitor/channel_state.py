"""Each capped channel's hygiene state in DynamoDB: one item per channel, written only when
it is still the version that was read.

The item is `{"channel": S, "state": B (delivery.state_codec), "version": N}`. Two
notifiers may handle alerts of the same channel at once (the queue's event source runs a
few in parallel), and each place under the daily cap must be taken once: `update` reads
the item (strongly consistent), applies the change and writes it back on the condition
that nobody wrote in between, else reads again. An unchanged state is not written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import ClientError

from contracts.tables import CHANNEL
from delivery.hygiene import ChannelState
from delivery.state_codec import decode_state, encode_state

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# Contention on one channel is a few notifiers at most; past this many lost races something
# else is wrong, and the message is retried by SQS.
MAX_WRITE_ATTEMPTS = 5

_T = TypeVar("_T")


class ChannelStateContentionError(RuntimeError):
    """The channel's state changed under every attempt to write it."""


class ChannelStateStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def read(self, channel: str) -> ChannelState:
        return self._read(channel)[0]

    def update(self, channel: str, change: Callable[[ChannelState], tuple[_T, ChannelState]]) -> _T:
        for _ in range(MAX_WRITE_ATTEMPTS):
            state, version = self._read(channel)
            result, new_state = change(state)
            if new_state == state:
                return result
            try:
                self._write(channel, new_state, version)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue  # another notifier wrote first: apply the change to its state
            return result
        raise ChannelStateContentionError(
            f"channel {channel!r}: state changed under {MAX_WRITE_ATTEMPTS} attempts to write it"
        )

    def _read(self, channel: str) -> tuple[ChannelState, int]:
        item = self._client.get_item(
            TableName=self._table, Key={CHANNEL: {"S": channel}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return ChannelState(), 0
        return decode_state(item["state"]["B"]), int(item["version"]["N"])

    def _write(self, channel: str, state: ChannelState, version: int) -> None:
        condition = (
            {"ConditionExpression": f"attribute_not_exists({CHANNEL})"}
            if version == 0
            else {
                "ConditionExpression": "version = :read",
                "ExpressionAttributeValues": {":read": {"N": str(version)}},
            }
        )
        self._client.put_item(
            TableName=self._table,
            Item={
                CHANNEL: {"S": channel},
                "state": {"B": encode_state(state)},
                "version": {"N": str(version + 1)},
            },
            **condition,
        )
