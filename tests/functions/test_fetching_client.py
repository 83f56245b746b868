"""fetch_page and fetch_resource against a real HTTP server on 127.0.0.1 (the fetch_site
fixture; an echo server for the methods fetch_site does not answer)."""

import dataclasses
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from loopback import serving
from ticking_clock import TickingClock

from fetching import (
    FetchConnectionError,
    FetchProtocolError,
    FetchResult,
    FetchTimeout,
    FetchTLSError,
    UnsafeURLError,
    fetch_page,
    fetch_resource,
    retry_after_seconds,
)

CONTACT = "https://price-monitor.example/contact"


def fetch(site, path, **options):
    options.setdefault("allowed_hosts", [site.host_port])
    return fetch_page(site.url(path), **options)


def test_local_site_is_refused_by_default_and_never_contacted(fetch_site):
    with pytest.raises(UnsafeURLError):
        fetch_page(fetch_site.url("/page"))
    assert fetch_site.requests == []


@pytest.mark.parametrize(
    "template",
    [
        "http://0x7f000001:{port}/",
        "http://2130706433:{port}/",
        "http://127.1:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://localhost:{port}/",
        "http://LOCALHOST.:{port}/",
        "http://good.example@127.0.0.1:{port}/",
        "http://１２７.０.０.１:{port}/",
    ],
)
def test_obfuscated_loopback_urls_never_reach_the_server(fetch_site, template):
    with pytest.raises(UnsafeURLError):
        fetch_page(template.format(port=fetch_site.port))
    assert fetch_site.requests == []


def test_allowed_host_is_fetched(fetch_site):
    result = fetch(fetch_site, "/page")
    assert (result.status, result.text) == (200, fetch_site.PAGE_HTML)
    assert result.url == fetch_site.url("/page")
    assert result.redirects == ()
    assert not result.truncated
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert fetch_site.paths() == ["/page"]


def test_fetch_result_is_immutable(fetch_site):
    result = fetch(fetch_site, "/page")
    assert isinstance(result, FetchResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = 500


def test_request_identifies_the_service_and_sends_no_cookies(fetch_site):
    fetch(fetch_site, "/page", contact_url=CONTACT)
    sent = {name.lower(): value for name, value in fetch_site.requests[0].headers.items()}
    assert sent["user-agent"].startswith("price-monitor/")
    assert sent["user-agent"].endswith(f"(+{CONTACT})")
    assert sent["accept"] == "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
    assert sent["accept-encoding"] == "gzip, deflate"
    assert sent["accept-language"] == "en"
    assert sent["host"] == fetch_site.host_port
    assert "cookie" not in sent


def test_user_agent_parameter_replaces_the_product_token(fetch_site):
    fetch(fetch_site, "/page", user_agent="price-monitor-staging/9", contact_url=CONTACT)
    assert fetch_site.requests[0].headers["User-Agent"] == f"price-monitor-staging/9 (+{CONTACT})"


def test_header_injection_through_user_agent_is_rejected(fetch_site):
    with pytest.raises(ValueError, match="User-Agent"):
        fetch(fetch_site, "/page", contact_url="https://x.example/\r\nCookie: a=b")
    assert fetch_site.requests == []


def test_connection_goes_to_the_vetted_address_with_the_original_host_header(fetch_site):
    # A resolver that answers the loopback site once, then (as a rebinding attacker would)
    # something else: the fetch must not ask again before connecting.
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    calls = []

    def rebinding_resolver(host):
        calls.append(host)
        return next(answers)

    host = f"shop.test:{fetch_site.port}"
    result = fetch_page(f"http://{host}/page", allowed_hosts=[host], resolver=rebinding_resolver)
    assert result.status == 200
    assert calls == ["shop.test"]
    assert fetch_site.requests[0].headers["Host"] == host


@pytest.mark.parametrize("path", ["/gzip", "/deflate-zlib", "/deflate-raw", "/chunked"])
def test_compressed_and_chunked_pages_are_decoded(fetch_site, path):
    assert fetch(fetch_site, path).text == fetch_site.PAGE_HTML


@pytest.mark.parametrize("path", ["/latin-header", "/latin-meta", "/latin-http-equiv"])
def test_windows_1252_pages_are_decoded_from_header_or_meta(fetch_site, path):
    assert fetch_site.LATIN_TEXT in fetch(fetch_site, path).text


def test_undecodable_bytes_are_replaced_not_fatal(fetch_site):
    assert fetch(fetch_site, "/bad-bytes").text == "<p>price \ufffd\ufffd\ufffd 10</p>"


def test_big_body_is_cut_at_max_bytes_without_reading_the_rest(fetch_site):
    result = fetch(fetch_site, "/big", max_bytes=100_000)
    assert result.truncated
    assert len(result.text) == 100_000
    # The client hung up: the server could not get most of the body out (it stops at the
    # first failed write; socket buffers take a few hundred KB of it).
    assert fetch_site.big_done.wait(timeout=30)
    assert fetch_site.big_bytes_sent < fetch_site.BIG_BODY_BYTES // 4


def test_decompression_bomb_is_cut_at_max_bytes(fetch_site):
    result = fetch(fetch_site, "/gzip-bomb", max_bytes=500_000)
    assert result.truncated
    assert len(result.text) == 500_000


def test_corrupt_compressed_body_is_a_protocol_error(fetch_site):
    with pytest.raises(FetchProtocolError) as caught:
        fetch(fetch_site, "/corrupt-gzip")
    assert caught.value.url == fetch_site.url("/corrupt-gzip")
    assert caught.value.retryable


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_statuses_are_returned_for_the_caller_to_classify(fetch_site, status):
    result = fetch(fetch_site, f"/status/{status}")
    assert result.status == status
    assert result.text == f"<h1>{status}</h1>"


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_statuses_carry_retry_after(fetch_site, status):
    result = fetch(fetch_site, f"/status/{status}")
    assert result.status == status
    assert retry_after_seconds(result.headers) == 120.0


def test_server_that_does_not_answer_in_time_raises_timeout(fetch_site):
    # /slow answers after FETCH_SLOW_SECONDS (1 s): a fetch that waited would get its page.
    with pytest.raises(FetchTimeout) as caught:
        fetch(fetch_site, "/slow", timeout=0.2)
    assert caught.value.url == fetch_site.url("/slow")


def test_dripping_body_is_stopped_by_the_overall_deadline(fetch_site):
    # Bytes arrive every 50 ms, so no single read times out, and the whole body takes 2 s:
    # a fetch that outlived its 0.3 s budget would return it.
    with pytest.raises(FetchTimeout):
        fetch(fetch_site, "/drip", timeout=0.3)


def test_decompression_counts_against_the_fetch_deadline(fetch_site):
    # The clock moves 1 ms at every reading and the budget is 1 s: the exchange takes a few
    # dozen readings, decompressing 20,000 gzip members takes one reading per member.
    clock = TickingClock(step=0.001)
    with pytest.raises(FetchTimeout) as caught:
        fetch(fetch_site, "/gzip-members/20000", timeout=1.0, clock=clock)
    assert caught.value.url == fetch_site.url("/gzip-members/20000")
    assert clock.readings < 1_010  # it stopped at the deadline, not after the last member


def test_many_member_body_decompressed_within_the_deadline_is_returned_whole(fetch_site):
    clock = TickingClock(step=0.001)
    result = fetch(fetch_site, "/gzip-members/500", timeout=1.0, clock=clock)
    assert result.text == fetch_site.MEMBER_TEXT * 500
    assert not result.truncated


def test_time_spent_resolving_counts_against_the_deadline(fetch_site):
    def slow_resolver(host):
        time.sleep(0.25)
        return ["127.0.0.1"]

    host = f"shop.test:{fetch_site.port}"
    with pytest.raises(FetchTimeout):
        fetch_page(f"http://{host}/", allowed_hosts=[host], resolver=slow_resolver, timeout=0.2)
    assert fetch_site.requests == []


def test_unreachable_address_falls_back_to_the_next_vetted_one(fetch_site):
    # 127.0.0.2 is loopback too, but nothing listens there on this port.
    host = f"shop.test:{fetch_site.port}"
    result = fetch_page(
        f"http://{host}/page",
        allowed_hosts=[host],
        resolver=lambda name: ["127.0.0.2", "127.0.0.1"],
    )
    assert result.status == 200


def test_refused_connection_raises_connection_error():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # bound but not listening: connections refused
        with pytest.raises(FetchConnectionError) as caught:
            fetch_page(f"http://127.0.0.1:{port}/", allowed_hosts=[f"127.0.0.1:{port}"])
    assert caught.value.retryable


def test_server_hanging_up_without_answer_raises_connection_error(fetch_site):
    with pytest.raises(FetchConnectionError):
        fetch(fetch_site, "/hangup")


@pytest.mark.parametrize("path", ["/malformed", "/short"])
def test_malformed_or_cut_off_response_raises_protocol_error(fetch_site, path):
    with pytest.raises(FetchProtocolError):
        fetch(fetch_site, path)


def test_https_to_a_server_without_tls_raises_tls_error(fetch_site):
    with pytest.raises(FetchTLSError):
        fetch_page(f"https://{fetch_site.host_port}/", allowed_hosts=[fetch_site.host_port])


@pytest.mark.parametrize(
    "options", [{"timeout": 0}, {"timeout": float("nan")}, {"max_bytes": 0}, {"max_redirects": -1}]
)
def test_nonsensical_limits_are_rejected(fetch_site, options):
    with pytest.raises(ValueError, match="must be"):
        fetch(fetch_site, "/page", **options)
    assert fetch_site.requests == []


# --- fetch_resource: one request for a rendered page, no redirect followed -----------------


def resource(site, path, **options):
    options.setdefault("allowed_hosts", [site.host_port])
    return fetch_resource(site.url(path), **options)


def test_resource_comes_back_as_bytes_with_its_encoding_undone(fetch_site):
    result = resource(fetch_site, "/gzip")
    assert (result.status, result.body, result.truncated) == (
        200,
        fetch_site.PAGE_HTML.encode(),
        False,
    )
    assert result.redirect_url is None
    assert result.headers["content-encoding"] == "gzip"  # as received; the body is decoded


def test_resource_redirect_is_returned_not_followed(fetch_site):
    result = resource(fetch_site, "/chain/1")
    assert (result.status, result.body) == (302, b"")
    assert result.redirect_url == fetch_site.url("/chain/0")
    assert fetch_site.paths() == ["/chain/1"]


def test_resource_redirect_to_a_refused_target_is_reported_never_requested(
    fetch_site, other_fetch_site
):
    target = other_fetch_site.url("/page")
    result = resource(fetch_site, f"/to?location={quote(target, safe='')}")
    assert result.redirect_url == target
    assert other_fetch_site.requests == []
    with pytest.raises(UnsafeURLError):  # what a caller following it gets
        fetch_resource(target, allowed_hosts=[fetch_site.host_port])
    assert other_fetch_site.requests == []


def test_resource_on_a_refused_address_is_never_requested(fetch_site):
    with pytest.raises(UnsafeURLError):
        fetch_resource(fetch_site.url("/page"))
    assert fetch_site.requests == []


def test_resource_goes_to_the_vetted_address(fetch_site):
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    host = f"shop.test:{fetch_site.port}"
    result = fetch_resource(
        f"http://{host}/page", allowed_hosts=[host], resolver=lambda name: next(answers)
    )
    assert result.status == 200
    assert fetch_site.requests[0].headers["Host"] == host


def test_resource_body_is_cut_at_max_bytes(fetch_site):
    result = resource(fetch_site, "/big", max_bytes=100_000)
    assert result.truncated
    assert len(result.body) == 100_000


def test_resource_decompression_bomb_is_cut_at_max_bytes(fetch_site):
    result = resource(fetch_site, "/gzip-bomb", max_bytes=500_000)
    assert result.truncated
    assert len(result.body) == 500_000


def test_resource_that_does_not_answer_in_time_raises_timeout(fetch_site):
    with pytest.raises(FetchTimeout):
        resource(fetch_site, "/slow", timeout=0.2)


def test_browser_headers_are_sent_but_cannot_replace_the_clients_own(fetch_site):
    resource(
        fetch_site,
        "/page",
        contact_url=CONTACT,
        headers={
            "User-Agent": "Mozilla/5.0 HeadlessChrome",
            "Cookie": "session=1",
            "Connection": "keep-alive",
            "Accept-Encoding": "br",
            "Accept": "text/css,*/*;q=0.1",
            "X-Requested-With": "XMLHttpRequest",
        },
    )
    sent = {name.lower(): value for name, value in fetch_site.requests[0].headers.items()}
    assert sent["user-agent"].startswith("price-monitor/")
    assert sent["user-agent"].endswith(f"(+{CONTACT})")
    assert (sent["connection"], sent["accept-encoding"]) == ("close", "gzip, deflate")
    assert sent["accept"] == "text/css,*/*;q=0.1"
    assert sent["x-requested-with"] == "XMLHttpRequest"
    assert "cookie" not in sent


class _EchoHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", self.headers.get("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")  # the size a GET would get
        self.end_headers()


@pytest.fixture
def echo_site():
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)) as port:
        yield f"127.0.0.1:{port}"


def test_post_sends_its_body(echo_site):
    result = fetch_resource(
        f"http://{echo_site}/api",
        method="POST",
        headers={"Content-Type": "application/json"},
        body=b'{"sku": 42}',
        allowed_hosts=[echo_site],
    )
    assert (result.status, result.body) == (200, b'{"sku": 42}')
    assert result.headers["content-type"] == "application/json"


def test_head_reads_headers_only(echo_site):
    result = fetch_resource(f"http://{echo_site}/", method="HEAD", allowed_hosts=[echo_site])
    assert (result.status, result.body, result.truncated) == (200, b"", False)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"])
def test_methods_other_than_get_head_post_are_refused_unsent(fetch_site, method):
    with pytest.raises(ValueError, match="not fetched"):
        resource(fetch_site, "/page", method=method)
    assert fetch_site.requests == []


def test_a_body_on_anything_but_post_is_refused_unsent(fetch_site):
    with pytest.raises(ValueError, match="no body"):
        resource(fetch_site, "/page", body=b"x")
    assert fetch_site.requests == []
