"""A serial barcode/magstripe scanner on a pty, for tests and demo mode."""

from __future__ import annotations

from drivers.emulation.pty import PtyPort


class ScannerEmulator:
    """Writes what a USB-CDC scanner sends: the code, then the terminator (CR by default)."""

    def __init__(self, port: PtyPort | None = None, *, terminator: bytes = b"\r",
                 prefix: str = "", suffix: str = "") -> None:
        self.port = port or PtyPort("scanner")
        self.terminator = terminator
        self.prefix = prefix
        self.suffix = suffix

    @property
    def path(self) -> str:
        return self.port.path

    def scan(self, code: str) -> None:
        """A barcode read."""
        self.port.write(f"{self.prefix}{code}{self.suffix}".encode("ascii") + self.terminator)

    def swipe_health_card(self, cpr: str, name: str = "JENSEN/ANNE") -> None:
        """A sundhedskort swipe, tracks 1 and 2 on one line (layout: see drivers.scanner.codec)."""
        digits = cpr.replace("-", "")
        track1 = f"%B{digits}^{name}^4912000?"
        track2 = f";{digits}=4912000?"
        self.scan(track1 + track2)

    def swipe(self, tracks: str) -> None:
        """Any raw swipe text, e.g. a library card's ``;12345678=?``."""
        self.scan(tracks)

    def garbage(self) -> None:
        """Line noise and a half-read stripe, as from a bad swipe or a loose cable."""
        self.port.write(b"\x02\xff\x1b\x00noise" + self.terminator)
        self.port.write(b";57120" + self.terminator)

    def close(self) -> None:
        self.port.close()
