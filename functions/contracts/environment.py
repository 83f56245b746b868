"""The environment variables each Lambda function reads: one list for both sides.

The Pulumi program (price_monitor/compute.py) declares exactly these variables on each
Function, and the handlers read their configuration only through `load`, so the two
cannot drift apart: a test proves that every variable a handler reads is declared, and
that every declared variable is read. This module is imported by the Pulumi program as
`functions.monitor.environment`, so it must stay self-contained (standard library only,
no imports from the rest of the package).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

# Read by Powertools itself (logging, metrics) in every function.
POWERTOOLS = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL")

SCRAPER = (
    *POWERTOOLS,
    "PRODUCTS_TABLE",
    "PRICES_TABLE",
    "RUNS_TABLE",
    "ARCHIVE_BUCKET",
    "SCRAPE_QUEUE_URL",
    "HISTORY_RETENTION_DAYS",
    "RETAILERS_JSON",
    "DEFAULT_SPACING_SECONDS",
    "USER_AGENT_CONTACT",
    "ALLOWED_HOSTS",
    "FETCH_TIMEOUT_SECONDS",
    "MAX_PAGE_BYTES",
    "FETCH_CONCURRENCY",
    "MIN_HEURISTIC_CONFIDENCE",
    "REPEATED_FAILURE_THRESHOLD",
    "EXTRACTION_BUDGET_SECONDS",
)

DETECTOR = (
    *POWERTOOLS,
    "ALERTS_TOPIC_ARN",
    "IDEMPOTENCY_TABLE",
    "DEFAULT_DROP_THRESHOLD_PERCENT",
)

BY_FUNCTION: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"scraper": SCRAPER, "detector": DETECTOR}
)


class MissingEnvironmentError(RuntimeError):
    """A variable the function needs is not set: the deployment is broken, not the input."""

    def __init__(self, function: str, name: str) -> None:
        super().__init__(f"{function}: environment variable {name} is not set")
        self.function = function
        self.name = name


def load(function: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The declared variables of `function`, all present, read once per container."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for name in BY_FUNCTION[function]:
        if name not in environ:
            raise MissingEnvironmentError(function, name)
        values[name] = environ[name]
    return values
