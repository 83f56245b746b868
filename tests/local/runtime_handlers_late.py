"""A handler module first imported by its own first invocation, logging through a Logger
another handler module created (as the functions share `monitor.telemetry.logger`)."""

from __future__ import annotations

from typing import Any

from runtime_handlers import logger


def greet(event: Any, context: Any) -> None:
    logger.info("late hello")
