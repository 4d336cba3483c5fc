"""Choosing how to pay, and paying: card (the terminal's prompts), cash, bon."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout

from kiosk.config.model import CashSection
from kiosk.money import Money
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.screens.base import Screen
from ui.widgets import CROCKFORD, Keypad, button, label, money_text


def amounts_text(snap: Snapshot) -> str:
    view = snap.view
    lines = [translate("Pay", "To pay: %1").replace("%1", money_text(view.total))]
    if view.received.ore:
        lines.append(translate("Pay", "Paid so far: %1").replace("%1", money_text(view.received)))
        lines.append(translate("Pay", "Still to pay: %1").replace("%1", money_text(view.due)))
    return "\n".join(lines)


class MethodsScreen(Screen):
    """Only the methods whose devices are healthy now are offered: side by side on a landscape
    screen, stacked on a portrait one (stacked, three amount lines in title type and three
    method buttons outgrow a 1280×800 screen with larger text)."""

    def __init__(self, bridge: SessionBridge, open_bon: Callable[[], None]) -> None:
        super().__init__()
        self.amounts = label(name="amount")
        self.body.addWidget(self.amounts)
        self.method_buttons = {
            "card": button(role="primary", on_click=bridge.choose_card),
            "cash": button(role="primary", on_click=bridge.choose_cash),
            "bon": button(role="primary", on_click=open_bon),
        }
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(18)
        for b in self.method_buttons.values():
            self.row.addWidget(b)
        self.body.addLayout(self.row)
        self.none = label()
        self.body.addWidget(self.none)
        self.body.addStretch(1)
        self.back = button(on_click=bridge.back)
        self.buttons.addWidget(self.back)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        self.amounts.setText(amounts_text(snap))
        for method, b in self.method_buttons.items():
            b.setVisible(method in snap.methods)
        self.none.setVisible(not snap.methods)
        self.back.setVisible(snap.view.received.ore == 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        direction = (
            QBoxLayout.Direction.TopToBottom
            if size.height() > size.width()
            else QBoxLayout.Direction.LeftToRight
        )
        if self.row.direction() != direction:
            self.row.setDirection(direction)
            self.row.setSpacing(10 if direction is QBoxLayout.Direction.TopToBottom else 18)

    def retranslate(self) -> None:
        self.title.setText(translate("Pay", "How do you want to pay?"))
        self.method_buttons["card"].setText(translate("Pay", "Payment card"))
        self.method_buttons["cash"].setText(translate("Pay", "Coins and notes"))
        self.method_buttons["bon"].setText(translate("Pay", "Bon from the staff"))
        self.none.setText(
            "⚠ " + translate("Pay", "No way of paying works right now. Please ask the staff.")
        )
        self.back.setText("← " + translate("Common", "Back"))
        super().retranslate()


class CardScreen(Screen):
    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.amounts = label(name="amount")
        self.prompt = label(name="entry")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label()
        self.body.addWidget(self.amounts)
        self.body.addWidget(self.hint)
        self.body.addWidget(self.prompt)
        self.body.addStretch(1)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        self.amounts.setText(amounts_text(snap))
        self.prompt.setText(snap.view.card_prompt or "…")

    def retranslate(self) -> None:
        self.title.setText(translate("Pay", "Pay by card"))
        self.hint.setText(
            translate("Pay", "Follow the instructions on the card terminal. It says:")
        )
        super().retranslate()


class CashScreen(Screen):
    def __init__(self, bridge: SessionBridge, cash: CashSection) -> None:
        super().__init__()
        self.cash = cash
        self.amounts = label(name="amount")
        self.accepted = label()
        self.no_change = label(name="muted")
        self.body.addWidget(self.amounts)
        self.body.addWidget(self.accepted)
        self.body.addWidget(self.no_change)
        self.body.addStretch(1)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        self.amounts.setText(
            "\n".join(
                [
                    translate("Pay", "To pay: %1").replace("%1", money_text(view.total)),
                    translate("Pay", "Inserted: %1").replace("%1", money_text(view.received)),
                    translate("Pay", "Still to pay: %1").replace("%1", money_text(view.due)),
                ]
            )
        )

    def retranslate(self) -> None:
        self.title.setText(translate("Pay", "Insert coins or notes"))
        coins = ", ".join(money_text(Money(v)) for v in sorted(self.cash.accepted_coins))
        notes = ", ".join(money_text(Money(v)) for v in sorted(self.cash.accepted_notes))
        self.accepted.setText(
            translate("Pay", "Coins: %1").replace("%1", coins)
            + "\n"
            + translate("Pay", "Notes: %1").replace("%1", notes)
        )
        self.no_change.setText(
            translate(
                "Pay",
                "The automat gives no change: if you pay too much, or press Cancel after "
                "inserting money, you get a credit bon for the amount.",
            )
        )
        super().retranslate()


class BonScreen(Screen):
    """Scan the bon's QR code, or type the code printed under it."""

    def __init__(self, bridge: SessionBridge, close: Callable[[], None]) -> None:
        super().__init__()
        self.bridge = bridge
        self.close = close
        self.amounts = label()
        self.hint = label()
        self.entry = label(name="entry")
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keypad = Keypad(max_length=10, alphabet=CROCKFORD, columns=12)
        self.keypad.changed.connect(self._typed)
        self.keypad.submitted.connect(self.submit)
        self.body.addWidget(self.amounts)
        self.body.addWidget(self.hint)
        self.body.addWidget(self.entry)
        self.body.addWidget(self.keypad, 1)
        self.back = button(on_click=close)
        self.buttons.addWidget(self.back)
        self.add_cancel(bridge.cancel)
        self.retranslate()

    def _typed(self, code: str) -> None:
        self.entry.setText(f"{code[:5]}-{code[5:]}" if len(code) > 5 else code or " ")

    def submit(self, payload: str) -> None:
        """A typed code or a scanned QR payload."""
        self.keypad.clear()
        self.close()  # the answer (paid, partly paid or refused) shows on the next screen
        self.bridge.redeem_bon(payload)

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        self.amounts.setText(
            translate("Pay", "Still to pay: %1").replace(
                "%1", money_text(view.total - view.received)
            )
        )

    def retranslate(self) -> None:
        self.title.setText(translate("Pay", "Pay with a bon"))
        self.hint.setText(
            translate("Pay", "Hold the bon's QR code to the scanner, or type the code under it.")
        )
        self.back.setText("← " + translate("Common", "Back"))
        self.keypad.retranslate()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.keypad.clear()
