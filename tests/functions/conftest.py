"""Shared fixtures for the Lambda function tests."""

# --- fetching: a small retailer-like web site on 127.0.0.1 --------------------------------
# Used by tests/functions/test_fetching_*.py. Each test gets its own server on an ephemeral
# port, which records every request it receives (so a test can prove "no request was made").

import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import serving

FETCH_PAGE_HTML = (
    "<!doctype html><html><head><title>Kettle</title></head>"
    '<body><p class="price">19,99 €</p></body></html>'
)
FETCH_LATIN_TEXT = "Prix : 12,50 € — crème brûlée"
FETCH_MEMBER_TEXT = "<p>19,99</p>"
# Far more than the socket buffers between /big and a client that stopped reading hold (its
# small send buffer, the receive buffer the client's reads grew): a server that got all of it
# out was read to the end.
FETCH_BIG_BODY_BYTES = 16_000_000
FETCH_BOMB_BYTES = 20_000_000
FETCH_SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]


@dataclass
class FetchSite:
    """Handle on a running test site: its address, what it received, its robots.txt."""

    # What the default route serves, the text of the /latin-* pages and of each gzip member.
    PAGE_HTML: ClassVar[str] = FETCH_PAGE_HTML
    LATIN_TEXT: ClassVar[str] = FETCH_LATIN_TEXT
    MEMBER_TEXT: ClassVar[str] = FETCH_MEMBER_TEXT
    BIG_BODY_BYTES: ClassVar[int] = FETCH_BIG_BODY_BYTES

    port: int
    requests: list[RecordedRequest] = field(default_factory=list)
    robots_status: int = 404
    robots_body: str = ""
    # When set, /robots.txt redirects there; /moved/N redirects N times, then serves robots_body.
    robots_location: str | None = None
    # What /big got out before the client hung up; set once its handler is done.
    big_bytes_sent: int = 0
    big_done: threading.Event = field(default_factory=threading.Event)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host_port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


@cache
def _gzip_bomb() -> bytes:
    # 20 MB of zeros compress to about 20 KB: built in chunks so the test never holds 20 MB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1_000_000)
    parts = [compressor.compress(block) for _ in range(FETCH_BOMB_BYTES // len(block))]
    return b"".join([*parts, compressor.flush()])


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, site: FetchSite) -> None:
        super().__init__(("127.0.0.1", 0), _SiteHandler)
        self.site = site

    def handle_error(self, request, client_address):
        # The fetcher hangs up on purpose (size caps, timeouts); that is not a test failure.
        pass


class _SiteHandler(BaseHTTPRequestHandler):
    server: _SiteServer

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        site = self.server.site
        site.requests.append(RecordedRequest(self.path, dict(self.headers.items())))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        head, _, tail = parts.path.lstrip("/").partition("/")
        handler = getattr(self, "route_" + head.replace("-", "_").replace(".", "_"), None)
        if handler is None:
            self.reply(200, FETCH_PAGE_HTML.encode(), "text/html; charset=utf-8")
        else:
            handler(tail, query)

    def reply(self, status, body, content_type="text/html", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # Encodings and character sets.
    def route_gzip(self, tail, query):
        body = gzip.compress(FETCH_PAGE_HTML.encode())
        self.reply(200, body, "text/html; charset=utf-8", [("Content-Encoding", "gzip")])

    def route_deflate_zlib(self, tail, query):
        body = zlib.compress(FETCH_PAGE_HTML.encode())
        self.reply(200, body, "text/html; charset=utf-8", [("Content-Encoding", "deflate")])

    def route_deflate_raw(self, tail, query):
        body = _raw_deflate(FETCH_PAGE_HTML.encode())
        self.reply(200, body, "text/html; charset=utf-8", [("Content-Encoding", "deflate")])

    def route_latin_header(self, tail, query):
        body = f"<p>{FETCH_LATIN_TEXT}</p>".encode("cp1252")
        self.reply(200, body, "text/html; charset=ISO-8859-1")

    def route_latin_meta(self, tail, query):
        body = f'<meta charset="windows-1252"><p>{FETCH_LATIN_TEXT}</p>'.encode("cp1252")
        self.reply(200, body, "text/html")

    def route_latin_http_equiv(self, tail, query):
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        self.reply(200, f"{meta}<p>{FETCH_LATIN_TEXT}</p>".encode("cp1252"), "text/html")

    def route_bad_bytes(self, tail, query):
        self.reply(200, b"<p>price \xff\xfe\xc3 10</p>", "text/html; charset=utf-8")

    def route_corrupt_gzip(self, tail, query):
        self.reply(200, b"this is not gzip", "text/html", [("Content-Encoding", "gzip")])

    def route_gzip_bomb(self, tail, query):
        self.reply(200, _gzip_bomb(), "text/html", [("Content-Encoding", "gzip")])

    def route_gzip_members(self, tail, query):
        # /gzip-members/N: N gzip members back to back, each FETCH_MEMBER_TEXT.
        body = gzip.compress(FETCH_MEMBER_TEXT.encode(), mtime=0) * int(tail)
        self.reply(200, body, "text/html; charset=utf-8", [("Content-Encoding", "gzip")])

    def route_chunked(self, tail, query):
        self.protocol_version = "HTTP/1.1"
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body = FETCH_PAGE_HTML.encode()
        for start in range(0, len(body), 16):
            piece = body[start : start + 16]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    # Size and time.
    def route_big(self, tail, query):
        # Streamed without Content-Length: the body ends when the connection closes.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        site = self.server.site
        # A small send buffer, so what the kernel accepts is close to what the client read.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        block = b"x" * 65536
        try:
            for _ in range(FETCH_BIG_BODY_BYTES // len(block)):
                self.wfile.write(block)
                site.big_bytes_sent += len(block)
        except OSError:
            pass  # the client hung up: what it did not read was never sent
        finally:
            site.big_done.set()

    def route_slow(self, tail, query):
        time.sleep(FETCH_SLOW_SECONDS)
        self.reply(200, b"late")

    def route_drip(self, tail, query):
        # Each byte arrives well within a per-read timeout; only a whole-fetch deadline stops it.
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.05)

    # Broken servers.
    def route_malformed(self, tail, query):
        self.wfile.write(b"SPEAKING GIBBERISH\r\n\r\n")

    def route_hangup(self, tail, query):
        self.close_connection = True

    def route_short(self, tail, query):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"only ten b")

    # Statuses and redirects.
    def route_status(self, tail, query):
        status = int(tail)
        headers = [("Retry-After", "120")] if status in (429, 503) else []
        self.reply(status, f"<h1>{status}</h1>".encode(), headers=headers)

    def route_chain(self, tail, query):
        hops = int(tail)
        if hops == 0:
            self.reply(200, FETCH_PAGE_HTML.encode(), "text/html; charset=utf-8")
        else:
            self.reply(302, b"", headers=[("Location", f"/chain/{hops - 1}")])

    def route_to(self, tail, query):
        status = int(query.get("status", "302"))
        self.reply(status, b"moved", headers=[("Location", query["location"])])

    def route_utf8_redirect(self, tail, query):
        # Raw UTF-8 bytes in the header, as many servers send them.
        self.reply(301, b"", headers=[("Location", "/café".encode().decode("latin-1"))])

    def route_robots_txt(self, tail, query):
        site = self.server.site
        if site.robots_location is not None:
            self.reply(301, b"", headers=[("Location", site.robots_location)])
        else:
            self.reply(site.robots_status, site.robots_body.encode(), "text/plain")

    def route_moved(self, tail, query):
        hops = int(tail)
        if hops == 0:
            self.reply(200, self.server.site.robots_body.encode(), "text/plain")
        else:
            self.reply(302, b"", headers=[("Location", f"/moved/{hops - 1}")])


@contextmanager
def _running_site() -> Iterator[FetchSite]:
    site = FetchSite(port=0)
    with serving(_SiteServer(site)) as port:
        site.port = port
        yield site


@pytest.fixture
def fetch_site() -> Iterator[FetchSite]:
    """A test web site on 127.0.0.1 (see the route_* methods for what it serves)."""
    with _running_site() as site:
        yield site


@pytest.fixture
def other_fetch_site() -> Iterator[FetchSite]:
    """A second site on another port, e.g. as a redirect target that is not allowed."""
    with _running_site() as site:
        yield site


# --- AWS (moto): tables, queue, bucket and topic of the service ----------------------------
# Defined in aws_fixtures.py (shared by the dispatcher, scraper and detector tests); imported
# here because pytest only collects fixtures from conftest modules and plugins.
from aws_fixtures import *  # noqa: E402, F403

# --- notifier: a webhook receiver on 127.0.0.1 (delivery_fixtures.Receiver) -----------------
from delivery_fixtures import receiving  # noqa: E402

# --- scraper: a retailer site and the scraper Lambda on moto ------------------------------
from scraper_fixtures import *  # noqa: E402, F403


@pytest.fixture
def receiver():
    with receiving() as webhook:
        yield webhook
