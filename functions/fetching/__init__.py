"""Safe, polite page fetching for the scraper (standard library only).

``fetch_page`` refuses anything but http(s) URLs to public addresses (unless a host is allowed
by configuration), pins connections to the vetted addresses, caps time and size, follows
redirects by hand through the same checks, and optionally honours robots.txt.
"""

from fetching.address import (
    AllowedHosts,
    SafeTarget,
    check_url,
    is_public_address,
    parse_http_url,
    resolve_host,
)
from fetching.client import (
    DEFAULT_PRODUCT,
    fetch_page,
    request_headers,
    user_agent_header,
)
from fetching.decoding import decode_body, decode_text, decompress_body, detect_charset
from fetching.errors import (
    ContentEncodingError,
    DisallowedByRobots,
    FetchConnectionError,
    FetchDNSError,
    FetchError,
    FetchNetworkError,
    FetchProtocolError,
    FetchTimeout,
    FetchTLSError,
    TooManyRedirects,
    UnsafeURLError,
)
from fetching.headers import Headers, retry_after_seconds
from fetching.response import FetchResult
from fetching.robots import PRODUCT_TOKEN, RobotsPolicy, RobotsRules

__all__ = [
    "DEFAULT_PRODUCT",
    "PRODUCT_TOKEN",
    "AllowedHosts",
    "ContentEncodingError",
    "DisallowedByRobots",
    "FetchConnectionError",
    "FetchDNSError",
    "FetchError",
    "FetchNetworkError",
    "FetchProtocolError",
    "FetchResult",
    "FetchTLSError",
    "FetchTimeout",
    "Headers",
    "RobotsPolicy",
    "RobotsRules",
    "SafeTarget",
    "TooManyRedirects",
    "UnsafeURLError",
    "check_url",
    "decode_body",
    "decode_text",
    "decompress_body",
    "detect_charset",
    "fetch_page",
    "is_public_address",
    "parse_http_url",
    "request_headers",
    "resolve_host",
    "retry_after_seconds",
    "user_agent_header",
]
