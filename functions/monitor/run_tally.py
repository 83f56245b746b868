"""A run's outcome counts, kept on its run record for `pricemon status`.

The catalog item only holds a product's latest outcome, so once the next run has passed,
nothing else says how an earlier run went. Each scraper batch therefore adds what it
recorded to its run's record in the runs table: `scraped`, `failed`, `blocked` and
`dead_lettered` (a job that gave up on its last receive and moves to the DLQ), and sets
`last_activity_at`, from which the run's duration follows.

One UpdateItem per run in the batch (almost always one per batch: 0.1 writes per product),
not one per product: the budget is 2 DynamoDB writes per scraped product. The counts only
inform; the outcome itself is on each catalog item. So a failed tally is logged, not
retried, and a batch that crashes between its product writes and its tally leaves the
counts short; the command that reads them says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from contracts import run_record
from contracts.timestamps import iso_seconds
from monitor.telemetry import logger

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_dynamodb.type_defs import AttributeValueTypeDef


@dataclass
class RunTally:
    """What one batch recorded for one run: one field per counter of `run_record.COUNTERS`."""

    scraped: int = 0
    failed: int = 0
    blocked: int = 0
    dead_lettered: int = 0

    def __bool__(self) -> bool:
        return any(getattr(self, counter.name) for counter in fields(self))


def add_to_runs(
    dynamodb: DynamoDBClient, runs_table: str, tallies: Mapping[str, RunTally], moment: datetime
) -> None:
    """Add each run's tally to its record; a run without a record (expired) is left alone."""
    for run_id, tally in tallies.items():
        if not tally:
            continue
        values: dict[str, AttributeValueTypeDef] = {
            f":{name}": {"N": str(getattr(tally, name))} for name in run_record.COUNTERS
        }
        values[":now"] = {"S": iso_seconds(moment)}
        try:
            dynamodb.update_item(
                TableName=runs_table,
                Key={run_record.RUN_ID: {"S": run_id}},
                UpdateExpression="ADD "
                + ", ".join(f"{name} :{name}" for name in run_record.COUNTERS)
                + f" SET {run_record.LAST_ACTIVITY_AT} = :now",
                ConditionExpression=f"attribute_exists({run_record.RUN_ID})",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                logger.info("run record gone; tally not kept", extra={"run_id": run_id})
                continue
            logger.exception("could not add to the run's tally", extra={"run_id": run_id})
        except BotoCoreError:
            logger.exception("could not add to the run's tally", extra={"run_id": run_id})
