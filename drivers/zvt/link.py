"""The two ZVT transports behind one interface: framed serial (RS-232/USB, ACK/NAK bytes, resend on
NAK) and TCP (port 20007, bare APDUs). Both open a pyserial URL, so a path, ``/dev/serial/by-id/…``
or ``socket://host:port`` all go through the real pyserial open/read/write path.
"""

from __future__ import annotations

import contextlib
import logging
import termios
import time
from abc import ABC, abstractmethod

import serial

from drivers.zvt.apdu import Apdu, apdu_header_size, decode_apdu, encode_apdu
from drivers.zvt.errors import ZvtLinkLost, ZvtProtocolError, ZvtTimeout
from drivers.zvt.frame import ACK, NAK, BadFrame, FrameQueue, encode_frame

log = logging.getLogger(__name__)


#: what a port can raise when its device goes away mid-call; ``flush()`` raises termios.error
#: (not an OSError) when the pty or USB adapter vanishes under ``tcdrain``
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class ZvtNakLimit(ZvtProtocolError):
    """The terminal refused a frame with NAK more often than we resend: it did not take it."""


class ZvtLink(ABC):
    def __init__(self, url: str, baudrate: int = 9600) -> None:
        self.url = url
        self.baudrate = baudrate
        self._port: serial.SerialBase | None = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    @abstractmethod
    def _make_port(self) -> serial.SerialBase: ...

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = self._make_port()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ZvtLinkLost(f"cannot open {self.url}: {exc}") from exc
        self._reset_state()

    def _reset_state(self) -> None:  # noqa: B027 - optional hook
        pass

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _require(self) -> serial.SerialBase:
        if self._port is None:
            raise ZvtLinkLost(f"{self.url} is not open")
        return self._port

    def _write(self, data: bytes) -> None:
        port = self._require()
        try:
            port.write(data)
            port.flush()
        except _PORT_ERRORS as exc:
            self.close()
            raise ZvtLinkLost(f"write to {self.url} failed: {exc}") from exc

    def _read(self, timeout: float) -> bytes:
        """At least one byte, or ``b""`` after ``timeout`` seconds."""
        port = self._require()
        try:
            port.timeout = max(timeout, 0.0)
            data = port.read(1)
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)
            return data
        except _PORT_ERRORS as exc:
            self.close()
            raise ZvtLinkLost(f"read from {self.url} failed: {exc}") from exc

    def discard_input(self) -> None:
        """Drop whatever is waiting (stale bytes before a new command)."""
        port = self._require()
        try:
            port.reset_input_buffer()
        except _PORT_ERRORS as exc:
            self.close()
            raise ZvtLinkLost(str(exc)) from exc
        self._reset_state()

    @abstractmethod
    def send(self, apdu: Apdu) -> None:
        """Deliver one APDU to the terminal (serial: until it answers ACK)."""

    @abstractmethod
    def receive(self, timeout: float) -> Apdu:
        """The next APDU from the terminal; :class:`ZvtTimeout` if none arrives in time."""


class FramedSerialLink(ZvtLink):
    """ZVT over RS-232: ``DLE STX … DLE ETX CRC`` frames, each answered with one ACK or NAK
    byte and resent on NAK."""

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        *,
        inter_byte_timeout: float = 0.2,
        ack_timeout: float = 5.0,
        max_resends: int = 3,
    ) -> None:
        super().__init__(url, baudrate)
        self.inter_byte_timeout = inter_byte_timeout
        self.ack_timeout = ack_timeout
        self.max_resends = max_resends
        self._incoming = FrameQueue()
        self.stats = {"garbage_bytes": 0, "bad_frames": 0, "naks_received": 0}

    def _make_port(self) -> serial.SerialBase:
        port = serial.serial_for_url(self.url, do_not_open=True)
        port.baudrate = self.baudrate
        port.bytesize = serial.EIGHTBITS
        port.parity = serial.PARITY_NONE
        port.stopbits = serial.STOPBITS_TWO
        port.timeout = 0
        port.open()
        return port

    def _reset_state(self) -> None:
        self._incoming.clear()

    def _pump(self, deadline: float) -> list[int]:
        """Read once (up to the deadline); queue whole frames, NAK broken ones; return ACK/NAKs."""
        decoder = self._incoming.decoder
        remaining = deadline - time.monotonic()
        wait = min(remaining, self.inter_byte_timeout) if decoder.busy else remaining
        data = self._read(max(wait, 0.0))
        if not data:
            if decoder.busy and wait < remaining:
                decoder.reset()
                self.stats["bad_frames"] += 1
                log.warning("ZVT: frame from %s broken off (inter-byte timeout)", self.url)
            return []
        controls, problems = self._incoming.feed(data)
        for problem in problems:
            if isinstance(problem, BadFrame):
                self.stats["bad_frames"] += 1
                log.warning("ZVT: bad frame from %s (%s), sent NAK", self.url, problem.reason)
                self._write(bytes([NAK]))
            else:
                self.stats["garbage_bytes"] += len(problem.data)
                log.warning("ZVT: skipped %d stray bytes from %s", len(problem.data), self.url)
        return controls

    def send(self, apdu: Apdu) -> None:
        frame = encode_frame(encode_apdu(apdu))
        for attempt in range(1 + self.max_resends):
            self._write(frame)
            deadline = time.monotonic() + self.ack_timeout
            answer = None
            while answer is None:
                if time.monotonic() >= deadline:
                    raise ZvtTimeout(f"no ACK for {apdu!r} within {self.ack_timeout} s")
                queued = len(self._incoming.frames)
                controls = self._pump(deadline)
                if controls:
                    answer = controls[0]
                elif len(self._incoming.frames) > queued:
                    answer = ACK  # the terminal already answers: our ACK byte got lost
            if answer == ACK:
                return
            self.stats["naks_received"] += 1
            log.warning("ZVT: NAK for %r (try %d), resending", apdu, attempt + 1)
        raise ZvtNakLimit(f"terminal refused {apdu!r} {1 + self.max_resends} times")

    def receive(self, timeout: float) -> Apdu:
        deadline = time.monotonic() + timeout
        while True:
            while self._incoming.frames:
                raw = self._incoming.frames.popleft()
                try:
                    apdu = decode_apdu(raw)
                except ZvtProtocolError as exc:
                    self.stats["bad_frames"] += 1
                    log.warning("ZVT: malformed APDU from %s (%s), sent NAK", self.url, exc)
                    self._write(bytes([NAK]))
                    continue
                self._write(bytes([ACK]))
                return apdu
            if time.monotonic() >= deadline:
                raise ZvtTimeout(f"no message from the terminal within {timeout} s")
            self._pump(deadline)


class TcpLink(ZvtLink):
    """ZVT over TCP: APDUs back to back, no framing and no ACK bytes (TCP is reliable)."""

    def _make_port(self) -> serial.SerialBase:
        port = serial.serial_for_url(self.url, do_not_open=True)
        port.timeout = 0
        port.open()
        return port

    def _read_exact(self, count: int, deadline: float) -> bytes:
        data = b""
        while len(data) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ZvtTimeout("no complete APDU from the terminal in time")
            port = self._require()
            try:
                port.timeout = remaining
                chunk = port.read(count - len(data))
            except _PORT_ERRORS as exc:
                self.close()
                raise ZvtLinkLost(f"read from {self.url} failed: {exc}") from exc
            data += chunk
        return data

    def send(self, apdu: Apdu) -> None:
        self._write(encode_apdu(apdu))

    def receive(self, timeout: float) -> Apdu:
        deadline = time.monotonic() + timeout
        head = self._read_exact(3, deadline)
        more, _ = apdu_header_size(head)
        if more:
            head += self._read_exact(more, deadline)
        _, size = apdu_header_size(head)
        # once a header is in, the rest follows at once on TCP: allow a few seconds
        body = self._read_exact(size, max(deadline, time.monotonic() + 5.0))
        return decode_apdu(head + body)
