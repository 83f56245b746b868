"""A webhook receiver on 127.0.0.1: where the local stack's alert channels deliver.

It takes the POSTs of the webhook services the demo's channels speak through Apprise, and
records every one (path, headers, JSON body, real arrival time), so the demo and the tests
can show what each channel received. The URLs it serves (`json_url`, `mattermost_url`,
`ntfy_url`) are Apprise URLs pointed at it:

- `json://127.0.0.1:PORT/hooks/demo-json`: Apprise's JSON webhook posts
  {"version", "title", "message", "type", ...} to that path.
- `mmost://127.0.0.1:PORT/TOKEN`: a Slack-format webhook. Apprise's `slack://` posts only
  to hooks.slack.com, but Mattermost's incoming webhooks take Slack's payload and Apprise's
  `mmost://` allows any host: it posts {"text", "username", ...} to `/hooks/TOKEN` (the
  title folded into the text's first line, Mattermost having no title field).
- `ntfy://127.0.0.1:PORT/TOPIC`: a self-hosted ntfy; Apprise posts JSON
  {"topic", "title", "message"} to the server's root.

`answer_next(path, statuses)` makes the next POSTs to `path` answer those statuses before
200 again: a receiver that fails, then recovers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local_stack.loopback_site import LoopbackServer

JSON_HOOK_PATH = "/hooks/demo-json"
_MAX_BODY_BYTES = 1024 * 1024  # far beyond any notification: a runaway client is cut off


@dataclass(frozen=True)
class ReceivedPost:
    """One POST the receiver took, as it arrived."""

    path: str
    headers: dict[str, str]
    body: Any  # the JSON body, parsed; the text when it was not JSON
    arrived_at: float  # real time, seconds since the epoch
    status: int  # what the receiver answered

    @property
    def title(self) -> str:
        """The notification's title: JSON and ntfy's `title`, Mattermost's first text line."""
        if not isinstance(self.body, dict):
            return ""
        if isinstance(self.body.get("title"), str) and self.body["title"]:
            return str(self.body["title"])
        text = self.body.get("text") or self.body.get("message") or ""
        return str(text).splitlines()[0] if text else ""

    @property
    def topic(self) -> str | None:
        """The ntfy topic the POST names (ntfy posts every topic to the server's root)."""
        topic = self.body.get("topic") if isinstance(self.body, dict) else None
        return topic if isinstance(topic, str) else None


class WebhookReceiver(LoopbackServer):
    """Records every POST on 127.0.0.1 at a free port, from `start()` to `stop()`."""

    name = "webhook-receiver"

    def __init__(self) -> None:
        super().__init__()
        self._posts: list[ReceivedPost] = []
        self._scripted: defaultdict[str, deque[int]] = defaultdict(deque)
        self._lock = threading.Lock()

    def make_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    # --- the demo's channel URLs ---------------------------------------------------------

    def json_url(self, path: str = JSON_HOOK_PATH) -> str:
        return f"json://{self.host_port}{path}"

    def mattermost_url(self, token: str) -> str:
        return f"mmost://{self.host_port}/{token}"

    def ntfy_url(self, topic: str) -> str:
        return f"ntfy://{self.host_port}/{topic}"

    # --- what arrived ----------------------------------------------------------------------

    @property
    def posts(self) -> list[ReceivedPost]:
        """Every POST received so far, in arrival order (answered 200 or not)."""
        with self._lock:
            return list(self._posts)

    def accepted(self, path: str, topic: str | None = None) -> list[ReceivedPost]:
        """The POSTs to `path` (and ntfy `topic`) answered 200: what was delivered."""
        return [
            post
            for post in self.posts
            if post.path == path and post.status == 200 and (topic is None or post.topic == topic)
        ]

    def answer_next(self, path: str, statuses: Iterable[int]) -> None:
        """The next POSTs to `path` answer `statuses`, one each, before 200 again."""
        with self._lock:
            self._scripted[path].extend(statuses)

    def _take(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            scripted = self._scripted[path]
            status = scripted.popleft() if scripted else 200
            self._posts.append(ReceivedPost(path, headers, body, time.time(), status))
        return status


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: WebhookReceiver) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.receiver = receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "LocalWebhookReceiver/1.0"

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY_BYTES)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        status = self.server.receiver._take(path, dict(self.headers.items()), raw)
        payload = b'{"ok": true}' if status == 200 else b'{"error": "scripted failure"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the receiver keeps its own record of what arrived."""
