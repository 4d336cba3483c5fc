"""Identification (card, scan or keypad), the PIN, and the waiting screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout

from kiosk.payment.states import State
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.screens.base import Screen
from ui.widgets import Keypad, label, mask_identifier


class KeypadScreen(Screen):
    """Words and an entry beside the keypad on a landscape screen, above it on a portrait one:
    stacked, a 1280×800 screen with larger text, the message and the idle warning has no room
    for the keypad's four rows at the touch minimum."""

    def __init__(self, words: QLabel, entry: QLabel, keypad: Keypad) -> None:
        super().__init__()
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(24)
        self.left = left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(words)
        left.addWidget(entry)
        left.addStretch(1)
        self.row.addLayout(left, 1)
        self.row.addWidget(keypad, 1)
        self.row.addStretch(0)  # portrait: the room the keypad does not use, below it
        self.body.addLayout(self.row, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        portrait = size.height() > size.width()
        direction = (
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        if self.row.direction() != direction:
            self.row.setDirection(direction)
            for i, stretch in enumerate((0, 1, 1) if portrait else (1, 1, 0)):
                self.row.setStretch(i, stretch)


class IdentifyScreen(KeypadScreen):
    def __init__(self, bridge: SessionBridge) -> None:
        self.hint = label()
        self.entry = label(name="entry")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keypad = Keypad(max_length=14)
        super().__init__(self.hint, self.entry, self.keypad)
        self.keypad.changed.connect(self._typed)
        self.keypad.submitted.connect(bridge.identify)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def _typed(self, digits: str) -> None:
        self.entry.setText(mask_identifier(digits) or " ")

    def retranslate(self) -> None:
        self.title.setText(translate("Identify", "Who are you?"))
        self.hint.setText(
            translate(
                "Identify",
                "Show your card to the reader, or type your card number or CPR number.",
            )
        )
        self.keypad.retranslate()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.keypad.clear()


class PinScreen(KeypadScreen):
    def __init__(self, bridge: SessionBridge) -> None:
        self.bridge = bridge
        self.who = label()
        self.entry = label(name="entry")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keypad = Keypad(max_length=8)
        super().__init__(self.who, self.entry, self.keypad)
        self.keypad.changed.connect(lambda d: self.entry.setText("•" * len(d) or " "))
        self.keypad.submitted.connect(self._submit)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def _submit(self, pin: str) -> None:
        self.keypad.clear()
        self.bridge.enter_pin(pin)

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        checking = view.message == "checking"
        self.keypad.setEnabled(not checking)
        left = view.pin_attempts_left
        # no part of the CPR on screen: the birth date is readable from behind the citizen
        self.who.setText(translate("Pin", "Health card read.") + "\n" if view.by_cpr else "")
        if view.message == "wrong_pin":
            self.who.setText(
                self.who.text() + translate("Pin", "Attempts left: %1").replace("%1", str(left))
            )

    def retranslate(self) -> None:
        self.title.setText(translate("Pin", "Type your PIN"))
        self.keypad.retranslate()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.keypad.clear()
        self.who.clear()


class BusyScreen(Screen):
    """Loading the claims, or finishing the payment: the citizen waits, the GUI does not."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spinner = label("◷")
        self.spinner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spinner.setStyleSheet("font-size: 96px;")
        self.body.addStretch(1)
        self.body.addWidget(self.spinner)
        self.body.addStretch(1)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        settling = snap.view.state is State.SETTLING
        self.cancel.setVisible(not settling)  # the money is in: settlement finishes on its own
        self.title.setText(
            translate("Busy", "Finishing your payment …")
            if settling
            else translate("Busy", "Finding your claims …")
        )

    def retranslate(self) -> None:
        self.title.setText(translate("Busy", "Finding your claims …"))
        super().retranslate()
