"""The EventBridge Scheduler's schedule group and schedule in moto, as declared.

moto stores the schedule; the event loop fires it (local_stack/services/scheduler.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from local_stack.provisioning.emulation import Created, Emulation, pascal
from local_stack.provisioning.moto_account import MotoAccount


def create_schedule_group(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    group = inputs.get("name") or name
    arn = aws.client("scheduler", inputs).create_schedule_group(Name=group)["ScheduleGroupArn"]
    return group, {"name": group, "arn": arn}


def create_schedule(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    schedule = inputs.get("name") or name
    group = inputs.get("groupName") or "default"
    request = {
        "Name": schedule,
        "GroupName": group,
        "ScheduleExpression": inputs["scheduleExpression"],
        # The scheduler's API shapes are the camelCase inputs with capitals.
        "FlexibleTimeWindow": pascal(inputs["flexibleTimeWindow"]),
        "Target": pascal(inputs["target"]),
    }
    for key, request_key in (
        ("scheduleExpressionTimezone", "ScheduleExpressionTimezone"),
        ("description", "Description"),
    ):
        if inputs.get(key):
            request[request_key] = inputs[key]
    arn = aws.client("scheduler", inputs).create_schedule(**request)["ScheduleArn"]
    return f"{group}/{schedule}", {"name": schedule, "groupName": group, "arn": arn}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        "aws:scheduler/scheduleGroup:ScheduleGroup": Emulation(
            create_schedule_group, frozenset(("name",))
        ),
        "aws:scheduler/schedule:Schedule": Emulation(
            create_schedule,
            frozenset(
                (
                    "name",
                    "groupName",
                    "scheduleExpression",
                    "scheduleExpressionTimezone",
                    "flexibleTimeWindow",
                    "target",
                    "description",
                )
            ),
        ),
    }
)
