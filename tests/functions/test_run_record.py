"""Reading a run record: what the dispatcher resumes from and what `pricemon` shows."""

from decimal import Decimal

from contracts.run_record import RunProgress, RunStatus


def test_a_dispatching_record_reads_its_progress_with_absent_counts_as_zero():
    record = {
        "run_id": "2025-01-06T12:00:00Z",
        "status": "dispatching",
        "dispatched": Decimal(20),
        "spacing": {"shop-a": Decimal("2.5")},
        "dispatch_cursor": {"product_id": "p-0019"},
    }

    progress = RunProgress.from_record("2025-01-06T12:00:00Z", record)

    assert progress.status == RunStatus.DISPATCHING
    assert (progress.dispatched, progress.rejected, progress.recorded) == (20, 0, 0)
    assert progress.spacing == {"shop-a": 2.5}
    assert progress.dispatch_cursor == {"product_id": "p-0019"}
    assert progress.catalog_size is None
    assert not progress.finished


def test_a_run_is_finished_once_dispatched_and_every_job_is_counted():
    record = {"status": "dispatched", "dispatched": 3, "scraped": 2, "dead_lettered": 1}

    assert RunProgress.from_record("r", record).finished
    assert not RunProgress.from_record("r", record | {"scraped": 1}).finished


def test_no_record_reads_as_a_run_not_started():
    progress = RunProgress.from_record("r", None)

    assert progress.status is None
    assert progress.dispatch_cursor is None
