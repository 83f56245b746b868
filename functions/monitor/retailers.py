"""How politely, and how, each retailer's pages are read: the RETAILERS_JSON setting.

The Pulumi program writes the stack's retailer settings into the scraper's environment as
one JSON object, keyed by the catalog's `retailer` value (matched exactly):

    {"shop-a": {"spacing_seconds": 2.5, "respect_robots_txt": true,
                "rules": {"selector": ".price"}}}

Every key of a retailer is optional; a retailer that is not listed at all gets
DEFAULT_SPACING_SECONDS, respects robots.txt and has no extraction rules (the generic
extractors read its pages). A malformed value is a broken deployment, not bad input, so it
raises ConfigurationError naming the setting and the problem, once, when the container
reads its environment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from contracts.environment import DEFAULT_SPACING_SECONDS, RETAILERS_JSON, ConfigurationError
from extraction.rules import InvalidRuleError, validate_rules

# SQS DelaySeconds cannot exceed 900: a wider spacing could not be honoured by the dispatcher.
MAX_SPACING_SECONDS = 900.0
_RETAILER_KEYS = ("spacing_seconds", "respect_robots_txt", "rules")


@dataclass(frozen=True)
class RetailerPolicy:
    """The settings the dispatcher and the scraper apply to one retailer's products."""

    name: str
    spacing_seconds: float
    respect_robots_txt: bool
    rules: Mapping[str, str] | None


@dataclass(frozen=True)
class RetailerDirectory:
    """Every configured retailer's policy, and the default for the others."""

    default_spacing_seconds: float
    policies: Mapping[str, RetailerPolicy]

    @classmethod
    def from_environment_values(
        cls, retailers_json: str, default_spacing: float | str
    ) -> RetailerDirectory:
        """Parse RETAILERS_JSON and DEFAULT_SPACING_SECONDS (as text or as a number)."""
        default = _spacing(DEFAULT_SPACING_SECONDS, default_spacing)
        try:
            document = json.loads(retailers_json)
        except (TypeError, ValueError) as error:
            raise ConfigurationError(RETAILERS_JSON, f"is not JSON: {error}") from None
        if not isinstance(document, dict):
            raise ConfigurationError(RETAILERS_JSON, "must be a JSON object keyed by retailer")
        policies = {name: _policy(name, settings, default) for name, settings in document.items()}
        return cls(default, MappingProxyType(policies))

    def policy(self, retailer: str) -> RetailerPolicy:
        """The retailer's configured policy, or the default one if it is not configured."""
        configured = self.policies.get(retailer)
        if configured is not None:
            return configured
        return RetailerPolicy(retailer, self.default_spacing_seconds, True, None)


def _policy(name: str, settings: Any, default_spacing: float) -> RetailerPolicy:
    setting = f"{RETAILERS_JSON}[{name!r}]"
    if not name.strip():
        raise ConfigurationError(setting, "a retailer name must not be empty")
    if not isinstance(settings, dict):
        raise ConfigurationError(setting, "must be an object of retailer settings")
    unknown = sorted(set(settings) - set(_RETAILER_KEYS))
    if unknown:
        raise ConfigurationError(
            setting, f"unknown keys {unknown} (known keys: {', '.join(_RETAILER_KEYS)})"
        )
    spacing = default_spacing
    if "spacing_seconds" in settings:
        spacing = _spacing(f"{setting}.spacing_seconds", settings["spacing_seconds"])
    respect_robots_txt = settings.get("respect_robots_txt", True)
    if not isinstance(respect_robots_txt, bool):
        raise ConfigurationError(f"{setting}.respect_robots_txt", "must be true or false")
    rules = settings.get("rules")
    if rules is not None:
        try:
            validate_rules(rules)
        except InvalidRuleError as error:
            raise ConfigurationError(f"{setting}.rules", str(error)) from None
        rules = MappingProxyType(dict(rules))
    return RetailerPolicy(name, spacing, respect_robots_txt, rules)


def _spacing(setting: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigurationError(setting, f"{value!r} is not a number of seconds") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(setting, f"{value!r} is not a number of seconds")
    if not math.isfinite(value) or not 0 <= value <= MAX_SPACING_SECONDS:
        raise ConfigurationError(
            setting, f"{value!r} is not between 0 and {MAX_SPACING_SECONDS:g} seconds"
        )
    return float(value)
