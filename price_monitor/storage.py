"""Storage: the catalog, history, runs and idempotency tables, and the archive bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_aws.s3 import (
    BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs as AbortMultipartUpload,
)
from pulumi_aws.s3 import (
    BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs as ExpireNoncurrentVersions,
)
from pulumi_aws.s3 import (
    BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs as EncryptByDefault,  # noqa: E501
)

from price_monitor import policies

# The archive keeps every observation (DESIGN: "S3 keeps everything"); older objects move to
# cheaper classes. Objects under 128 KB never transition (S3's default minimum size, set
# explicitly below), so small batch files are not charged transition requests for nothing.
INFREQUENT_ACCESS_AFTER_DAYS = 30
GLACIER_INSTANT_RETRIEVAL_AFTER_DAYS = 180
NONCURRENT_VERSION_DAYS = 30
ABORT_MULTIPART_UPLOAD_DAYS = 7


@dataclass(frozen=True)
class StorageArgs:
    suffix: str
    account_id: pulumi.Input[str]
    deletion_protection: bool


class Storage(pulumi.ComponentResource):
    """Catalog and history tables, run records, idempotency records, and the archive bucket."""

    products_table: aws.dynamodb.Table
    prices_table: aws.dynamodb.Table
    runs_table: aws.dynamodb.Table
    idempotency_table: aws.dynamodb.Table
    archive_bucket: aws.s3.Bucket

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix, protect = args.suffix, args.deletion_protection

        # Catalog and latest state; its stream feeds the detector with old and new images.
        self.products_table = _table(
            f"{name}-products",
            f"price-monitor-products-{suffix}",
            key=[("product_id", "S")],
            deletion_protection=protect,
            stream_view_type="NEW_AND_OLD_IMAGES",
            opts=child,
        )
        # History, the seed's key schema: one row per observation, expiring after retention.
        self.prices_table = _table(
            f"{name}-prices",
            f"price-monitor-prices-{suffix}",
            key=[("product_id", "S"), ("timestamp", "N")],
            deletion_protection=protect,
            ttl_attribute="expires_at",
            retailer_index=True,
            opts=child,
        )
        self.runs_table = _table(
            f"{name}-runs",
            f"price-monitor-runs-{suffix}",
            key=[("run_id", "S")],
            deletion_protection=protect,
            ttl_attribute="expires_at",
            opts=child,
        )
        # Powertools idempotency's default attribute names: key `id`, TTL `expiration`.
        self.idempotency_table = _table(
            f"{name}-idempotency",
            f"price-monitor-idempotency-{suffix}",
            key=[("id", "S")],
            deletion_protection=protect,
            ttl_attribute="expiration",
            opts=child,
        )
        self.archive_bucket = self._archive_bucket(name, args, child)

        self.register_outputs(
            {
                "products_table": self.products_table.name,
                "prices_table": self.prices_table.name,
                "runs_table": self.runs_table.name,
                "idempotency_table": self.idempotency_table.name,
                "archive_bucket": self.archive_bucket.bucket,
            }
        )

    def _archive_bucket(
        self, name: str, args: StorageArgs, child: pulumi.ResourceOptions
    ) -> aws.s3.Bucket:
        # Bucket names are global: the account id makes this one unique and predictable.
        bucket = aws.s3.Bucket(
            f"{name}-archive",
            bucket=pulumi.Output.concat(
                "price-monitor-archive-", args.suffix, "-", args.account_id
            ),
            # Deletion protection also protects the archive from `pulumi destroy`.
            force_destroy=not args.deletion_protection,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-archive-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-archive-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-archive-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=EncryptByDefault(sse_algorithm="AES256")
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-archive-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-archive-tls-only",
            bucket=bucket.id,
            policy=policies.tls_only_bucket_policy(bucket.arn),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-archive-lifecycle",
            bucket=bucket.id,
            transition_default_minimum_object_size="all_storage_classes_128K",
            rules=_lifecycle_rules(),
            # Noncurrent-version rules need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        return bucket


def _table(
    resource_name: str,
    table_name: str,
    *,
    key: Sequence[tuple[str, str]],
    deletion_protection: bool,
    opts: pulumi.ResourceOptions,
    ttl_attribute: str | None = None,
    stream_view_type: str | None = None,
    retailer_index: bool = False,
) -> aws.dynamodb.Table:
    """An on-demand table with point-in-time recovery and encryption at rest (KMS)."""
    attributes = list(key)
    indexes = []
    if retailer_index:
        attributes.append(("retailer", "S"))
        indexes.append(
            aws.dynamodb.TableGlobalSecondaryIndexArgs(
                name="retailer-index",
                key_schemas=[
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name="retailer", key_type="HASH"
                    ),
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name="timestamp", key_type="RANGE"
                    ),
                ],
                projection_type="ALL",
            )
        )
    return aws.dynamodb.Table(
        resource_name,
        name=table_name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=key[0][0],
        range_key=key[1][0] if len(key) > 1 else None,
        attributes=[aws.dynamodb.TableAttributeArgs(name=n, type=t) for n, t in attributes],
        global_secondary_indexes=indexes or None,
        ttl=(
            aws.dynamodb.TableTtlArgs(attribute_name=ttl_attribute, enabled=True)
            if ttl_attribute
            else None
        ),
        stream_enabled=stream_view_type is not None,
        stream_view_type=stream_view_type,
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        deletion_protection_enabled=deletion_protection,
        opts=opts,
    )


def _lifecycle_rules() -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    whole_bucket = aws.s3.BucketLifecycleConfigurationRuleFilterArgs()
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="tier-price-archive",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="prices/"),
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=INFREQUENT_ACCESS_AFTER_DAYS, storage_class="STANDARD_IA"
                ),
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=GLACIER_INSTANT_RETRIEVAL_AFTER_DAYS, storage_class="GLACIER_IR"
                ),
            ],
        ),
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="expire-noncurrent-versions",
            status="Enabled",
            filter=whole_bucket,
            noncurrent_version_expiration=ExpireNoncurrentVersions(
                noncurrent_days=NONCURRENT_VERSION_DAYS
            ),
        ),
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="abort-incomplete-multipart-uploads",
            status="Enabled",
            filter=whole_bucket,
            abort_incomplete_multipart_upload=AbortMultipartUpload(
                days_after_initiation=ABORT_MULTIPART_UPLOAD_DAYS
            ),
        ),
    ]
