"""Fixtures for the scraper tests: a retailer site on 127.0.0.1 and the scraper on moto.

Imported into tests/functions/conftest.py. `shop` serves product pages (JSON-LD) and
whatever status, headers, body and delay a test asks for, recording each request's path
and arrival time. `scraper` is the scraper Lambda's world: the service's tables, queue and
bucket in moto, the function's declared environment, and helpers to put catalog items,
deliver queue messages as Lambda does (real receipt handles and receive counts) and read
back what was recorded. `renderer` is the renderer Lambda's world on the same tables and
bucket: its queue is the render queue, which the scraper's world then sends to.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import moto.sqs.models
import pytest
from aws_fixtures import ScrapeQueue, ServiceTables
from loopback import serving

from contracts import environment
from contracts.messages import Message, ProductJob, encode
from handlers import renderer as renderer_handler
from handlers import scraper as scraper_handler
from monitor.telemetry import metrics

# What conftest.py's star import takes: the fixtures. Tests import the helpers by name.
__all__ = ["renderer", "scraper", "shop", "sqs_clock"]

RUN_ID = "2024-05-01T06:00:00Z"
NEXT_RUN_ID = "2024-05-01T12:00:00Z"
METRICS_NAMESPACE = "PriceMonitor/test"
FETCH_TIMEOUT_SECONDS = 1.0


def product_page(price: str, currency: str = "EUR", availability: str = "InStock") -> str:
    offer = {
        "@type": "Offer",
        "price": price,
        "priceCurrency": currency,
        "availability": f"https://schema.org/{availability}",
    }
    data = {"@context": "https://schema.org", "@type": "Product", "name": "Kettle", "offers": offer}
    return (
        "<!doctype html><html><head><title>Kettle</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script>'
        f'</head><body><h1>Kettle</h1><p class="price">{price} {currency}</p></body></html>'
    )


@dataclass
class ShopPage:
    status: int = 200
    body: str = ""
    headers: Sequence[tuple[str, str]] = ()
    delay: float = 0.0
    # Pages sharing a barrier answer only once all its parties are waiting at once (a 503
    # when they never are): proof of concurrent fetches that no machine's speed can fake.
    together: threading.Barrier | None = None


@dataclass
class Shop:
    """A retailer site: pages by path (404 for the rest), and the requests it received."""

    port: int = 0
    pages: dict[str, ShopPage] = field(default_factory=dict)
    requests: list[tuple[str, float]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, page: ShopPage) -> str:
        self.pages[path] = page
        return self.url(path)

    def product(self, path: str, price: str, **options: Any) -> str:
        """Serve a product page at `path`; `delay` (seconds) slows its answer, `together`
        holds it until the barrier's other pages are requested too."""
        delay = options.pop("delay", 0.0)
        together = options.pop("together", None)
        page = ShopPage(body=product_page(price, **options), delay=delay, together=together)
        return self.serve(path, page)

    def hits(self, path: str) -> int:
        return sum(1 for requested, _ in self.requests if requested == path)

    def arrival(self, path: str) -> float:
        return next(at for requested, at in self.requests if requested == path)


class _ShopServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # A batch opens up to 10 connections at once; the default backlog of 5 would drop some.
    request_queue_size = 64

    def __init__(self, shop: Shop) -> None:
        super().__init__(("127.0.0.1", 0), _ShopHandler)
        self.shop = shop

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the scraper hangs up on slow pages on purpose


class _ShopHandler(BaseHTTPRequestHandler):
    server: _ShopServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        shop = self.server.shop
        shop.requests.append((self.path, time.monotonic()))
        page = shop.pages.get(self.path, ShopPage(404, "<h1>Not found</h1>"))
        if page.delay:
            time.sleep(page.delay)
        status = page.status
        if page.together is not None:
            try:
                page.together.wait()
            except threading.BrokenBarrierError:
                status = 503
        body = page.body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def shop() -> Iterator[Shop]:
    site = Shop()
    with serving(_ShopServer(site)) as port:
        site.port = port
        yield site


@dataclass
class LambdaContext:
    """The attributes of the Lambda context that Powertools and the handler read."""

    remaining_millis: int = 60_000
    function_name: str = "price-monitor-scraper-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:eu-west-1:123456789012:function:price-monitor-scraper-test"
    )
    aws_request_id: str = "5b7b1d7e-0000-4000-8000-000000000001"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


class SqsClock:
    """Moves moto's SQS clock forward, to see a message come back when its backoff ends."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset_ms = 0.0
        real = moto.sqs.models.unix_time_millis
        monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda: real() + self.offset_ms)

    def advance(self, seconds: float) -> None:
        self.offset_ms += seconds * 1000


@pytest.fixture
def sqs_clock(monkeypatch: pytest.MonkeyPatch) -> SqsClock:
    return SqsClock(monkeypatch)


def scraper_environment(
    tables: ServiceTables, queue: ScrapeQueue, bucket: str, **overrides: str
) -> dict[str, str]:
    """A value for every variable the scraper Function declares (contracts.environment)."""
    values = {
        "POWERTOOLS_SERVICE_NAME": "price-monitor",
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PRODUCTS_TABLE": tables.products,
        "PRICES_TABLE": tables.prices,
        "RUNS_TABLE": tables.runs,
        "ARCHIVE_BUCKET": bucket,
        "SCRAPE_QUEUE_URL": queue.url,
        "HISTORY_RETENTION_DAYS": "90",
        "RETAILERS_JSON": "{}",
        "DEFAULT_SPACING_SECONDS": "0",
        "USER_AGENT_CONTACT": "https://example.com/price-monitor",
        "ALLOWED_HOSTS": "127.0.0.1",
        "FETCH_TIMEOUT_SECONDS": str(FETCH_TIMEOUT_SECONDS),
        "MAX_PAGE_BYTES": "1000000",
        "FETCH_CONCURRENCY": "10",
        "MIN_HEURISTIC_CONFIDENCE": "0.6",
        "REPEATED_FAILURE_THRESHOLD": "3",
        "EXTRACTION_BUDGET_SECONDS": "2",
        "RENDER_QUEUE_URL": "",
        "PROXY_SECRETS_JSON": "{}",
    }
    values.update(overrides)
    assert set(values) == set(environment.SCRAPER)
    return values


@dataclass
class Scraper:
    """The scraper Lambda (or the renderer: `function`) on moto, with the shop as the only
    retailer site."""

    tables: ServiceTables
    queue: ScrapeQueue  # the queue the function consumes
    bucket: str
    shop: Shop
    monkeypatch: pytest.MonkeyPatch
    context: LambdaContext = field(default_factory=LambdaContext)
    function: Any = scraper_handler  # the handler module
    overrides: dict[str, str] = field(default_factory=dict)

    def configure(self, **overrides: str) -> None:
        """Set the function's environment (declared variables only) for the next invocation."""
        self.overrides = overrides
        self._set_environment()
        self.function.reset()

    def _set_environment(self) -> None:
        # The two functions' worlds share the process environment: each sets its own before
        # it runs (a function reads it once per container, at its first invocation).
        for name, value in scraper_environment(
            self.tables, self.queue, self.bucket, **self.overrides
        ).items():
            self.monkeypatch.setenv(name, value)

    # Catalog and recorded state.
    def add_product(
        self, product_id: str, url: str, retailer: str = "shop-a", **attributes: Any
    ) -> None:
        item = {"product_id": product_id, "retailer": retailer, "url": url, **attributes}
        boto3.resource("dynamodb").Table(self.tables.products).put_item(Item=item)

    def item(self, product_id: str) -> dict[str, Any]:
        table = boto3.resource("dynamodb").Table(self.tables.products)
        return table.get_item(Key={"product_id": product_id}, ConsistentRead=True)["Item"]

    def history(self, product_id: str) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb").Table(self.tables.prices)
        response = table.query(
            KeyConditionExpression="product_id = :p",
            ExpressionAttributeValues={":p": product_id},
        )
        return response["Items"]

    def archive_keys(self) -> list[str]:
        listing = boto3.client("s3").list_objects_v2(Bucket=self.bucket)
        return [entry["Key"] for entry in listing.get("Contents", [])]

    def archived_lines(self) -> list[dict[str, Any]]:
        s3 = boto3.client("s3")
        lines = []
        for key in self.archive_keys():
            body = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
            lines.extend(json.loads(line) for line in body.splitlines())
        return lines

    # The queue, as Lambda's event source mapping sees it.
    def enqueue(self, *messages: Message | str) -> None:
        sqs = boto3.client("sqs")
        for message in messages:
            body = message if isinstance(message, str) else encode(message)
            sqs.send_message(QueueUrl=self.queue.url, MessageBody=body)

    def receive(self) -> list[dict[str, Any]]:
        """Up to 10 visible messages, as the records of a Lambda SQS event."""
        response = boto3.client("sqs").receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
        )
        return [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": self.queue.arn,
                "awsRegion": "eu-west-1",
            }
            for message in response.get("Messages", [])
        ]

    def invoke(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Run the handler on `records`, then settle the batch as Lambda does."""
        self._set_environment()
        response = self.function.handler({"Records": records}, self.context)
        failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
        sqs = boto3.client("sqs")
        for record in records:
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue.url, ReceiptHandle=record["receiptHandle"])
        return response

    def deliver(self, *messages: Message | str) -> dict[str, Any]:
        """Enqueue `messages`, receive them in one batch and invoke the handler."""
        self.enqueue(*messages)
        records = self.receive()
        assert len(records) == len(messages)
        return self.invoke(records)

    def scrape(self, *product_ids: str, run_id: str = RUN_ID) -> dict[str, Any]:
        """Deliver one product job per id (retailer as in the catalog) in one batch."""
        jobs = [ProductJob(run_id, pid, self.item(pid)["retailer"]) for pid in product_ids]
        return self.deliver(*jobs)

    def visible_bodies(self) -> list[str]:
        return [record["body"] for record in self.receive()]


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@pytest.fixture
def scraper(
    service_tables: ServiceTables,
    scrape_queue: ScrapeQueue,
    archive_bucket: str,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scraper]:
    # telemetry's Metrics read its namespace when first imported, before any test ran.
    monkeypatch.setattr(metrics.provider, "namespace", METRICS_NAMESPACE)
    world = Scraper(service_tables, scrape_queue, archive_bucket, shop, monkeypatch)
    world.configure()
    yield world
    scraper_handler.reset()


@pytest.fixture
def renderer(
    service_tables: ServiceTables,
    render_queue: ScrapeQueue,
    archive_bucket: str,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scraper]:
    """The renderer Lambda: it consumes the render queue (its SCRAPE_QUEUE_URL, as the
    program sets it) and returns jobs there."""
    monkeypatch.setattr(metrics.provider, "namespace", METRICS_NAMESPACE)
    world = Scraper(
        service_tables, render_queue, archive_bucket, shop, monkeypatch, function=renderer_handler
    )
    world.configure(RENDER_QUEUE_URL=render_queue.url)
    yield world
    renderer_handler.reset()


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON objects among captured output lines (structured logs and EMF blobs)."""
    objects = []
    for line in output.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def emitted_metrics(output: str) -> dict[str, list[float]]:
    """Metric values by name from the EMF blobs in captured output."""
    values: dict[str, list[float]] = {}
    for blob in json_lines(output):
        if "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                values.setdefault(metric["Name"], []).extend(
                    value if isinstance(value, list) else [value]
                )
    return values
