"""An ESC/POS receipt printer (serial, USB or network) through python-escpos.

Before every print the driver asks ``DLE EOT 4`` and reads one status byte: paper out or no
valid answer refuses the print (nothing is sent, the caller keeps the document for a reprint and
shows it on screen); near end prints and raises a maintenance alert (health DEGRADED and a
:class:`PaperAlert`). Nothing escapes :meth:`EscposPrinter.print_document` as an exception: a
receipt must never break a payment that has already been taken.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TypedDict, Unpack

import serial
from escpos.escpos import Escpos
from escpos.printer import Network, Usb
from escpos.printer import Serial as SerialEscpos

from drivers.base.device import DeviceEvents
from drivers.base.events import Health, Listener
from drivers.base.printer import (
    Document,
    PaperAlert,
    PaperStatus,
    PrintOutcome,
    PrintResult,
    ReceiptPrinter,
)
from drivers.escpos.codec import PAPER_STATUS_REQUEST, encode_document, parse_paper_status

log = logging.getLogger(__name__)


class PrinterOptions(TypedDict, total=False):
    """What every connection kind takes besides its address (see :class:`EscposPrinter`)."""

    code_page: str
    width: int
    profile: str  # python-escpos capability profile


class EscposPrinter(DeviceEvents, ReceiptPrinter):
    """``connect`` builds an unopened python-escpos printer; it is (re)opened on demand."""

    def __init__(
        self,
        name: str,
        connect: Callable[[], Escpos],
        *,
        code_page: str = "CP865",
        width: int = 48,
        profile: str = "default",
    ) -> None:
        self.name = name
        self._connect = connect
        self.code_page = code_page
        self.width = width
        self.profile = profile
        self._printer: Escpos | None = None
        self._lock = threading.Lock()
        self._paper: PaperStatus | None = None

    # -- construction from a connection kind ------------------------------------------------------
    @classmethod
    def serial(
        cls, name: str, port: str, *, baudrate: int = 9600, timeout_s: float = 2.0,
        **options: Unpack[PrinterOptions],
    ) -> EscposPrinter:
        return cls._over(name, options, lambda profile: SerialEscpos(
            devfile=port, baudrate=baudrate, timeout=timeout_s, profile=profile))

    @classmethod
    def usb(
        cls, name: str, vendor: int, product: int, **options: Unpack[PrinterOptions]
    ) -> EscposPrinter:
        return cls._over(name, options, lambda profile: Usb(vendor, product, profile=profile))

    @classmethod
    def network(
        cls, name: str, host: str, *, tcp_port: int = 9100, timeout_s: float = 5.0,
        **options: Unpack[PrinterOptions],
    ) -> EscposPrinter:
        return cls._over(name, options, lambda profile: Network(
            host, port=tcp_port, timeout=timeout_s, profile=profile))

    @classmethod
    def _over(
        cls, name: str, options: PrinterOptions, connection: Callable[[str], Escpos]
    ) -> EscposPrinter:
        """A printer on ``connection`` (given the capability profile, the printer unopened)."""
        profile = options.get("profile", "default")
        return cls(name, lambda: connection(profile), **options)

    # -- ReceiptPrinter ---------------------------------------------------------------------------
    def start(self, listener: Listener) -> None:
        self._listener = listener
        self.paper_status()

    def stop(self) -> None:
        with self._lock:
            self._close()

    def paper_status(self) -> PaperStatus:
        """Ask the printer now (also updates health; usable as a periodic health check)."""
        with self._lock:
            return self._check_paper()

    @property
    def last_paper(self) -> PaperStatus | None:
        return self._paper

    def print_document(self, document: Document) -> PrintResult:
        try:
            data = encode_document(
                document, code_page=self.code_page, width=self.width, profile=self.profile
            )
        except Exception as exc:  # a document the printer cannot encode is a bug, not a crash
            log.exception("%s: cannot encode %s", self.name, document.kind)
            return PrintResult(PrintOutcome.FAILED, f"cannot encode: {exc}")
        with self._lock:
            paper = self._check_paper()
            if paper is PaperStatus.OUT:
                return PrintResult(PrintOutcome.PAPER_OUT, "paper out")
            if paper is PaperStatus.NO_ANSWER:
                return PrintResult(PrintOutcome.NOT_ANSWERING, "no valid paper status")
            try:
                assert self._printer is not None
                self._printer._raw(data)
                device = self._printer.device
                if isinstance(device, serial.Serial):
                    device.flush()
            except Exception as exc:
                log.warning("%s: write failed: %s", self.name, exc)
                self._close()
                self._set_health(Health.DOWN, f"write failed: {exc}")
                return PrintResult(PrintOutcome.FAILED, f"write failed: {exc}")
        if paper is PaperStatus.NEAR_END:
            return PrintResult(PrintOutcome.PRINTED_PAPER_LOW, "paper near end")
        return PrintResult(PrintOutcome.PRINTED)

    # -- internals (called with the lock held) ----------------------------------------------------
    def _check_paper(self) -> PaperStatus:
        status = self._query_paper()
        if status is PaperStatus.OK:
            self._set_health(Health.OK)
        elif status is PaperStatus.NEAR_END:
            self._set_health(Health.DEGRADED, "paper near end")
        elif status is PaperStatus.OUT:
            self._set_health(Health.DOWN, "paper out")
        else:
            self._set_health(Health.DOWN, "printer not answering")
        if status is not self._paper:
            self._paper = status
            if status in (PaperStatus.NEAR_END, PaperStatus.OUT):
                self._emit(PaperAlert(self.name, status))
        return status

    def _query_paper(self) -> PaperStatus:
        try:
            printer = self._open()
            device = printer.device
            if isinstance(device, serial.Serial):
                device.reset_input_buffer()  # a late reply to an earlier request is stale
                device.write(PAPER_STATUS_REQUEST)
                reply = device.read(1)
            else:
                printer._raw(PAPER_STATUS_REQUEST)
                reply = printer._read()
        except Exception as exc:  # unplugged, refused, timed out: all mean "cannot print now"
            log.info("%s: status request failed: %s", self.name, exc)
            self._close()
            return PaperStatus.NO_ANSWER
        return parse_paper_status(bytes(reply))

    def _open(self) -> Escpos:
        if self._printer is None:
            printer = self._connect()
            printer.open()
            self._printer = printer
        return self._printer

    def _close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is None:
            return
        try:
            printer.close()
        except Exception as exc:  # e.g. flushing a port whose device has gone
            log.debug("%s: close: %s", self.name, exc)
            device = printer.device
            if isinstance(device, serial.Serial):
                with contextlib.suppress(Exception):
                    device.close()
        # python-escpos closes again on garbage collection: make that a no-op
        printer._device = False
