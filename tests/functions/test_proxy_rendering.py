"""render_page through a forward proxy: the document and every request of the page go
through it (the browser itself reaches nothing; rendering.interception fetches for it)."""

import logging
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from loopback import serving

from contracts.environment import CHROMIUM_PATH
from extraction import extract_offer
from fetching import FetchProxyError, Proxy
from local_stack.forward_proxy import VIA, ForwardProxy
from rendering import DEFAULT_CHROMIUM_PATH, Browser, render_page

CHROMIUM = os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (set {CHROMIUM_PATH})", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

TIMEOUT = 20.0  # generous: CI machines are slow, and no test here wants a time cap
PASSWORD = "r3nd3r-pa55word"
PAGE = (
    "<!doctype html><html><head><title>Kettle</title></head><body><h1>Kettle</h1>"
    '<p class="price" id="price"></p><script src="/app.js"></script></body></html>'
)
SCRIPT = (
    "fetch('/api/price').then(r => r.json()).then(j => {"
    "  document.getElementById('price').textContent = j.price; });"
)
ROUTES = {
    "/kettle": (PAGE, "text/html; charset=utf-8"),
    "/app.js": (SCRIPT, "text/javascript"),
    "/api/price": ('{"price": "24,99 €"}', "application/json"),
}


class _Shop(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ShopHandler)
        self.received: list[tuple[str, str | None]] = []  # (path, Via header)

    def handle_error(self, request, client_address):
        pass


class _ShopHandler(BaseHTTPRequestHandler):
    server: _Shop

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.received.append((self.path, self.headers.get("Via")))
        body, content_type = ROUTES.get(self.path, ("not found", "text/plain"))
        payload = body.encode()
        self.send_response(200 if self.path in ROUTES else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def shop():
    server = _Shop()
    with serving(server) as port:
        yield server, f"127.0.0.1:{port}"


@pytest.fixture
def proxy_server():
    with ForwardProxy(credentials=("renderer", PASSWORD)) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    browser = Browser(CHROMIUM)
    browser.start()
    yield browser
    browser.close()


def test_rendered_page_and_its_requests_all_go_through_the_proxy(
    shop, proxy_server, browser, caplog
):
    caplog.set_level(logging.DEBUG)
    server, host_port = shop
    result = render_page(
        f"http://{host_port}/kettle",
        proxy=Proxy.from_url(proxy_server.url),
        allowed_hosts=[host_port, proxy_server.host_port],
        browser=browser,
        timeout=TIMEOUT,
    )
    offer = extract_offer(result.text, result.url)
    assert offer is not None
    assert (str(offer.price), offer.currency) == ("24.99", "EUR")
    # Document, script and XHR: each reached the shop through the proxy, none directly.
    assert server.received == [("/kettle", VIA), ("/app.js", VIA), ("/api/price", VIA)]
    assert proxy_server.forwarded == {host_port: 3}
    for record in caplog.records:
        assert PASSWORD not in record.getMessage()


def test_render_through_a_proxy_that_refuses_us_fails_before_the_browser(
    shop, proxy_server, browser
):
    server, host_port = shop
    wrong = Proxy.from_url(f"http://renderer:nope@{proxy_server.host_port}")
    with pytest.raises(FetchProxyError) as caught:
        render_page(
            f"http://{host_port}/kettle",
            proxy=wrong,
            allowed_hosts=[host_port, proxy_server.host_port],
            browser=browser,
            timeout=TIMEOUT,
        )
    assert caught.value.status == 407
    assert server.received == []
