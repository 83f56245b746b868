"""The structured logger and the EMF metrics shared by both handlers.

One `Logger` and one `Metrics` per container: Powertools takes the service name from
POWERTOOLS_SERVICE_NAME, the metrics namespace from POWERTOOLS_METRICS_NAMESPACE and the
log level from POWERTOOLS_LOG_LEVEL (all declared in `contracts.environment`). Metrics go out
as EMF log lines when a handler decorated with `metrics.log_metrics` returns: no
PutMetricData calls. Metric names live in `contracts.metric_names`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
