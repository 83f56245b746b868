"""HTTP connections pinned to vetted IP addresses, with one deadline for everything.

http.client would resolve the host name again when connecting, which is the window DNS
rebinding uses. These connections instead connect to the addresses ``check_url`` approved,
while the Host header and TLS (SNI and certificate check) still use the URL's host name.

Every socket operation (connect, TLS handshake, each send and receive) gets a timeout of
whatever is left until the deadline, so a server dripping one byte at a time cannot stretch
a fetch past its budget.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
from collections.abc import Sequence
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
        # Like socket.create_connection, but over the vetted addresses only.
        last_error: OSError | None = None
        for address in self._addresses:
            try:
                sock = socket.create_connection(
                    (address, self.port), timeout=self._deadline.remaining()
                )
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
