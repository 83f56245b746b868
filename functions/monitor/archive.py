"""The S3 archive: one JSON-lines object per scraper batch, keyed for Athena.

Key: `prices/dt=YYYY-MM-DD/retailer=<retailer>/<run_id>-<unique>.jsonl` (DESIGN).

Why one object per batch even when a batch mixes retailers: the budget is 0.1 S3 puts per
scraped product, and the dispatcher spaces each retailer's jobs out in time, so a batch of
10 usually holds several retailers; one object per retailer per batch could cost up to one
put per product. So a batch of one retailer is archived under `retailer=<that retailer>`,
and a batch of several under `retailer=_mixed` (a name no retailer can have: `_` is not
kept by `key_part`). Every line carries its own `retailer`, so a query for one retailer
reads its own partition plus `_mixed` and filters on the line's field; `dt` partitions
prune by day either way. `dt` is the UTC day of the batch's first observation.

Lines carry the history row's fields (DESIGN), plus how the price was read (`source`,
`confidence`, `ambiguous`), `late` (an older run's reading, recorded after a newer run's:
history and archive only, never latest state) and `observation_id`. Prices are JSON
numbers (Athena DECIMAL/DOUBLE); `price` is null for an out-of-stock page that shows none.

Delivery is at least once: a job redelivered after a crash writes its recorded observation
again (monitor.state), so a line may appear twice. `observation_id` is the history row's
key, `<product_id>#<timestamp>`, and both copies are the same bytes, so a query dedupes on
it (`SELECT DISTINCT`, or `row_number() OVER (PARTITION BY observation_id)`); two genuine
readings always have different ids. Exactly once would need a second write per product
to confirm the put, which the budget of 2 DynamoDB writes per product has no room for.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from monitor.state import Observation

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

PREFIX = "prices"
MIXED_RETAILERS = "_mixed"
# Anything but letters, digits, `.` and `-`, and runs of dots (no `..` in a key).
_UNSAFE_KEY_CHARACTERS = re.compile(r"(?:[^A-Za-z0-9.-]|\.{2,})+")
_DASHES = re.compile(r"-{2,}")
_MAX_KEY_PART = 100


def key_part(value: str) -> str:
    """`value` made safe for an S3 key segment and a Hive partition value.

    Letters, digits, single dots and `-` are kept; every other run of characters becomes
    one `-` (so the scheduled time `2024-05-01T06:00:00Z` becomes `2024-05-01T06-00-00Z`).
    """
    cleaned = _DASHES.sub("-", _UNSAFE_KEY_CHARACTERS.sub("-", value))
    cleaned = cleaned.strip("-.")[:_MAX_KEY_PART].rstrip("-.")
    return cleaned or "unnamed"


def archive_key(observations: Sequence[Observation], unique: str | None = None) -> str:
    """The object key for a batch's observations (at least one)."""
    first = observations[0]
    retailers = {observation.retailer for observation in observations}
    retailer = key_part(first.retailer) if len(retailers) == 1 else MIXED_RETAILERS
    day = first.observed_at.astimezone(UTC).strftime("%Y-%m-%d")
    suffix = key_part(unique or uuid.uuid4().hex)
    return f"{PREFIX}/dt={day}/retailer={retailer}/{key_part(first.run_id)}-{suffix}.jsonl"


def archive_line(observation: Observation) -> dict[str, Any]:
    """One archive record: the history row's fields and how the price was read."""
    return {
        "observation_id": observation.observation_id,
        "product_id": observation.product_id,
        "retailer": observation.retailer,
        "timestamp": observation.timestamp_ms,
        "price": None if observation.price is None else float(observation.price),
        "currency": observation.currency,
        "availability": observation.availability,
        "previous_price": (
            None if observation.previous_price is None else float(observation.previous_price)
        ),
        "run_id": observation.run_id,
        "url": observation.url,
        "scraped_at": observation.scraped_at,
        "source": observation.source,
        "confidence": round(observation.confidence, 3),
        "ambiguous": observation.ambiguous,
        "late": observation.late,
    }


def encode_lines(observations: Sequence[Observation]) -> bytes:
    """Newline-delimited JSON, one observation per line, each line ending with a newline."""
    lines = (json.dumps(archive_line(o), separators=(",", ":")) for o in observations)
    return "".join(f"{line}\n" for line in lines).encode()


def archive_batch(s3: S3Client, bucket: str, observations: Sequence[Observation]) -> str | None:
    """Put the batch's observations as one object; its key, or None when there are none."""
    if not observations:
        return None
    key = archive_key(observations)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=encode_lines(observations),
        ContentType="application/x-ndjson",
    )
    return key
