"""The emulated terminal's end of the line, for :class:`~drivers.zvt.emulator.ZvtEmulator`: framed
serial on a pty (ACK/NAK bytes, resend on NAK, the line faults tests script) or TCP (bare APDUs).
Both hand the terminal whole APDUs and raise :class:`Hangup` when the host is gone.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

from drivers.emulation.pty import PtyPort, wire_time_s
from drivers.zvt import apdu as A
from drivers.zvt.errors import ZvtProtocolError
from drivers.zvt.frame import ACK, NAK, BadFrame, FrameQueue, encode_frame


class Hangup(Exception):
    """The host went away (timeout, unplug or stop) in the middle of a dialogue."""


@dataclass
class LineFaults:
    """What the next frames suffer: NAKed on arrival, sent with a bad checksum, garbage first."""

    naks: int = 0
    corrupt: int = 0
    garbage: deque[bytes] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_nak(self) -> bool:
        with self.lock:
            if self.naks <= 0:
                return False
            self.naks -= 1
            return True

    def take_for_sending(self) -> tuple[bytes, bool]:
        """(garbage to send first, whether to corrupt the frame's checksum)."""
        with self.lock:
            garbage = self.garbage.popleft() if self.garbage else b""
            corrupt = self.corrupt > 0
            if corrupt:
                self.corrupt -= 1
            return garbage, corrupt


@dataclass
class SerialSide:
    """ZVT over RS-232 on a pty: every frame byte-acknowledged, a NAKed one sent again."""

    RESENDS: ClassVar[int] = 3

    port: PtyPort
    faults: LineFaults
    stop: threading.Event  # the emulator's: a dialogue in progress ends with it
    baudrate: int
    realistic_timing: bool  # bytes take their wire time (8N2)
    ack_timeout: float
    _incoming: FrameQueue = field(default_factory=FrameQueue, init=False)

    def _write(self, data: bytes) -> None:
        if self.realistic_timing:
            time.sleep(wire_time_s(len(data), self.baudrate, bits_per_byte=11))  # 8N2
        self.port.write(data)

    def _pump(self, timeout: float) -> list[int]:
        if not self.port.plugged:
            self.stop.wait(min(timeout, 0.05))
            self._incoming.clear()
            return []
        data = self.port.read(timeout=min(timeout, 0.2))
        if not data:
            self._incoming.decoder.reset()  # a frame broken off: the host sends it again
            return []
        controls, problems = self._incoming.feed(data)
        for problem in problems:
            if isinstance(problem, BadFrame):
                self.port.write(bytes([NAK]))
        return controls

    def receive(self, timeout: float) -> A.Apdu | None:
        """The next APDU from the host, acknowledged (or NAKed when scripted or unreadable)."""
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            while self._incoming.frames:
                raw = self._incoming.frames.popleft()
                if self.faults.take_nak():
                    self.port.write(bytes([NAK]))
                    continue
                try:
                    apdu = A.decode_apdu(raw)
                except ZvtProtocolError:
                    self.port.write(bytes([NAK]))
                    continue
                self.port.write(bytes([ACK]))
                return apdu
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._pump(remaining)
        return None

    def send(self, apdu: A.Apdu) -> None:
        """One frame until the host ACKs it; resent on NAK up to three times."""
        frame = encode_frame(apdu.encode())
        for _ in range(1 + self.RESENDS):
            garbage, corrupt = self.faults.take_for_sending()
            out = frame[:-1] + bytes([frame[-1] ^ 0xFF]) if corrupt else frame
            if not self.port.plugged:
                raise Hangup
            self._write(garbage + out)
            deadline = time.monotonic() + self.ack_timeout
            controls: list[int] = []
            while not controls:
                remaining = deadline - time.monotonic()
                if self.stop.is_set() or not self.port.plugged or remaining <= 0:
                    raise Hangup
                controls = self._pump(remaining)
            if controls[0] == ACK:
                return
        raise Hangup


class TcpSide:
    """ZVT over TCP: one host connection at a time, bare APDUs, no ACK bytes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.server = socket.create_server((host, 0))
        self.url = f"socket://{host}:{self.server.getsockname()[1]}"
        self.conn: socket.socket | None = None
        self.buffer = bytearray()

    def _next_apdu(self) -> bytes | None:
        if len(self.buffer) < 3:
            return None
        more, size = A.apdu_header_size(bytes(self.buffer[:5]))
        if more or len(self.buffer) < (5 if self.buffer[2] == 0xFF else 3) + size:
            return None
        total = (5 if self.buffer[2] == 0xFF else 3) + size
        raw = bytes(self.buffer[:total])
        del self.buffer[:total]
        return raw

    def receive(self, timeout: float) -> A.Apdu | None:
        raw = self._receive_raw(timeout)
        try:
            return A.decode_apdu(raw) if raw is not None else None
        except ZvtProtocolError:
            return None

    def _receive_raw(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while True:
            raw = self._next_apdu()
            if raw is not None:
                return raw
            wait = min(deadline - time.monotonic(), 0.2)
            if wait <= 0:
                return None
            if self.conn is None:
                if select.select([self.server], [], [], wait)[0]:
                    self.conn, _ = self.server.accept()
                    self.buffer.clear()
                continue
            if select.select([self.conn], [], [], wait)[0]:
                try:
                    data = self.conn.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    self.drop()
                    return None
                self.buffer += data

    def send(self, apdu: A.Apdu) -> None:
        if self.conn is None:
            raise Hangup
        try:
            self.conn.sendall(apdu.encode())
        except OSError as exc:
            self.drop()
            raise Hangup from exc

    def drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self.drop()
        self.server.close()
