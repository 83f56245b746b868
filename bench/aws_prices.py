"""AWS list prices (US East, N. Virginia) and the always-free allowances the cost model uses.

Checked on PRICES_CHECKED against the public pricing pages named by each group (and, where
the page itself could not be read, against dated copies of it). Prices are in USD; a price
"per million" is stored per unit so the model multiplies counts by it directly. When AWS
changes a price, change it here and update the date: nothing else holds a price.

The always-free allowances are per account and per month, shared by every stack in the
account; the model shows them as a separate line, never netted silently.
"""

from __future__ import annotations

from types import MappingProxyType

PRICES_CHECKED = "2026-11-25"
REGION = "us-east-1"
# AWS prices a month as 730 hours.
HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GB = 1024**3
KB = 1024

# --- AWS Lambda: https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s) ---
LAMBDA_REQUEST = 0.20 / 1e6
LAMBDA_ARM_GB_SECOND = 0.0000133334

# --- Amazon SQS: https://aws.amazon.com/sqs/pricing/ (standard queue, first 100 billion) ---
# Every API action is a request; each 64 KB chunk of a payload is billed as one request.
SQS_REQUEST = 0.40 / 1e6
SQS_CHUNK_BYTES = 64 * KB

# --- Amazon DynamoDB: https://aws.amazon.com/dynamodb/pricing/on-demand/ ---
# A write request unit writes 1 KB (a transactional write takes 2 per KB); a read request
# unit reads 4 KB strongly consistent (eventually consistent: half a unit).
DYNAMODB_WRITE_REQUEST_UNIT = 0.625 / 1e6
DYNAMODB_READ_REQUEST_UNIT = 0.125 / 1e6
DYNAMODB_WRITE_UNIT_BYTES = 1 * KB
DYNAMODB_READ_UNIT_BYTES = 4 * KB
DYNAMODB_TRANSACTIONAL_FACTOR = 2
DYNAMODB_EVENTUAL_READ_FACTOR = 0.5
DYNAMODB_STORAGE_GB_MONTH = 0.25
# Continuous backups (point-in-time recovery), per GB-month of table data.
DYNAMODB_PITR_GB_MONTH = 0.20
# Each stored item is billed 100 bytes of indexing overhead on top of its data.
DYNAMODB_ITEM_OVERHEAD_BYTES = 100

# --- Amazon S3: https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB) ---
S3_PUT_REQUEST = 0.005 / 1000  # PUT, COPY, POST, LIST
S3_GET_REQUEST = 0.0004 / 1000  # GET, SELECT and all other requests
S3_STANDARD_GB_MONTH = 0.023

# --- Amazon CloudWatch: https://aws.amazon.com/cloudwatch/pricing/ ---
CLOUDWATCH_LOGS_INGESTION_GB = 0.50  # standard log class
CLOUDWATCH_LOGS_STORAGE_GB_MONTH = 0.03
CLOUDWATCH_CUSTOM_METRIC_MONTH = 0.30  # first 10,000 metrics; EMF metrics are custom metrics
CLOUDWATCH_ALARM_METRIC_MONTH = 0.10  # standard resolution, per metric the alarm reads
CLOUDWATCH_DASHBOARD_MONTH = 3.00
CLOUDWATCH_API_REQUEST = 0.01 / 1000  # PutMetricData and the other metric APIs

# --- AWS X-Ray: https://aws.amazon.com/xray/pricing/ ---
XRAY_TRACE_RECORDED = 5.00 / 1e6
# Lambda's default sampling rule: the first request each second, then 5% of the others.
XRAY_RESERVOIR_PER_SECOND = 1
XRAY_FIXED_RATE = 0.05

# --- AWS KMS: https://aws.amazon.com/kms/pricing/ ---
KMS_KEY_MONTH = 1.00  # a customer managed key; each of its first two rotations adds 1.00
KMS_REQUEST = 0.03 / 10_000
# SNS reuses a data key of an encrypted topic for up to 5 minutes (GenerateDataKey+Decrypt).
SNS_DATA_KEY_REUSE_SECONDS = 300
KMS_REQUESTS_PER_DATA_KEY = 2

# --- Amazon ECR: https://aws.amazon.com/ecr/pricing/ (private repositories) ---
# Storage of the renderer's container image, billed on its compressed layers; pulls by
# Lambda in the same region are free.
ECR_STORAGE_GB_MONTH = 0.10

# --- Amazon SNS: https://aws.amazon.com/sns/pricing/ ---
SNS_PUBLISH_REQUEST = 0.50 / 1e6  # each 64 KB chunk of a message is one request
SNS_EMAIL_DELIVERY = 2.00 / 100_000

# --- Amazon EventBridge Scheduler: https://aws.amazon.com/eventbridge/pricing/ ---
SCHEDULER_INVOCATION = 1.00 / 1e6

# --- Lambda's SQS pollers on an idle queue ---
# An SQS event source mapping keeps about five pollers long-polling (20 s per
# ReceiveMessage) while the queue is empty; their requests are billed as SQS requests.
IDLE_SQS_POLLERS = 5
SQS_LONG_POLL_SECONDS = 20

# --- The always-free tier (https://aws.amazon.com/free/, "Always free"), per account ---
# Keys are the pools the cost model's lines draw on. DynamoDB's free 25 WCU/RCU are
# provisioned capacity only: on-demand requests have no free allowance. S3 has none.
FREE_TIER = MappingProxyType(
    {
        "lambda_requests": 1_000_000,
        "lambda_gb_seconds": 400_000,
        "sqs_requests": 1_000_000,
        "dynamodb_storage_gb": 25,
        "sns_publishes": 1_000_000,
        "sns_email_deliveries": 1_000,
        "cloudwatch_metrics": 10,
        "cloudwatch_alarm_metrics": 10,
        "cloudwatch_dashboards": 3,
        "cloudwatch_api_requests": 1_000_000,
        # ingestion, archive storage and Logs Insights scans together
        "cloudwatch_logs_gb": 5,
        "xray_traces": 100_000,
        "kms_requests": 20_000,
        "scheduler_invocations": 14_000_000,
    }
)
