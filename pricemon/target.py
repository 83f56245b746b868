"""Which stack a `pricemon` command talks to: its outputs, region and AWS clients.

The resource names come from the stack's outputs (the `outputs` of price_monitor/component.py,
exported by __main__.py), found in one of three ways, first match wins:

- `--outputs FILE`: a JSON file, either what `pulumi stack output --json` prints or the
  file the local stack writes (`{"outputs": {...}, "endpoint_url": ..., "region": ...}`);
- `--stack NAME`: runs `pulumi stack output --json --stack NAME` (needs the Pulumi CLI and
  its login, as `pulumi preview` does);
- `--set KEY=VALUE` flags alone (e.g. `--set products_table=price-monitor-products-prod`),
  which also override single outputs from the other two.

A missing output, an unknown stack or an unreadable file is a `UsageError`: exit code 2
with a message that says what to fix.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_dynamodbstreams import DynamoDBStreamsClient
    from types_boto3_lambda import LambdaClient
    from types_boto3_sns import SNSClient
    from types_boto3_sqs import SQSClient

# Where `python -m local_stack serve` writes the local stack's outputs.
LOCAL_OUTPUTS_FILE = Path(".pricemon-local.json")
LOCAL_SERVE_COMMAND = "python -m local_stack serve"
_CLIENT_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})

PulumiRunner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
# The services the commands call, besides DynamoDB's tables (`Stack.table`).
ServiceName = Literal["sqs", "sns", "lambda", "cloudwatch", "dynamodbstreams"]


class UsageError(Exception):
    """The command cannot run as asked; the message says what to fix (exit code 2)."""


@dataclass(frozen=True)
class Stack:
    """A deployed (or local) stack: its outputs and how to reach its AWS services."""

    outputs: Mapping[str, Any]
    region: str | None = None
    endpoint_url: str | None = None  # the local stack's emulator; None for AWS itself
    description: str = "the stack"
    outputs_file: Path | None = None  # the file the outputs were read from (absolute)
    _session: boto3.session.Session | None = field(default=None, compare=False, repr=False)

    def output(self, key: str) -> Any:
        """An output's value; a UsageError naming the key and how to supply it if absent."""
        value = self.outputs.get(key)
        if value in (None, ""):
            raise UsageError(
                f"{self.description} has no output {key!r}: deploy the current program"
                f" (`pulumi up`) or pass --set {key}=VALUE"
            )
        return value

    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["sns"]) -> SNSClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"]) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["dynamodbstreams"]) -> DynamoDBStreamsClient: ...
    def client(self, service: ServiceName) -> BaseClient:
        """A boto3 client for `service` in the stack's region (and endpoint, when local)."""
        return self._boto_session().client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            config=_CLIENT_CONFIG,
        )

    def table(self, output_key: str) -> Table:
        """The boto3 resource Table named by the output `output_key`."""
        resource = self._boto_session().resource(
            "dynamodb",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            config=_CLIENT_CONFIG,
        )
        return resource.Table(self.output(output_key))

    def _boto_session(self) -> boto3.session.Session:
        if self._session is not None:
            return self._session
        if self.endpoint_url is not None:
            # The local emulator accepts any credentials; never send real ones to it.
            return boto3.session.Session(
                aws_access_key_id="local",
                aws_secret_access_key="local",
                region_name=self.region,
            )
        return boto3.session.Session(region_name=self.region)


def resolve_stack(
    *,
    stack_name: str | None = None,
    outputs_file: str | Path | None = None,
    settings: Sequence[str] = (),
    region: str | None = None,
    run_pulumi: PulumiRunner | None = None,
) -> Stack:
    """The stack the command line names (see the module docstring)."""
    endpoint_url: str | None = None
    source = None if outputs_file is None else Path(outputs_file).absolute()
    if source is not None:
        outputs, file_region, endpoint_url = _read_outputs_file(source)
        description = f"the stack in {source}"
    elif stack_name is not None:
        outputs, file_region = _pulumi_outputs(stack_name, run_pulumi or _run_pulumi), None
        description = f"stack {stack_name!r}"
    elif settings:
        outputs, file_region, description = {}, None, "the stack given by --set"
    else:
        raise UsageError(
            "which stack? pass --stack NAME (reads `pulumi stack output`), --outputs FILE,"
            f" --local (the local stack's {LOCAL_OUTPUTS_FILE}) or --set KEY=VALUE"
        )
    outputs = {**outputs, **_parse_settings(settings)}
    chosen_region = region or file_region or _text_or_none(outputs.get("region"))
    return Stack(outputs, chosen_region, endpoint_url, description, outputs_file=source)


def _read_outputs_file(path: Path) -> tuple[dict[str, Any], str | None, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path.name == LOCAL_OUTPUTS_FILE.name:
            raise UsageError(
                f"the local stack is not running here: there is no {path}."
                f" `{LOCAL_SERVE_COMMAND}` writes that file in the directory it runs in, while"
                " it runs: start it, then run pricemon in the same directory (or pass"
                " --outputs with the file's path)"
            ) from None
        raise UsageError(f"no outputs file {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the outputs file {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is not JSON ({error}): expected stack outputs") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} holds no JSON object of stack outputs")
    if isinstance(data.get("outputs"), dict):
        return (
            dict(data["outputs"]),
            _text_or_none(data.get("region")),
            _text_or_none(data.get("endpoint_url")),
        )
    return data, None, None


def _pulumi_outputs(stack_name: str, run_pulumi: PulumiRunner) -> dict[str, Any]:
    command = ["pulumi", "stack", "output", "--json", "--stack", stack_name]
    try:
        finished = run_pulumi(command)
    except FileNotFoundError:
        raise UsageError(
            "the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/);"
            " or pass --outputs FILE with the stack's outputs"
        ) from None
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout or "").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {finished.returncode}"
        raise UsageError(f"`{' '.join(command)}` failed: {reason}")
    try:
        outputs = json.loads(finished.stdout)
    except json.JSONDecodeError:
        raise UsageError(f"`{' '.join(command)}` printed no JSON") from None
    if not isinstance(outputs, dict) or not outputs:
        raise UsageError(f"stack {stack_name!r} has no outputs: has it been deployed?")
    return outputs


def _run_pulumi(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    executable = shutil.which(command[0])
    if executable is None:
        raise FileNotFoundError(command[0])
    return subprocess.run(
        [executable, *command[1:]], capture_output=True, text=True, timeout=120, check=False
    )


def _parse_settings(settings: Sequence[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for setting in settings:
        key, separator, value = setting.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"--set {setting!r}: expected KEY=VALUE, e.g. products_table=NAME")
        parsed[key.strip()] = value.strip()
    return parsed


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
