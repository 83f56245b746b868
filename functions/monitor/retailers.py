"""How politely, and how, each retailer's pages are read: the RETAILERS_JSON setting.

The Pulumi program writes the stack's retailer settings into the scraper's environment as
one JSON object, keyed by the catalog's `retailer` value (matched exactly):

    {"shop-a": {"spacing_seconds": 2.5, "respect_robots_txt": true,
                "rules": {"selector": ".price"}},
     "shop-b": {"fetch": "browser", "wait_for": ".price", "consent_selector": "#accept",
                "render_timeout_seconds": 20, "render_max_bytes": 3000000, "proxy": "eu"}}

Every key of a retailer is optional; a retailer that is not listed at all gets
DEFAULT_SPACING_SECONDS, respects robots.txt, has no extraction rules (the generic
extractors read its pages) and is fetched by http without a proxy. `fetch` is a
`contracts.fetch_modes.FetchMode`; `wait_for` and `consent_selector` are CSS selectors the
browser fetch waits for and clicks (Playwright parses them, so here they need only be
non-empty text); `render_timeout_seconds` and `render_max_bytes` cap one page's browser
fetch (the renderer's FETCH_TIMEOUT_SECONDS and MAX_PAGE_BYTES when unset); `proxy` names
one of the stack's proxies (`monitor.proxies`).

A malformed value is a broken deployment, not bad input, so it raises ConfigurationError
naming the setting and the problem, once, when the container reads its environment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from contracts.environment import (
    DEFAULT_SPACING_SECONDS,
    PROXY_SECRETS_JSON,
    RENDER_QUEUE_URL,
    RETAILERS_JSON,
    ConfigurationError,
)
from contracts.fetch_modes import DEFAULT_FETCH_MODE, FetchMode
from extraction.rules import InvalidRuleError, validate_rules

# SQS DelaySeconds cannot exceed 900: a wider spacing could not be honoured by the dispatcher.
MAX_SPACING_SECONDS = 900.0
_RETAILER_KEYS = (
    "spacing_seconds",
    "respect_robots_txt",
    "rules",
    "fetch",
    "wait_for",
    "consent_selector",
    "render_timeout_seconds",
    "render_max_bytes",
    "proxy",
)


@dataclass(frozen=True)
class RetailerPolicy:
    """The settings the dispatcher and the scraper apply to one retailer's products."""

    name: str
    spacing_seconds: float
    respect_robots_txt: bool
    rules: Mapping[str, str] | None
    fetch: FetchMode = DEFAULT_FETCH_MODE
    wait_for: str | None = None  # CSS selector the browser fetch waits for
    consent_selector: str | None = None  # CSS selector of a consent button to click
    render_timeout_seconds: float | None = None  # None: the renderer's fetch timeout
    render_max_bytes: int | None = None  # None: the renderer's page byte cap
    proxy: str | None = None  # the name of the stack proxy its fetches go through


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

    def browser_retailers(self) -> list[str]:
        """The configured retailers whose every page is rendered (`fetch: browser`)."""
        return sorted(name for name, p in self.policies.items() if p.fetch is FetchMode.BROWSER)

    def require_renderer(self, render_queue_url: str) -> None:
        """Raise ConfigurationError if a `fetch: browser` retailer has no render queue to go
        to: a broken deployment (the stack's config validation refuses it), found when the
        container reads its environment rather than at the first such job."""
        browser = self.browser_retailers()
        if browser and not render_queue_url.strip():
            raise ConfigurationError(
                RENDER_QUEUE_URL,
                f"is empty, but retailers {browser} are fetched by browser (fetch: browser)",
            )

    def require_proxies(self, proxy_names: Collection[str]) -> None:
        """Raise ConfigurationError if a retailer's `proxy` is not one of the stack's proxies
        (PROXY_SECRETS_JSON): found when the container starts, not at the retailer's first job."""
        missing = sorted(
            f"{policy.name}: {policy.proxy}"
            for policy in self.policies.values()
            if policy.proxy is not None and policy.proxy not in proxy_names
        )
        if missing:
            known = ", ".join(sorted(proxy_names)) or "none"
            raise ConfigurationError(
                PROXY_SECRETS_JSON, f"has no proxy for retailers {missing} (configured: {known})"
            )


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
    return RetailerPolicy(
        name,
        spacing,
        respect_robots_txt,
        rules,
        fetch=_fetch_mode(f"{setting}.fetch", settings.get("fetch")),
        wait_for=_optional_text(setting, settings, "wait_for"),
        consent_selector=_optional_text(setting, settings, "consent_selector"),
        render_timeout_seconds=_optional_positive(setting, settings, "render_timeout_seconds"),
        render_max_bytes=_optional_byte_count(setting, settings, "render_max_bytes"),
        proxy=_optional_text(setting, settings, "proxy"),
    )


def _fetch_mode(setting: str, value: Any) -> FetchMode:
    """A fetch mode's name; absent (or null) is the default, as for the other keys."""
    if value is None:
        return DEFAULT_FETCH_MODE
    try:
        return FetchMode(value)
    except ValueError:
        known = ", ".join(mode.value for mode in FetchMode)
        raise ConfigurationError(setting, f"{value!r} is not a fetch mode ({known})") from None


def _optional_text(setting: str, settings: Mapping[str, Any], key: str) -> str | None:
    """A selector or a name: absent (or null), else a string that is not blank."""
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{setting}.{key}", f"must be a non-empty string, not {value!r}")
    return value.strip()


def _optional_positive(setting: str, settings: Mapping[str, Any], key: str) -> float | None:
    """A number of seconds above zero, or None when absent."""
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{setting}.{key}", f"{value!r} is not a number of seconds")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{setting}.{key}", f"{value!r} is not above 0 seconds")
    return float(value)


def _optional_byte_count(setting: str, settings: Mapping[str, Any], key: str) -> int | None:
    """A whole number of bytes, at least 1, or None when absent."""
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{setting}.{key}", f"{value!r} is not a whole number of bytes")
    return value


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
