"""The serial scanner over a pty: barcodes, health-card swipes, garbled lines, double scans,
unplug and plug back."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base.events import Health, HealthChanged
from drivers.base.reader import IdentifierRead, IdSource, ReadRejected
from drivers.emulation.pty import PtyPort
from drivers.scanner.device import SerialScanner
from drivers.scanner.emulator import ScannerEmulator

WAIT = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ScannerEmulator]:
    emu = ScannerEmulator(PtyPort("scanner", tmp_path))
    yield emu
    emu.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def events() -> queue.Queue[object]:
    return queue.Queue()


@pytest.fixture
def scanner(
    emulator: ScannerEmulator, clock: Clock, events: queue.Queue[object]
) -> Iterator[SerialScanner]:
    s = SerialScanner("scanner", emulator.path, debounce_s=1.5, clock=clock)
    s.start(events.put)
    assert s.started.wait(WAIT)
    yield s
    s.stop()


def next_read(events: queue.Queue[object]) -> object:
    """The next identification or rejection (health events skipped)."""
    while True:
        event = events.get(timeout=WAIT)
        if not isinstance(event, HealthChanged):
            return event


def test_barcode_line_becomes_an_identifier(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.scan("3274001234567")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "3274001234567")
    assert scanner.health is Health.OK


def test_lf_and_crlf_terminators_work_too(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.terminator = b"\n"
    emulator.scan("AAA111")
    emulator.terminator = b"\r\n"
    emulator.scan("BBB222")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "AAA111")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "BBB222")


def test_health_card_swipe_gives_the_ten_digit_field(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.swipe_health_card("070761-4285")
    event = next_read(events)
    assert event == IdentifierRead("scanner", IdSource.MAGSTRIPE, "0707614285")
    assert "0707614285" not in repr(event)


def test_garbled_line_is_rejected_and_the_next_scan_still_works(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.garbage()
    first, second = next_read(events), next_read(events)
    assert isinstance(first, ReadRejected) and isinstance(second, ReadRejected)
    assert "partial" in second.reason or "track" in second.reason
    emulator.scan("12345678")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "12345678")


def test_double_scan_within_debounce_is_one_read(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object],
    clock: Clock,
) -> None:
    emulator.scan("CARD-1")
    emulator.scan("CARD-1")
    emulator.scan("CARD-2")  # a different code is never swallowed
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "CARD-1")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "CARD-2")
    clock.now += 2.0
    emulator.scan("CARD-2")
    clock_late = next_read(events)
    assert clock_late == IdentifierRead("scanner", IdSource.BARCODE, "CARD-2")
    assert events.empty()


def test_prefix_and_suffix_are_stripped(
    emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.prefix, emulator.suffix = "]C0", "#"
    s = SerialScanner("scanner", emulator.path, strip_prefix="]C0", strip_suffix="#")
    s.start(events.put)
    try:
        assert s.started.wait(WAIT)
        emulator.scan("99887766")
        assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "99887766")
    finally:
        s.stop()


def test_unplug_reports_down_and_plug_brings_it_back(
    scanner: SerialScanner, emulator: ScannerEmulator, events: queue.Queue[object]
) -> None:
    emulator.port.unplug()
    while True:
        event = events.get(timeout=WAIT)
        if isinstance(event, HealthChanged) and event.health is Health.DOWN:
            break
    emulator.port.plug()
    while True:
        event = events.get(timeout=WAIT)
        if isinstance(event, HealthChanged) and event.health is Health.OK:
            break
    emulator.scan("AFTER-REPLUG")
    assert next_read(events) == IdentifierRead("scanner", IdSource.BARCODE, "AFTER-REPLUG")
