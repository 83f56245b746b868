"""UTC timestamps as the service writes them, one format per precision.

Self-contained (standard library only) so the local stack can import it as
`contracts.timestamps` and write run ids exactly as the handlers and the
Scheduler do.
"""

from datetime import UTC, datetime


def iso_seconds(moment: datetime) -> str:
    """`2026-11-25T06:00:00Z`: how EventBridge Scheduler writes a scheduled time (run ids)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """`2024-05-01T06:00:00.123Z`: observation times (`last_checked_at`, `scraped_at`)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
