"""The runs table's item, one per `run_id`: every attribute's name, and one reading of it.

Shared by the dispatcher, which writes the dispatch fields and holds the lease
(functions/monitor/dispatch.py), the scraper batches, which add their outcomes to the
counters (functions/monitor/run_tally.py), and the operator command line (`pricemon run`,
`status`, `dlq redrive`), which reads the record and opens the runs it dispatches itself.
docs/architecture.md "Tables" and "Dispatch: a lease on the run" describe the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

# The key.
RUN_ID = "run_id"  # the run's scheduled time (contracts.messages)

# Dispatch fields.
STATUS = "status"  # a RunStatus
STARTED_AT = "started_at"  # when the record was created (ISO seconds)
ORIGIN = "origin"  # absent: the schedule or `pricemon run`; REDRIVE: `pricemon dlq redrive`
DISPATCHED = "dispatched"  # product jobs sent so far
REJECTED = "rejected"  # malformed catalog rows skipped so far
SPACING = "spacing"  # per-retailer delay offsets so far (seconds, by retailer)
DISPATCH_CURSOR = "dispatch_cursor"  # the next catalog page's ExclusiveStartKey; absent first
CATALOG_SIZE = "catalog_size"  # active catalog rows (dispatched + rejected), once dispatched
DISPATCH_FINISHED_AT = "dispatch_finished_at"  # when the end of the catalog was reached

# The dispatch lease, removed once the run is dispatched.
DISPATCH_OWNER = "dispatch_owner"  # the holding invocation's token
LEASE_EXPIRES_AT = "lease_expires_at"  # epoch ms; 0: released for a continuation

# Outcome counters, added per scraper batch; with `dispatched` they say when a run is done.
SCRAPED = "scraped"
FAILED = "failed"
BLOCKED = "blocked"
DEAD_LETTERED = "dead_lettered"
COUNTERS = (SCRAPED, FAILED, BLOCKED, DEAD_LETTERED)
LAST_ACTIVITY_AT = "last_activity_at"  # when a batch last added to the counters

# Time to live.
EXPIRES_AT = "expires_at"  # epoch seconds: the table's TTL attribute
RETENTION = timedelta(days=90)

REDRIVE = "redrive"  # the ORIGIN of a run `pricemon dlq redrive` dispatched


class RunStatus(StrEnum):
    """The record's STATUS."""

    DISPATCHING = "dispatching"  # the dispatcher is paging the catalog
    DISPATCHED = "dispatched"  # every job of the run is on the queue


@dataclass(frozen=True)
class RunProgress:
    """A run as its record says, at one moment (absent counts: 0)."""

    run_id: str
    status: str | None  # None: the dispatcher has not created the record yet
    dispatched: int = 0
    rejected: int = 0
    catalog_size: int | None = None
    scraped: int = 0
    failed: int = 0
    blocked: int = 0
    dead_lettered: int = 0
    started_at: str | None = None
    last_activity_at: str | None = None
    dispatch_cursor: Mapping[str, Any] | None = None
    spacing: Mapping[str, float] = field(default_factory=dict)

    @property
    def recorded(self) -> int:
        """Product jobs whose outcome the run has counted."""
        return self.scraped + self.failed + self.blocked + self.dead_lettered

    @property
    def finished(self) -> bool:
        return self.status == RunStatus.DISPATCHED and self.recorded >= self.dispatched

    @classmethod
    def from_record(cls, run_id: str, record: Mapping[str, Any] | None) -> RunProgress:
        """Read a runs-table item (boto3 resource style: numbers are Decimal)."""
        if record is None:
            return cls(run_id, None)
        counts = {name: int(record.get(name, 0)) for name in (DISPATCHED, REJECTED, *COUNTERS)}
        catalog_size = record.get(CATALOG_SIZE)
        return cls(
            run_id,
            str(record.get(STATUS)),
            catalog_size=None if catalog_size is None else int(catalog_size),
            started_at=record.get(STARTED_AT),
            last_activity_at=record.get(LAST_ACTIVITY_AT),
            dispatch_cursor=record.get(DISPATCH_CURSOR) or None,
            spacing={
                retailer: float(offset) for retailer, offset in record.get(SPACING, {}).items()
            },
            **counts,
        )
