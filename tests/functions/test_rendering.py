"""render_page against a loopback shop, in a real headless Chromium.

The shop (the `shop` fixture) serves whatever a test puts in its `pages` and records every
request it gets. The SSRF test adds an "internal" listener on another loopback port, not in
allowed_hosts, standing in for the metadata service and other internal hosts: it counts the
TCP connections and UDP datagrams that reach it, which must stay zero.
"""

import logging
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import serving

from contracts.environment import CHROMIUM_PATH
from extraction import extract_offer
from fetching import DisallowedByRobots, FetchTimeout, RobotsPolicy, UnsafeURLError
from rendering import DEFAULT_CHROMIUM_PATH, Browser, Refusal, RenderError, render_page

CHROMIUM = os.environ.get(CHROMIUM_PATH) or DEFAULT_CHROMIUM_PATH
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (set {CHROMIUM_PATH})", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

# Generous: CI machines are slow, and only the time-cap tests want a page to run out of time.
TIMEOUT = 20.0
PRICE_HTML = "<!doctype html><html><head><title>Kettle</title></head><body><h1>Kettle</h1>"


@dataclass(frozen=True)
class Answer:
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    body: bytes


@dataclass
class Shop:
    port: int = 0
    pages: dict[str, Answer] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    # /hang answers once this is set (at the end of the test at the latest).
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host_port}{path}"

    def paths(self) -> list[str]:
        return [urlsplit(r.path).path for r in self.requests]


class _ShopHandler(BaseHTTPRequestHandler):
    server: "_ShopServer"

    def log_message(self, format, *args):
        pass

    def _answer(self):
        shop = self.server.shop
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        shop.requests.append(Received(self.command, self.path, body))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/hang":
            shop.release.wait(timeout=60)
            answer = Answer("// too late", "text/javascript")
        elif parts.path == "/redirect":
            answer = Answer(status=302, headers=(("Location", query["to"]),))
        elif parts.path == "/echo":
            answer = Answer(f'{{"price": "{body.decode()}"}}', "application/json")
        else:
            answer = shop.pages.get(parts.path, Answer("not found", "text/plain", 404))
        payload = answer.body.encode() if isinstance(answer.body, str) else answer.body
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _answer


class _ShopServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, shop: Shop) -> None:
        super().__init__(("127.0.0.1", 0), _ShopHandler)
        self.shop = shop

    def handle_error(self, request, client_address):
        pass  # the browser and the client hang up on purpose (caps, timeouts)


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop()
    with serving(_ShopServer(shop)) as port:
        shop.port = port
        try:
            yield shop
        finally:
            shop.release.set()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    browser = Browser(CHROMIUM)
    browser.start()  # launched once, before any page's time cap starts
    yield browser
    browser.close()


def render(shop: Shop, path: str, browser: Browser, **options):
    options.setdefault("allowed_hosts", [shop.host_port])
    options.setdefault("timeout", TIMEOUT)
    return render_page(shop.url(path), browser=browser, **options)


def refusal_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rendering.refusals"]


# --- what the scraper gets --------------------------------------------------------------


def test_price_a_script_fetches_after_load_is_read_by_the_extraction(shop, browser):
    shop.pages["/kettle"] = Answer(
        PRICE_HTML + '<p class="price" id="price"></p><script>'
        "fetch('/api/price').then(r => r.json()).then(j => {"
        "  document.getElementById('price').textContent = j.price; });"
        "</script></body></html>"
    )
    shop.pages["/api/price"] = Answer('{"price": "24,99 €"}', "application/json")
    result = render(shop, "/kettle", browser)
    assert (result.status, result.url, result.truncated) == (200, shop.url("/kettle"), False)
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    offer = extract_offer(result.text, result.url)
    assert offer is not None
    assert (str(offer.price), offer.currency) == ("24.99", "EUR")
    assert shop.paths() == ["/kettle", "/api/price"]
    assert result.refused_requests == {}


def test_unrendered_page_has_no_price_for_the_extraction(shop, browser):
    # The same page as the http path sees it: the price is not in the markup.
    shop.pages["/kettle"] = Answer(
        PRICE_HTML + '<p id="price"></p><script>/* fills #price */</script></body></html>'
    )
    assert extract_offer(render(shop, "/kettle", browser).text) is None


def test_page_in_a_legacy_charset_is_read_as_the_http_path_decodes_it(shop, browser):
    html = PRICE_HTML + '<meta charset="windows-1252"><p class="price">12,50 €</p></body></html>'
    shop.pages["/latin"] = Answer(html.encode("cp1252"), "text/html")
    result = render(shop, "/latin", browser)
    assert "12,50 €" in result.text


def test_wait_for_reads_the_page_once_its_selector_appears(shop, browser):
    # Inserted well after the page went quiet: only waiting for it finds it.
    shop.pages["/late"] = Answer(
        PRICE_HTML + "<script>setTimeout(() => {"
        "  const p = document.createElement('p'); p.id = 'price'; p.className = 'price';"
        "  p.textContent = '31,00 €'; document.body.appendChild(p); }, 1500);"
        "</script></body></html>"
    )
    result = render(shop, "/late", browser, wait_for="#price")
    offer = extract_offer(result.text, result.url)
    assert offer is not None
    assert str(offer.price) == "31.00"


def test_wait_for_a_selector_that_never_appears_is_a_timeout(shop, browser):
    shop.pages["/never"] = Answer(PRICE_HTML + "</body></html>")
    with pytest.raises(FetchTimeout) as caught:
        render(shop, "/never", browser, wait_for="#price", timeout=1.5)
    assert caught.value.url == shop.url("/never")
    assert caught.value.retryable


def test_consent_button_is_clicked_when_present(shop, browser):
    shop.pages["/consent"] = Answer(
        PRICE_HTML + '<div id="banner"><button class="accept">OK</button></div>'
        '<p class="price" id="price"></p><script>'
        "document.querySelector('.accept').addEventListener('click', () => {"
        "  document.getElementById('banner').remove();"
        "  document.getElementById('price').textContent = '9,95 €'; });"
        "</script></body></html>"
    )
    clicked = render(shop, "/consent", browser, consent_selector="#banner .accept")
    assert '<p class="price" id="price">9,95 €</p>' in clicked.text
    assert 'id="banner"' not in clicked.text
    not_clicked = render(shop, "/consent", browser)
    assert '<p class="price" id="price"></p>' in not_clicked.text
    assert 'id="banner"' in not_clicked.text


def test_consent_selector_absent_from_the_page_is_no_error(shop, browser):
    shop.pages["/plain"] = Answer(PRICE_HTML + '<p class="price">5,00 €</p></body></html>')
    result = render(shop, "/plain", browser, consent_selector="#cookie-accept")
    assert "5,00 €" in result.text


def test_page_whose_script_never_arrives_times_out(shop, browser):
    shop.pages["/stuck"] = Answer(PRICE_HTML + '<script src="/hang"></script></body></html>')
    with pytest.raises(FetchTimeout) as caught:
        render(shop, "/stuck", browser, timeout=1.0)
    assert caught.value.url == shop.url("/stuck")


def test_page_whose_script_never_ends_times_out(shop, browser):
    shop.pages["/busy"] = Answer(PRICE_HTML + "<script>for (;;) {}</script></body></html>")
    with pytest.raises(FetchTimeout):
        render(shop, "/busy", browser, timeout=1.0)
    # The browser is still usable afterwards.
    shop.pages["/plain"] = Answer(PRICE_HTML + '<p class="price">5,00 €</p></body></html>')
    assert "5,00 €" in render(shop, "/plain", browser).text


def test_document_over_max_bytes_is_cut_and_flagged(shop, browser):
    shop.pages["/long"] = Answer(PRICE_HTML + "<p>" + "x" * 50_000 + "</p></body></html>")
    result = render(shop, "/long", browser, max_bytes=10_000)
    assert result.truncated
    assert len(result.text.encode("utf-8")) <= 10_000


def test_rendered_page_grown_over_max_bytes_is_cut_and_flagged(shop, browser):
    shop.pages["/grows"] = Answer(
        PRICE_HTML + "<script>document.body.append('€'.repeat(40000));</script></body></html>"
    )
    result = render(shop, "/grows", browser, max_bytes=20_000)
    assert result.truncated
    assert len(result.text.encode("utf-8")) <= 20_000


def test_subresources_beyond_their_byte_cap_are_refused(shop, browser):
    filler = "/*" + "x" * 4_000 + "*/"
    for name in "abc":
        shop.pages[f"/{name}.js"] = Answer(
            f"{filler}document.body.dataset.{name} = 'ran';", "text/javascript"
        )
    shop.pages["/scripts"] = Answer(
        PRICE_HTML + "".join(f'<script src="/{n}.js"></script>' for n in "abc") + "</body></html>"
    )
    result = render(shop, "/scripts", browser, max_subresource_bytes=10_000)
    assert 'data-a="ran"' in result.text
    assert 'data-b="ran"' in result.text
    assert 'data-c="ran"' not in result.text
    assert result.refused_requests == {Refusal.BYTE_CAP: 1}


def test_redirect_of_a_subresource_within_the_shop_is_followed(shop, browser):
    shop.pages["/real.js"] = Answer("document.title = 'redirected script ran';", "text/javascript")
    shop.pages["/page"] = Answer(
        PRICE_HTML + '<script src="/redirect?to=/real.js"></script></body></html>'
    )
    result = render(shop, "/page", browser)
    assert "<title>redirected script ran</title>" in result.text
    assert shop.paths() == ["/page", "/redirect", "/real.js"]


def test_subresource_redirecting_in_a_loop_is_refused(shop, browser):
    shop.pages["/loop.js"] = Answer(status=302, headers=(("Location", "/loop.js"),))
    shop.pages["/page"] = Answer(PRICE_HTML + '<script src="/loop.js"></script></body></html>')
    result = render(shop, "/page", browser, max_redirects=3)
    assert result.refused_requests == {Refusal.TOO_MANY_REDIRECTS: 1}
    assert shop.paths() == ["/page"] + ["/loop.js"] * 4


def test_post_from_the_page_reaches_the_shop_with_its_body(shop, browser):
    shop.pages["/post"] = Answer(
        PRICE_HTML + '<p class="price" id="price"></p><script>'
        "fetch('/echo', {method: 'POST', body: '7,77 €'}).then(r => r.json()).then(j => {"
        "  document.getElementById('price').textContent = j.price; });"
        "</script></body></html>"
    )
    result = render(shop, "/post", browser)
    assert "7,77 €" in result.text
    assert Received("POST", "/echo", "7,77 €".encode()) in shop.requests


def test_pages_from_several_threads_share_one_browser(shop, browser):
    for n in range(3):
        shop.pages[f"/p{n}"] = Answer(PRICE_HTML + f'<p class="price">{n},00 €</p></body></html>')
    results: dict[int, str] = {}

    def scrape(n: int) -> None:
        results[n] = render(shop, f"/p{n}", browser).text

    threads = [threading.Thread(target=scrape, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(f"{n},00 €" in results[n] for n in range(3))


# --- what the http path decides, decided the same way ----------------------------------


def test_non_html_or_error_answers_are_returned_unrendered(shop, browser):
    result = render(shop, "/missing", browser)
    assert (result.status, result.text, result.refused_requests) == (404, "not found", {})


def test_robots_txt_is_obeyed_before_the_browser_opens_the_page(shop, browser):
    shop.pages["/robots.txt"] = Answer("User-agent: *\nDisallow: /private", "text/plain")
    shop.pages["/private"] = Answer(PRICE_HTML + "</body></html>")
    with pytest.raises(DisallowedByRobots):
        render(shop, "/private", browser, robots=RobotsPolicy())
    assert shop.paths() == ["/robots.txt"]


def test_page_redirecting_to_an_internal_address_is_refused(shop, internal, browser):
    with pytest.raises(UnsafeURLError, match="redirect from"):
        render(shop, f"/redirect?to=http://127.0.0.1:{internal.port}/", browser)
    assert internal.connections == 0


def test_browser_that_cannot_start_is_a_retryable_render_error(shop):
    shop.pages["/plain"] = Answer(PRICE_HTML + "</body></html>")
    missing = Browser("/nonexistent/chromium")
    try:
        with pytest.raises(RenderError) as caught:
            render(shop, "/plain", missing)
    finally:
        missing.close()
    assert caught.value.retryable


# --- the SSRF page ----------------------------------------------------------------------


@dataclass
class Internal:
    """A loopback listener no URL of the shop may reach: it counts what arrives."""

    port: int
    connections: int = 0
    datagrams: int = 0


@pytest.fixture
def internal() -> Iterator[Internal]:
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(16)
        port = tcp.getsockname()[1]
        udp.bind(("127.0.0.1", port))  # the same port number, for STUN
        listener = Internal(port)
        stop = threading.Event()

        def accept() -> None:
            tcp.settimeout(0.05)
            while not stop.is_set():
                try:
                    connection, _ = tcp.accept()
                except TimeoutError:
                    continue
                listener.connections += 1
                connection.close()

        def receive() -> None:
            udp.settimeout(0.05)
            while not stop.is_set():
                try:
                    udp.recv(2048)
                except TimeoutError:
                    continue
                listener.datagrams += 1

        threads = [threading.Thread(target=accept), threading.Thread(target=receive)]
        for thread in threads:
            thread.start()
        try:
            yield listener
        finally:
            stop.set()
            for thread in threads:
                thread.join()


def ssrf_page(shop: Shop, internal: int) -> str:
    inside = f"127.0.0.1:{internal}"
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="http://10.0.0.1/style.css">
<link rel="preconnect" href="http://{inside}/">
<link rel="dns-prefetch" href="//rebind.test/">
<script src="http://127.0.0.2:{internal}/script.js"></script>
<script src="/redirect?to=http://{inside}/redirected.js"></script>
</head><body><h1>SSRF</h1>
<iframe src="http://169.254.169.254/latest/meta-data/"></iframe>
<img src="http://{inside}/pixel.png">
<iframe name="sink"></iframe>
<!-- into its own frame: the top frame's navigation below cannot cancel its request -->
<form id="form" method="post" action="http://10.0.0.1/submit" target="sink">
<input name="a" value="b"></form>
<script>
const settled = [];
const attempt = (promise) => settled.push(promise.catch(() => null));
attempt(fetch("http://169.254.169.254/latest/meta-data/iam/security-credentials/"));
attempt(fetch("http://10.0.0.1/"));
attempt(fetch("http://rebind.test:{internal}/rebind"));
attempt(fetch("/put", {{method: "PUT", body: "x"}}));
attempt(new Promise((done) => {{
  const xhr = new XMLHttpRequest();
  xhr.onloadend = done;
  xhr.open("GET", "http://localhost:{internal}/xhr");
  xhr.send();
}}));
attempt(new Promise((done) => {{
  const socket = new WebSocket("ws://{inside}/socket");
  socket.onclose = done; socket.onerror = done;
}}));
navigator.sendBeacon("http://{inside}/beacon", "data");
attempt(navigator.serviceWorker.register("/sw.js"));
attempt(new Promise((done) => {{
  const worker = new Worker("/worker.js");
  worker.onmessage = done; worker.onerror = done;
}}));
const peer = new RTCPeerConnection({{iceServers: [{{urls: "stun:{inside}"}}]}});
peer.createDataChannel("x");
attempt(peer.createOffer().then((offer) => peer.setLocalDescription(offer)));
document.getElementById("form").submit();
setTimeout(() => {{ location = "http://{inside}/location"; }}, 50);
Promise.all(settled).then(() => setTimeout(() => {{
  const done = document.createElement("p"); done.id = "done"; document.body.append(done);
}}, 700));
</script></body></html>"""


WORKER_JS = """
fetch("http://10.0.0.1/from-worker").catch(() => null).then(() => {
  const socket = new WebSocket("ws://127.0.0.1:%d/from-worker");
  const report = () => postMessage("done");
  socket.onclose = report; socket.onerror = report;
});
"""


def test_ssrf_page_reaches_no_internal_address_by_any_request_type(shop, internal, browser, caplog):
    caplog.set_level(logging.INFO, logger="rendering")
    shop.pages["/ssrf"] = Answer(ssrf_page(shop, internal.port))
    shop.pages["/worker.js"] = Answer(WORKER_JS % internal.port, "text/javascript")
    shop.pages["/sw.js"] = Answer("// a service worker", "text/javascript")

    def rebinding_resolver(host: str) -> list[str]:
        if host == "rebind.test":  # a public-looking name that answers with loopback
            return ["127.0.0.1"]
        raise socket.gaierror(f"{host} does not resolve here")

    result = render(shop, "/ssrf", browser, wait_for="#done", resolver=rebinding_resolver)

    inside, metadata = f"127.0.0.1:{internal.port}", "169.254.169.254/latest/meta-data"
    shop_url = shop.url("")
    expected = {
        # resource type, method, URL as logged (no query): reason
        f"stylesheet GET http://10.0.0.1/style.css: {Refusal.UNSAFE_URL}",
        f"script GET http://127.0.0.2:{internal.port}/script.js: {Refusal.UNSAFE_URL}",
        f"script GET http://{inside}/redirected.js: {Refusal.UNSAFE_URL}",  # the shop's 302
        f"document GET http://{metadata}/: {Refusal.UNSAFE_URL}",  # the iframe
        f"image GET http://{inside}/pixel.png: {Refusal.RESOURCE_TYPE}",
        f"document POST http://10.0.0.1/submit: {Refusal.UNSAFE_URL}",  # the form
        f"fetch GET http://{metadata}/iam/security-credentials/: {Refusal.UNSAFE_URL}",
        f"fetch GET http://10.0.0.1/: {Refusal.UNSAFE_URL}",
        f"fetch GET http://rebind.test:{internal.port}/rebind: {Refusal.UNSAFE_URL}",
        f"fetch PUT {shop_url}/put: {Refusal.METHOD}",
        f"xhr GET http://localhost:{internal.port}/xhr: {Refusal.UNSAFE_URL}",
        f"websocket GET ws://{inside}/socket: {Refusal.WEBSOCKET}",
        f"ping POST http://{inside}/beacon: {Refusal.RESOURCE_TYPE}",
        f"fetch GET http://10.0.0.1/from-worker: {Refusal.UNSAFE_URL}",
        f"websocket GET ws://{inside}/from-worker: {Refusal.UNROUTED_WEBSOCKET}",
        f"document GET http://{inside}/location: {Refusal.UNSAFE_URL}",  # location =
    }
    logged = {line.removeprefix("refused ").partition(" (")[0] for line in refusal_lines(caplog)}
    assert logged == expected
    assert sum(result.refused_requests.values()) == len(expected)
    assert result.refused_requests == {
        Refusal.UNSAFE_URL: 11,
        Refusal.RESOURCE_TYPE: 2,
        Refusal.METHOD: 1,
        Refusal.WEBSOCKET: 1,
        Refusal.UNROUTED_WEBSOCKET: 1,
    }
    # Why each was refused is in its line: the rebinding name by the address it resolved to.
    assert any(
        "rebind.test resolves to non-public address 127.0.0.1" in line
        for line in refusal_lines(caplog)
    )
    # Nothing reached the internal listener: no connection (fetch, XHR, WebSocket from the
    # page and from a worker, preconnect, redirects) and no STUN datagram.
    assert (internal.connections, internal.datagrams) == (0, 0)
    # The service worker was never even fetched, the PUT never sent; the page is intact.
    assert sorted(shop.paths()) == ["/redirect", "/ssrf", "/worker.js"]
    assert (result.url, "<h1>SSRF</h1>" in result.text) == (shop.url("/ssrf"), True)


def test_credentials_and_queries_in_refused_urls_never_reach_the_logs(shop, browser, caplog):
    caplog.set_level(logging.DEBUG)
    shop.pages["/creds"] = Answer(
        PRICE_HTML + "<script>"
        'fetch("http://169.254.169.254/latest/?token=s3cr3t").catch(() => null);'
        "const xhr = new XMLHttpRequest();"
        'xhr.open("GET", "http://10.0.0.1/x?session=s3cr3t", true, "admin", "hunter2");'
        "xhr.send();"
        'setTimeout(() => { location = "http://admin:hunter2@10.0.0.1/panel?token=s3cr3t"; }, 50);'
        "setTimeout(() => { document.body.append(Object.assign("
        "document.createElement('p'), {id: 'done'})); }, 800);"
        "</script></body></html>"
    )
    result = render(shop, "/creds?token=s3cr3t", browser, wait_for="#done")
    lines = refusal_lines(caplog)
    assert "refused document GET http://10.0.0.1/panel: unsafe_url" in [
        line.partition(" (")[0] for line in lines
    ]
    assert sum(result.refused_requests.values()) == len(lines) >= 3
    for record in caplog.records:
        everything = record.getMessage() + repr(vars(record))
        assert "hunter2" not in everything
        assert "s3cr3t" not in everything
        assert "admin" not in everything


def test_the_browser_itself_reaches_nothing_when_a_request_escapes_the_routing(browser, internal):
    # No routing at all: what is left is the launch flags (no name resolves, IP literals
    # included; the only proxy does not exist; WebRTC sends no UDP outside it).
    inside = f"127.0.0.1:{internal.port}"

    def open_unrouted(chromium):
        from playwright.sync_api import Error

        context = chromium.new_context()
        try:
            page = context.new_page()
            failures = []
            for url in (f"http://{inside}/", f"http://localhost:{internal.port}/"):
                try:
                    page.goto(url, timeout=10_000)
                except Error as exc:
                    failures.append(str(exc).split()[1])
            page = context.new_page()  # the other one shows the browser's error page
            page.set_content(
                f'<script>new WebSocket("ws://{inside}/");'
                f'const peer = new RTCPeerConnection({{iceServers: [{{urls: "stun:{inside}"}}]}});'
                'peer.createDataChannel("x");'
                "peer.createOffer().then((offer) => peer.setLocalDescription(offer));</script>"
            )
            page.wait_for_timeout(1_000)  # ICE gathering sends its STUN requests meanwhile
            return failures
        finally:
            context.close()

    failures = browser.run(open_unrouted, wait_seconds=60)
    assert failures == ["net::ERR_PROXY_CONNECTION_FAILED"] * 2  # proxy.invalid: no such name
    assert (internal.connections, internal.datagrams) == (0, 0)
