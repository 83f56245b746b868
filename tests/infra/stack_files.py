"""The project's stack files, read the way the Pulumi CLI hands them to the program.

The reading and shaping live in local_stack/program.py (the local stack runs the
program with them too), with the `price-monitor:*` view of a config bag; this module adds
what only the tests need: the stacks to test.
"""

from __future__ import annotations

from local_stack.program import ROOT, price_monitor_values, stack_config, stack_document

__all__ = ["ROOT", "STACKS", "price_monitor_values", "stack_config", "stack_document"]

STACKS = ("dev", "prod")
