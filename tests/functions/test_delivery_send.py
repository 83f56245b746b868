"""One delivery with Apprise, to loopback receivers: delivered, transient, permanent, no secrets."""

import logging
import subprocess
import sys

import pytest
from delivery_fixtures import TOKEN

from delivery.send import Outcome, deliver
from delivery.templates import BodyFormat, RenderedMessage

MESSAGE = RenderedMessage(
    title="Price drop: Acme Kettle 2000",
    body="Now 17.99 EUR, was 19.99 EUR.\nhttps://shop.example/kettle\n",
    body_format=BodyFormat.TEXT,
)


def test_a_json_channel_receives_title_and_body(receiver):
    result = deliver(receiver.url(), MESSAGE)
    assert result.outcome is Outcome.DELIVERED
    assert result.delivered
    (payload,) = receiver.received
    # Apprise's json:// payload: version, title, message, type (and attachments).
    assert payload["title"] == MESSAGE.title
    # Apprise trims the body's trailing line break.
    assert payload["message"] == MESSAGE.body.rstrip()
    assert payload["type"] == "info"
    assert payload["version"] == "1.0"
    assert receiver.paths == [f"/hooks/{TOKEN}"]


def test_an_html_message_arrives_as_written(receiver):
    html = RenderedMessage("t", "<b>Kettle</b> &amp; co<br>\n", BodyFormat.HTML)
    assert deliver(receiver.url(), html).delivered
    assert receiver.received[0]["message"] == html.body.rstrip()


def test_a_receiver_answering_500_is_a_transient_failure(receiver):
    receiver.status = 500
    result = deliver(receiver.url(), MESSAGE)
    assert result.outcome is Outcome.TRANSIENT
    assert len(receiver.received) == 1
    assert TOKEN not in result.reason
    assert "json://***" in result.reason


def test_an_unreachable_receiver_is_a_transient_failure():
    with socket_without_listener() as port:
        result = deliver(f"json://127.0.0.1:{port}/hooks/{TOKEN}", MESSAGE, timeout_seconds=2)
    assert result.outcome is Outcome.TRANSIENT
    assert TOKEN not in result.reason


@pytest.mark.parametrize(
    "url",
    [f"nosuchservice://{TOKEN}@host/", f"slack://{TOKEN}", "json://", "not a url at all"],
)
def test_a_url_apprise_refuses_is_a_permanent_failure(url):
    result = deliver(url, MESSAGE)
    assert result.outcome is Outcome.PERMANENT
    assert TOKEN not in result.reason


def test_the_reason_names_the_scheme_only():
    result = deliver(f"nosuchservice://{TOKEN}@host/", MESSAGE)
    assert result.reason.startswith("nosuchservice://***")


def test_no_log_line_holds_the_token(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("apprise", "urllib3", "urllib3.connectionpool"):
        caplog.set_level(logging.DEBUG, logger=name)  # as a function logging at DEBUG would
    receiver.status = 500
    deliver(receiver.url(), MESSAGE)
    deliver(f"slack://{TOKEN}/{TOKEN}/{TOKEN}", MESSAGE, timeout_seconds=1)
    assert any("Slack" in r.getMessage() for r in caplog.records), "the check must see them"
    assert not [r.getMessage() for r in caplog.records if TOKEN in r.getMessage()]


def test_importing_delivery_does_not_need_apprise():
    code = (
        "import sys, delivery, delivery.send, delivery.templates, delivery.hygiene;"
        "assert 'apprise' not in sys.modules, 'apprise imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class socket_without_listener:
    """A loopback port nothing listens on (bound, then closed)."""

    def __enter__(self):
        import socket

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        return self.port

    def __exit__(self, *exc):
        return False
