"""Find a citizen's payment by the reference on its receipt or a bon's code, and print a copy
of its receipt (the core marks it KOPI)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from kiosk.receipts import METHOD_TEXT, danish_datetime
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import CROCKFORD, Keypad, button, label, money_text


class FindPaymentScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.hint = label()
        self.entry = label(name="entry")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.found_text = label()
        self.keypad = Keypad(max_length=16, alphabet=CROCKFORD, columns=12)
        self.keypad.changed.connect(lambda text: self.entry.setText(text or " "))
        self.keypad.submitted.connect(self.find)
        for w in (self.hint, self.entry, self.found_text):
            self.body.addWidget(w)
        self.body.addWidget(self.keypad, 1)
        self.print_copy = button(role="primary", on_click=self.reprint)
        self.buttons.addWidget(self.print_copy)
        self.found: Any = None
        self.retranslate()
        self._show(None)

    def find(self, text: str) -> None:
        self.keypad.clear()
        self.entry.setText(text)
        self.run(lambda desk, user: desk.find_session(user, text), self._show)

    def _show(self, found: Any) -> None:
        self.found = found
        self.print_copy.setVisible(found is not None and found.has_receipt)
        if found is None:
            self.found_text.clear()
            return
        lines = [
            translate("StaffReceipts", "Reference: %1").replace(
                "%1", found.transaction_ref or found.session_id),
            translate("StaffReceipts", "Started: %1 at automat %2")
            .replace("%1", danish_datetime(found.started_at)).replace("%2", found.automat_id),
            translate("StaffReceipts", "Received: %1, paid: %2 (%3)")
            .replace("%1", money_text(found.received)).replace("%2", money_text(found.paid))
            .replace("%3", METHOD_TEXT.get(found.method, found.method or "–")),
        ]
        if not found.has_receipt:
            lines.append(translate("StaffReceipts", "Nothing was paid: there is no receipt."))
        self.found_text.setText("\n".join(lines))

    def refused(self, error: BaseException) -> None:
        from kiosk.staff.desk import SessionNotFound

        if isinstance(error, SessionNotFound):  # no earlier payment stays to be reprinted
            self._show(None)

    def reprint(self) -> None:
        found = self.found
        if found is None:
            return
        self.run(lambda desk, user: desk.reprint_receipt(user, found.session_id), self._printed)

    def _printed(self, issued: Any) -> None:
        if issued.printed:
            self.say("ok", translate("StaffReceipts", "A copy of the receipt was printed."))
        else:
            self.say("warn", translate(
                "StaffReceipts", "The printer did not print the copy (%1).")
                .replace("%1", issued.result.detail or issued.result.outcome.value))

    def opened(self) -> None:
        super().opened()
        self.keypad.clear()
        self._show(None)

    def retranslate(self) -> None:
        self.title.setText(translate("StaffReceipts", "Find a payment"))
        self.hint.setText(translate(
            "StaffReceipts", "Type the reference on the receipt (K…) or the code of a bon."))
        self.print_copy.setText(translate("StaffReceipts", "Print a copy of the receipt"))
        self.keypad.retranslate()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.opened()
