"""A serial (USB-CDC) barcode/magstripe scanner: lines in, identification events out.

The scanner's own thread reads the port, splits lines, strips the configured prefix/suffix,
drops a repeat of the same code within ``debounce_s`` (a double scan), rejects garbled lines with
a :class:`ReadRejected` event, and reopens the port by path after an unplug.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from drivers.base.device import DeviceThread, Outage
from drivers.base.events import Health
from drivers.base.reader import IdentificationReader, IdentifierRead, ReadRejected
from drivers.scanner.codec import MAX_LINE, ScanError, parse_line, split_lines
from drivers.serial_link import Backoff, LinkDown, RawSerialLink

log = logging.getLogger(__name__)


class SerialScanner(DeviceThread, IdentificationReader):
    thread_prefix = "scanner"
    poll_interval_s = 0.0  # each poll waits up to READ_WAIT_S for bytes
    READ_WAIT_S = 0.1

    def __init__(
        self,
        name: str,
        port: str,
        *,
        baudrate: int = 9600,
        strip_prefix: str = "",
        strip_suffix: str = "",
        debounce_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.strip_prefix = strip_prefix
        self.strip_suffix = strip_suffix
        self.debounce_s = debounce_s
        self._clock = clock
        self._init_thread(RawSerialLink(port, baudrate), Backoff())
        self._buffer = b""
        self._last: tuple[str, float] | None = None
        self.started = threading.Event()  # set once the port has been opened the first time

    # -- the scanner's thread ---------------------------------------------------------------------
    def _initialise(self) -> None:
        self._buffer = b""  # a line half read before an unplug is not a scan
        self._set_health(Health.OK)
        self.started.set()

    def _outage(self, exc: Exception) -> Outage | None:
        return Outage("link", str(exc)) if isinstance(exc, LinkDown) else None

    def _poll(self) -> None:
        data = self._link.read(256, self.READ_WAIT_S)
        if not data:
            return
        lines, self._buffer = split_lines(self._buffer + data)
        if len(self._buffer) > MAX_LINE:
            lines.append(self._buffer)
            self._buffer = b""
        for raw in lines:
            self._handle(raw)

    def _handle(self, raw: bytes) -> None:
        try:
            line = parse_line(raw, self.strip_prefix, self.strip_suffix)
        except ScanError as exc:
            log.info("%s: rejected a line: %s", self.name, exc)
            self._emit(ReadRejected(self.name, str(exc)))
            return
        now = self._clock()
        # a digest, so the driver does not keep a CPR in memory after the swipe
        key = hashlib.sha256(f"{line.source}:{line.value}".encode()).hexdigest()
        last = self._last
        if last is not None and last[0] == key and now - last[1] < self.debounce_s:
            self._last = (key, now)
            return  # the same card scanned twice in a row: one identification
        self._last = (key, now)
        self._emit(IdentifierRead(self.name, line.source, line.value))
