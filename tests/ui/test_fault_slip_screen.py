"""Out of order with money in: the core's ReceiptService prints the fault slip, and the screen
says what became of it — printed: take it to the staff; refused: the slip's own text on screen
(scrolling, reference in view) to photograph — in Danish and English."""

from __future__ import annotations

import pytest

from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.receipts import FAULT_SLIP_TITLE
from tests.integration.test_ledger_fault import Outage
from tests.ui.conftest import WAIT_MS, UiWorld
from tests.ui.test_idle_ledger_fault import pay_cash

PHOTO_DA = "Tag et billede af skærmen og vis det til personalet"
PHOTO_EN = "Take a picture of the screen and show it to the staff"
TAKE_DA = "Tag sedlen med til personalet"


def fault_with_slip(ui: UiWorld, paper_out: bool) -> Outage:
    """The core's receipt service on a printer that prints or refuses; then a coin the ledger
    cannot take (30 kr in, 20 of it recorded)."""
    ui.printer.paper_out = paper_out
    outage = Outage(ui.engine)
    pay_cash(ui)
    outage.mode = "readonly"
    ui.coins.insert(1000)
    ui.wait_state(State.LEDGER_FAULT)
    ui.wait_screen(ui.window.ended)
    return outage


def test_printer_refused_shows_the_slip_to_photograph(ui: UiWorld) -> None:
    outage = fault_with_slip(ui, paper_out=True)
    ended = ui.window.ended
    ui.qtbot.waitUntil(ended.slip_area.isVisible, timeout=WAIT_MS)
    ref = ui.view.fault_ref
    slip = ended.slip.text()
    assert FAULT_SLIP_TITLE.upper() in slip and "30,00 kr" in slip and f"Reference: {ref}" in slip
    assert slip == ui.printer.texts("fault_slip")[-1] and ui.printer.slips == []  # as refused
    words = ended.text.text()
    assert PHOTO_DA in words and "kunne ikke udskrives" in words
    assert ref in words and "30,00 kr" in words  # the reference stays in view above the slip
    assert ended.slip_area.widgetResizable() and ended.text.isVisible()
    ui.window.choose_language("en")
    assert PHOTO_EN in ended.text.text() and ref in ended.text.text()
    assert ended.slip.text() == slip  # the slip is the paper's own (Danish) text
    ui.window.choose_language("da")
    outage.mode = None
    ui.run_retries()
    ui.wait_state(State.CANCELLED)  # back in service: a credit bon, the slip is no longer shown
    ui.settle()
    assert not ended.slip_area.isVisible() and ended.slip.text() == ""
    assert PHOTO_DA not in ended.text.text()


def test_slip_longer_than_the_screen_scrolls(ui: UiWorld) -> None:
    fault_with_slip(ui, paper_out=True)
    ended = ui.window.ended
    ui.qtbot.waitUntil(ended.slip_area.isVisible, timeout=WAIT_MS)
    ui.window.toggle_large_text()
    ui.qtbot.waitUntil(lambda: ended.slip_area.verticalScrollBar().maximum() > 0, timeout=WAIT_MS)
    assert ended.text.isVisible() and ui.view.fault_ref in ended.text.text()


@pytest.mark.parametrize("language, take", [("da", TAKE_DA), ("en", "Take the slip to the staff")])
def test_printed_slip_says_take_it_to_the_staff(ui: UiWorld, language: str, take: str) -> None:
    ui.window.choose_language(language)
    fault_with_slip(ui, paper_out=False)
    ended = ui.window.ended
    ui.qtbot.waitUntil(lambda: take in ended.text.text(), timeout=WAIT_MS)
    assert ui.view.fault_ref in ended.text.text()
    assert not ended.slip_area.isVisible() and ended.slip.text() == ""
    (printed,) = ui.printer.slips
    assert printed.kind == "fault_slip" and ui.view.fault_ref in ui.printer.texts("fault_slip")[0]
    assert PHOTO_DA not in ended.text.text() and PHOTO_EN not in ended.text.text()
    assert ui.view.received == Money(3000)
