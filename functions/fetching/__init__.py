"""Safe, polite page fetching for the scraper (standard library only).

``fetch_page`` refuses anything but http(s) URLs to public addresses (unless a host is allowed
by configuration), pins connections to the vetted addresses, caps time and size, follows
redirects by hand through the same checks, and optionally honours robots.txt.
``fetch_resource`` is the same guarded request for what a rendered page asks for (GET, HEAD
or POST, bytes back, no redirect followed).
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
    RESOURCE_METHODS,
    fetch_page,
    fetch_resource,
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
from fetching.response import FetchedResource, FetchResult
from fetching.robots import PRODUCT_TOKEN, RobotsPolicy, RobotsRules

__all__ = [
    "DEFAULT_PRODUCT",
    "PRODUCT_TOKEN",
    "RESOURCE_METHODS",
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
    "FetchedResource",
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
    "fetch_resource",
    "is_public_address",
    "parse_http_url",
    "request_headers",
    "resolve_host",
    "retry_after_seconds",
    "user_agent_header",
]
