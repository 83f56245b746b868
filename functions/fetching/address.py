"""Which URLs the fetcher may connect to, and at which IP addresses.

The rule: http(s) only, no credentials in the URL, and every address the host stands for must
be public. Hosts listed in ``allowed_hosts`` (configuration; how the local stack reaches its
site on 127.0.0.1) skip the address rule and nothing else does.

``check_url`` returns the vetted addresses; the transport connects to exactly those, so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot redirect us.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fetching.errors import FetchDNSError, UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]

ALLOWED_SCHEMES = {"http": 80, "https": 443}

# Cloud instance-metadata endpoints: AWS (v4 and v6), Alibaba. All are inside ranges refused
# anyway; listed so the intent survives any change to what ipaddress calls "global".
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)

_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        # Shared address space (carrier-grade NAT); ipaddress calls it neither private nor global.
        "100.64.0.0/10",
        # IPv6 prefixes that embed an IPv4 address: IPv4-compatible, IPv4-mapped, NAT64
        # (well-known and local-use), 6to4, Teredo. Retailers are not reached through them and
        # they can smuggle a private IPv4 target, so they are refused wholesale.
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "2001::/32",
        # Deprecated site-local IPv6, the old equivalent of RFC 1918.
        "fec0::/10",
    )
)

# A URL path or query keeps its reserved characters and existing %-escapes; anything else
# (spaces, non-ASCII) is %-encoded so http.client can send it.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
# WHATWG URL rule: a host whose last label is a number is an IPv4 address. Anything of that
# shape that is not canonical dotted-quad (0x7f000001, 2130706433, 127.1, 0177.0.0.1) is refused.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class ParsedURL:
    """An http(s) URL taken apart, with its host in canonical ASCII form."""

    url: str
    scheme: str
    host: str  # lower-case ASCII (IDNA), no trailing dot; IPv6 without brackets
    port: int  # explicit or the scheme's default
    request_target: str  # path and query as sent on the request line
    ip: IPAddress | None  # set when the host is an IP literal


@dataclass(frozen=True)
class SafeTarget:
    """A URL that passed the checks, and the addresses it may be fetched from."""

    parsed: ParsedURL
    addresses: tuple[str, ...]


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address we may fetch from."""
    if ip in METADATA_ADDRESSES:
        return False
    if any(ip.version == net.version and ip in net for net in _REFUSED_NETWORKS):
        return False
    # Each property is checked on its own: what "is_global" covers differs between Python
    # versions, and a missed range here is an SSRF hole.
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def canonical_host(host: str) -> str:
    """Lower-case ASCII form of a host name, or the compressed form of an IP literal.

    Raises ValueError for anything that is not a well-formed host name. IDNA (with its
    NFKC-style mapping) runs first, so full-width digits and ideographic dots cannot hide an
    IP address or "localhost" from the checks that follow.
    """
    if not host:
        raise ValueError("empty host")
    if ":" in host:
        return _ipv6_literal(host).compressed
    if "%" in host:
        raise ValueError("percent-encoded host")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid host name ({exc})") from None
    if ascii_host.endswith("."):
        ascii_host = ascii_host[:-1]  # one trailing dot is the DNS root, same host
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("invalid host name")
    try:
        return str(ipaddress.IPv4Address(ascii_host))
    except ValueError:
        pass
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise ValueError("non-canonical numeric host")
    return ascii_host


def parse_http_url(url: str) -> ParsedURL:
    """Take apart an absolute http(s) URL, refusing anything ambiguous.

    Raises UnsafeURLError; never connects or resolves.
    """
    if not isinstance(url, str) or not url:
        raise UnsafeURLError(repr(url), "not a URL")
    # urlsplit silently strips or drops some of these; refuse rather than guess.
    if _CONTROL_OR_SPACE.search(url) or "\\" in url:
        raise UnsafeURLError(url, "URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(url, f"malformed URL ({exc})") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURLError(url, "only http and https URLs are fetched")
    if not parts.netloc or not parts.hostname:
        raise UnsafeURLError(url, "URL has no host")
    if "@" in parts.netloc:
        # Credentials are never needed for a product page, and "good.com@127.0.0.1" tricks
        # humans and parsers alike; refusing is simpler than being sure which host is real.
        raise UnsafeURLError(url, "URL carries credentials")
    if port == 0:
        raise UnsafeURLError(url, "port 0")
    ip: IPAddress | None
    try:
        if parts.netloc.startswith("["):
            ip = _ipv6_literal(parts.hostname)
            host = ip.compressed
        else:
            host = canonical_host(parts.hostname)
            ip = _ipv4_or_none(host)
        target = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    except ValueError as exc:  # includes UnicodeError from lone surrogates
        raise UnsafeURLError(url, f"bad host or path ({exc})") from None
    return ParsedURL(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port or ALLOWED_SCHEMES[parts.scheme],
        request_target=target,
        ip=ip,
    )


class AllowedHosts:
    """Configured exceptions to the address rule: ``host`` or ``host:port`` entries."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        if isinstance(entries, str):  # a bare string would be iterated per character
            entries = (entries,)
        self._entries = frozenset(_parse_allowed_entry(entry) for entry in entries)

    def permits(self, host: str, port: int) -> bool:
        """True when the canonical ``host`` (and ``port``, if the entry names one) is listed."""
        return (host, port) in self._entries or (host, None) in self._entries


def resolve_host(host: str) -> list[str]:
    """Default resolver: every address getaddrinfo gives for ``host``, in its order."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(
    url: str,
    *,
    allowed_hosts: Iterable[str] | AllowedHosts = (),
    resolver: Resolver | None = None,
) -> SafeTarget:
    """Vet ``url`` and return the addresses it may be fetched from.

    Raises UnsafeURLError when the URL or any address its host resolves to is refused, and
    FetchDNSError when the host does not resolve. Makes no connection.
    """
    parsed = parse_http_url(url)
    allowed = (
        allowed_hosts if isinstance(allowed_hosts, AllowedHosts) else AllowedHosts(allowed_hosts)
    )
    if allowed.permits(parsed.host, parsed.port):
        addresses = (parsed.ip,) if parsed.ip else _resolve(parsed, resolver)
        return SafeTarget(parsed, tuple(str(address) for address in addresses))
    if parsed.host == "localhost" or parsed.host.endswith(".localhost"):
        # RFC 6761: these names are loopback whatever DNS says.
        raise UnsafeURLError(url, "localhost is not fetched")
    if parsed.ip is not None:
        if not is_public_address(parsed.ip):
            raise UnsafeURLError(url, f"address {parsed.ip} is not public")
        return SafeTarget(parsed, (str(parsed.ip),))
    addresses = _resolve(parsed, resolver)
    for address in addresses:
        # Every address must pass: which one a connection would use is not ours to predict.
        if not is_public_address(address):
            raise UnsafeURLError(url, f"{parsed.host} resolves to non-public address {address}")
    return SafeTarget(parsed, tuple(str(address) for address in addresses))


def _resolve(parsed: ParsedURL, resolver: Resolver | None) -> tuple[IPAddress, ...]:
    try:
        answers = (resolver or resolve_host)(parsed.host)
    except (OSError, UnicodeError) as exc:
        raise FetchDNSError(parsed.url, f"cannot resolve {parsed.host} ({exc})") from exc
    if not answers:
        raise FetchDNSError(parsed.url, f"{parsed.host} has no addresses")
    try:
        # Only IP addresses: a name here would be resolved again when connecting.
        return tuple(dict.fromkeys(ipaddress.ip_address(answer) for answer in answers))
    except ValueError:
        raise UnsafeURLError(parsed.url, f"resolver returned a non-address {answers!r}") from None


def _ipv6_literal(text: str) -> ipaddress.IPv6Address:
    if "%" in text:
        raise ValueError("scoped IPv6 addresses are link-local")
    return ipaddress.IPv6Address(text)


def _ipv4_or_none(host: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        return None


def _parse_allowed_entry(entry: str) -> tuple[str, int | None]:
    """``"host"``, ``"host:port"``, ``"[v6]"``, ``"[v6]:port"`` or a bare IPv6 address."""
    text = entry.strip()
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"invalid allowed_hosts entry {entry!r}")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    try:
        port = int(port_text) if port_text else None
        if port is not None and not 0 < port < 65536:
            raise ValueError("port out of range")
        return canonical_host(host), port
    except ValueError as exc:
        raise ValueError(f"invalid allowed_hosts entry {entry!r}: {exc}") from None
