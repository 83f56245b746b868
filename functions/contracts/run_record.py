"""The run record's shape (runs table, one item per `run_id`), shared with `pricemon`.

Imported by the operator command line as `functions.monitor.run_record`, so it stays
self-contained. The dispatcher writes the dispatch fields (functions/monitor/dispatch.py);
each scraper batch adds its outcomes to the counters (functions/monitor/run_tally.py).
"""

from datetime import timedelta

RETENTION = timedelta(days=90)  # a run record's TTL (`expires_at`)

DISPATCHING = "dispatching"  # `status` while the dispatcher pages the catalog
DISPATCHED = "dispatched"  # `status` once every job of the run is on the queue

# Outcome counters, added per scraper batch; with `dispatched` they say when a run is done.
SCRAPED = "scraped"
FAILED = "failed"
BLOCKED = "blocked"
DEAD_LETTERED = "dead_lettered"
COUNTERS = (SCRAPED, FAILED, BLOCKED, DEAD_LETTERED)
LAST_ACTIVITY_AT = "last_activity_at"  # when a batch last added to the counters
ORIGIN = "origin"  # absent: the schedule or `pricemon run`; "redrive": `pricemon dlq redrive`
