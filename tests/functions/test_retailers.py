"""RETAILERS_JSON: each retailer's spacing, robots.txt choice and rules, or the defaults."""

from __future__ import annotations

import json

import pytest

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
