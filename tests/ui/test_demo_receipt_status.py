"""What the receipt and end screens say once the core's printer answered: printed (take it), or
not printed (the receipt's own text with its reference, for staff to reprint; a credit bon's code
in large type, so the citizen never loses the credit)."""

from __future__ import annotations

from datetime import UTC, datetime

from drivers.base.printer import PrintOutcome, PrintResult
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.receipts import Issued, PaidClaim, ReceiptData, ReceiptDesk, render_bon, render_receipt
from tests.ui.conftest import UiWorld
from tests.ui.test_flow import choose_claims
from ui.screens.finish import PrintStatusRelay


class Printer:
    """A receipt printer that prints or, with ``paper_out``, refuses as a real one does."""

    def __init__(self, paper_out: bool) -> None:
        self.paper_out = paper_out

    def print_document(self, _document: object) -> PrintResult:
        if self.paper_out:
            return PrintResult(PrintOutcome.PAPER_OUT, "paper out")
        return PrintResult(PrintOutcome.PRINTED)


def pay_cash_with_credit(ui: UiWorld) -> None:
    ui.login()
    choose_claims(ui, "101", "102")  # the three debtor claims: 60 kr
    ui.click(ui.window.claims.pay)
    ui.wait_screen(ui.window.methods)
    ui.click(ui.window.methods.method_buttons["cash"])
    ui.wait_screen(ui.window.cash)
    ui.coins.insert(2000)
    ui.qtbot.waitUntil(lambda: ui.view.received == Money(2000), timeout=15_000)
    ui.notes.insert(5000)  # 10 kr over: a credit bon
    ui.wait_screen(ui.window.receipt)
    ui.qtbot.waitUntil(lambda: ui.view.credit_bon is not None, timeout=15_000)


def issue_both(ui: UiWorld, paper_out: bool) -> tuple[Issued, Issued]:
    """The receipt and credit bon of the session on screen, handed to a printer."""
    view = ui.view
    assert view.selection is not None
    desk = ReceiptDesk(Printer(paper_out))  # type: ignore[arg-type]
    receipt = desk.issue(
        render_receipt(
            ReceiptData(
                library_name="Testbiblioteket",
                automat_id="test-01",
                paid_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
                claims=[PaidClaim.from_claim(c, "pending") for c in view.selection.covers()],
                method="cash",
                transaction_ref=view.transaction_ref,
                credit_bon_ref=view.credit_bon.short_code_display,
            )
        )
    )
    bon = desk.issue(render_bon(view.credit_bon.print_data("Testbiblioteket")))
    return receipt, bon


def test_printed_receipt_and_bon_say_take_them(ui: UiWorld) -> None:
    relay = PrintStatusRelay(ui.window.receipt, ui.window.ended)
    pay_cash_with_credit(ui)
    receipt, bon = issue_both(ui, paper_out=False)
    relay(receipt)  # from a worker thread in the automat; queued to the GUI thread
    relay(bon)
    screen = ui.window.receipt
    ui.qtbot.waitUntil(lambda: "udskrevet" in screen.bon.text(), timeout=15_000)
    assert "Kvitteringen er udskrevet. Husk din kvittering." in screen.summary.text()
    assert screen.receipt.text() == ""  # nothing to read on screen: it is on paper
    assert not screen.bon_code.isVisible()


def test_paper_out_shows_the_receipt_and_the_bon_code_on_screen(ui: UiWorld) -> None:
    relay = PrintStatusRelay(ui.window.receipt, ui.window.ended)
    pay_cash_with_credit(ui)
    receipt, bon = issue_both(ui, paper_out=True)
    assert not receipt.printed and not bon.printed
    relay(receipt)
    relay(bon)
    screen = ui.window.receipt
    ticket = ui.view.credit_bon
    ui.qtbot.waitUntil(screen.bon_code.isVisible, timeout=15_000)
    assert "kunne ikke udskrives" in screen.summary.text()
    assert "personalet" in screen.summary.text()  # staff can reprint it
    shown = screen.receipt.text()
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


def test_another_sessions_receipt_changes_nothing(ui: UiWorld) -> None:
    relay = PrintStatusRelay(ui.window.receipt, ui.window.ended)
    pay_cash_with_credit(ui)
    other = ReceiptDesk(None).issue(render_bon(_other_bon(ui)))
    relay(other)
    ui.qtbot.wait(50)
    ui.window.bridge.worker.drain()
    assert not ui.window.receipt.bon_code.isVisible()
    assert "kunne ikke" not in ui.window.receipt.summary.text()


def _other_bon(ui: UiWorld):  # type: ignore[no-untyped-def]
    return ui.bons.issue(Money(500), "desk").print_data("Testbiblioteket")
