"""An HTTP forward proxy that fetches of one retailer go through, and its credentials.

``Proxy.from_url`` reads ``http://[user[:password]@]host:port`` (userinfo %-decoded). The
credentials are secret, the user name too (some proxy services take an API key as the user
name and no password): ``str``/``repr`` show ``http://***@host:port``, and no error message
quotes the URL it was given (a malformed URL's fragments may be the password).
Only ``http`` proxies, what proxy services offer: the Basic credentials cross the network to
the proxy in clear (docs/architecture.md, "Proxies and SSRF"); https targets stay end to
end encrypted inside the tunnel.

How fetches use it (``fetching.client``): https targets through a CONNECT tunnel to the
vetted target (TLS to the target inside it), http targets as absolute-form requests; the
proxy's own host is vetted like a target (public unless allowed).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from fetching.address import canonical_host

REDACTED = "***"
_SCHEME = "http"


@dataclass(frozen=True, repr=False)
class Proxy:
    """A forward proxy's address and optional Basic credentials."""

    host: str  # canonical (lower-case ASCII, IPv6 without brackets)
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Proxy:
        """Parse ``http://[user[:password]@]host:port``; ValueError (never quoting it) if not."""
        if not isinstance(url, str):
            raise ValueError("a proxy URL must be text")
        text = url.strip()
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text) or "\\" in text:
            raise ValueError("a proxy URL must not contain spaces, control characters or '\\'")
        parts, port = _split(text)
        if parts.scheme.lower() != _SCHEME:
            raise ValueError("a proxy URL must start with http:// (only HTTP proxies are used)")
        if not parts.hostname:
            raise ValueError("a proxy URL needs a host")
        if port is None or port == 0:
            raise ValueError("a proxy URL needs a port (http://host:port)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            # Also what an unencoded '/', '?' or '#' in a password looks like.
            raise ValueError(
                "a proxy URL has no path, query or fragment"
                " (%-encode '/', '?' and '#' in credentials)"
            )
        host = _host(parts.hostname)
        username = _userinfo(parts.username)
        if username is not None and ":" in username:
            raise ValueError("a proxy user name must not contain ':' (RFC 7617)")
        return cls(host, port, username, _userinfo(parts.password))

    @property
    def authority(self) -> str:
        """``host:port``, IPv6 in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def vetting_url(self) -> str:
        """The proxy as a credential-free URL, for the address checks of ``check_url``."""
        return f"{_SCHEME}://{self.authority}/"

    def request_headers(self) -> dict[str, str]:
        """``Proxy-Authorization: Basic`` when the proxy has credentials, else nothing."""
        if self.username is None:
            return {}
        return {"Proxy-Authorization": f"Basic {self._basic_token()}"}

    def redact(self, text: str) -> str:
        """``text`` with the credentials and their Basic token masked (for text a proxy sent)."""
        if self.username is None:
            return text
        for secret in (self._basic_token(), self.password, self.username):
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def _basic_token(self) -> str:
        credentials = f"{self.username}:{self.password or ''}"
        return base64.b64encode(credentials.encode("utf-8")).decode("ascii")

    def __str__(self) -> str:
        if self.username is None:
            return f"{_SCHEME}://{self.authority}"
        return f"{_SCHEME}://{REDACTED}@{self.authority}"

    def __repr__(self) -> str:
        return f"Proxy({str(self)!r})"


# Each helper raises its own ValueError outside the ``except`` that caught the library's, so
# the library's message (which may quote part of a password) is not even its __context__.


def _split(text: str) -> tuple[SplitResult, int | None]:
    try:
        parts = urlsplit(text)
        return parts, parts.port
    except ValueError:
        pass
    raise ValueError("malformed proxy URL (bad host or port)")


def _host(hostname: str) -> str:
    try:
        return canonical_host(hostname)
    except ValueError:
        pass
    raise ValueError("a proxy URL's host is not a valid host name or address")


def _userinfo(text: str | None) -> str | None:
    """A %-decoded user name or password, which must be printable UTF-8."""
    if text is None:
        return None
    try:
        decoded: str | None = unquote(text, errors="strict")
    except UnicodeDecodeError:
        decoded = None
    if decoded is None:
        raise ValueError("a proxy URL's credentials are not %-encoded UTF-8")
    if not decoded.isprintable():
        raise ValueError("a proxy URL's credentials must be printable")
    return decoded
