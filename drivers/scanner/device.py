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

from drivers.base.events import Health, HealthChanged, Listener
from drivers.base.reader import IdentificationReader, IdentifierRead, ReadRejected
from drivers.scanner.codec import MAX_LINE, ScanError, parse_line, split_lines
from drivers.serial_link import Backoff, LinkDown, SerialLink

log = logging.getLogger(__name__)


class SerialScanner(IdentificationReader):
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
        self._link = SerialLink(port, baudrate)
        self._listener: Listener = lambda _event: None
        self._health = Health.DOWN
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: tuple[str, float] | None = None
        self.started = threading.Event()  # set once the port has been opened the first time

    @property
    def health(self) -> Health:
        return self._health

    def start(self, listener: Listener) -> None:
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._link.close()

    # -- the scanner's thread ---------------------------------------------------------------------
    def _run(self) -> None:
        backoff = Backoff()
        buffer = b""
        while not self._stop.is_set():
            try:
                self._link.open()
                self._set_health(Health.OK)
                self.started.set()
                backoff.reset()
                data = self._link.read(256, 0.1)
            except LinkDown as exc:
                self._link.close()
                buffer = b""
                self._set_health(Health.DOWN, str(exc))
                self._stop.wait(backoff.next_delay())
                continue
            if not data:
                continue
            lines, buffer = split_lines(buffer + data)
            if len(buffer) > MAX_LINE:
                lines.append(buffer)
                buffer = b""
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

    def _set_health(self, health: Health, detail: str = "") -> None:
        if health is not self._health:
            self._health = health
            self._emit(HealthChanged(self.name, health, detail))

    def _emit(self, event: object) -> None:
        try:
            self._listener(event)
        except Exception:
            log.exception("%s: listener failed", self.name)
