"""The project's stack files, read the way the Pulumi CLI hands them to the program.

The reading and shaping live in local_stack/program.py (the local stack runs the
program with them too); this module adds what only the tests need: the stacks to test and
the `price-monitor:*` view of a config bag.
"""

from __future__ import annotations

from typing import Any

from local_stack.program import NAMESPACE, ROOT, stack_config, stack_document

__all__ = ["ROOT", "STACKS", "price_monitor_values", "stack_config", "stack_document"]

STACKS = ("dev", "prod")


def price_monitor_values(config: dict[str, Any]) -> dict[str, Any]:
    """The `price-monitor:*` entries of a config bag, keys without the namespace."""
    return {
        key.removeprefix(NAMESPACE): value
        for key, value in config.items()
        if key.startswith(NAMESPACE)
    }
