"""RETAILERS_JSON: each retailer's spacing, robots.txt choice and rules, or the defaults."""

from __future__ import annotations

import json

import pytest

from contracts.fetch_modes import FetchMode
from monitor.retailers import (
    MAX_SPACING_SECONDS,
    ConfigurationError,
    RetailerDirectory,
    RetailerPolicy,
)


def directory(retailers: object, default_spacing: float | str = 1.5) -> RetailerDirectory:
    return RetailerDirectory.from_environment_values(json.dumps(retailers), default_spacing)


def test_configured_retailer_gets_its_own_policy():
    retailers = directory(
        {
            "shop-a": {
                "spacing_seconds": 4,
                "respect_robots_txt": False,
                "rules": {"selector": ".price", "currency": "EUR"},
            }
        }
    )

    assert retailers.policy("shop-a") == RetailerPolicy(
        "shop-a", 4.0, False, {"selector": ".price", "currency": "EUR"}
    )


def test_unlisted_retailer_gets_the_default_spacing_robots_txt_and_no_rules():
    retailers = directory({"shop-a": {"spacing_seconds": 4}}, default_spacing=2.5)

    assert retailers.policy("shop-b") == RetailerPolicy("shop-b", 2.5, True, None)


def test_settings_a_retailer_leaves_out_take_the_defaults():
    retailers = directory({"shop-a": {}, "shop-b": {"rules": None}}, default_spacing="0.5")

    assert retailers.policy("shop-a") == RetailerPolicy("shop-a", 0.5, True, None)
    assert retailers.policy("shop-b") == RetailerPolicy("shop-b", 0.5, True, None)


def test_retailer_names_match_the_catalog_exactly():
    retailers = directory({"Shop-A": {"spacing_seconds": 9}})

    assert retailers.policy("shop-a").spacing_seconds == 1.5


def test_policy_rules_cannot_be_changed_through_the_policy():
    retailers = directory({"shop-a": {"rules": {"selector": ".price"}}})

    with pytest.raises(TypeError):
        retailers.policy("shop-a").rules["selector"] = ".other"  # type: ignore[index]


def test_empty_object_means_every_retailer_uses_the_defaults():
    assert directory({}).policy("any").spacing_seconds == 1.5


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2", "null}"])
def test_malformed_json_is_a_configuration_error(text):
    with pytest.raises(ConfigurationError) as raised:
        RetailerDirectory.from_environment_values(text, 1.0)

    assert raised.value.setting == "RETAILERS_JSON"
    assert "not JSON" in raised.value.problem


@pytest.mark.parametrize("document", [[], "shop-a", 3, None])
def test_json_that_is_not_an_object_is_a_configuration_error(document):
    with pytest.raises(ConfigurationError, match="JSON object keyed by retailer"):
        directory(document)


@pytest.mark.parametrize(
    ("retailers", "setting", "problem"),
    [
        ({"shop-a": 2}, "RETAILERS_JSON['shop-a']", "object of retailer settings"),
        ({" ": {}}, "RETAILERS_JSON[' ']", "must not be empty"),
        ({"shop-a": {"spacing": 2}}, "RETAILERS_JSON['shop-a']", "unknown keys ['spacing']"),
        (
            {"shop-a": {"spacing_seconds": "fast"}},
            "RETAILERS_JSON['shop-a'].spacing_seconds",
            "'fast' is not a number",
        ),
        (
            {"shop-a": {"spacing_seconds": True}},
            "RETAILERS_JSON['shop-a'].spacing_seconds",
            "True is not a number",
        ),
        (
            {"shop-a": {"spacing_seconds": [1]}},
            "RETAILERS_JSON['shop-a'].spacing_seconds",
            "not a number",
        ),
        (
            {"shop-a": {"spacing_seconds": -1}},
            "RETAILERS_JSON['shop-a'].spacing_seconds",
            "not between 0 and 900",
        ),
        (
            {"shop-a": {"spacing_seconds": 901}},
            "RETAILERS_JSON['shop-a'].spacing_seconds",
            "not between 0 and 900",
        ),
        (
            {"shop-a": {"respect_robots_txt": "no"}},
            "RETAILERS_JSON['shop-a'].respect_robots_txt",
            "true or false",
        ),
        (
            {"shop-a": {"rules": {"selector": ".price", "colour": "red"}}},
            "RETAILERS_JSON['shop-a'].rules",
            "'colour'",
        ),
        ({"shop-a": {"rules": ["selector"]}}, "RETAILERS_JSON['shop-a'].rules", "mapping"),
    ],
)
def test_malformed_retailer_setting_names_the_setting_and_the_problem(retailers, setting, problem):
    with pytest.raises(ConfigurationError) as raised:
        directory(retailers)

    assert raised.value.setting == setting
    assert problem in raised.value.problem
    assert str(raised.value).startswith(setting)


@pytest.mark.parametrize("spacing", ["soon", "nan", "inf", -0.5, MAX_SPACING_SECONDS + 1, None])
def test_malformed_default_spacing_is_a_configuration_error(spacing):
    with pytest.raises(ConfigurationError) as raised:
        RetailerDirectory.from_environment_values("{}", spacing)

    assert raised.value.setting == "DEFAULT_SPACING_SECONDS"


def test_spacing_at_the_sqs_delay_limit_is_accepted():
    retailers = directory({"shop-a": {"spacing_seconds": MAX_SPACING_SECONDS}}, default_spacing=0)

    assert retailers.policy("shop-a").spacing_seconds == 900.0
    assert retailers.policy("shop-b").spacing_seconds == 0.0


# --- fetch mode and the browser fetch's options ------------------------------------------


def test_a_retailer_is_fetched_by_http_without_a_proxy_unless_configured():
    policy = directory({"shop-a": {}}).policy("shop-a")

    assert policy.fetch is FetchMode.HTTP
    assert (policy.wait_for, policy.consent_selector, policy.proxy) == (None, None, None)
    assert (policy.render_timeout_seconds, policy.render_max_bytes) == (None, None)
    assert directory({}).policy("unlisted").fetch is FetchMode.HTTP
    assert directory({"shop-a": {"fetch": None}}).policy("shop-a").fetch is FetchMode.HTTP


def test_fetch_mode_and_browser_options_are_read():
    policy = directory(
        {
            "shop-js": {
                "fetch": "browser",
                "wait_for": " #price[data-ready] ",
                "consent_selector": "button:has-text('Accept')",
                "render_timeout_seconds": 20,
                "render_max_bytes": 3_000_000,
                "proxy": "eu-residential",
            }
        }
    ).policy("shop-js")

    assert policy.fetch is FetchMode.BROWSER
    assert policy.wait_for == "#price[data-ready]"
    assert policy.consent_selector == "button:has-text('Accept')"
    assert policy.render_timeout_seconds == 20.0
    assert policy.render_max_bytes == 3_000_000
    assert policy.proxy == "eu-residential"


@pytest.mark.parametrize(
    ("settings", "key", "problem"),
    [
        ({"fetch": "chrome"}, "fetch", "'chrome' is not a fetch mode (http, browser, auto)"),
        ({"fetch": "Browser"}, "fetch", "'Browser' is not a fetch mode"),
        ({"fetch": 1}, "fetch", "1 is not a fetch mode"),
        ({"wait_for": ""}, "wait_for", "non-empty string"),
        ({"wait_for": "  "}, "wait_for", "non-empty string"),
        ({"consent_selector": 3}, "consent_selector", "non-empty string"),
        ({"proxy": ""}, "proxy", "non-empty string"),
        ({"render_timeout_seconds": 0}, "render_timeout_seconds", "not above 0"),
        ({"render_timeout_seconds": "10"}, "render_timeout_seconds", "not a number"),
        ({"render_timeout_seconds": True}, "render_timeout_seconds", "not a number"),
        ({"render_max_bytes": 0}, "render_max_bytes", "whole number of bytes"),
        ({"render_max_bytes": 1.5}, "render_max_bytes", "whole number of bytes"),
    ],
)
def test_malformed_fetch_settings_name_their_key(settings, key, problem):
    with pytest.raises(ConfigurationError) as raised:
        directory({"shop-a": settings})

    assert raised.value.setting == f"RETAILERS_JSON['shop-a'].{key}"
    assert problem in raised.value.problem


def test_a_browser_retailer_needs_a_render_queue():
    retailers = directory({"shop-js": {"fetch": "browser"}, "shop-a": {"fetch": "auto"}})

    with pytest.raises(ConfigurationError) as raised:
        retailers.require_renderer("")

    assert raised.value.setting == "RENDER_QUEUE_URL"
    assert "['shop-js']" in raised.value.problem
    retailers.require_renderer("https://sqs.eu-west-1.amazonaws.com/1/render")


def test_a_retailers_proxy_must_be_one_of_the_stacks():
    retailers = directory({"shop-eu": {"proxy": "eu"}, "shop-us": {"proxy": "us"}, "shop": {}})

    with pytest.raises(ConfigurationError) as raised:
        retailers.require_proxies({"eu"})

    assert raised.value.setting == "PROXY_SECRETS_JSON"
    assert "['shop-us: us']" in raised.value.problem
    assert "(configured: eu)" in raised.value.problem
    retailers.require_proxies({"eu", "us"})  # does not raise


def test_auto_and_http_retailers_run_without_a_render_queue():
    retailers = directory({"shop-a": {"fetch": "auto"}, "shop-b": {}})

    retailers.require_renderer("")  # does not raise

    assert retailers.browser_retailers() == []
