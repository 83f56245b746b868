"""Safe, polite page fetching for the scraper (standard library only).

``fetch_page`` refuses anything but http(s) URLs to public addresses (unless a host is allowed
by configuration), pins connections to the vetted addresses, caps time and size, follows
redirects by hand through the same checks, and optionally honours robots.txt. Either may go
through an HTTP forward proxy (``Proxy``), whose own address is checked too.
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
    FetchProxyError,
    FetchTimeout,
    FetchTLSError,
    TooManyRedirects,
    UnsafeProxyError,
    UnsafeURLError,
)
from fetching.headers import Headers, retry_after_seconds
from fetching.proxy import Proxy
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
    "FetchProxyError",
    "FetchResult",
    "FetchTLSError",
    "FetchTimeout",
    "FetchedResource",
    "Headers",
    "Proxy",
    "RobotsPolicy",
    "RobotsRules",
    "SafeTarget",
    "TooManyRedirects",
    "UnsafeProxyError",
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
