"""Fetch modes: which function reads a retailer's pages, and how a job moves between them.

`browser` retailers' jobs are rendered by the renderer; `auto` ones are fetched by http
and forwarded to the renderer when the answer is blocked or a script's shell without a
price, the retailer then remembered as needing a browser for the rest of the run. Every
job ends recorded once, whichever function recorded it. The scraper and the renderer run
as Lambda runs them, on moto (the `scraper` and `renderer` worlds); the end-to-end test
renders with a real Chromium and is skipped without one.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from scraper_fixtures import (
    NEXT_RUN_ID,
    RUN_ID,
    ShopPage,
    emitted_metrics,
    failed_ids,
    product_page,
)

from contracts.environment import CHROMIUM_PATH, ScrapeSettings
from contracts.fetch_modes import FetchMode
from contracts.messages import ProductJob, StartRun, parse_message
from fetching import FetchNetworkError, FetchResult, Proxy, fetch_page
from handlers import renderer as renderer_handler
from monitor import aws as monitor_aws
from monitor.proxies import ProxyDirectory, SecretReader
from monitor.retailers import ConfigurationError, RetailerPolicy
from monitor.routing import REMEMBERED_RUNS, EscalatedRetailers, PageFetchers, Route
from rendering import DEFAULT_CHROMIUM_PATH

RENDER_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/render"
# A renderer's settings: 30 s and 5 MB a page.
SETTINGS = ScrapeSettings(("127.0.0.1",), 30.0, 5_000_000, 2, "", 0.6, 90, 3, 2.0)
CAPTCHA = "<html><body><form id='captcha'><div class='g-recaptcha'></div></form></body></html>"
# The page an http client gets from a script-rendered shop: an empty app root and the
# script that fills it, with the price it fetches from a JSON endpoint.
SCRIPT_SHELL = """<!doctype html><html><head><title>Kettle</title></head><body>
<div id="root"></div>
<script>
fetch('/api/kettle').then(r => r.json()).then(data => {
  const offer = {"@type": "Offer", "price": data.price, "priceCurrency": "EUR",
                 "availability": "https://schema.org/InStock"};
  const ld = document.createElement('script');
  ld.type = 'application/ld+json';
  ld.textContent = JSON.stringify({"@context": "https://schema.org", "@type": "Product",
                                   "name": "Kettle", "offers": offer});
  document.head.appendChild(ld);
  document.getElementById('root').innerHTML =
    '<h1>Kettle</h1><p class="price">' + data.price + ' EUR</p>';
});
</script></body></html>"""
ORDINARY_NO_PRICE = (
    "<!doctype html><html><head><title>Kettle</title></head><body><h1>Kettle</h1>"
    + "<p>This kettle is no longer sold here; see our other kettles.</p>" * 10
    + "</body></html>"
)


def retailers_json(**modes: str) -> str:
    return json.dumps({name.replace("_", "-"): {"fetch": mode} for name, mode in modes.items()})


def use_renderer(scraper, render_queue, **modes: str) -> None:
    scraper.configure(RENDER_QUEUE_URL=render_queue.url, RETAILERS_JSON=retailers_json(**modes))


def add(scraper, product_id, page: ShopPage | None = None, retailer="js-shop") -> None:
    path = f"/p/{product_id}"
    if page is None:
        scraper.shop.product(path, "19.99")
    else:
        scraper.shop.serve(path, page)
    scraper.add_product(product_id, scraper.shop.url(path), retailer)


def queued(queue_url: str) -> list[dict[str, Any]]:
    """The messages on a queue (received, so invisible for a while afterwards)."""
    sqs = boto3.client("sqs")
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", []):
        messages.extend(batch)
    return messages


def queued_jobs(queue_url: str) -> list[ProductJob]:
    return [parse_message(message["Body"]) for message in queued(queue_url)]


def run_record(scraper, run_id=RUN_ID) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(scraper.tables.runs)
    return table.get_item(Key={"run_id": run_id}, ConsistentRead=True).get("Item", {})


def start_run(scraper, run_id=RUN_ID) -> None:
    """Dispatch the run (its run record and jobs) and leave its jobs on their queues."""
    scraper.deliver(StartRun(run_id))


def tally(scraper) -> tuple[int, ...]:
    """The run's (scraped, failed, blocked, dead_lettered) counts."""
    record = run_record(scraper)
    counters = ("scraped", "failed", "blocked", "dead_lettered")
    return tuple(int(record.get(name, 0)) for name in counters)


def _fetch_options(options: dict[str, Any]) -> dict[str, Any]:
    """render_page's keywords less those only a browser takes: fetch_page's."""
    browser_only = ("browser", "wait_for", "consent_selector")
    return {name: value for name, value in options.items() if name not in browser_only}


@pytest.fixture
def rendered_by_fetch(monkeypatch):
    """The renderer's browser fetch replaced by a fetch that "renders" every page as a
    product page at 19.99 EUR, recording its options: the renderer's code without Chromium."""
    calls: list[dict[str, Any]] = []

    def render(url: str, **options: Any) -> FetchResult:
        calls.append({"url": url, **options})
        return replace(fetch_page(url, **_fetch_options(options)), text=product_page("19.99"))

    monkeypatch.setattr(renderer_handler, "render_page", render)
    monkeypatch.setattr(renderer_handler, "_browser", lambda: None)
    return calls


# --- routing: where a job is read -----------------------------------------------------------


def policy(fetch: FetchMode, **options: Any) -> RetailerPolicy:
    return RetailerPolicy("shop", 0.0, True, None, fetch=fetch, **options)


@pytest.mark.parametrize(
    ("fetch", "queue", "escalated", "route"),
    [
        (FetchMode.HTTP, RENDER_URL, False, Route.HTTP),
        (FetchMode.BROWSER, RENDER_URL, False, Route.RENDERER),
        (FetchMode.AUTO, RENDER_URL, False, Route.HTTP),
        (FetchMode.AUTO, RENDER_URL, True, Route.RENDERER),
        (FetchMode.AUTO, "", True, Route.HTTP),  # no renderer: auto stays on http
    ],
)
def test_the_scraper_reads_by_http_and_sends_browser_jobs_on(fetch, queue, escalated, route):
    fetchers = PageFetchers()
    if escalated:
        fetchers.escalated.add(RUN_ID, "shop")

    assert fetchers.route(policy(fetch), RUN_ID, queue) is route
    assert fetchers.may_escalate(policy(fetch), queue) == (fetch is FetchMode.AUTO and bool(queue))


@pytest.mark.parametrize("fetch", list(FetchMode))
def test_the_renderer_renders_every_job_and_never_escalates(fetch):
    fetchers = PageFetchers.renderer(lambda url, **options: None)  # type: ignore[arg-type,return-value]

    assert fetchers.route(policy(fetch), RUN_ID, RENDER_URL) is Route.BROWSER
    assert not fetchers.may_escalate(policy(fetch), RENDER_URL)


def test_an_escalation_holds_for_its_run_and_retailer_only():
    escalated = EscalatedRetailers()
    escalated.add(RUN_ID, "shop-a")

    assert escalated.includes(RUN_ID, "shop-a")
    assert not escalated.includes(RUN_ID, "shop-b")
    assert not escalated.includes(NEXT_RUN_ID, "shop-a")


def test_escalations_are_kept_for_the_latest_runs_only():
    escalated = EscalatedRetailers()
    runs = [f"2024-05-{day:02d}T06:00:00Z" for day in range(1, 11)]
    for run_id in reversed(runs):  # arrival order does not matter: the newest runs stay
        escalated.add(run_id, "shop-a")

    assert escalated.runs() == runs[-REMEMBERED_RUNS:]


def test_the_browser_fetch_gets_the_retailers_selectors_and_caps():
    calls: list[dict[str, Any]] = []
    fetchers = PageFetchers.renderer(lambda url, **options: calls.append(options))  # type: ignore[arg-type,func-returns-value]
    settings = SETTINGS
    shop = policy(
        FetchMode.BROWSER,
        wait_for=".price",
        consent_selector="#accept",
        render_timeout_seconds=12.0,
        render_max_bytes=1_000,
    )
    plain = policy(FetchMode.BROWSER)

    cap = fetchers.time_cap(Route.BROWSER, shop, settings)
    fetchers.fetch(
        Route.BROWSER, "https://shop.example/p", shop, settings, timeout=cap, robots=None
    )
    fetchers.fetch(
        Route.BROWSER,
        "https://shop.example/p",
        plain,
        settings,
        timeout=fetchers.time_cap(Route.BROWSER, plain, settings),
        robots=None,
    )

    assert (cap, calls[0]["timeout"], calls[0]["max_bytes"]) == (12.0, 12.0, 1_000)
    assert (calls[0]["wait_for"], calls[0]["consent_selector"]) == (".price", "#accept")
    assert (calls[1]["timeout"], calls[1]["max_bytes"]) == (30.0, 5_000_000)  # the renderer's
    assert (calls[1]["wait_for"], calls[1]["consent_selector"]) == (None, None)


def proxies(read: SecretReader) -> ProxyDirectory:
    return ProxyDirectory.from_environment_value('{"eu": "proxies/eu"}', read=read)


@pytest.mark.parametrize("route", [Route.HTTP, Route.BROWSER])
def test_a_retailer_with_a_proxy_is_fetched_through_it_by_either_route(route):
    calls: list[dict[str, Any]] = []
    fetch = lambda url, **options: calls.append(options)  # noqa: E731
    directory = proxies(
        lambda secret_id: {"proxies/eu": "http://u:p@proxy.example:3128"}[secret_id]
    )
    fetchers = (
        PageFetchers.renderer(fetch, directory)  # type: ignore[arg-type]
        if route is Route.BROWSER
        else PageFetchers(http=fetch, proxies=directory)  # type: ignore[arg-type]
    )
    settings = SETTINGS

    for shop in (policy(FetchMode.HTTP, proxy="eu"), policy(FetchMode.HTTP)):
        fetchers.fetch(route, "https://shop.example/p", shop, settings, timeout=5.0, robots=None)

    assert calls[0]["proxy"] == Proxy.from_url("http://u:p@proxy.example:3128")
    assert calls[1]["proxy"] is None  # a retailer without a proxy goes direct


def test_an_unreadable_proxy_secret_is_a_transient_fetch_failure_that_names_no_value():
    def unreadable(secret_id: str) -> str:
        raise GetParameterError("AccessDeniedException")

    fetchers = PageFetchers(http=fetch_page, proxies=proxies(unreadable))
    settings = SETTINGS

    with pytest.raises(FetchNetworkError) as raised:
        fetchers.fetch(
            Route.HTTP,
            "https://shop.example/p",
            policy(FetchMode.HTTP, proxy="eu"),
            settings,
            timeout=5.0,
            robots=None,
        )

    assert raised.value.retryable
    assert "proxy 'eu': secret 'proxies/eu' could not be read" in str(raised.value)


# --- the scraper: browser jobs forwarded, auto jobs escalated ----------------------------


def test_a_browser_retailers_job_reaching_the_scraper_is_forwarded_unfetched(scraper, render_queue):
    use_renderer(scraper, render_queue, js_shop="browser")
    add(scraper, "kettle")

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []  # its scrape-queue message is done
    assert queued_jobs(render_queue.url) == [ProductJob(RUN_ID, "kettle", "js-shop")]
    assert scraper.shop.hits("/p/kettle") == 0
    assert "last_status" not in scraper.item("kettle")  # the renderer records it


def test_an_auto_retailers_blocked_answer_sends_the_job_to_the_renderer(
    scraper, render_queue, capsys
):
    use_renderer(scraper, render_queue, js_shop="auto")
    add(scraper, "kettle", ShopPage(200, CAPTCHA))
    start_run(scraper)
    capsys.readouterr()

    response = scraper.invoke(scraper.receive())

    assert failed_ids(response) == []
    assert queued_jobs(render_queue.url) == [ProductJob(RUN_ID, "kettle", "js-shop")]
    assert "last_status" not in scraper.item("kettle")  # not recorded as blocked
    assert tally(scraper) == (0, 0, 0, 0)  # the renderer counts it
    assert emitted_metrics(capsys.readouterr().out)["ProductsForwardedToRenderer"] == [1]


def test_an_auto_retailers_script_shell_without_a_price_is_forwarded(scraper, render_queue):
    use_renderer(scraper, render_queue, js_shop="auto")
    add(scraper, "kettle", ShopPage(200, SCRIPT_SHELL))

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    assert queued_jobs(render_queue.url) == [ProductJob(RUN_ID, "kettle", "js-shop")]
    assert "last_status" not in scraper.item("kettle")


def test_an_auto_retailers_ordinary_page_without_a_price_is_a_recorded_failure(
    scraper, render_queue
):
    use_renderer(scraper, render_queue, js_shop="auto")
    add(scraper, "kettle", ShopPage(200, ORDINARY_NO_PRICE))

    scraper.scrape("kettle")

    assert queued_jobs(render_queue.url) == []
    assert scraper.item("kettle")["last_error"] == "no price on the page"


def test_an_auto_retailers_page_with_a_price_is_recorded_by_the_scraper(scraper, render_queue):
    use_renderer(scraper, render_queue, js_shop="auto")
    add(scraper, "kettle")

    scraper.scrape("kettle")

    assert queued_jobs(render_queue.url) == []
    assert scraper.item("kettle")["last_status"] == "ok"


def test_an_http_retailers_blocked_page_stays_blocked(scraper, render_queue):
    use_renderer(scraper, render_queue, js_shop="http")
    add(scraper, "kettle", ShopPage(200, CAPTCHA))

    scraper.scrape("kettle")

    assert queued_jobs(render_queue.url) == []
    assert scraper.item("kettle")["last_status"] == "blocked"


def test_without_a_render_queue_auto_retailers_stay_on_http(scraper):
    scraper.configure(RETAILERS_JSON=retailers_json(js_shop="auto"))
    add(scraper, "kettle", ShopPage(200, CAPTCHA))

    response = scraper.scrape("kettle")

    assert failed_ids(response) == []
    assert scraper.item("kettle")["last_status"] == "blocked"


def test_after_an_escalation_the_retailers_later_jobs_of_the_run_go_straight_to_the_renderer(
    scraper, render_queue
):
    use_renderer(scraper, render_queue, js_shop="auto")
    add(scraper, "kettle", ShopPage(200, CAPTCHA))
    add(scraper, "toaster", ShopPage(200, CAPTCHA))
    add(scraper, "grill", ShopPage(200, CAPTCHA))
    add(scraper, "mug", retailer="other-shop")

    scraper.scrape("kettle")
    scraper.scrape("toaster", "mug")  # a later batch of the same run
    scraper.scrape("grill", run_id=NEXT_RUN_ID)  # the next run tries http again

    assert scraper.shop.hits("/p/kettle") == 1
    assert scraper.shop.hits("/p/toaster") == 0  # not fetched: forwarded
    assert scraper.shop.hits("/p/grill") == 1
    assert scraper.item("mug")["last_status"] == "ok"  # other retailers are not affected
    assert sorted((job.product_id, job.run_id) for job in queued_jobs(render_queue.url)) == [
        ("grill", NEXT_RUN_ID),
        ("kettle", RUN_ID),
        ("toaster", RUN_ID),
    ]


def test_within_one_batch_the_retailers_jobs_after_an_escalation_are_not_fetched(
    scraper, render_queue
):
    use_renderer(scraper, render_queue, js_shop="auto")
    for product_id in ("kettle", "toaster", "grill"):
        add(scraper, product_id, ShopPage(200, CAPTCHA))

    response = scraper.scrape("kettle", "toaster", "grill")

    assert failed_ids(response) == []
    fetched = sum(scraper.shop.hits(f"/p/{pid}") for pid in ("kettle", "toaster", "grill"))
    assert fetched == 1  # the first one; the retailer's others went straight on
    assert len(queued_jobs(render_queue.url)) == 3


def test_a_failed_forward_sends_the_job_back_and_its_retry_forwards_it_once(
    scraper, render_queue, sqs_clock, monkeypatch
):
    use_renderer(scraper, render_queue, js_shop="browser")
    add(scraper, "kettle")
    attempts = []

    def unreachable(**arguments):
        attempts.append(arguments["QueueUrl"])
        raise ClientError(
            {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}},
            "SendMessageBatch",
        )

    with monkeypatch.context() as patched:  # the function's own client, as Lambda has it
        patched.setattr(monitor_aws.sqs(), "send_message_batch", unreachable)
        response = scraper.scrape("kettle")

    assert len(failed_ids(response)) == 1  # the scrape-queue message comes back
    assert attempts == [render_queue.url]
    assert queued_jobs(render_queue.url) == []
    assert "last_status" not in scraper.item("kettle")

    sqs_clock.advance(901)
    retry = scraper.invoke(scraper.receive())

    assert failed_ids(retry) == []
    assert queued_jobs(render_queue.url) == [ProductJob(RUN_ID, "kettle", "js-shop")]


def test_a_browser_retailer_on_a_stack_without_a_renderer_is_refused_at_start(scraper):
    scraper.configure(RETAILERS_JSON=retailers_json(js_shop="browser"))

    with pytest.raises(ConfigurationError, match="RENDER_QUEUE_URL"):
        scraper.deliver(StartRun(RUN_ID))


# --- the renderer: the same scrape, with a browser fetch --------------------------------


def test_the_renderer_records_a_dispatched_browser_job_once_in_the_runs_counts(
    scraper, renderer, render_queue, rendered_by_fetch
):
    use_renderer(scraper, render_queue, js_shop="browser")
    renderer.configure(
        RENDER_QUEUE_URL=render_queue.url,
        RETAILERS_JSON=json.dumps({"js-shop": {"fetch": "browser", "wait_for": ".price"}}),
    )
    add(scraper, "kettle")
    start_run(scraper)  # the job goes to the render queue

    response = renderer.invoke(renderer.receive())

    assert failed_ids(response) == []
    assert [call["wait_for"] for call in rendered_by_fetch] == [".price"]
    item = scraper.item("kettle")
    assert (item["last_status"], str(item["last_price"])) == ("ok", "19.99")
    assert len(scraper.history("kettle")) == 1
    assert tally(scraper) == (1, 0, 0, 0)
    assert queued(scraper.queue.url) == []  # nothing went to the scrape queue


def test_a_forwarded_job_is_counted_once_even_when_forwarded_twice(
    scraper, renderer, render_queue, rendered_by_fetch
):
    use_renderer(scraper, render_queue, js_shop="auto")
    renderer.configure(
        RENDER_QUEUE_URL=render_queue.url, RETAILERS_JSON=retailers_json(js_shop="auto")
    )
    add(scraper, "kettle", ShopPage(200, CAPTCHA))
    start_run(scraper)
    records = scraper.receive()
    scraper.invoke(records)
    # The scraper's message redelivered after its forward (as if the scraper died before
    # Lambda deleted it): forwarded again, so the renderer gets the job twice.
    scraper.invoke([dict(record, messageId="again") for record in records])

    copies = renderer.receive()
    assert [parse_message(copy["body"]) for copy in copies] == [
        ProductJob(RUN_ID, "kettle", "js-shop")
    ] * 2
    first = renderer.invoke(copies[:1])  # one batch each, as two renderers would take them
    second = renderer.invoke(copies[1:])

    assert failed_ids(first) == failed_ids(second) == []
    assert len(rendered_by_fetch) == 1  # the copy is not rendered again
    [row] = scraper.history("kettle")
    # The archive may hold copies of the observation (at least once), never a second one.
    assert {line["observation_id"] for line in scraper.archived_lines()} == {
        f"kettle#{row['timestamp']}"
    }
    assert tally(scraper) == (1, 0, 0, 0)


def test_the_renderer_records_a_blocked_rendered_page_and_never_forwards(
    renderer, render_queue, monkeypatch
):
    renderer.configure(
        RENDER_QUEUE_URL=render_queue.url, RETAILERS_JSON=retailers_json(js_shop="auto")
    )
    monkeypatch.setattr(
        renderer_handler,
        "render_page",
        lambda url, **options: fetch_page(url, **_fetch_options(options)),
    )
    monkeypatch.setattr(renderer_handler, "_browser", lambda: None)
    add(renderer, "kettle", ShopPage(200, CAPTCHA))

    response = renderer.scrape("kettle")

    assert failed_ids(response) == []
    assert renderer.item("kettle")["last_status"] == "blocked"
    assert queued_jobs(render_queue.url) == []


def test_a_dispatch_message_on_the_render_queue_is_poison_and_the_jobs_are_rendered(
    renderer, render_queue, rendered_by_fetch
):
    renderer.configure(
        RENDER_QUEUE_URL=render_queue.url, RETAILERS_JSON=retailers_json(js_shop="browser")
    )
    add(renderer, "kettle")
    renderer.enqueue(StartRun(RUN_ID), ProductJob(RUN_ID, "kettle", "js-shop"))
    records = renderer.receive()
    start = next(r["messageId"] for r in records if "scrape_all_products" in r["body"])

    response = renderer.invoke(records)

    assert failed_ids(response) == [start]
    assert renderer.item("kettle")["last_status"] == "ok"


# --- end to end: auto escalation rendered by Chromium ------------------------------------

CHROMIUM = os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set {CHROMIUM_PATH})")
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    yield CHROMIUM
    renderer_handler.shut_down()


def test_auto_escalation_renders_a_script_rendered_page_and_records_it_once(
    scraper, renderer, render_queue, chromium
):
    retailers = retailers_json(js_shop="auto")
    use_renderer(scraper, render_queue, js_shop="auto")
    # The renderer's page time cap (renderer.pageTimeoutSeconds), generous for slow machines.
    renderer.configure(
        RENDER_QUEUE_URL=render_queue.url, RETAILERS_JSON=retailers, FETCH_TIMEOUT_SECONDS="30"
    )
    add(scraper, "kettle", ShopPage(200, SCRIPT_SHELL))
    scraper.shop.serve("/api/kettle", ShopPage(200, json.dumps({"price": "24.50"})))
    start_run(scraper)

    forwarded = scraper.invoke(scraper.receive())  # by http: a shell without a price
    rendered = renderer.invoke(renderer.receive())

    assert failed_ids(forwarded) == failed_ids(rendered) == []
    item = scraper.item("kettle")
    assert (item["last_status"], str(item["last_price"]), item["last_currency"]) == (
        "ok",
        "24.50",
        "EUR",
    )
    assert scraper.shop.hits("/api/kettle") == 1  # the page's own request, through the guard
    assert [str(row["price"]) for row in scraper.history("kettle")] == ["24.50"]
    assert tally(scraper) == (1, 0, 0, 0)
    assert queued(render_queue.url) == queued(scraper.queue.url) == []
