"""What the receipt and end screens say once the core's printer answered: printed (take it), or
not printed (the receipt's own text with its reference, for staff to reprint; a credit bon's code
in large type, so the citizen never loses the credit). The core's receipt service prints, as in
the automat; the printer is the in-memory one of the UI world."""

from __future__ import annotations

import dataclasses

from kiosk.money import Money
from kiosk.payment.states import State
from tests.ui.conftest import WAIT_MS, UiWorld
from tests.ui.test_flow import choose_claims
from tests.ui.test_layout_all_screens import refused_receipt
from ui.bridge import Snapshot
from ui.screens.finish import PrintStatus


def pay_cash_with_credit(ui: UiWorld) -> None:
    ui.login()
    choose_claims(ui, "101", "102")  # the three debtor claims: 60 kr
    ui.click(ui.window.claims.pay)
    ui.wait_screen(ui.window.methods)
    ui.click(ui.window.methods.method_buttons["cash"])
    ui.wait_screen(ui.window.cash)
    ui.coins.insert(2000)
    ui.qtbot.waitUntil(lambda: ui.view.received == Money(2000), timeout=WAIT_MS)
    ui.notes.insert(5000)  # 10 kr over: a credit bon
    ui.wait_screen(ui.window.receipt)
    ui.qtbot.waitUntil(lambda: ui.view.credit_bon is not None, timeout=WAIT_MS)


def test_printed_receipt_and_bon_say_take_them(ui: UiWorld) -> None:
    pay_cash_with_credit(ui)
    screen = ui.window.receipt
    ui.qtbot.waitUntil(lambda: "udskrevet" in screen.bon.text(), timeout=WAIT_MS)
    assert "Kvitteringen er udskrevet. Husk din kvittering." in screen.summary.text()
    assert screen.receipt.text() == ""  # nothing to read on screen: it is on paper
    assert not screen.bon_code.isVisible()
    # on paper: the receipt of this payment, naming its credit bon, then the bon itself
    assert [d.kind for d in ui.printer.slips] == ["receipt", "bon"]
    ticket = ui.view.credit_bon
    (receipt,) = ui.printer.texts("receipt")
    assert ui.view.transaction_ref in receipt and ticket.short_code_display in receipt
    (bon,) = ui.printer.texts("bon")
    assert "10,00" in bon and ticket.qr_payload in bon


def test_paper_out_shows_the_receipt_and_the_bon_code_on_screen(ui: UiWorld) -> None:
    ui.printer.paper_out = True
    pay_cash_with_credit(ui)
    screen = ui.window.receipt
    ticket = ui.view.credit_bon
    ui.qtbot.waitUntil(screen.bon_code.isVisible, timeout=WAIT_MS)
    assert ui.printer.slips == [] and len(ui.printer.documents) == 2  # nothing came out
    assert "kunne ikke udskrives" in screen.summary.text()
    assert "personalet" in screen.summary.text()  # staff can reprint it
    shown = screen.receipt.text()
    assert shown == ui.printer.texts("receipt")[0]  # the refused receipt, as it would print
    assert f"Reference: {ui.view.transaction_ref}" in shown and "KVITTERING" in shown
    assert screen.bon_code.text() == ticket.short_code_display
    assert "Gem denne kode" in screen.bon.text()
    # the end screen keeps the code in view after "Done"
    ui.click(screen.done)
    ui.wait_state(State.DONE)
    ui.wait_screen(ui.window.ended)
    assert ui.window.ended.bon_code.isVisible()
    assert ui.window.ended.bon_code.text() == ticket.short_code_display
    assert ui.audit_clean()


def test_another_sessions_bon_changes_nothing(ui: UiWorld) -> None:
    pay_cash_with_credit(ui)
    screen = ui.window.receipt
    ui.qtbot.waitUntil(lambda: "udskrevet" in screen.bon.text(), timeout=WAIT_MS)
    # a bon no session shows (one recovery issued) does not print: its answer reaches the screens
    ui.printer.paper_out = True
    other = ui.bons.issue(Money(500), "desk")
    assert ui.rig.receipts is not None
    ui.rig.receipts.print_bon(other)
    other_code = other.short_code
    ui.qtbot.waitUntil(
        lambda: any(e.is_bon(other_code) for e in screen.print_log.entries), timeout=WAIT_MS
    )
    assert not screen.bon_code.isVisible()
    assert "kunne ikke" not in screen.summary.text() and "udskrevet" in screen.bon.text()


def test_the_printers_answer_after_the_screen_is_up_gets_its_room(ui: UiWorld) -> None:
    # The walkthrough's receipt after a paper-out session and one in portrait with larger text
    # was squeezed to two lines with a scroll bar: the "printed" line came after the words had
    # been laid out, and the screen kept their first height. The printer answers here once the
    # screen is up, as it does in the automat.
    w, screen = ui.window, ui.window.receipt
    w.resize(1280, 800)
    ui.login()
    ui.wait_screen(w.claims)
    claims = ui.window.snapshot
    assert claims is not None

    def receipt(ref: str) -> Snapshot:
        view = dataclasses.replace(claims.view, state=State.RECEIPT, received=Money(100),
                                   transaction_ref=ref)
        return Snapshot(view, claims.methods)

    first = receipt("T-1")
    screen.print_log.add(refused_receipt(first))  # paper out: the whole receipt on screen
    screen.render(first)
    w.stack.setCurrentWidget(screen)
    ui.process_events()
    screen.forget()
    w.stack.setCurrentWidget(w.claims)
    w.resize(1080, 1920)  # the next citizen: portrait, high contrast, larger text
    w.toggle_contrast()
    w.toggle_large_text()
    ui.process_events()
    w.toggle_contrast()
    w.toggle_large_text()
    w.resize(1280, 800)
    w.stack.setCurrentWidget(w.attract)
    ui.process_events()
    second = receipt("T-2")
    screen.render(second)  # the printer has not answered yet
    w.stack.setCurrentWidget(screen)
    ui.process_events()
    screen.print_log.add(PrintStatus("receipt", True, "KVITTERING T-2"))
    screen.render(second)
    for _ in range(3):  # the area asks for its height once its words are laid out
        ui.process_events()
    assert "udskrevet" in screen.summary.text()
    area = screen.words_area
    assert area.height() >= area.sizeHint().height() == area.words.heightForWidth(area.width())
    assert area.verticalScrollBar().maximum() == 0  # all of it in view: nothing to scroll
