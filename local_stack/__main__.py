"""`python -m local_stack`: run the service offline, on the local stack.

    python -m local_stack run --catalog CATALOG.csv --cycles N [--stack dev]
        [--config my-stack.yaml] [--allow-host HOST:PORT ...] [--report report.json]
        [--logs functions.log]
    python -m local_stack demo [--cycles 3] [--config ...] [--report report.json] [--logs ...]
    python -m local_stack serve [--port 0] [--outputs .pricemon-local.json]
        [--catalog demo-catalog.csv] [--config ...] [--logs ...]

`run` checks the catalog file (every bad row is reported with its line number, and nothing
is imported), provisions the stack in moto from the Pulumi program, imports the catalog and
runs N cycles back to back, printing each notification as it is delivered and a summary per
cycle. `--allow-host` is the only way catalog URLs on loopback or private addresses become
fetchable: it becomes the stack's allowedHosts. `demo` does the same over the local
retailer site and its sample catalog, moving the site to the next cycle's prices before
each cycle. `serve` keeps the stack running for `pricemon --local` (see serve.py): the
stack's AWS API on 127.0.0.1, its outputs in a file, the site's sample catalog as a file,
and the event loop delivering what the operator's commands start, until Ctrl-C.

`--config FILE` (any command) replaces the stack file's settings with the file's: a stack
settings file in the format of Pulumi.<stack>.yaml, whose `config:` mapping is all the
stack's config (nothing of Pulumi.<stack>.yaml is merged in; the stack keeps its name). It
is checked before anything is provisioned, as the program checks its config. Keys of other
namespaces than price-monitor and aws are what the Pulumi CLI passes on to other providers:
the program reads none of them, so they are named and ignored.

Exit status: 0 when the cycles ran (whatever the products did), 2 for an invalid catalog,
settings file or command line, 3 when the stack could not be provisioned, 4 when a cycle
never became idle. The functions' own output (structured logs, EMF metrics) goes to the
--logs file.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import boto3

from contracts.timestamps import iso_seconds
from local_stack.demo import (
    CHAT_SECRET,
    INSTALL_CHROMIUM,
    PROXY_SECRET,
    SCRIPT_SHOP,
    WALLED_SHOP,
    DemoChannels,
    demo_channels,
    demo_egress,
    demo_overrides,
    demo_products,
    demo_site,
    describe_cycle,
    missing_chromium,
    reach_lines,
)
from local_stack.program import (
    NAMESPACE,
    StackFileError,
    settings_of,
    stack_config,
    stack_file_in_place,
)
from local_stack.report import RunReport, cycle_line, notification_line, summary_lines
from local_stack.retailer_site import RetailerSite
from local_stack.runner import LocalWorld, RunawayCycleError, local_stack
from local_stack.serve import RunWatcher, aws_endpoint, serve_forever, write_outputs_file
from local_stack.services.sns_inbox import Delivery
from local_stack.stack import ProvisioningError
from price_monitor.config import ConfigError
from pricemon.arguments import positive_count
from pricemon.catalog_file import (
    CatalogFileError,
    CatalogRow,
    import_catalog,
    read_catalog,
    write_catalog,
)
from pricemon.target import LOCAL_OUTPUTS_FILE
from pricemon.untrusted import visible

EXIT_OK = 0
EXIT_INVALID_CATALOG = 2
EXIT_INVALID_CONFIG = 2  # as for a catalog: an input file to fix, and nothing provisioned
EXIT_NOT_PROVISIONED = 3
EXIT_CYCLE_STUCK = 4
DEMO_CYCLES = 3
# Seconds between two progress lines while a cycle runs.
PROGRESS_INTERVAL_SECONDS = 5.0
_LINE_BREAK = frozenset("\n")
# The namespaces the program and its provider read; the CLI passes any other on as well.
_READ_NAMESPACES = (NAMESPACE, "aws:")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    arguments = _parser().parse_args(argv)
    if arguments.config is None:
        return _command(arguments, out)
    settings_file = Path(arguments.config).resolve()
    with stack_file_in_place(arguments.stack, settings_file):
        if not _settings_file_usable(settings_file, arguments.stack, out):
            return EXIT_INVALID_CONFIG
        if arguments.command == "demo":
            # describe_cycle's notes are what the dev stack's settings make of each page.
            _say(out, "the page notes below follow Pulumi.dev.yaml; yours decide what is notified")
        return _command(arguments, out)


def _settings_file_usable(path: Path, stack: str, out: TextIO) -> bool:
    """Check the --config file, in place of the stack's, as the program would read it."""
    try:
        config = stack_config(stack)
        settings_of(config)
    except OSError as error:
        _say(out, f"cannot read the stack settings file {path}: {error.strerror}")
    except StackFileError as error:
        _say(out, str(error))
    except ConfigError as error:
        _say(out, f"{path}: {error.key}: {error.problem}")
    else:
        _say(out, f"stack settings: {path} (in place of Pulumi.{stack}.yaml)")
        _note_ignored_keys(config, out)
        return True
    _say(out, "nothing was provisioned")
    return False


def _note_ignored_keys(config: Mapping[str, str], out: TextIO) -> None:
    ignored = sorted(key for key in config if not key.startswith(_READ_NAMESPACES))
    if ignored:
        _say(
            out,
            f"ignored: {', '.join(ignored)} (neither price-monitor nor aws keys: the Pulumi "
            "CLI passes them on to other providers, and this program reads none of them)",
        )


def _command(arguments: argparse.Namespace, out: TextIO) -> int:
    logs = Path(arguments.logs) if arguments.logs else _default_logs(arguments.stack)
    report = Path(arguments.report) if arguments.report else None
    if arguments.command == "demo":
        return _demo(arguments.cycles, report, logs, out)
    if arguments.command == "serve":
        return serve(
            port=arguments.port,
            outputs=Path(arguments.outputs),
            catalog=Path(arguments.catalog),
            logs=logs,
            out=out,
        )
    try:
        rows = read_catalog(arguments.catalog)
    except CatalogFileError as error:
        _say(out, f"{arguments.catalog}: {error}")
        _say(out, "nothing was imported")
        return EXIT_INVALID_CATALOG
    except OSError as error:
        _say(out, f"cannot read the catalog {arguments.catalog}: {error.strerror}")
        return EXIT_INVALID_CATALOG
    return run(
        rows,
        cycles=arguments.cycles,
        stack=arguments.stack,
        allowed_hosts=arguments.allow_host,
        report=report,
        logs=logs,
        out=out,
    )


def run(
    rows: Sequence[CatalogRow],
    *,
    cycles: int,
    stack: str,
    allowed_hosts: Sequence[str],
    report: Path | None,
    logs: Path,
    out: TextIO,
    before_cycle: Callable[[int], None] | None = None,
    overrides: Mapping[str, Any] | None = None,
    provisioned: Callable[[LocalWorld], None] | None = None,
    channels: DemoChannels | None = None,
) -> int:
    """Provision `stack` (its config with `overrides`), import `rows`, run `cycles` cycles;
    the exit status. `provisioned(world)` runs once the stack exists, before the import;
    what `channels` received is printed after the summary and carried by the report."""
    _say(out, f"provisioning the {stack} stack in moto from the Pulumi program ...")
    with logs.open("w", encoding="utf-8") as log_stream:
        try:
            with local_stack(
                stack, allowed_hosts=allowed_hosts, overrides=overrides, log_stream=log_stream
            ) as world:
                if provisioned is not None:
                    provisioned(world)
                result = _cycles(world, rows, cycles, before_cycle, out)
        except ProvisioningError as error:
            _say(out, f"the {stack} stack could not be provisioned: {error}")
            return EXIT_NOT_PROVISIONED
        except RunawayCycleError as error:
            _say(out, f"a cycle did not finish: {error}")
            return EXIT_CYCLE_STUCK
    for line in summary_lines(result):
        _say(out, line)
    if channels is not None:
        result.channel_deliveries = channels.deliveries(result.notifications)
        for line in channels.lines(result.channel_deliveries):
            _say(out, line)
    if report is not None:
        result.write(report)
        _say(out, f"report: {report}")
    _say(out, f"function logs: {logs}")
    return EXIT_OK


def _cycles(
    world: LocalWorld,
    rows: Sequence[CatalogRow],
    cycles: int,
    before_cycle: Callable[[int], None] | None,
    out: TextIO,
) -> RunReport:
    """Import the catalog, run the cycles back to back, printing as they go."""
    table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
        world.stack.outputs["products_table"]
    )
    _say(out, f"imported {import_catalog(table, rows)} catalog items into {table.name}")
    progress = _Progress(out)
    world.on_notification = lambda delivery: _print_notification(delivery, out)
    world.on_progress = progress.update
    for number in range(1, cycles + 1):
        if before_cycle is not None:
            before_cycle(number)
        scheduled = world.next_scheduled_time()
        _say(out, f"cycle {number}/{cycles}: the schedule fires for {iso_seconds(scheduled)}")
        progress.start()
        _say(out, cycle_line(world.run_cycle(scheduled), cycles))
    return world.report()


def _demo(cycles: int, report: Path | None, logs: Path, out: TextIO) -> int:
    chromium = missing_chromium()
    if chromium is not None:
        _say(out, f"Chromium is not at {chromium}: {INSTALL_CHROMIUM}.")
        _say(out, f"Without it the demo runs without {SCRIPT_SHOP} (its prices need a browser).")
    browser = chromium is None
    products = demo_products(browser=browser)
    with (
        demo_site(products) as (site, catalog_path),
        demo_egress() as egress,
        demo_channels() as channels,
    ):
        _say(out, f"local retailer site: http://{site.host_port}/ ({catalog_path.name})")
        _say(
            out,
            f"forward proxy for {WALLED_SHOP}: http://{egress.host_port} (its URL, with "
            f"credentials, in the secret {PROXY_SECRET})",
        )
        _say(
            out,
            f"webhook receiver for the alert channels: http://{channels.receiver.host_port} "
            f"(team-chat's URL, with its token, in the secret {CHAT_SECRET})",
        )
        overrides = demo_overrides(
            stack_config("dev"), browser=browser, alert_channels=channels.config()
        )

        def provisioned(world: LocalWorld) -> None:
            egress.create_secret(world.stack.region)
            channels.create_secret(world.stack.region)

        def before_cycle(number: int) -> None:
            site.set_cycle(number - 1)
            _say(out, f"the site now shows cycle {number}'s pages:")
            for line in describe_cycle(number - 1, products):
                _say(out, f"    {line}")

        status = run(
            read_catalog(catalog_path),
            cycles=cycles,
            stack="dev",
            allowed_hosts=[site.host_port, egress.host_port],
            report=report,
            logs=logs,
            out=out,
            before_cycle=before_cycle,
            overrides=overrides,
            provisioned=provisioned,
            channels=channels,
        )
        if status == EXIT_OK:
            for line in reach_lines(site, egress, browser=browser):
                _say(out, line)
        return status


def serve(
    *,
    port: int,
    outputs: Path,
    catalog: Path,
    logs: Path,
    out: TextIO,
    stop: threading.Event | None = None,
) -> int:
    """Keep the dev stack running for `pricemon --local` until Ctrl-C (or `stop` is set)."""
    stop = threading.Event() if stop is None else stop
    # moto's server logs every request through werkzeug; the operator wants the events.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _say(out, "provisioning the dev stack in moto from the Pulumi program ...")
    with RetailerSite() as site, logs.open("w", encoding="utf-8") as log_stream:
        try:
            with (
                local_stack("dev", allowed_hosts=[site.host_port], log_stream=log_stream) as world,
                aws_endpoint(port=port) as endpoint,
            ):
                write_catalog(site.sample_catalog(), catalog)
                write_outputs_file(outputs, world, endpoint)
                _say(out, f"AWS API (moto): {endpoint.url}; stack outputs: {outputs}")
                _say(out, f"local retailer site: http://{site.host_port}/")
                _say(out, f"sample catalog: {catalog} (pricemon --local catalog import {catalog})")
                _say(out, f"function logs: {logs}")
                _say(out, "waiting for runs (pricemon --local run); Ctrl-C stops")

                def new_run(count: int) -> None:
                    site.set_cycle(count - 1)
                    _say(out, f"run {count} started; the site shows cycle {count}'s prices")

                world.on_notification = lambda delivery: _print_notification(delivery, out)
                watcher = RunWatcher(world, new_run)
                try:
                    serve_forever(world, stop, after_step=watcher.check)
                except KeyboardInterrupt:
                    _say(out, "stopped")
        except ProvisioningError as error:
            _say(out, f"the dev stack could not be provisioned: {error}")
            return EXIT_NOT_PROVISIONED
        finally:
            outputs.unlink(missing_ok=True)
    return EXIT_OK


class _Progress:
    """A progress line now and then while a cycle runs (big catalogs take a while)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last = time.monotonic()

    def start(self) -> None:
        self.last = time.monotonic()

    def update(self, checked: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL_SECONDS:
            self.last = now
            _say(self.out, f"  ... {checked}/{total} products checked")


def _print_notification(delivery: Delivery, out: TextIO) -> None:
    _say(out, f"  notification: {notification_line(delivery.message)}")


def _say(out: TextIO, text: str) -> None:
    # Flushed: the summary is read while the cycles run, also through a pipe. Names, errors
    # and notifications come from pages and catalogs: their control characters are escaped.
    print(visible(text, keep=_LINE_BREAK), file=out, flush=True)


def _default_logs(stack: str) -> Path:
    return Path(tempfile.gettempdir()) / f"price-monitor-local-{stack}.log"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local_stack",
        description="Run the price monitor offline: the Pulumi program's stack in moto.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_command = commands.add_parser("run", help="run cycles over a catalog file")
    run_command.add_argument("--catalog", required=True, help="catalog CSV (DESIGN.md format)")
    run_command.add_argument("--cycles", type=positive_count, default=1, help="cycles to run (1)")
    run_command.add_argument("--stack", default="dev", help="stack whose config to use (dev)")
    run_command.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="a host the fetcher may reach despite a loopback or private address (repeatable)",
    )
    demo_command = commands.add_parser(
        "demo", help="run cycles over the local retailer site's sample catalog"
    )
    demo_command.add_argument(
        "--cycles", type=positive_count, default=DEMO_CYCLES, help=f"cycles to run ({DEMO_CYCLES})"
    )
    demo_command.set_defaults(stack="dev")
    for command in (run_command, demo_command):
        command.add_argument("--report", help="write the report JSON here")
    serve_command = commands.add_parser(
        "serve", help="keep the stack running for `pricemon --local` (Ctrl-C stops)"
    )
    serve_command.add_argument(
        "--port", type=int, default=0, help="port of the AWS API on 127.0.0.1 (0: any free)"
    )
    serve_command.add_argument(
        "--outputs", default=str(LOCAL_OUTPUTS_FILE), help="where to write the stack outputs"
    )
    serve_command.add_argument(
        "--catalog", default="demo-catalog.csv", help="where to write the sample catalog"
    )
    serve_command.set_defaults(stack="dev", report=None)
    for command in (run_command, demo_command, serve_command):
        command.add_argument(
            "--config",
            metavar="FILE",
            help="the stack's settings from FILE instead of Pulumi.<stack>.yaml: a YAML file "
            "with a config: mapping of price-monitor:* and aws:region keys, the same format",
        )
        command.add_argument("--logs", help="write the functions' logs here (default: temp dir)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
