"""The environment variables each Lambda function reads, and how they are parsed.

The Pulumi program (price_monitor/compute.py) sets exactly these variables on each
Function, by these names, and the handlers read their configuration only through `load`,
so the two cannot drift apart: a test proves that every variable a handler reads is
declared, and that every declared variable is read. A value a function cannot use is a
broken deployment, not bad input: parsing raises ConfigurationError naming the variable,
once, when the container reads its environment.

Parsed here: the scraper's (and renderer's) fetch and recording settings (`ScrapeSettings`)
and the detector's settings (`DetectionSettings`). Parsed where their rules live:
RETAILERS_JSON and DEFAULT_SPACING_SECONDS by `monitor.retailers` (a retailer's extraction
rules are checked by `extraction`), PROXY_SECRETS_JSON by `monitor.proxies`,
ALERT_CHANNELS_JSON by `contracts.alert_channels`. This module is imported by the Pulumi program
as `contracts.environment`, so it stays standard library only (and
`contracts.catalog_rules`, which is too).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import TypeVar

from contracts import catalog_rules

# Read by Powertools itself (logging, metrics) in every function.
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
POWERTOOLS = (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL)

# The scraper's: where it reads and writes,
PRODUCTS_TABLE = "PRODUCTS_TABLE"
PRICES_TABLE = "PRICES_TABLE"
RUNS_TABLE = "RUNS_TABLE"
ARCHIVE_BUCKET = "ARCHIVE_BUCKET"
SCRAPE_QUEUE_URL = "SCRAPE_QUEUE_URL"
# each retailer's politeness and extraction rules (monitor.retailers),
RETAILERS_JSON = "RETAILERS_JSON"
DEFAULT_SPACING_SECONDS = "DEFAULT_SPACING_SECONDS"
# and how it fetches and records (ScrapeSettings).
USER_AGENT_CONTACT = "USER_AGENT_CONTACT"
ALLOWED_HOSTS = "ALLOWED_HOSTS"  # comma-separated
FETCH_TIMEOUT_SECONDS = "FETCH_TIMEOUT_SECONDS"
MAX_PAGE_BYTES = "MAX_PAGE_BYTES"
FETCH_CONCURRENCY = "FETCH_CONCURRENCY"
MIN_HEURISTIC_CONFIDENCE = "MIN_HEURISTIC_CONFIDENCE"
HISTORY_RETENTION_DAYS = "HISTORY_RETENTION_DAYS"
REPEATED_FAILURE_THRESHOLD = "REPEATED_FAILURE_THRESHOLD"
EXTRACTION_BUDGET_SECONDS = "EXTRACTION_BUDGET_SECONDS"
# Where browser jobs go (the render queue: jobs of `fetch: browser` retailers, and of `auto`
# ones whose http answer needs a browser); empty when the stack has no renderer.
RENDER_QUEUE_URL = "RENDER_QUEUE_URL"
# Each proxy's Secrets Manager secret (name or ARN) holding its URL: {"<proxy name>": "<id>"}.
PROXY_SECRETS_JSON = "PROXY_SECRETS_JSON"

SCRAPER = (
    *POWERTOOLS,
    PRODUCTS_TABLE,
    PRICES_TABLE,
    RUNS_TABLE,
    ARCHIVE_BUCKET,
    SCRAPE_QUEUE_URL,
    HISTORY_RETENTION_DAYS,
    RETAILERS_JSON,
    DEFAULT_SPACING_SECONDS,
    USER_AGENT_CONTACT,
    ALLOWED_HOSTS,
    FETCH_TIMEOUT_SECONDS,
    MAX_PAGE_BYTES,
    FETCH_CONCURRENCY,
    MIN_HEURISTIC_CONFIDENCE,
    REPEATED_FAILURE_THRESHOLD,
    EXTRACTION_BUDGET_SECONDS,
    RENDER_QUEUE_URL,
    PROXY_SECRETS_JSON,
)
# The renderer runs the scraper's code with a browser fetch, so it reads the same variables;
# the program sets its fetch caps (FETCH_TIMEOUT_SECONDS, MAX_PAGE_BYTES, FETCH_CONCURRENCY)
# from the renderer's settings, and SCRAPE_QUEUE_URL to the render queue, whose jobs it takes
# and returns.
RENDERER = SCRAPER

# The detector's.
ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
DEFAULT_DROP_THRESHOLD_PERCENT = "DEFAULT_DROP_THRESHOLD_PERCENT"
# The opt-in alert rules: the kinds on for every product (a JSON list of
# catalog_rules.OPT_IN_ALERT_KINDS names, "[]" for none), the defaults of the products' own
# numbers, and the history table `new_low` reads the recent low from (PRICES_TABLE).
ALERT_KINDS_JSON = "ALERT_KINDS_JSON"
DEFAULT_INCREASE_THRESHOLD_PERCENT = "DEFAULT_INCREASE_THRESHOLD_PERCENT"
DEFAULT_NEW_LOW_DAYS = "DEFAULT_NEW_LOW_DAYS"

DETECTOR = (
    *POWERTOOLS,
    ALERTS_TOPIC_ARN,
    IDEMPOTENCY_TABLE,
    DEFAULT_DROP_THRESHOLD_PERCENT,
    PRICES_TABLE,
    ALERT_KINDS_JSON,
    DEFAULT_INCREASE_THRESHOLD_PERCENT,
    DEFAULT_NEW_LOW_DAYS,
)

# The notifier's: its channels (a JSON list, parsed by `delivery.channels`), where it
# remembers each delivery made (IDEMPOTENCY_TABLE, keys of their own prefix) and each
# channel's daily cap and held digest (CHANNEL_STATE_TABLE), and the queue it puts its own
# later work on (deferred and retried deliveries, digests: NOTIFY_QUEUE_URL) or gives up
# on, with the reason (NOTIFY_DLQ_URL).
ALERT_CHANNELS_JSON = "ALERT_CHANNELS_JSON"
CHANNEL_STATE_TABLE = "CHANNEL_STATE_TABLE"
NOTIFY_QUEUE_URL = "NOTIFY_QUEUE_URL"
NOTIFY_DLQ_URL = "NOTIFY_DLQ_URL"

NOTIFIER = (
    *POWERTOOLS,
    ALERT_CHANNELS_JSON,
    IDEMPOTENCY_TABLE,
    CHANNEL_STATE_TABLE,
    NOTIFY_QUEUE_URL,
    NOTIFY_DLQ_URL,
)

# The renderer's (rendering.browser): where its Chromium is (Playwright's bundled one in the
# container image; Debian's /usr/bin/chromium when unset). Optional, so in no function's list.
CHROMIUM_PATH = "CHROMIUM_PATH"

BY_FUNCTION: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"scraper": SCRAPER, "renderer": RENDERER, "detector": DETECTOR, "notifier": NOTIFIER}
)


class MissingEnvironmentError(RuntimeError):
    """A variable the function needs is not set: the deployment is broken, not the input."""

    def __init__(self, function: str, name: str) -> None:
        super().__init__(f"{function}: environment variable {name} is not set")
        self.function = function
        self.name = name


class ConfigurationError(ValueError):
    """A setting of the deployment is malformed: which setting, and what is wrong."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


def load(function: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The declared variables of `function`, all present, read once per container."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for name in BY_FUNCTION[function]:
        if name not in environ:
            raise MissingEnvironmentError(function, name)
        values[name] = environ[name]
    return values


@dataclass(frozen=True)
class ScrapeSettings:
    """The scraper's fetch and recording settings, from its environment."""

    allowed_hosts: tuple[str, ...]
    fetch_timeout_seconds: float
    max_page_bytes: int
    fetch_concurrency: int
    contact_url: str
    min_heuristic_confidence: float
    history_retention_days: int
    repeated_failure_threshold: int
    extraction_budget_seconds: float
    # Where jobs that need a browser go (the render queue); "" when the stack has no renderer.
    render_queue_url: str = ""

    @classmethod
    def from_environment(cls, values: Mapping[str, str]) -> ScrapeSettings:
        """Read the settings from the scraper's (or the renderer's) variables
        (`load("scraper")`, `load("renderer")`)."""
        hosts = tuple(h.strip() for h in values[ALLOWED_HOSTS].split(",") if h.strip())
        return cls(
            allowed_hosts=hosts,
            fetch_timeout_seconds=_number(values, FETCH_TIMEOUT_SECONDS, float, low=0.1),
            max_page_bytes=_number(values, MAX_PAGE_BYTES, int, low=1),
            fetch_concurrency=_number(values, FETCH_CONCURRENCY, int, low=1),
            contact_url=values[USER_AGENT_CONTACT].strip(),
            min_heuristic_confidence=_number(
                values, MIN_HEURISTIC_CONFIDENCE, float, low=0.0, high=1.0
            ),
            history_retention_days=_number(values, HISTORY_RETENTION_DAYS, int, low=1),
            repeated_failure_threshold=_number(values, REPEATED_FAILURE_THRESHOLD, int, low=1),
            extraction_budget_seconds=_number(
                values, EXTRACTION_BUDGET_SECONDS, float, low=0.0, above_low=True
            ),
            render_queue_url=values[RENDER_QUEUE_URL].strip(),
        )


@dataclass(frozen=True)
class DetectionSettings:
    """Where the detector publishes and remembers what it published, its default
    price-drop threshold and the stack's opt-in alert rules, from its environment."""

    alerts_topic_arn: str
    idempotency_table: str
    default_drop_threshold_percent: Decimal
    prices_table: str
    alert_kinds: tuple[str, ...]  # opt-in kinds on for every product, in catalog_rules order
    default_increase_threshold_percent: Decimal
    default_new_low_days: int

    @classmethod
    def from_environment(cls, values: Mapping[str, str]) -> DetectionSettings:
        """Read the settings from the detector's variables (`load("detector")`)."""
        return cls(
            alerts_topic_arn=_not_empty(values, ALERTS_TOPIC_ARN),
            idempotency_table=_not_empty(values, IDEMPOTENCY_TABLE),
            default_drop_threshold_percent=_percentage(values, DEFAULT_DROP_THRESHOLD_PERCENT),
            prices_table=_not_empty(values, PRICES_TABLE),
            alert_kinds=_alert_kinds(values, ALERT_KINDS_JSON),
            default_increase_threshold_percent=_percentage(
                values,
                DEFAULT_INCREASE_THRESHOLD_PERCENT,
                high=catalog_rules.MAX_INCREASE_THRESHOLD_PERCENT,
                above_zero=True,
            ),
            default_new_low_days=_number(
                values,
                DEFAULT_NEW_LOW_DAYS,
                int,
                low=catalog_rules.NEW_LOW_DAYS.start,
                high=catalog_rules.NEW_LOW_DAYS[-1],
            ),
        )


def _not_empty(values: Mapping[str, str], name: str) -> str:
    """The value as set, unless it is blank."""
    if not values[name].strip():
        raise ConfigurationError(name, "is empty")
    return values[name]


def _percentage(
    values: Mapping[str, str], name: str, *, high: int = 100, above_zero: bool = False
) -> Decimal:
    """A percentage from 0 (or above it) to `high`, exactly as written (a Decimal, as prices
    are)."""
    raw = values[name]
    try:
        percent = Decimal(raw.strip())
    except InvalidOperation:
        raise ConfigurationError(name, f"is not a number: {raw!r}") from None
    # is_finite first: comparing a NaN Decimal raises.
    if not percent.is_finite() or not (
        (percent > 0 if above_zero else percent >= 0) and percent <= high
    ):
        bounds = f"above 0 to {high}" if above_zero else f"from 0 to {high}"
        raise ConfigurationError(name, f"is not a percentage {bounds}: {raw!r}")
    return percent


def _alert_kinds(values: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A JSON list of opt-in alert kinds, in catalog_rules order."""
    raw = values[name]
    try:
        kinds = json.loads(raw)
    except ValueError:
        raise ConfigurationError(name, f"is not JSON: {raw!r}") from None
    if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
        raise ConfigurationError(name, f"is not a JSON list of alert kinds: {raw!r}")
    for kind in kinds:
        problem = catalog_rules.alert_kind_problem(kind)
        if problem is not None:
            raise ConfigurationError(name, problem)
    return tuple(kind for kind in catalog_rules.OPT_IN_ALERT_KINDS if kind in kinds)


_Number = TypeVar("_Number", int, float)


def _number(
    values: Mapping[str, str],
    name: str,
    kind: type[_Number],
    *,
    low: float,
    high: float | None = None,
    above_low: bool = False,
) -> _Number:
    """A numeric setting within its bounds, else ConfigurationError naming it."""
    text = values[name].strip()
    try:
        number = kind(text)
    except ValueError:
        noun = "whole number" if kind is int else "number"
        raise ConfigurationError(name, f"{text!r} is not a {noun}") from None
    too_low = number <= low if above_low else number < low
    if not math.isfinite(number) or too_low or (high is not None and number > high):
        bounds = f"{'above' if above_low else 'at least'} {low:g}"
        if high is not None:
            bounds = f"between {low:g} and {high:g}"
        raise ConfigurationError(name, f"{text!r} is not {bounds}")
    return number
