"""The project's stack files, read the way the Pulumi CLI hands them to the program.

The CLI passes every config value as a string: scalars as their text, objects and lists as
JSON. Tests that feed a stack file to `pulumi.runtime.set_all_config` use `stack_config`, so
the program sees exactly what it sees under `pulumi up`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml  # PyYAML: a dependency of the pulumi package

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("dev", "prod")
NAMESPACE = "price-monitor:"


def stack_document(stack: str) -> dict[str, Any]:
    """Pulumi.<stack>.yaml as parsed YAML."""
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))


def stack_config(stack: str) -> dict[str, str]:
    """The stack's config bag as the CLI passes it: full keys, string values."""
    return {key: cli_value(value) for key, value in stack_document(stack)["config"].items()}


def price_monitor_values(config: dict[str, Any]) -> dict[str, Any]:
    """The `price-monitor:*` entries of a config bag, keys without the namespace."""
    return {
        key.removeprefix(NAMESPACE): value
        for key, value in config.items()
        if key.startswith(NAMESPACE)
    }


def cli_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)
