"""A pseudo-terminal the emulator owns, reachable by a stable path like a real USB serial device.

The emulator reads and writes the master fd; the driver opens :attr:`PtyPort.path` with pyserial,
exactly as it opens ``/dev/serial/by-id/...`` in production, so the real open/read/write path is
exercised. ``path`` is a symlink to the current slave: :meth:`unplug` closes the master and removes
the link (the driver sees EIO/EOF and a missing device, as after a USB unplug); :meth:`plug` makes a
new pty behind the same path, so a driver that reopens by path finds the device again.
"""

from __future__ import annotations

import contextlib
import os
import select
import tempfile
import termios
import threading
import tty
from pathlib import Path


def wire_time_s(nbytes: int, baudrate: int, bits_per_byte: int = 10) -> float:
    """Time ``nbytes`` take on a serial wire (start + 8 data + stop bits = 10 by default)."""
    return nbytes * bits_per_byte / baudrate


class PtyPort:
    def __init__(self, name: str = "device", directory: str | Path | None = None) -> None:
        self._dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="kiosk-pty-"))
        self.path = str(self._dir / name)
        self._lock = threading.Lock()
        self.master: int | None = None
        self._slave: int | None = None
        self.plug()

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        """Create a fresh pty and point :attr:`path` at it."""
        with self._lock:
            if self.master is not None:
                return
            master, slave = os.openpty()
            tty.setraw(master, termios.TCSANOW)
            tty.setraw(slave, termios.TCSANOW)
            tmp = self.path + ".new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self.path)
            # keep our own slave fd open: without it, the master reads EIO until the driver
            # opens the port, and bytes written before that are lost
            self.master, self._slave = master, slave

    def unplug(self) -> None:
        """Close the pty and remove the path, as when the USB cable is pulled."""
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            for fd in (self.master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self.master = self._slave = None

    def read(self, max_bytes: int = 4096, timeout: float | None = None) -> bytes:
        """Bytes the driver wrote; ``b""`` on timeout or when unplugged."""
        master = self.master
        if master is None:
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                return b""
            return os.read(master, max_bytes)
        except OSError:
            return b""

    def write(self, data: bytes) -> None:
        """Bytes the device sends to the driver (silently dropped when unplugged)."""
        master = self.master
        if master is None:
            return
        with contextlib.suppress(OSError):
            os.write(master, data)

    def close(self) -> None:
        self.unplug()
        with contextlib.suppress(OSError):
            self._dir.rmdir()

    def __enter__(self) -> PtyPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
