"""Stack settings: the stack files load into the expected Settings, and every bad value stops
the program with a message naming the key and the problem."""

from __future__ import annotations

import dataclasses
import json

import pulumi
import pytest
import yaml
from stack_files import ROOT, STACKS, price_monitor_values, stack_config, stack_document

from contracts.fetch_modes import FetchMode
from contracts.schedule import schedule_period_seconds
from extraction.rules import validate_rules
from price_monitor.config import (
    ConfigError,
    DetectorSettings,
    ProxySettings,
    RendererSettings,
    RetailerSettings,
    ScraperSettings,
    Settings,
    load_settings,
    settings_from_config,
)

REGION = "eu-west-1"
CONTACT = "https://example.com/price-monitor/contact"
REQUIRED = {"environmentSuffix": "dev", "powertoolsLayerVersion": "27", "userAgentContact": CONTACT}

DEV = Settings(
    environment_suffix="dev",
    region=REGION,
    schedule_expression="rate(6 hours)",
    schedule_flexible_window_minutes=15,
    drop_threshold_percent=10.0,
    history_retention_days=90,
    log_retention_days=14,
    alert_emails=("alerts@example.com",),
    ops_emails=("ops@example.com",),
    deletion_protection=False,
    scraper=ScraperSettings(
        timeout_seconds=120,
        memory_mb=512,
        max_concurrency=5,
        batch_size=25,
        batching_window_seconds=5,
        fetch_timeout_seconds=15.0,
        max_page_bytes=3_000_000,
        fetch_concurrency=25,
        min_heuristic_confidence=0.6,
        extraction_budget_seconds=2.0,
    ),
    detector=DetectorSettings(
        timeout_seconds=30,
        memory_mb=256,
        batch_size=100,
        maximum_retry_attempts=5,
        maximum_record_age_seconds=21_600,
    ),
    powertools_layer_version=27,
    user_agent_contact=CONTACT,
    default_spacing_seconds=1.0,
    retailers=(
        RetailerSettings(name="amazon", spacing_seconds=5.0, respect_robots_txt=True),
        RetailerSettings(
            name="example-shop",
            spacing_seconds=2.0,
            respect_robots_txt=True,
            rules={
                "selector": "#product .price",
                "currency": "EUR",
                "availability_selector": "#product .stock",
                "out_of_stock_text": "sold out",
            },
        ),
    ),
    repeated_failure_threshold=3,
    allowed_hosts=(),
)


def dev_values(**changes: object) -> dict[str, object]:
    """The dev stack's values as the CLI passes them, with `changes` applied (None removes)."""
    values = price_monitor_values(stack_config("dev"))
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def with_nested(name: str, path: tuple[str, ...], value: object) -> dict[str, object]:
    """dev_values with one nested entry of object `name` set (None removes it)."""
    document = json.loads(dev_values()[name])
    target = document
    for part in path[:-1]:
        target = target[part]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return dev_values(**{name: json.dumps(document)})


def rule(**rules: object) -> dict[str, object]:
    """dev_values whose example-shop retailer has exactly these extraction rules."""
    return with_nested("retailers", ("example-shop", "rules"), rules)


@pytest.fixture
def stack_config_bag(monkeypatch):
    """Sets the Pulumi runtime's config bag, as the language host does, and restores it."""
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    previous = dict(pulumi.runtime.config.CONFIG.get())
    yield pulumi.runtime.set_all_config
    pulumi.runtime.set_all_config(previous)


# --- the stack files ---------------------------------------------------------------------


def test_dev_stack_file_loads_into_the_expected_settings():
    assert settings_from_config(dev_values(), REGION) == DEV


def test_prod_stack_differs_from_dev_only_in_name_retention_and_deletion_protection():
    prod = settings_from_config(price_monitor_values(stack_config("prod")), REGION)

    assert prod == dataclasses.replace(
        DEV, environment_suffix="prod", log_retention_days=90, deletion_protection=True
    )


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_set_region_and_the_default_tags(stack):
    config = stack_document(stack)["config"]

    assert config["aws:region"] == REGION
    assert config["aws:defaultTags"] == {
        "tags": {"project": "price-monitor", "environment": stack, "managed-by": "pulumi"}
    }


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_retailer_rules_pass_the_extractors_full_validation(stack):
    retailers = settings_from_config(price_monitor_values(stack_config(stack)), REGION).retailers

    checked = [retailer for retailer in retailers if retailer.rules is not None]
    for retailer in checked:
        validate_rules(retailer.rules)  # raises InvalidRuleError on a bad selector or currency
    assert checked


def test_project_file_names_the_config_namespace_and_a_pip_virtualenv():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))

    assert project["name"] == "price-monitor"
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }


def test_every_stack_the_workflows_preview_and_deploy_has_a_stack_file():
    workflows = ROOT / ".github" / "workflows"
    preview = yaml.safe_load((workflows / "preview.yml").read_text(encoding="utf-8"))
    deploy = yaml.safe_load((workflows / "deploy.yml").read_text(encoding="utf-8"))

    previewed = [
        entry["stack"] for entry in preview["jobs"]["preview"]["strategy"]["matrix"]["include"]
    ]
    deployed = [job["with"]["stack"] for job in deploy["jobs"].values() if "with" in job]
    assert previewed == deployed == list(STACKS)
    assert all((ROOT / f"Pulumi.{stack}.yaml").is_file() for stack in STACKS)


# --- accepted shapes and defaults ----------------------------------------------------------


def test_only_the_required_keys_give_the_documented_defaults():
    settings = settings_from_config(REQUIRED, REGION)

    assert settings == Settings(
        environment_suffix="dev",
        region=REGION,
        powertools_layer_version=27,
        user_agent_contact=CONTACT,
    )


def test_values_given_as_cli_strings_and_as_plain_values_give_the_same_settings():
    plain = price_monitor_values(stack_document("dev")["config"])

    assert settings_from_config(plain, REGION) == settings_from_config(dev_values(), REGION)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"dropThresholdPercent": "12.5"}, {"drop_threshold_percent": 12.5}),
        ({"dropThresholdPercent": "100"}, {"drop_threshold_percent": 100.0}),
        # the opt-in alert rules, kept in the catalog's order whatever the config's
        (
            {"alertKinds": "out_of_stock, new_low"},
            {"alert_kinds": ("new_low", "out_of_stock")},
        ),
        ({"increaseThresholdPercent": "250"}, {"increase_threshold_percent": 250.0}),
        ({"newLowDays": 7}, {"new_low_days": 7}),
        ({"historyRetentionDays": " 30 "}, {"history_retention_days": 30}),
        ({"historyRetentionDays": 30.0}, {"history_retention_days": 30}),
        ({"deletionProtection": "True"}, {"deletion_protection": True}),
        ({"tracing": "true"}, {"tracing": True}),
        (
            {"alertEmails": "a@example.com, b@example.org"},
            {"alert_emails": ("a@example.com", "b@example.org")},
        ),
        ({"alertEmails": '["a@example.com"]'}, {"alert_emails": ("a@example.com",)}),
        ({"opsEmails": "[]"}, {"ops_emails": ()}),
        ({"scheduleExpression": "rate(1 hour)"}, {"schedule_expression": "rate(1 hour)"}),
        (
            {"scheduleExpression": "rate(1 minute)", "scheduleFlexibleWindowMinutes": "0"},
            {"schedule_expression": "rate(1 minute)", "schedule_flexible_window_minutes": 0},
        ),
        (
            {"scheduleExpression": "cron(0 */6 * * ? *)"},
            {"schedule_expression": "cron(0 */6 * * ? *)"},
        ),
        (
            {"scheduleExpression": "cron(0 8 ? * MON-FRI *)"},
            {"schedule_expression": "cron(0 8 ? * MON-FRI *)"},
        ),
        (
            {"scheduleExpression": "at(2030-01-01T06:00:00)"},
            {"schedule_expression": "at(2030-01-01T06:00:00)"},
        ),
        (
            {"userAgentContact": "mailto:ops@example.com"},
            {"user_agent_contact": "mailto:ops@example.com"},
        ),
        (
            {"allowedHosts": '["127.0.0.1:8080", "localhost", "[::1]:8080", "shop.test", "[::1]"]'},
            {"allowed_hosts": ("127.0.0.1:8080", "localhost", "[::1]:8080", "shop.test", "[::1]")},
        ),
        ({"environmentSuffix": "pr-42"}, {"environment_suffix": "pr-42"}),
        ({"environmentSuffix": "a" * 20}, {"environment_suffix": "a" * 20}),
        ({"logRetentionDays": "3653"}, {"log_retention_days": 3653}),
    ],
)
def test_valid_value_gives_the_setting_it_names(changes, expected):
    settings = settings_from_config(dev_values(**changes), REGION)

    assert settings == dataclasses.replace(DEV, **expected)


def test_detector_limits_accept_minus_one_for_no_limit():
    limits = json.dumps({"maximumRecordAgeSeconds": -1, "maximumRetryAttempts": "-1"})

    detector = settings_from_config(dev_values(detector=limits), REGION).detector

    assert (detector.maximum_record_age_seconds, detector.maximum_retry_attempts) == (-1, -1)


def test_retailer_without_spacing_uses_the_default_spacing_and_without_rules_has_none():
    values = dev_values(defaultSpacingSeconds="3", retailers=json.dumps({"shop": {}}))

    assert settings_from_config(values, REGION).retailers == (
        RetailerSettings(name="shop", spacing_seconds=3.0, respect_robots_txt=True, rules=None),
    )


@pytest.mark.parametrize(
    "rules",
    [
        {"pattern": r"(?P<price>\d+[.,]\d{2})\s*(?P<currency>€|EUR)"},
        {"json_path": "props.pageProps.product.price", "json_script": "script#data"},
        {"json_path": "offers[?available].price | [0]"},
        {"selector": "meta[itemprop=price]", "attribute": "content", "decimal": ","},
    ],
)
def test_rules_of_each_price_source_are_kept_as_given(rules):
    retailers = settings_from_config(rule(**rules), REGION).retailers

    assert {retailer.name: retailer.rules for retailer in retailers}["example-shop"] == rules
    validate_rules(rules)  # and the extractor agrees they are valid


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(30 minutes)", 1_800),
        ("rate(1 hour)", 3_600),
        ("rate(6 hours)", 21_600),
        ("rate(2 days)", 172_800),
        ("cron(0 */6 * * ? *)", 86_400),
        ("at(2030-01-01T06:00:00)", 86_400),
    ],
)
def test_schedule_period_is_the_rate_interval_or_a_day(expression, seconds):
    assert schedule_period_seconds(expression) == seconds
    assert (
        dataclasses.replace(DEV, schedule_expression=expression).schedule_period_seconds == seconds
    )


def test_powertools_layer_arn_is_the_aws_published_arm64_python312_layer_in_the_region():
    assert DEV.powertools_layer_arn == (
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"
    )


# --- rejected values -----------------------------------------------------------------------


def top(name, value):
    """The dev values with top-level `name` set (None removes it), and its full key."""
    return dev_values(**{name: value}), f"price-monitor:{name}"


def scraper(name, value):
    return with_nested("scraper", (name,), value), f"price-monitor:scraper.{name}"


def detector(name, value):
    return with_nested("detector", (name,), value), f"price-monitor:detector.{name}"


def amazon(name, value):
    return with_nested(
        "retailers", ("amazon", name), value
    ), f"price-monitor:retailers.amazon.{name}"


def renderer(name, value):
    """The dev values with `renderer.<name>` set (the stack files set no renderer)."""
    return dev_values(renderer=json.dumps({name: value})), f"price-monitor:renderer.{name}"


def browser_shop(bad_key, **entry):
    """The dev values with `shop` the only retailer, and the full key of its `bad_key`."""
    values, key = retailer_entry("shop", entry)
    return values, f"{key}.{bad_key}"


def proxy(entry, bad_key="secret"):
    """The dev values with one proxy `resi`, and the full key of `bad_key`."""
    values = dev_values(proxies=json.dumps({"resi": entry}))
    return values, f"price-monitor:proxies.resi.{bad_key}"


def retailer_entry(name, entry):
    """The dev values with `name` the only retailer, and the retailer's full key."""
    return dev_values(retailers=json.dumps({name: entry})), f"price-monitor:retailers.{name}"


def rules(bad_key, **rules):
    """The dev values with the example-shop rules replaced, and the full key of `bad_key`."""
    return rule(**rules), f"price-monitor:retailers.example-shop.rules.{bad_key}"


BAD_VALUES = {
    # unknown keys, at every level
    "unknown key": (top("colour", "blue"), "unknown key (known keys: environmentSuffix"),
    "misspelt key": (
        top("dropThreshold", "5"),
        "unknown key (did you mean 'dropThresholdPercent'?)",
    ),
    "unknown scraper key": (scraper("timeout", 60), "unknown key"),
    "unknown detector key": (detector("retries", 2), "unknown key"),
    "unknown retailer key": (amazon("delay", 2), "unknown key"),
    "unknown rule key": (rules("xpath", selector=".p", xpath="//p"), "unknown key"),
    # environment suffix
    "suffix missing": (top("environmentSuffix", None), "must be set (the environment's name"),
    "suffix uppercase": (top("environmentSuffix", "Dev"), "lowercase letters, digits or hyphens"),
    "suffix underscore": (top("environmentSuffix", "my_env"), "got 'my_env'"),
    "suffix leading hyphen": (top("environmentSuffix", "-dev"), "not starting or ending with"),
    "suffix trailing hyphen": (top("environmentSuffix", "dev-"), "not starting or ending with"),
    "suffix too long": (top("environmentSuffix", "a" * 21), "must be 1 to 20 lowercase letters"),
    "suffix empty": (top("environmentSuffix", ""), "must be 1 to 20 lowercase letters"),
    "suffix not a string": (top("environmentSuffix", 7), "must be a string, got 7"),
    # opt-in alert rules
    "alert kind unknown": (top("alertKinds", "new_lows"), "unknown alert kind 'new_lows'"),
    "alert kind always on": (top("alertKinds", "price_drop"), "'price_drop' is always on"),
    "alert kind twice": (top("alertKinds", "new_low,new_low"), "lists a kind twice"),
    "increase threshold zero": (top("increaseThresholdPercent", 0), "above 0 and at most 1000"),
    "new low days zero": (top("newLowDays", 0), "a whole number from 1 to 365, got 0"),
    # drop threshold: 0 < t <= 100
    "threshold above 100": (top("dropThresholdPercent", "150"), "above 0 and at most 100, got 150"),
    "threshold zero": (top("dropThresholdPercent", "0"), "above 0 and at most 100, got 0"),
    "threshold negative": (top("dropThresholdPercent", -5), "above 0 and at most 100, got -5"),
    "threshold not a number": (top("dropThresholdPercent", "ten"), "must be a number above 0"),
    "threshold boolean": (top("dropThresholdPercent", True), "got true"),
    "threshold infinite": (top("dropThresholdPercent", "inf"), "got 'inf'"),
    # schedule
    "rate plural for 6": (
        top("scheduleExpression", "rate(6 hour)"),
        "rate(1 hour) and rate(6 hours)",
    ),
    "rate singular for 1": (top("scheduleExpression", "rate(1 hours)"), "1 takes a singular unit"),
    "rate zero": (top("scheduleExpression", "rate(0 hours)"), "a rate must be at least 1"),
    "rate in weeks": (top("scheduleExpression", "rate(2 weeks)"), "must be rate(N unit), cron("),
    "not an expression": (top("scheduleExpression", "every 6 hours"), "got 'every 6 hours'"),
    "cron five fields": (top("scheduleExpression", "cron(0 */6 * * *)"), "cron() takes 6 fields"),
    "cron bad character": (top("scheduleExpression", "cron(0 6 * * ? $)"), "takes 6 fields"),
    "cron without ?": (top("scheduleExpression", "cron(0 6 * * * *)"), "'?' in exactly one of"),
    "cron two ?": (top("scheduleExpression", "cron(0 6 ? * ? *)"), "'?' in exactly one of"),
    "at without seconds": (
        top("scheduleExpression", "at(2030-01-01T06:00)"),
        "yyyy-mm-ddThh:mm:ss",
    ),
    "window above a day": (top("scheduleFlexibleWindowMinutes", "1441"), "0 to 1440, got 1441"),
    # emails
    "email without at": (top("alertEmails", '["no-at"]'), "'no-at' is not a valid email address"),
    "email without domain dot": (top("opsEmails", '["ops@localhost"]'), "not a valid email"),
    "email double dot": (top("alertEmails", '["a..b@example.com"]'), "not a valid email"),
    "email leading dot": (top("alertEmails", ".a@example.com"), "not a valid email"),
    "email with space": (top("alertEmails", "a b@example.com"), "not a valid email"),
    "email too long": (
        top("opsEmails", "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"),
        "not a valid email",
    ),
    "email listed twice": (top("alertEmails", "a@example.com,A@example.com"), "listed twice"),
    "emails not strings": (top("alertEmails", "[1, 2]"), "must be a list of strings, got '[1, 2]'"),
    "emails an object": (top("opsEmails", '{"to": "a@example.com"}'), "must be a list of strings"),
    # types and retention
    "boolean as yes": (top("deletionProtection", "yes"), "must be true or false, got 'yes'"),
    "days not a number": (top("historyRetentionDays", "ninety"), "at least 1, got 'ninety'"),
    "history zero days": (top("historyRetentionDays", "0"), "whole number of at least 1, got 0"),
    "log retention 10": (top("logRetentionDays", "10"), "periods CloudWatch Logs accepts (1, 3, 5"),
    "log retention 0": (top("logRetentionDays", "0"), "whole number of at least 1, got 0"),
    "scraper a string": (
        top("scraper", "fast"),
        "must be an object (a YAML mapping or JSON object)",
    ),
    "scraper bad json": (top("scraper", "{timeoutSeconds: 60"), "must be an object"),
    "retailers a list": (top("retailers", '["amazon"]'), "must be an object"),
    # scraper
    "scraper timeout zero": (scraper("timeoutSeconds", 0), "from 1 to 900, got 0"),
    "scraper timeout 901": (scraper("timeoutSeconds", 901), "from 1 to 900, got 901"),
    "scraper memory 64": (scraper("memoryMb", 64), "from 128 to 10240, got 64"),
    "scraper memory 10241": (scraper("memoryMb", 10241), "from 128 to 10240, got 10241"),
    "scraper memory fractional": (scraper("memoryMb", 512.5), "whole number from 128 to 10240"),
    "max concurrency 1": (scraper("maxConcurrency", 1), "from 2 to 1000, got 1"),
    "max concurrency 1001": (scraper("maxConcurrency", 1001), "from 2 to 1000, got 1001"),
    "batch size 0": (scraper("batchSize", 0), "from 1 to 100, got 0"),
    "batch size 101": (scraper("batchSize", 101), "from 1 to 100, got 101"),
    "batching window 301": (scraper("batchingWindowSeconds", 301), "from 0 to 300, got 301"),
    "fetch timeout = timeout": (
        scraper("fetchTimeoutSeconds", 120),
        "less than timeoutSeconds (120)",
    ),
    "fetch timeout 0": (scraper("fetchTimeoutSeconds", 0), "above 0 and at most 900, got 0"),
    "page bytes 100": (scraper("maxPageBytes", 100), "from 1024 to 50000000, got 100"),
    "fetch concurrency 0": (scraper("fetchConcurrency", 0), "from 1 to 100, got 0"),
    "confidence 1.5": (scraper("minHeuristicConfidence", 1.5), "a number from 0 to 1, got 1.5"),
    "extraction budget 0": (
        scraper("extractionBudgetSeconds", 0),
        "above 0 and at most 900, got 0",
    ),
    "extraction budget = timeout": (
        scraper("extractionBudgetSeconds", 120),
        "less than timeoutSeconds (120)",
    ),
    # detector
    "detector timeout 0": (detector("timeoutSeconds", 0), "from 1 to 900, got 0"),
    "detector memory 20000": (detector("memoryMb", 20000), "from 128 to 10240, got 20000"),
    "detector batch 0": (detector("batchSize", 0), "from 1 to 10000, got 0"),
    "detector batch 10001": (detector("batchSize", 10001), "from 1 to 10000, got 10001"),
    "retries -2": (detector("maximumRetryAttempts", -2), "from -1 to 10000, got -2"),
    "retries 10001": (detector("maximumRetryAttempts", 10001), "from -1 to 10000, got 10001"),
    "record age 30": (
        detector("maximumRecordAgeSeconds", 30),
        "-1 (no limit) or from 60 to 604800",
    ),
    "record age 0": (detector("maximumRecordAgeSeconds", 0), "-1 (no limit) or from 60 to 604800"),
    "record age 604801": (detector("maximumRecordAgeSeconds", 604801), "got 604801"),
    # layer, contact, spacing, failures
    "layer missing": (
        top("powertoolsLayerVersion", None),
        "must be set (a whole number of at least",
    ),
    "layer 0": (top("powertoolsLayerVersion", "0"), "whole number of at least 1, got 0"),
    "layer latest": (top("powertoolsLayerVersion", "latest"), "got 'latest'"),
    "contact missing": (top("userAgentContact", None), "must be set (an http(s) URL or a mailto:"),
    "contact ftp": (top("userAgentContact", "ftp://example.com/"), "must be an http(s) URL or a"),
    "contact plain text": (top("userAgentContact", "call me"), "got 'call me'"),
    "contact with space": (top("userAgentContact", "https://example.com/a b"), "User-Agent"),
    "contact without host": (top("userAgentContact", "https://"), "must be an http(s) URL"),
    "contact bad mailto": (top("userAgentContact", "mailto:nobody"), "got 'mailto:nobody'"),
    "contact header injection": (top("userAgentContact", "https://e.com/\r\nX: 1"), "User-Agent"),
    "default spacing 901": (top("defaultSpacingSeconds", "901"), "from 0 to 900, got 901"),
    "failure threshold 0": (top("repeatedFailureThreshold", "0"), "from 1 to 1000, got 0"),
    # retailers
    "retailer uppercase": (retailer_entry("Amazon", {}), "a retailer name must be a lowercase"),
    "retailer digit first": (retailer_entry("1shop", {}), "a retailer name must be a lowercase"),
    "retailer a string": (retailer_entry("amazon", "slow"), "must be an object"),
    "retailer spacing -1": (amazon("spacingSeconds", -1), "from 0 to 900, got -1"),
    "retailer spacing 901": (amazon("spacingSeconds", 901), "from 0 to 900, got 901"),
    "retailer robots maybe": (amazon("respectRobotsTxt", "maybe"), "must be true or false"),
    "rules a string": (amazon("rules", ".price"), "must be an object"),
    # extraction rules
    "pattern does not compile": (rules("pattern", pattern="(?P<price>"), "does not compile"),
    "pattern without price": (rules("pattern", pattern=r"\d+"), "needs a named group 'price'"),
    "json path empty part": (rules("json_path", json_path="props..price"), "no empty part"),
    "json path bad jmespath": (
        rules("json_path", json_path="offers[?price > ].price"),
        "is not a valid JMESPath expression",
    ),
    "decimal ;": (rules("decimal", selector=".p", decimal=";"), "must be ',' or '.', got ';'"),
    "attribute alone": (rules("attribute", json_path="a", attribute="content"), "needs 'selector'"),
    "json script alone": (
        rules("json_script", selector=".p", json_script="#d"),
        "needs 'json_path'",
    ),
    "stock text alone": (
        rules("out_of_stock_text", selector=".p", out_of_stock_text="sold out"),
        "needs 'availability_selector'",
    ),
    "selector and json path": (rules("json_path", selector=".p", json_path="a"), "not both"),
    "no price source": (rules("selector", currency="EUR"), "needs one of 'selector', 'json_path'"),
    "empty rule value": (rules("selector", selector=" "), "must be a non-empty string, got ' '"),
    "rule value a number": (rules("selector", selector=5), "must be a non-empty string, got 5"),
    # allowed hosts
    "host as url": (top("allowedHosts", "http://127.0.0.1:8080"), "is not a host, host:port"),
    "host with space": (top("allowedHosts", "shop test"), "is not a host, host:port"),
    "host port 99999": (top("allowedHosts", "shop.test:99999"), "is not a host, host:port"),
    "host port http": (top("allowedHosts", "shop.test:http"), "is not a host, host:port"),
    "host bad ipv6": (top("allowedHosts", '["[not-v6]:80"]'), "[IPv6] or [IPv6]:port entry"),
    "host unclosed bracket": (top("allowedHosts", '["[::1"]'), "is not a host"),
    "host junk after bracket": (top("allowedHosts", '["[::1]x"]'), "is not a host"),
    # browser fetches, proxies and the renderer
    "fetch mode misspelt": (amazon("fetch", "brwoser"), "(did you mean 'browser'?)"),
    "fetch mode unknown": (amazon("fetch", "curl"), "must be one of http, browser, auto"),
    "waitFor on an http retailer": (amazon("waitFor", "#price"), "applies to browser fetches only"),
    "renderMaxBytes on http": (amazon("renderMaxBytes", 100000), "applies to browser fetches"),
    "blank waitFor": (
        browser_shop("waitFor", fetch="browser", waitFor=" "),
        "must be a CSS selector",
    ),
    "consent selector with newline": (
        browser_shop("consentSelector", fetch="auto", consentSelector="a\nb"),
        "must be a CSS selector",
    ),
    "render timeout beyond the renderer's": (
        browser_shop("renderTimeoutSeconds", fetch="browser", renderTimeoutSeconds=120),
        "must be less than the renderer's timeoutSeconds (120), got 120",
    ),
    "render bytes too few": (
        browser_shop("renderMaxBytes", fetch="browser", renderMaxBytes=10),
        "must be a whole number from 1024",
    ),
    "proxy not declared": (
        amazon("proxy", "residential"),
        "names no proxy of price-monitor:proxies",
    ),
    "proxies not an object": (top("proxies", '["residential"]'), "must be an object"),
    "proxy name uppercase": (
        (dev_values(proxies=json.dumps({"Resi": {"secret": "p"}})), "price-monitor:proxies.Resi"),
        "a proxy name must be a lowercase letter",
    ),
    "proxy without secret": (
        (dev_values(proxies=json.dumps({"resi": {}})), "price-monitor:proxies.resi.secret"),
        "must be set",
    ),
    "proxy unknown key": (
        proxy({"secret": "p", "url": "http://h:1"}, "url"),
        "unknown key",
    ),
    "proxy arn without suffix": (
        proxy({"secret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p"}),
        "or its full ARN",
    ),
    "proxy arn of another service": (
        proxy({"secret": "arn:aws:ssm:eu-west-1:123456789012:parameter/p"}),
        "or its full ARN",
    ),
    "renderer concurrency 1": (
        renderer("maxConcurrency", 1),
        "must be a whole number from 2 to 1000",
    ),
    "renderer page timeout beyond its timeout": (
        renderer("pageTimeoutSeconds", 200),
        "must be less than timeoutSeconds (120), got 200",
    ),
    "renderer batch above 10": (
        renderer("batchSize", 11),
        "must be a whole number from 1 to 10",
    ),
    "renderer memory too small for chromium": (
        renderer("memoryMb", 512),
        "must be a whole number from 1024",
    ),
    "renderer unknown key": (renderer("memory", 2048), "did you mean 'memoryMb'"),
}


BROWSER_RETAILERS = {
    "script-shop": {
        "fetch": "browser",
        "waitFor": "#price .amount",
        "consentSelector": "button#accept",
        "renderTimeoutSeconds": "20",
        "renderMaxBytes": "2000000",
        "proxy": "residential",
    },
    "walled-shop": {"fetch": "auto"},
}
PROXIES = {
    "residential": {"secret": "price-monitor/residential"},
    "datacenter": {
        "secret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dc-proxy-Ab12Cd"
    },
}


def test_browser_retailers_proxies_and_renderer_settings_load_as_given():
    values = dev_values(
        retailers=json.dumps(BROWSER_RETAILERS),
        proxies=json.dumps(PROXIES),
        renderer=json.dumps({"memoryMb": "3008", "timeoutSeconds": 180, "maxConcurrency": 3}),
    )

    settings = settings_from_config(values, REGION)

    assert settings.retailers == (
        RetailerSettings(
            name="script-shop",
            fetch=FetchMode.BROWSER,
            wait_for="#price .amount",
            consent_selector="button#accept",
            render_timeout_seconds=20.0,
            render_max_bytes=2_000_000,
            proxy="residential",
        ),
        RetailerSettings(name="walled-shop", fetch=FetchMode.AUTO),
    )
    assert settings.proxies == (
        ProxySettings("datacenter", PROXIES["datacenter"]["secret"]),
        ProxySettings("residential", "price-monitor/residential"),
    )
    assert [proxy.secret_is_arn for proxy in settings.proxies] == [True, False]
    assert settings.renderer == RendererSettings(
        memory_mb=3008, timeout_seconds=180, max_concurrency=3
    )
    assert settings.needs_renderer


@pytest.mark.parametrize(
    ("modes", "needed"),
    [((), False), (("http",), False), (("http", "auto"), True), (("browser",), True)],
)
def test_the_renderer_is_needed_only_by_browser_and_auto_retailers(modes, needed):
    retailers = {f"shop-{i}": {"fetch": mode} for i, mode in enumerate(modes)}
    values = dev_values(retailers=json.dumps(retailers), proxies=json.dumps(PROXIES))

    assert settings_from_config(values, REGION).needs_renderer is needed


def test_the_renderer_defaults_are_the_documented_ones():
    assert RendererSettings() == RendererSettings(
        memory_mb=2048,
        timeout_seconds=120,
        max_concurrency=2,
        batch_size=5,
        batching_window_seconds=5,
        page_timeout_seconds=30.0,
        max_page_bytes=5_000_000,
        fetch_concurrency=2,
    )
    assert settings_from_config(dev_values(), REGION).renderer == RendererSettings()


def test_a_proxy_url_given_as_the_secret_is_refused_without_echoing_its_credentials():
    values = dev_values(proxies=json.dumps({"resi": {"secret": "http://user:s3cret@proxy:8080"}}))

    with pytest.raises(ConfigError) as raised:
        settings_from_config(values, REGION)

    assert raised.value.key == "price-monitor:proxies.resi.secret"
    assert "s3cret" not in str(raised.value)
    assert "never stack config" in raised.value.problem


def test_a_batch_above_10_needs_a_batching_window():
    document = json.loads(dev_values()["scraper"])
    document.update(batchSize=25, batchingWindowSeconds=0)

    with pytest.raises(ConfigError) as raised:
        settings_from_config(dev_values(scraper=json.dumps(document)), REGION)

    assert raised.value.key == "price-monitor:scraper.batchingWindowSeconds"
    assert "at least 1 when batchSize is above 10 (25), got 0" in str(raised.value)


@pytest.mark.parametrize(("case", "problem"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_value_is_rejected_naming_the_key_and_the_problem(case, problem):
    values, key = case

    with pytest.raises(ConfigError) as raised:
        settings_from_config(values, REGION)

    assert raised.value.key == key
    assert problem in raised.value.problem
    assert str(raised.value) == f"{key}: {raised.value.problem}"


def test_flexible_window_must_be_shorter_than_the_rate():
    values = dev_values(scheduleExpression="rate(10 minutes)")

    with pytest.raises(ConfigError) as raised:
        settings_from_config(values, REGION)

    assert str(raised.value) == (
        "price-monitor:scheduleFlexibleWindowMinutes: "
        "must be shorter than the schedule's period (rate(10 minutes)), got 15"
    )


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        (None, "must be set (pulumi config set aws:region eu-west-1)"),
        ("", "must be set"),
        ("Europe", "must be a region name like eu-west-1, got 'Europe'"),
        ("cn-north-1", "must be a region of the aws partition, got 'cn-north-1'"),
        ("us-gov-west-1", "must be a region of the aws partition"),
    ],
)
def test_bad_region_is_rejected_naming_aws_region(region, problem):
    with pytest.raises(ConfigError) as raised:
        settings_from_config(dev_values(), region)

    assert raised.value.key == "aws:region"
    assert problem in raised.value.problem


def test_config_error_stops_pulumi_with_its_message_and_no_traceback():
    # The Python language host logs a RunError's message alone and exits non-zero.
    error = ConfigError("price-monitor:dropThresholdPercent", "must be a number, got 'x'")

    assert isinstance(error, pulumi.RunError)
    assert isinstance(error, ValueError)


# --- load_settings: the Pulumi runtime's config --------------------------------------------


def test_load_settings_reads_the_stack_config_the_cli_passes(stack_config_bag):
    stack_config_bag(stack_config("dev"))

    assert load_settings() == DEV


def test_load_settings_reads_keys_the_language_host_left_in_the_environment(
    stack_config_bag, monkeypatch
):
    stack_config_bag({})
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(stack_config("prod")))

    assert load_settings().environment_suffix == "prod"


def test_load_settings_rejects_an_unknown_key_of_the_stack(stack_config_bag):
    stack_config_bag({**stack_config("dev"), "price-monitor:scheduleExpresion": "rate(1 hour)"})

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value) == (
        "price-monitor:scheduleExpresion: unknown key (did you mean 'scheduleExpression'?)"
    )


def test_load_settings_names_aws_region_when_the_stack_sets_none(stack_config_bag):
    config = {key: value for key, value in stack_config("dev").items() if key != "aws:region"}
    stack_config_bag(config)

    with pytest.raises(ConfigError, match=r"^aws:region: must be set"):
        load_settings()
