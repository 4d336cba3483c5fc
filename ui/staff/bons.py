"""Issue a bon (the amount typed in øre, kroner as they fill in; a reason chosen), and the
outstanding bons with a void (a reason chosen). The desk checks the amount against ``[bons]
max_amount`` and the roles; its refusals are shown in its own words. A bon's slip scanned in
staff mode opens the outstanding bons with that bon shown and chosen (``StaffMode.follow``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QPushButton, QVBoxLayout

from kiosk.clock import local
from kiosk.money import Money
from kiosk.receipts import danish_date
from kiosk.staff.roles import Permission
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import Keypad, button, label, money_text

#: why a bon is issued: printed on the slip as chosen (in the screen's language, Danish first)
ISSUE_REASONS = (
    QT_TRANSLATE_NOOP("StaffBons", "Cash paid at the desk"),
    QT_TRANSLATE_NOOP("StaffBons", "The automat gave no credit bon"),
    QT_TRANSLATE_NOOP("StaffBons", "Goodwill"),
)
#: why a bon is voided (kept in the ledger and the audit log)
VOID_REASONS = (
    QT_TRANSLATE_NOOP("StaffBons", "Issued by mistake"),
    QT_TRANSLATE_NOOP("StaffBons", "Paid back in cash"),
    QT_TRANSLATE_NOOP("StaffBons", "Lost, a new one issued"),
)
MAX_DIGITS = 8  # 999.999,99 kr.: the configured maximum refuses far less
#: a scanned bon's state (``kiosk.bons.BonLookup.status``) in staff's words
STATUS_WORDS = {
    "outstanding": QT_TRANSLATE_NOOP("StaffBons", "outstanding"),
    "redeemed": QT_TRANSLATE_NOOP("StaffBons", "used"),
    "voided": QT_TRANSLATE_NOOP("StaffBons", "voided"),
    "expired": QT_TRANSLATE_NOOP("StaffBons", "expired"),
}


def reason_buttons(texts: tuple[str, ...], into: QGridLayout, columns: int) -> QButtonGroup:
    group = QButtonGroup(into)
    group.setExclusive(True)
    for i, text in enumerate(texts):
        b = button(wrap=True)
        b.setCheckable(True)
        b.setProperty("source", text)
        group.addButton(b)
        into.addWidget(b, i // columns, i % columns)
    return group


def retranslate_reasons(group: QButtonGroup) -> None:
    for b in group.buttons():
        b.setText(translate("StaffBons", str(b.property("source"))))


def chosen_reason(group: QButtonGroup) -> str:
    b = group.checkedButton()
    return "" if b is None else b.text()


def clear_choice(group: QButtonGroup) -> None:
    group.setExclusive(False)
    for b in group.buttons():
        b.setChecked(False)
    group.setExclusive(True)


class IssueBonScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.hint = label()
        self.amount = label(name="entry")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.why = label()
        self.keypad = Keypad(max_length=MAX_DIGITS)
        self.keypad.changed.connect(self._typed)
        self.keypad.submitted.connect(self.issue)
        left = QVBoxLayout()
        left.addWidget(self.hint)
        left.addWidget(self.amount)
        left.addWidget(self.why)
        grid = QGridLayout()
        left.addLayout(grid)
        left.addStretch(1)
        self.reasons = reason_buttons(ISSUE_REASONS, grid, 1)
        row = QGridLayout()
        row.addLayout(left, 0, 0)
        row.addWidget(self.keypad, 0, 1)
        row.setColumnStretch(0, 1)
        row.setColumnStretch(1, 1)
        self.body.addLayout(row, 1)
        self.code = label(name="amount")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.hide()
        self.body.addWidget(self.code)
        self.retranslate()
        self._typed("")

    @property
    def typed(self) -> Money:
        return Money(int(self.keypad.value or "0"))

    def _typed(self, digits: str) -> None:
        self.amount.setText(money_text(Money(int(digits or "0"))))

    def issue(self, _digits: str = "") -> None:
        """OK: the typed amount with the chosen reason (an amount of 0 goes to the desk too,
        which refuses it in its own words)."""
        reason = chosen_reason(self.reasons)
        if not reason:
            return self.say("warn", translate("StaffBons", "Choose why the bon is issued."))
        amount = self.typed
        self.run(lambda desk, user: desk.issue_bon(user, amount, reason), self._issued)

    def _issued(self, issued: Any) -> None:
        ticket, slip = issued.ticket, issued.slip
        self.keypad.clear()
        clear_choice(self.reasons)
        done = translate("StaffBons", "Bon of %1 issued, code %2.").replace(
            "%1", money_text(ticket.amount)).replace("%2", ticket.short_code_display)
        if slip is not None and slip.printed:
            self.say("ok", done + " " + translate("StaffBons", "Take the slip from the printer."))
            self.code.hide()
        else:
            self.say("warn", done + " " + translate(
                "StaffBons", "The slip was not printed: write the code on a note for the citizen."))
            self.code.setText(ticket.short_code_display)
            self.code.show()

    def opened(self) -> None:
        super().opened()
        self.keypad.clear()
        clear_choice(self.reasons)
        self.code.hide()

    def retranslate(self) -> None:
        self.title.setText(translate("StaffBons", "Issue a bon"))
        self.hint.setText(translate("StaffBons", "Type the amount in kroner and øre."))
        self.why.setText(translate("StaffBons", "Why:"))
        retranslate_reasons(self.reasons)
        self.keypad.retranslate()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.opened()


class BonsScreen(StaffScreen):
    """The outstanding bons, newest first; choose one and a reason to void it. Opened for a
    scanned bon, that bon's amount, state and last valid day come first and, if it can still be
    voided, it is chosen; staff who may not void bons see only that line."""

    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.scanned: Any = None  # the scanned bon shown (kiosk.bons.BonLookup), if any
        self.may_void = False
        self.scanned_line = label()
        self.scanned_line.hide()
        self.body.addWidget(self.scanned_line)
        self.summary = label()
        self.body.addWidget(self.summary)
        self.list_layout = self.add_list()
        self.list_area = self.body.itemAt(self.body.count() - 1).widget()
        self.bon_group = QButtonGroup(self)
        self.bon_buttons: dict[str, QPushButton] = {}
        self.why = label()
        self.body.addWidget(self.why)
        grid = QGridLayout()
        self.body.addLayout(grid)
        self.reasons = reason_buttons(VOID_REASONS, grid, len(VOID_REASONS))
        self.void = button(role="primary", on_click=self.void_chosen)
        self.buttons.addWidget(self.void)
        self.tickets: list[Any] = []
        self.retranslate()

    def opened(self, scanned: Any = None) -> None:
        """From the menu (``scanned`` None), or for a bon scanned (``kiosk.bons.BonLookup``)."""
        super().opened()
        clear_choice(self.reasons)
        self.scanned = scanned
        self._show_scanned()
        self.may_void = self.user is not None and self.user.may(Permission.VOID_BON)
        for widget in (self.summary, self.list_area, self.why, self.void, *self.reasons.buttons()):
            widget.setVisible(self.may_void)
        if self.may_void:
            self.load()
        else:  # the scanned bon's line is all they see (the desk would refuse the list)
            self._listed([])
            self.summary.clear()

    def load(self) -> None:
        self.run(lambda desk, user: desk.outstanding_bons(user), self._listed)

    def _show_scanned(self) -> None:
        found = self.scanned
        self.scanned_line.setVisible(found is not None)
        if found is None:
            return self.scanned_line.clear()
        t, refusal = found.ticket, found.refusal
        text = (translate("StaffBons", "Scanned bon %1: %2, %3, valid through %4.")
                .replace("%1", t.short_code_display).replace("%2", money_text(t.amount))
                .replace("%3", translate("StaffBons", STATUS_WORDS[found.status]))
                .replace("%4", danish_date(t.valid_through)))
        when = f"{local(refusal.at):%d.%m.%Y %H.%M}" if refusal and refusal.at else ""
        if found.status == "redeemed" and when:
            text += " " + translate("StaffBons", "Used %1.").replace("%1", when)
        elif found.status == "voided" and when:
            text += " " + translate("StaffBons", "Voided %1 by %2.").replace(
                "%1", when).replace("%2", refusal.by or "?")
        self.scanned_line.setText(text)

    def _listed(self, tickets: list[Any]) -> None:
        from kiosk.bon_words import listing, listing_total

        for b in self.bon_buttons.values():
            self.bon_group.removeButton(b)
            b.deleteLater()
        self.bon_buttons.clear()
        self.tickets = sorted(tickets, key=lambda t: t.issued_at, reverse=True)
        now = datetime.now(UTC)
        scanned = self.scanned.ticket if self.scanned is not None else None
        rows = list(self.tickets)
        if (self.may_void and scanned is not None and scanned.state == "issued"
                and all(t.id != scanned.id for t in rows)):
            rows.insert(0, scanned)  # expired, yet still voidable: its cash was never paid back
        for t in rows:
            b = button(listing(t, now, "da"), role="claim", wrap=True)
            b.setCheckable(True)
            self.bon_group.addButton(b)
            self.bon_buttons[t.short_code] = b
            self.list_layout.addWidget(b)
            b.show()  # at once: a layout shows a new child only on the next event-loop turn
        self.summary.setText(listing_total(self.tickets, "da"))
        if scanned is not None and scanned.short_code in self.bon_buttons:
            self.bon_buttons[scanned.short_code].setChecked(True)  # the one to void, if any

    def void_chosen(self) -> None:
        chosen = next((code for code, b in self.bon_buttons.items() if b.isChecked()), None)
        reason = chosen_reason(self.reasons)
        if chosen is None:
            return self.say("warn", translate("StaffBons", "Choose the bon to void."))
        if not reason:
            return self.say("warn", translate("StaffBons", "Choose why the bon is voided."))
        self.run(lambda desk, user: desk.void_bon(user, chosen, reason), self._voided)

    def _voided(self, ticket: Any) -> None:
        from kiosk.bon_words import voided

        clear_choice(self.reasons)
        if self.scanned is not None and self.scanned.ticket.id == ticket.id:
            self.scanned = None  # its line is out of date; the banner says it is voided
            self._show_scanned()
        self.say("ok", voided(ticket, "da"))
        self.run(lambda desk, user: desk.outstanding_bons(user), self._listed)

    def retranslate(self) -> None:
        self.title.setText(translate("StaffBons", "Outstanding bons"))
        self.why.setText(translate("StaffBons", "Why it is voided:"))
        self.void.setText("✕ " + translate("StaffBons", "Void the chosen bon"))
        retranslate_reasons(self.reasons)
        self._show_scanned()
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.scanned = None
        self._show_scanned()
        self._listed([])
        self.summary.clear()
