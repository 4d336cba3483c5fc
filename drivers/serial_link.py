"""A serial port opened by path that survives unplugging: the link layer every polling driver needs.

The driver owns one :class:`RawSerialLink` and calls it only from its polling thread. Raw: it
moves bytes and knows no frames, each protocol's driver reads its own (ZVT's link, which frames
and acknowledges, is :class:`drivers.zvt.link.FramedSerialLink`). Any OS or pyserial error becomes
:class:`LinkDown`; the driver then closes the link and reopens it by path after :class:`Backoff`
delays, which is what happens when a USB adapter is pulled and put back.
"""

from __future__ import annotations

import contextlib
import time

import serial


class LinkDown(Exception):
    """The port is missing, was unplugged, or failed an I/O call."""


class RawSerialLink:
    """Bytes in and out of a serial port opened by path; every failure is :class:`LinkDown`."""

    #: one blocking read waits at most this long, so deadlines are honoured to this granularity
    READ_SLICE_S = 0.05

    def __init__(
        self,
        path: str,
        baudrate: int = 9600,
        stopbits: float = serial.STOPBITS_ONE,
    ) -> None:
        self.path = path
        self.baudrate = baudrate
        self.stopbits = stopbits
        self._serial: serial.Serial | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.Serial(
                self.path,
                baudrate=self.baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=self.stopbits,
                timeout=self.READ_SLICE_S,
                write_timeout=2.0,
                exclusive=True,
            )
        except (OSError, serial.SerialException, ValueError) as exc:
            raise LinkDown(f"cannot open {self.path}: {exc}") from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                port.close()

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise LinkDown(f"{self.path} is not open")
        return self._serial

    def write(self, data: bytes) -> None:
        try:
            self._port().write(data)
        except (OSError, serial.SerialException) as exc:
            raise LinkDown(f"write to {self.path} failed: {exc}") from exc

    def read(self, n: int, timeout_s: float) -> bytes:
        """Up to ``n`` bytes; returns as soon as all ``n`` arrived, fewer after ``timeout_s``."""
        port = self._port()
        deadline = time.monotonic() + timeout_s
        got = bytearray()
        try:
            while len(got) < n:
                got += port.read(n - len(got))
                if len(got) < n and time.monotonic() >= deadline:
                    break
        except (OSError, serial.SerialException, TypeError) as exc:
            # pyserial raises TypeError when the port is closed under it by another thread
            raise LinkDown(f"read from {self.path} failed: {exc}") from exc
        return bytes(got)

    def discard_input(self) -> bytes:
        """Drop (and return) whatever is waiting: stray bytes must not shift the next reply."""
        port = self._port()
        try:
            waiting = port.in_waiting
            stray = port.read(waiting) if waiting else b""
            port.reset_input_buffer()
        except (OSError, serial.SerialException) as exc:
            raise LinkDown(f"{self.path} failed: {exc}") from exc
        return stray


class Backoff:
    """Reconnect delays: ``first``, doubling up to ``maximum``; :meth:`reset` after success."""

    def __init__(self, first: float = 0.2, maximum: float = 5.0) -> None:
        self.first = first
        self.maximum = maximum
        self._next = first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.first
