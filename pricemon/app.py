"""`pricemon`: the operator's command line, against a deployed stack or the local stack.

    pricemon [--stack NAME | --outputs FILE | --local] [--set KEY=VALUE] [--region R]
             [--json] [--no-color] COMMAND ...

Commands: `catalog import|export|validate`, `run [--wait]`, `status [--strict]`,
`history PRODUCT_ID`, `report --out DIR`, `dlq list|redrive`,
`alerts subscribe|unsubscribe|list`. Each command module registers its parser with
`register(commands)` and sets `action`, a function `(arguments, context) -> exit code`.

Exit codes: 0 ok; 1 the command ran and found a problem (bad catalog rows, failing
products with `status --strict`, a run that did not finish); 2 the command could not run
(usage, no credentials, access denied, unknown stack or resource, a local stack that is
not running) with a message saying what to fix; 130 interrupted by Ctrl-C (with what was
done, when a command wrote something); 141 stdout closed by its reader (`| head`).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from pricemon import alerts, catalog, dlq, history, report, runs, status
from pricemon.context import Context
from pricemon.target import (
    LOCAL_OUTPUTS_FILE,
    LOCAL_SERVE_COMMAND,
    Stack,
    UsageError,
    resolve_stack,
)
from pricemon.terminal import EXIT_INTERRUPTED, EXIT_PIPE_CLOSED, EXIT_USAGE, Console

COMMAND_MODULES = (catalog, runs, status, history, report, dlq, alerts)

# ClientError codes that mean "your identity may not do this" or "no such thing here".
_ACCESS_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthorizationError",
    "SignatureDoesNotMatch",
}
_MISSING_CODES = {
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
    "NoSuchBucket",
}


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack: Stack | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run one command; its exit code. `stack` skips resolution (tests, embedding)."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv, namespace=_Namespace())
    except SystemExit as exit_:  # argparse has printed the usage error
        return EXIT_USAGE if exit_.code not in (0, None) else 0
    console = Console(
        out=out or sys.stdout,
        err=err or sys.stderr,
        json_mode=arguments.json,
        colour=False if arguments.no_color else None,
    )
    context = Context(console, lambda: stack or _resolve(arguments))
    if clock is not None:
        context.clock = clock
    try:
        return arguments.action(arguments, context)
    except UsageError as error:
        console.error(str(error))
    except (NoCredentialsError, PartialCredentialsError):
        console.error(
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY), run `aws sso login`, or use --local for the local stack"
        )
    except ProfileNotFound as error:
        console.error(
            f"no AWS profile {error.kwargs.get('profile')!r} in your AWS config:"
            " check AWS_PROFILE (`aws configure list-profiles`)"
        )
    except NoRegionError:
        console.error("no AWS region: pass --region or set AWS_REGION")
    except EndpointConnectionError as error:
        console.error(_unreachable_message(error, context._stack))
    except ClientError as error:
        console.error(_client_error_message(error))
    except BotoCoreError as error:
        console.error(f"AWS call failed: {error}")
    except KeyboardInterrupt as interrupt:
        # A command that writes says what it had applied (catalog_sync.ImportInterrupted).
        console.error(str(interrupt) or "interrupted")
        return EXIT_INTERRUPTED
    return EXIT_USAGE


def entry_point() -> None:
    """The `pricemon` console script.

    A closed stdout (`pricemon status | head`) ends the command quietly: no traceback, and
    stdout pointed at devnull, as Python's documentation of SIGPIPE advises, so that the
    interpreter's own flush at exit does not fail again. Commands finish their writes
    before they print, so a closed pipe never stops one halfway.
    """
    try:
        code = main()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
    except BrokenPipeError:
        _discard_stdout()
        code = EXIT_PIPE_CLOSED
    sys.exit(code)


def _discard_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):  # a stdout without a file descriptor
        sys.stdout = os.fdopen(devnull, "w")
    else:
        os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="pricemon",
        description="Operate a price-monitor stack: catalog, runs, status, history, DLQ.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands, common)
    return parser


def _common_options() -> argparse.ArgumentParser:
    """Options taken before or after the command: `pricemon --json status` = `status --json`."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("which stack")
    where.add_argument(
        "--stack",
        dest="stack_name",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="a Pulumi stack: reads `pulumi stack output --json --stack NAME`",
    )
    where.add_argument(
        "--outputs",
        dest="outputs_file",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="a JSON file of stack outputs",
    )
    where.add_argument(
        "--local",
        action="store_true",
        default=argparse.SUPPRESS,
        help=f"the local stack (`python -m local_stack serve`, {LOCAL_OUTPUTS_FILE})",
    )
    where.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=argparse.SUPPRESS,
        metavar="KEY=VALUE",
        help="set or override one stack output",
    )
    where.add_argument(
        "--region", default=argparse.SUPPRESS, help="AWS region (default: the stack's)"
    )
    shown = common.add_argument_group("output")
    shown.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for scripts"
    )
    shown.add_argument(
        "--no-color",
        action="store_true",
        default=argparse.SUPPRESS,
        help="never colour (colour is only used on a terminal anyway)",
    )
    return common


_DEFAULTS: Mapping[str, object] = {
    "stack_name": None,
    "outputs_file": None,
    "local": False,
    "settings": [],
    "region": None,
    "json": False,
    "no_color": False,
}


def _resolve(arguments: argparse.Namespace) -> Stack:
    outputs_file = arguments.outputs_file
    if arguments.local:
        if outputs_file is not None or arguments.stack_name is not None:
            raise UsageError("--local cannot be combined with --stack or --outputs")
        outputs_file = LOCAL_OUTPUTS_FILE
    return resolve_stack(
        stack_name=arguments.stack_name,
        outputs_file=outputs_file,
        settings=arguments.settings,
        region=arguments.region,
    )


def _unreachable_message(error: EndpointConnectionError, stack: Stack | None) -> str:
    endpoint = error.kwargs.get("endpoint_url", "AWS")
    if stack is None or stack.endpoint_url is None:
        return f"cannot reach {endpoint}: {error}"
    # A local stack's outputs file left behind by a serve that did not stop cleanly.
    source = f" (read from {stack.outputs_file})" if stack.outputs_file else ""
    return (
        f"cannot reach the local stack at {stack.endpoint_url}{source}: it is not running."
        f" Start it with `{LOCAL_SERVE_COMMAND}`"
    )


def _client_error_message(error: ClientError) -> str:
    details = error.response.get("Error", {})
    code = details.get("Code", "")
    message = details.get("Message", "") or str(error)
    operation = error.operation_name
    if code in _ACCESS_CODES:
        return (
            f"access denied ({code}) calling {operation}: {message}. Check that your AWS"
            " credentials are for the stack's account and may operate it"
        )
    if code in _MISSING_CODES:
        return (
            f"not found ({code}) calling {operation}: {message}. Is the stack deployed in"
            " this region (--region), and are its outputs current?"
        )
    return f"{operation} failed ({code}): {message}"


class _Namespace(argparse.Namespace):
    """Arguments with the common options' defaults (the parsers suppress them, so that an
    option given before the command is not reset by the command's own parser)."""

    def __getattr__(self, name: str) -> Any:  # an option's value: Any, as Namespace has it
        if name in _DEFAULTS:
            return copy.copy(_DEFAULTS[name])
        raise AttributeError(name)
