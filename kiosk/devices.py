"""The device factory: the configured drivers, each opened by its stable path, or — with
``emulated = true`` — the protocol-accurate emulator started on a pty and the same driver pointed
at the pty's path, so demo mode and tests run the real pyserial open/read/write path.

:class:`DeviceSet` holds the drivers and the emulator handles (demo mode's simulator panel and
tests use the handles to insert coins, decline cards, take the printer's paper, scan a patron).
A disabled device is absent (``None`` / not in the list).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.base import CardTerminal, CashAcceptor, Health, Listener
from drivers.base.printer import ReceiptPrinter
from drivers.base.reader import IdentificationReader
from kiosk.config.devices import DevicesSection
from kiosk.money import DKK_COINS

log = logging.getLogger(__name__)

#: ccTalk bill id prefixes of Danish notes → øre, used when a ccTalk validator lists none
DKK_CCTALK_BILLS = {
    "DK0050": 5000,
    "DK0100": 10000,
    "DK0200": 20000,
    "DK0500": 50000,
    "DK1000": 100000,
}


class DeviceSetupError(Exception):
    """A device section cannot be turned into a driver (e.g. no port and not emulated)."""


@dataclass
class Emulators:
    """The emulators started for ``emulated = true`` devices (``None`` where real or disabled)."""

    coin: Any = None  # drivers.cctalk.emulator.CoinAcceptorEmulator
    notes: Any = None  # drivers.ssp.emulator.SspEmulator or cctalk BillValidatorEmulator
    terminal: Any = None  # drivers.zvt.emulator.ZvtEmulator
    printer: Any = None  # drivers.escpos.emulator.EscposEmulator
    scanner: Any = None  # drivers.scanner.emulator.ScannerEmulator

    def close(self) -> None:
        for name in ("coin", "notes", "terminal", "scanner"):
            emulator = getattr(self, name)
            if emulator is not None:
                with contextlib.suppress(Exception):
                    emulator.close()
        if self.printer is not None:
            with contextlib.suppress(Exception):
                self.printer.stop()


@dataclass
class DeviceSet:
    coin_acceptor: CashAcceptor | None = None
    note_validator: CashAcceptor | None = None
    terminal: CardTerminal | None = None
    printer: ReceiptPrinter | None = None
    scanner: IdentificationReader | None = None
    card_reader: IdentificationReader | None = None
    emulators: Emulators = field(default_factory=Emulators)
    started: bool = False

    @property
    def acceptors(self) -> list[CashAcceptor]:
        return [a for a in (self.coin_acceptor, self.note_validator) if a is not None]

    @property
    def readers(self) -> list[IdentificationReader]:
        return [r for r in (self.scanner, self.card_reader) if r is not None]

    def all(self) -> list[Any]:
        """Every driver, in start order (cash first: it must be polling before a citizen)."""
        devices = [*self.acceptors, self.terminal, self.printer, *self.readers]
        return [d for d in devices if d is not None]

    def health(self) -> dict[str, Health]:
        return {d.name: d.health for d in self.all()}

    def start(self, listener: Listener) -> None:
        """Start every driver with ``listener`` (called on the drivers' own threads). A device
        that cannot be opened starts ``DOWN`` and reconnects by itself; it never stops the rest."""
        for device in self.all():
            try:
                device.start(listener)
            except Exception as exc:  # one broken device must not keep the automat down
                log.error("device %s did not start: %s", device.name, exc)
        self.started = True

    def stop(self) -> None:
        """Stop the drivers, then the emulators behind them. Safe to call twice."""
        for device in reversed(self.all()):
            try:
                device.stop()
            except Exception as exc:
                log.warning("device %s did not stop cleanly: %s", device.name, exc)
        self.started = False
        self.emulators.close()


def _poll_s(ms: int | None) -> float | None:
    return ms / 1000 if ms is not None else None


def _port(section: Any, what: str) -> str:
    if not section.port:
        raise DeviceSetupError(
            f"devices.{what}: set port (a stable /dev/serial/by-id path) or emulated = true"
        )
    return str(section.port)


def build_devices(devices: DevicesSection, *, demo: bool = False) -> DeviceSet:
    """Construct (not start) the configured drivers; start emulators where ``emulated = true``
    (in demo mode every serial device is emulated, whatever the file says). On an error every
    emulator already started is closed again."""
    built = DeviceSet()
    try:
        _build(devices, demo, built)
    except BaseException:
        built.stop()
        raise
    return built


def _build(devices: DevicesSection, demo: bool, out: DeviceSet) -> None:
    steps: list[Callable[[], None]] = []
    coin = devices.coin_acceptor
    if coin.enabled:
        steps.append(lambda: _coin(coin, demo or coin.emulated, out))
    notes = devices.note_validator
    if notes.enabled:
        steps.append(lambda: _notes(notes, demo or notes.emulated, out))
    terminal = devices.card_terminal
    if terminal.enabled:
        steps.append(lambda: _terminal(terminal, demo or terminal.emulated, out))
    printer = devices.printer
    if printer.enabled:
        steps.append(lambda: _printer(printer, demo or printer.connection == "emulated", out))
    scanner = devices.scanner
    if scanner.enabled:
        steps.append(lambda: _scanner(scanner, demo or scanner.emulated, out))
    reader = devices.card_reader
    if reader.enabled:
        steps.append(lambda: _card_reader(reader, out))
    for step in steps:
        step()


def _coin(section: Any, emulated: bool, out: DeviceSet) -> None:
    from drivers.cctalk.coin import CcTalkCoinAcceptor

    path = ""
    if emulated:
        from drivers.cctalk.emulator import CoinAcceptorEmulator

        out.emulators.coin = CoinAcceptorEmulator(
            address=section.address, echo=section.echo, checksum=section.checksum
        )
        path = out.emulators.coin.path
    out.coin_acceptor = CcTalkCoinAcceptor(
        path or _port(section, "coin_acceptor"),
        denominations=DKK_COINS,
        coin_values=section.coin_values,
        name="coin_acceptor",
        address=section.address,
        baudrate=section.baudrate,
        echo=section.echo,
        checksum=section.checksum,
        poll_interval_s=_poll_s(section.poll_interval_ms),
    )


def _notes(section: Any, emulated: bool, out: DeviceSet) -> None:
    if section.protocol == "cctalk":
        from drivers.cctalk.bill import CcTalkBillValidator

        path = ""
        address = section.address if section.address > 1 else 40
        if emulated:
            from drivers.cctalk.emulator import BillValidatorEmulator

            out.emulators.notes = BillValidatorEmulator(
                address=address, echo=section.echo, checksum=section.checksum
            )
            path = out.emulators.notes.path
        out.note_validator = CcTalkBillValidator(
            path or _port(section, "note_validator"),
            bill_values=dict(section.channel_values) or DKK_CCTALK_BILLS,
            name="note_validator",
            address=address,
            baudrate=section.baudrate,
            echo=section.echo,
            checksum=section.checksum,
            poll_interval_s=_poll_s(section.poll_interval_ms),
            escrow_decision_timeout_s=section.escrow_decision_timeout_s,
        )
        return
    from drivers.ssp.device import SspValidator

    path = ""
    if emulated:
        from drivers.ssp.emulator import SspEmulator

        out.emulators.notes = SspEmulator(address=section.address)
        path = out.emulators.notes.path
    out.note_validator = SspValidator(
        path or _port(section, "note_validator"),
        channel_values=dict(section.channel_values) or None,
        name="note_validator",
        address=section.address,
        baudrate=section.baudrate,
        poll_interval_s=_poll_s(section.poll_interval_ms) or 0.2,
        escrow_decision_timeout_s=section.escrow_decision_timeout_s,
    )


def _terminal(section: Any, emulated: bool, out: DeviceSet) -> None:
    from drivers.zvt.terminal import ZvtTerminal

    if emulated:
        from drivers.zvt.emulator import ZvtEmulator

        out.emulators.terminal = ZvtEmulator(
            transport=section.transport,
            password=section.password,
            baudrate=section.baudrate,
            receipt_encoding=section.receipt_encoding,
        )
        url = out.emulators.terminal.path
    elif section.transport == "tcp":
        if not section.host:
            raise DeviceSetupError("devices.card_terminal: transport 'tcp' needs host")
        url = f"{section.host}:{section.tcp_port}"
    else:
        url = _port(section, "card_terminal")
    out.terminal = ZvtTerminal(
        url,
        password=section.password,
        name="card_terminal",
        transport=section.transport,
        baudrate=section.baudrate,
        transaction_timeout=section.transaction_timeout_s,
        receipt_encoding=section.receipt_encoding,
    )


def _printer(section: Any, emulated: bool, out: DeviceSet) -> None:
    from drivers.escpos.printer import EscposPrinter, PrinterOptions

    options = PrinterOptions(
        code_page=section.code_page, width=section.columns, profile=section.profile
    )
    if emulated:
        from drivers.escpos.emulator import EscposEmulator

        out.emulators.printer = EscposEmulator().start()
        out.printer = EscposPrinter.serial(
            "printer", out.emulators.printer.path, baudrate=section.baudrate, **options
        )
    elif section.connection == "serial":
        out.printer = EscposPrinter.serial(
            "printer", _port(section, "printer"), baudrate=section.baudrate, **options
        )
    elif section.connection == "network":
        if not section.host:
            raise DeviceSetupError("devices.printer: connection 'network' needs host")
        out.printer = EscposPrinter.network(
            "printer", section.host, tcp_port=section.tcp_port, **options
        )
    else:
        out.printer = EscposPrinter.usb(
            "printer", section.usb_vendor, section.usb_product, **options
        )


def _scanner(section: Any, emulated: bool, out: DeviceSet) -> None:
    from drivers.scanner.device import SerialScanner

    path = ""
    if emulated:
        from drivers.scanner.emulator import ScannerEmulator

        out.emulators.scanner = ScannerEmulator()
        path = out.emulators.scanner.path
    out.scanner = SerialScanner(
        "scanner",
        path or _port(section, "scanner"),
        baudrate=section.baudrate,
        strip_prefix=section.strip_prefix,
        strip_suffix=section.strip_suffix,
        debounce_s=section.debounce_s,
    )


def _card_reader(section: Any, out: DeviceSet) -> None:
    try:
        from drivers.pcsc.reader import PcscReader
    except ImportError as exc:  # pyscard is an optional extra (compiles against pcsc-lite)
        raise DeviceSetupError(
            f"devices.card_reader is enabled but PC/SC support is not installed ({exc})"
        ) from None
    out.card_reader = PcscReader(
        "card_reader",
        reader_name=section.reader_name,
        uid_format=section.uid_format,
        byte_order=section.byte_order,
        lookup=section.uid_lookup,
    )
