"""Channels: read from ALERT_CHANNELS_JSON with errors naming the field, and their filters."""

import contextlib
import json
from datetime import time
from decimal import Decimal

import pytest
from delivery_fixtures import alert
from hypothesis import given
from hypothesis import strategies as st
from untrusted_input import mutated

from contracts.environment import ConfigurationError
from delivery.channels import Channel, matches, parse_channels, redact_url, secret_names

SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def channels(*entries):
    return parse_channels(json.dumps(list(entries)))


def problem(*entries):
    with pytest.raises(ConfigurationError) as raised:
        channels(*entries)
    return raised.value


def test_a_full_channel_reads_every_field():
    (channel,) = channels(
        {
            "name": "team-slack",
            "secret": "price-monitor/slack",
            "kinds": ["price_drop", "new_low"],
            "retailers": ["acme"],
            "products": ["acme-kettle-1"],
            "min_change_percent": 12.5,
            "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
            "daily_cap": 20,
        }
    )
    assert channel.name == "team-slack"
    assert (channel.url, channel.secret) == (None, "price-monitor/slack")
    assert channel.kinds == {"price_drop", "new_low"}
    assert channel.min_change_percent == Decimal("12.5")
    assert channel.quiet_hours.start == time(22, 0)
    assert channel.quiet_hours.end == time(7, 0)
    assert channel.quiet_hours.timezone.key == "Europe/Berlin"
    assert channel.daily_cap == 20


def test_a_plain_url_channel_needs_no_filters():
    (channel,) = channels({"name": "hooks", "url": "json://127.0.0.1:8080/alerts"})
    assert channel == Channel(name="hooks", url="json://127.0.0.1:8080/alerts")
    assert matches(channel, alert(kind="anything_new"))


def test_no_channels_is_valid():
    assert parse_channels("[]") == ()


@pytest.mark.parametrize(
    ("entry", "setting"),
    [
        ({"url": "json://h/"}, "X[0].name"),
        ({"name": "Team Slack", "url": "json://h/"}, "X[0].name"),
        ({"name": "a"}, "X[0] (a).url"),
        ({"name": "a", "url": "json://h/", "secret": "s"}, "X[0] (a).url"),
        ({"name": "a", "url": "not a url"}, "X[0] (a).url"),
        ({"name": "a", "secret": " "}, "X[0] (a).secret"),
        ({"name": "a", "url": "json://h/", "kind": ["price_drop"]}, "X[0] (a).kind"),
        ({"name": "a", "url": "json://h/", "kinds": []}, "X[0] (a).kinds"),
        ({"name": "a", "url": "json://h/", "kinds": ["Price Drop"]}, "X[0] (a).kinds[0]"),
        ({"name": "a", "url": "json://h/", "retailers": [""]}, "X[0] (a).retailers[0]"),
        (
            {"name": "a", "url": "json://h/", "min_change_percent": "5"},
            "X[0] (a).min_change_percent",
        ),
        (
            {"name": "a", "url": "json://h/", "min_change_percent": -1},
            "X[0] (a).min_change_percent",
        ),
        ({"name": "a", "url": "json://h/", "daily_cap": 0}, "X[0] (a).daily_cap"),
        ({"name": "a", "url": "json://h/", "daily_cap": True}, "X[0] (a).daily_cap"),
        ({"name": "a", "url": "json://h/", "daily_cap": 2.5}, "X[0] (a).daily_cap"),
        ({"name": "a", "url": "json://h/", "quiet_hours": "22-07"}, "X[0] (a).quiet_hours"),
        (
            {"name": "a", "url": "json://h/", "quiet_hours": {"start": "24:00", "end": "07:00"}},
            "X[0] (a).quiet_hours.start",
        ),
        (
            {"name": "a", "url": "json://h/", "quiet_hours": {"start": "22:00", "end": "7:00"}},
            "X[0] (a).quiet_hours.end",
        ),
        (
            {"name": "a", "url": "json://h/", "quiet_hours": {"start": "22:00", "end": "07:00"}},
            "X[0] (a).quiet_hours.timezone",
        ),
        (
            {
                "name": "a",
                "url": "json://h/",
                "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berln"},
            },
            "X[0] (a).quiet_hours.timezone",
        ),
        (
            {
                "name": "a",
                "url": "json://h/",
                "quiet_hours": {"start": "22:00", "end": "22:00", "timezone": "UTC"},
            },
            "X[0] (a).quiet_hours",
        ),
    ],
)
def test_a_bad_field_is_named_in_the_error(entry, setting):
    with pytest.raises(ConfigurationError) as raised:
        parse_channels(json.dumps([entry]), setting="X")
    assert raised.value.setting == setting


def test_the_default_setting_is_the_environment_variable():
    assert problem({"name": "a"}).setting == "ALERT_CHANNELS_JSON[0] (a).url"


def test_two_channels_of_one_name_are_refused():
    error = problem({"name": "a", "url": "json://h/"}, {"name": "a", "url": "json://g/"})
    assert error.setting == "ALERT_CHANNELS_JSON[1].name"


@pytest.mark.parametrize("text", ["", "{", '{"name": "a"}', '[{"name": "a", "name": "b"}]'])
def test_a_value_that_is_not_a_list_of_objects_is_refused(text):
    with pytest.raises(ConfigurationError):
        parse_channels(text)


def test_a_url_with_a_password_must_be_a_secret():
    error = problem({"name": "mail", "url": "mailtos://me:hunter2@mail.example"})
    assert "secret" in error.problem
    assert "hunter2" not in str(error)


def test_no_error_quotes_the_url():
    # A token pasted into the wrong place must not reach the logs through the error.
    error = problem({"name": "a", "url": " " + SLACK_URL})
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in str(error)
    with pytest.raises(ConfigurationError) as raised:
        parse_channels('[{"name": "a", "url": "' + SLACK_URL + '"')  # truncated JSON
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in str(raised.value)


def test_the_redacted_url_shows_only_the_scheme():
    assert redact_url(SLACK_URL) == "slack://***"
    assert redact_url("no scheme at all") == "***"
    (channel,) = channels({"name": "slack", "url": SLACK_URL})
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in repr(channel)
    assert "slack://***" in repr(channel)


def test_secret_names_lists_each_secret_once():
    found = channels(
        {"name": "a", "secret": "s2"}, {"name": "b", "secret": "s1"}, {"name": "c", "secret": "s2"}
    )
    assert secret_names(found) == ("s1", "s2")


# --- filters ---------------------------------------------------------------------------


def test_kinds_filter_lets_only_its_kinds_through():
    channel = Channel(name="a", url="json://h/", kinds=frozenset({"price_drop", "new_low"}))
    assert matches(channel, alert(kind="new_low"))
    assert not matches(channel, alert(kind="back_in_stock"))


def test_retailers_and_products_filters_must_all_match():
    channel = Channel(
        name="a",
        url="json://h/",
        retailers=frozenset({"acme"}),
        products=frozenset({"acme-kettle-1"}),
    )
    assert matches(channel, alert())
    assert not matches(channel, alert(retailer="other"))
    assert not matches(channel, alert(product_id="acme-toaster"))


def test_min_change_percent_measures_the_move_either_way():
    channel = Channel(name="a", url="json://h/", min_change_percent=Decimal("10"))
    assert matches(channel, alert(change_percent=Decimal("10.00")))
    assert matches(channel, alert(kind="price_increase", change_percent=Decimal("-25")))
    assert not matches(channel, alert(change_percent=Decimal("9.99")))
    assert not matches(channel, alert(kind="price_increase", change_percent=Decimal("-3")))


def test_an_alert_without_a_change_passes_the_change_filter():
    channel = Channel(name="a", url="json://h/", min_change_percent=Decimal("10"))
    assert matches(channel, alert(kind="back_in_stock", old_price=None, change_percent=None))


_VALID = [
    {"name": "a", "url": "json://h/"},
    {
        "name": "b",
        "secret": "s",
        "kinds": ["price_drop"],
        "min_change_percent": 5,
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
        "daily_cap": 3,
    },
]


@given(mutated(json.dumps(_VALID)))
def test_any_mangled_configuration_parses_or_names_its_problem(text):
    try:
        found = parse_channels(text)
    except ConfigurationError as error:
        failure = error
    else:
        assert all(isinstance(channel, Channel) for channel in found)
        return
    assert failure.setting.startswith("ALERT_CHANNELS_JSON")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_any_json_value_parses_or_names_its_problem(value):
    with contextlib.suppress(ConfigurationError):
        parse_channels(json.dumps(value))


def test_a_summary_shows_everything_but_the_url_beyond_its_scheme():
    from delivery.channels import channel_summary

    plain, secret = parse_channels(
        json.dumps(
            [
                {
                    "name": "hook",
                    "url": "json://hooks.example/t0ken-in-path",
                    "kinds": ["price_drop", "new_low"],
                    "min_change_percent": 12.5,
                    "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
                    "daily_cap": 20,
                    "topics": ["ops", "alerts"],
                },
                {"name": "team", "secret": "price-monitor/slack"},
            ]
        )
    )
    summary = channel_summary(plain)
    assert "t0ken" not in json.dumps(summary)
    assert summary == {
        "name": "hook",
        "source": "json://***",
        "topics": ["alerts", "ops"],
        "kinds": ["new_low", "price_drop"],
        "retailers": None,
        "products": None,
        "min_change_percent": "12.5",
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
        "daily_cap": 20,
    }
    assert channel_summary(secret)["source"] == "secret price-monitor/slack"
    assert channel_summary(secret)["topics"] == ["alerts"]


@pytest.mark.parametrize(
    ("topics", "problem"),
    [(["sms"], "unknown topic 'sms'"), ([], "non-empty list"), ("ops", "non-empty list")],
)
def test_topics_are_alerts_or_ops(topics, problem):
    with pytest.raises(ConfigurationError, match=problem):
        parse_channels(json.dumps([{"name": "a", "url": "json://h/x", "topics": topics}]))


def test_a_daily_cap_beyond_the_stored_limit_is_refused():
    with pytest.raises(ConfigurationError, match="from 1 to 1000"):
        parse_channels(json.dumps([{"name": "a", "url": "json://h/x", "daily_cap": 1001}]))
