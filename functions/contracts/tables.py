"""The service's DynamoDB tables as declarations: keys, index, stream and TTL.

One declaration per table, read by everyone who creates or queries it: the Pulumi program
builds its `aws.dynamodb.Table` resources from them (price_monitor/storage.py), the
function tests create their moto tables from them (tests/functions/aws_fixtures.py), and
the code that reads by key names the key attributes and the index from here. So code tested
against moto meets the key schema, the index and the stream that `pulumi up` creates.
docs/architecture.md "Tables" gives the reasons. Standard library only: the Pulumi program
imports it as `contracts.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts import run_record


class AttributeType(StrEnum):
    """The DynamoDB scalar types a key attribute has here."""

    STRING = "S"
    NUMBER = "N"


class StreamViewType(StrEnum):
    """What a table's stream records of a changed item."""

    KEYS_ONLY = "KEYS_ONLY"
    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


class Projection(StrEnum):
    """Which attributes an index copies (INCLUDE, which needs a list, is not used)."""

    KEYS_ONLY = "KEYS_ONLY"
    ALL = "ALL"


@dataclass(frozen=True)
class KeyAttribute:
    """A key attribute: its name and its type."""

    name: str
    type: AttributeType


@dataclass(frozen=True)
class GlobalSecondaryIndex:
    """An index: its name, its keys and what it projects."""

    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    projection: Projection = Projection.ALL


@dataclass(frozen=True)
class TableDeclaration:
    """One table's key schema, indexes, stream and time to live (on-demand, all of them)."""

    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    indexes: tuple[GlobalSecondaryIndex, ...] = ()
    stream_view_type: StreamViewType | None = None
    ttl_attribute: str | None = None  # epoch seconds; None: items never expire

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        """The attribute definitions: every key attribute of the table and its indexes, once."""
        keys = [self.hash_key, self.range_key]
        for index in self.indexes:
            keys += [index.hash_key, index.range_key]
        return tuple(dict.fromkeys(key for key in keys if key is not None))


# Key attribute names, as the items and the queries spell them.
PRODUCT_ID = "product_id"  # a catalog item's key; a history row's hash key
TIMESTAMP = "timestamp"  # a history row's range key: the observation's epoch milliseconds
RETAILER = "retailer"  # the retailer index's hash key
RETAILER_INDEX = "retailer-index"  # a period's history rows, retailer by retailer
HISTORY_EXPIRES_AT = "expires_at"  # a history row's time to live, in epoch seconds

# Catalog and latest state; its stream feeds the detector with old and new images.
PRODUCTS = TableDeclaration(
    hash_key=KeyAttribute(PRODUCT_ID, AttributeType.STRING),
    stream_view_type=StreamViewType.NEW_AND_OLD_IMAGES,
)
# History, the seed's key schema: one row per observation, expiring after retention.
PRICES = TableDeclaration(
    hash_key=KeyAttribute(PRODUCT_ID, AttributeType.STRING),
    range_key=KeyAttribute(TIMESTAMP, AttributeType.NUMBER),
    indexes=(
        GlobalSecondaryIndex(
            RETAILER_INDEX,
            hash_key=KeyAttribute(RETAILER, AttributeType.STRING),
            range_key=KeyAttribute(TIMESTAMP, AttributeType.NUMBER),
        ),
    ),
    ttl_attribute=HISTORY_EXPIRES_AT,
)
# One record per run (contracts.run_record).
RUNS = TableDeclaration(
    hash_key=KeyAttribute(run_record.RUN_ID, AttributeType.STRING),
    ttl_attribute=run_record.EXPIRES_AT,
)
# Powertools idempotency's default attribute names: key `id`, TTL `expiration`.
IDEMPOTENCY = TableDeclaration(
    hash_key=KeyAttribute("id", AttributeType.STRING),
    ttl_attribute="expiration",
)
# The notifier's capped channels: one item per channel, its hygiene state
# (monitor.channel_state). Only stacks with alert channels have it.
CHANNEL = "channel"
CHANNEL_STATE = TableDeclaration(hash_key=KeyAttribute(CHANNEL, AttributeType.STRING))
