"""Recording observations and failures on the catalog item and the history, idempotently."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from monitor.state import (
    Observation,
    StateWriteError,
    read_products,
    record_failure,
    record_observations,
)

RUN = "2024-05-01T06:00:00Z"
NEXT_RUN = "2024-05-01T12:00:00Z"
OBSERVED_AT = datetime(2024, 5, 1, 6, 1, 2, 345000, tzinfo=UTC)
URL = "https://shop.example/p/kettle"


@pytest.fixture
def store(service_tables):
    """The products and prices tables, with helpers to seed and read them."""
    return Store(service_tables.products, service_tables.prices)


class Store:
    def __init__(self, products: str, prices: str) -> None:
        self.client = boto3.client("dynamodb")
        self.products = products
        self.prices = prices
        self._resource = boto3.resource("dynamodb")

    def put(self, **item: Any) -> None:
        item.setdefault("retailer", "shop-a")
        item.setdefault("url", URL)
        self._resource.Table(self.products).put_item(Item=item)

    def item(self, product_id: str) -> dict[str, Any] | None:
        table = self._resource.Table(self.products)
        return table.get_item(Key={"product_id": product_id}).get("Item")

    def history(self, product_id: str) -> list[dict[str, Any]]:
        return self._resource.Table(self.prices).query(
            KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product_id}
        )["Items"]

    def observe(self, product_id: str = "kettle", **fields: Any) -> bool:
        values = {
            "product_id": product_id,
            "retailer": "shop-a",
            "url": URL,
            "run_id": RUN,
            "price": Decimal("19.99"),
            "currency": "EUR",
            "availability": "in_stock",
            "observed_at": OBSERVED_AT,
        } | fields
        outcome = self.record([Observation(**values)])
        if outcome.failed:
            raise outcome.failed[0][1]
        return bool(outcome.recorded)

    def record(self, observations: list[Observation], client: Any = None) -> Any:
        return record_observations(
            client or self.client,
            products_table=self.products,
            prices_table=self.prices,
            observations=observations,
            history_retention_days=90,
        )

    def fail(self, product_id: str = "kettle", run_id: str = RUN, status: str = "error") -> Any:
        return record_failure(
            self.client,
            products_table=self.products,
            product_id=product_id,
            run_id=run_id,
            status=status,
            error="HTTP 404",
            checked_at=OBSERVED_AT,
        )


def test_observation_sets_latest_state_and_writes_the_history_row(store):
    store.put(product_id="kettle", last_error="HTTP 500", consecutive_failures=2)

    assert store.observe(previous_price=Decimal("24.99")) is True

    item = store.item("kettle")
    assert item is not None
    assert {key: item[key] for key in item if key.startswith("last_")} == {
        "last_price": Decimal("19.99"),
        "last_currency": "EUR",
        "last_availability": "in_stock",
        "last_checked_at": "2024-05-01T06:01:02.345Z",
        "last_run_id": RUN,
        "last_status": "ok",
    }
    assert item["consecutive_failures"] == 0
    [row] = store.history("kettle")
    assert row == {
        "product_id": "kettle",
        "timestamp": Decimal(int(OBSERVED_AT.timestamp() * 1000)),
        "retailer": "shop-a",
        "price": Decimal("19.99"),
        "currency": "EUR",
        "availability": "in_stock",
        "previous_price": Decimal("24.99"),
        "run_id": RUN,
        "url": URL,
        "scraped_at": "2024-05-01T06:01:02.345Z",
        "expires_at": Decimal(int((OBSERVED_AT + timedelta(days=90)).timestamp())),
    }


def test_the_same_run_recorded_twice_writes_history_once(store):
    store.put(product_id="kettle")

    assert store.observe() is True
    assert store.observe(observed_at=OBSERVED_AT + timedelta(seconds=3)) is False

    assert len(store.history("kettle")) == 1


def test_the_next_run_is_recorded_again(store):
    store.put(product_id="kettle")
    store.observe()

    assert store.observe(run_id=NEXT_RUN, observed_at=OBSERVED_AT + timedelta(hours=6))

    assert len(store.history("kettle")) == 2
    assert store.item("kettle")["last_run_id"] == NEXT_RUN


def test_observation_of_a_product_deleted_from_the_catalog_writes_nothing(store):
    assert store.observe("gone") is False

    assert store.item("gone") is None
    assert store.history("gone") == []


def test_observation_without_currency_drops_the_old_currency(store):
    store.put(product_id="kettle", last_price=Decimal("10"), last_currency="USD")

    store.observe(currency=None)

    assert "last_currency" not in store.item("kettle")
    assert "currency" not in store.history("kettle")[0]


def test_the_same_observation_written_again_is_one_history_row(store):
    store.put(product_id="kettle")
    boto3.resource("dynamodb").Table(store.prices).put_item(
        Item={"product_id": "kettle", "timestamp": int(OBSERVED_AT.timestamp() * 1000)}
    )

    assert store.observe() is True

    [row] = store.history("kettle")
    assert row["price"] == Decimal("19.99")


def test_a_batch_writes_its_history_rows_in_one_call_and_each_latest_state(store):
    for product_id in ("kettle", "toaster", "gone"):
        if product_id != "gone":
            store.put(product_id=product_id)
    calls = CountingClient(store.client)
    observations = [
        observation(product_id, observed_at=OBSERVED_AT + timedelta(milliseconds=index))
        for index, product_id in enumerate(("kettle", "toaster", "gone"))
    ]

    outcome = store.record(observations, calls)

    assert [o.product_id for o in outcome.recorded] == ["kettle", "toaster"]
    assert [o.product_id for o in outcome.duplicates] == ["gone"]
    assert calls.counts == {"batch_write_item": 1, "update_item": 3, "delete_item": 1}
    assert store.history("gone") == []


def test_history_rows_that_stay_throttled_are_write_errors_and_change_no_state(store):
    store.put(product_id="kettle")
    throttled = ThrottledWrites(store.client)

    outcome = store.record([observation("kettle")], throttled)

    [(failed, error)] = outcome.failed
    assert failed.product_id == "kettle"
    assert "throttled" in str(error)
    assert throttled.calls == 5
    assert "last_price" not in store.item("kettle")


def test_a_failed_latest_state_write_deletes_its_history_row(store):
    store.put(product_id="kettle")
    failing = FailingUpdates(store.client)

    outcome = store.record([observation("kettle")], failing)

    [(_, error)] = outcome.failed
    assert error.product_id == "kettle"
    assert store.history("kettle") == []


def test_a_row_that_cannot_be_deleted_again_stays_and_is_logged(store, caplog):
    failing = FailingUpdates(store.client, deletes_fail=True)

    outcome = store.record([observation("gone")], failing)

    assert [o.product_id for o in outcome.duplicates] == ["gone"]
    assert len(store.history("gone")) == 1
    assert "second reading" in caplog.text


def observation(product_id: str, **fields: Any) -> Observation:
    values = {
        "product_id": product_id,
        "retailer": "shop-a",
        "url": URL,
        "run_id": RUN,
        "price": Decimal("19.99"),
        "currency": "EUR",
        "availability": "in_stock",
        "observed_at": OBSERVED_AT,
    } | fields
    return Observation(**values)


class CountingClient:
    """A DynamoDB client that counts the calls made through it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.counts: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def counted(**kwargs: Any) -> Any:
            self.counts[name] = self.counts.get(name, 0) + 1
            return method(**kwargs)

        return counted


class ThrottledWrites(CountingClient):
    calls = 0

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return {"UnprocessedItems": RequestItems}


class FailingUpdates(CountingClient):
    def __init__(self, client: Any, deletes_fail: bool = False) -> None:
        super().__init__(client)
        self.deletes_fail = deletes_fail

    def update_item(self, **kwargs: Any) -> Any:
        if self.deletes_fail:
            return self.client.update_item(**kwargs)
        raise EndpointConnectionError(endpoint_url="https://dynamodb")

    def delete_item(self, **kwargs: Any) -> Any:
        if self.deletes_fail:
            raise EndpointConnectionError(endpoint_url="https://dynamodb")
        return self.client.delete_item(**kwargs)


def test_observation_on_a_missing_table_is_a_write_error(store):
    store.put(product_id="kettle")
    store.client.delete_table(TableName=store.prices)

    with pytest.raises(StateWriteError) as raised:
        store.observe()

    assert raised.value.product_id == "kettle"


def test_failure_counts_up_and_keeps_the_last_good_price(store):
    store.put(product_id="kettle", last_price=Decimal("19.99"), last_availability="in_stock")

    assert store.fail(run_id="run-1") == 1
    assert store.fail(run_id="run-2", status="blocked") == 2

    item = store.item("kettle")
    assert item["last_status"] == "blocked"
    assert item["last_error"] == "HTTP 404"
    assert item["last_run_id"] == "run-2"
    assert item["last_price"] == Decimal("19.99")
    assert item["last_availability"] == "in_stock"


def test_failure_recorded_twice_in_one_run_counts_once(store):
    store.put(product_id="kettle")

    assert store.fail() == 1
    assert store.fail() is None

    assert store.item("kettle")["consecutive_failures"] == 1


def test_failure_of_a_product_deleted_from_the_catalog_creates_no_item(store):
    assert store.fail("gone") is None
    assert store.item("gone") is None


def test_failure_status_must_be_error_or_blocked(store):
    with pytest.raises(ValueError, match="'ok'"):
        store.fail(status="ok")


def test_failure_on_a_missing_table_is_a_write_error(store):
    store.client.delete_table(TableName=store.products)

    with pytest.raises(StateWriteError):
        store.fail()


def test_read_products_returns_the_items_found(store):
    store.put(product_id="a", last_price=Decimal("5"))
    store.put(product_id="b")

    read = read_products(store.client, store.products, ["a", "b", "missing", "a"])

    assert set(read.items) == {"a", "b"}
    assert read.items["a"]["last_price"] == Decimal("5")
    assert read.unprocessed == frozenset()


class ThrottledDynamoDB:
    """BatchGetItem that leaves keys unprocessed for its first `throttled_calls` calls."""

    def __init__(self, table: str, throttled_calls: int) -> None:
        self.table = table
        self.throttled_calls = throttled_calls
        self.calls = 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        keys = RequestItems[self.table]["Keys"]
        if self.calls <= self.throttled_calls:
            return {"Responses": {}, "UnprocessedKeys": RequestItems}
        items = [{"product_id": key["product_id"], "retailer": {"S": "r"}} for key in keys]
        return {"Responses": {self.table: items}, "UnprocessedKeys": {}}


def test_read_products_retries_unprocessed_keys():
    client = ThrottledDynamoDB("products", throttled_calls=2)

    read = read_products(client, "products", ["a", "b"])

    assert set(read.items) == {"a", "b"}
    assert client.calls == 3


def test_read_products_reports_keys_that_stay_unprocessed():
    client = ThrottledDynamoDB("products", throttled_calls=100)

    read = read_products(client, "products", ["a", "b"])

    assert read.items == {}
    assert read.unprocessed == {"a", "b"}
