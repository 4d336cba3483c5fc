"""The part every serial device emulator shares: a :class:`PtyPort`, its serving thread, the wire
faults tests script (mute, busy, corrupt checksum, line noise) and unplug/plug.

A subclass calls ``super().__init__(port, name)`` first, sets its own state, then
:meth:`PtyEmulator._start_serving`; it turns the bytes the driver wrote into frames in
:meth:`PtyEmulator._on_bytes` (called every ``READ_TIMEOUT_S`` at most, with ``b""`` when nothing
came, so time-driven behaviour and inter-byte timeouts can run), keeping a partial frame in
``self._rx``, which is dropped while the port is unplugged.
"""

from __future__ import annotations

import threading
from typing import Self

from drivers.emulation.pty import PtyPort


class PtyEmulator:
    READ_TIMEOUT_S = 0.05

    def __init__(self, port: PtyPort | None, name: str) -> None:
        self.name = name
        self.port = port or PtyPort(name)
        self.lock = threading.RLock()
        self._rx = b""  # bytes of a frame not complete yet
        self._mute = 0
        self._busy = 0
        self._corrupt = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start_serving(self) -> None:
        self._thread = threading.Thread(target=self._serve, name=f"emu-{self.name}", daemon=True)
        self._thread.start()

    @property
    def path(self) -> str:
        return self.port.path

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.port.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- wire faults --------------------------------------------------------------------------

    def garbage(self, data: bytes) -> None:
        self.port.write(data)

    def busy_next(self, n: int = 1) -> None:
        """Answer the next ``n`` requests with the protocol's "busy, try again"."""
        with self.lock:
            self._busy += n

    def corrupt_next_checksum(self, n: int = 1) -> None:
        with self.lock:
            self._corrupt += n

    def mute_next(self, n: int = 1) -> None:
        """Do not answer the next ``n`` requests (as if the frame were lost on the wire)."""
        with self.lock:
            self._mute += n

    def unmute(self) -> None:
        with self.lock:
            self._mute = 0

    def unplug(self) -> None:
        self.port.unplug()

    def plug(self) -> None:
        self.port.plug()

    # ---- the serving thread -------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not self.port.plugged:
                self._rx = b""
                self._stop.wait(0.02)
                continue
            self._on_bytes(self.port.read(256, timeout=self.READ_TIMEOUT_S))

    def _on_bytes(self, chunk: bytes) -> None:
        raise NotImplementedError
