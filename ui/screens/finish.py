"""The receipt, and the end of a session (paid, cancelled, timed out) with any credit bon."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.payment.states import State
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.messages import message_for
from ui.screens.base import Screen
from ui.widgets import button, label, money_text, ticket_amount, ticket_code


def credit_bon_text(ticket: object) -> str:
    amount = ticket_amount(ticket)
    if amount is None:
        return ""
    text = translate(
        "Finish",
        "You get a credit bon of %1: the automat gives no change. Use it here next time, or "
        "take it to the library desk.",
    ).replace("%1", money_text(amount))
    code = ticket_code(ticket)
    if code:
        text += "\n" + translate("Finish", "Bon code: %1").replace("%1", code)
    return text


class ReceiptScreen(Screen):
    """Paid. The receipt is printed, or shown here when the printer cannot print."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = label()
        self.receipt = label()
        self.receipt.setStyleSheet("font-family: monospace;")
        self.bon = label(name="banner")
        self.bon.setProperty("tone", "ok")
        self.body.addWidget(self.summary)
        self.body.addWidget(self.bon)
        self.body.addWidget(self.receipt, 1)
        self.done = button(role="primary", on_click=bridge.finish_receipt)
        self.buttons.addWidget(self.done)
        self.printed: bool | None = None  # None: not known yet
        self.retranslate()

    def set_printed(self, printed: bool) -> None:
        self.printed = printed
        if self.last is not None:
            self.render(self.last)

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        lines = [
            "✓ " + translate("Finish", "Paid: %1").replace("%1", money_text(view.received)),
            translate("Finish", "Reference: %1").replace("%1", view.transaction_ref),
        ]
        if self.printed is True:
            lines.append(translate("Finish", "Please take your receipt."))
        elif self.printed is False:
            lines.append(
                "⚠ "
                + translate(
                    "Finish",
                    "The receipt could not be printed. It is shown below; the staff can print "
                    "it for you.",
                )
            )
        self.summary.setText("\n".join(lines))
        bon = credit_bon_text(view.credit_bon)
        self.bon.setText(bon)
        self.bon.setVisible(bool(bon))
        if self.printed is False:
            self.receipt.setText(receipt_text(snap))
        else:
            self.receipt.clear()

    def retranslate(self) -> None:
        self.title.setText(translate("Finish", "Thank you"))
        self.done.setText("✓ " + translate("Finish", "Done"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.printed = None
        self.receipt.clear()
        self.summary.clear()
        self.bon.clear()


def receipt_text(snap: Snapshot) -> str:
    """The on-screen receipt: covered claims and amounts, no CPR (only the masked form)."""
    view = snap.view
    rows = []
    if view.selection is not None:
        for c in view.selection.covers():
            rows.append(f"{c.id:<12} {money_text(c.amount):>14}")
    rows.append(f"{translate('Finish', 'Total'):<12} {money_text(view.total):>14}")
    return "\n".join(rows)


class EndedScreen(Screen):
    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label()
        self.bon = label(name="banner")
        self.bon.setProperty("tone", "ok")
        self.body.addStretch(1)
        self.body.addWidget(self.text)
        self.body.addWidget(self.bon)
        self.body.addStretch(1)
        self.finish = button(role="primary", on_click=bridge.reset)
        self.buttons.addWidget(self.finish)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        if view.state is State.DONE:
            self.title.setText("✓ " + translate("Finish", "Thank you"))
            self.text.setText(translate("Finish", "Your payment is complete. Goodbye!"))
        elif view.state is State.TIMED_OUT:
            self.title.setText("◷ " + translate("Finish", "Session ended"))
            self.text.setText(
                translate(
                    "Finish",
                    "The session ended because nothing happened for a while. "
                    "Your details have been cleared.",
                )
            )
        else:
            self.title.setText("✕ " + translate("Finish", "Session ended"))
            quiet = message_for(view.message) or view.credit_bon is not None
            self.text.setText("" if quiet else translate("Finish", "Nothing was paid."))
        bon = credit_bon_text(view.credit_bon)
        self.bon.setText(bon)
        self.bon.setVisible(bool(bon))

    def retranslate(self) -> None:
        self.finish.setText(translate("Finish", "Finish"))
        super().retranslate()
