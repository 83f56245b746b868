"""Alert channels end to end: the detector's alerts, through the alerts topic and the notify
queue, delivered by the notifier (Apprise) to a webhook receiver on loopback.

The demo's three channels (a JSON webhook, a Slack-format webhook whose URL with its token
is a secret, an ntfy topic filtered to big drops) and two more: one whose receiver answers
500 before it recovers, and one Apprise cannot address. Two cycles: first sight, then the
site's drops (kettle -15 %, desk-chair -5 %, espresso-machine -20.08 %).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from conftest import EndToEnd, running_stack

from local_stack.demo import CHAT_CHANNEL, JSON_CHANNEL, NTFY_CHANNEL, DemoChannels, demo_channels
from local_stack.report import RunReport
from local_stack.retailer_site import RetailerSite

FLAKY, FLAKY_PATH = "flaky", "/hooks/flaky"
NOWHERE, NOWHERE_URL = "nowhere", "nosuchservice://127.0.0.1/hook"
QUIET, QUIET_PATH = "quiet", "/hooks/quiet"
DROPS = {
    "kettle": "Price drop: Steel kettle 1.7 l",
    "desk-chair": "Price drop: Office chair",
    "espresso-machine": "Price drop: Espresso machine",
}
BIG_DROPS = {"kettle", "espresso-machine"}  # -15.00 % and -20.08 %: 15 % or more


@pytest.fixture(scope="module")
def delivered(site: RetailerSite) -> Iterator[tuple[EndToEnd, DemoChannels, RunReport]]:
    with demo_channels() as channels:
        declared = [
            *channels.config(),
            {"name": FLAKY, "url": channels.receiver.json_url(FLAKY_PATH)},
            {"name": NOWHERE, "url": NOWHERE_URL},
            {
                "name": QUIET,
                "url": channels.receiver.json_url(QUIET_PATH),
                "quiet_hours": quiet_for_the_next_hour(),
            },
        ]
        with running_stack(site, overrides={"alertChannels": declared}) as service:
            channels.create_secret(service.world.stack.region)
            channels.receiver.answer_next(FLAKY_PATH, [500])
            service.run_cycle(0)
            service.run_cycle(1)
            report = service.world.report()
            report.channel_deliveries = channels.deliveries(report.notifications)
            yield service, channels, report


def quiet_for_the_next_hour() -> dict[str, str]:
    """Quiet hours from an hour ago to an hour from now (UTC), whenever the test runs: the
    stack's simulated clock starts at the real time."""
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "timezone": "UTC"}


def titles(channels: DemoChannels, channel: str) -> Counter[str]:
    return Counter(post.title for post in channels.received(channel))


def test_each_price_drop_reaches_each_unfiltered_channel_once(delivered):
    service, channels, _ = delivered
    alerts = [delivery.json()["product_id"] for delivery in service.world.notifications()]
    assert sorted(alerts) == sorted(DROPS)
    for channel in (JSON_CHANNEL, CHAT_CHANNEL):
        assert titles(channels, channel) == Counter(DROPS.values()), channel


def test_the_filtered_channel_gets_only_the_drops_its_filter_allows(delivered):
    _, channels, _ = delivered
    assert titles(channels, NTFY_CHANNEL) == Counter(DROPS[p] for p in BIG_DROPS)


def test_quiet_hours_hold_the_alerts_until_their_end_on_the_simulated_clock(delivered):
    service, channels, _ = delivered
    posts = channels.receiver.accepted(QUIET_PATH)
    assert Counter(post.title for post in posts) == Counter(DROPS.values())
    # Delivered once the simulated clock passed the window's end, not before.
    assert service.world.clock.now() >= datetime.now(UTC) + timedelta(minutes=50)


def test_a_receiver_answering_500_gets_the_alert_on_the_retry(delivered):
    _, channels, _ = delivered
    posts = [post for post in channels.receiver.posts if post.path == FLAKY_PATH]
    assert sorted(post.status for post in posts) == [200, 200, 200, 500]
    (failed,) = [post for post in posts if post.status == 500]
    # The failed alert came again after the backoff (simulated), and was delivered then.
    retried = [post for post in posts if post.status == 200 and post.title == failed.title]
    assert len(retried) == 1
    assert posts.index(retried[0]) > posts.index(failed)
    accepted = channels.receiver.accepted(FLAKY_PATH)
    assert Counter(post.title for post in accepted) == Counter(DROPS.values())


def test_a_channel_apprise_cannot_address_ends_in_the_notify_dlq_with_its_reason(delivered):
    service, _, _ = delivered
    sqs = boto3.client("sqs", region_name=service.world.stack.region)
    messages = sqs.receive_message(
        QueueUrl=service.world.stack.outputs["notify_dlq_url"],
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        VisibilityTimeout=0,
    )["Messages"]
    assert len(messages) == len(DROPS)  # one per alert, for that channel only
    for message in messages:
        reason = message["MessageAttributes"]["reason"]["StringValue"]
        assert NOWHERE in message["Body"]
        assert reason == "nosuchservice://***: Apprise does not accept this URL"


def test_the_chat_channels_token_is_in_no_log_line_nor_the_report(delivered):
    service, channels, report = delivered
    logs = service.world.runtime.log_stream.getvalue()
    written = json.dumps(report.to_json())
    assert '"message":"delivered to channel"' in logs  # the notifier's lines are there
    assert report.channel_deliveries  # and the report carries the deliveries
    assert channels.token not in logs
    assert channels.token not in written


def test_a_redelivered_alert_sends_nothing_again(delivered):
    service, channels, _ = delivered
    world = service.world
    before = len(channels.receiver.posts)
    notify_url = world.stack.outputs["notify_queue_url"]
    (notify,) = [source for source in world.queue_sources if source.queue.url == notify_url]
    for delivery in world.notifications():
        notify.queue.send(delivery.message)  # as SNS would deliver it again, raw

    world.run_until_idle()

    assert channels.receiver.posts[before:] == []
