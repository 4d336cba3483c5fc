"""How SIP2 lines travel: raw TCP (optionally TLS) or FBS's HTTPS XML envelope.

Both implement :class:`Sip2Transport`: ``exchange`` sends one line and returns the reply line
(without CR). Failures are :class:`Sip2TransportError` with an ``FbsErrorReason`` value; a reply
that is not even a line (undecodable, endless) is a :class:`Sip2ProtocolError`. Neither class is
thread-safe: the adapter serialises calls with its lock.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import xml.etree.ElementTree as ET
from typing import Protocol
from xml.sax.saxutils import escape

import requests

from kiosk.fbs.sip2.errors import Sip2ProtocolError, Sip2TransportError

#: A reply longer than this is not SIP2 (the standard's fields are ≤ 255 bytes each).
MAX_LINE_BYTES = 64 * 1024
ENVELOPE_NS = "http://axiell.com/Schema/sip.xsd"


class Sip2Transport(Protocol):
    #: True when the server expects a 93 Login on each new connection (raw TCP).
    needs_login: bool
    #: Increases with every new connection, so the adapter knows when to log in again.
    generation: int

    @property
    def connected(self) -> bool: ...

    def exchange(self, line: str) -> str: ...

    def close(self) -> None: ...


class StaleConnectionError(Sip2TransportError):
    """A connection that had been used before failed: the server may have closed it while idle.

    Repeating a read-only request on a new connection is safe."""


class TcpTransport:
    """One persistent TCP (or TLS) connection; reconnects on the next exchange after a drop."""

    needs_login = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout_s: float = 10.0,
        encoding: str = "cp850",
        tls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.timeout_s = timeout_s
        self.encoding = encoding
        self._ssl = (ssl_context or ssl.create_default_context()) if tls else None
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._used = False
        self.generation = 0

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except TimeoutError:
            raise Sip2TransportError(
                "timeout", f"connect to {self.host}:{self.port} timed out"
            ) from None
        except OSError as exc:
            raise Sip2TransportError(
                "unavailable", f"cannot connect to {self.host}:{self.port}: {exc}"
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._ssl is not None:
            try:
                sock = self._ssl.wrap_socket(sock, server_hostname=self.host)
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                raise Sip2TransportError("unavailable", f"TLS handshake failed: {exc}") from None
        self._sock, self._buffer, self._used = sock, b"", False
        self.generation += 1
        return sock

    def exchange(self, line: str) -> str:
        try:
            data = line.encode(self.encoding) + b"\r"
        except UnicodeEncodeError as exc:
            raise Sip2ProtocolError(f"message cannot be sent in {self.encoding}: {exc}") from None
        sock = self._sock or self._connect()
        reused = self._used
        self._used = True
        try:
            sock.sendall(data)
            return self._read_line(sock)
        except TimeoutError:
            self.close()
            raise Sip2TransportError("timeout", f"no reply within {self.timeout_s} s") from None
        except (OSError, EOFError) as exc:
            self.close()
            kind = StaleConnectionError if reused else Sip2TransportError
            raise kind("unavailable", f"connection lost: {exc or 'closed by server'}") from None
        except Sip2ProtocolError:
            self.close()
            raise

    def _read_line(self, sock: socket.socket) -> str:
        buffer = self._buffer.lstrip(b"\n")
        while (end := buffer.find(b"\r")) < 0:
            if len(buffer) > MAX_LINE_BYTES:
                raise Sip2ProtocolError("reply exceeds the maximum line length")
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("closed by server")
            buffer = (buffer + chunk).lstrip(b"\n")
        self._buffer = buffer[end + 1 :]
        try:
            return buffer[:end].decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise Sip2ProtocolError(f"reply is not {self.encoding}: {exc}") from None

    def close(self) -> None:
        sock, self._sock, self._buffer = self._sock, None, b""
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


class HttpsEnvelopeTransport:
    """FBS's SIP2-over-HTTPS: each line POSTed in an XML envelope carrying the credentials.

    No 93 Login is sent on this transport; the envelope is UTF-8 and its text XML-escaped.
    """

    needs_login = False
    generation = 1
    connected = True

    def __init__(
        self,
        url: str,
        login: str,
        password: str,
        *,
        timeout_s: float = 10.0,
        verify: bool | str = True,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.verify = verify
        self._session = session or requests.Session()
        self._head = (
            f'<ns1:sip password="{_attr(password)}" login="{_attr(login)}" '
            f'xmlns:ns1="{ENVELOPE_NS}"><request>'
        )

    def envelope(self, line: str) -> bytes:
        return (self._head + escape(line) + "</request></ns1:sip>").encode("utf-8")

    def exchange(self, line: str) -> str:
        try:
            reply = self._session.post(
                self.url,
                data=self.envelope(line),
                headers={"Content-Type": "application/xml"},
                timeout=self.timeout_s,
                verify=self.verify,
            )
        except requests.Timeout:
            raise Sip2TransportError("timeout", f"no reply within {self.timeout_s} s") from None
        except requests.RequestException as exc:
            raise Sip2TransportError("unavailable", f"HTTPS request failed: {exc}") from None
        if reply.status_code in (401, 403):
            raise Sip2TransportError("client_auth", f"HTTP {reply.status_code}")
        if reply.status_code >= 500:
            raise Sip2TransportError("unavailable", f"HTTP {reply.status_code}")
        if reply.status_code != 200:
            raise Sip2TransportError("protocol", f"HTTP {reply.status_code}")
        return parse_envelope_reply(reply.content)

    def close(self) -> None:
        self._session.close()


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def parse_envelope_reply(content: bytes) -> str:
    """The SIP2 line in ``<response>``, or a :class:`Sip2TransportError` for ``<error>``."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise Sip2ProtocolError(f"envelope reply is not XML: {exc}") from None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag == "response":
            return (element.text or "").rstrip("\r\n")
        if tag == "error":
            text = (element.text or "").strip()
            upper = text.upper()
            reason = "client_auth" if ("LOGIN" in upper or "PASSWORD" in upper) else "protocol"
            raise Sip2TransportError(reason, f"FBS envelope error: {text}")
    raise Sip2ProtocolError("envelope reply has neither <response> nor <error>")
