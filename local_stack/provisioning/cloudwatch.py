"""CloudWatch alarms in moto, as declared, so `pricemon status` finds them.

Nothing evaluates them locally (the EMF metrics stay in the functions' log): each stays
INSUFFICIENT_DATA, which is what is true of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from local_stack.provisioning.emulation import Created, Emulation, pascal
from local_stack.provisioning.moto_account import MotoAccount

# moto's PutMetricAlarm answers no ARN: the alarm's is formed as AWS forms it.
_ALARM_ARN = "arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"

# Alarm inputs passed to PutMetricAlarm as they are (the rest are built below).
_ALARM_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "alarmDescription": "AlarmDescription",
        "metricName": "MetricName",
        "namespace": "Namespace",
        "statistic": "Statistic",
        "period": "Period",
        "treatMissingData": "TreatMissingData",
        "datapointsToAlarm": "DatapointsToAlarm",
    }
)


def create_alarm(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("cloudwatch", inputs)
    alarm = inputs.get("name") or name
    request: dict[str, Any] = {
        "AlarmName": alarm,
        "ComparisonOperator": inputs["comparisonOperator"],
        "EvaluationPeriods": int(inputs["evaluationPeriods"]),
        "Threshold": float(inputs["threshold"]),
        "AlarmActions": list(inputs.get("alarmActions") or []),
        "OKActions": list(inputs.get("okActions") or []),
    }
    for key, field in _ALARM_FIELDS.items():
        if inputs.get(key) not in (None, ""):
            request[field] = pascal(inputs[key])
    if inputs.get("dimensions"):
        request["Dimensions"] = _dimensions(inputs["dimensions"])
    if inputs.get("metricQueries"):
        request["Metrics"] = [_metric_query(query) for query in inputs["metricQueries"]]
    client.put_metric_alarm(**request)
    # moto would report OK, which nothing here has checked: say what is true.
    client.set_alarm_state(
        AlarmName=alarm,
        StateValue="INSUFFICIENT_DATA",
        StateReason="not evaluated on the local stack: metrics stay in the logs as EMF",
    )
    return alarm, {"name": alarm, "arn": aws.arn(_ALARM_ARN, alarm)}


def _dimensions(dimensions: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Name": key, "Value": str(value)} for key, value in dimensions.items()]


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A declared metric query (camelCase, dimensions as a map) as PutMetricAlarm's Metrics."""
    request: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    for key, field in (("expression", "Expression"), ("label", "Label")):
        if query.get(key):
            request[field] = query[key]
    metric = query.get("metric")
    if metric:
        request["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": _dimensions(metric.get("dimensions") or {}),
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
    return request


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:cloudwatch/metricAlarm:MetricAlarm": Emulation(
            create_alarm,
            frozenset(
                (
                    "name",
                    "comparisonOperator",
                    "evaluationPeriods",
                    "threshold",
                    "alarmActions",
                    "okActions",
                    "dimensions",
                    "metricQueries",
                    *_ALARM_FIELDS,
                )
            ),
        ),
    }
)
