"""AWS API calls counted at the botocore level, by who made them.

`CallCounter.installed()` wraps `botocore.client.BaseClient._make_api_call`, through which
every client call (resources and paginators included, one per page; SDK retries are inside
it, so a retried call counts once) passes, and attributes each call to a scope:

- `function`: made while `LambdaRuntime.invoke` runs, i.e. by the Lambda functions' code;
  these are the calls the user's AWS bill and the per-product budgets are about;
- `event_loop`: made by the local stack playing AWS (the SQS and stream event source
  mappings' receives, deletes and stream reads, the scheduler's send): on AWS, the Lambda
  pollers make these (SQS ones are billed to the user, stream reads are not);
- `harness`: anything else (the benchmark and the loop's own accounting scans).

The innermost scope wins: an invocation made by an event source's poll is `function`.
Calls are counted only between `start()` and `stop()`, so a benchmark measures one cycle.
The scope is a plain attribute rather than thread-local on purpose: the local stack
invokes one function at a time, and a function's worker threads work inside its scope.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from botocore.client import BaseClient

from local_stack.lambda_runtime import Invocation, LambdaRuntime
from local_stack.services.scheduler import Scheduler
from local_stack.services.sqs_event_source import SqsEventSource
from local_stack.services.stream_event_source import StreamEventSource

FUNCTION = "function"
EVENT_LOOP = "event_loop"
HARNESS = "harness"


@dataclass(frozen=True)
class ApiCall:
    """One botocore API call and who made it."""

    scope: str  # FUNCTION, EVENT_LOOP or HARNESS
    function: str | None  # the invoked function's name, for FUNCTION calls
    service: str  # botocore's service name: "sqs", "dynamodb", "s3", ...
    operation: str  # "SendMessageBatch", ...
    params: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True)
class TimedInvocation:
    function: str
    seconds: float
    ok: bool


Listener = Callable[[ApiCall], None]


@dataclass
class CallCounter:
    """Counts of calls per scope and `service:Operation`, and the functions' invocations."""

    listeners: list[Listener] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {FUNCTION: Counter(), EVENT_LOOP: Counter(), HARNESS: Counter()}
    )
    # The FUNCTION calls again, per function name.
    by_function: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    invocations: list[TimedInvocation] = field(default_factory=list)
    _scopes: list[tuple[str, str | None]] = field(default_factory=list)
    _counting: bool = False

    def start(self) -> None:
        """Count from now, from zero."""
        for counts in self.counts.values():
            counts.clear()
        self.by_function.clear()
        self.invocations.clear()
        self._counting = True

    def stop(self) -> None:
        self._counting = False

    @contextmanager
    def scope(self, scope: str, function: str | None = None) -> Iterator[None]:
        """Attribute the calls made inside to `scope` (and `function`)."""
        self._scopes.append((scope, function))
        try:
            yield
        finally:
            self._scopes.pop()

    def record(self, service: str, operation: str, params: Mapping[str, Any]) -> None:
        """One API call, attributed to the current scope (when counting)."""
        if not self._counting:
            return
        scope, function = self._scopes[-1] if self._scopes else (HARNESS, None)
        call = ApiCall(scope, function, service, operation, params)
        self.counts[scope][call.name] += 1
        if function is not None:
            self.by_function[function][call.name] += 1
        for listener in self.listeners:
            listener(call)

    def record_invocation(self, invocation: Invocation) -> None:
        if self._counting:
            self.invocations.append(
                TimedInvocation(invocation.function, invocation.duration_seconds, invocation.ok)
            )

    @contextmanager
    def installed(self) -> Iterator[CallCounter]:
        """Route botocore's calls and the local stack's invocations and polls through this
        counter, until the block ends."""
        counter = self
        # botocore-stubs leave out this private method, which every client call goes through.
        make_api_call = BaseClient._make_api_call  # type: ignore[attr-defined]
        invoke = LambdaRuntime.invoke

        @wraps(make_api_call)
        def counted_call(client: BaseClient, operation: str, params: Any) -> Any:
            counter.record(client.meta.service_model.service_name, operation, params)
            return make_api_call(client, operation, params)

        @wraps(invoke)
        def counted_invoke(runtime: LambdaRuntime, name: str, event: Any) -> Invocation:
            with counter.scope(FUNCTION, name):
                invocation = invoke(runtime, name, event)
            counter.record_invocation(invocation)
            return invocation

        patches: list[tuple[Any, str, Any]] = [
            (BaseClient, "_make_api_call", counted_call),
            (LambdaRuntime, "invoke", counted_invoke),
            *(
                (owner, method, counter._in_event_loop(getattr(owner, method)))
                for owner, method in (
                    (SqsEventSource, "poll"),
                    (StreamEventSource, "poll"),
                    (Scheduler, "fire"),
                )
            ),
        ]
        originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        try:
            yield self
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)

    def _in_event_loop(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def polled(*args: Any, **kwargs: Any) -> Any:
            with self.scope(EVENT_LOOP):
                return method(*args, **kwargs)

        return polled
