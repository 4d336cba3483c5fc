"""Cash-box emptying: per box the pieces the ledger expects of each denomination; the person
counts each on the keypad (a figure not typed is 0, and shows as 0); "Show the difference"
checks the count against the ledger, and only then "Record the emptying" writes it
(``StaffDesk.empty_cash_box``: ``kiosk.cashbox.CashBoxes.empty``, then the slip printed). Any
change to a figure asks for the check again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.cashbox import MAX_PIECES, DenominationLine
from kiosk.money import Money
from ui.i18n import translate
from ui.screens.claims import ClaimsList
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import Keypad, button, label, money_text

MAX_DIGITS = len(str(MAX_PIECES))
MAX_ROWS = 8  # denominations in two columns: more than any box has (a stretch row below them)


def signed(amount: Money) -> str:
    return ("+" if amount.ore > 0 else "") + money_text(amount)


class CashBoxScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.box_row = QHBoxLayout()
        self.body.addLayout(self.box_row)
        self.box_group = QButtonGroup(self)
        self.box_group.setExclusive(True)
        self.box_buttons: dict[str, QPushButton] = {}
        self.hint = label()
        self.body.addWidget(self.hint)
        left = QVBoxLayout()
        lines = QWidget()
        self.rows = QGridLayout(lines)
        self.rows.setContentsMargins(0, 0, 0, 0)
        for column in (0, 1):  # two even columns: without it the first one clips its text
            self.rows.setColumnStretch(column, 1)
        self.rows.setRowStretch(MAX_ROWS, 1)  # the lines at the top, the room below them
        scroll = ClaimsList()  # with larger text the lines scroll rather than grow the window
        scroll.setWidgetResizable(True)
        scroll.setWidget(lines)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.addWidget(scroll, 1)
        self.total = label()
        left.addWidget(self.total)
        self.line_group = QButtonGroup(self)
        self.line_group.setExclusive(True)
        self.line_buttons: dict[int, QPushButton] = {}
        self.keypad = Keypad(max_length=MAX_DIGITS)
        self.keypad.changed.connect(self._typed)
        self.keypad.ok.clicked.connect(lambda _checked=False: self._next_line())
        row = QGridLayout()
        row.addLayout(left, 0, 0)
        row.addWidget(self.keypad, 0, 1)
        row.setColumnStretch(0, 3)
        row.setColumnStretch(1, 2)
        self.body.addLayout(row, 1)
        self.check = button(on_click=self.show_difference)
        self.record = button(role="primary", on_click=self.record_emptying)
        self.buttons.addWidget(self.check)
        self.buttons.addWidget(self.record)
        self.boxes: list[Any] = []
        self.box: Any = None
        self.counted: dict[int, int] = {}
        self.checked = False
        self.retranslate()
        self._show_box(None)

    # -- loading ---------------------------------------------------------------------------------
    def opened(self) -> None:
        super().opened()
        self._listed([])
        self.run(lambda desk, user: desk.boxes_to_count(user), self._listed)

    def _listed(self, boxes: list[Any]) -> None:
        chosen = self.box.device if self.box is not None else None
        for b in self.box_buttons.values():
            self.box_group.removeButton(b)
            b.deleteLater()
        self.box_buttons.clear()
        self.boxes = list(boxes)
        for box in self.boxes:
            b = button(box.name, on_click=lambda box=box: self._show_box(box), wrap=True)
            b.setCheckable(True)
            self.box_group.addButton(b)
            self.box_buttons[box.device] = b
            self.box_row.addWidget(b)
            b.show()
        again = next((b for b in self.boxes if b.device == chosen), None)
        self._show_box(again or (self.boxes[0] if self.boxes else None))

    def _show_box(self, box: Any) -> None:
        self.box = box
        self.counted = {} if box is None else {ore: 0 for ore in box.denominations}
        self.checked = False
        for b in self.line_buttons.values():
            self.line_group.removeButton(b)
            b.deleteLater()
        self.line_buttons.clear()
        if box is not None:
            self.box_buttons[box.device].setChecked(True)
            for i, ore in enumerate(box.denominations):
                b = button(role="claim", on_click=lambda ore=ore: self._choose_line(ore), wrap=True)
                b.setCheckable(True)
                self.line_group.addButton(b)
                self.line_buttons[ore] = b
                self.rows.addWidget(b, i // 2, i % 2)
                b.show()
            self._choose_line(box.denominations[0])
        self._redraw()

    # -- typing ----------------------------------------------------------------------------------
    @property
    def line(self) -> int | None:
        b = self.line_group.checkedButton()
        return next((ore for ore, x in self.line_buttons.items() if x is b), None)

    def _choose_line(self, ore: int) -> None:
        self.line_buttons[ore].setChecked(True)
        self.keypad.value = ""  # the next digit starts this figure afresh

    def _typed(self, digits: str) -> None:
        if self.line is None:
            return
        self.counted[self.line] = int(digits or "0")  # nothing typed (or all erased) is 0
        self.checked = False
        self._redraw()

    def _next_line(self) -> None:
        if self.box is None or self.line is None:
            return
        order = list(self.box.denominations)
        nxt = order[(order.index(self.line) + 1) % len(order)]
        self._choose_line(nxt)

    def _lines(self) -> list[DenominationLine]:
        if self.box is None:
            return []
        return [DenominationLine(ore, self.box.expected.get(ore, 0), self.counted.get(ore, 0))
                for ore in self.box.denominations]

    def _redraw(self) -> None:
        for line in self._lines():
            text = (translate("StaffCashBox", "%1: expected %2, counted %3")
                    .replace("%1", money_text(Money(line.denomination)))
                    .replace("%2", str(line.expected)).replace("%3", str(line.counted)))
            if self.checked and line.difference:
                text += "\n(" + signed(line.difference) + ")"  # its own line: not clipped
            self.line_buttons[line.denomination].setText(text)
        lines = self._lines()
        expected = sum((Money(x.denomination * x.expected) for x in lines), Money(0))
        counted = sum((Money(x.denomination * x.counted) for x in lines), Money(0))
        text = (translate("StaffCashBox", "Expected %1, counted %2.")
                .replace("%1", money_text(expected)).replace("%2", money_text(counted)))
        if self.checked:
            text += " " + translate("StaffCashBox", "Difference: %1.").replace(
                "%1", signed(counted - expected))
        self.total.setText(text if self.box is not None else
                           translate("StaffCashBox", "No cash box is configured."))
        self.check.setEnabled(self.box is not None)
        self.record.setEnabled(self.checked)

    # -- recording -------------------------------------------------------------------------------
    def show_difference(self) -> None:
        """Confirm step one: the difference per denomination and in all, before anything is
        written."""
        self.checked = self.box is not None
        self._redraw()
        if self.checked:
            self.say("warn", translate(
                "StaffCashBox", "Check the count. Touch \"Record the emptying\" to record it."))

    def record_emptying(self) -> None:
        if not self.checked or self.box is None:
            return
        device, counted = self.box.device, {o: n for o, n in self.counted.items() if n}
        self.run(lambda desk, user: desk.empty_cash_box(user, device, counted), self._recorded)

    def _recorded(self, emptied: Any) -> None:
        e = emptied.emptying
        text = (translate("StaffCashBox", "Emptying no. %1 recorded. Difference: %2.")
                .replace("%1", str(e.id)).replace("%2", signed(e.difference)))
        slip = emptied.slip
        if slip is not None and slip.printed:
            self.say("ok", text + " " + translate("StaffCashBox", "Keep the slip with the cash."))
        else:
            self.say("warn", text + " " + translate(
                "StaffCashBox", "The slip was not printed: write the figures down."))
        self.checked = False
        self.run(lambda desk, user: desk.boxes_to_count(user), self._listed)

    def refused(self, error: BaseException) -> None:
        self.checked = False
        self._redraw()

    def retranslate(self) -> None:
        self.title.setText(translate("StaffCashBox", "Empty the cash box"))
        self.hint.setText(translate(
            "StaffCashBox", "Touch a denomination and type the pieces counted; OK goes to the next."
            " A figure not typed counts as 0."))
        self.check.setText(translate("StaffCashBox", "Show the difference"))
        self.record.setText("✓ " + translate("StaffCashBox", "Record the emptying"))
        self.keypad.retranslate()
        super().retranslate()
        self._redraw()

    def forget(self) -> None:
        super().forget()
        self.keypad.clear()
        self._listed([])
