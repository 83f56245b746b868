"""Typed stack settings: read once from the stack's config, validated, with defaults.

`load_settings()` reads the stack's `price-monitor:*` keys and `aws:region`;
`settings_from_config()` does the validating and building, without Pulumi, so it is testable
on its own. Values may come as the Pulumi CLI hands them to the program (every scalar a
string, every object or list a JSON string) or as plain Python values. A bad value raises
`ConfigError` naming the key, as written in the stack file, and the problem.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pulumi

from contracts import catalog_rules
from contracts.alert_channels import Channel, parse_channels
from contracts.catalog_rules import RETAILER_NAME
from contracts.environment import ConfigurationError
from contracts.fetch_modes import DEFAULT_FETCH_MODE, FetchMode
from contracts.retailer_rules import RULE_KEYS, is_jmespath_expression
from contracts.schedule import InvalidScheduleError, parse_schedule, schedule_period_seconds

PROJECT = "price-monitor"  # the config namespace: Pulumi.yaml's project name

# The AWS-published Powertools for AWS Lambda (Python) v3 layer for the functions' runtime
# and architecture (python3.12, arm64); only its version comes from the stack config.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python312-arm64"

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
# fmt: off
LOG_RETENTION_DAYS = frozenset((
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
))
# fmt: on

_SUFFIX_MAX_LENGTH = 20  # keeps suffixed names within AWS limits (S3 buckets: 63 characters)
_SUFFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64})"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_PROXY_NAME = RETAILER_NAME  # the same form as a retailer name
# A Secrets Manager secret as GetSecretValue takes it: its name (the characters AWS allows,
# at most 512), or its full ARN (which ends with the 6 random characters AWS appends).
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
_SECRET_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:secret:"
    r"[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}"
)
# Lambda allows 4 KB of variables per function in all: the channels' JSON may take 3 KB,
# which leaves the notifier's other variables (names, queue URLs, about 600 bytes) room.
ALERT_CHANNELS_MAX_BYTES = 3072
# A CSS selector goes to the browser as it is; only its shape is checked here.
_SELECTOR_MAX_LENGTH = 500
_CONTACT = (
    "an http(s) URL or a mailto: address where site owners can reach you "
    "(it goes into the scraper's User-Agent)"
)


@dataclass(frozen=True)
class RetailerSettings:
    """How politely, and how, one retailer's pages are read."""

    name: str
    spacing_seconds: float = 1.0
    respect_robots_txt: bool = True
    rules: Mapping[str, str] | None = None  # extraction rules, see functions/extraction/rules.py
    fetch: FetchMode = DEFAULT_FETCH_MODE
    # Browser fetches only (fetch browser or auto): a selector the page must show before it
    # is read, a consent button to click first, and per-page caps (None: the renderer's).
    wait_for: str | None = None
    consent_selector: str | None = None
    render_timeout_seconds: float | None = None
    render_max_bytes: int | None = None
    proxy: str | None = None  # a key of Settings.proxies: this retailer's egress


@dataclass(frozen=True)
class ProxySettings:
    """A forward proxy whose URL (credentials included) is the value of a secret.

    Only the secret's id is configuration; the URL is read by the functions at run time.
    """

    name: str
    secret: str  # a Secrets Manager secret name, or its full ARN

    @property
    def secret_is_arn(self) -> bool:
        return self.secret.startswith("arn:")


@dataclass(frozen=True)
class ScraperSettings:
    timeout_seconds: int = 120
    memory_mb: int = 512
    max_concurrency: int = 5  # SQS event source maximum concurrency (2..1000)
    batch_size: int = 10
    batching_window_seconds: int = 5
    fetch_timeout_seconds: float = 15.0
    max_page_bytes: int = 3_000_000
    fetch_concurrency: int = 10
    min_heuristic_confidence: float = 0.6
    # CPU seconds one page's price extraction may spend before that product is recorded as
    # an error ("extraction too slow") and the batch goes on.
    extraction_budget_seconds: float = 2.0


@dataclass(frozen=True)
class RendererSettings:
    """The renderer function (headless Chromium) and its render queue's event source."""

    memory_mb: int = 2048
    timeout_seconds: int = 120
    max_concurrency: int = 2  # SQS event source maximum concurrency (2..1000)
    batch_size: int = 5
    batching_window_seconds: int = 5
    page_timeout_seconds: float = 30.0  # default per-page cap (retailers' renderTimeoutSeconds)
    max_page_bytes: int = 5_000_000  # default per-page cap (retailers' renderMaxBytes)
    fetch_concurrency: int = 2


@dataclass(frozen=True)
class DetectorSettings:
    timeout_seconds: int = 30
    memory_mb: int = 256
    batch_size: int = 100
    maximum_retry_attempts: int = 5
    maximum_record_age_seconds: int = 6 * 3600


@dataclass(frozen=True)
class NotifierSettings:
    """The notifier function (alert channels only) and its notify queue's event source."""

    timeout_seconds: int = 60
    memory_mb: int = 256
    batch_size: int = 10
    batching_window_seconds: int = 0
    max_concurrency: int = 2  # SQS event source maximum concurrency (2..1000)


@dataclass(frozen=True)
class Settings:
    environment_suffix: str
    region: str
    schedule_expression: str = "rate(6 hours)"
    schedule_flexible_window_minutes: int = 15  # 0: the scheduler's flexible window is off
    drop_threshold_percent: float = 10.0
    # The opt-in alert rules on for every product (catalog_rules.OPT_IN_ALERT_KINDS), and the
    # defaults of the products' own price_increase and new_low numbers.
    alert_kinds: tuple[str, ...] = ()
    increase_threshold_percent: float = 10.0
    new_low_days: int = 30
    history_retention_days: int = 90
    log_retention_days: int = 30
    alert_emails: tuple[str, ...] = ()
    ops_emails: tuple[str, ...] = ()
    deletion_protection: bool = False
    # X-Ray active tracing of both functions. Off by default: the code is not instrumented,
    # so traces show little beyond the REPORT lines and metrics, and they cost (bench/).
    tracing: bool = False
    scraper: ScraperSettings = field(default_factory=ScraperSettings)
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    renderer: RendererSettings = field(default_factory=RendererSettings)
    powertools_layer_version: int = 0  # 0: set a real version in the stack config
    user_agent_contact: str = ""
    default_spacing_seconds: float = 1.0
    retailers: tuple[RetailerSettings, ...] = ()
    repeated_failure_threshold: int = 3
    # Hosts the fetcher may reach despite private addresses: empty on AWS, the local
    # retailer site on the local stack.
    allowed_hosts: tuple[str, ...] = ()
    proxies: tuple[ProxySettings, ...] = ()
    # Where alerts go besides the topics' email subscribers (contracts.alert_channels), and the
    # same as ALERT_CHANNELS_JSON: compact, keys sorted, so the same channels give the same
    # environment.
    alert_channels: tuple[Channel, ...] = ()
    alert_channels_json: str = "[]"
    notifier: NotifierSettings = field(default_factory=NotifierSettings)

    @property
    def needs_notifier(self) -> bool:
        """Whether some alert channel is configured: only then does the stack declare the
        notifier, its queues, subscriptions and channel-state table."""
        return bool(self.alert_channels)

    @property
    def needs_renderer(self) -> bool:
        """Whether some retailer is fetched by a browser (fetch browser or auto).

        Only then does the stack declare the renderer (its image is built with Docker), so a
        stack without browser retailers deploys without Docker.
        """
        return any(retailer.fetch.needs_renderer for retailer in self.retailers)

    @property
    def schedule_period_seconds(self) -> int:
        """Seconds between two scheduled runs, for alarm periods (a day for cron and at())."""
        return schedule_period_seconds(self.schedule_expression)

    @property
    def powertools_layer_arn(self) -> str:
        """The AWS-published Powertools layer version the functions run with, in this region."""
        return (
            f"arn:aws:lambda:{self.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{POWERTOOLS_LAYER_NAME}:{self.powertools_layer_version}"
        )


class ConfigError(ValueError, pulumi.RunError):
    """A stack setting that is missing, unknown or invalid: which key, and what is wrong.

    A RunError too, so `pulumi up` stops with this message instead of a traceback.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def load_settings() -> Settings:
    """The current stack's settings; raises ConfigError for a bad or unknown key."""
    config = pulumi.Config(PROJECT)
    values = {name: config.get(name) for name in _stack_key_names()}
    return settings_from_config(values, pulumi.Config("aws").get("region"))


def settings_from_config(values: Mapping[str, Any], region: str | None) -> Settings:
    """Validate the `price-monitor:*` values (keys without the namespace) and build Settings."""
    top = _Fields(values, f"{PROJECT}:", _TOP_KEYS)
    suffix, region = _suffix(top), _region(region)
    defaults = Settings(environment_suffix=suffix, region=region)
    schedule = top.text("scheduleExpression", defaults.schedule_expression)
    try:
        period = parse_schedule(schedule).period_seconds
    except InvalidScheduleError as error:
        raise ConfigError(top.key("scheduleExpression"), error.problem) from None
    window = top.integer(
        "scheduleFlexibleWindowMinutes", defaults.schedule_flexible_window_minutes, 0, 1440
    )
    if period is not None and window * 60 >= period:
        raise ConfigError(
            top.key("scheduleFlexibleWindowMinutes"),
            f"must be shorter than the schedule's period ({schedule}), got {window}",
        )
    default_spacing = top.number("defaultSpacingSeconds", defaults.default_spacing_seconds, 0, 900)
    renderer = _renderer(top.nested("renderer", _RENDERER_KEYS))
    proxies = _proxies(top)
    alert_channels, alert_channels_json = _alert_channels(top)
    return Settings(
        environment_suffix=suffix,
        region=region,
        schedule_expression=schedule,
        schedule_flexible_window_minutes=window,
        drop_threshold_percent=top.number(
            "dropThresholdPercent", defaults.drop_threshold_percent, 0, 100, above_low=True
        ),
        alert_kinds=_alert_kinds(top),
        increase_threshold_percent=top.number(
            "increaseThresholdPercent",
            defaults.increase_threshold_percent,
            0,
            catalog_rules.MAX_INCREASE_THRESHOLD_PERCENT,
            above_low=True,
        ),
        new_low_days=top.integer(
            "newLowDays",
            defaults.new_low_days,
            catalog_rules.NEW_LOW_DAYS.start,
            catalog_rules.NEW_LOW_DAYS.stop - 1,
        ),
        history_retention_days=top.integer(
            "historyRetentionDays", defaults.history_retention_days, 1
        ),
        log_retention_days=_log_retention(top, defaults.log_retention_days),
        alert_emails=_emails(top, "alertEmails"),
        ops_emails=_emails(top, "opsEmails"),
        deletion_protection=top.boolean("deletionProtection", defaults.deletion_protection),
        tracing=top.boolean("tracing", defaults.tracing),
        scraper=_scraper(top.nested("scraper", _SCRAPER_KEYS)),
        detector=_detector(top.nested("detector", _DETECTOR_KEYS)),
        renderer=renderer,
        powertools_layer_version=top.integer("powertoolsLayerVersion", None, 1),
        user_agent_contact=_user_agent_contact(top),
        default_spacing_seconds=default_spacing,
        retailers=_retailers(top, default_spacing, renderer, {proxy.name for proxy in proxies}),
        repeated_failure_threshold=top.integer(
            "repeatedFailureThreshold", defaults.repeated_failure_threshold, 1, 1000
        ),
        allowed_hosts=_allowed_hosts(top),
        proxies=proxies,
        alert_channels=alert_channels,
        alert_channels_json=alert_channels_json,
        notifier=_notifier(top.nested("notifier", _NOTIFIER_KEYS)),
    )


_TOP_KEYS = (
    "environmentSuffix",
    "scheduleExpression",
    "scheduleFlexibleWindowMinutes",
    "dropThresholdPercent",
    "alertKinds",
    "increaseThresholdPercent",
    "newLowDays",
    "historyRetentionDays",
    "logRetentionDays",
    "alertEmails",
    "opsEmails",
    "deletionProtection",
    "tracing",
    "scraper",
    "detector",
    "powertoolsLayerVersion",
    "userAgentContact",
    "defaultSpacingSeconds",
    "repeatedFailureThreshold",
    "retailers",
    "allowedHosts",
    "renderer",
    "proxies",
    "alertChannels",
    "notifier",
)
_SCRAPER_KEYS = (
    "timeoutSeconds",
    "memoryMb",
    "maxConcurrency",
    "batchSize",
    "batchingWindowSeconds",
    "fetchTimeoutSeconds",
    "maxPageBytes",
    "fetchConcurrency",
    "minHeuristicConfidence",
    "extractionBudgetSeconds",
)
_DETECTOR_KEYS = (
    "timeoutSeconds",
    "memoryMb",
    "batchSize",
    "maximumRetryAttempts",
    "maximumRecordAgeSeconds",
)
_RENDERER_KEYS = (
    "memoryMb",
    "timeoutSeconds",
    "maxConcurrency",
    "batchSize",
    "batchingWindowSeconds",
    "pageTimeoutSeconds",
    "maxPageBytes",
    "fetchConcurrency",
)
_NOTIFIER_KEYS = (
    "timeoutSeconds",
    "memoryMb",
    "batchSize",
    "batchingWindowSeconds",
    "maxConcurrency",
)
_RETAILER_KEYS = (
    "spacingSeconds",
    "respectRobotsTxt",
    "rules",
    "fetch",
    "waitFor",
    "consentSelector",
    "renderTimeoutSeconds",
    "renderMaxBytes",
    "proxy",
)
# What only a browser fetch uses: refused on an http retailer, where it would do nothing.
_BROWSER_ONLY_KEYS = ("waitFor", "consentSelector", "renderTimeoutSeconds", "renderMaxBytes")
_PROXY_KEYS = ("secret",)


class _Fields:
    """Typed reads of one config object, every problem a ConfigError with the full key."""

    def __init__(self, values: Mapping[str, Any], prefix: str, known: Iterable[str]) -> None:
        self.values = values
        self.prefix = prefix
        for name in values:
            if name not in known:
                raise ConfigError(self.key(name), _unknown_key_problem(name, known))

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def integer(self, name: str, default: int | None, low: int, high: int | None = None) -> int:
        raw = self.raw(name)
        expected = (
            f"a whole number from {low} to {high}"
            if high is not None
            else f"a whole number of at least {low}"
        )
        if raw is None:
            if default is None:
                raise ConfigError(self.key(name), f"must be set ({expected})")
            return default
        value = _to_int(raw)
        if value is None or value < low or (high is not None and value > high):
            raise ConfigError(self.key(name), f"must be {expected}, {_got(raw)}")
        return value

    def number(
        self, name: str, default: float, low: float, high: float, *, above_low: bool = False
    ) -> float:
        raw = self.raw(name)
        if raw is None:
            return default
        value = _to_float(raw)
        too_low = value is not None and (value <= low if above_low else value < low)
        if value is None or too_low or value > high:
            expected = (
                f"a number above {low:g} and at most {high:g}"
                if above_low
                else f"a number from {low:g} to {high:g}"
            )
            raise ConfigError(self.key(name), f"must be {expected}, {_got(raw)}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.raw(name)
        if raw is None:
            return default
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ConfigError(self.key(name), f"must be true or false, {_got(raw)}")

    def text(self, name: str, default: str | None, hint: str = "") -> str:
        raw = self.raw(name)
        if raw is None:
            if default is None:
                raise ConfigError(self.key(name), f"must be set{hint}")
            return default
        if not isinstance(raw, str):
            raise ConfigError(self.key(name), f"must be a string, {_got(raw)}")
        return raw

    def mapping(self, name: str) -> Mapping[str, Any]:
        """An object given as a mapping or as a JSON object string; {} when unset."""
        raw = self.raw(name)
        return {} if raw is None else _as_mapping(raw, self.key(name))

    def nested(self, name: str, known: Iterable[str]) -> _Fields:
        return _Fields(self.mapping(name), f"{self.key(name)}.", known)

    def strings(self, name: str) -> tuple[str, ...]:
        """A list given as a list, a JSON list string or a comma-separated string."""
        raw = self.raw(name)
        if raw is None:
            return ()
        value = _json_or_raw(raw)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(self.key(name), f"must be a list of strings, {_got(raw)}")
        return tuple(value)


def _stack_key_names() -> list[str]:
    """Every `price-monitor:*` key the stack sets, without the namespace.

    pulumi.Config only answers for keys it is asked about, so the full set comes from the
    runtime's config bag (which the language host fills from the stack's config).
    """
    bag = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{PROJECT}:"
    return sorted(key.removeprefix(prefix) for key in bag if key.startswith(prefix))


def _suffix(top: _Fields) -> str:
    suffix = top.text("environmentSuffix", None, " (the environment's name, e.g. dev)")
    if len(suffix) > _SUFFIX_MAX_LENGTH or not _SUFFIX.fullmatch(suffix):
        raise ConfigError(
            top.key("environmentSuffix"),
            f"must be 1 to {_SUFFIX_MAX_LENGTH} lowercase letters, digits or hyphens, not "
            f"starting or ending with a hyphen (it ends every resource name), {_got(suffix)}",
        )
    return suffix


def _region(region: str | None) -> str:
    if not region:
        raise ConfigError("aws:region", "must be set (pulumi config set aws:region eu-west-1)")
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ConfigError("aws:region", f"must be a region name like eu-west-1, {_got(region)}")
    if region.startswith(("cn-", "us-gov-")):
        # The Powertools layer ARN is the aws partition's; other partitions publish elsewhere.
        raise ConfigError("aws:region", f"must be a region of the aws partition, {_got(region)}")
    return region


def _log_retention(top: _Fields, default: int) -> int:
    days = top.integer("logRetentionDays", default, 1)
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
        raise ConfigError(
            top.key("logRetentionDays"),
            f"must be one of the periods CloudWatch Logs accepts ({allowed}), got {days}",
        )
    return days


def _emails(top: _Fields, name: str) -> tuple[str, ...]:
    emails = top.strings(name)
    seen: set[str] = set()
    for email in emails:
        if not _is_email(email):
            raise ConfigError(top.key(name), f"{email!r} is not a valid email address")
        if email.lower() in seen:
            raise ConfigError(top.key(name), f"{email!r} is listed twice")
        seen.add(email.lower())
    return emails


def _is_email(text: str) -> bool:
    match = _EMAIL.fullmatch(text)
    if match is None or len(text) > 254:
        return False
    local = match["local"]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


def _seconds_within(
    fields: _Fields, key: str, default: float, timeout: int, timeout_name: str = "timeoutSeconds"
) -> float:
    """A positive number of seconds that one invocation of `timeout` seconds can hold."""
    seconds = fields.number(key, default, 0, 900, above_low=True)
    if seconds >= timeout:
        raise ConfigError(
            fields.key(key), f"must be less than {timeout_name} ({timeout}), got {seconds:g}"
        )
    return seconds


def _scraper(fields: _Fields) -> ScraperSettings:
    defaults = ScraperSettings()
    timeout = fields.integer("timeoutSeconds", defaults.timeout_seconds, 1, 900)
    fetch_timeout = _seconds_within(
        fields, "fetchTimeoutSeconds", defaults.fetch_timeout_seconds, timeout
    )
    extraction_budget = _seconds_within(
        fields, "extractionBudgetSeconds", defaults.extraction_budget_seconds, timeout
    )
    # A batch's pages are fetched concurrently, so its cost is about one page latency
    # whatever its size: larger batches make fewer invocations, archive objects and tallies
    # (bench/README.md). 100 keeps a batch's fetches and writes well inside its timeout.
    batch_size, batching_window = _queue_batch(
        fields, defaults.batch_size, defaults.batching_window_seconds, max_batch=100
    )
    return ScraperSettings(
        timeout_seconds=timeout,
        memory_mb=fields.integer("memoryMb", defaults.memory_mb, 128, 10_240),
        # AWS's bounds for an SQS event source's maximum concurrency.
        max_concurrency=fields.integer("maxConcurrency", defaults.max_concurrency, 2, 1000),
        batch_size=batch_size,
        batching_window_seconds=batching_window,
        fetch_timeout_seconds=fetch_timeout,
        max_page_bytes=fields.integer("maxPageBytes", defaults.max_page_bytes, 1024, 50_000_000),
        fetch_concurrency=fields.integer("fetchConcurrency", defaults.fetch_concurrency, 1, 100),
        min_heuristic_confidence=fields.number(
            "minHeuristicConfidence", defaults.min_heuristic_confidence, 0, 1
        ),
        extraction_budget_seconds=extraction_budget,
    )


def _queue_batch(
    fields: _Fields, default_size: int, default_window: int, *, max_batch: int
) -> tuple[int, int]:
    """An SQS event source's batchSize and batchingWindowSeconds, as AWS accepts them."""
    batch_size = fields.integer("batchSize", default_size, 1, max_batch)
    batching_window = fields.integer("batchingWindowSeconds", default_window, 0, 300)
    if batch_size > 10 and batching_window < 1:
        # AWS refuses an SQS event source with a batch above 10 and no batching window.
        raise ConfigError(
            fields.key("batchingWindowSeconds"),
            f"must be at least 1 when batchSize is above 10 ({batch_size}), got {batching_window}",
        )
    return batch_size, batching_window


def _renderer(fields: _Fields) -> RendererSettings:
    defaults = RendererSettings()
    timeout = fields.integer("timeoutSeconds", defaults.timeout_seconds, 1, 900)
    # A browser page costs seconds and a Chromium's memory, so a renderer batch is small:
    # 10 keeps the pages of one batch, one after another, well inside its timeout.
    batch_size, batching_window = _queue_batch(
        fields, defaults.batch_size, defaults.batching_window_seconds, max_batch=10
    )
    return RendererSettings(
        # Chromium needs room: below 1024 MB it is killed on ordinary pages.
        memory_mb=fields.integer("memoryMb", defaults.memory_mb, 1024, 10_240),
        timeout_seconds=timeout,
        # AWS's bounds for an SQS event source's maximum concurrency (2 is its minimum).
        max_concurrency=fields.integer("maxConcurrency", defaults.max_concurrency, 2, 1000),
        batch_size=batch_size,
        batching_window_seconds=batching_window,
        page_timeout_seconds=_seconds_within(
            fields, "pageTimeoutSeconds", defaults.page_timeout_seconds, timeout
        ),
        max_page_bytes=fields.integer("maxPageBytes", defaults.max_page_bytes, 1024, 50_000_000),
        fetch_concurrency=fields.integer("fetchConcurrency", defaults.fetch_concurrency, 1, 10),
    )


def _named_entries(
    top: _Fields,
    section: str,
    pattern: re.Pattern[str],
    what: str,
    keys: tuple[str, ...],
    note: str = "",
) -> Iterator[tuple[str, _Fields]]:
    """Each entry of the `section` mapping, by name (sorted), its name checked: a lowercase
    letter then up to 63 lowercase letters, digits, '-' or '_'."""
    configured = top.mapping(section)
    for name in sorted(configured):
        entry_key = top.key(f"{section}.{name}")
        if not pattern.fullmatch(name):
            raise ConfigError(
                entry_key,
                f"{what} must be a lowercase letter then up to 63 lowercase letters, "
                f"digits, '-' or '_'{note}",
            )
        yield name, _Fields(_as_mapping(configured[name], entry_key), f"{entry_key}.", keys)


def _proxies(top: _Fields) -> tuple[ProxySettings, ...]:
    proxies = []
    for name, entry in _named_entries(top, "proxies", _PROXY_NAME, "a proxy name", _PROXY_KEYS):
        secret = entry.text("secret", None, " (the Secrets Manager secret holding the URL)")
        if not _is_secret_id(secret):
            # The value is not echoed: it may be the proxy URL, credentials included.
            raise ConfigError(
                entry.key("secret"),
                "must be a Secrets Manager secret name (letters, digits and /_+=.@-, at most "
                "512) or its full ARN (arn:aws:secretsmanager:<region>:<account>:secret:"
                "<name>-<6 characters>); the proxy URL, with its credentials, is the secret's "
                "value and never stack config",
            )
        proxies.append(ProxySettings(name=name, secret=secret))
    return tuple(proxies)


def _alert_channels(top: _Fields) -> tuple[tuple[Channel, ...], str]:
    """The channels (as `contracts.alert_channels` reads them in the notifier) and their JSON."""
    key = top.key("alertChannels")
    raw = top.raw("alertChannels")
    if raw is None:
        return (), "[]"
    # The CLI hands a YAML list over as JSON text; plain Python values are dumped to it, so
    # the notifier's own parser sees exactly what the function will.
    text = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        channels = parse_channels(text, setting=key)
    except ConfigurationError as error:
        raise ConfigError(error.setting, error.problem) from None
    for index, channel in enumerate(channels):
        if channel.secret is not None and not _is_secret_id(channel.secret):
            # The value is not echoed: it may be the channel URL, tokens included.
            raise ConfigError(
                f"{key}[{index}] ({channel.name}).secret",
                "must be a Secrets Manager secret name (letters, digits and /_+=.@-, at most "
                "512) or its full ARN; the channel URL, with its tokens, is the secret's value",
            )
    canonical = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    size = len(canonical.encode("utf-8"))
    if size > ALERT_CHANNELS_MAX_BYTES:
        raise ConfigError(
            key,
            f"takes {size} bytes as the notifier's ALERT_CHANNELS_JSON, over the "
            f"{ALERT_CHANNELS_MAX_BYTES} its environment has room for (Lambda allows 4 KB of "
            "variables): fewer channels or shorter filters",
        )
    return channels, canonical


def _notifier(fields: _Fields) -> NotifierSettings:
    defaults = NotifierSettings()
    # Each message is sent to its channels one after another, each send an HTTP call with
    # its own timeout: 10 keeps a batch's sends well inside the function's timeout.
    batch_size, batching_window = _queue_batch(
        fields, defaults.batch_size, defaults.batching_window_seconds, max_batch=10
    )
    return NotifierSettings(
        timeout_seconds=fields.integer("timeoutSeconds", defaults.timeout_seconds, 1, 900),
        memory_mb=fields.integer("memoryMb", defaults.memory_mb, 128, 10_240),
        batch_size=batch_size,
        batching_window_seconds=batching_window,
        # AWS's bounds for an SQS event source's maximum concurrency (2 is its minimum).
        max_concurrency=fields.integer("maxConcurrency", defaults.max_concurrency, 2, 1000),
    )


def _is_secret_id(text: str) -> bool:
    """A Secrets Manager secret's full ARN, or its name."""
    return bool(_SECRET_ARN.fullmatch(text)) or _is_secret_name(text)


def _is_secret_name(text: str) -> bool:
    # An ARN-like text that failed the ARN pattern is a malformed ARN, not a name; a URL
    # (the proxy itself, pasted by mistake) has ':' and is refused by the pattern.
    return not text.startswith("arn:") and bool(_SECRET_NAME.fullmatch(text))


def _alert_kinds(top: _Fields) -> tuple[str, ...]:
    kinds = top.strings("alertKinds")
    for kind in kinds:
        problem = catalog_rules.alert_kind_problem(kind)
        if problem is not None:
            raise ConfigError(top.key("alertKinds"), problem)
    if len(set(kinds)) != len(kinds):
        raise ConfigError(top.key("alertKinds"), f"lists a kind twice, got {list(kinds)}")
    # In the catalog's order, so the same kinds always give the same environment.
    return tuple(kind for kind in catalog_rules.OPT_IN_ALERT_KINDS if kind in kinds)


def _detector(fields: _Fields) -> DetectorSettings:
    defaults = DetectorSettings()
    record_age = fields.integer(
        "maximumRecordAgeSeconds", defaults.maximum_record_age_seconds, -1, 604_800
    )
    if 0 <= record_age < 60:
        raise ConfigError(
            fields.key("maximumRecordAgeSeconds"),
            f"must be -1 (no limit) or from 60 to 604800, got {record_age}",
        )
    return DetectorSettings(
        timeout_seconds=fields.integer("timeoutSeconds", defaults.timeout_seconds, 1, 900),
        memory_mb=fields.integer("memoryMb", defaults.memory_mb, 128, 10_240),
        batch_size=fields.integer("batchSize", defaults.batch_size, 1, 10_000),
        maximum_retry_attempts=fields.integer(
            "maximumRetryAttempts", defaults.maximum_retry_attempts, -1, 10_000
        ),
        maximum_record_age_seconds=record_age,
    )


def _user_agent_contact(top: _Fields) -> str:
    contact = top.text("userAgentContact", None, f" ({_CONTACT})")
    parts = urlsplit(contact)
    if parts.scheme == "mailto":
        valid = _is_email(parts.path)
    else:
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    # It goes into an HTTP header: printable ASCII only, no spaces.
    if not valid or len(contact) > 200 or not all(33 <= ord(c) < 127 for c in contact):
        raise ConfigError(
            top.key("userAgentContact"),
            f"must be {_CONTACT}, {_got(contact)}",
        )
    return contact


def _retailers(
    top: _Fields, default_spacing: float, renderer: RendererSettings, proxy_names: set[str]
) -> tuple[RetailerSettings, ...]:
    retailers = []
    for name, entry in _named_entries(
        top,
        "retailers",
        RETAILER_NAME,
        "a retailer name",
        _RETAILER_KEYS,
        " (as in the catalog's retailer column)",
    ):
        raw_rules = entry.raw("rules")
        fetch = _fetch_mode(entry)
        if not fetch.needs_renderer:
            for key in _BROWSER_ONLY_KEYS:
                if entry.raw(key) is not None:
                    raise ConfigError(
                        entry.key(key),
                        f"applies to browser fetches only: set fetch to "
                        f"{FetchMode.BROWSER.value} or {FetchMode.AUTO.value}, or remove it",
                    )
        raw_timeout, raw_bytes = entry.raw("renderTimeoutSeconds"), entry.raw("renderMaxBytes")
        retailers.append(
            RetailerSettings(
                name=name,
                spacing_seconds=entry.number("spacingSeconds", default_spacing, 0, 900),
                respect_robots_txt=entry.boolean("respectRobotsTxt", True),
                rules=None if raw_rules is None else _rules(entry.nested("rules", RULE_KEYS)),
                fetch=fetch,
                wait_for=_selector(entry, "waitFor"),
                consent_selector=_selector(entry, "consentSelector"),
                render_timeout_seconds=(
                    None
                    if raw_timeout is None
                    else _seconds_within(
                        entry,
                        "renderTimeoutSeconds",
                        renderer.page_timeout_seconds,
                        renderer.timeout_seconds,
                        "the renderer's timeoutSeconds",
                    )
                ),
                render_max_bytes=(
                    None
                    if raw_bytes is None
                    else entry.integer("renderMaxBytes", None, 1024, 50_000_000)
                ),
                proxy=_proxy_name(entry, proxy_names),
            )
        )
    return tuple(retailers)


def _fetch_mode(entry: _Fields) -> FetchMode:
    raw = entry.text("fetch", DEFAULT_FETCH_MODE.value)
    try:
        return FetchMode(raw)
    except ValueError:
        modes = [mode.value for mode in FetchMode]
        close = difflib.get_close_matches(raw.strip().lower(), modes, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            entry.key("fetch"), f"must be one of {', '.join(modes)}, {_got(raw)}{hint}"
        ) from None


def _selector(entry: _Fields, key: str) -> str | None:
    if entry.raw(key) is None:
        return None
    selector = entry.text(key, None)
    if (
        not selector.strip()
        or len(selector) > _SELECTOR_MAX_LENGTH
        or any(ord(c) < 32 or ord(c) == 127 for c in selector)
    ):
        raise ConfigError(
            entry.key(key),
            f"must be a CSS selector of 1 to {_SELECTOR_MAX_LENGTH} printable characters, "
            f"{_got(selector)}",
        )
    return selector


def _proxy_name(entry: _Fields, proxy_names: set[str]) -> str | None:
    if entry.raw("proxy") is None:
        return None
    name = entry.text("proxy", None)
    if name not in proxy_names:
        declared = ", ".join(sorted(proxy_names)) or "none"
        close = difflib.get_close_matches(name, sorted(proxy_names), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            entry.key("proxy"),
            f"names no proxy of {PROJECT}:proxies ({hint}declared: {declared}), {_got(name)}",
        )
    return name


def _check_json_path(key: str, json_path: str) -> None:
    """A dotted path's parts, or a JMESPath expression's syntax, checked at preview."""
    if not is_jmespath_expression(json_path):
        if any(not part for part in json_path.split(".")):
            raise ConfigError(
                key, "must be dot-separated names or list indices, with no empty part"
            )
        return
    try:
        import jmespath  # type: ignore[import-untyped]  # a dependency of boto3
    except ImportError:  # the scraper validates it fully when it loads the rules
        return
    try:
        jmespath.compile(json_path)
    except jmespath.exceptions.JMESPathError as error:
        problem = " ".join(str(error).split())
        raise ConfigError(key, f"is not a valid JMESPath expression: {problem}") from error


def _rules(rules: _Fields) -> dict[str, str]:
    """A light structural check of extraction rules (extraction.rules.validate_rules is the
    full one; the scraper applies it again when it loads the rules)."""
    values = rules.values
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(rules.key(name), f"must be a non-empty string, {_got(value)}")
    if "pattern" in values:
        try:
            pattern = re.compile(values["pattern"])
        except re.error as error:
            raise ConfigError(rules.key("pattern"), f"does not compile: {error}") from error
        if "price" not in pattern.groupindex:
            raise ConfigError(
                rules.key("pattern"), "needs a named group 'price', as in (?P<price>[0-9.,]+)"
            )
    if "json_path" in values:
        _check_json_path(rules.key("json_path"), values["json_path"])
    if "decimal" in values and values["decimal"] not in (",", "."):
        raise ConfigError(rules.key("decimal"), f"must be ',' or '.', {_got(values['decimal'])}")
    for name, needs in (
        ("attribute", "selector"),
        ("json_script", "json_path"),
        ("out_of_stock_text", "availability_selector"),
    ):
        if name in values and needs not in values:
            raise ConfigError(rules.key(name), f"needs {needs!r}")
    if "selector" in values and "json_path" in values:
        raise ConfigError(
            rules.key("json_path"), "a rule uses either 'selector' or 'json_path', not both"
        )
    if not any(name in values for name in ("selector", "json_path", "pattern")):
        raise ConfigError(
            rules.key("selector"), "a rule needs one of 'selector', 'json_path' or 'pattern'"
        )
    return dict(values)


def _allowed_hosts(top: _Fields) -> tuple[str, ...]:
    hosts = top.strings("allowedHosts")
    for host in hosts:
        if not _is_host_entry(host):
            raise ConfigError(
                top.key("allowedHosts"),
                f"{host!r} is not a host, host:port, [IPv6] or [IPv6]:port entry",
            )
    return hosts


def _is_host_entry(entry: str) -> bool:
    if entry.startswith("["):
        host, closed, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
        if not closed or (rest and port is None):
            return False
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    else:
        host, _, port = entry.partition(":")
        port = port if ":" in entry else None
        if not _HOST.fullmatch(host):
            return False
    return port is None or (port.isdigit() and 0 < int(port) < 65_536)


def _unknown_key_problem(name: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown key (did you mean {close[0]!r}?)"
    return f"unknown key (known keys: {', '.join(known) or 'none'})"


def _as_mapping(raw: Any, key: str) -> Mapping[str, Any]:
    value = _json_or_raw(raw)
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be an object (a YAML mapping or JSON object), {_got(raw)}")
    return value


def _json_or_raw(raw: Any) -> Any:
    """Decode a JSON object or list string (how the CLI passes objects and lists)."""
    if isinstance(raw, str) and raw.lstrip().startswith(("{", "[")):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _to_int(raw: Any) -> int | None:
    if isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+\s*", raw):
        return int(raw)
    value = _to_float(raw)
    return int(value) if value is not None and value.is_integer() else None


def _to_float(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _got(raw: Any) -> str:
    if isinstance(raw, str):
        return f"got {raw}" if _to_float(raw) is not None else f"got {raw!r}"
    return f"got {json.dumps(raw, default=str)}"
