"""The local stack: what the event loop plays, read from what the program declared.

`assemble` turns a run of the program whose resources were created in moto (see
provision.py) into a `LocalStack`: the functions with their handlers and environment, the
event source mappings with their batch, window, filter and failure settings, the schedule
with its input and target, the topics. Everything comes from the declared inputs and the
moto resources' real URLs and ARNs, never from a second description of the service.

A mapping or schedule whose settings the loop could not honour (a source other than an SQS
queue or a DynamoDB stream, filters on a queue, a target that is not a queue, a setting the
loop does not know) is a ProvisioningError naming it, so it cannot be silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from local_stack.program import ProgramRun, RecordedResource
from price_monitor.config import Settings

FUNCTION = "aws:lambda/function:Function"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
SCHEDULE = "aws:scheduler/schedule:Schedule"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# Lambda's defaults for what a declaration leaves out.
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128
DEFAULT_QUEUE_BATCH_SIZE = 10
DEFAULT_STREAM_BATCH_SIZE = 100
UNLIMITED = -1  # retries and record age of a stream mapping: until the record expires
# Where a DynamoDB stream mapping starts reading the shards that exist when it is created.
StartingPosition = Literal["LATEST", "TRIM_HORIZON"]
# EventBridge Scheduler's default retry policy.
DEFAULT_SCHEDULE_RETRY_ATTEMPTS = 185

# The inputs each kind of mapping may declare: the loop honours every one of them.
_COMMON_MAPPING_INPUTS = frozenset(
    ("functionName", "eventSourceArn", "batchSize", "functionResponseTypes", "region", "tags")
)
_QUEUE_MAPPING_INPUTS = _COMMON_MAPPING_INPUTS | {"maximumBatchingWindowInSeconds", "scalingConfig"}
_STREAM_MAPPING_INPUTS = _COMMON_MAPPING_INPUTS | {
    "startingPosition",
    "bisectBatchOnFunctionError",
    "maximumRetryAttempts",
    "maximumRecordAgeInSeconds",
    "destinationConfig",
    "filterCriteria",
}


class ProvisioningError(RuntimeError):
    """The local stack could not be provisioned: the program failed, or it declared something
    the local stack cannot create or play (the message names the resource and what)."""


@dataclass(frozen=True)
class LocalFunction:
    name: str
    handler: str  # module.function under functions/, e.g. handlers.scraper.handler
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    # The layers' version ARNs, as declared. Their code is in this environment already (the
    # notifier's layer is built from it), so the handler runs in process all the same.
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueueMapping:
    """An SQS queue feeding a function (Lambda's event source mapping)."""

    queue_url: str
    queue_arn: str
    function: str  # LocalFunction.name
    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamMapping:
    """A DynamoDB table's stream feeding a function (Lambda's event source mapping)."""

    table_name: str
    stream_arn: str
    function: str  # LocalFunction.name
    batch_size: int
    filter_patterns: list[dict[str, Any]]  # each a Lambda event filter pattern, parsed
    bisect_on_error: bool
    maximum_retry_attempts: int  # -1: unlimited
    maximum_record_age_seconds: int  # -1: unlimited
    on_failure_queue_url: str | None
    report_batch_item_failures: bool
    starting_position: StartingPosition


@dataclass(frozen=True)
class LocalSchedule:
    """An EventBridge Scheduler schedule sending its input to a queue."""

    name: str
    expression: str  # rate(...), cron(...) or at(...)
    input: str  # the declared input, <aws.scheduler.*> placeholders not yet filled in
    target_queue_url: str
    flexible_window_minutes: int  # 0: the window is off
    retry_attempts: int
    dead_letter_queue_url: str | None


@dataclass
class LocalStack:
    """The stack as provisioned in moto, and what the event loop needs to play AWS's part."""

    stack: str
    region: str
    settings: Settings
    outputs: dict[str, Any]  # the stack's exports, with the moto resources' names and URLs
    functions: dict[str, LocalFunction]  # by function name
    queue_mappings: list[QueueMapping]
    stream_mappings: list[StreamMapping]
    schedules: list[LocalSchedule]
    topics: dict[str, str]  # output name -> topic ARN, e.g. alerts_topic_arn
    recorded: list[RecordedResource]  # every resource the program declared, as declared

    def function(self, name: str) -> LocalFunction:
        """The function named `name` (e.g. the `scraper_function` output)."""
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(
                f"no function {name!r} in stack {self.stack!r}; it has {sorted(self.functions)}"
            ) from None


def assemble(run: ProgramRun) -> LocalStack:
    """The LocalStack of a program run whose resources were created in moto."""
    resources = _Resources(run.resources)
    functions = {
        function.name: function for function in map(_function, resources.of_type(FUNCTION))
    }
    queue_mappings: list[QueueMapping] = []
    stream_mappings: list[StreamMapping] = []
    for mapping in resources.of_type(EVENT_SOURCE_MAPPING):
        source = mapping.inputs.get("eventSourceArn", "")
        function = resources.function_name(mapping)
        if source in resources.queue_urls:
            queue_mappings.append(_queue_mapping(mapping, function, resources))
        elif source in resources.stream_tables:
            stream_mappings.append(_stream_mapping(mapping, function, resources))
        else:
            raise _unsupported(mapping, f"its source {source!r} is not a queue or table stream")
    topic_arns = {resource.state["arn"] for resource in resources.of_type(TOPIC)}
    return LocalStack(
        stack=run.stack,
        region=run.settings.region,
        settings=run.settings,
        outputs=dict(run.outputs),
        functions=functions,
        queue_mappings=queue_mappings,
        stream_mappings=stream_mappings,
        schedules=[_schedule(schedule, resources) for schedule in resources.of_type(SCHEDULE)],
        topics={
            name: value
            for name, value in run.outputs.items()
            if isinstance(value, str) and value in topic_arns
        },
        recorded=list(run.resources),
    )


class _Resources:
    """The declared resources, and the lookups from the ARNs one resource gives another."""

    def __init__(self, resources: list[RecordedResource]) -> None:
        self.resources = resources
        self.queue_urls = {q.state["arn"]: q.state["url"] for q in self.of_type(QUEUE)}
        self.stream_tables = {
            table.state["streamArn"]: table.state["name"]
            for table in self.of_type(TABLE)
            if table.state.get("streamArn")
        }
        # A mapping names its function by name or by ARN, as Lambda allows.
        self.function_names = {
            reference: function.state["name"]
            for function in self.of_type(FUNCTION)
            for reference in (function.state["name"], function.state["arn"])
        }

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def queue_url(self, resource: RecordedResource, arn: str, role: str) -> str:
        try:
            return self.queue_urls[arn]
        except KeyError:
            raise _unsupported(
                resource, f"its {role} {arn!r} is not a queue of the stack"
            ) from None

    def function_name(self, mapping: RecordedResource) -> str:
        reference = mapping.inputs.get("functionName", "")
        try:
            return self.function_names[reference]
        except KeyError:
            raise _unsupported(
                mapping, f"its function {reference!r} is not a function of the stack"
            ) from None


def _function(resource: RecordedResource) -> LocalFunction:
    inputs = resource.inputs
    handler = inputs.get("handler") or _image_handler(inputs)
    if not handler:
        raise _unsupported(
            resource,
            "it declares no handler (a zip's `handler`, or an image's image_config.commands)",
        )
    return LocalFunction(
        name=resource.state["name"],
        handler=handler,
        environment=dict((inputs.get("environment") or {}).get("variables") or {}),
        timeout_seconds=int(inputs.get("timeout", DEFAULT_TIMEOUT_SECONDS)),
        memory_mb=int(inputs.get("memorySize", DEFAULT_MEMORY_MB)),
        layers=tuple(inputs.get("layers") or ()),
    )


def _image_handler(inputs: Mapping[str, Any]) -> str | None:
    """An image function's handler: its image_config.commands, as the program names it.

    The image is built from functions/ (the renderer's), so its handler runs in process
    like a zip function's; the image's own CMD is the program's too (tests/infra).
    """
    if inputs.get("packageType") != "Image":
        return None
    commands = (inputs.get("imageConfig") or {}).get("commands") or []
    return commands[0] if len(commands) == 1 else None


def _queue_mapping(mapping: RecordedResource, function: str, resources: _Resources) -> QueueMapping:
    inputs = _understood(mapping, _QUEUE_MAPPING_INPUTS, "a queue mapping")
    concurrency = (inputs.get("scalingConfig") or {}).get("maximumConcurrency")
    return QueueMapping(
        queue_url=resources.queue_urls[inputs["eventSourceArn"]],
        queue_arn=inputs["eventSourceArn"],
        function=function,
        batch_size=int(inputs.get("batchSize", DEFAULT_QUEUE_BATCH_SIZE)),
        batching_window_seconds=int(inputs.get("maximumBatchingWindowInSeconds", 0)),
        maximum_concurrency=None if concurrency is None else int(concurrency),
        report_batch_item_failures=_reports_item_failures(inputs),
    )


def _stream_mapping(
    mapping: RecordedResource, function: str, resources: _Resources
) -> StreamMapping:
    inputs = _understood(mapping, _STREAM_MAPPING_INPUTS, "a stream mapping")
    on_failure = ((inputs.get("destinationConfig") or {}).get("onFailure") or {}).get(
        "destinationArn"
    )
    filters = (inputs.get("filterCriteria") or {}).get("filters") or []
    return StreamMapping(
        table_name=resources.stream_tables[inputs["eventSourceArn"]],
        stream_arn=inputs["eventSourceArn"],
        function=function,
        batch_size=int(inputs.get("batchSize", DEFAULT_STREAM_BATCH_SIZE)),
        filter_patterns=[json.loads(entry["pattern"]) for entry in filters],
        bisect_on_error=bool(inputs.get("bisectBatchOnFunctionError", False)),
        maximum_retry_attempts=int(inputs.get("maximumRetryAttempts", UNLIMITED)),
        maximum_record_age_seconds=int(inputs.get("maximumRecordAgeInSeconds", UNLIMITED)),
        on_failure_queue_url=(
            None
            if on_failure is None
            else resources.queue_url(mapping, on_failure, "on-failure destination")
        ),
        report_batch_item_failures=_reports_item_failures(inputs),
        starting_position=inputs["startingPosition"],
    )


def _schedule(schedule: RecordedResource, resources: _Resources) -> LocalSchedule:
    inputs = schedule.inputs
    target = inputs["target"]
    if "input" not in target:
        raise _unsupported(schedule, "its target declares no input to send")
    window = inputs.get("flexibleTimeWindow") or {}
    dead_letter = (target.get("deadLetterConfig") or {}).get("arn")
    return LocalSchedule(
        name=schedule.state["name"],
        expression=inputs["scheduleExpression"],
        input=target["input"],
        target_queue_url=resources.queue_url(schedule, target["arn"], "target"),
        flexible_window_minutes=(
            int(window.get("maximumWindowInMinutes", 0)) if window.get("mode") == "FLEXIBLE" else 0
        ),
        retry_attempts=int(
            (target.get("retryPolicy") or {}).get(
                "maximumRetryAttempts", DEFAULT_SCHEDULE_RETRY_ATTEMPTS
            )
        ),
        dead_letter_queue_url=(
            None
            if dead_letter is None
            else resources.queue_url(schedule, dead_letter, "dead-letter queue")
        ),
    )


def _reports_item_failures(inputs: Mapping[str, Any]) -> bool:
    return REPORT_BATCH_ITEM_FAILURES in (inputs.get("functionResponseTypes") or ())


def _understood(resource: RecordedResource, known: Collection[str], kind: str) -> dict[str, Any]:
    unknown = sorted(set(resource.inputs) - set(known))
    if unknown:
        raise _unsupported(
            resource, f"the local stack does not play {', '.join(unknown)} of {kind}"
        )
    return resource.inputs


def _unsupported(resource: RecordedResource, problem: str) -> ProvisioningError:
    return ProvisioningError(f"{resource.type} {resource.name}: {problem}")
