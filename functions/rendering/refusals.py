"""Why a rendered page's request was not performed, counted and logged one line each.

The browser reaches nothing by itself (``rendering.interception``): a request is either
performed by the guarded client or refused here, with one of these reasons. A log line names
the resource type, the method and the URL without its credentials, query or fragment (a
query can carry tokens as easily as a user name can carry a password).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)

_LOGGED_PATH_CHARACTERS = 200


class Refusal(StrEnum):
    """The reason a request was not performed; the key it is counted under."""

    # Images, fonts, media, beacons and pings, prefetches...: never requested at all.
    RESOURCE_TYPE = "resource_type"
    # Not GET, HEAD or POST.
    METHOD = "method"
    # check_url refused it: scheme, credentials, localhost, a non-public address, a host not
    # allowed; for a redirect, the hop that was refused.
    UNSAFE_URL = "unsafe_url"
    # The page's subresources together reached their byte cap.
    BYTE_CAP = "byte_cap"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    # WebSockets are never opened. An "unrouted" one is a WebSocket the browser's network
    # stack saw (one a worker opened, which Playwright's routing does not see): the stack
    # resolves no name and has no usable proxy (rendering.browser), so it fails there.
    WEBSOCKET = "websocket"
    UNROUTED_WEBSOCKET = "unrouted_websocket"
    # The guarded fetch itself failed (DNS, connection, timeout, malformed answer).
    FETCH_FAILED = "fetch_failed"


# Refusals that mean the page tried something it should not: logged as warnings.
_SUSPICIOUS = frozenset({Refusal.UNSAFE_URL, Refusal.METHOD, Refusal.UNROUTED_WEBSOCKET})


def loggable_url(url: str) -> str:
    """``url`` without credentials, query or fragment, its path shortened: safe to log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    if parts.scheme not in ("http", "https", "ws", "wss"):
        # data:, blob:, javascript:... carry their content in the URL itself.
        return f"{parts.scheme}:" if parts.scheme else "<relative URL>"
    host = parts.netloc.rpartition("@")[2]
    path = parts.path[:_LOGGED_PATH_CHARACTERS]
    return urlunsplit((parts.scheme, host, path, "", ""))


class RefusalLog:
    """The refusals of one page: counted by reason, each logged as it happens."""

    def __init__(self, page_url: str) -> None:
        self._page = loggable_url(page_url)
        self._counts: Counter[str] = Counter()

    def refuse(
        self, reason: Refusal, *, resource_type: str, method: str, url: str, detail: str = ""
    ) -> None:
        """Count one refusal and log it."""
        self._counts[reason.value] += 1
        shown = loggable_url(url)
        level = logging.WARNING if reason in _SUSPICIOUS else logging.INFO
        because = f" ({detail})" if detail else ""
        logger.log(
            level,
            f"refused {resource_type} {method} {shown}: {reason.value}{because}",
            extra={
                "page": self._page,
                "resource_type": resource_type,
                "method": method,
                "url": shown,
                "reason": reason.value,
                "detail": detail,
            },
        )

    @property
    def counts(self) -> Mapping[str, int]:
        """Refusals so far by reason (a read-only copy)."""
        return MappingProxyType(dict(self._counts))
