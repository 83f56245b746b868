"""classify_failure: which failures are retried (and when), recorded, or recorded as blocked."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from fetching import (
    DisallowedByRobots,
    FetchConnectionError,
    FetchDNSError,
    FetchProtocolError,
    FetchResult,
    FetchTimeout,
    Headers,
    TooManyRedirects,
    UnsafeURLError,
)
from monitor.failures import (
    BACKOFF_CAP_SECONDS,
    RETRY_AFTER_CAP_SECONDS,
    FailureDecision,
    FailureKind,
    backoff_seconds,
    blocked,
    classify_failure,
    permanent,
    receive_count_of,
    transient,
)

URL = "https://shop.example/p/1"
NOW = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
PRODUCT_PAGE = (
    '<script type="application/ld+json">{"@type": "Product", "offers": '
    '{"@type": "Offer", "price": "19.99", "priceCurrency": "EUR"}}</script>'
)
CAPTCHA_PAGE = "<html><head><title>Robot Check</title></head><body>captcha</body></html>"
CLOUDFLARE_PAGE = "<html><head><title>Just a moment...</title></head><body></body></html>"


def response(status: int, text: str = "<p>page</p>", **headers: str) -> FetchResult:
    items = [(name.replace("_", "-"), value) for name, value in headers.items()]
    return FetchResult(status, URL, Headers(items), text, False, 12)


def test_backoff_grows_fourfold_per_receive_and_is_capped():
    assert [backoff_seconds(n) for n in range(1, 7)] == [30, 120, 480, 900, 900, 900]
    assert backoff_seconds(10_000) == BACKOFF_CAP_SECONDS


def test_backoff_treats_a_missing_or_zero_receive_count_as_the_first():
    assert backoff_seconds(0) == backoff_seconds(-3) == 30


@pytest.mark.parametrize(
    "error",
    [
        FetchTimeout(URL, "timed out"),
        FetchConnectionError(URL, "connection refused"),
        FetchDNSError(URL, "no such host"),
        FetchProtocolError(URL, "malformed response"),
        DisallowedByRobots(URL, "robots.txt unreachable (HTTP 503)", retryable=True),
    ],
    ids=["timeout", "connection", "dns", "protocol", "robots-unreachable"],
)
def test_network_failures_are_transient_with_the_backoff_of_their_receive(error):
    decision = classify_failure(error, receive_count=2)
    assert decision == FailureDecision(FailureKind.TRANSIENT, str(error), 120)


@pytest.mark.parametrize(
    "error",
    [
        UnsafeURLError(URL, "address 10.0.0.1 is private"),
        DisallowedByRobots(URL, "refused by robots.txt rules"),
        TooManyRedirects(URL, "more than 5 redirects"),
    ],
    ids=["unsafe", "robots-disallow", "redirects"],
)
def test_refused_urls_are_permanent_and_never_retried(error):
    decision = classify_failure(error, receive_count=1)
    assert decision is not None
    assert decision.kind == FailureKind.PERMANENT
    assert decision.retry_after_seconds is None
    assert error.reason in decision.reason


def test_a_readable_product_page_is_no_failure():
    assert classify_failure(response(200, PRODUCT_PAGE)) is None


@pytest.mark.parametrize("status", [404, 410, 400, 401, 451])
def test_client_errors_are_permanent(status):
    assert classify_failure(response(status)) == FailureDecision(
        FailureKind.PERMANENT, f"HTTP {status}"
    )


def test_an_unfollowed_redirect_status_is_permanent():
    assert classify_failure(response(300)) == permanent("HTTP 300")


@pytest.mark.parametrize("status", [408, 425])
def test_server_asks_to_try_again_statuses_are_transient(status):
    assert classify_failure(response(status), receive_count=1) == transient(f"HTTP {status}", 1)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(status):
    decision = classify_failure(response(status, "<h1>Service unavailable</h1>"), receive_count=3)
    assert decision == FailureDecision(FailureKind.TRANSIENT, f"HTTP {status}", 480)


def test_a_challenge_page_served_with_503_is_blocked():
    decision = classify_failure(response(503, CLOUDFLARE_PAGE))
    assert decision is not None
    assert decision.kind == FailureKind.BLOCKED
    assert "cloudflare_challenge" in decision.reason
    assert decision.record_status == "blocked"


def test_a_503_retry_after_longer_than_the_backoff_wins():
    decision = classify_failure(response(503, Retry_After="600"), receive_count=1)
    assert decision == FailureDecision(FailureKind.TRANSIENT, "HTTP 503 (Retry-After 600 s)", 600)


def test_429_with_retry_after_seconds_is_transient_at_the_time_asked():
    decision = classify_failure(response(429, Retry_After="3600"), receive_count=1)
    assert decision is not None
    assert decision.kind == FailureKind.TRANSIENT
    assert decision.retry_after_seconds == 3600
    assert decision.record_status == "error"


def test_429_with_an_http_date_retry_after_is_read_against_now():
    when = format_datetime(NOW + timedelta(minutes=20), usegmt=True)
    decision = classify_failure(response(429, Retry_After=when), receive_count=1, now=NOW)
    assert decision is not None
    assert decision.kind == FailureKind.TRANSIENT
    assert decision.retry_after_seconds == 1200


def test_a_retry_after_shorter_than_the_backoff_does_not_shorten_it():
    decision = classify_failure(response(429, Retry_After="5"), receive_count=2)
    assert decision is not None
    assert decision.retry_after_seconds == 120


def test_retry_after_is_honoured_up_to_an_hour_well_inside_the_six_hour_schedule():
    decision = classify_failure(response(503, Retry_After="3600"), receive_count=1)
    assert decision == FailureDecision(FailureKind.TRANSIENT, "HTTP 503 (Retry-After 3600 s)", 3600)
    assert RETRY_AFTER_CAP_SECONDS == 3600


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("seconds", ["3601", "43200", "999999999"])
def test_a_retry_after_beyond_the_cap_is_recorded_for_this_run_and_left_to_the_next(
    status, seconds
):
    decision = classify_failure(response(status, Retry_After=seconds), receive_count=1)

    assert decision is not None
    assert decision.kind == FailureKind.PERMANENT
    assert decision.retry_after_seconds is None
    assert decision.reason.startswith(f"HTTP {status} (Retry-After {float(seconds):g} s")
    assert decision.reason.endswith("the next run tries again")


def test_429_without_retry_after_is_blocked():
    assert classify_failure(response(429)) == blocked("blocked page (http_429, HTTP 429)")


def test_429_captcha_page_is_blocked_even_with_retry_after():
    decision = classify_failure(response(429, CAPTCHA_PAGE, Retry_After="60"))
    assert decision is not None
    assert decision.kind == FailureKind.BLOCKED


def test_403_is_blocked():
    assert classify_failure(response(403)) == blocked("blocked page (http_403, HTTP 403)")


def test_a_captcha_page_served_with_200_is_blocked_not_read():
    decision = classify_failure(response(200, CAPTCHA_PAGE))
    assert decision == blocked("blocked page (captcha, HTTP 200)")


def test_a_product_page_mentioning_a_captcha_is_not_blocked():
    page = PRODUCT_PAGE + '<div class="g-recaptcha"></div>'
    assert classify_failure(response(200, page)) is None


def test_a_huge_retry_after_that_overflows_is_ignored_for_the_backoff():
    assert transient("HTTP 503", 1, float("inf")).retry_after_seconds == 30


@pytest.mark.parametrize(
    ("attributes", "count"),
    [
        ({"ApproximateReceiveCount": "3"}, 3),
        ({}, 1),
        ({"ApproximateReceiveCount": "zero"}, 1),
        ({"ApproximateReceiveCount": "0"}, 1),
    ],
)
def test_receive_count_is_read_from_the_record_attributes(attributes, count):
    assert receive_count_of(attributes) == count
