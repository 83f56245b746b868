"""ProxyDirectory: PROXY_SECRETS_JSON parsed, each proxy's URL read from Secrets Manager
(moto) through Powertools Parameters, whose cache means one GetSecretValue per proxy."""

import logging
from collections import Counter
from urllib.parse import quote

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS

from contracts.environment import PROXY_SECRETS_JSON, ConfigurationError
from fetching import Proxy
from monitor.proxies import ProxyDirectory, ProxySecretError

PASSWORD = "Tr0ub4dor&3/x"
PROXY_URL = f"http://scraper:{quote(PASSWORD, safe='')}@proxy.example.net:3128"


@pytest.fixture
def secrets(aws):
    """Secrets Manager on moto, with Powertools reading it through a client whose
    GetSecretValue calls are counted; Powertools' cache is emptied before and after."""
    parameters.clear_caches()
    client = boto3.client("secretsmanager")
    calls: Counter[str] = Counter()
    client.meta.events.register(
        "before-parameter-build.secrets-manager.GetSecretValue",
        lambda params, **kwargs: calls.update([params["SecretId"]]),
    )
    DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto3_client=client)
    yield client, calls
    parameters.clear_caches()


def test_environment_value_names_each_proxy_and_its_secret():
    directory = ProxyDirectory.from_environment_value(
        '{"eu": "prod/proxies/eu", "us": " arn:aws:secretsmanager:us-east-1:1:secret:us "}'
    )
    assert directory.names == {"eu", "us"}
    assert directory.secrets == {
        "eu": "prod/proxies/eu",
        "us": "arn:aws:secretsmanager:us-east-1:1:secret:us",
    }


def test_no_proxies_configured_is_an_empty_directory():
    assert ProxyDirectory.from_environment_value("{}").names == frozenset()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "is not JSON"),
        ('["eu"]', "JSON object"),
        ('{" ": "secret"}', "must not be empty"),
        ('{"eu": ""}', "secret name or ARN"),
        ('{"eu": 42}', "secret name or ARN"),
        ('{"eu": {"secret": "x"}}', "secret name or ARN"),
    ],
)
def test_malformed_environment_value_is_a_configuration_error_naming_it(text, problem):
    with pytest.raises(ConfigurationError, match=problem) as caught:
        ProxyDirectory.from_environment_value(text)
    assert caught.value.setting.startswith(PROXY_SECRETS_JSON)


def test_unknown_proxy_name_is_a_configuration_error_listing_the_known_ones():
    directory = ProxyDirectory.from_environment_value('{"eu": "s1", "us": "s2"}')
    with pytest.raises(ConfigurationError, match=r"no proxy named 'asia' \(configured: eu, us\)"):
        directory.proxy("asia")


def test_proxy_is_read_from_its_secret(secrets):
    client, _ = secrets
    client.create_secret(Name="prod/proxies/eu", SecretString=PROXY_URL)
    proxy = ProxyDirectory.from_environment_value('{"eu": "prod/proxies/eu"}').proxy("eu")
    assert proxy == Proxy("proxy.example.net", 3128, "scraper", PASSWORD)


def test_secret_is_fetched_once_for_many_reads(secrets):
    client, calls = secrets
    arn = client.create_secret(Name="prod/proxies/eu", SecretString=PROXY_URL)["ARN"]
    client.create_secret(Name="prod/proxies/us", SecretString=PROXY_URL)
    directory = ProxyDirectory.from_environment_value(f'{{"eu": "{arn}", "us": "prod/proxies/us"}}')
    proxies = [directory.proxy(name) for name in ("eu", "us", "eu", "us", "eu")]
    assert len(set(proxies)) == 1
    assert calls == {arn: 1, "prod/proxies/us": 1}


def test_binary_secret_holding_a_proxy_url_is_read(secrets):
    client, _ = secrets
    client.create_secret(Name="bin", SecretBinary=PROXY_URL.encode())
    assert ProxyDirectory.from_environment_value('{"eu": "bin"}').proxy("eu").port == 3128


def test_missing_secret_is_an_error_naming_the_proxy_and_the_secret(secrets):
    directory = ProxyDirectory.from_environment_value('{"eu": "prod/proxies/gone"}')
    with pytest.raises(ProxySecretError) as caught:
        directory.proxy("eu")
    assert (caught.value.proxy, caught.value.secret_id) == ("eu", "prod/proxies/gone")
    assert "ResourceNotFoundException" in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        f"https://scraper:{PASSWORD}@proxy.example.net:3128",
        f"scraper:{PASSWORD}@proxy.example.net:3128",
        f'{{"url": "{PROXY_URL}"}}',
        f"http://scraper:{PASSWORD}@proxy.example.net",
    ],
)
def test_secret_that_is_not_a_proxy_url_is_an_error_that_never_shows_it(secrets, value, caplog):
    client, _ = secrets
    client.create_secret(Name="prod/proxies/eu", SecretString=value)
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # from here on: reading the secret, not the test creating it
    directory = ProxyDirectory.from_environment_value('{"eu": "prod/proxies/eu"}')
    with pytest.raises(ProxySecretError, match="'eu': secret 'prod/proxies/eu' does not") as caught:
        directory.proxy("eu")
    shown = [str(caught.value), repr(caught.value), *(r.getMessage() for r in caplog.records)]
    assert caplog.records  # botocore did log the call, at DEBUG
    for text in shown:
        assert PASSWORD not in text
        assert "Tr0ub4dor" not in text


def test_reading_a_proxy_logs_no_credentials(secrets, caplog):
    client, _ = secrets
    client.create_secret(Name="prod/proxies/eu", SecretString=PROXY_URL)
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    proxy = ProxyDirectory.from_environment_value('{"eu": "prod/proxies/eu"}').proxy("eu")
    assert proxy.password == PASSWORD
    # botocore logged the response body (the secret's value) at DEBUG: masked.
    assert any("masked" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert "Tr0ub4dor" not in record.getMessage()
        assert quote(PASSWORD, safe="") not in record.getMessage()
