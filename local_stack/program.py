"""The project's Pulumi program, run under mocks with one stack's config, as `pulumi up` runs it.

One home for "run the program without the engine": the Pulumi mock tests (tests/infra) pass
Mocks that compute AWS-like attributes, the local stack passes Mocks that create the resources
in moto. Either way the program is the real `__main__.py`, run with `preview=False` (so every
`apply` runs), with the stack file's config shaped the way the Pulumi CLI hands it over: every
value a string, scalars as their text, objects and lists as JSON.

A stack's settings come from Pulumi.<stack>.yaml, or from a file of the same format put in
its place (`stack_file_in_place`): how `python -m local_stack run --config FILE` runs the
program with a user's own settings under the same stack name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import runpy
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pulumi
import yaml  # PyYAML: a dependency of the pulumi package
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import Stack as StackResource

from price_monitor import notifier_layer
from price_monitor.config import PROJECT, Settings, load_settings, settings_from_config

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = f"{PROJECT}:"
_REPORTED = "_reported_by_program_error"  # marks the failures a ProgramError reported
# The files put in place of stacks' Pulumi.<stack>.yaml, by stack name (stack_file_in_place).
_STACK_FILES: ContextVar[Mapping[str, Path]] = ContextVar(
    "stack_files", default=MappingProxyType({})
)


class StackFileError(ValueError):
    """A stack settings file the Pulumi CLI would not load, and why."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ProgramError(RuntimeError):
    """The program could not run for this stack: its config or one of its resources failed."""

    def __init__(self, stack: str, cause: BaseException) -> None:
        super().__init__(f"the Pulumi program failed for stack {stack!r}: {cause}")
        self.stack = stack
        self.cause = cause


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program registered, as the mocks answered it."""

    type: str  # the type token, e.g. aws:sqs/queue:Queue
    name: str  # the logical name
    urn: str
    id: str
    parent: str  # the parent's URN
    inputs: dict[str, Any]  # camelCase, as the engine passes them to the provider
    state: dict[str, Any]  # what the mocks returned: the inputs plus computed attributes

    def json(self, key: str) -> Any:
        """An input holding a JSON document (policies, dashboard body), parsed."""
        return json.loads(self.inputs[key])


@dataclass(frozen=True)
class ProgramRun:
    """What one run of the program declared for a stack."""

    stack: str
    config: dict[str, str]
    settings: Settings  # the same ones the program loaded from `config`
    outputs: dict[str, Any]  # the stack's exports
    resources: list[RecordedResource]


def stack_file(stack: str) -> Path:
    """Where `stack`'s settings are read: Pulumi.<stack>.yaml, or the file put in its place."""
    return _STACK_FILES.get().get(stack, ROOT / f"Pulumi.{stack}.yaml")


@contextlib.contextmanager
def stack_file_in_place(stack: str, path: Path) -> Iterator[None]:
    """Inside the block, `stack`'s config is read from `path` instead of Pulumi.<stack>.yaml.

    Everything that reads the stack's config (provisioning, the region the handlers' clients
    use) then reads the same file, while the stack keeps its name.
    """
    token = _STACK_FILES.set(MappingProxyType({**_STACK_FILES.get(), stack: path}))
    try:
        yield
    finally:
        _STACK_FILES.reset(token)


def stack_document(stack: str) -> dict[str, Any]:
    """The stack's settings file as parsed YAML (see read_stack_file)."""
    return read_stack_file(stack_file(stack))


def read_stack_file(path: Path) -> dict[str, Any]:
    """A stack settings file as parsed YAML, checked as the Pulumi CLI loads one.

    That is a YAML document with a `config:` mapping whose keys are `<namespace>:<name>`.
    Raises OSError when the file cannot be read, StackFileError when it is not such a file.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise StackFileError(path, "is not a text file (UTF-8)") from None
    except yaml.YAMLError as error:
        raise StackFileError(path, f"is not YAML: {_yaml_problem(error)}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise StackFileError(
            path, "has no `config:` mapping of settings (the format of Pulumi.<stack>.yaml)"
        )
    for key in config:
        # The CLI's own rule (config.ParseKey); a key with no namespace is refused there too.
        if not isinstance(key, str) or key.count(":") != 1:
            raise StackFileError(
                path,
                f"config key {key!r} is not of the form <namespace>:<name>, "
                f"as in {NAMESPACE}dropThresholdPercent or aws:region",
            )
    return document


def price_monitor_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `price-monitor:*` entries of a config bag, keys without the namespace."""
    return {
        key.removeprefix(NAMESPACE): value
        for key, value in config.items()
        if key.startswith(NAMESPACE)
    }


def settings_of(config: Mapping[str, str]) -> Settings:
    """The settings the program loads from this config bag, without running it.

    Raises ConfigError (naming the key) for a value the program would refuse.
    """
    return settings_from_config(price_monitor_values(config), config.get("aws:region"))


def stack_config(stack: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The stack's config bag as the CLI passes it: full keys, string values.

    `overrides` replace or add keys after the stack file's: a key with a namespace
    (`aws:region`) is taken as is, a bare key (`allowedHosts`) is a `price-monitor:` key.
    """
    config = {key: cli_value(value) for key, value in stack_document(stack)["config"].items()}
    for key, value in (overrides or {}).items():
        config[key if ":" in key else NAMESPACE + key] = cli_value(value)
    return config


def cli_value(value: Any) -> str:
    """A config value as the CLI passes it to the program."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def run_program(stack: str, config: Mapping[str, str], mocks: pulumi.runtime.Mocks) -> ProgramRun:
    """Run `__main__.py` for `stack` with this config bag, every resource and invoke to `mocks`.

    Raises ProgramError when the program fails (a bad config value, a resource the mocks
    refuse), with the first error the program met as its cause.
    """
    _ensure_event_loop()
    # Under mocks nothing is deployed and there may be no network: the notifier's layer is
    # copied from this environment, not installed by pip (unless the caller chose a mode).
    os.environ.setdefault(notifier_layer.MODE_VARIABLE, notifier_layer.INSTALLED_MODE)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.reset_options(project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config))
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(ROOT / "__main__.py"))  # the real entry point, as `pulumi up` runs it
        root = pulumi.runtime.get_root_resource()
        assert isinstance(root, StackResource)  # the stack the test harness runs it in
        return pulumi.Output.all(**root.outputs).apply(exports.update)

    try:
        program()
    except Exception as error:
        # The SDK may wrap a failed registration in its own error; the mocks' own is the cause.
        cause = monitor.failures[0] if monitor.failures else error
        _report_once([error, *monitor.failures])
        raise ProgramError(stack, cause) from error
    resources = [
        RecordedResource(
            type=_type_of(urn),
            name=urn.split("::")[3],
            urn=urn,
            id=registration.id,
            parent=monitor.parents[urn],
            inputs=monitor.inputs[urn],
            state=dict(registration.state),
        )
        for urn, registration in monitor.get_registered_resources().items()
    ]
    # Settings are a pure function of the config: the same ones the program loaded.
    return ProgramRun(stack, dict(config), load_settings(), exports, resources)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's problem and where, on one line."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(error).split())


def _ensure_event_loop() -> None:
    """The Pulumi SDK creates futures on the thread's event loop: give a new thread one."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _report_once(failures: list[BaseException]) -> None:
    """Keep the event loop from logging these failures again for every output they failed.

    Each output that depended on a failed resource holds its exception, and asyncio logs
    "exception was never retrieved" with a traceback for each when they are collected, long
    after ProgramError reported the run's failure. The failures are marked, not referenced,
    so the failed run can still be collected.
    """
    for failure in failures:
        with contextlib.suppress(AttributeError):  # an exception type without attributes
            setattr(failure, _REPORTED, True)
    loop = asyncio.get_event_loop()
    previous = loop.get_exception_handler()
    if getattr(previous, _REPORTED, False):
        return
    forward = previous or (lambda loop, context: loop.default_exception_handler(context))

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not getattr(context.get("exception"), _REPORTED, False):
            forward(loop, context)

    setattr(handler, _REPORTED, True)
    loop.set_exception_handler(handler)


def _type_of(urn: str) -> str:
    qualified_type = urn.split("::")[2]
    return qualified_type.split("$")[-1]


class _RecordingMonitor(MockMonitor):
    """The mock monitor, remembering each resource's parent and inputs, and what failed."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.parents: dict[str, str] = {}
        self.inputs: dict[str, dict[str, Any]] = {}
        self.failures: list[BaseException] = []  # in the order they happened

    def RegisterResource(self, request: Any) -> Any:
        try:
            response = super().RegisterResource(request)
        except Exception as error:
            self.failures.append(error)
            raise
        self.parents[response.urn] = request.parent
        self.inputs[response.urn] = dict(rpc.deserialize_properties(request.object))
        return response

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        except Exception as error:
            self.failures.append(error)
            raise
