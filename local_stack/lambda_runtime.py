"""Running the project's Lambda handlers locally, the way the Lambda runtime calls them.

`LambdaRuntime.invoke(name, event)` calls the function's declared handler (imported from
`functions/`, the directory the deployment package zips) with:

- the event as Lambda passes it: JSON, decoded (no Python-only types survive);
- a `LambdaContext` whose `get_remaining_time_in_millis` counts down, in real time, from
  the function's declared timeout;
- `os.environ` holding the function's declared variables, plus the variables Lambda itself
  sets (region, function name, memory, version), and none of the variables another local
  function declares; the process environment is restored afterwards;
- what the function writes (its logs, EMF metrics, prints) going to the function's log
  stream, with START / END / REPORT lines as in CloudWatch, not to the terminal.

The result is an `Invocation`: the response (JSON round-tripped, as Lambda returns it) or
the function error (an exception, a response Lambda could not serialise, a run past the
declared timeout, or a `SimulatedCrash`: the process dying mid-call, which no `except
Exception` in the handler survives). A timed-out or crashed function's container is reset,
as Lambda replaces it. `running` holds the invocations in progress, innermost last (a fault
injected into an AWS call may start a second one meanwhile: local_stack/faults.py).

One interpreter stands in for every container, so module state is shared between the
functions and kept between invocations, like a warm container. Powertools' `Logger` and
`Metrics` read their settings from the environment when first imported; the runtime imports
a handler under its function's environment, and gives its Logger and Metrics the function's
POWERTOOLS_* settings for each invocation (the scraper and the detector share
`monitor.telemetry`, and a test process may have imported it under another environment).
`reset_containers()` is a cold start: each handler module's `reset()` and `monitor.aws.reset()`
forget cached configuration and clients (call it for each new moto session).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol, TextIO

from aws_lambda_powertools import Logger, Metrics

from contracts.environment import (
    POWERTOOLS_LOG_LEVEL,
    POWERTOOLS_METRICS_NAMESPACE,
    POWERTOOLS_SERVICE_NAME,
)
from local_stack.environ import environment_changed

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account
# Module-level AWS clients shared by the handlers (functions/monitor/aws.py).
CLIENTS_MODULE = "monitor.aws"
# Lambda's errorType for a function past its timeout, and for a runtime that exited.
TIMED_OUT = "Sandbox.Timedout"
CRASHED = "Runtime.ExitError"


class FunctionDefinition(Protocol):
    """What the runtime needs of a declared function (local_stack.stack.LocalFunction)."""

    @property
    def name(self) -> str: ...
    @property
    def handler(self) -> str: ...
    @property
    def environment(self) -> Mapping[str, str]: ...
    @property
    def timeout_seconds(self) -> int: ...
    @property
    def memory_mb(self) -> int: ...


class SimulatedCrash(BaseException):
    """The function's process dies here (an injected fault): a BaseException, so the
    handler's `except Exception` cannot catch it, as nothing catches a killed process."""


class UnknownFunctionError(KeyError):
    """No local function has this name."""


class HandlerNotFoundError(ImportError):
    """A declared handler string does not name a callable in functions/."""


@dataclass
class LambdaContext:
    """The Lambda context object: identity of the invocation and its remaining time."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float  # time.monotonic() at which the declared timeout ends
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class FunctionError:
    """A failed invocation, as Lambda reports it (errorType, errorMessage)."""

    error_type: str
    message: str
    trace: str = ""


@dataclass(frozen=True)
class Invocation:
    """One call of a function: what it was given and what came back."""

    function: str
    request_id: str
    event: Any
    response: Any
    error: FunctionError | None
    duration_seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class RunningInvocation:
    """An invocation in progress: which function, with which event."""

    function: str
    request_id: str
    event: Any


@dataclass
class LambdaRuntime:
    """The local stack's functions, callable by name."""

    functions: Mapping[str, FunctionDefinition]
    region: str
    log_stream: TextIO = field(default_factory=io.StringIO)
    account_id: str = DEFAULT_ACCOUNT_ID
    # Every invocation, in order, when True (tests replay and inspect them).
    record_invocations: bool = False
    invocations: list[Invocation] = field(default_factory=list)
    running: list[RunningInvocation] = field(default_factory=list)

    def function(self, name: str) -> FunctionDefinition:
        try:
            return self.functions[name]
        except KeyError:
            raise UnknownFunctionError(f"no local function named {name!r}") from None

    def reset_containers(self) -> None:
        """A cold start for every function: cached configuration and clients are forgotten."""
        for definition in self.functions.values():
            module_name, _ = _split_handler(definition.handler)
            module = sys.modules.get(module_name)
            reset = getattr(module, "reset", None)
            if callable(reset):
                reset()
        clients = sys.modules.get(CLIENTS_MODULE)
        if clients is not None:
            clients.reset()

    def invoke(self, name: str, event: Any) -> Invocation:
        """Call function `name` with `event` as Lambda would; never raises the handler's error."""
        definition = self.function(name)
        request_id = str(uuid.uuid4())
        payload = json.loads(json.dumps(event))
        context = self._context(definition, request_id)
        started = time.monotonic()
        response: Any = None
        error: FunctionError | None = None
        with self._environment(definition), self._logs_to_stream(definition):
            print(f"START RequestId: {request_id} Version: $LATEST")
            self.running.append(RunningInvocation(name, request_id, payload))
            try:
                handler, module = self._handler(definition)
                with _powertools_settings(module, definition.environment):
                    result = handler(payload, context)
            except Exception as exception:
                error = FunctionError(
                    type(exception).__name__, str(exception), traceback.format_exc()
                )
                print(error.trace, end="")
            except SimulatedCrash as crash:
                error = FunctionError(
                    CRASHED, f"RequestId: {request_id} Error: Runtime exited: {crash}"
                )
                print(traceback.format_exc(), end="")
            else:
                response, error = _marshal(result)
            finally:
                self.running.pop()
            elapsed = time.monotonic() - started
            if elapsed > definition.timeout_seconds:
                error = FunctionError(
                    TIMED_OUT,
                    f"RequestId: {request_id} Error: Task timed out after "
                    f"{definition.timeout_seconds:.2f} seconds",
                )
                response = None
            print(f"END RequestId: {request_id}")
            print(
                f"REPORT RequestId: {request_id}\tDuration: {elapsed * 1000:.2f} ms\t"
                f"Memory Size: {definition.memory_mb} MB"
            )
        if error is not None and error.error_type in (TIMED_OUT, CRASHED):
            self.reset_containers()
        invocation = Invocation(name, request_id, payload, response, error, elapsed)
        if self.record_invocations:
            self.invocations.append(invocation)
        return invocation

    def _context(self, definition: FunctionDefinition, request_id: str) -> LambdaContext:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{definition.name}"
        return LambdaContext(
            function_name=definition.name,
            memory_limit_in_mb=definition.memory_mb,
            invoked_function_arn=arn,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{definition.name}",
            log_stream_name=f"local/[$LATEST]{request_id.replace('-', '')}",
            deadline=time.monotonic() + definition.timeout_seconds,
        )

    def _handler(self, definition: FunctionDefinition) -> tuple[Callable[..., Any], ModuleType]:
        module_name, attribute = _split_handler(definition.handler)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            raise HandlerNotFoundError(
                f"{definition.name}: handler {definition.handler!r}: {error}"
            ) from error
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise HandlerNotFoundError(
                f"{definition.name}: handler {definition.handler!r}: "
                f"{module_name} has no function {attribute!r}"
            )
        return handler, module

    def _environment(self, definition: FunctionDefinition) -> AbstractContextManager[None]:
        """The function's declared variables and Lambda's own, none of another function's."""
        return environment_changed(
            {
                **definition.environment,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_LAMBDA_FUNCTION_NAME": definition.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(definition.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            },
            removed=[name for other in self.functions.values() for name in other.environment],
        )

    def _log_warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        self.log_stream.write(warnings.formatwarning(message, category, filename, lineno, line))

    @contextmanager
    def _logs_to_stream(self, definition: FunctionDefinition) -> Iterator[None]:
        # Powertools' handlers hold the stream they were created with, so redirecting
        # sys.stdout alone would not catch the structured logs.
        module_name, _ = _split_handler(definition.handler)
        if module_name not in sys.modules:
            # A cold start's first logs must reach the stream too: the module's loggers are
            # found once it is imported. A module that fails to import fails the invocation,
            # where `_handler` imports it again and reports why.
            with contextlib.suppress(Exception):
                importlib.import_module(module_name)
        handlers = _powertools_stream_handlers(sys.modules.get(module_name))
        previous = [handler.setStream(self.log_stream) for handler in handlers]
        try:
            with (
                redirect_stdout(self.log_stream),
                redirect_stderr(self.log_stream),
                warnings.catch_warnings(),
            ):
                # A function's warnings are lines of its log, as on Lambda.
                warnings.showwarning = self._log_warning
                yield
        finally:
            for handler, stream in zip(handlers, previous, strict=True):
                handler.setStream(stream)
            # A handler imported during this invocation now owns the log stream: send it
            # back to where the process's output goes.
            for handler in _powertools_stream_handlers(sys.modules.get(module_name)):
                if handler.stream is self.log_stream and handler not in handlers:
                    handler.setStream(sys.stdout)


def _split_handler(handler: str) -> tuple[str, str]:
    module_name, _, attribute = handler.rpartition(".")
    if not module_name or not attribute:
        raise HandlerNotFoundError(f"handler {handler!r} is not module.function")
    return module_name, attribute


def _powertools_stream_handlers(module: ModuleType | None) -> list[logging.StreamHandler]:
    if module is None:
        return []
    loggers = {id(value): value for value in vars(module).values() if isinstance(value, Logger)}
    # Loggers of one service share their handler: each handler once.
    handlers = {
        id(handler): handler
        for logger in loggers.values()
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
    }
    return list(handlers.values())


@contextmanager
def _powertools_settings(module: ModuleType, environment: Mapping[str, str]) -> Iterator[None]:
    """The module's Powertools Logger and Metrics with the function's declared settings, for
    the invocation; the process's own settings come back afterwards."""
    service = environment.get(POWERTOOLS_SERVICE_NAME)
    namespace = environment.get(POWERTOOLS_METRICS_NAMESPACE)
    level = environment.get(POWERTOOLS_LOG_LEVEL)
    loggers = list(dict.fromkeys(v for v in vars(module).values() if isinstance(v, Logger)))
    providers = list(
        dict.fromkeys(v.provider for v in vars(module).values() if isinstance(v, Metrics))
    )
    saved_loggers = [(logger, logger.service, logger.log_level) for logger in loggers]
    saved_providers = [(p, p.service, p.namespace) for p in providers]
    for logger in loggers:
        logger.service = service or logger.service
        logger.append_keys(service=logger.service)
        logger.setLevel(level or logger.log_level)
    for provider in providers:
        provider.service = service or provider.service
        provider.namespace = namespace or provider.namespace
    try:
        yield
    finally:
        for logger, saved_service, saved_level in saved_loggers:
            logger.service = saved_service
            logger.append_keys(service=saved_service)
            logger.setLevel(saved_level)
        for provider, saved_service, saved_namespace in saved_providers:
            provider.service = saved_service
            provider.namespace = saved_namespace


def _marshal(result: Any) -> tuple[Any, FunctionError | None]:
    """The response as Lambda returns it (JSON), or the error when it cannot be serialised."""
    try:
        return json.loads(json.dumps(result)), None
    except (TypeError, ValueError) as error:
        return None, FunctionError("Runtime.MarshalError", f"Unable to marshal response: {error}")
