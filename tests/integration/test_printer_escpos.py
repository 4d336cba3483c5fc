"""The ESC/POS driver against the printer emulator on a pty: receipts and bons as printed,
QR codes read back by a real decoder, and paper near end / out / no answer / unplugged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

try:
    from pyzbar.pyzbar import decode
except ImportError as exc:  # libzbar0 missing
    decode = None
    ZBAR_MISSING = str(exc)

from drivers.base.events import Health, HealthChanged
from drivers.base.printer import PaperAlert, PaperStatus, PrintOutcome
from drivers.emulation.pty import PtyPort
from drivers.escpos.emulator import EscposEmulator, Slip
from drivers.escpos.printer import EscposPrinter
from kiosk.cpr import Cpr
from kiosk.domain import PayableIn
from kiosk.money import Money
from kiosk.receipts import BonData, PaidClaim, ReceiptData, as_text, render_bon, render_receipt

CPR = Cpr.parse("070761-4285")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EscposEmulator]:
    emu = EscposEmulator(PtyPort("printer", tmp_path)).start()
    yield emu
    emu.stop()


@pytest.fixture
def events() -> list[object]:
    return []


@pytest.fixture
def printer(emulator: EscposEmulator, events: list[object]) -> Iterator[EscposPrinter]:
    p = EscposPrinter.serial("printer", emulator.path, timeout_s=1.0)
    p.start(events.append)
    yield p
    p.stop()


def receipt() -> ReceiptData:
    return ReceiptData(
        library_name="Køge Bibliotekerne",
        automat_id="koege-02",
        paid_at=datetime(2026, 11, 25, 9, 5),
        claims=(
            PaidClaim("Gebyr: Blå bog om ærø", Money(3000), PayableIn.FBS),
            PaidClaim(f"Erstatning (cpr {CPR.formatted})", Money(24950), PayableIn.DEBTOR),
        ),
        method="mixed",
        transaction_ref="T-KOEGE02-000731",
        terminal_receipt_text="Dankort\n4571 0000 1111 2222\nGodkendt",
        credit_bon_ref="B-4711",
    )


def bon() -> BonData:
    return BonData(
        amount=Money(12500),
        short_code="ØRE7-A1B2",
        qr_payload="BON1:8f1c2e:3q9Zt7Wk",
        issued_at=datetime(2026, 11, 25, 11, 0),
        expires=date(2027, 2, 23),
        issuer="Søren på Hovedbiblioteket",
        reason="Kontant betaling i skranken",
    )


def qr_codes_in(slip: Slip, tmp_path: Path) -> list[str]:
    if decode is None:
        reason = f"no QR decoder (pyzbar needs libzbar0): {ZBAR_MISSING}"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    png = slip.save_png(tmp_path / "slip.png")
    return [symbol.data.decode("utf-8") for symbol in decode(Image.open(png))]


def test_receipt_prints_with_danish_letters_and_a_readable_qr(
    printer: EscposPrinter, emulator: EscposEmulator, tmp_path: Path
) -> None:
    result = printer.print_document(render_receipt(receipt()))
    assert result.outcome is PrintOutcome.PRINTED
    [slip] = emulator.wait_for_slips(1)
    text = slip.text
    for expected in ("Køge Bibliotekerne", "Blå bog om ærø", "30,00 kr.", "249,50 kr.",
                     "Betalt i FBS", "Sendt til kommunens debitorsystem", "koege-02",
                     "25.11.2026 kl. 09.05", "Tilgodebevis (bon): B-4711", "************2222"):
        assert expected in text, expected
    assert emulator.parser.code_page == "cp865"
    assert qr_codes_in(slip, tmp_path) == ["T-KOEGE02-000731"]
    assert CPR.digits not in text and CPR.formatted not in text and CPR.masked not in text
    assert emulator.errors == []


def test_bon_prints_with_its_qr_payload(
    printer: EscposPrinter, emulator: EscposEmulator, tmp_path: Path
) -> None:
    assert printer.print_document(render_bon(bon())).printed
    [slip] = emulator.wait_for_slips(1)
    assert "125,00 kr." in slip.text
    assert "ØRE7-A1B2" in slip.text
    assert "Søren på Hovedbiblioteket" in slip.text
    assert "23.02.2027" in slip.text
    assert qr_codes_in(slip, tmp_path) == ["BON1:8f1c2e:3q9Zt7Wk"]


def test_near_end_prints_and_raises_a_maintenance_alert(
    printer: EscposPrinter, emulator: EscposEmulator, events: list[object]
) -> None:
    emulator.paper = PaperStatus.NEAR_END
    result = printer.print_document(render_receipt(receipt()))
    assert result.outcome is PrintOutcome.PRINTED_PAPER_LOW and result.printed
    assert emulator.wait_for_slips(1)
    assert printer.health is Health.DEGRADED
    assert PaperAlert("printer", PaperStatus.NEAR_END) in events
    assert HealthChanged("printer", Health.DEGRADED, "paper near end") in events


def test_paper_out_refuses_cleanly_and_prints_after_refill(
    printer: EscposPrinter, emulator: EscposEmulator, events: list[object]
) -> None:
    emulator.paper = PaperStatus.OUT
    document = render_receipt(receipt())
    result = printer.print_document(document)
    assert result.outcome is PrintOutcome.PAPER_OUT and not result.printed
    assert printer.health is Health.DOWN
    assert PaperAlert("printer", PaperStatus.OUT) in events
    requests = emulator.parser.status_requests
    assert emulator.parser.discarded_bytes == 0  # the driver sent nothing after "out"
    assert "T-KOEGE02-000731" in as_text(document)  # still there for the screen and a reprint

    emulator.paper = PaperStatus.OK
    assert printer.print_document(document).outcome is PrintOutcome.PRINTED
    assert len(emulator.wait_for_slips(1)) == 1
    assert emulator.parser.status_requests == requests + 1
    assert printer.health is Health.OK


def test_no_answer_is_refused_not_assumed_fine(
    emulator: EscposEmulator, events: list[object]
) -> None:
    p = EscposPrinter.serial("printer", emulator.path, timeout_s=0.3)
    p.start(events.append)
    emulator.answering = False
    result = p.print_document(render_bon(bon()))
    assert result.outcome is PrintOutcome.NOT_ANSWERING
    assert p.health is Health.DOWN
    assert emulator.slips == []
    p.stop()


def test_unplugged_printer_is_refused_and_found_again(
    printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    emulator.port.unplug()
    result = printer.print_document(render_receipt(receipt()))
    assert result.outcome is PrintOutcome.NOT_ANSWERING
    assert printer.health is Health.DOWN
    emulator.port.plug()
    assert printer.print_document(render_receipt(receipt())).printed
    assert len(emulator.wait_for_slips(1)) == 1
    assert printer.health is Health.OK



def test_network_printer_gets_the_same_checks_and_bytes(tmp_path: Path) -> None:
    from drivers.escpos.emulator import EscposNetworkEmulator

    emu = EscposNetworkEmulator().start()
    events: list[object] = []
    p = EscposPrinter.network("printer", emu.host, tcp_port=emu.port, timeout_s=1.0)
    try:
        p.start(events.append)
        assert p.print_document(render_bon(bon())).printed
        [slip] = emu.wait_for_slips(1)
        assert "ØRE7-A1B2" in slip.text
        assert qr_codes_in(slip, tmp_path) == ["BON1:8f1c2e:3q9Zt7Wk"]
        emu.paper = PaperStatus.OUT
        assert p.print_document(render_bon(bon())).outcome is PrintOutcome.PAPER_OUT
        emu.answering = False
        assert p.print_document(render_bon(bon())).outcome is PrintOutcome.NOT_ANSWERING
    finally:
        p.stop()
        emu.stop()


def test_missing_device_is_a_typed_refusal(tmp_path: Path) -> None:
    p = EscposPrinter.serial("printer", str(tmp_path / "no-such-printer"), timeout_s=0.2)
    events: list[object] = []
    p.start(events.append)
    result = p.print_document(render_bon(bon()))
    assert result.outcome is PrintOutcome.NOT_ANSWERING and not result.printed
    assert p.health is Health.DOWN


def test_desk_keeps_a_refused_receipt_for_the_screen_and_a_reprint(
    printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    from kiosk.receipts import ReceiptDesk

    desk = ReceiptDesk(printer)
    emulator.paper = PaperStatus.OUT
    issued = desk.issue(render_receipt(receipt()))
    assert not issued.printed and "T-KOEGE02-000731" in issued.text
    assert emulator.slips == []
    emulator.paper = PaperStatus.OK
    again = desk.reprint()
    assert again is not None and again.printed
    [slip] = emulator.wait_for_slips(1)
    assert "T-KOEGE02-000731" in slip.text
    assert not ReceiptDesk(None).issue(render_bon(bon())).printed
