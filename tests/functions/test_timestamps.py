from datetime import UTC, datetime, timedelta, timezone

from contracts.timestamps import iso_millis, iso_seconds

# 08:00 UTC, given in another zone: the written time is always UTC.
MOMENT = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))


def test_run_ids_are_written_to_the_second_like_the_scheduler():
    assert iso_seconds(MOMENT) == "2024-05-01T08:00:00Z"


def test_observation_times_are_utc_with_milliseconds_and_z():
    assert iso_millis(MOMENT) == "2024-05-01T08:00:00.123Z"
    assert iso_millis(MOMENT.replace(microsecond=0)) == "2024-05-01T08:00:00.000Z"
