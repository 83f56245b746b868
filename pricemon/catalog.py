"""`pricemon catalog validate|import|export`: the catalog file in and out of the products table.

    pricemon catalog validate FILE.csv
    pricemon catalog import FILE.csv [--deactivate-missing] [--dry-run]
    pricemon catalog export FILE.csv|-

Import is all or nothing: the file is read and checked whole first (catalog_file.py), and
one bad row means every problem is reported and nothing is written (exit 1). Then only
the difference is written (catalog_sync.py), so re-importing keeps each product's latest
state and an identical file writes nothing. The plan is made before the first write and
announced on stderr, progress follows there, and the result is printed once every write is
done, so a closed stdout (`| head`) cannot stop an import halfway. After Ctrl-C (exit 130)
the same import run again completes it.
"""

from __future__ import annotations

import argparse
import io
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pricemon.catalog_file import (
    CatalogFileError,
    CatalogRow,
    dump_catalog,
    read_catalog,
    write_catalog,
)
from pricemon.catalog_sync import (
    ImportPlan,
    apply_plan,
    plan_import,
    read_stored_catalog,
    sorted_rows,
)
from pricemon.target import UsageError
from pricemon.terminal import EXIT_OK, EXIT_PROBLEM, Console

if TYPE_CHECKING:
    from pricemon.context import Context, Subcommands

PRODUCTS_TABLE = "products_table"
STDOUT = "-"
_SHOWN_CHANGES = 20


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    catalog = commands.add_parser(
        "catalog",
        parents=[common],
        help="validate, import or export the catalog CSV",
        description="The catalog CSV (product_id,retailer,url,name,drop_threshold_percent,"
        "target_price,active) in and out of the products table.",
    )
    actions = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")

    validate = actions.add_parser(
        "validate",
        parents=[common],
        help="check a catalog file; every bad row with its line number",
    )
    validate.add_argument("file", metavar="FILE.csv")
    validate.set_defaults(action=validate_command)

    imported = actions.add_parser(
        "import",
        parents=[common],
        help="write a catalog file to the products table (all or nothing)",
        description="Add new products, update changed ones (their latest price and status"
        " are kept) and leave identical ones alone. Nothing is written if any row is bad.",
    )
    imported.add_argument("file", metavar="FILE.csv")
    imported.add_argument(
        "--deactivate-missing",
        action="store_true",
        help="set active=false on products of the table that the file does not list",
    )
    imported.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    imported.set_defaults(action=import_command)

    export = actions.add_parser(
        "export", parents=[common], help="write the products table as a catalog file"
    )
    export.add_argument("file", metavar="FILE.csv", help=f"where to write ({STDOUT}: stdout)")
    export.set_defaults(action=export_command)


# --- validate ---------------------------------------------------------------------------


def validate_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    try:
        rows = _read(arguments.file)
    except CatalogFileError as error:
        _report_problems(console, arguments.file, error)
        return EXIT_PROBLEM
    retailers = Counter(row.retailer for row in rows)
    data = {
        "file": arguments.file,
        "valid": True,
        "products": len(rows),
        "active": sum(row.active for row in rows),
        "retailers": dict(sorted(retailers.items())),
    }

    def render() -> None:
        console.line(
            f"{arguments.file}: {len(rows)} products ({data['active']} active),"
            f" {len(retailers)} retailers, no problems"
        )
        if retailers:
            console.table(["retailer", "products"], sorted(retailers.items()), right=[1])

    console.result(data, render)
    return EXIT_OK


# --- import -----------------------------------------------------------------------------


def import_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    try:
        rows = _read(arguments.file)
    except CatalogFileError as error:
        console.error(f"{arguments.file} was not imported: nothing was written")
        _report_problems(console, arguments.file, error)
        return EXIT_PROBLEM
    table = context.stack().table(PRODUCTS_TABLE)
    plan = plan_import(
        rows, read_stored_catalog(table), deactivate_missing=arguments.deactivate_missing
    )
    if not arguments.dry_run and plan.writes:
        # The whole plan is known before the first write (see catalog_sync.py on order).
        console.note(
            f"{arguments.file}: writing {plan.writes} changes ({len(plan.added)} new,"
            f" {len(plan.updated)} updated, {len(plan.deactivated)} deactivated)"
        )
        apply_plan(
            table,
            plan,
            on_progress=lambda done, total: console.progress(done, total, "importing"),
        )
    data = _plan_data(arguments.file, plan, dry_run=arguments.dry_run)

    def render() -> None:
        verb = "would change" if arguments.dry_run else "imported"
        console.line(f"{arguments.file}: {verb} ({len(rows)} products in the file)")
        console.table(
            ["added", "updated", "unchanged", "deactivated"],
            [[data["added"], data["updated"], data["unchanged"], data["deactivated"]]],
            right=[0, 1, 2, 3],
        )
        _render_changes(console, plan)
        if arguments.dry_run:
            console.line("dry run: nothing was written")

    console.result(data, render)
    return EXIT_OK


def _plan_data(file: str, plan: ImportPlan, *, dry_run: bool) -> dict[str, Any]:
    return {
        "file": file,
        "dry_run": dry_run,
        "added": len(plan.added),
        "updated": len(plan.updated),
        "unchanged": len(plan.unchanged),
        "deactivated": len(plan.deactivated),
        "changes": {
            "added": [row.product_id for row in plan.added],
            "updated": [
                {"product_id": update.product_id, "fields": update.fields}
                for update in plan.updated
            ],
            "deactivated": list(plan.deactivated),
        },
    }


def _render_changes(console: Console, plan: ImportPlan) -> None:
    changes = [
        *(("added", row.product_id, "") for row in plan.added),
        *(("updated", update.product_id, ", ".join(update.fields)) for update in plan.updated),
        *(("deactivated", product_id, "active") for product_id in plan.deactivated),
    ]
    if not changes:
        return
    console.line()
    console.table(["change", "product_id", "fields"], changes[:_SHOWN_CHANGES])
    if len(changes) > _SHOWN_CHANGES:
        console.line(f"... and {len(changes) - _SHOWN_CHANGES} more (--json lists them all)")


# --- export -----------------------------------------------------------------------------


def export_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    table = context.stack().table(PRODUCTS_TABLE)
    rows = sorted_rows(read_stored_catalog(table).values())
    if arguments.file == STDOUT:
        # The CSV is the output; --json has nothing to add to it.
        buffer = io.StringIO(newline="")
        dump_catalog(rows, buffer)
        console.data(buffer.getvalue())
        return EXIT_OK
    try:
        write_catalog(rows, arguments.file)
    except OSError as error:
        raise UsageError(f"cannot write {arguments.file}: {error.strerror or error}") from None
    data = {"file": arguments.file, "products": len(rows)}
    console.result(data, lambda: console.line(f"{arguments.file}: {len(rows)} products exported"))
    return EXIT_OK


# --- shared -----------------------------------------------------------------------------


def _read(file: str) -> list[CatalogRow]:
    """The file's rows; CatalogFileError for bad rows, UsageError when it cannot be read."""
    try:
        return read_catalog(Path(file))
    except OSError as error:
        raise UsageError(f"cannot read {file}: {error.strerror or error}") from None


def _report_problems(console: Console, file: str, error: CatalogFileError) -> None:
    problems = error.problems
    data = {
        "file": file,
        "valid": False,
        "problems": [
            {"line": problem.line, "column": problem.column, "reason": problem.reason}
            for problem in problems
        ],
    }

    def render() -> None:
        count = len(problems)
        console.line(f"{file}: {count} problem{'s' if count != 1 else ''}")
        console.table(
            ["line", "column", "problem"],
            [[problem.line, problem.column, problem.reason] for problem in problems],
            right=[0],
        )

    console.result(data, render)
