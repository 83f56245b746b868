"""Storage: the catalog, history, runs and idempotency tables, the archive bucket, and the
notifier's channel-state table (alert channels only)."""

from __future__ import annotations

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

from contracts import tables
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
    # The notifier's channel-state table: only a stack with alert channels has it.
    channel_state: bool = False


class Storage(pulumi.ComponentResource):
    """Catalog and history tables, run records, idempotency records, and the archive bucket."""

    products_table: aws.dynamodb.Table
    prices_table: aws.dynamodb.Table
    runs_table: aws.dynamodb.Table
    idempotency_table: aws.dynamodb.Table
    archive_bucket: aws.s3.Bucket
    channel_state_table: aws.dynamodb.Table | None = None

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix, protect = args.suffix, args.deletion_protection

        def table(role: str, declaration: tables.TableDeclaration) -> aws.dynamodb.Table:
            # Keys, index, stream and TTL: contracts.tables, which the function tests share.
            return _table(
                f"{name}-{role}",
                f"price-monitor-{role}-{suffix}",
                declaration,
                deletion_protection=protect,
                opts=child,
            )

        self.products_table = table("products", tables.PRODUCTS)
        self.prices_table = table("prices", tables.PRICES)
        self.runs_table = table("runs", tables.RUNS)
        self.idempotency_table = table("idempotency", tables.IDEMPOTENCY)
        self.archive_bucket = self._archive_bucket(name, args, child)
        if args.channel_state:
            self.channel_state_table = table("channel-state", tables.CHANNEL_STATE)

        self.register_outputs(
            {
                "products_table": self.products_table.name,
                "prices_table": self.prices_table.name,
                "runs_table": self.runs_table.name,
                "idempotency_table": self.idempotency_table.name,
                "archive_bucket": self.archive_bucket.bucket,
                **(
                    {}
                    if self.channel_state_table is None
                    else {"channel_state_table": self.channel_state_table.name}
                ),
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
    declaration: tables.TableDeclaration,
    *,
    deletion_protection: bool,
    opts: pulumi.ResourceOptions,
) -> aws.dynamodb.Table:
    """An on-demand table with point-in-time recovery and encryption at rest (KMS)."""
    ttl = declaration.ttl_attribute
    stream = declaration.stream_view_type
    return aws.dynamodb.Table(
        resource_name,
        name=table_name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=declaration.hash_key.name,
        range_key=declaration.range_key.name if declaration.range_key else None,
        attributes=[
            aws.dynamodb.TableAttributeArgs(name=key.name, type=str(key.type))
            for key in declaration.attributes
        ],
        global_secondary_indexes=[_index(index) for index in declaration.indexes] or None,
        ttl=aws.dynamodb.TableTtlArgs(attribute_name=ttl, enabled=True) if ttl else None,
        stream_enabled=stream is not None,
        stream_view_type=None if stream is None else str(stream),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        deletion_protection_enabled=deletion_protection,
        opts=opts,
    )


def _index(index: tables.GlobalSecondaryIndex) -> aws.dynamodb.TableGlobalSecondaryIndexArgs:
    keys = [(index.hash_key, "HASH"), (index.range_key, "RANGE")]
    return aws.dynamodb.TableGlobalSecondaryIndexArgs(
        name=index.name,
        key_schemas=[
            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                attribute_name=key.name, key_type=key_type
            )
            for key, key_type in keys
            if key is not None
        ],
        projection_type=str(index.projection),
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
