"""The staff login: the staff number, then the PIN (only the PIN after a staff card)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.payment.states import State
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.messages import message_for
from ui.screens.login import KeypadScreen
from ui.widgets import Keypad, label


class StaffLoginScreen(KeypadScreen):
    def __init__(self, bridge: SessionBridge) -> None:
        self.bridge = bridge
        self.hint = label()
        self.entry = label(name="entry")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keypad = Keypad(max_length=12)
        super().__init__(self.hint, self.entry, self.keypad)
        self.step = "number"  # or "pin"
        self.staff_no = ""
        self.keypad.changed.connect(self._typed)
        self.keypad.submitted.connect(self._submit)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def _typed(self, digits: str) -> None:
        shown = digits if self.step == "number" else "•" * len(digits)
        self.entry.setText(shown or " ")

    def _submit(self, digits: str) -> None:
        self.keypad.clear()
        if self.step == "number":
            self.staff_no, self.step = digits, "pin"
            self.banner.show_message(None)
            return self._words()
        by_card = self.last is not None and self.last.view.staff_by_card
        self.bridge.staff_login(None if by_card else self.staff_no, digits)

    def render(self, snap: Snapshot) -> None:
        fresh = self.last is None or self.last.view.state is not State.STAFF_LOGIN
        view = snap.view
        refused = view.message.startswith("staff_") and view.message != "staff_checking"
        super().render(snap)
        if fresh or (refused and not view.staff_by_card):
            self.step = "pin" if view.staff_by_card else "number"  # a refusal: from the start
            self.staff_no = ""
            self.keypad.clear()
        if view.message == "staff_locked":
            text = self.banner.text().replace("%1", str(view.staff_minutes_left))
            self.banner.words.setText(text)
        self.keypad.setEnabled(view.message != "staff_checking")
        self._words()

    def _words(self) -> None:
        if self.step == "number":
            self.hint.setText(translate("StaffLogin", "Type your staff number."))
        elif self.last is not None and self.last.view.staff_by_card:
            self.hint.setText(translate("StaffLogin", "Staff card read. Type your PIN."))
        else:
            self.hint.setText(
                translate("StaffLogin", "Staff number %1: type your PIN.").replace(
                    "%1", self.staff_no
                )
            )

    def retranslate(self) -> None:
        self.title.setText(translate("StaffLogin", "Staff login"))
        self.keypad.retranslate()
        super().retranslate()
        self._words()

    def forget(self) -> None:
        super().forget()
        self.keypad.clear()
        self.step, self.staff_no = "number", ""
        self.banner.show_message(message_for(""))
