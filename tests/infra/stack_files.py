"""The project's stack files, read the way the Pulumi CLI hands them to the program.

The reading and shaping live in local_stack/program.py (the local stack runs the
program with them too), with the `price-monitor:*` view of a config bag; this module adds
what only the tests need: the stacks to test, and the stack outputs docs/architecture.md
documents.
"""

from __future__ import annotations

import re

from local_stack.program import ROOT, price_monitor_values, stack_config, stack_document

__all__ = [
    "ROOT",
    "STACKS",
    "documented_outputs",
    "price_monitor_values",
    "stack_config",
    "stack_document",
]

STACKS = ("dev", "prod")


def documented_outputs(only_with: str | None = None) -> set[str]:
    """Every stack's outputs, as docs/architecture.md lists them; or, with `only_with`,
    the ones its "Only with <only_with>:" line lists."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Stack outputs", 1)[1].split("\n## ", 1)[0]
    always, *optional = section.split("\nOnly with ")
    if only_with is None:
        return set(re.findall(r"`([a-z_]+)`", always))
    (listed,) = [line for line in optional if line.startswith(f"{only_with}:")]
    return set(re.findall(r"`([a-z_]+)`", listed))
