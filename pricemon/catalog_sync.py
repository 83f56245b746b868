"""Bringing the products table in line with a catalog file, without touching latest state.

A products-table item holds a product's catalog fields (what the file says) and its latest
state (`last_price`, `last_status`, ..., written by the scraper). Importing a file must
change the first and never the second, so a re-import is not a reset:

- `read_stored_catalog` scans the table once, reading the catalog attributes only;
- `plan_import` compares the file's rows with them: a product the table lacks is *added*
  (a whole new item, BatchWriteItem through `catalog_file.import_catalog`), a product whose
  catalog fields differ is *updated* (UpdateItem: SET the fields that changed, REMOVE the
  optional ones the file now leaves blank), an identical one is *unchanged* and costs no
  write; with `deactivate_missing`, an active product absent from the file is *deactivated*
  (UpdateItem `active = false`: it keeps its history and can come back);
- `apply_plan` writes the plan.

The plan is made whole before the first write, and the writes go in the order new,
updated, deactivated: an import stopped halfway (Ctrl-C, a crash, a lost connection) has
never retired a product before the file's new and changed ones are in. Every write sets
the item to what the file says, so none is harmful to repeat, and a rerun of the same
import plans again from the table: what was written is now unchanged, and only the rest is
written. An interrupted import therefore converges on the file when it is run again.

Numbers compare as numbers (`12.50` equals a stored `12.5`) and a stored item without
`active` counts as active, as DESIGN.md's default says.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contracts import catalog_rules
from pricemon.catalog_file import COLUMNS, CatalogRow, import_catalog

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table

OPTIONAL_FIELDS = (
    "name",
    "drop_threshold_percent",
    "target_price",
    "alerts",
    "increase_threshold_percent",
    "new_low_days",
)
ACTIVE_DEFAULT = True  # DESIGN.md: `active` defaults to true

_PROJECTION_NAMES = {f"#{column}": column for column in COLUMNS}


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C while `apply_plan` was writing: how far it got, and how to finish.

    A KeyboardInterrupt still, so nothing that handles errors swallows it."""

    def __init__(self, applied: int, total: int) -> None:
        super().__init__(
            f"interrupted: {applied} of the import's {total} writes were confirmed, so the"
            " table holds part of it. Run the same import again to complete it: it writes"
            " only what still differs from the file"
        )
        self.applied = applied
        self.total = total


@dataclass(frozen=True)
class ProductUpdate:
    """The catalog fields of one stored product that the file changes."""

    product_id: str
    changed: Mapping[str, Any]  # field -> the file's value (SET)
    removed: tuple[str, ...]  # optional fields the file leaves blank (REMOVE)
    row: CatalogRow  # the whole row, should the item vanish before the update

    @property
    def fields(self) -> list[str]:
        return sorted([*self.changed, *self.removed])


@dataclass(frozen=True)
class ImportPlan:
    """What importing a file changes in the products table."""

    added: list[CatalogRow] = field(default_factory=list)
    updated: list[ProductUpdate] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.added) + len(self.updated) + len(self.deactivated)


def read_stored_catalog(table: Table) -> dict[str, dict[str, Any]]:
    """The catalog attributes of every item of `table` (a boto3 Table), by product_id."""
    stored: dict[str, dict[str, Any]] = {}
    arguments: dict[str, Any] = {
        "ProjectionExpression": ", ".join(_PROJECTION_NAMES),
        "ExpressionAttributeNames": _PROJECTION_NAMES,
        "ConsistentRead": True,  # an import right after another sees its writes
    }
    while True:
        page = table.scan(**arguments)
        stored.update((str(item["product_id"]), item) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return stored
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def plan_import(
    rows: Sequence[CatalogRow],
    stored: Mapping[str, Mapping[str, Any]],
    *,
    deactivate_missing: bool = False,
) -> ImportPlan:
    """What writing `rows` over the `stored` catalog changes (see the module docstring)."""
    plan = ImportPlan()
    for row in rows:
        item = stored.get(row.product_id)
        if item is None:
            plan.added.append(row)
            continue
        update = _difference(row, item)
        if update is None:
            plan.unchanged.append(row.product_id)
        else:
            plan.updated.append(update)
    if deactivate_missing:
        in_file = {row.product_id for row in rows}
        plan.deactivated.extend(
            product_id
            for product_id, item in sorted(stored.items())
            if product_id not in in_file and item.get("active", ACTIVE_DEFAULT) is not False
        )
    return plan


def apply_plan(
    table: Table,
    plan: ImportPlan,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Write `plan` to `table`, in the order of the module docstring; `on_progress(done,
    total)` follows the writes.

    New items go 25 per BatchWriteItem with retries of unprocessed items (CatalogImportError
    when DynamoDB keeps refusing); updates are one UpdateItem each, conditional on the item
    still existing (one removed meanwhile is put whole, from its row). Ctrl-C raises
    ImportInterrupted with the writes confirmed so far.
    """
    total = plan.writes
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done = count
        if on_progress is not None:
            on_progress(done, total)

    try:
        import_catalog(
            table, plan.added, on_progress=lambda written, _: report(written), sleep=sleep
        )
        done = len(plan.added)
        for update in plan.updated:
            _update(table, update)
            report(done + 1)
        for product_id in plan.deactivated:
            _deactivate(table, product_id)
            report(done + 1)
    except KeyboardInterrupt:
        raise ImportInterrupted(done, total) from None


def row_from_item(item: Mapping[str, Any]) -> CatalogRow:
    """The catalog row of a products-table item (its latest state left out)."""
    return CatalogRow(
        product_id=str(item["product_id"]),
        retailer=str(item.get("retailer", "")),
        url=str(item.get("url", "")),
        name=_text_or_none(item.get("name")),
        drop_threshold_percent=_number_or_none(item.get("drop_threshold_percent")),
        target_price=_number_or_none(item.get("target_price")),
        active=item.get("active", ACTIVE_DEFAULT) is not False,
        alerts=_alert_kinds(item.get("alerts")),
        increase_threshold_percent=_number_or_none(item.get("increase_threshold_percent")),
        new_low_days=_whole_or_none(item.get("new_low_days")),
    )


def sorted_rows(items: Iterable[Mapping[str, Any]]) -> list[CatalogRow]:
    """The catalog rows of `items`, by product_id."""
    return sorted((row_from_item(item) for item in items), key=lambda row: row.product_id)


# --- planning ---------------------------------------------------------------------------


def _difference(row: CatalogRow, item: Mapping[str, Any]) -> ProductUpdate | None:
    wanted = row.to_item()
    changed = {
        name: value
        for name, value in wanted.items()
        if name != "product_id" and not _same(item.get(name), value, name)
    }
    removed = tuple(name for name in OPTIONAL_FIELDS if name not in wanted and name in item)
    if not changed and not removed:
        return None
    return ProductUpdate(row.product_id, changed, removed, row)


def _same(stored: Any, wanted: Any, name: str) -> bool:
    if stored is None and name == "active":
        stored = ACTIVE_DEFAULT
    if isinstance(wanted, bool) or isinstance(stored, bool):
        return stored is wanted
    return type(stored) is type(wanted) and stored == wanted


# --- writing ----------------------------------------------------------------------------


def _update(table: Table, update: ProductUpdate) -> None:
    names = {f"#{name}": name for name in [*update.changed, *update.removed]}
    values = {f":{name}": value for name, value in update.changed.items()}
    clauses = []
    if update.changed:
        clauses.append("SET " + ", ".join(f"#{name} = :{name}" for name in update.changed))
    if update.removed:
        clauses.append("REMOVE " + ", ".join(f"#{name}" for name in update.removed))
    arguments: dict[str, Any] = {
        "Key": {"product_id": update.product_id},
        "UpdateExpression": " ".join(clauses),
        "ConditionExpression": "attribute_exists(product_id)",
        "ExpressionAttributeNames": names,
    }
    if values:
        arguments["ExpressionAttributeValues"] = values
    try:
        table.update_item(**arguments)
    except ClientError as error:
        if not _condition_failed(error):
            raise
        # Deleted since the scan: a partial update would leave an item without retailer or
        # url, so the product is written whole, as a new one.
        table.put_item(Item=update.row.to_item())


def _deactivate(table: Table, product_id: str) -> None:
    try:
        table.update_item(
            Key={"product_id": product_id},
            UpdateExpression="SET #active = :false",
            ConditionExpression="attribute_exists(product_id)",
            ExpressionAttributeNames={"#active": "active"},
            ExpressionAttributeValues={":false": False},
        )
    except ClientError as error:
        if not _condition_failed(error):
            raise
        # Deleted since the scan: nothing left to retire.


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _number_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _alert_kinds(value: Any) -> tuple[str, ...]:
    # A string set; kept in the file's order (an unknown kind is left for validate to name).
    kinds = set(value or ())
    known = [kind for kind in catalog_rules.OPT_IN_ALERT_KINDS if kind in kinds]
    return (*known, *sorted(str(kind) for kind in kinds - set(known)))


def _whole_or_none(value: Any) -> int | None:
    return None if value is None else int(Decimal(str(value)))
