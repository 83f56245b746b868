"""`pricemon run [--wait]`: a run started now, as the schedule starts one, and followed."""

from __future__ import annotations

import pytest

from contracts.messages import StartRun, encode
from contracts.timestamps import iso_seconds
from pricemon import runs
from pricemon.runs import follow_run, read_run


def queued_bodies(world):
    return [message.body for message in world.queue_sources[0].queue.messages()]


class FakeTime:
    """monotonic() and sleep() over a counter: waiting takes no real time."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_run_sends_the_schedules_message_with_the_current_time_as_run_id(pricemon, world):
    run_id = iso_seconds(world.clock.now())

    outcome = pricemon("run")

    assert outcome.code == 0
    assert outcome.out == f"started run {run_id}\n"
    assert queued_bodies(world) == [encode(StartRun(run_id))]
    assert encode(StartRun(run_id)) == f'{{"action":"scrape_all_products","run_id":"{run_id}"}}'


def test_run_json_names_the_run(pricemon, world):
    run_id = iso_seconds(world.clock.now())

    assert pricemon("run", "--json").json() == {"run_id": run_id, "started": True}


def test_a_run_id_that_already_exists_is_refused_and_nothing_is_sent(pricemon, world, runs_table):
    run_id = iso_seconds(world.clock.now())
    runs_table.put_item(Item={"run_id": run_id, "status": "dispatched"})

    outcome = pricemon("run")

    assert outcome.code == 2
    assert f"run {run_id} already exists" in outcome.err
    assert queued_bodies(world) == []


def test_run_wait_follows_a_real_run_to_its_totals(
    site_world, pricemon_for, retailer_site, catalog_file, monkeypatch
):
    pricemon = pricemon_for(site_world)
    retailer_site.set_cycle(0)
    assert (
        pricemon("catalog", "import", str(catalog_file(retailer_site.sample_catalog()))).code == 0
    )
    # Waiting lets the local stack work until it is idle.
    monkeypatch.setattr(runs, "sleep", lambda seconds: site_world.run_until_idle())

    outcome = pricemon("run", "--wait", "--poll", "1")

    assert outcome.code == 0, outcome.err
    run_id = iso_seconds(site_world.clock.now())
    lines = outcome.out.splitlines()
    assert lines[0].startswith("started run ")
    assert lines[1].split() == [
        "run",
        "dispatched",
        "scraped",
        "failed",
        "blocked",
        "dead-lettered",
        "rejected",
    ]
    assert lines[2].split()[1:] == ["11", "9", "1", "1", "0", "0"]  # grill 404, desk captcha
    assert lines[3] == f"run {lines[2].split()[0]} finished"
    assert run_id >= lines[2].split()[0]
    assert outcome.err.splitlines()[-1].endswith("products recorded: 11/11")


def test_run_wait_json_has_the_totals(
    site_world, pricemon_for, retailer_site, catalog_file, monkeypatch
):
    pricemon = pricemon_for(site_world)
    retailer_site.set_cycle(0)
    pricemon("catalog", "import", str(catalog_file(retailer_site.sample_catalog())))
    monkeypatch.setattr(runs, "sleep", lambda seconds: site_world.run_until_idle())

    data = pricemon("run", "--wait", "--json").json()

    assert data["finished"] is True
    assert data["timed_out"] is False
    assert (data["status"], data["catalog_size"], data["dispatched"]) == ("dispatched", 11, 11)
    assert (data["scraped"], data["failed"], data["blocked"]) == (9, 1, 1)
    assert data["started_at"] >= data["run_id"]  # the dispatcher starts it a little later


def test_run_wait_gives_up_after_the_timeout_when_nothing_reads_the_queue(pricemon, monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(runs, "sleep", fake.sleep)
    monkeypatch.setattr(runs, "monotonic", fake.monotonic)

    outcome = pricemon("run", "--wait", "--timeout", "12", "--poll", "5")

    assert outcome.code == 1
    assert fake.sleeps == [5, 5, 2]
    assert "did not start within 12 s" in outcome.err


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ({"status": "dispatching", "dispatched": 40}, "still dispatching after 30 s (40 jobs"),
        (
            {"status": "dispatched", "dispatched": 40, "scraped": 30, "failed": 2},
            "32 of 40 products recorded (counts may be short",
        ),
    ],
)
def test_a_run_that_does_not_finish_in_time_says_how_far_it_got(
    pricemon, runs_table, world, monkeypatch, record, says
):
    runs_table.put_item(Item={"run_id": "2026-01-01T06:00:00Z", **record})
    fake = FakeTime()
    monkeypatch.setattr(runs, "sleep", fake.sleep)
    monkeypatch.setattr(runs, "monotonic", fake.monotonic)
    # The record exists already: the next second's run is the one started; follow the old.
    progress = []

    result = follow_run(
        runs_table,
        "2026-01-01T06:00:00Z",
        timeout_seconds=30,
        poll_seconds=10,
        on_progress=progress.append,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
    )

    assert result.timed_out
    assert len(progress) == 4  # at 0, 10, 20 and 30 s
    assert says in runs._timeout_message(result.progress, 30)


def test_a_dispatched_run_with_every_job_counted_is_finished(runs_table):
    runs_table.put_item(
        Item={
            "run_id": "r",
            "status": "dispatched",
            "dispatched": 4,
            "scraped": 1,
            "failed": 1,
            "blocked": 1,
            "dead_lettered": 1,
        }
    )

    assert read_run(runs_table, "r").finished
    assert not read_run(runs_table, "other").finished


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_timeout_and_poll_must_be_positive_seconds(pricemon, value, capsys):
    outcome = pricemon("run", "--wait", "--timeout", value)

    assert outcome.code == 2
    assert "seconds" in capsys.readouterr().err  # argparse's own message


def test_progress_shows_dispatching_then_recording_and_only_what_is_new():
    import io

    from pricemon.runs import RunProgress, _ProgressReporter
    from pricemon.terminal import Console

    err = io.StringIO()
    report = _ProgressReporter(Console(out=io.StringIO(), err=err, colour=False))
    for progress in [
        RunProgress("r", None),
        RunProgress("r", "dispatching", dispatched=500),
        RunProgress("r", "dispatching", dispatched=500),
        RunProgress("r", "dispatched", dispatched=900, scraped=900),
    ]:
        report(progress)

    assert err.getvalue().splitlines() == [
        "run r: jobs dispatched: 500/500",
        "run r: products recorded: 900/900",
    ]
