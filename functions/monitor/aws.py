"""AWS clients, created once per container and only when first used.

Domain code receives clients (or tables) as arguments; only handlers call these, which is
what keeps the domain testable without AWS and lets tests swap in moto between cases
(`reset()` forgets the cached clients).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode with a few attempts: throttling is retried by the SDK, not by us.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


@cache
def table(name: str) -> Any:
    return boto3.resource("dynamodb", config=_CONFIG).Table(name)


def reset() -> None:
    client.cache_clear()
    table.cache_clear()
