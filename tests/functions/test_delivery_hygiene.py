"""Quiet hours defer delivery, a daily cap holds alerts for one digest: on a fake clock."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from delivery.alert import Alert
from delivery.channels import Channel, QuietHours
from delivery.hygiene import (
    DIGEST_MAX_ALERTS,
    ChannelState,
    Defer,
    Deliver,
    HoldForDigest,
    digest_time,
    next_wall_clock_time,
    plan_delivery,
    quiet_hours_end,
    take_digest,
    wall_clock_instant,
)

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(time(22, 0), time(7, 0), BERLIN)


def alert(number=1):
    return Alert(
        kind="price_drop",
        product_id=f"acme-{number}",
        retailer="acme",
        name=f"Product {number}",
        url=f"https://shop.example/{number}",
        currency="EUR",
        old_price=Decimal("19.99"),
        new_price=Decimal("17.99"),
        change_percent=Decimal("10.01"),
        observed_at="2024-05-01T06:00:03Z",
        run_id="2024-05-01T06:00:00Z",
        dedup_key=f"{number:064x}",
    )


def berlin(*parts, fold=0):
    return datetime(*parts, tzinfo=BERLIN).replace(fold=fold)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def channel(**changes):
    return replace(Channel(name="team", url="json://h/"), **changes)


def plan_all(ch, alerts, now, state=None):
    state = state or ChannelState()
    decisions = []
    for item in alerts:
        decision, state = plan_delivery(ch, state, item, now)
        decisions.append(decision)
    return decisions, state


# --- quiet hours -----------------------------------------------------------------------


def test_without_rules_every_alert_is_delivered_now():
    decisions, _ = plan_all(channel(), [alert(n) for n in range(100)], utc(2026, 5, 1, 3))
    assert decisions == [Deliver()] * 100


def test_an_alert_in_quiet_hours_waits_for_their_end():
    decision, state = plan_delivery(
        channel(quiet_hours=NIGHT), ChannelState(), alert(), berlin(2026, 5, 1, 23, 15)
    )
    assert decision == Defer(berlin(2026, 5, 2, 7, 0))
    assert state == ChannelState()


def test_after_midnight_the_window_ends_the_same_morning():
    decision, _ = plan_delivery(
        channel(quiet_hours=NIGHT), ChannelState(), alert(), berlin(2026, 5, 2, 6, 59)
    )
    assert decision == Defer(berlin(2026, 5, 2, 7, 0))


@pytest.mark.parametrize("wall", [(21, 59), (7, 0), (12, 0)])
def test_outside_quiet_hours_an_alert_goes_now(wall):
    decision, _ = plan_delivery(
        channel(quiet_hours=NIGHT), ChannelState(), alert(), berlin(2026, 5, 1, *wall)
    )
    assert decision == Deliver()


def test_a_window_inside_one_day():
    lunch = QuietHours(time(12, 0), time(13, 30), ZoneInfo("America/New_York"))
    now = datetime(2026, 5, 1, 12, 10, tzinfo=ZoneInfo("America/New_York"))
    assert quiet_hours_end(lunch, now) == utc(2026, 5, 1, 17, 30)
    assert quiet_hours_end(lunch, now.replace(hour=13, minute=30)) is None


def test_the_deferred_alert_is_delivered_when_planned_again_at_the_end():
    ch = channel(quiet_hours=NIGHT)
    decision, state = plan_delivery(ch, ChannelState(), alert(), berlin(2026, 5, 1, 23, 0))
    assert isinstance(decision, Defer)
    decision, _ = plan_delivery(ch, state, alert(), decision.until)
    assert decision == Deliver()


def test_quiet_hours_are_read_on_the_channels_clock_not_utc():
    # 21:30 UTC is 23:30 in Berlin in summer: quiet.
    decision, _ = plan_delivery(
        channel(quiet_hours=NIGHT), ChannelState(), alert(), utc(2026, 7, 1, 21, 30)
    )
    assert decision == Defer(utc(2026, 7, 2, 5, 0))


def test_the_night_the_clocks_go_forward_ends_at_the_same_wall_time():
    # 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST, so 07:00 is 05:00 UTC, not 06:00.
    assert quiet_hours_end(NIGHT, berlin(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 5, 0)


def test_the_night_the_clocks_go_back_ends_at_the_same_wall_time():
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 07:00 is 06:00 UTC.
    assert quiet_hours_end(NIGHT, berlin(2026, 10, 24, 23, 0)) == utc(2026, 10, 25, 6, 0)


def test_a_window_ending_in_the_skipped_hour_ends_when_the_clocks_jump():
    early = QuietHours(time(1, 0), time(2, 30), BERLIN)
    # 02:30 never happens on 2026-03-29: the window ends at the jump, 03:00 CEST (01:00 UTC).
    assert quiet_hours_end(early, berlin(2026, 3, 29, 1, 45)) == utc(2026, 3, 29, 1, 0)


def test_a_window_ending_in_the_repeated_hour_ends_at_the_next_such_time():
    early = QuietHours(time(1, 0), time(2, 30), BERLIN)
    # 02:30 happens twice on 2026-10-25: 00:30 UTC (CEST), then 01:30 UTC (CET).
    assert quiet_hours_end(early, berlin(2026, 10, 25, 1, 45)) == utc(2026, 10, 25, 0, 30)
    # At 02:15 the second time round (01:15 UTC), the window is on until the second 02:30.
    assert quiet_hours_end(early, berlin(2026, 10, 25, 2, 15, fold=1)) == utc(2026, 10, 25, 1, 30)


def test_a_skipped_midnight_starts_the_day_at_the_jump():
    santiago = ZoneInfo("America/Santiago")
    # 2026-09-06: Chile's clocks go from 00:00 -04 straight to 01:00 -03.
    assert wall_clock_instant(date(2026, 9, 6), time(0, 0), santiago) == utc(2026, 9, 6, 4, 0)


def test_next_wall_clock_time_is_strictly_later():
    now = berlin(2026, 5, 1, 7, 0)
    assert next_wall_clock_time(time(7, 0), BERLIN, after=now) == berlin(2026, 5, 2, 7, 0)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_delivery(channel(), ChannelState(), alert(), datetime(2026, 5, 1, 12))


# --- daily cap and digest --------------------------------------------------------------


def test_past_the_cap_alerts_are_held_for_the_digest_at_midnight():
    ch = channel(daily_cap=2)
    decisions, state = plan_all(ch, [alert(n) for n in range(1, 6)], utc(2026, 5, 1, 12))
    midnight = utc(2026, 5, 2, 0, 0)
    assert decisions == [Deliver(), Deliver(), *[HoldForDigest(midnight)] * 3]
    assert [a.product_id for a in state.held] == ["acme-3", "acme-4", "acme-5"]


def test_the_digest_is_handed_over_once_it_is_due():
    ch = channel(daily_cap=1)
    _, state = plan_all(ch, [alert(1), alert(2), alert(3)], utc(2026, 5, 1, 12))
    early = take_digest(state, utc(2026, 5, 1, 23, 59))
    assert early == ((), 0, state)
    held, more, state = take_digest(state, utc(2026, 5, 2, 0, 0))
    assert [a.product_id for a in held] == ["acme-2", "acme-3"]
    assert more == 0
    assert take_digest(state, utc(2026, 5, 2, 0, 1))[:2] == ((), 0)


def test_a_digest_due_in_quiet_hours_waits_for_their_end():
    ch = channel(daily_cap=1, quiet_hours=NIGHT)
    decisions, _ = plan_all(ch, [alert(1), alert(2)], berlin(2026, 5, 1, 12))
    assert decisions[1] == HoldForDigest(berlin(2026, 5, 2, 7, 0))


def test_the_cap_counts_the_channels_local_day():
    # 22:30 UTC on 1 May is 00:30 on 2 May in Berlin (UTC+2): a new day, fresh places.
    ch = channel(daily_cap=1, quiet_hours=QuietHours(time(3, 0), time(4, 0), BERLIN))
    _, state = plan_all(ch, [alert(1)], berlin(2026, 5, 1, 23, 0))
    decision, _ = plan_delivery(ch, state, alert(2), utc(2026, 5, 1, 22, 30))
    assert decision == Deliver()


def test_a_new_day_gives_new_places_and_keeps_a_pending_digest():
    ch = channel(daily_cap=1)
    _, state = plan_all(ch, [alert(1), alert(2)], utc(2026, 5, 1, 12))
    decision, state = plan_delivery(ch, state, alert(3), utc(2026, 5, 2, 0, 30))
    assert decision == Deliver()
    assert [a.product_id for a in state.held] == ["acme-2"]


def test_the_digest_on_the_day_the_clocks_go_forward_is_at_local_midnight():
    ch = channel(daily_cap=1, quiet_hours=QuietHours(time(3, 0), time(4, 0), BERLIN))
    assert digest_time(ch, date(2026, 3, 28)) == utc(2026, 3, 28, 23, 0)
    assert digest_time(ch, date(2026, 3, 29)) == utc(2026, 3, 29, 22, 0)


def test_a_redelivered_alert_takes_no_second_place():
    ch = channel(daily_cap=2)
    now = utc(2026, 5, 1, 12)
    decisions, _ = plan_all(ch, [alert(1), alert(1), alert(1), alert(2)], now)
    assert decisions == [Deliver()] * 4


def test_a_redelivered_held_alert_is_held_once():
    ch = channel(daily_cap=1)
    decisions, state = plan_all(ch, [alert(1), alert(2), alert(2)], utc(2026, 5, 1, 12))
    assert isinstance(decisions[2], HoldForDigest)
    assert len(state.held) == 1


def test_the_digest_keeps_a_bounded_number_of_alerts_and_counts_the_rest():
    ch = channel(daily_cap=1)
    extra = 7
    alerts = [alert(n) for n in range(1, DIGEST_MAX_ALERTS + extra + 2)]
    _, state = plan_all(ch, alerts, utc(2026, 5, 1, 12))
    held, more, _ = take_digest(state, utc(2026, 5, 2))
    assert len(held) == DIGEST_MAX_ALERTS
    assert more == extra


def test_a_day_of_alerts_on_a_fake_clock():
    # Every 20 minutes for a day, cap 5, quiet 22:00-07:00: 5 delivered from 07:00, the rest
    # of the waking day held for the digest at 07:00 the next morning, the night deferred.
    ch = channel(daily_cap=5, quiet_hours=NIGHT)
    state = ChannelState()
    start = berlin(2026, 5, 1, 0, 0)
    outcomes = {"deliver": 0, "defer": 0, "hold": 0}
    for step in range(72):
        now = start + timedelta(minutes=20 * step)
        decision, state = plan_delivery(ch, state, alert(step + 1), now)
        if isinstance(decision, Deliver):
            outcomes["deliver"] += 1
        elif isinstance(decision, Defer):
            outcomes["defer"] += 1
            assert decision.until in (berlin(2026, 5, 1, 7), berlin(2026, 5, 2, 7))
        else:
            outcomes["hold"] += 1
            assert decision == HoldForDigest(berlin(2026, 5, 2, 7))
    # 00:00-06:40 and 22:00-23:40 are quiet: 21 + 6 steps.
    assert outcomes == {"deliver": 5, "defer": 27, "hold": 72 - 27 - 5}
