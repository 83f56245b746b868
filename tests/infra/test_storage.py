"""Storage as declared per stack: table keys and streams, retention, protection, the archive."""

from __future__ import annotations

import pytest
from declared_stack import DeclaredStack, declared_stack

TABLE = "aws:dynamodb/table:Table"
BUCKET = "aws:s3/bucket:Bucket"


def table(stack: DeclaredStack, purpose: str) -> dict:
    return stack.find(TABLE, name=f"price-monitor-{purpose}-{stack.suffix}").inputs


def archive_bucket(stack: DeclaredStack):
    return stack.find(BUCKET, bucket=f"price-monitor-archive-{stack.suffix}-123456789012")


def bucket_companion(stack: DeclaredStack, type_: str) -> dict:
    """The one `type_` resource configuring the archive bucket."""
    return stack.find(type_, bucket=archive_bucket(stack).id).inputs


def test_every_table_is_on_demand_recoverable_encrypted_and_protected_per_stack(stack):
    tables = stack.of_type(TABLE)
    assert {t.inputs["name"] for t in tables} == {
        f"price-monitor-{purpose}-{stack.suffix}"
        for purpose in ("products", "prices", "runs", "idempotency")
    }
    for declared in tables:
        inputs = declared.inputs
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
        assert inputs["pointInTimeRecovery"]["enabled"] is True
        assert inputs["serverSideEncryption"]["enabled"] is True
        assert inputs["deletionProtectionEnabled"] is stack.settings.deletion_protection


def test_prod_protects_its_tables_and_archive_from_deletion():
    prod = declared_stack("prod")
    assert all(t.inputs["deletionProtectionEnabled"] for t in prod.of_type(TABLE))
    assert archive_bucket(prod).inputs["forceDestroy"] is False
    dev = declared_stack("dev")
    assert archive_bucket(dev).inputs["forceDestroy"] is True


def test_products_table_is_keyed_by_product_and_streams_old_and_new_images(stack):
    products = table(stack, "products")
    assert products["hashKey"] == "product_id"
    assert "rangeKey" not in products
    assert products["attributes"] == [{"name": "product_id", "type": "S"}]
    assert products["streamEnabled"] is True
    assert products["streamViewType"] == "NEW_AND_OLD_IMAGES"


def test_prices_table_keeps_the_seed_key_schema_retailer_index_and_expiry(stack):
    prices = table(stack, "prices")
    assert (prices["hashKey"], prices["rangeKey"]) == ("product_id", "timestamp")
    assert {(a["name"], a["type"]) for a in prices["attributes"]} == {
        ("product_id", "S"),
        ("timestamp", "N"),
        ("retailer", "S"),
    }
    (index,) = prices["globalSecondaryIndexes"]
    assert index["name"] == "retailer-index"
    assert index["keySchemas"] == [
        {"attributeName": "retailer", "keyType": "HASH"},
        {"attributeName": "timestamp", "keyType": "RANGE"},
    ]
    assert index["projectionType"] == "ALL"
    assert prices["ttl"] == {"attributeName": "expires_at", "enabled": True}


@pytest.mark.parametrize(
    ("purpose", "key", "ttl_attribute"),
    [("runs", "run_id", "expires_at"), ("idempotency", "id", "expiration")],
)
def test_run_and_idempotency_records_expire(stack, purpose, key, ttl_attribute):
    declared = table(stack, purpose)
    assert declared["hashKey"] == key
    assert declared["attributes"] == [{"name": key, "type": "S"}]
    assert declared["ttl"] == {"attributeName": ttl_attribute, "enabled": True}
    assert "streamEnabled" not in declared or declared["streamEnabled"] is False


def test_archive_bucket_is_versioned_encrypted_and_private(stack):
    versioning = bucket_companion(stack, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["versioningConfiguration"]["status"] == "Enabled"

    encryption = bucket_companion(
        stack,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    (rule,) = encryption["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"

    public_access = bucket_companion(
        stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    )
    assert {
        flag: public_access[flag]
        for flag in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    } == dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
        True,
    )

    ownership = bucket_companion(stack, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_archive_bucket_refuses_every_request_without_tls(stack):
    bucket = archive_bucket(stack)
    policy = stack.find("aws:s3/bucketPolicy:BucketPolicy", bucket=bucket.id)
    (statement,) = policy.json("policy")["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Action"] == ["s3:*"]
    assert statement["Resource"] == [bucket.state["arn"], f"{bucket.state['arn']}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_archive_lifecycle_tiers_price_objects_and_cleans_up_versions_and_uploads(stack):
    lifecycle = bucket_companion(
        stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    rules = {rule["id"]: rule for rule in lifecycle["rules"]}
    assert all(rule["status"] == "Enabled" for rule in rules.values())

    tiering = rules["tier-price-archive"]
    assert tiering["filter"] == {"prefix": "prices/"}
    assert [(t["days"], t["storageClass"]) for t in tiering["transitions"]] == [
        (30, "STANDARD_IA"),
        (180, "GLACIER_IR"),
    ]
    # Small batch files stay put instead of paying transition requests for nothing.
    assert lifecycle["transitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    # Expiring data would break "S3 keeps everything": only old versions go.
    assert not any("expiration" in rule for rule in rules.values())
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {
        "noncurrentDays": 30
    }
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {
        "daysAfterInitiation": 7
    }
