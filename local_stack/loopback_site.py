"""A web site served on 127.0.0.1 from a background thread: the lifecycle both local sites
share (the demo's retailer site, and the benchmarks' generated site).

A subclass says how to answer a GET (`respond`, or `answer` when the answer depends on more
request headers than the User-Agent); this class binds a free port, serves concurrently (a
scraper batch opens many connections at once), and stops cleanly.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackServer(ABC):
    """A threaded HTTP server on 127.0.0.1 at a free port, from `start()` to `stop()`: the
    lifecycle of the local sites and of the local forward proxy."""

    name = "loopback-server"

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @abstractmethod
    def make_server(self) -> ThreadingHTTPServer:
        """A server bound to 127.0.0.1 port 0 (a free port), serving this object."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Serve from a background thread; returns once the port is bound."""
        if self._server is not None:
            raise RuntimeError(f"the {self.name} is already running")
        self._server = self.make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port (does nothing when not running)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"the {self.name} is not running: start() it first")
        return self._server.server_address[1]

    @property
    def host_port(self) -> str:
        """`127.0.0.1:PORT`: what the fetcher's allowed hosts must list to reach it."""
        return f"127.0.0.1:{self.port}"


class LoopbackSite(LoopbackServer):
    """Serves `respond(path, user_agent)` on 127.0.0.1 at a free port, `start()` to `stop()`."""

    name = "loopback-site"
    server_version = "LoopbackSite/1.0"

    def make_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    @abstractmethod
    def respond(self, path: str, user_agent: str = "") -> tuple[int, str, str]:
        """(HTTP status, content type, body) for a GET of `path`."""

    def answer(self, path: str, headers: Message) -> tuple[int, str, str]:
        """(HTTP status, content type, body) for a GET of `path` with these headers."""
        return self.respond(path, headers.get("User-Agent", ""))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a batch's concurrent fetches must not be refused

    def __init__(self, site: LoopbackSite) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    @property
    def server_version(self) -> str:  # type: ignore[override]
        return self.server.site.server_version

    def do_GET(self) -> None:
        site = self.server.site
        status, content_type, body = site.answer(self.path, self.headers)
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: each site keeps its own request log if it needs one."""
