"""Handlers for the Lambda runtime tests: each does one thing the runtime must handle."""

from __future__ import annotations

import os
import time
import warnings
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Created when the runtime first imports this module, under the function's environment.
logger = Logger()
metrics = Metrics()
resets = 0
not_a_function = 42


def reset() -> None:
    global resets
    resets += 1


def environment(event: Any, context: Any) -> dict[str, Any]:
    return {
        "environment": dict(os.environ),
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
    }


def echo(event: Any, context: Any) -> Any:
    return event


def remaining(event: Any, context: Any) -> list[int]:
    before = context.get_remaining_time_in_millis()
    time.sleep(event["seconds"])
    return [before, context.get_remaining_time_in_millis()]


def fail(event: Any, context: Any) -> None:
    raise ValueError("the price is wrong")


def unserialisable(event: Any, context: Any) -> dict[str, Any]:
    return {"price": Decimal("1.5")}


@logger.inject_lambda_context
@metrics.log_metrics
def chatty(event: Any, context: Any) -> None:
    logger.info("structured hello")
    print("printed hello")
    metrics.add_metric(name="Hellos", unit=MetricUnit.Count, value=1)


def warn(event: Any, context: Any) -> None:
    warnings.warn("careful with that price", UserWarning, stacklevel=1)
