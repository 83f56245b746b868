"""What a failed scrape is, and what happens next: retry later, record it, or record it blocked.

docs/architecture.md "Failure classes" is the contract:

- transient (timeout, connection error, 5xx, 429 with Retry-After, robots.txt unavailable):
  the message goes back to the queue with its visibility timeout set to the backoff
  (`retry_after_seconds`); after `MAX_RECEIVE_COUNT` receives SQS moves it to the DLQ.
- permanent (404, 410, other 4xx, no price on the page, unsafe URL, robots.txt disallows,
  too many redirects): recorded on the catalog item, message deleted. An out-of-stock page
  that shows no price is no failure: it is an observation without a price (DESIGN).
- blocked (403, 429 without Retry-After, captcha and challenge pages): recorded as
  `blocked`, message deleted; never read as a price or a stock change.

The one judgement call: a 5xx page counts as blocked only when it carries challenge
markup (Cloudflare serves its challenge with 503). `extraction.classify_blocked` also calls
a bare 503 without product markup blocked, which is right for a page's content but would
make every maintenance page a "blocked" record instead of a retry, against DESIGN's
"5xx is transient". Likewise a 429 that names a Retry-After and shows no challenge is the
site asking us to come back later, so it is retried at the time it asks for.

Everything here is pure: no clock unless given, no AWS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts import messages
from contracts.catalog import ScrapeStatus
from extraction import classify_blocked
from fetching import FetchError, FetchResult, retry_after_seconds


class FailureKind(StrEnum):
    """The class of a failure: what happens next. Not a `ScrapeStatus`: a transient failure
    is not recorded (until its last receive, as `error`), a permanent one is `error`."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"
    BLOCKED = "blocked"


# The receive on which a transient failure is the last chance, so it is also recorded on
# the catalog item before the message rests in the DLQ.
MAX_RECEIVE_COUNT = messages.MAX_RECEIVE_COUNT

# Backoff by receive count: 30 s, 2 min, 8 min, then 15 min.
BACKOFF_BASE_SECONDS = 30
BACKOFF_FACTOR = 4
BACKOFF_CAP_SECONDS = 900
# A server's Retry-After is honoured up to 1 h. A job has MAX_RECEIVE_COUNT receives, so
# it ends at most about 2 h after its dispatch, well inside the 6 h schedule, and a retry
# rarely meets the next run (the state write keeps a late one from moving state back
# anyway: monitor.state). A server asking for longer is not retried in this run: the check
# is recorded as an error naming the wait it asked for, and the next run tries again.
RETRY_AFTER_CAP_SECONDS = 3_600

# 408 Request Timeout and 425 Too Early are the server asking to try again, not a verdict.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 425})


@dataclass(frozen=True)
class FailureDecision:
    """The class of a failure, why, and (transient only) how long before the next try."""

    kind: FailureKind
    reason: str
    retry_after_seconds: int | None = None

    @property
    def record_status(self) -> ScrapeStatus:
        """`last_status` for the catalog item: `blocked`, else `error`."""
        return ScrapeStatus.BLOCKED if self.kind == FailureKind.BLOCKED else ScrapeStatus.ERROR


def backoff_seconds(receive_count: int) -> int:
    """Delay before the next receive: 30 s x 4^(n-1) on the n-th receive, capped at 15 min."""
    exponent = max(receive_count, 1) - 1
    if exponent >= 5:  # 30 x 4^5 is already past the cap; avoids huge powers
        return BACKOFF_CAP_SECONDS
    return min(BACKOFF_BASE_SECONDS * BACKOFF_FACTOR**exponent, BACKOFF_CAP_SECONDS)


def transient(reason: str, receive_count: int, retry_after: float | None = None) -> FailureDecision:
    """A transient failure whose delay is the backoff, or the server's Retry-After if longer."""
    delay = backoff_seconds(receive_count)
    if retry_after is not None and math.isfinite(retry_after):
        delay = max(delay, min(math.ceil(retry_after), RETRY_AFTER_CAP_SECONDS))
    return FailureDecision(FailureKind.TRANSIENT, reason, delay)


def retry_later(reason: str, receive_count: int, retry_after: float | None) -> FailureDecision:
    """A server's "try again later": a transient failure at its Retry-After (or the backoff),
    or, when it asks for longer than `RETRY_AFTER_CAP_SECONDS`, a permanent one for this run."""
    if retry_after is None or not math.isfinite(retry_after):
        return transient(reason, receive_count)
    if retry_after > RETRY_AFTER_CAP_SECONDS:
        return permanent(
            f"{reason} (Retry-After {retry_after:g} s, longer than a run waits: "
            f"{RETRY_AFTER_CAP_SECONDS} s); the next run tries again"
        )
    return transient(f"{reason} (Retry-After {retry_after:g} s)", receive_count, retry_after)


def permanent(reason: str) -> FailureDecision:
    return FailureDecision(FailureKind.PERMANENT, reason)


def blocked(reason: str) -> FailureDecision:
    return FailureDecision(FailureKind.BLOCKED, reason)


def classify_failure(
    outcome: FetchError | FetchResult,
    *,
    receive_count: int = 1,
    now: datetime | None = None,
) -> FailureDecision | None:
    """The failure class of a fetch outcome, or None when the page is there to be read.

    `outcome` is what `fetch_page` raised or returned; `receive_count` is the message's
    ApproximateReceiveCount (it sets the backoff); `now` reads an HTTP-date Retry-After.
    """
    if isinstance(outcome, FetchError):
        return classify_fetch_error(outcome, receive_count=receive_count)
    return _classify_response(outcome, receive_count, now)


def classify_fetch_error(error: FetchError, *, receive_count: int = 1) -> FailureDecision:
    """A fetch that got no response: network trouble is transient, a refused URL permanent."""
    if error.retryable:
        return transient(str(error), receive_count)
    return permanent(str(error))


def _classify_response(
    response: FetchResult, receive_count: int, now: datetime | None
) -> FailureDecision | None:
    status = response.status
    # Challenge markup, whatever the status (a page with product markup never counts).
    markers = classify_blocked(response.text)
    if status == 429:
        retry_after = retry_after_seconds(response.headers, now=now)
        if markers is None and retry_after is not None:
            return retry_later("HTTP 429", receive_count, retry_after)
        return blocked(_blocked_reason(markers or "http_429", status))
    if status >= 500:
        if markers is not None:
            return blocked(_blocked_reason(markers, status))
        retry_after = retry_after_seconds(response.headers, now=now)
        return retry_later(f"HTTP {status}", receive_count, retry_after)
    if status == 403 or markers is not None:
        return blocked(_blocked_reason(markers or "http_403", status))
    if status in _RETRYABLE_CLIENT_STATUSES:
        retry_after = retry_after_seconds(response.headers, now=now)
        return retry_later(f"HTTP {status}", receive_count, retry_after)
    if 200 <= status < 300:
        return None
    return permanent(f"HTTP {status}")


def _blocked_reason(reason: str, status: int) -> str:
    return f"blocked page ({reason}, HTTP {status})"


def receive_count_of(attributes: Mapping[str, str]) -> int:
    """The ApproximateReceiveCount of an SQS record's attributes (1 when absent or unreadable)."""
    try:
        return max(int(attributes.get("ApproximateReceiveCount", "1")), 1)
    except (TypeError, ValueError):
        return 1
