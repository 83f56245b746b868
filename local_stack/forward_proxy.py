"""A forward HTTP proxy on 127.0.0.1: what a retailer's `proxy` setting points at, locally.

It speaks the two forms the fetcher uses (``fetching.proxy``): ``CONNECT host:port``, a
tunnel it relays bytes through untouched (TLS to the target is end to end), and absolute-form
``GET``/``POST``/``HEAD http://host:port/path``, which it forwards with a ``Via`` header
(RFC 9110 §7.6.3: how a site behind a "bot wall" in the demo tells proxied traffic from
direct). With ``credentials`` it answers 407 to a request without the matching
``Proxy-Authorization: Basic``. It resolves target host names itself, through ``hosts``
first (so a test can give a TLS site a real-looking name), as a real proxy would.

Every request is recorded (`requests`) and the forwarded ones counted per target
``host:port`` (`forwarded`), so tests and the demo can show traffic went through it.

    with ForwardProxy(credentials=("shopper", "s3cret")) as proxy:
        fetch_page(url, proxy=Proxy.from_url(proxy.url), allowed_hosts=[proxy.host_port, ...])
        assert proxy.forwarded["127.0.0.1:8080"] == 1
"""

from __future__ import annotations

import base64
import http.client
import selectors
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

from local_stack.loopback_site import LoopbackServer

VIA = "1.1 price-monitor-local-proxy"
UPSTREAM_TIMEOUT_SECONDS = 30.0
_RELAY_CHUNK = 64 * 1024
# Hop-by-hop headers (RFC 9110 §7.6.1), and the proxy's own: never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy received: its method, target ``host:port``, and whether its
    credentials were accepted (always, when the proxy requires none)."""

    method: str
    target: str
    authorized: bool


class ForwardProxy(LoopbackServer):
    """A threaded forward proxy on 127.0.0.1 at a free port, from `start()` to `stop()`."""

    name = "forward-proxy"

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.hosts = dict(hosts or {})
        self._expected = (
            "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
            if credentials
            else None
        )
        self._requests: list[ProxiedRequest] = []
        self._lock = threading.Lock()

    def make_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    @property
    def url(self) -> str:
        """The proxy's URL, with its credentials (%-encoded) when it requires them."""
        if self.credentials is None:
            return f"http://{self.host_port}"
        user, password = (quote(part, safe="") for part in self.credentials)
        return f"http://{user}:{password}@{self.host_port}"

    @property
    def requests(self) -> list[ProxiedRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def forwarded(self) -> Counter[str]:
        """How many requests were forwarded (or tunnelled) to each target ``host:port``."""
        with self._lock:
            return Counter(r.target for r in self._requests if r.authorized)

    @property
    def refused(self) -> int:
        """How many requests were answered 407 for want of the right credentials."""
        with self._lock:
            return sum(1 for r in self._requests if not r.authorized)

    def _record(self, method: str, target: str, authorization: str | None) -> bool:
        authorized = self._expected is None or authorization == self._expected
        with self._lock:
            self._requests.append(ProxiedRequest(method, target, authorized))
        return authorized

    def _address(self, host: str) -> str:
        return self.hosts.get(host.lower(), host)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, proxy: ForwardProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients hang up mid-relay on purpose (caps, timeouts)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "LocalForwardProxy/1.0"
    timeout = UPSTREAM_TIMEOUT_SECONDS  # an idle client cannot hold a thread forever

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the proxy keeps its own record of requests."""

    def do_CONNECT(self) -> None:
        host, _, port_text = self.path.rpartition(":")
        host = host.strip("[]")
        if not host or not port_text.isdigit():
            self._fail(400, "CONNECT needs host:port")
            return
        if not self._authorized(f"{host}:{port_text}"):
            return
        try:
            upstream = socket.create_connection(
                (self.server.proxy._address(host), int(port_text)),
                timeout=UPSTREAM_TIMEOUT_SECONDS,
            )
        except OSError:
            self._fail(502, "cannot reach the target")
            return
        with upstream:
            self.send_response(200, "Connection established")
            self.end_headers()
            self.wfile.flush()
            _relay(self.connection, upstream)
        self.close_connection = True

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def _forward(self) -> None:
        """Forward an absolute-form request and relay the whole answer back."""
        self.close_connection = True
        parts = urlsplit(self.path)
        if parts.scheme != "http" or not parts.hostname:
            self._fail(400, "a forward proxy takes absolute http:// URLs (https via CONNECT)")
            return
        port = parts.port or 80
        if not self._authorized(f"{parts.hostname}:{port}"):
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        upstream = http.client.HTTPConnection(
            self.server.proxy._address(parts.hostname), port, timeout=UPSTREAM_TIMEOUT_SECONDS
        )
        try:
            upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.putheader("Via", VIA)
            upstream.putheader("Connection", "close")
            upstream.endheaders(body)
            response = upstream.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self._fail(502, "the target did not answer")
            return
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Via", VIA)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _authorized(self, target: str) -> bool:
        """Record the request; answer 407 and return False when its credentials are wrong."""
        proxy = self.server.proxy
        if proxy._record(self.command, target, self.headers.get("Proxy-Authorization")):
            return True
        self.send_response(407, "Proxy Authentication Required")
        self.send_header("Proxy-Authenticate", 'Basic realm="local-proxy"')
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        return False

    def _fail(self, status: int, message: str) -> None:
        payload = message.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or stays idle past the timeout)."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            ready = selector.select(timeout=UPSTREAM_TIMEOUT_SECONDS)
            if not ready:
                return
            for key, _ in ready:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    chunk = source.recv(_RELAY_CHUNK)
                    if not chunk:
                        return
                    key.data.sendall(chunk)
                except OSError:
                    return
