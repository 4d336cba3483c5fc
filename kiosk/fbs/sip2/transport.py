"""How SIP2 lines travel: raw TCP (optionally TLS) or FBS's HTTPS XML envelope.

Both implement :class:`Sip2Transport`: ``exchange`` sends one line and returns the reply line
(without CR) as a :class:`ReceivedLine`, which also carries the bytes its checksum covers, as
received. Failures are :class:`Sip2TransportError` with an ``FbsErrorReason`` value; a reply
that is not even a line (undecodable, endless) is a :class:`Sip2ProtocolError`. Neither class is
thread-safe: the adapter serialises calls with its lock.

The envelope's checksum character set is an open question (FBS's SIP2 profile is not public,
and the recorded envelope traffic carries no AY/AZ): ``checksum_encoding`` (configuration
``fbs.sip2.envelope_checksum_encoding``, default UTF-8, the envelope's own encoding, so the sum
is over the reply's bytes as they came) is what we send and what we check first. A reply whose
checksum matches in another plausible set (cp850, the SIP2 default; Latin-1, a Java server summing
its characters) is accepted, since over HTTPS TLS already guards the bytes and a title's
characters must never fail a login, and the log names the set to configure.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import socket
import ssl
from typing import Protocol
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from kiosk.fbs.sip2.codec import checksum
from kiosk.fbs.sip2.errors import Sip2ProtocolError, Sip2TransportError

log = logging.getLogger(__name__)

#: A reply longer than this is not SIP2 (the standard's fields are ≤ 255 bytes each).
MAX_LINE_BYTES = 64 * 1024
ENVELOPE_NS = "http://axiell.com/Schema/sip.xsd"
#: The envelope's checksum is tried in these too when the configured set does not match.
ENVELOPE_CHECKSUM_CANDIDATES = ("utf-8", "cp850", "latin-1")
_HEX = frozenset("0123456789ABCDEFabcdef")


class ReceivedLine(str):
    """A reply line, and ``raw``: the bytes its ``AZ`` checksum covers, as they were received."""

    raw: bytes

    def __new__(cls, text: str, raw: bytes) -> ReceivedLine:
        line = super().__new__(cls, text)
        line.raw = raw
        return line


class Sip2Transport(Protocol):
    #: True when the server expects a 93 Login on each new connection (raw TCP).
    needs_login: bool
    #: Increases with every new connection, so the adapter knows when to log in again.
    generation: int
    #: The character set of the checksums sent (and of those received, unless a reply is a
    #: :class:`ReceivedLine` with its bytes). A transport without it: ``fbs.sip2.encoding``.
    checksum_encoding: str

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
        self.checksum_encoding = encoding  # the line's own bytes
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
        raw = buffer[:end]
        try:
            return ReceivedLine(raw.decode(self.encoding), raw)
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
    Checksums: see the module's docstring (``checksum_encoding``).
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
        checksum_encoding: str = "utf-8",
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.verify = verify
        codecs.lookup(checksum_encoding)  # LookupError now, not at the first reply
        self.checksum_encoding = checksum_encoding
        self._named: set[str] = set()  # character sets the log has already named
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
        text = parse_envelope_reply(reply.content)
        return ReceivedLine(text, self._checked_bytes(text))

    def _checked_bytes(self, text: str) -> bytes:
        """The reply's bytes in the configured set, or in the first plausible one its checksum
        matches (logged once per set); the configured ones again when none does (garbled)."""
        configured = text.encode(self.checksum_encoding, errors="replace")
        if len(text) < 6 or text[-6:-4] != "AZ" or not set(text[-4:]) <= _HEX:
            return configured
        want = text[-4:].upper()
        if checksum(configured[:-4]) == want:
            return configured
        for encoding in ENVELOPE_CHECKSUM_CANDIDATES:
            data = text.encode(encoding, errors="replace")
            if encoding != self.checksum_encoding and checksum(data[:-4]) == want:
                if encoding not in self._named:
                    self._named.add(encoding)
                    log.warning(
                        "FBS's envelope checksum is over %s, not %s: set "
                        "fbs.sip2.envelope_checksum_encoding = %r",
                        encoding,
                        self.checksum_encoding,
                        encoding,
                    )
                return data
        return configured

    def close(self) -> None:
        self._session.close()


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def parse_envelope_reply(content: bytes) -> str:
    """The SIP2 line in ``<response>``, or a :class:`Sip2TransportError` for ``<error>``.

    The XML comes over the network: it is parsed with defusedxml, and a reply with a DTD (FBS
    sends none) is refused before any entity could be expanded or fetched."""
    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise Sip2ProtocolError(f"envelope reply refused: {type(exc).__name__} (DTD)") from None
    except ParseError as exc:
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
