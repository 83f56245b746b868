"""A sample alert for the notifier's tests: the detector's price drop, as the notifier reads it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from loopback import serving

from delivery.alert import Alert


def alert(**changes: Any) -> Alert:
    """Acme's kettle down from 19.99 to 17.99 EUR, with `changes` applied."""
    fields: dict[str, Any] = {
        "kind": "price_drop",
        "product_id": "acme-kettle-1",
        "retailer": "acme",
        "name": "Acme Kettle 2000",
        "url": "https://shop.example/kettle",
        "currency": "EUR",
        "old_price": Decimal("19.99"),
        "new_price": Decimal("17.99"),
        "change_percent": Decimal("10.01"),
        "observed_at": "2024-05-01T06:00:03Z",
        "run_id": "2024-05-01T06:00:00Z",
        "dedup_key": "5" * 64,
    }
    return Alert(**{**fields, **changes})


# Stands for a webhook's token, which lives in the URL's path.
TOKEN = "s3cr3t-T0KEN-4f9a"


@dataclass
class Receiver:
    """A webhook on 127.0.0.1: answers `status`, keeps what it was sent."""

    port: int
    status: int = 200
    received: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, scheme="json"):
        return f"{scheme}://127.0.0.1:{self.port}/hooks/{TOKEN}"


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A `Receiver` serving on 127.0.0.1 for the block (the `receiver` fixture)."""
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            target = state["receiver"]
            with target.lock:
                target.received.append(body)
                target.paths.append(self.path)
            self.send_response(target.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server) as port:
        state["receiver"] = Receiver(port)
        yield state["receiver"]
