"""The reads behind `pricemon history` and `pricemon report`: prices, catalog, threshold.

A product's history is one Query on the prices table's key: the whole stored history is a
few hundred rows at most (4 a day for the retention period). A period of every product is
read with the prices table's `retailer-index` GSI, one paginated Query per retailer,
rather than one Query per product: for 5,300 products that is a handful of queries
instead of 5,300. The default drop threshold is the one the detector applies: the stack's
output, else the detector's own configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contracts.catalog import Availability
from contracts.environment import DEFAULT_DROP_THRESHOLD_PERCENT
from contracts.tables import PRODUCT_ID, RETAILER, RETAILER_INDEX, TIMESTAMP
from price_monitor.config import Settings
from pricemon.catalog_file import COLUMNS
from pricemon.history_models import HistoryRow, ProductInfo, Threshold
from pricemon.status import projection, read_all
from pricemon.target import Stack

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table

_ROW_ATTRIBUTES = (
    PRODUCT_ID,
    TIMESTAMP,
    "price",
    "currency",
    "availability",
    "previous_price",
    "run_id",
    "scraped_at",
)
_CATALOG_ATTRIBUTES = COLUMNS  # the catalog file's columns are the item's catalog fields


def row_from_item(item: Mapping[str, Any]) -> HistoryRow:
    """A prices-table item (as the boto3 resource returns it) as a HistoryRow."""
    return HistoryRow(
        product_id=str(item[PRODUCT_ID]),
        timestamp_ms=int(item[TIMESTAMP]),
        price=item.get("price"),  # none: an out-of-stock page that showed none
        currency=item.get("currency"),
        availability=str(item.get("availability", Availability.UNKNOWN)),
        run_id=str(item.get("run_id", "")),
        scraped_at=item.get("scraped_at"),
        previous_price=item.get("previous_price"),
    )


def product_rows(prices_table: Table, product_id: str) -> list[HistoryRow]:
    """Every stored observation of `product_id`, oldest first."""
    request: dict[str, Any] = {
        "KeyConditionExpression": f"#{PRODUCT_ID} = :product_id",
        "ExpressionAttributeValues": {":product_id": product_id},
        **projection(_ROW_ATTRIBUTES),
    }
    return [row_from_item(item) for item in read_all(prices_table, "query", request)]


def period_rows(
    prices_table: Table,
    retailers: Iterable[str],
    since: datetime,
    progress: Callable[[int, int], None],
) -> dict[str, list[HistoryRow]]:
    """The rows since `since`, by product (oldest first): one GSI Query per retailer."""
    by_product: dict[str, list[HistoryRow]] = {}
    chosen = sorted(set(retailers))
    for done, retailer in enumerate(chosen, start=1):
        request: dict[str, Any] = {
            "IndexName": RETAILER_INDEX,
            "KeyConditionExpression": f"#{RETAILER} = :retailer AND #{TIMESTAMP} >= :since",
            "ExpressionAttributeValues": {
                ":retailer": retailer,
                ":since": int(since.timestamp() * 1000),
            },
            **projection(_ROW_ATTRIBUTES, other_names=(RETAILER,)),
        }
        for item in read_all(prices_table, "query", request):
            row = row_from_item(item)
            by_product.setdefault(row.product_id, []).append(row)
        progress(done, len(chosen))
    for rows in by_product.values():
        rows.sort(key=lambda row: row.timestamp_ms)
    return by_product


def catalog_items(products_table: Table) -> dict[str, dict[str, Any]]:
    """The catalog fields of every product, by product_id."""
    items = read_all(products_table, "scan", projection(_CATALOG_ATTRIBUTES))
    return {str(item[PRODUCT_ID]): item for item in items}


def default_threshold(stack: Stack, override: Decimal | None = None) -> Threshold:
    """The drop threshold of products without their own: --default-threshold, else the
    stack's output, else the detector's configured value, else the settings' default (with
    the reason)."""
    if override is not None:
        return Threshold(override, "--default-threshold")
    exported = stack.outputs.get("drop_threshold_percent")
    if exported is not None:
        percent = Decimal(str(exported))  # a float output: 10.0 reads as 10
        if percent == percent.to_integral_value():
            percent = percent.quantize(Decimal(1))
        return Threshold(percent, "the stack's dropThresholdPercent")
    # Stacks deployed before that output: the detector's own environment.
    function = stack.outputs.get("detector_function")
    fallback = Decimal(f"{Settings.drop_threshold_percent:g}")
    if not function:
        return Threshold(fallback, "dropThresholdPercent's default (no detector_function output)")
    try:
        configuration = stack.client("lambda").get_function_configuration(FunctionName=function)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        return Threshold(
            fallback, f"dropThresholdPercent's default (the detector's configuration: {code})"
        )
    variables = configuration.get("Environment", {}).get("Variables", {})
    value = variables.get(DEFAULT_DROP_THRESHOLD_PERCENT)
    if value is None:
        missing = f"the detector has no {DEFAULT_DROP_THRESHOLD_PERCENT}"
        return Threshold(fallback, f"dropThresholdPercent's default ({missing})")
    return Threshold(Decimal(value), f"the detector's {DEFAULT_DROP_THRESHOLD_PERCENT}")


def product_info(item: Mapping[str, Any], threshold: Threshold) -> ProductInfo:
    """A catalog item as the commands show it, with the threshold that applies to it."""
    own = item.get("drop_threshold_percent")
    return ProductInfo(
        product_id=str(item[PRODUCT_ID]),
        retailer=item.get("retailer"),
        name=item.get("name"),
        url=item.get("url"),
        drop_threshold_percent=own if own is not None else threshold.percent,
        own_threshold=own is not None,
        target_price=item.get("target_price"),
    )
