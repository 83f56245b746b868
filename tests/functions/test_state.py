"""Recording observations and failures: latest state moves forward only, history rows and
the observation kept on the item are rebuilt exactly."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from monitor.archive import encode_lines
from monitor.state import (
    LAST_OBSERVATION,
    FailureOutcome,
    Observation,
    Recorded,
    StateOutcome,
    StateWriteError,
    late_history_observation,
    read_products,
    record_failure,
    record_latest_states,
    recorded_observation,
    write_history,
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

    def record(self, *observations: Observation, client: Any = None) -> list[StateOutcome]:
        return record_latest_states(client or self.client, self.products, observations)

    def observe(self, product_id: str = "kettle", **fields: Any) -> StateOutcome:
        [outcome] = self.record(observation(product_id, **fields))
        return outcome

    def write_history(self, *observations: Observation, client: Any = None) -> dict[str, Any]:
        return write_history(client or self.client, self.prices, observations, 90)

    def fail(
        self, product_id: str = "kettle", run_id: str = RUN, status: str = "error"
    ) -> FailureOutcome:
        return record_failure(
            self.client,
            products_table=self.products,
            product_id=product_id,
            run_id=run_id,
            status=status,
            error="HTTP 404",
            checked_at=OBSERVED_AT,
        )


def observation(product_id: str = "kettle", **fields: Any) -> Observation:
    values = {
        "product_id": product_id,
        "retailer": "shop-a",
        "url": URL,
        "run_id": RUN,
        "price": Decimal("19.99"),
        "currency": "EUR",
        "availability": "in_stock",
        "observed_at": OBSERVED_AT,
        "source": "jsonld",
        "confidence": 0.8500000000000001,
        "ambiguous": True,
    } | fields
    return Observation(**values)


# --- latest state ----------------------------------------------------------------------------


def test_observation_sets_latest_state_and_keeps_the_observation_on_the_item(store):
    store.put(product_id="kettle", last_error="HTTP 500", consecutive_failures=2)
    observed = observation(previous_price=Decimal("24.99"))

    outcome = store.record(observed)

    assert outcome == [StateOutcome(observed, Recorded.NEW)]
    item = store.item("kettle")
    assert item is not None
    assert {
        key: item[key] for key in item if key.startswith("last_") and key != LAST_OBSERVATION
    } == {
        "last_price": Decimal("19.99"),
        "last_currency": "EUR",
        "last_availability": "in_stock",
        "last_checked_at": "2024-05-01T06:01:02.345Z",
        "last_run_id": RUN,
        "last_status": "ok",
    }
    assert item["consecutive_failures"] == 0
    # Exactly what was observed comes back from the item: its history row and archive line.
    rebuilt = recorded_observation(item, RUN)
    assert rebuilt is not None
    assert encode_lines([rebuilt]) == encode_lines([observed])
    assert rebuilt.observation_id == observed.observation_id


def test_the_same_run_recorded_twice_returns_the_first_observation(store):
    store.put(product_id="kettle")
    first = observation()
    store.record(first)

    [outcome] = store.record(observation(observed_at=OBSERVED_AT + timedelta(seconds=3)))

    assert outcome.recorded is Recorded.AGAIN
    assert encode_lines([outcome.observation]) == encode_lines([first])
    assert store.item("kettle")["last_checked_at"] == first.scraped_at


def test_the_next_run_is_recorded_again(store):
    store.put(product_id="kettle")
    store.observe()

    outcome = store.observe(run_id=NEXT_RUN, observed_at=OBSERVED_AT + timedelta(hours=6))

    assert outcome.recorded is Recorded.NEW
    assert store.item("kettle")["last_run_id"] == NEXT_RUN


def test_an_older_run_after_a_newer_one_is_late_and_latest_state_stays(store):
    store.put(product_id="kettle")
    store.observe(run_id=NEXT_RUN, price=Decimal("15.00"))
    before = store.item("kettle")

    outcome = store.observe(
        run_id=RUN,
        price=Decimal("19.99"),
        previous_price=Decimal("15.00"),
        observed_at=OBSERVED_AT + timedelta(hours=7),
    )

    assert outcome.recorded is Recorded.LATE
    assert outcome.observation.late is True
    assert outcome.observation.previous_price is None  # not the newer run's price
    assert store.item("kettle") == before


def test_an_observation_already_known_to_be_late_is_not_written(store):
    store.put(product_id="kettle")
    calls = CountingClient(store.client)

    [outcome] = store.record(observation(late=True), client=calls)

    assert outcome.recorded is Recorded.LATE
    assert calls.counts == {}


def test_observation_of_a_product_deleted_from_the_catalog_writes_nothing(store):
    assert store.observe("gone").recorded is Recorded.GONE

    assert store.item("gone") is None


def test_a_run_that_recorded_a_failure_is_a_duplicate_for_its_observation(store):
    store.put(product_id="kettle")
    store.fail()

    assert store.observe().recorded is Recorded.DUPLICATE
    assert store.item("kettle")["last_status"] == "error"


def test_observation_without_currency_drops_the_old_currency(store):
    store.put(product_id="kettle", last_price=Decimal("10"), last_currency="USD")

    store.observe(currency=None)

    assert "last_currency" not in store.item("kettle")


def test_observation_without_a_price_removes_the_last_price_and_is_rebuilt_without_one(store):
    store.put(product_id="kettle", last_price=Decimal("10"), last_currency="EUR")
    sold_out = observation(
        price=None, currency=None, availability="out_of_stock", previous_price=Decimal("10")
    )

    store.record(sold_out)
    store.write_history(sold_out)

    item = store.item("kettle")
    assert "last_price" not in item
    assert "last_currency" not in item
    assert (item["last_availability"], item["last_status"]) == ("out_of_stock", "ok")
    assert "price" not in item[LAST_OBSERVATION]
    assert recorded_observation(item, RUN) == sold_out
    [row] = store.history("kettle")
    assert "price" not in row
    assert (row["availability"], row["previous_price"]) == ("out_of_stock", Decimal("10"))
    assert late_history_observation(store.client, store.prices, "kettle", RUN) == sold_out


def test_a_failed_state_write_is_reported_with_the_product(store):
    store.put(product_id="kettle")
    store.client.delete_table(TableName=store.products)

    outcome = store.observe()

    assert outcome.recorded is Recorded.FAILED
    assert outcome.error is not None
    assert outcome.error.product_id == "kettle"
    assert not outcome.to_archive


def test_the_write_after_a_final_receive_observation_returns_it_to_write_again(store):
    store.put(product_id="kettle")
    final = observation(final_receive=True)
    store.record(final)

    outcome = store.observe(run_id=NEXT_RUN, observed_at=OBSERVED_AT + timedelta(hours=6))

    assert outcome.recorded is Recorded.NEW
    assert outcome.healed is not None
    assert encode_lines([outcome.healed]) == encode_lines([final])


def test_the_write_after_an_ordinary_observation_returns_nothing_to_write_again(store):
    store.put(product_id="kettle")
    store.observe()

    outcome = store.observe(run_id=NEXT_RUN, observed_at=OBSERVED_AT + timedelta(hours=6))

    assert outcome.healed is None


# --- history ---------------------------------------------------------------------------------


def test_the_history_row_holds_the_observation(store):
    observed = observation(previous_price=Decimal("24.99"))

    assert store.write_history(observed) == {}

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
        "source": "jsonld",
        "confidence": Decimal("0.8500000000000001"),
        "ambiguous": True,
        "expires_at": Decimal(int((OBSERVED_AT + timedelta(days=90)).timestamp())),
    }


def test_a_history_row_written_again_is_one_row(store):
    store.write_history(observation())
    store.write_history(observation())

    assert len(store.history("kettle")) == 1


def test_history_rows_go_out_25_per_call(store):
    calls = CountingClient(store.client)
    rows = [observation(f"p{index}") for index in range(26)]

    assert store.write_history(*rows, client=calls) == {}

    assert calls.counts == {"batch_write_item": 2}


def test_history_rows_that_stay_throttled_are_errors_by_observation_id(store):
    throttled = ThrottledWrites(store.client)
    observed = observation()

    errors = store.write_history(observed, client=throttled)

    assert list(errors) == [observed.observation_id]
    assert "throttled" in str(errors[observed.observation_id])
    assert throttled.calls == 5


def test_a_failed_history_call_is_an_error_for_each_of_its_rows(store):
    store.client.delete_table(TableName=store.prices)

    errors = store.write_history(observation("a"), observation("b"))

    assert sorted(error.product_id for error in errors.values()) == ["a", "b"]


def test_a_late_row_is_found_again_by_its_run(store):
    late = observation(late=True, observed_at=OBSERVED_AT + timedelta(hours=7))
    store.write_history(observation(run_id=NEXT_RUN, observed_at=OBSERVED_AT + timedelta(hours=6)))
    store.write_history(late)

    found = late_history_observation(store.client, store.prices, "kettle", RUN)

    assert found is not None
    assert encode_lines([found]) == encode_lines([late])
    assert late_history_observation(store.client, store.prices, "toaster", RUN) is None


# --- failures --------------------------------------------------------------------------------


def test_failure_counts_up_and_keeps_the_last_good_price(store):
    store.put(product_id="kettle", last_price=Decimal("19.99"), last_availability="in_stock")

    assert store.fail(run_id=RUN).consecutive_failures == 1
    assert store.fail(run_id=NEXT_RUN, status="blocked").consecutive_failures == 2

    item = store.item("kettle")
    assert item["last_status"] == "blocked"
    assert item["last_error"] == "HTTP 404"
    assert item["last_run_id"] == NEXT_RUN
    assert item["last_price"] == Decimal("19.99")
    assert item["last_availability"] == "in_stock"


def test_failure_recorded_twice_in_one_run_counts_once(store):
    store.put(product_id="kettle")

    assert store.fail().recorded is Recorded.NEW
    assert store.fail() == FailureOutcome(Recorded.DUPLICATE)

    assert store.item("kettle")["consecutive_failures"] == 1


def test_a_failure_of_an_older_run_never_overwrites_a_newer_runs_state(store):
    store.put(product_id="kettle")
    store.observe(run_id=NEXT_RUN)
    before = store.item("kettle")

    assert store.fail(run_id=RUN) == FailureOutcome(Recorded.LATE)

    assert store.item("kettle") == before


def test_a_failure_after_this_runs_observation_returns_it_to_write_again(store):
    store.put(product_id="kettle")
    first = observation()
    store.record(first)

    outcome = store.fail()

    assert outcome.recorded is Recorded.DUPLICATE
    assert outcome.again is not None
    assert encode_lines([outcome.again]) == encode_lines([first])


def test_failure_of_a_product_deleted_from_the_catalog_creates_no_item(store):
    assert store.fail("gone") == FailureOutcome(Recorded.GONE)
    assert store.item("gone") is None


def test_failure_status_must_be_error_or_blocked(store):
    with pytest.raises(ValueError, match="'ok'"):
        store.fail(status="ok")


def test_failure_on_a_missing_table_is_a_write_error(store):
    store.client.delete_table(TableName=store.products)

    with pytest.raises(StateWriteError):
        store.fail()


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
