"""Scraper Lambda: scrape queue batch -> dispatch a run, or scrape product jobs.

A thin adapter (docs/architecture.md "Functions"). Each SQS record is parsed
(`contracts.messages`): `scrape_all_products` and `continue_dispatch` go to the dispatcher
(`monitor.dispatch`), `scrape_product` jobs to the scrape pipeline (`monitor.scrape`), all
of the batch's jobs at once so their pages are fetched concurrently. Pages are fetched by
http; jobs that need a browser are forwarded to the render queue (`monitor.routing`), and
the `auto` retailers found needing one are remembered for the rest of their run, in the
container.

The response lists, as `batchItemFailures`, the messages that must come back: poison
messages (they reach the DLQ after maxReceiveCount receives), transient scrape failures
(their visibility timeout already set to the backoff) and failed dispatches. Nothing a
record does raises out of the handler, because an exception would fail, and redeliver,
the whole batch. Configuration is read once per container, only through
`contracts.environment.load("scraper")`: the variables the Function declares
(`handlers.product_jobs`, shared with the renderer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from contracts.messages import ContinueDispatch, StartRun
from contracts.metric_names import PRODUCTS_DISPATCHED
from handlers.product_jobs import ProductJobFunction, ScrapeRuntime
from monitor import aws
from monitor.dispatch import dispatch_run
from monitor.routing import EscalatedRetailers, PageFetchers
from monitor.scrape import utc_now
from monitor.telemetry import logger, metrics

_escalated = EscalatedRetailers()


def _http_fetchers(runtime: ScrapeRuntime) -> PageFetchers:
    return PageFetchers(escalated=_escalated, proxies=runtime.proxies)


def _dispatch_all(
    runtime: ScrapeRuntime,
    dispatches: Sequence[tuple[str, StartRun | ContinueDispatch]],
    context: LambdaContext,
) -> list[str]:
    return [
        message_id for message_id, message in dispatches if not _dispatch(runtime, message, context)
    ]


_function = ProductJobFunction("scraper", _http_fetchers, _dispatch_all)


def reset() -> None:
    """Forget the container's configuration, robots.txt cache and escalations (tests)."""
    global _escalated
    _function.reset()
    _escalated = EscalatedRetailers()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: Mapping[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return _function.handle(event, context)


def _dispatch(
    runtime: ScrapeRuntime, message: StartRun | ContinueDispatch, context: LambdaContext
) -> bool:
    """Dispatch a run (or its continuation); False when the message must be retried."""
    try:
        report = dispatch_run(
            message,
            products_table=aws.table(runtime.products_table),
            runs_table=aws.table(runtime.runs_table),
            sqs_client=aws.sqs(),
            queue_url=runtime.queue_url,
            render_queue_url=runtime.settings.render_queue_url,
            retailers=runtime.retailers,
            remaining_ms=context.get_remaining_time_in_millis,
            now=utc_now,
        )
    except Exception:
        logger.exception(
            "dispatch failed; its message is reported as a batch item failure",
            extra={"run_id": message.run_id},
        )
        return False
    metrics.add_metric(name=PRODUCTS_DISPATCHED, unit=MetricUnit.Count, value=report.dispatched)
    return True
