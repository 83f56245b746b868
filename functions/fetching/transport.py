"""HTTP connections pinned to vetted IP addresses, with one deadline for everything.

http.client would resolve the host name again when connecting, which is the window DNS
rebinding uses. These connections instead connect to the addresses ``check_url`` approved,
while the Host header and TLS (SNI and certificate check) still use the URL's host name.

Every socket operation (connect, TLS handshake, each send and receive) gets a timeout of
whatever is left until the deadline, so a server dripping one byte at a time cannot stretch
a fetch past its budget.

Through a forward proxy, an http target is a plain connection to the proxy's vetted
addresses (the client sends the request in absolute form); an https target is a
``TunnelledHTTPSConnection``: TCP to the proxy, ``CONNECT host:port``, then TLS to the
target inside the tunnel, SNI and certificate checked for the target's host name.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import ssl
from collections.abc import Mapping, Sequence
from functools import cache

from fetching.deadline import Deadline


@cache
def tls_context() -> ssl.SSLContext:
    """Certificate-verifying client context, built once (loading the CA store is slow)."""
    return ssl.create_default_context()


class _DeadlineSocket:
    """The socket interface http.client uses, each call bounded by the deadline.

    Like a real socket, the descriptor stays open until both the connection and the response
    reader made by makefile() are closed: http.client closes its side first.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline
        self._open_readers = 0
        self._closed = False

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def recv_into(self, buffer: memoryview) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        self._open_readers += 1
        return io.BufferedReader(_SocketReader(self))

    def close(self) -> None:
        self._closed = True
        self._close_when_unused()

    def reader_closed(self) -> None:
        self._open_readers -= 1
        self._close_when_unused()

    def _close_when_unused(self) -> None:
        if self._closed and self._open_readers == 0:
            self._sock.close()


class _SocketReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    # RawIOBase declares any buffer (collections.abc.Buffer, a 3.12 name); io.BufferedReader,
    # the only caller, passes a memoryview, as typeshed's _BufferedReaderStream states.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.reader_closed()
        super().close()


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain-HTTP connection to the first reachable address of ``addresses``."""

    def __init__(self, host: str, port: int, addresses: Sequence[str], deadline: Deadline) -> None:
        super().__init__(host, port)
        self._addresses = tuple(addresses)
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = _DeadlineSocket(self._open_socket(), self._deadline)

    def _open_socket(self) -> socket.socket:
        return self._connect_to(self.port)

    def _connect_to(self, port: int) -> socket.socket:
        # Like socket.create_connection, but over the vetted addresses only.
        last_error: OSError | None = None
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, port), timeout=self._deadline.remaining())
            except TimeoutError:
                raise  # the budget is spent; trying the next address cannot help
            except OSError as exc:
                last_error = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        raise last_error or OSError("no address to connect to")


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """TLS connection to a vetted address, verifying the certificate for ``host``."""

    default_port = 443  # so the Host header omits ":443", as for any https client

    def connect(self) -> None:
        sock = self._open_socket()
        try:
            sock.settimeout(self._deadline.remaining())
            tls = tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = _DeadlineSocket(tls, self._deadline)


# The proxy's answer to CONNECT: a status line and headers, nothing more, before TLS starts.
_MAX_TUNNEL_REPLY_BYTES = 16 * 1024
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([0-9]{3})(?: ([^\r\n]*))?")


class TunnelRefused(OSError):
    """The proxy answered CONNECT with ``status`` (not 2xx); ``reason`` is its own text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"proxy answered CONNECT with {status} {reason}".strip())
        self.status = status
        self.reason = reason


class TunnelledHTTPSConnection(PinnedHTTPSConnection):
    """TLS to ``host`` through a CONNECT tunnel opened by a proxy at ``proxy_addresses``.

    ``host``/``port`` are the target's (CONNECT authority, Host header, SNI, certificate);
    TCP goes to ``proxy_port`` on the proxy's vetted addresses only. ``connect_headers``
    (Proxy-Authorization) go on the CONNECT request and never inside the tunnel.
    """

    def __init__(
        self,
        host: str,
        port: int,
        proxy_addresses: Sequence[str],
        proxy_port: int,
        deadline: Deadline,
        connect_headers: Mapping[str, str],
    ) -> None:
        super().__init__(host, port, proxy_addresses, deadline)
        self._proxy_port = proxy_port
        self._connect_headers = dict(connect_headers)

    def _open_socket(self) -> socket.socket:
        sock = self._connect_to(self._proxy_port)
        try:
            self._open_tunnel(sock)
        except BaseException:
            sock.close()
            raise
        return sock

    def _open_tunnel(self, sock: socket.socket) -> None:
        authority = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        lines += [f"{name}: {value}" for name, value in self._connect_headers.items()]
        sock.settimeout(self._deadline.remaining())
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        status, reason, rest = self._read_tunnel_reply(sock)
        if not 200 <= status < 300:
            raise TunnelRefused(status, reason)
        if rest:
            # TLS starts with our ClientHello; a proxy sending anything first is broken.
            raise http.client.HTTPException("proxy sent data after its CONNECT answer")

    def _read_tunnel_reply(self, sock: socket.socket) -> tuple[int, str, bytes]:
        """The status, reason and any bytes after the headers of the proxy's answer."""
        received = b""
        while b"\r\n\r\n" not in received:
            if len(received) > _MAX_TUNNEL_REPLY_BYTES:
                raise http.client.HTTPException("proxy's answer to CONNECT is too long")
            sock.settimeout(self._deadline.remaining())
            # Small reads: whatever follows the headers would belong to the tunnel.
            chunk = sock.recv(1024)
            if not chunk:
                raise http.client.RemoteDisconnected("proxy closed the connection on CONNECT")
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        match = _STATUS_LINE.fullmatch(head.split(b"\r\n", 1)[0])
        if match is None:
            raise http.client.BadStatusLine("proxy's answer to CONNECT is not HTTP/1.x")
        reason = (match.group(2) or b"").decode("latin-1")
        return int(match.group(1)), reason, rest
