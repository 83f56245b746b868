"""An alarm of the ops topic, as CloudWatch publishes it, for channels that hear `ops`.

CloudWatch's alarm action publishes a JSON object (`AlarmName`, `NewStateValue`,
`NewStateReason`, `StateChangeTime`, ...); with raw message delivery it is the SQS body.
Only what a person reads is kept. An alarm is identified by its name, new state and the
time of the change, so a redelivered message is the same alarm and is delivered once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

ALARM_NAME = "AlarmName"  # the field that tells an alarm from a price alert
_STATES = frozenset({"ALARM", "OK", "INSUFFICIENT_DATA"})


class MalformedAlarmError(ValueError):
    """A message with an AlarmName that is not a CloudWatch alarm notification."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"alarm {field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class OpsAlarm:
    """One state change of one alarm."""

    name: str
    state: str  # ALARM, OK or INSUFFICIENT_DATA
    reason: str
    description: str
    changed_at: str
    region: str

    @property
    def dedup_key(self) -> str:
        """The same for every delivery of this state change (sha256, hex)."""
        identity = "\n".join((self.name, self.state, self.changed_at))
        return hashlib.sha256(identity.encode()).hexdigest()


def is_alarm(document: object) -> bool:
    """Whether a decoded message body is an alarm notification rather than a price alert."""
    return isinstance(document, dict) and ALARM_NAME in document


def parse_alarm(document: dict[str, Any]) -> OpsAlarm:
    """The alarm in a decoded body; MalformedAlarmError naming the field that is wrong."""
    state = _text(document, "NewStateValue")
    if state not in _STATES:
        raise MalformedAlarmError("NewStateValue", f"not one of {', '.join(sorted(_STATES))}")
    return OpsAlarm(
        name=_text(document, ALARM_NAME),
        state=state,
        reason=_text(document, "NewStateReason", required=False),
        description=_text(document, "AlarmDescription", required=False),
        changed_at=_text(document, "StateChangeTime"),
        region=_text(document, "Region", required=False),
    )


def _text(document: dict[str, Any], field: str, *, required: bool = True) -> str:
    value = document.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise MalformedAlarmError(field, "missing or not a string")
    return value
