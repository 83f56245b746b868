"""The stack's forward proxies: PROXY_SECRETS_JSON names each one's secret, Secrets Manager
holds its URL.

The Pulumi program writes ``{"<proxy name>": "<secret name or ARN>"}`` into the scraper's
and the renderer's environment; the URL (``http://user:password@host:port``) lives only in
the secret, so it is in no stack config, no environment variable and no log. A retailer's
``proxy`` setting names one of these proxies, and ``ProxyDirectory.proxy(name)`` gives the
``fetching.Proxy`` its fetches go through.

Secrets are read by ``monitor.secrets.read_secret`` (Powertools Parameters, cached five
minutes, botocore's DEBUG lines of their values masked).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from contracts.environment import PROXY_SECRETS_JSON, ConfigurationError
from fetching import Proxy
from monitor.secrets import SecretReader, SecretTextError, read_secret, secret_text

__all__ = ["ProxyDirectory", "ProxySecretError", "SecretReader"]


class ProxySecretError(RuntimeError):
    """A proxy's secret could not be read, or does not hold a proxy URL.

    The message names the proxy and the secret, never the secret's value.
    """

    def __init__(self, proxy: str, secret_id: str, problem: str) -> None:
        super().__init__(f"proxy {proxy!r}: secret {secret_id!r} {problem}")
        self.proxy = proxy
        self.secret_id = secret_id
        self.problem = problem


@dataclass(frozen=True)
class ProxyDirectory:
    """Every configured proxy's secret id, and how to read a secret."""

    secrets: Mapping[str, str]
    read: SecretReader = field(default=read_secret, repr=False, compare=False)

    @classmethod
    def from_environment_value(cls, text: str, read: SecretReader = read_secret) -> ProxyDirectory:
        """Parse PROXY_SECRETS_JSON; ConfigurationError naming it when malformed."""
        try:
            document = json.loads(text)
        except (TypeError, ValueError) as error:
            raise ConfigurationError(PROXY_SECRETS_JSON, f"is not JSON: {error}") from None
        if not isinstance(document, dict):
            raise ConfigurationError(
                PROXY_SECRETS_JSON, "must be a JSON object of proxy name to secret id"
            )
        for name, secret_id in document.items():
            if not name.strip():
                raise ConfigurationError(PROXY_SECRETS_JSON, "a proxy name must not be empty")
            if not isinstance(secret_id, str) or not secret_id.strip():
                raise ConfigurationError(
                    f"{PROXY_SECRETS_JSON}[{name!r}]", "must be a secret name or ARN (text)"
                )
        secrets = {name: secret_id.strip() for name, secret_id in document.items()}
        return cls(MappingProxyType(secrets), read)

    @classmethod
    def none(cls) -> ProxyDirectory:
        """A stack without proxies."""
        return cls(MappingProxyType({}))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.secrets)

    def proxy(self, name: str) -> Proxy:
        """The proxy called ``name``, its URL read from its secret (cached).

        ConfigurationError when no proxy has that name; ProxySecretError when its secret
        cannot be read or is not an ``http://[user:password@]host:port`` URL.
        """
        secret_id = self.secrets.get(name)
        if secret_id is None:
            known = ", ".join(sorted(self.secrets)) or "none"
            raise ConfigurationError(
                PROXY_SECRETS_JSON, f"no proxy named {name!r} (configured: {known})"
            )
        try:
            value = secret_text(secret_id, "a proxy URL", self.read)
        except SecretTextError as error:
            raise ProxySecretError(name, secret_id, error.problem) from None
        try:
            return Proxy.from_url(value)
        except ValueError as error:  # Proxy.from_url never quotes the value
            raise ProxySecretError(name, secret_id, f"does not hold a proxy URL: {error}") from None
