"""Fault injection on the local stack: rules that act on the AWS calls the functions make.

A `FaultInjector` sees every request a local function sends to the emulated AWS (moto's
`before-send` hook, which every boto3 client in the session goes through) and lets its
rules decide what happens to it, deterministically, by counting calls:

- `crash_before()` / `crash_after()`: the function's process dies just before the call is
  sent or just after its response arrived (`SimulatedCrash`, which the local Lambda runtime
  reports as a failed invocation: its SQS batch comes back after the visibility timeout, its
  stream batch is retried). A dead SQS invocation's deadline passes before its messages come
  back, as on AWS (visibility timeout >= function timeout): by default the functions' wall
  clock moves past it, so a lease the dead invocation held has expired when it is retried;
- `fail(code, status)`, `throttle()`: AWS answers with that error (the SDK's own retries
  apply, taking no real time while the injector is installed);
- `nothing_processed()`: a BatchWriteItem or BatchGetItem whose items all come back
  unprocessed (DynamoDB's throttled batch answer);
- `meanwhile(callback)`: `callback(call)` runs before the call is sent: a second invocation
  started there interleaves two invocations exactly at that point (concurrency made
  deterministic on the single-threaded runtime), e.g. `deliver_again(runtime)`.

Which calls a rule watches is a `Calls` filter (function, service, operations, resource
such as a table name, topic ARN, queue URL or bucket, and a predicate); which of those it
acts on is a selector: `nth_call(n)`, `calls(...)`, `every_call()`, `every_nth_attempt(k)`,
`first_attempts(n)`. Calls of the event loop itself (outside any invocation) are never
touched.

`let_time_pass(seconds)` moves the wall clock the functions read (the scraper's `utc_now`,
Powertools idempotency's expiry checks) ahead: the one thing the simulated clock cannot
move for them (local_stack/clock.py), e.g. past a killed detector's in-progress
lock before a redrive.
"""

from __future__ import annotations

import importlib
import json
import types
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import botocore.endpoint
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from local_stack.lambda_runtime import LambdaRuntime, SimulatedCrash

__all__ = [
    "AwsCall",
    "Calls",
    "FaultInjector",
    "Rule",
    "SimulatedCrash",
    "calls",
    "crash_after",
    "crash_before",
    "deliver_again",
    "every_call",
    "every_nth_attempt",
    "fail",
    "first_attempts",
    "injecting",
    "meanwhile",
    "nothing_processed",
    "nth_call",
    "throttle",
]

# Wire protocol of the services the functions call, for the error answers built here.
_JSON, _QUERY, _REST_XML = "json", "query", "rest-xml"
_PROTOCOLS = {
    "dynamodb": _JSON,
    "sqs": _JSON,
    "secrets-manager": _JSON,  # the proxies' URLs (monitor.proxies)
    "sns": _QUERY,
    "s3": _REST_XML,
}
_THROTTLING_CODES = {"dynamodb": "ProvisionedThroughputExceededException", "sns": "Throttling"}
# The clocks the functions read: (module, attribute holding the datetime module or class).
_FUNCTION_CLOCKS = (
    ("monitor.scrape", "datetime"),
    ("aws_lambda_powertools.utilities.idempotency.persistence.base", "dt"),
    ("aws_lambda_powertools.utilities.idempotency.persistence.dynamodb", "dt"),
)


class FaultConfigurationError(ValueError):
    """A rule asks for something the injector cannot do (e.g. an unknown service)."""


@dataclass(frozen=True)
class AwsCall:
    """One attempt of an AWS call by a local function, as sent."""

    function: str
    service: str  # botocore's service id: dynamodb, sqs, sns, s3
    operation: str  # UpdateItem, Publish, ...
    params: Mapping[str, Any]  # the JSON body (DynamoDB, SQS) or the query form (SNS)
    resources: frozenset[str]  # tables, queue URLs, topic ARNs and buckets it names
    call_id: str  # the SDK's invocation id: every retry of one call shares it
    attempt: int  # 1 for the first attempt

    @property
    def product_id(self) -> str | None:
        """The `product_id` of a DynamoDB single-item call's key, if any."""
        return (self.params.get("Key") or {}).get("product_id", {}).get("S")


@dataclass(frozen=True)
class Calls:
    """Which calls a rule watches (every field given must match)."""

    function: str | None = None
    service: str | None = None
    operations: Sequence[str] = ()
    resource: str | None = None
    where: Callable[[AwsCall], bool] | None = None

    def match(self, call: AwsCall) -> bool:
        return (
            (self.function is None or call.function == self.function)
            and (self.service is None or call.service == self.service)
            and (not self.operations or call.operation in self.operations)
            and (self.resource is None or self.resource in call.resources)
            and (self.where is None or self.where(call))
        )


class Selector(Protocol):
    """Whether a rule acts on this attempt: the matching call's number (from 1), the
    number of matching attempts so far (this one included), and the call."""

    def __call__(self, call_number: int, attempt_number: int, call: AwsCall) -> bool: ...


def nth_call(n: int) -> Selector:
    """Every attempt of the n-th matching call."""
    return calls(n)


def calls(*numbers: int) -> Selector:
    """Every attempt of the matching calls with these numbers."""
    chosen = frozenset(numbers)
    return lambda call_number, attempt_number, call: call_number in chosen


def every_call() -> Selector:
    """Every attempt of every matching call (a persistent fault)."""
    return lambda call_number, attempt_number, call: True


def every_nth_attempt(k: int) -> Selector:
    """One matching attempt in k: the k-th, 2k-th, ... (the SDK's retries count)."""
    return lambda call_number, attempt_number, call: attempt_number % k == 0


def first_attempts(n: int = 1) -> Selector:
    """The first n attempts of every matching call (a transient fault the SDK may ride out)."""
    return lambda call_number, attempt_number, call: call.attempt <= n


@dataclass(frozen=True)
class Hit:
    """A rule acting on an attempt: the call, how to send it on, and the injector."""

    call: AwsCall
    forward: Callable[[], AWSResponse | None]
    injector: FaultInjector


Action = Callable[[Hit], AWSResponse | None]


def crash_before(*, deadline_passes: bool = True) -> Action:
    """The function dies before the call is sent (nothing of it happens)."""

    def act(hit: Hit) -> AWSResponse | None:
        hit.injector.crashed(hit.call, deadline_passes)
        raise SimulatedCrash(f"killed before {hit.call.service}.{hit.call.operation}")

    return act


def crash_after(*, deadline_passes: bool = True) -> Action:
    """The function dies right after the call's response arrived (the call took effect)."""

    def act(hit: Hit) -> AWSResponse | None:
        hit.forward()
        hit.injector.crashed(hit.call, deadline_passes)
        raise SimulatedCrash(f"killed after {hit.call.service}.{hit.call.operation}")

    return act


def fail(code: str, status: int = 500, message: str = "injected fault") -> Action:
    """AWS answers the attempt with error `code` (HTTP `status`); nothing of it happens."""
    return lambda hit: error_response(hit.call, code, status, message)


def throttle() -> Action:
    """The service's throttling error (the SDK retries it)."""

    def act(hit: Hit) -> AWSResponse:
        code = _THROTTLING_CODES.get(hit.call.service, "ThrottlingException")
        return error_response(hit.call, code, 400, "Rate exceeded (injected)")

    return act


def nothing_processed() -> Action:
    """A BatchWriteItem/BatchGetItem answered with every item unprocessed."""

    def act(hit: Hit) -> AWSResponse:
        call = hit.call
        if call.operation == "BatchWriteItem":
            body = {"UnprocessedItems": call.params["RequestItems"]}
        elif call.operation == "BatchGetItem":
            body = {"Responses": {}, "UnprocessedKeys": call.params["RequestItems"]}
        else:
            raise FaultConfigurationError(f"{call.operation} has no unprocessed items")
        return _response(200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body))

    return act


def meanwhile(callback: Callable[[AwsCall], object]) -> Action:
    """Run `callback(call)` (e.g. a second invocation), then send the call on."""

    def act(hit: Hit) -> AWSResponse | None:
        callback(hit.call)
        return hit.forward()

    return act


def deliver_again(runtime: LambdaRuntime) -> Callable[[AwsCall], object]:
    """A callback for `meanwhile`: the same function invoked again with the event of the
    invocation in progress (a batch delivered twice, handled at the same time)."""

    def again(call: AwsCall) -> object:
        running = runtime.running[-1]
        return runtime.invoke(running.function, running.event)

    return again


@dataclass
class Rule:
    """Acts with `action` on the attempts of the `watch`ed calls that `select` chooses, at
    most `limit` times (None: no limit)."""

    watch: Calls
    select: Selector
    action: Action
    limit: int | None = None
    name: str = ""
    fired: int = 0  # how many attempts it acted on
    _call_numbers: dict[str, int] = field(default_factory=dict)
    _attempts: int = 0

    def chooses(self, call: AwsCall) -> bool:
        if not self.watch.match(call):
            return False
        number = self._call_numbers.setdefault(call.call_id, len(self._call_numbers) + 1)
        self._attempts += 1
        if self.limit is not None and self.fired >= self.limit:
            return False
        return self.select(number, self._attempts, call)


@dataclass
class FaultInjector:
    """The rules in force on the local functions' AWS calls (see the module docstring)."""

    runtime: LambdaRuntime
    rules: list[Rule] = field(default_factory=list)
    crashes: list[AwsCall] = field(default_factory=list)
    ahead_seconds: float = 0.0  # how far the functions' wall clock runs ahead of real time

    def add(self, rule: Rule) -> Rule:
        self.rules.append(rule)
        return rule

    @contextmanager
    def rule(
        self, watch: Calls, select: Selector, action: Action, *, limit: int | None = None
    ) -> Iterator[Rule]:
        """A rule in force for the `with` block."""
        added = self.add(Rule(watch, select, action, limit))
        try:
            yield added
        finally:
            self.rules.remove(added)

    def clear(self) -> None:
        self.rules.clear()

    def let_time_pass(self, seconds: float) -> None:
        """Move the functions' wall clock `seconds` further ahead."""
        self.ahead_seconds += seconds

    def crashed(self, call: AwsCall, deadline_passes: bool) -> None:
        self.crashes.append(call)
        if deadline_passes:
            self.let_time_pass(self.runtime.function(call.function).timeout_seconds)

    # --- the hook ----------------------------------------------------------------------

    def answer(
        self, event_name: str, request: AWSPreparedRequest, forward: Callable[[], Any]
    ) -> AWSResponse | None:
        """moto's before-send answer for `request`, or a rule's in its place."""
        if not self.runtime.running:
            return forward()  # the event loop's own call
        call = _aws_call(self.runtime.running[-1].function, event_name, request)
        for rule in list(self.rules):
            if rule.chooses(call):
                rule.fired += 1
                return rule.action(Hit(call, forward, self))
        return forward()


# What `injecting` replaces: (owner, attribute, replacement, original).
_Patch = tuple[object, str, object, object]


_installed: FaultInjector | None = None


class InjectorAlreadyInstalledError(RuntimeError):
    """Another FaultInjector is already installed."""


@contextmanager
def injecting(runtime: LambdaRuntime) -> Iterator[FaultInjector]:
    """While open, `runtime`'s functions' AWS calls go through a FaultInjector's rules.

    Also, as the local stack's waits take no real time: the SDK's retry backoff does not
    sleep, and the functions' wall clock runs `ahead_seconds` ahead (`let_time_pass`).
    """
    global _installed
    if _installed is not None:
        raise InjectorAlreadyInstalledError("a fault injector is already installed")
    injector = FaultInjector(runtime)
    original = BotocoreStubber.__call__

    def before_send(
        stubber: BotocoreStubber, event_name: str, request: AWSPreparedRequest, **kwargs: Any
    ) -> AWSResponse | None:
        def forward() -> AWSResponse | None:
            return original(stubber, event_name, request, **kwargs)

        if not stubber.enabled:
            return forward()
        return injector.answer(event_name, request, forward)

    # botocore-stubs leave out botocore.endpoint's own `import time`, which is replaced here.
    sdk_time = botocore.endpoint.time  # type: ignore[attr-defined]
    patches: list[_Patch] = [
        (BotocoreStubber, "__call__", before_send, original),
        (botocore.endpoint, "time", _NoSleep(sdk_time), sdk_time),
        *_function_clocks(lambda: injector.ahead_seconds),
    ]
    for owner, name, replacement, _ in patches:
        setattr(owner, name, replacement)
    _installed = injector
    try:
        yield injector
    finally:
        for owner, name, _, replaced in patches:
            setattr(owner, name, replaced)
        _installed = None


class _NoSleep:
    """The `time` module as botocore's endpoint sees it, without sleeping between retries."""

    def __init__(self, real: types.ModuleType) -> None:
        self._real = real

    def sleep(self, seconds: float) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _function_clocks(ahead: Callable[[], float]) -> list[_Patch]:
    """(module, attribute, replacement, original) making the functions' clocks run `ahead()`."""

    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + timedelta(seconds=ahead())

    replacements: list[_Patch] = []
    for module_name, name in _FUNCTION_CLOCKS:
        module = importlib.import_module(module_name)
        current = getattr(module, name)
        if isinstance(current, types.ModuleType):
            shifted: Any = types.ModuleType(current.__name__)
            shifted.__dict__.update(vars(current))
            shifted.datetime = ShiftedDatetime
        else:
            shifted = ShiftedDatetime
        replacements.append((module, name, shifted, current))
    return replacements


def _aws_call(function: str, event_name: str, request: AWSPreparedRequest) -> AwsCall:
    _, service, operation = event_name.split(".", 2)
    protocol = _protocol(service)
    params: dict[str, Any] = {}
    resources: set[str] = set()
    if protocol == _JSON:
        params = json.loads(_body_text(request) or "{}")
        resources.update(
            str(params[name]) for name in ("TableName", "QueueUrl", "SecretId") if name in params
        )
        resources.update(params.get("RequestItems") or {})  # BatchGetItem, BatchWriteItem
    elif protocol == _QUERY:
        params = {name: values[0] for name, values in parse_qs(_body_text(request)).items()}
        resources.update(params[name] for name in ("TopicArn", "TargetArn") if name in params)
    else:
        resources.add(_s3_bucket(request.url))
    # The SDK's headers: "attempt=2; max=5", and one invocation id shared by the retries.
    sdk_request = _header(request, "amz-sdk-request") or "attempt=1"
    attempt = int(dict(part.strip().split("=", 1) for part in sdk_request.split(";"))["attempt"])
    call_id = _header(request, "amz-sdk-invocation-id") or str(uuid.uuid4())
    return AwsCall(function, service, operation, params, frozenset(resources), call_id, attempt)


def _header(request: AWSPreparedRequest, name: str) -> str | None:
    value = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def _protocol(service: str) -> str:
    try:
        return _PROTOCOLS[service]
    except KeyError:
        raise FaultConfigurationError(f"no fault injection for {service!r} calls") from None


def _body_text(request: AWSPreparedRequest) -> str:
    body = request.body
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode()
    if isinstance(body, str):
        return body
    return ""  # a streaming body (S3 uploads): not read here


def _s3_bucket(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ".s3." in host and not host.startswith("s3."):
        return host.split(".s3.", 1)[0]  # virtual-hosted style
    return parts.path.lstrip("/").split("/", 1)[0]  # path style


def error_response(call: AwsCall, code: str, status: int, message: str) -> AWSResponse:
    """The HTTP answer AWS gives for error `code`, in the service's wire protocol."""
    request_id = str(uuid.uuid4())
    protocol = _protocol(call.service)
    if protocol == _JSON:
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
        return _response(status, headers, json.dumps({"__type": code, "message": message}))
    error = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
    if protocol == _QUERY:
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type>{error}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        body = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
    return _response(status, {"Content-Type": "text/xml", "x-amz-request-id": request_id}, body)


def _response(status: int, headers: Mapping[str, str], body: str) -> AWSResponse:
    return AWSResponse(
        "https://injected.invalid", status, HTTPHeaders.from_dict(headers), MockRawResponse(body)
    )
