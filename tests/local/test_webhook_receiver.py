"""The webhook receiver: what Apprise posts for each of the demo's channel URLs arrives, is
recorded with its title, and a scripted failure answers before 200 again (loopback only)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from delivery.send import Outcome, deliver
from delivery.templates import BodyFormat, RenderedMessage
from local_stack.webhook_receiver import JSON_HOOK_PATH, WebhookReceiver

MESSAGE = RenderedMessage(
    title="Price drop: Steel kettle",
    body="Steel kettle is cheaper.\nSeen at now (product kettle).\n",
    body_format=BodyFormat.TEXT,
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def test_apprises_json_webhook_posts_title_and_message_to_its_path(receiver):
    result = deliver(receiver.json_url(), MESSAGE)

    assert result.outcome is Outcome.DELIVERED
    (post,) = receiver.accepted(JSON_HOOK_PATH)
    assert post.title == "Price drop: Steel kettle"
    assert post.body["message"].startswith("Steel kettle is cheaper.")
    assert post.headers["Content-Type"].startswith("application/json")


def test_apprises_mattermost_posts_a_slack_format_payload_to_the_hooks_token_path(receiver):
    result = deliver(receiver.mattermost_url("abcdefghij0123456789"), MESSAGE)

    assert result.outcome is Outcome.DELIVERED
    (post,) = receiver.accepted("/hooks/abcdefghij0123456789")
    # Slack's incoming-webhook payload: the text (the title folded into its first line).
    assert set(post.body) >= {"text"}
    assert post.title == "Price drop: Steel kettle"
    assert "(product kettle)" in post.body["text"]


def test_apprises_ntfy_posts_the_topic_title_and_message_to_the_servers_root(receiver):
    result = deliver(receiver.ntfy_url("price-drops"), MESSAGE)

    assert result.outcome is Outcome.DELIVERED
    (post,) = receiver.accepted("/", topic="price-drops")
    assert (post.body["topic"], post.title) == ("price-drops", "Price drop: Steel kettle")
    assert receiver.accepted("/", topic="other") == []


def test_scripted_failures_answer_first_then_200(receiver):
    receiver.answer_next(JSON_HOOK_PATH, [500])

    first, second = deliver(receiver.json_url(), MESSAGE), deliver(receiver.json_url(), MESSAGE)

    assert (first.outcome, second.outcome) == (Outcome.TRANSIENT, Outcome.DELIVERED)
    assert [post.status for post in receiver.posts] == [500, 200]
    assert len(receiver.accepted(JSON_HOOK_PATH)) == 1


def test_a_body_that_is_not_json_is_kept_as_text(receiver):
    request = urllib.request.Request(
        f"http://{receiver.host_port}/raw?x=1", data=b"plain words", method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True}

    (post,) = receiver.posts
    assert (post.path, post.body, post.title) == ("/raw", "plain words", "")
