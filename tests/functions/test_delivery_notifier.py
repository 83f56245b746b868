"""The notifier's decisions over fake ports: which channels get what, when, and how often."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from delivery_fixtures import alert

from delivery.alert import Alert
from delivery.channels import parse_channels
from delivery.hygiene import ChannelState
from delivery.notifier import (
    MAX_ATTEMPTS,
    RETRY_DELAYS_SECONDS,
    Action,
    ChannelUrlError,
    Notifier,
)
from delivery.queue_messages import (
    AlertArrived,
    DeliveryJob,
    DigestJob,
    read_message,
)
from delivery.send import DeliveryResult, Outcome
from delivery.templates import BodyFormat, RenderedMessage

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALARM = {
    "AlarmName": "price-monitor-dev-scrape-dlq-not-empty",
    "AlarmDescription": "Messages wait in scrape-dlq.",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 datapoint [3.0] was greater than 0.",
    "StateChangeTime": "2024-05-01T12:00:00.000+0000",
    "Region": "EU (Ireland)",
}


@dataclass
class FakePorts:
    """Every port call recorded; sends answered from `answers` by URL (delivered if absent)."""

    answers: dict[str, list[Outcome]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    sent: list[tuple[str, RenderedMessage]] = field(default_factory=list)
    done_keys: set[str] = field(default_factory=set)
    scheduled: list[tuple[str, int]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)
    states: dict[str, ChannelState] = field(default_factory=dict)

    def channel_url(self, channel):
        if channel.url is not None:
            return channel.url
        if channel.secret not in self.secrets:
            raise ChannelUrlError(f"channel {channel.name!r}: secret unreadable")
        return self.secrets[channel.secret]

    def send(self, url, message):
        self.sent.append((url, message))
        answers = self.answers.get(url)
        outcome = answers.pop(0) if answers else Outcome.DELIVERED
        return DeliveryResult(outcome, f"{url.split('://')[0]}://***: {outcome}")

    def send_once(self, key, url, message):
        if key in self.done_keys:
            return None
        result = self.send(url, message)
        if result.delivered:
            self.done_keys.add(key)
        return result

    def schedule(self, body, delay_seconds):
        self.scheduled.append((body, delay_seconds))

    def dead_letter(self, body, reason):
        self.dead.append((body, reason))

    def read_state(self, channel):
        return self.states.get(channel, ChannelState())

    def update_state(self, channel, change):
        result, self.states[channel] = change(self.read_state(channel))
        return result

    def take_scheduled(self):
        jobs, self.scheduled = self.scheduled, []
        return [(read_message(body), delay) for body, delay in jobs]


def notifier(*channels: dict, ports: FakePorts | None = None) -> tuple[Notifier, FakePorts]:
    ports = ports or FakePorts()
    return Notifier(parse_channels(json.dumps(list(channels))), ports), ports


def arrived(item: Alert | None = None) -> AlertArrived:
    item = item or alert()
    return AlertArrived(item, item.to_body())


def test_an_alert_goes_to_every_channel_whose_filters_let_it_through():
    notify, ports = notifier(
        {"name": "all", "url": "json://a.example/x"},
        {"name": "drops", "url": "json://b.example/x", "kinds": ["price_drop"]},
        {"name": "rises", "url": "json://c.example/x", "kinds": ["price_increase"]},
        {"name": "other-shop", "url": "json://d.example/x", "retailers": ["globex"]},
        {"name": "big-moves", "url": "json://e.example/x", "min_change_percent": 20},
        {"name": "ops-only", "url": "json://f.example/x", "topics": ["ops"]},
    )
    outcomes = notify.handle(arrived(), NOON)
    assert [(o.channel, o.action) for o in outcomes] == [
        ("all", Action.DELIVERED),
        ("drops", Action.DELIVERED),
    ]
    assert [url for url, _ in ports.sent] == ["json://a.example/x", "json://b.example/x"]
    title = ports.sent[0][1].title
    assert title == "Price drop: Acme Kettle 2000"


def test_a_mailto_channel_is_sent_html_and_the_others_text():
    notify, ports = notifier(
        {"name": "mail", "url": "mailto://smtp.example/?to=a@example.com"},
        {"name": "hook", "url": "json://a.example/x"},
    )
    notify.handle(arrived(), NOON)
    assert [m.body_format for _, m in ports.sent] == [BodyFormat.HTML, BodyFormat.TEXT]


def test_a_redelivered_alert_is_sent_once_per_channel():
    notify, ports = notifier(
        {"name": "a", "url": "json://a.example/x"}, {"name": "b", "url": "json://b.example/x"}
    )
    notify.handle(arrived(), NOON)
    again = notify.handle(arrived(), NOON + timedelta(seconds=30))
    assert len(ports.sent) == 2
    assert [o.action for o in again] == [Action.ALREADY_DELIVERED] * 2


def test_the_latency_is_measured_from_the_observation():
    notify, _ = notifier({"name": "a", "url": "json://a.example/x"})
    observed = NOON - timedelta(seconds=42)
    (outcome,) = notify.handle(arrived(alert(observed_at=observed.isoformat())), NOON)
    assert outcome.latency_seconds == 42


def test_a_channel_failing_transiently_is_retried_with_backoff_then_dead_lettered():
    url = "json://flaky.example/x"
    notify, ports = notifier({"name": "flaky", "url": url})
    ports.answers[url] = [Outcome.TRANSIENT] * MAX_ATTEMPTS
    (outcome,) = notify.handle(arrived(), NOON)
    assert outcome.action is Action.RETRYING
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        ((job, delay),) = ports.take_scheduled()
        delays.append(delay)
        assert isinstance(job, DeliveryJob)
        assert job.channel == "flaky"
        (outcome,) = notify.handle(job, NOON)
    assert delays == list(RETRY_DELAYS_SECONDS)
    assert outcome.action is Action.DEAD_LETTERED
    ((body, reason),) = ports.dead
    assert reason.startswith(f"failed {MAX_ATTEMPTS} times, giving up: json://***")
    assert read_message(body).channel == "flaky"
    assert len(ports.sent) == MAX_ATTEMPTS


def test_a_retry_that_succeeds_is_delivered_and_not_repeated():
    url = "json://flaky.example/x"
    notify, ports = notifier({"name": "flaky", "url": url}, {"name": "ok", "url": "json://o/x"})
    ports.answers[url] = [Outcome.TRANSIENT]
    notify.handle(arrived(), NOON)
    ((job, _),) = ports.take_scheduled()
    (outcome,) = notify.handle(job, NOON + timedelta(seconds=30))
    assert (outcome.action, outcome.attempt) == (Action.DELIVERED, 2)
    assert [u for u, _ in ports.sent] == [url, "json://o/x", url]
    assert ports.dead == []


def test_a_permanent_failure_is_dead_lettered_at_once_with_its_reason():
    url = "json://refused.example/x"
    notify, ports = notifier({"name": "bad", "url": url}, {"name": "ok", "url": "json://o/x"})
    ports.answers[url] = [Outcome.PERMANENT]
    outcomes = notify.handle(arrived(), NOON)
    assert [o.action for o in outcomes] == [Action.DEAD_LETTERED, Action.DELIVERED]
    ((_body, reason),) = ports.dead
    assert reason == "json://***: failed_permanently"
    assert ports.scheduled == []


def test_an_unreadable_secret_is_a_transient_failure_retried():
    notify, ports = notifier({"name": "s", "secret": "price-monitor/slack"})
    (outcome,) = notify.handle(arrived(), NOON)
    assert outcome.action is Action.RETRYING
    assert "secret unreadable" in outcome.reason
    ports.secrets["price-monitor/slack"] = "json://from-secret.example/x"
    ((job, _),) = ports.take_scheduled()
    (outcome,) = notify.handle(job, NOON)
    assert outcome.action is Action.DELIVERED
    assert ports.sent[0][0] == "json://from-secret.example/x"


QUIET = {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"}


def test_quiet_hours_defer_the_delivery_to_their_end_in_steps_of_at_most_15_minutes():
    notify, ports = notifier({"name": "q", "url": "json://q/x", "quiet_hours": QUIET})
    night = datetime(2024, 5, 1, 22, 30, tzinfo=UTC)  # 00:30 in Berlin (CEST)
    end = datetime(2024, 5, 2, 5, 0, tzinfo=UTC)  # 07:00 in Berlin
    (outcome,) = notify.handle(arrived(), night)
    assert outcome.action is Action.DEFERRED
    ((job, delay),) = ports.take_scheduled()
    assert (job.not_before, delay) == (end, 900)
    # Early returns are put back with the rest of the wait.
    (outcome,) = notify.handle(job, night + timedelta(minutes=15))
    assert outcome.action is Action.WAITING
    ((again, delay),) = ports.take_scheduled()
    assert again == job
    assert delay == 900
    (outcome,) = notify.handle(job, end - timedelta(minutes=5))
    assert ports.take_scheduled()[0][1] == 300
    (outcome,) = notify.handle(job, end)
    assert outcome.action is Action.DELIVERED
    assert len(ports.sent) == 1


def test_a_daily_cap_holds_the_rest_for_one_digest_at_the_end_of_the_day():
    notify, ports = notifier({"name": "capped", "url": "json://c/x", "daily_cap": 2})
    alerts = [alert(dedup_key=f"{i:064x}", name=f"Product {i}") for i in range(5)]
    actions = [notify.handle(arrived(a), NOON)[0].action for a in alerts]
    assert actions == [Action.DELIVERED] * 2 + [Action.HELD] * 3
    midnight = datetime(2024, 5, 2, tzinfo=UTC)
    # One digest job, scheduled by the first alert held.
    ((digest, delay),) = ports.take_scheduled()
    assert digest == DigestJob("capped", midnight)
    assert delay == 900
    (outcome,) = notify.handle(digest, midnight)
    assert outcome.action is Action.DELIVERED
    _url, message = ports.sent[-1]
    assert message.title == "3 price alerts held back today"
    assert all(f"Product {i}" in message.body for i in (2, 3, 4))
    assert ports.states["capped"].held == ()
    # A second job for the same digest finds nothing held and sends nothing.
    assert notify.handle(digest, midnight)[0].action is Action.NOTHING_HELD
    assert len(ports.sent) == 3


def test_a_held_alert_redelivered_is_held_once_and_reschedules_its_digest():
    notify, ports = notifier({"name": "capped", "url": "json://c/x", "daily_cap": 1})
    first, second = alert(dedup_key="1" * 64), alert(dedup_key="2" * 64)
    notify.handle(arrived(first), NOON)
    notify.handle(arrived(second), NOON)
    notify.handle(arrived(second), NOON)
    assert ports.states["capped"].held == (second,)
    # Scheduled again on the redelivery: the first handling may have died before it did.
    assert [type(job) for job, _ in ports.take_scheduled()] == [DigestJob, DigestJob]


def test_alerts_held_while_the_digest_goes_out_wait_for_their_own():
    notify, ports = notifier({"name": "capped", "url": "json://c/x", "daily_cap": 1})
    notify.handle(arrived(alert(dedup_key="1" * 64)), NOON)
    notify.handle(arrived(alert(dedup_key="2" * 64)), NOON)
    ((digest, _),) = ports.take_scheduled()
    real_send_once = ports.send_once

    def send_and_race(key, url, message):
        # Another notifier holds an alert between the digest's read and its write.
        ports.states["capped"] = replace(
            ports.states["capped"],
            held=(*ports.states["capped"].held, alert(dedup_key="3" * 64)),
            held_keys=ports.states["capped"].held_keys | {"3" * 64},
        )
        return real_send_once(key, url, message)

    ports.send_once = send_and_race
    notify.handle(digest, digest.at)
    state = ports.states["capped"]
    assert state.held_keys == {"3" * 64}
    ((later, _),) = ports.take_scheduled()
    assert isinstance(later, DigestJob)


def test_an_alarm_goes_at_once_to_the_channels_hearing_ops_only():
    notify, ports = notifier(
        {"name": "alerts", "url": "json://a/x"},
        {"name": "ops", "url": "json://o/x", "topics": ["ops"], "quiet_hours": QUIET},
        {"name": "both", "url": "json://b/x", "topics": ["alerts", "ops"]},
    )
    message = read_message(json.dumps(ALARM))
    outcomes = notify.handle(message, datetime(2024, 5, 1, 23, 0, tzinfo=UTC))
    assert [(o.channel, o.action) for o in outcomes] == [
        ("ops", Action.DELIVERED),
        ("both", Action.DELIVERED),
    ]
    title = ports.sent[0][1].title
    assert title == "[ALARM] price-monitor-dev-scrape-dlq-not-empty"
    assert "Threshold Crossed" in ports.sent[0][1].body
    notify.handle(message, NOON)
    assert len(ports.sent) == 2  # the same state change, redelivered


def test_a_failed_alarm_delivery_is_retried_as_an_alarm():
    notify, ports = notifier({"name": "ops", "url": "json://o/x", "topics": ["ops"]})
    ports.answers["json://o/x"] = [Outcome.TRANSIENT]
    notify.handle(read_message(json.dumps(ALARM)), NOON)
    ((job, _),) = ports.take_scheduled()
    (outcome,) = notify.handle(job, NOON)
    assert outcome.action is Action.DELIVERED
    assert ports.sent[-1][1].title.startswith("[ALARM]")


def test_a_job_for_a_channel_no_longer_configured_is_dropped():
    notify, ports = notifier({"name": "a", "url": "json://a/x"})
    (outcome,) = notify.handle(DeliveryJob("gone", alert().to_body()), NOON)
    assert outcome.action is Action.DROPPED
    assert ports.sent == []
    assert ports.dead == []


def test_testing_a_channel_sends_a_sample_each_time_whatever_its_filters():
    notify, ports = notifier(
        {"name": "rises", "url": "json://r/x", "kinds": ["price_increase"], "quiet_hours": QUIET}
    )
    first = notify.test_channel("rises", NOON)
    second = notify.test_channel("rises", NOON)
    assert first.delivered
    assert second.delivered
    assert len(ports.sent) == 2
    assert "Test notification for channel rises" in ports.sent[0][1].title


def test_testing_an_unknown_channel_names_the_known_ones():
    notify, _ = notifier({"name": "a", "url": "json://a/x"})
    result = notify.test_channel("b", NOON)
    assert result.outcome is Outcome.PERMANENT
    assert result.reason == "no channel named 'b' (known: a)"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"job": "deliver", "channel": "a", "body": "{}"}),
        json.dumps({"job": "deliver", "channel": "a", "body": json.dumps({"job": "digest"})}),
        json.dumps({"job": "digest", "channel": "a", "at": "2024-05-01T00:00:00"}),
        json.dumps({"job": "digest", "channel": "", "at": "2024-05-01T00:00:00Z"}),
        json.dumps({"job": "deliver", "channel": "a", "body": alert().to_body(), "attempt": 0}),
        json.dumps({"job": "explode", "channel": "a"}),
        json.dumps({**ALARM, "NewStateValue": "ON_FIRE"}),
        json.dumps({"AlarmName": "x"}),
        "x" * 300_000,
    ],
)
def test_a_body_none_of_the_senders_wrote_is_refused_with_a_reason(body):
    from delivery.queue_messages import MalformedMessageError

    with pytest.raises(MalformedMessageError) as failure:
        read_message(body)
    assert str(failure.value)
    assert body[:40] not in str(failure.value) or len(body) < 10
