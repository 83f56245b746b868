"""The products-table item: the data contract read, and malformed rows named."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest

from contracts.catalog import (
    Availability,
    CatalogItem,
    CatalogListing,
    InvalidCatalogItemError,
    ScrapeStatus,
)

CATALOG_ONLY = {
    "product_id": "kettle-1",
    "retailer": "shop-a",
    "url": "https://shop-a.example/kettle",
}


def item(**changes: Any) -> dict[str, Any]:
    return CATALOG_ONLY | changes


def test_new_catalog_item_has_defaults_and_no_state():
    catalog_item = CatalogItem.from_item(CATALOG_ONLY)

    assert catalog_item == CatalogItem(
        product_id="kettle-1",
        retailer="shop-a",
        url="https://shop-a.example/kettle",
        name=None,
        active=True,
        drop_threshold_percent=None,
        target_price=None,
        last_price=None,
        last_currency=None,
        last_availability=None,
        last_checked_at=None,
        last_run_id=None,
        last_status=None,
        last_error=None,
        consecutive_failures=0,
    )


def test_item_read_back_from_dynamodb_keeps_every_field(service_tables):
    stored = item(
        name="Kettle 1.7 l",
        active=False,
        drop_threshold_percent=Decimal("12.5"),
        target_price=Decimal("19.99"),
        last_price=Decimal("24.90"),
        last_currency="EUR",
        last_availability="out_of_stock",
        last_checked_at="2025-01-06T12:00:41Z",
        last_run_id="2025-01-06T12:00:00Z",
        last_status="error",
        last_error="HTTP 404",
        consecutive_failures=2,
    )
    table = boto3.resource("dynamodb").Table(service_tables.products)
    table.put_item(Item=stored)

    catalog_item = CatalogItem.from_item(table.get_item(Key={"product_id": "kettle-1"})["Item"])

    assert catalog_item.name == "Kettle 1.7 l"
    assert catalog_item.active is False
    assert catalog_item.drop_threshold_percent == Decimal("12.5")
    assert catalog_item.target_price == Decimal("19.99")
    assert catalog_item.last_price == Decimal("24.90")
    assert (catalog_item.last_currency, catalog_item.last_availability) == ("EUR", "out_of_stock")
    assert catalog_item.last_checked_at == "2025-01-06T12:00:41Z"
    assert catalog_item.last_run_id == "2025-01-06T12:00:00Z"
    assert (catalog_item.last_status, catalog_item.last_error) == ("error", "HTTP 404")
    assert catalog_item.last_status is ScrapeStatus.ERROR
    assert catalog_item.last_availability is Availability.OUT_OF_STOCK
    assert catalog_item.consecutive_failures == 2
    assert isinstance(catalog_item.consecutive_failures, int)


def test_plain_python_numbers_are_read_as_decimals():
    catalog_item = CatalogItem.from_item(item(target_price=19.99, drop_threshold_percent=10))

    assert catalog_item.target_price == Decimal("19.99")
    assert catalog_item.drop_threshold_percent == Decimal(10)


def test_blank_name_and_null_attributes_mean_absent():
    catalog_item = CatalogItem.from_item(item(name="  ", active=None, last_price=None))

    assert catalog_item.name is None
    assert catalog_item.active is True
    assert catalog_item.last_price is None


@pytest.mark.parametrize("url", ["http://shop.example/a", "HTTPS://shop.example:8443/a?b=1"])
def test_http_and_https_urls_are_accepted(url):
    assert CatalogItem.from_item(item(url=url)).url == url


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"retailer": None}, "retailer: is missing or empty"),
        ({"retailer": ""}, "retailer: is missing or empty"),
        ({"retailer": 7}, "retailer: is a int, not a string"),
        ({"url": None}, "url: is missing or empty"),
        ({"url": "ftp://shop.example/a"}, "is not an http or https URL"),
        ({"url": "javascript:alert(1)"}, "is not an http or https URL"),
        ({"url": "shop.example/kettle"}, "is not an http or https URL"),
        ({"url": "https:///kettle"}, "has no host"),
        ({"url": "https://shop.example/a kettle"}, "contains whitespace"),
        ({"url": "https://[::1/kettle"}, "is not a URL"),
        ({"name": 12}, "name: is a int"),
        ({"active": "false"}, "active: 'false' is not a boolean"),
        ({"drop_threshold_percent": Decimal(0)}, "drop_threshold_percent: 0 is not in (0, 100]"),
        ({"drop_threshold_percent": Decimal("100.5")}, "is not in (0, 100]"),
        ({"drop_threshold_percent": "10"}, "drop_threshold_percent: is a str, not a number"),
        ({"target_price": "cheap"}, "target_price: is a str, not a number"),
        ({"target_price": True}, "target_price: is a bool, not a number"),
        ({"target_price": Decimal(0)}, "target_price: 0 is not a positive price"),
        ({"target_price": float("nan")}, "target_price: nan is not a finite number"),
        ({"target_price": Decimal("Infinity")}, "target_price: Infinity is not a finite number"),
        ({"last_price": Decimal("-1")}, "last_price: -1 is negative"),
        ({"last_currency": "euro"}, "last_currency: 'euro' is not an ISO 4217 code"),
        ({"last_currency": "€UR"}, "is not an ISO 4217 code"),
        ({"last_availability": "maybe"}, "last_availability: 'maybe' is not one of"),
        ({"last_status": "fine"}, "last_status: 'fine' is not one of ok, error, blocked"),
        ({"consecutive_failures": Decimal("1.5")}, "consecutive_failures: 1.5 is not a count"),
        ({"consecutive_failures": Decimal(-1)}, "consecutive_failures: -1 is not a count"),
    ],
)
def test_malformed_item_names_the_product_and_the_problem(changes, problem):
    with pytest.raises(InvalidCatalogItemError) as raised:
        CatalogItem.from_item(item(**changes))

    assert raised.value.product_id == "kettle-1"
    assert problem in raised.value.problem
    assert "kettle-1" in str(raised.value)


@pytest.mark.parametrize("product_id", [None, "", "   ", 42])
def test_item_without_a_product_id_is_malformed(product_id):
    with pytest.raises(InvalidCatalogItemError) as raised:
        CatalogItem.from_item(item(product_id=product_id))

    assert raised.value.product_id is None
    assert "product_id" in raised.value.problem


def test_listing_reads_only_what_the_dispatcher_projects():
    assert CatalogListing.from_item({"product_id": "kettle-1", "retailer": "shop-a"}) == (
        CatalogListing("kettle-1", "shop-a", True)
    )
    assert not CatalogListing.from_item(item(active=False)).active


@pytest.mark.parametrize(
    ("listing", "problem"),
    [
        ({"product_id": "kettle-1"}, "retailer: is missing or empty"),
        ({"product_id": "kettle-1", "retailer": "shop-a", "active": 1}, "active: 1 is not a"),
        ({"retailer": "shop-a"}, "product_id None is not a non-empty string"),
    ],
)
def test_listing_without_what_a_job_needs_is_malformed(listing, problem):
    with pytest.raises(InvalidCatalogItemError, match=problem):
        CatalogListing.from_item(listing)


# --- the opt-in alert rules -------------------------------------------------------------


def test_the_opt_in_alert_settings_are_read_back_from_dynamodb(service_tables):
    table = boto3.resource("dynamodb").Table(service_tables.products)
    table.put_item(
        Item=item(
            alerts={"out_of_stock", "price_increase"},
            increase_threshold_percent=Decimal("2.5"),
            new_low_days=Decimal(14),
        )
    )

    catalog_item = CatalogItem.from_item(table.get_item(Key={"product_id": "kettle-1"})["Item"])

    assert catalog_item.alerts == ("price_increase", "out_of_stock")  # catalog_rules order
    assert catalog_item.increase_threshold_percent == Decimal("2.5")
    assert catalog_item.new_low_days == 14
    assert isinstance(catalog_item.new_low_days, int)


def test_an_item_without_opt_in_settings_has_none():
    catalog_item = CatalogItem.from_item(CATALOG_ONLY)
    assert (catalog_item.alerts, catalog_item.increase_threshold_percent) == ((), None)
    assert catalog_item.new_low_days is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"alerts": {"price_rise"}}, "alerts: unknown alert kind 'price_rise' (the opt-in kinds"),
        ({"alerts": {"price_drop"}}, "alerts: 'price_drop' is always on"),
        ({"alerts": "new_low"}, "alerts: is a str, not a set of alert kinds"),
        ({"alerts": {Decimal(1)}}, "alerts: holds a Decimal, not an alert kind"),
        ({"increase_threshold_percent": Decimal(0)}, "is not in (0, 1000]"),
        ({"increase_threshold_percent": Decimal(1001)}, "is not in (0, 1000]"),
        ({"new_low_days": Decimal("2.5")}, "new_low_days: 2.5 is not a whole number of days"),
        ({"new_low_days": Decimal(0)}, "from 1 to 365"),
        ({"new_low_days": "7"}, "new_low_days: is a str, not a number"),
    ],
)
def test_malformed_opt_in_settings_name_the_product_and_the_problem(changes, problem):
    with pytest.raises(InvalidCatalogItemError) as raised:
        CatalogItem.from_item(item(**changes))

    assert raised.value.product_id == "kettle-1"
    assert problem in raised.value.problem
