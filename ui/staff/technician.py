"""Technician mode: each device's health and its last problems, a printer test page, an FBS
connectivity test with its round-trip time, the debtor export now and its last batches (with
``[debtor]``), the configuration with secrets hidden, and a restart of the application. Every
call is the core's ``TechnicianDesk`` (``StaffDesk.technician``), run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QGridLayout, QPushButton

from kiosk.clock import local
from kiosk.money import Money
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.staff.technician_support import SupportFunctions
from ui.widgets import button, money_text

HEALTH_WORDS = {
    "ok": QT_TRANSLATE_NOOP("StaffTechnician", "works"),
    "degraded": QT_TRANSLATE_NOOP("StaffTechnician", "needs attention"),
    "down": QT_TRANSLATE_NOOP("StaffTechnician", "out of order"),
}
FUNCTIONS = {
    "devices": QT_TRANSLATE_NOOP("StaffTechnician", "Devices"),
    "test_page": QT_TRANSLATE_NOOP("StaffTechnician", "Printer test page"),
    "fbs": QT_TRANSLATE_NOOP("StaffTechnician", "Test the FBS connection"),
    "debtor": QT_TRANSLATE_NOOP("StaffTechnician", "Debtor export"),
    "config": QT_TRANSLATE_NOOP("StaffTechnician", "Configuration"),
    "restart": QT_TRANSLATE_NOOP("StaffTechnician", "Restart the application"),
    "terminal_diagnosis": QT_TRANSLATE_NOOP("StaffTechnician", "Card terminal diagnosis"),
    "terminal_end_of_day": QT_TRANSLATE_NOOP("StaffTechnician", "Card terminal end of day"),
    "export_logs": QT_TRANSLATE_NOOP("StaffTechnician", "Export logs for support"),
    "cash_test": QT_TRANSLATE_NOOP("StaffTechnician", "Test coins and notes"),
    "reader_test": QT_TRANSLATE_NOOP("StaffTechnician", "Test the scanner and card reader"),
}


def t(text: str) -> str:
    return translate("StaffTechnician", text)


def device_lines(statuses: list[Any]) -> list[str]:
    lines: list[str] = []
    for s in statuses:
        lines.append(f"{s.name}: {t(HEALTH_WORDS.get(s.health, s.health))}")
        for p in s.problems:
            detail = f" – {p.detail}" if p.detail else ""
            lines.append(f"    {local(p.at):%d.%m %H:%M:%S}  {p.what}{detail}")
        if not s.problems:
            lines.append("    " + translate("StaffTechnician", "No problems since the start."))
    return lines or [translate("StaffTechnician", "No devices are configured.")]


def batch_lines(batches: list[Any]) -> list[str]:
    if not batches:
        return [translate("StaffTechnician", "No debtor files yet.")]
    return [
        f"#{b.sequence}  {local(b.created_at):%d.%m.%Y %H:%M}  {b.state:<9} {b.item_count:>3}  "
        f"{money_text(Money(b.total_ore)):>12}  {b.file_name}"
        for b in batches
    ]


class TechnicianScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        grid = QGridLayout()
        self.body.addLayout(grid)
        self.function_buttons: dict[str, QPushButton] = {}
        actions: dict[str, Callable[[], None]] = {
            "devices": self.show_devices, "test_page": self.print_test_page,
            "fbs": self.test_fbs, "debtor": self.show_batches, "config": self.show_config,
            "restart": self.restart,
            "terminal_diagnosis": lambda: self.support.diagnosis(),
            "terminal_end_of_day": lambda: self.support.end_of_day(),
            "export_logs": lambda: self.support.choose_target(),
            "cash_test": lambda: self._open_test("cash"),
            "reader_test": lambda: self._open_test("readers"),
        }  # fmt: skip
        for i, key in enumerate(FUNCTIONS):
            b = button(on_click=actions[key], wrap=True)
            self.function_buttons[key] = b
            grid.addWidget(b, i // 3, i % 3)
        for column in range(3):  # equal columns: the words wrap in each (WrapButton)
            grid.setColumnStretch(column, 1)
        self.text = self.add_text()
        self.support = SupportFunctions(self)  # terminal, log export, redelivery: its choices
        self.export_now = button(role="primary", on_click=self.run_export)
        self.buttons.addWidget(self.export_now)
        self.restart_armed = False
        self.retranslate()
        self.export_now.hide()

    # -- the functions ---------------------------------------------------------------------------
    def _call(self, work: Callable[[Any, Any], Any], done: Callable[[Any], None]) -> None:
        self.restart_armed = False
        self.export_now.hide()
        self.support.clear()
        self.run(lambda desk, user: work(desk.technician, user), done)

    def _show(self, lines: list[str]) -> None:
        self.text.setText("\n".join(lines))

    def show_devices(self) -> None:
        self._call(lambda tech, user: tech.device_status(user),
                   lambda statuses: self._show(device_lines(statuses)))

    def print_test_page(self) -> None:
        self._call(lambda tech, user: tech.print_test_page(user), self._printed)

    def _printed(self, issued: Any) -> None:
        self._show([])
        if issued.printed:
            self.say("ok", translate("StaffTechnician", "The test page was printed."))
        else:
            why = issued.result.detail or issued.result.outcome.value
            self.say("warn", translate(
                "StaffTechnician", "The printer did not print the test page (%1).").replace(
                "%1", why))

    def test_fbs(self) -> None:
        self._call(lambda tech, user: tech.test_fbs(user), self._fbs_tested)

    def _fbs_tested(self, result: Any) -> None:
        ms = f"{result.round_trip_ms:.0f} ms"
        if result.ok:
            self.say("ok", translate("StaffTechnician", "FBS answered in %1.").replace("%1", ms))
        else:
            self.say("error", translate(
                "StaffTechnician", "FBS did not answer as it should (%1, after %2).")
                .replace("%1", result.detail or "–").replace("%2", ms))
        trip = translate("StaffTechnician", "Round trip: %1").replace("%1", ms)
        self._show([f"FBS: {result.detail or 'ok'}", trip])

    def show_batches(self) -> None:
        self._call(lambda tech, user: tech.debtor_batches(user), self._batches)

    def _batches(self, batches: list[Any]) -> None:
        self._show(batch_lines(batches))
        self.export_now.show()
        self.support.offer_redeliver(batches)

    def run_export(self) -> None:
        self._call(lambda tech, user: tech.export_debtor_now(user), self._exported)

    def _exported(self, done: list[Any]) -> None:
        if done:
            self.say("ok", translate("StaffTechnician", "Debtor files delivered: %1.").replace(
                "%1", ", ".join(b.file_name for b in done)))
        else:
            self.say("ok", translate(
                "StaffTechnician", "Nothing was waiting for the debtor system."))
        self.show_batches()

    def show_config(self) -> None:
        self._call(lambda tech, user: tech.configuration(user), self._show)

    def restart(self) -> None:
        """Twice: the first touch asks, the second restarts (a citizen may be waiting)."""
        if not self.restart_armed:
            self.restart_armed = True
            return self.say("warn", translate(
                "StaffTechnician",
                "Touch \"Restart the application\" again to restart. The automat is back in"
                " about a minute."))
        self._call(lambda tech, user: tech.restart(user), self.mode.restart_app)

    def _open_test(self, kind: str) -> None:
        """A device test's own screen (``ui.staff.device_test``; StaffMode.device_tests)."""
        self.mode.open(getattr(self.mode, "device_tests", {}).get(kind))

    def refused(self, error: BaseException) -> None:
        self._show([])

    def opened(self) -> None:
        super().opened()
        self.restart_armed = False
        self.export_now.hide()
        self.support.clear()
        self._show([])
        desk = self.mode.desk()
        tech = getattr(desk, "technician", None)
        self.function_buttons["debtor"].setVisible(bool(tech and tech.has_debtor_export))
        for key in ("terminal_diagnosis", "terminal_end_of_day"):
            self.function_buttons[key].setVisible(bool(tech and tech.has_card_terminal))

    def retranslate(self) -> None:
        self.title.setText(translate("StaffTechnician", "Technician functions"))
        for key, b in self.function_buttons.items():
            b.setText(t(FUNCTIONS[key]))
        self.export_now.setText(
            translate("StaffTechnician", "Export to the debtor system now"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.support.clear()
        self.restart_armed = False
        self._show([])
