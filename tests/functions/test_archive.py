"""The S3 archive: one JSON-lines object per batch under Athena partitions."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import boto3

from monitor.archive import (
    MIXED_RETAILERS,
    archive_batch,
    archive_key,
    encode_lines,
    key_part,
)
from monitor.state import Observation

RUN = "2024-05-01T06:00:00Z"


def observation(product_id: str = "kettle", retailer: str = "shop-a", **fields) -> Observation:
    values = {
        "product_id": product_id,
        "retailer": retailer,
        "url": f"https://{retailer}.example/{product_id}",
        "run_id": RUN,
        "price": Decimal("19.99"),
        "currency": "EUR",
        "availability": "in_stock",
        "observed_at": datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC),
        "source": "jsonld",
    } | fields
    return Observation(**values)


def test_single_retailer_batch_is_keyed_by_day_retailer_and_run():
    key = archive_key([observation(), observation("toaster")], unique="abc123")
    assert key == "prices/dt=2024-05-01/retailer=shop-a/2024-05-01T06-00-00Z-abc123.jsonl"


def test_mixed_retailer_batch_goes_under_the_mixed_partition():
    key = archive_key([observation(), observation("tv", retailer="shop-b")])
    assert key.startswith(f"prices/dt=2024-05-01/retailer={MIXED_RETAILERS}/")


def test_each_batch_gets_its_own_object():
    batch = [observation()]
    assert archive_key(batch) != archive_key(batch)


def test_key_parts_keep_only_safe_characters():
    assert key_part("Shop A/../é=x") == "Shop-A-x"
    assert key_part("../") == "unnamed"
    assert key_part("_mixed") == "mixed"  # no retailer can take the mixed partition's name
    assert len(key_part("x" * 500)) == 100


def test_a_retailer_name_with_unsafe_characters_cannot_escape_its_partition():
    key = archive_key([observation(retailer="a/../../b")], unique="u")
    assert re.fullmatch(r"prices/dt=2024-05-01/retailer=[A-Za-z0-9.-]+/[^/]+\.jsonl", key)


def test_lines_are_one_json_object_per_observation_with_numeric_prices():
    body = encode_lines(
        [observation(previous_price=Decimal("24.99")), observation("toaster", currency=None)]
    ).decode()

    assert body.endswith("\n")
    first, second = (json.loads(line) for line in body.splitlines())
    assert first == {
        "observation_id": "kettle#1714607999000",
        "product_id": "kettle",
        "retailer": "shop-a",
        "timestamp": 1714607999000,
        "price": 19.99,
        "currency": "EUR",
        "availability": "in_stock",
        "previous_price": 24.99,
        "run_id": RUN,
        "url": "https://shop-a.example/kettle",
        "scraped_at": "2024-05-01T23:59:59.000Z",
        "source": "jsonld",
        "confidence": 1.0,
        "ambiguous": False,
        "late": False,
    }
    assert second["currency"] is None
    assert second["previous_price"] is None


def test_archive_batch_puts_one_object_holding_every_observation(archive_bucket):
    s3 = boto3.client("s3")

    key = archive_batch(s3, archive_bucket, [observation(), observation("toaster")])

    listing = s3.list_objects_v2(Bucket=archive_bucket)["Contents"]
    assert [entry["Key"] for entry in listing] == [key]
    body = s3.get_object(Bucket=archive_bucket, Key=key)["Body"].read().decode()
    assert [json.loads(line)["product_id"] for line in body.splitlines()] == ["kettle", "toaster"]


def test_a_batch_without_observations_puts_nothing(archive_bucket):
    s3 = boto3.client("s3")

    assert archive_batch(s3, archive_bucket, []) is None

    assert "Contents" not in s3.list_objects_v2(Bucket=archive_bucket)
