"""run_program(): the project's program run under any Mocks with a stack's config, as the CLI
would run it; a failure is one ProgramError with the mocks' own error as its cause."""

from __future__ import annotations

import gc
import json
import logging
from typing import Any

import pulumi
import pytest

from local_stack.program import ProgramError, run_program, stack_config, stack_document


class AnsweringMocks(pulumi.runtime.Mocks):
    """Resources echo their inputs with a name and ARN; invokes get fixed answers."""

    def __init__(self, failing_type: str = "", failing_invoke: str = "") -> None:
        self.failing_type = failing_type
        self.failing_invoke = failing_invoke

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == self.failing_type:
            raise LookupError(f"no room for {args.name}")
        name = args.inputs.get("name") or args.inputs.get("bucket") or args.name
        computed = {"name": name, "arn": f"arn:aws:test:eu-west-1:123456789012:{name}"}
        computed |= {"url": f"https://queue.test/{name}", "keyId": name, "streamArn": name}
        return name, {**args.inputs, **computed}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == self.failing_invoke:
            raise PermissionError(f"{args.token} denied")
        return {
            "accountId": "123456789012",
            "partition": "aws",
            "outputPath": "/tmp/package.zip",
            "outputBase64sha256": "aGFzaA==",
        }


def test_the_stack_config_is_shaped_as_the_cli_passes_it_with_overrides():
    config = stack_config(
        "dev",
        {"deletionProtection": True, "alertEmails": ["a@example.com"], "aws:region": "eu-west-3"},
    )
    assert config["price-monitor:deletionProtection"] == "true"
    assert json.loads(config["price-monitor:alertEmails"]) == ["a@example.com"]
    assert config["aws:region"] == "eu-west-3"
    assert config["price-monitor:scheduleFlexibleWindowMinutes"] == str(
        stack_document("dev")["config"]["price-monitor:scheduleFlexibleWindowMinutes"]
    )
    assert all(isinstance(value, str) for value in config.values())


def test_the_program_declares_its_resources_under_the_given_mocks():
    run = run_program("dev", stack_config("dev"), AnsweringMocks())
    by_name = {resource.name: resource for resource in run.resources}
    queue = by_name["price-monitor-messaging-scrape"]
    assert queue.inputs["name"] == "price-monitor-scrape-dev"
    assert queue.state["url"] == "https://queue.test/price-monitor-scrape-dev"
    assert by_name[_parent_name(queue.parent)].type == "price-monitor:index:Messaging"
    assert run.outputs["scrape_queue_url"] == "https://queue.test/price-monitor-scrape-dev"
    assert run.settings.environment_suffix == "dev"


def test_a_resource_the_mocks_refuse_fails_the_run_with_their_error():
    with pytest.raises(ProgramError, match="no room for") as failure:
        run_program("dev", stack_config("dev"), AnsweringMocks(failing_type="aws:sqs/queue:Queue"))
    assert isinstance(failure.value.cause, LookupError)
    assert failure.value.stack == "dev"


def test_an_invoke_the_mocks_refuse_fails_the_run_with_their_error():
    mocks = AnsweringMocks(failing_invoke="aws:index/getCallerIdentity:getCallerIdentity")
    with pytest.raises(ProgramError, match="denied") as failure:
        run_program("dev", stack_config("dev"), mocks)
    assert isinstance(failure.value.cause, PermissionError)


def test_a_failed_run_is_reported_once_not_once_per_failed_output(caplog):
    for failing in ("aws:sqs/queue:Queue", "aws:dynamodb/table:Table"):
        with pytest.raises(ProgramError):
            run_program("dev", stack_config("dev"), AnsweringMocks(failing_type=failing))
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        run_program("dev", stack_config("dev"), AnsweringMocks())  # lets go of the failed run
        gc.collect()
        assert "never retrieved" not in caplog.text
        # Any other error of the loop is still reported.
        pulumi.runtime.sync_await._ensure_event_loop().call_exception_handler(
            {"message": "unrelated", "exception": ValueError("unrelated")}
        )
    assert "unrelated" in caplog.text


def _parent_name(urn: str) -> str:
    return urn.split("::")[-1]
