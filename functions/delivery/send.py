"""One delivery: a rendered message to one channel URL, with Apprise.

Apprise is imported inside `deliver` (as `rendering` imports Playwright), so importing
`delivery` never needs it. The outcome says what the caller does next:

- `DELIVERED`: done.
- `TRANSIENT`: try again later (the SQS message goes back with a backoff). Apprise's
  `notify()` reporting failure is read as this: it answers one boolean for a refused
  request, a 5xx, a timeout or a connection error alike, and a channel that keeps failing
  ends in the dead-letter queue with its reason all the same.
- `PERMANENT`: do not retry: Apprise refuses the URL itself (an unknown scheme, a URL its
  service cannot parse), which no retry mends.

A reason names the channel's scheme (`redact_url`), never its URL: the tokens of a
Slack, Telegram or Discord URL are its path. Apprise's own log lines go through its
secure logging (on by default, and kept on here), which masks the URLs it prints, but
not every line: a service refusing a malformed URL names the token it refused (Slack's
"An invalid Slack (first) Token (...) was specified", a WARNING), and urllib3's DEBUG line
carries the path it posted to. So during a delivery, every part of the channel's URL is
masked out of the `apprise` and `urllib3` log records (`_UrlMask`), and both loggers are
held at WARNING or above whatever the function's log level.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from delivery.channels import redact_url
from delivery.templates import BodyFormat, RenderedMessage

# The loggers a delivery writes through: Apprise's, and urllib3's under requests (a filter
# sees only the records of its own logger, so urllib3's modules are named one by one).
_LOGGERS = ("apprise", "urllib3", "urllib3.connectionpool", "urllib3.util.retry")
# A URL's parts, as a token may be any of them (tgram://<bot token>/<chat id>).
_URL_DELIMITERS = re.compile(r"[/:@?&=#;,+]+")
# Shorter parts are ports, "www"-like words, nothing a token is made of.
_SECRET_PART_MIN_CHARS = 4

# Apprise services that show HTML: e-mail. Every other service gets text, which chat and
# push services display as it is written.
_HTML_SCHEMES = frozenset({"mailto", "mailtos"})

# One notify() call at most this long (Apprise's per-service limit), so a hanging webhook
# fails transiently well inside the notifier's own timeout.
DEFAULT_TIMEOUT_SECONDS = 10.0


class Outcome(StrEnum):
    """What the caller does next: nothing, retry later, or give up (dead-letter)."""

    DELIVERED = "delivered"
    TRANSIENT = "failed_transiently"
    PERMANENT = "failed_permanently"


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one delivery, and why (text safe to log: no URL secrets)."""

    outcome: Outcome
    reason: str

    @property
    def delivered(self) -> bool:
        return self.outcome is Outcome.DELIVERED


def body_format_for(url: str) -> BodyFormat:
    """The format a channel at Apprise URL `url` is sent."""
    scheme = url.partition("://")[0].lower()
    return BodyFormat.HTML if scheme in _HTML_SCHEMES else BodyFormat.TEXT


def deliver(
    url: str, message: RenderedMessage, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> DeliveryResult:
    """Send `message` to the channel at Apprise URL `url`."""
    with _logs_masking(url):
        return _deliver(url, message, timeout_seconds)


def _deliver(url: str, message: RenderedMessage, timeout_seconds: float) -> DeliveryResult:
    import apprise

    where = redact_url(url)
    asset = apprise.AppriseAsset(
        # Lambda's file system is read-only outside /tmp, and nothing here needs to persist.
        storage_mode="memory",
        secure_logging=True,
        service_timeout=timeout_seconds,
        # Our templates are plain text or escaped HTML: no ${NAME} substitution.
        allow_templates=False,
    )
    notifier = apprise.Apprise(asset=asset)
    try:
        accepted = notifier.add(url)
    except Exception as error:  # Apprise's URL parsing is the channel's, not ours, to fail
        return DeliveryResult(Outcome.PERMANENT, f"{where}: URL refused ({type(error).__name__})")
    if not accepted or len(notifier) == 0:
        return DeliveryResult(Outcome.PERMANENT, f"{where}: Apprise does not accept this URL")
    try:
        result = notifier.notify(
            title=message.title, body=message.body, body_format=message.body_format.value
        )
    except Exception as error:  # a plugin's bug or an unexpected I/O error: retry later
        return DeliveryResult(Outcome.TRANSIENT, f"{where}: notify raised {type(error).__name__}")
    if not result:
        return DeliveryResult(Outcome.TRANSIENT, f"{where}: the service did not accept it")
    return DeliveryResult(Outcome.DELIVERED, f"{where}: delivered")


class _UrlMask(logging.Filter):
    """Replaces every part of one URL in a log record with ***."""

    def __init__(self, url: str) -> None:
        super().__init__()
        rest = url.partition("://")[2]
        # As written and percent-decoded: a service may log either.
        parts = {
            part
            for text in (rest, unquote(rest))
            for part in _URL_DELIMITERS.split(text)
            if len(part) >= _SECRET_PART_MIN_CHARS
        }
        # Longest first, so a part containing another is masked whole.
        self._parts = sorted(parts, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._parts:
            return True
        text = record.getMessage()
        masked = text
        for part in self._parts:
            masked = masked.replace(part, "***")
        if masked != text:
            record.msg, record.args = masked, None
        return True


@contextmanager
def _logs_masking(url: str) -> Iterator[None]:
    mask = _UrlMask(url)
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    for logger in loggers:
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
        logger.addFilter(mask)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(mask)
