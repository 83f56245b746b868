"""The recent low `new_low` compares with: one Query of the prices table, on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from monitor.recent_low import recent_low_price

OBSERVED = datetime(2024, 5, 31, 6, 1, 30, 250_000, tzinfo=UTC)
RUN = "2024-05-31T06:00:00Z"


class History:
    """The prices table of one product, written as the scraper writes it, and the lookup."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self.table = boto3.resource("dynamodb").Table(table_name)

    def __call__(
        self, days_before: float, price: str | None, *, currency: str = "EUR", run_id: str = "r"
    ) -> None:
        moment = OBSERVED - timedelta(days=days_before)
        item: dict[str, Any] = {
            "product_id": "kettle",
            "timestamp": int(moment.timestamp() * 1000),
            "currency": currency,
            "run_id": run_id,
        }
        if price is not None:
            item["price"] = Decimal(price)
        self.table.put_item(Item=item)

    def low(self, days: int = 30, currency: str | None = "EUR") -> Decimal | None:
        return recent_low_price(
            boto3.client("dynamodb"),
            self.table_name,
            "kettle",
            observed_at=OBSERVED,
            days=days,
            run_id=RUN,
            currency=currency,
        )


@pytest.fixture
def history(service_tables) -> History:
    return History(service_tables.prices)


def test_the_low_is_the_lowest_price_in_the_window(history):
    history(29, "12.00")
    history(10, "9.99")
    history(1, "11.50")

    assert history.low() == Decimal("9.99")


def test_rows_before_the_window_do_not_count(history):
    history(31, "5.00")
    history(2, "10.00")

    assert history.low(days=30) == Decimal("10.00")
    assert history.low(days=31) == Decimal("5.00")


def test_the_new_observations_own_row_is_left_out(history):
    # The scraper writes the history row before the item's latest state: the stream record
    # that raises new_low comes after its own row is stored.
    history(0, "1.00", run_id=RUN)
    history(3, "10.00")

    assert history.low() == Decimal("10.00")


def test_rows_in_another_currency_or_without_a_price_do_not_count(history):
    history(5, "1.00", currency="GBP")
    history(4, None)
    history(3, "10.00")

    assert history.low() == Decimal("10.00")
    assert history.low(currency="GBP") == Decimal("1.00")


def test_no_row_in_the_window_means_no_low(history):
    history(40, "1.00")

    assert history.low() is None


def test_another_products_rows_do_not_count(history):
    history.table.put_item(
        Item={"product_id": "lamp", "timestamp": int(OBSERVED.timestamp() * 1000) - 1, "price": 1}
    )
    history(3, "10.00")

    assert history.low() == Decimal("10.00")


def test_a_long_history_is_read_across_query_pages(history):
    table = history.table
    padding = "x" * 350_000  # moto pages at 1 MB, as DynamoDB does
    with table.batch_writer() as batch:
        for hours in range(1, 9):
            moment = OBSERVED - timedelta(hours=hours)
            batch.put_item(
                Item={
                    "product_id": "kettle",
                    "timestamp": int(moment.timestamp() * 1000),
                    "price": Decimal(100 - hours),
                    "currency": "EUR",
                    "run_id": "r",
                    "url": padding,
                }
            )
    calls = []
    client = boto3.client("dynamodb")
    client.meta.events.register("before-call.dynamodb.Query", lambda **kw: calls.append(1))

    low = recent_low_price(
        client,
        history.table_name,
        "kettle",
        observed_at=OBSERVED,
        days=1,
        run_id=RUN,
        currency="EUR",
    )

    assert low == Decimal(92)
    assert len(calls) > 1
