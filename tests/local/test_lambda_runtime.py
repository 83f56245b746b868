"""The local Lambda runtime: handlers called as Lambda calls them (runtime_handlers.py)."""

from __future__ import annotations

import io
import json
import os
import sys
import warnings
from pathlib import Path

import pytest

from local_stack.lambda_runtime import (
    HandlerNotFoundError,
    LambdaRuntime,
    UnknownFunctionError,
)
from local_stack.stack import LocalFunction
from price_monitor.packaging import FUNCTIONS_DIR

REGION = "eu-west-1"
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "runtime-test",
    "POWERTOOLS_METRICS_NAMESPACE": "PriceMonitor/runtime-test",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def function(handler: str, timeout: int = 30, **environment: str) -> LocalFunction:
    name = handler.rpartition(".")[2]
    return LocalFunction(
        name=name,
        handler=f"runtime_handlers.{handler}",
        environment={**POWERTOOLS, **environment},
        timeout_seconds=timeout,
        memory_mb=256,
    )


def runtime_of(*functions: LocalFunction, **options) -> LambdaRuntime:
    return LambdaRuntime({f.name: f for f in functions}, region=REGION, **options)


def test_a_handler_sees_its_declared_variables_and_not_another_functions(monkeypatch):
    monkeypatch.setenv("DETECTOR_ONLY", "stale value from the shell")
    monkeypatch.setenv("UNRELATED", "kept")
    runtime = runtime_of(
        function("environment", SCRAPER_ONLY="1"), function("echo", DETECTOR_ONLY="2")
    )

    invocation = runtime.invoke("environment", {})

    seen = invocation.response["environment"]
    assert seen["SCRAPER_ONLY"] == "1"
    assert "DETECTOR_ONLY" not in seen
    assert seen["POWERTOOLS_SERVICE_NAME"] == "runtime-test"
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == REGION
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "environment"
    assert seen["UNRELATED"] == "kept"
    # The process gets its own environment back.
    assert os.environ["DETECTOR_ONLY"] == "stale value from the shell"
    assert "SCRAPER_ONLY" not in os.environ


def test_the_context_names_the_function_and_counts_down_from_its_timeout():
    runtime = runtime_of(function("environment"), function("remaining", timeout=3))

    identity = runtime.invoke("environment", {}).response
    before, after = runtime.invoke("remaining", {"seconds": 0.2}).response

    assert identity["arn"] == f"arn:aws:lambda:{REGION}:123456789012:function:environment"
    assert identity["memory"] == 256
    assert 2_500 < before <= 3_000
    assert before - after >= 200


def test_the_event_arrives_as_json_and_the_response_returns_as_json():
    runtime = runtime_of(function("echo"))

    invocation = runtime.invoke("echo", {"ids": ("a", "b"), "count": 2})

    assert invocation.ok
    assert invocation.event == {"ids": ["a", "b"], "count": 2}
    assert invocation.response == {"ids": ["a", "b"], "count": 2}


def test_a_handler_exception_is_the_invocations_error_with_its_traceback_in_the_logs():
    logs = io.StringIO()
    runtime = runtime_of(function("fail"), log_stream=logs)

    invocation = runtime.invoke("fail", {})

    assert not invocation.ok
    assert (invocation.error.error_type, invocation.error.message) == (
        "ValueError",
        "the price is wrong",
    )
    assert invocation.response is None
    assert "Traceback" in logs.getvalue()
    assert "ValueError: the price is wrong" in logs.getvalue()


def test_a_response_lambda_cannot_serialise_is_an_error():
    invocation = runtime_of(function("unserialisable")).invoke("unserialisable", {})

    assert invocation.error.error_type == "Runtime.MarshalError"


def test_a_run_past_the_timeout_fails_and_starts_the_next_invocation_cold():
    runtime = runtime_of(function("remaining", timeout=1))
    runtime.invoke("remaining", {"seconds": 0})
    resets = sys.modules["runtime_handlers"].resets

    invocation = runtime.invoke("remaining", {"seconds": 1.05})

    assert invocation.error.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in invocation.error.message
    assert invocation.response is None
    assert sys.modules["runtime_handlers"].resets == resets + 1


def test_what_a_function_writes_goes_to_its_log_stream_not_the_terminal(capsys):
    logs = io.StringIO()
    runtime = runtime_of(function("chatty"), log_stream=logs)

    invocation = runtime.invoke("chatty", {})
    runtime.invoke("chatty", {})  # the Logger now exists before the invocation starts

    assert invocation.ok
    assert capsys.readouterr().out == ""
    lines = logs.getvalue().splitlines()
    assert lines[0] == f"START RequestId: {invocation.request_id} Version: $LATEST"
    assert f"END RequestId: {invocation.request_id}" in lines
    assert any(line.startswith(f"REPORT RequestId: {invocation.request_id}") for line in lines)
    assert "printed hello" in lines
    records = [json.loads(line) for line in lines if line.startswith("{")]
    hello = [record for record in records if record.get("message") == "structured hello"]
    assert [record["service"] for record in hello] == ["runtime-test", "runtime-test"]
    assert hello[0]["function_request_id"] == invocation.request_id
    namespaces = [
        directive["Namespace"]
        for record in records
        if "_aws" in record
        for directive in record["_aws"]["CloudWatchMetrics"]
    ]
    assert namespaces == ["PriceMonitor/runtime-test"] * 2


def test_powertools_settings_are_the_functions_during_its_invocation_only():
    runtime = runtime_of(function("chatty"))
    runtime.invoke("chatty", {})
    other = {**POWERTOOLS, "POWERTOOLS_METRICS_NAMESPACE": "Other/namespace"}
    logs = io.StringIO()
    again = LambdaRuntime(
        {"chatty": LocalFunction("chatty", "runtime_handlers.chatty", other, 30, 256)},
        region=REGION,
        log_stream=logs,
    )

    handlers = sys.modules["runtime_handlers"]
    process_settings = (handlers.metrics.provider.namespace, handlers.logger.log_level)

    again.invoke("chatty", {})

    assert '"Namespace":"Other/namespace"' in logs.getvalue().replace(" ", "")
    # Only for the invocation: the process keeps its own settings.
    assert (handlers.metrics.provider.namespace, handlers.logger.log_level) == process_settings


def test_a_cold_start_resets_every_handler_module():
    runtime = runtime_of(function("echo"))
    runtime.invoke("echo", {})
    before = sys.modules["runtime_handlers"].resets

    runtime.reset_containers()

    assert sys.modules["runtime_handlers"].resets == before + 1


def test_invocations_are_kept_when_asked():
    runtime = runtime_of(function("echo"), record_invocations=True)

    first = runtime.invoke("echo", {"n": 1})
    second = runtime.invoke("echo", {"n": 2})

    assert runtime.invocations == [first, second]
    assert first.duration_seconds >= 0


def test_an_unknown_function_is_refused():
    with pytest.raises(UnknownFunctionError, match="no local function named 'nope'"):
        runtime_of(function("echo")).invoke("nope", {})


@pytest.mark.parametrize(
    "handler",
    ["runtime_handlers.missing", "no_such_module.handler", "runtime_handlers.not_a_function"],
)
def test_a_handler_that_is_not_there_fails_the_invocation(handler):
    definition = LocalFunction("broken", handler, dict(POWERTOOLS), 30, 128)

    invocation = runtime_of(definition).invoke("broken", {})

    assert invocation.error.error_type == "HandlerNotFoundError"
    assert handler in invocation.error.message


def test_a_handler_string_without_a_module_is_refused():
    definition = LocalFunction("broken", "handler", dict(POWERTOOLS), 30, 128)

    with pytest.raises(HandlerNotFoundError, match=r"module\.function"):
        runtime_of(definition).invoke("broken", {})


def test_a_functions_warnings_are_lines_of_its_log():
    logs = io.StringIO()
    runtime = runtime_of(function("warn"), log_stream=logs)

    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        runtime.invoke("warn", {})

    assert leaked == []
    assert "UserWarning: careful with that price" in logs.getvalue()


def test_the_handlers_run_from_the_deployment_package_under_their_lambda_names():
    # The project install maps the Lambda modules' names (the zip's root is functions/)
    # to the files pulumi-archive zips, so the local stack runs exactly that code.
    import handlers.scraper

    assert Path(handlers.scraper.__file__).is_relative_to(FUNCTIONS_DIR)


def test_a_cold_start_before_any_import_resets_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, "monitor.aws", raising=False)
    definition = LocalFunction("later", "not_imported_yet.handler", dict(POWERTOOLS), 30, 128)

    runtime_of(definition).reset_containers()

    assert "not_imported_yet" not in sys.modules


def test_a_cold_starts_first_logs_go_to_the_stream_through_a_logger_shared_with_others(
    capsys, monkeypatch
):
    monkeypatch.delitem(sys.modules, "runtime_handlers_late", raising=False)
    logs = io.StringIO()
    late = LocalFunction(
        "greet", "runtime_handlers_late.greet", dict(POWERTOOLS), timeout_seconds=30, memory_mb=128
    )
    runtime = runtime_of(function("chatty"), late, log_stream=logs)
    runtime.invoke("chatty", {})  # the shared Logger now exists, its stream given back

    invocation = runtime.invoke("greet", {})  # imports its module: a cold start

    assert invocation.ok
    assert capsys.readouterr().out == ""
    records = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    assert [r["message"] for r in records if r.get("message") == "late hello"] == ["late hello"]
