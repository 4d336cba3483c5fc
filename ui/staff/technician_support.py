"""Technician mode's functions for the card terminal and for support, beside the technician
screen's own: the terminal's diagnosis and end-of-day (with the day's totals if the terminal
sends them), the logs exported to a USB stick or the automat's own support folder, and a debtor
batch delivered again. Each is the core's ``TechnicianDesk``, run off the GUI thread through
the screen's ``_call``; choices (a stick, a batch) are buttons under the screen's text."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout

from kiosk.money import Money
from ui.i18n import translate
from ui.widgets import button, money_text

OTHER_SCHEME = QT_TRANSLATE_NOOP("StaffTerminalSupport", "other cards")
CHOICE_COLUMNS = 3


def t(text: str) -> str:
    return translate("StaffTerminalSupport", text)


class TechnicianHost(Protocol):
    """What these functions need of the technician screen."""

    body: QVBoxLayout

    def _call(self, work: Any, done: Any) -> None: ...

    def _show(self, lines: list[str]) -> None: ...

    def say(self, tone: str, text: str) -> None: ...


def day_lines(result: Any) -> list[str]:
    """An end-of-day's totals as the technician reads them, then the terminal's printout."""
    lines: list[str] = []
    if result.total_ore is not None:
        count = sum(s.count for s in result.schemes)
        lines.append(translate("StaffTerminalSupport", "Total: %1 (%2 payments)").replace(
            "%1", money_text(Money(result.total_ore))).replace("%2", str(count)))
    for scheme in result.schemes:
        if scheme.count:
            name = t(OTHER_SCHEME) if scheme.scheme == "other" else scheme.scheme
            line = translate("StaffTerminalSupport", "%1: %2 payments, %3")
            lines.append("    " + line.replace("%1", name).replace(
                "%2", str(scheme.count)).replace("%3", money_text(Money(scheme.amount_ore))))
    if result.receipts is not None:
        line = translate("StaffTerminalSupport", "Receipts %1 to %2")
        lines.append(line.replace("%1", f"{result.receipts[0]:04d}")
                     .replace("%2", f"{result.receipts[1]:04d}"))
    if result.lines:
        lines += ["", translate("StaffTerminalSupport", "The terminal's printout:"), *result.lines]
    return lines


class SupportFunctions:
    def __init__(self, screen: TechnicianHost) -> None:
        self.screen = screen
        self.choices = QGridLayout()
        screen.body.addLayout(self.choices)
        self.choice_buttons: list[QPushButton] = []
        self.armed_batch: int | None = None

    # -- choices ---------------------------------------------------------------------------------
    def clear(self) -> None:
        for b in self.choice_buttons:
            self.choices.removeWidget(b)
            b.deleteLater()
        self.choice_buttons = []
        self.armed_batch = None

    def _offer(self, text: str, on_click: Any) -> QPushButton:
        b = button(text, on_click=on_click)
        at = len(self.choice_buttons)
        self.choices.addWidget(b, at // CHOICE_COLUMNS, at % CHOICE_COLUMNS)
        b.show()  # now, not when Qt gets round to it: it can be touched at once
        self.choice_buttons.append(b)
        return b

    # -- card terminal ---------------------------------------------------------------------------
    def diagnosis(self) -> None:
        self.screen._call(lambda tech, user: tech.terminal_diagnosis(user), self._diagnosed)

    def _diagnosed(self, result: Any) -> None:
        if result.ok:
            self.screen.say("ok", translate(
                "StaffTerminalSupport", "The card terminal reached its acquirer: the line works."))
        else:
            self.screen.say("error", translate(
                "StaffTerminalSupport", "The card terminal's diagnosis failed (%1).").replace(
                "%1", result.message or "–"))
        self.screen._show(list(result.lines))

    def end_of_day(self) -> None:
        self.screen._call(lambda tech, user: tech.terminal_end_of_day(user), self._day_closed)

    def _day_closed(self, result: Any) -> None:
        if result.ok:
            self.screen.say("ok", translate(
                "StaffTerminalSupport", "The card terminal's end of day is done."))
        else:
            self.screen.say("error", translate("StaffTerminalSupport",
                "The card terminal did not close the day (%1). Try again later.").replace(
                "%1", result.message or "–"))
        self.screen._show(day_lines(result))

    # -- log export ------------------------------------------------------------------------------
    def choose_target(self) -> None:
        self.screen._call(lambda tech, user: tech.export_targets(user), self._targets)

    def _targets(self, targets: list[Any]) -> None:
        if not any(target.usb for target in targets):
            self.screen.say("warn", translate("StaffTerminalSupport",
                "No USB stick is inserted. Insert one and touch \"Export logs for support\" again,"
                " or save the file on the automat."))
        else:
            self.screen.say("ok", translate(
                "StaffTerminalSupport", "Where should the log file go?"))
        for target in targets:
            if target.usb:
                text = translate("StaffTerminalSupport", "USB stick %1").replace(
                    "%1", target.path.name)
            else:
                text = translate("StaffTerminalSupport", "On the automat (%1)").replace(
                    "%1", str(target.path))
            self._offer(text, lambda p=target.path: self.export_to(p))

    def export_to(self, folder: Path) -> None:
        self.screen._call(lambda tech, user: tech.export_logs(user, folder), self._exported)

    def _exported(self, written: Path) -> None:
        self.screen.say("ok", translate(
            "StaffTerminalSupport", "The log file was saved: %1").replace("%1", str(written)))
        self.screen._show([str(written)])

    # -- a debtor batch delivered again ----------------------------------------------------------
    def offer_redeliver(self, batches: list[Any]) -> None:
        for batch in batches:
            if batch.state == "delivered":
                again = translate("StaffTerminalSupport", "Send #%1 again")
                self._offer(again.replace("%1", str(batch.sequence)),
                            lambda b=batch: self.redeliver(b))

    def redeliver(self, batch: Any) -> None:
        """Twice: the debtor system must not have read the file already (it would book the
        payments twice), so the first touch says so."""
        if self.armed_batch != batch.id:
            self.armed_batch = batch.id
            return self.screen.say("warn", translate("StaffTerminalSupport",
                "Touch \"Send #%1 again\" once more to deliver %2 again. Only if the debtor"
                " system has not read it: it would book the payments twice.").replace(
                "%1", str(batch.sequence)).replace("%2", batch.file_name))
        self.screen._call(lambda tech, user: tech.redeliver_batch(user, batch.id),
                          self._redelivered)

    def _redelivered(self, batch: Any) -> None:
        self.screen.say("ok", translate(
            "StaffTerminalSupport", "%1 was delivered again.").replace("%1", batch.file_name))
