"""The demo's set-up: a running retailer site and a catalog file of its products, and the
alert channels delivering to a webhook receiver."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

from delivery.channels import parse_channels
from delivery.send import Outcome, deliver
from delivery.templates import BodyFormat, RenderedMessage
from local_stack.demo import (
    BIG_DROP_PERCENT,
    CHAT_CHANNEL,
    CHAT_SECRET,
    JSON_CHANNEL,
    NTFY_CHANNEL,
    demo_channels,
    demo_overrides,
    demo_site,
    describe_cycle,
)
from local_stack.report import ChannelDelivery
from pricemon.catalog_file import read_catalog


def test_demo_site_writes_a_catalog_of_the_running_sites_pages_and_cleans_up():
    with demo_site() as (site, catalog_path):
        rows = read_catalog(catalog_path)
        with urllib.request.urlopen(rows[0].url, timeout=5) as response:
            first_page = response.status

        assert rows == site.sample_catalog()
        assert first_page == 200

    assert not catalog_path.exists()
    assert site.requests()[-1].path == "/jsonld-mart/kettle"


def test_cycle_description_names_each_due_notification_in_its_cycle():
    first, second = describe_cycle(0), describe_cycle(1)

    assert "kettle (jsonld-mart): 40.00 EUR, in stock; first sight, no notification" in first
    assert "kettle (jsonld-mart): 40.00 -> 34.00 EUR, in stock; price_drop" in second
    assert "grill (jsonld-mart): HTTP 404, recorded as failed" in second
    assert "standing-desk (meta-shop): a captcha page, recorded as blocked" in second
    assert "fryer (jsonld-mart): inactive in the catalog, never fetched" in second
    assert any(line.startswith("speaker (micro-store): HTTP 503 first, then") for line in second)
    assert "grinder (example-shop): 89.90 -> no price, out of stock; no notification" in second
    third = describe_cycle(2)
    assert "grinder (example-shop): no price -> 89.90 EUR, in stock; back_in_stock" in third


def test_the_demo_channels_are_valid_channels_one_filtered_one_from_a_secret_hearing_ops():
    with demo_channels() as channels:
        declared = channels.config()
        overrides = demo_overrides({}, browser=False, alert_channels=declared)
        host = channels.receiver.host_port

    by_name = {channel.name: channel for channel in parse_channels(json.dumps(declared))}
    assert list(by_name) == [JSON_CHANNEL, CHAT_CHANNEL, NTFY_CHANNEL]
    assert by_name[JSON_CHANNEL].url == f"json://{host}/hooks/demo-json"
    assert (by_name[CHAT_CHANNEL].secret, by_name[CHAT_CHANNEL].url) == (CHAT_SECRET, None)
    assert by_name[CHAT_CHANNEL].topics == {"alerts", "ops"}
    assert by_name[NTFY_CHANNEL].url == f"ntfy://{host}/price-drops"
    assert by_name[NTFY_CHANNEL].kinds == {"price_drop"}
    assert by_name[NTFY_CHANNEL].min_change_percent == BIG_DROP_PERCENT
    assert overrides["alertChannels"] == declared
    assert "alertChannels" not in demo_overrides({}, browser=False)


def test_each_channels_deliveries_carry_the_title_and_latency_from_the_alerts_observation():
    observed = datetime(2026, 12, 2, 21, 0, 0, 500000, tzinfo=UTC)
    alert = {"product_id": "kettle", "observed_at": "2026-12-02T21:00:00.500Z"}
    message = RenderedMessage(
        "Price drop: Steel kettle", "Cheaper.\nSeen at x (product kettle).\n", BodyFormat.TEXT
    )
    with demo_channels() as channels:
        for url in (channels.receiver.json_url(), channels.chat_url):
            assert deliver(url, message).outcome is Outcome.DELIVERED
        deliveries = channels.deliveries([json.dumps(alert)])
        arrivals = [post.arrived_at for post in channels.receiver.posts]
        lines = channels.lines(deliveries)

    title, since = "Price drop: Steel kettle", observed.timestamp()
    assert deliveries == [
        ChannelDelivery(JSON_CHANNEL, title, "kettle", arrivals[0] - since),
        ChannelDelivery(CHAT_CHANNEL, title, "kettle", arrivals[1] - since),
    ]
    assert lines[1] == "  demo-json (json://, every alert): 1 notification"
    assert lines[2].endswith(" s  Price drop: Steel kettle")
    assert lines[-1] == "  big-drops (ntfy://, price drops of 15 % or more): 0 notifications"
    assert channels.token not in "\n".join(lines)
