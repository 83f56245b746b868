"""`pricemon alerts channels|test`: the deployed channels, and a sample sent by the notifier."""

from __future__ import annotations

import io

import pytest

from local_stack.runner import local_stack
from local_stack.webhook_receiver import WebhookReceiver

HOOK_PATH = "/hooks/t0ken-of-the-hook"


@pytest.fixture(scope="module")
def receiver():
    webhook = WebhookReceiver()
    webhook.start()
    yield webhook
    webhook.stop()


@pytest.fixture(scope="module")
def channel_world(receiver):
    channels = [
        {
            "name": "hook",
            "url": receiver.json_url(HOOK_PATH),
            "kinds": ["price_drop"],
            "quiet_hours": {"start": "00:00", "end": "23:59", "timezone": "UTC"},
            "daily_cap": 5,
        },
        {"name": "broken", "url": "nosuchservice://host/x", "topics": ["alerts", "ops"]},
    ]
    with local_stack(
        "dev", overrides={"alertChannels": channels}, log_stream=io.StringIO()
    ) as world:
        yield world


def test_channels_lists_each_channel_with_its_filters_and_no_token(pricemon_for, channel_world):
    outcome = pricemon_for(channel_world)("alerts", "channels")
    assert outcome.code == 0
    assert "t0ken" not in outcome.out
    lines = outcome.out.splitlines()
    (hook,) = [line for line in lines if line.startswith("hook ")]
    for cell in ("json://***", "alerts", "price_drop", "00:00-23:59 UTC", "5"):
        assert cell in hook
    assert [line for line in lines if line.startswith("broken ")]
    listed = pricemon_for(channel_world)("alerts", "channels", "--json").json()["channels"]
    assert [c["name"] for c in listed] == ["hook", "broken"]
    assert listed[1]["topics"] == ["alerts", "ops"]


def test_test_sends_a_sample_whatever_the_filters_and_reports_it(
    pricemon_for, channel_world, receiver
):
    before = len(receiver.accepted(HOOK_PATH))
    outcome = pricemon_for(channel_world)("alerts", "test", "hook")
    assert outcome.code == 0
    assert outcome.out.strip() == "hook: delivered (json://***: delivered)"
    assert outcome.calls == ["lambda.Invoke"]
    (sample,) = receiver.accepted(HOOK_PATH)[before:]
    assert "Test notification for channel hook" in sample.title


def test_a_channel_that_cannot_be_reached_fails_the_command_with_the_reason(
    pricemon_for, channel_world
):
    outcome = pricemon_for(channel_world)("alerts", "test", "broken")
    assert outcome.code == 1
    assert "NOT delivered (nosuchservice://***: Apprise does not accept this URL)" in outcome.out


def test_an_unknown_channel_is_a_usage_error_naming_the_channels(pricemon_for, channel_world):
    outcome = pricemon_for(channel_world)("alerts", "test", "hooks")
    assert outcome.code == 2
    assert "no channel named 'hooks' (channels: hook, broken)" in outcome.err
