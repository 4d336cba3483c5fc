"""Today's Z-report on screen (``kiosk.reports.ZReport.lines``, as ``kiosk report`` prints it)
and on the receipt printer."""

from __future__ import annotations

from typing import Any

from kiosk.reports import report_lines
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import button


class ZReportScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.text = self.add_text()
        self.print_it = button(role="primary", on_click=self.print_report)
        self.buttons.addWidget(self.print_it)
        self.report: Any = None
        self.retranslate()

    def opened(self) -> None:
        super().opened()
        self._shown(None)
        self.run(lambda desk, user: desk.z_report(user), self._shown)

    def _shown(self, report: Any) -> None:
        self.report = report
        self.print_it.setEnabled(report is not None)
        self.text.setText("" if report is None else "\n".join(report_lines(report)))

    def print_report(self) -> None:
        report = self.report
        if report is None:
            return
        self.run(lambda desk, user: desk.print_z_report(user, report), self._printed)

    def _printed(self, issued: Any) -> None:
        if issued.printed:
            self.say("ok", translate("StaffReport", "The Z-report was printed."))
        else:
            why = issued.result.detail or issued.result.outcome.value
            self.say("warn", translate(
                "StaffReport", "The printer did not print the Z-report (%1).").replace("%1", why))

    def retranslate(self) -> None:
        self.title.setText(translate("StaffReport", "Today's Z-report"))
        self.print_it.setText(translate("StaffReport", "Print"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self._shown(None)
