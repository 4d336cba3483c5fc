"""Staff mode in the window: its screens, which one shows while the session is in ``STAFF``,
and the desk (``kiosk.staff.desk.StaffDesk``) they call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from kiosk.staff.roles import Permission
from ui.bridge import SessionBridge
from ui.screens.base import Screen
from ui.staff.base import StaffScreen, refusal_text
from ui.staff.bons import BonsScreen, IssueBonScreen
from ui.staff.cashbox import CashBoxScreen
from ui.staff.device_test import device_test_screens
from ui.staff.followup import FollowUpScreen
from ui.staff.login import StaffLoginScreen
from ui.staff.menu import MenuEntry, StaffMenuScreen
from ui.staff.receipts import FindPaymentScreen
from ui.staff.report import ZReportScreen
from ui.staff.technician import TechnicianScreen


class StaffMode:
    """``window`` is the ``AutomatWindow`` (its latest snapshot, and it draws the screen)."""

    def __init__(
        self, window: Any, bridge: SessionBridge, desk: Callable[[], Any]
    ) -> None:
        self.window = window
        self.bridge = bridge
        self.desk = desk  # the core's StaffDesk, once the core is built
        self.login = StaffLoginScreen(bridge)
        self.menu = StaffMenuScreen(self)
        self.issue_bon = IssueBonScreen(self)
        self.bons = BonsScreen(self)
        self.reprint = FindPaymentScreen(self)
        self.z_report = ZReportScreen(self)
        self.follow_up = FollowUpScreen(self)
        self.cash_box = CashBoxScreen(self)
        self.technician = TechnicianScreen(self)
        #: technician mode's device tests ("cash", "readers"), back to the technician's screen
        self.device_tests = device_test_screens(self, lambda: self.open(self.technician))
        #: how the application quits for a restart (systemd starts it again); tests record it
        self.quit_app: Callable[[int], None] = QCoreApplication.exit
        P = Permission
        self.menu.set_entries([
            MenuEntry("issue_bon", P.ISSUE_BON, self.issue_bon),
            MenuEntry("bons", P.VOID_BON, self.bons),
            MenuEntry("reprint", P.REPRINT, self.reprint),
            MenuEntry("z_report", P.Z_REPORT, self.z_report),
            MenuEntry("follow_up", P.FOLLOW_UP, self.follow_up),
            MenuEntry("cash_box", P.EMPTY_CASH_BOX, self.cash_box),
            MenuEntry("technician", P.TECHNICIAN, self.technician),
        ])  # fmt: skip
        self.current: StaffScreen = self.menu
        self.bon_seen = 0  # the number of the last scanned bon shown (ScannedBon.number)

    @property
    def screens(self) -> list[Screen]:
        return [self.login, self.menu, self.issue_bon, self.bons, self.reprint, self.z_report,
                self.follow_up, self.cash_box, self.technician, *self.device_tests.values()]

    @property
    def user(self) -> Any:
        snap = self.window.snapshot
        return snap.view.staff if snap is not None else None

    def entered(self) -> None:
        """Just logged in: the menu first."""
        self.current = self.menu
        self.menu.banner.show_message(None)

    def follow(self, view: Any) -> None:
        """A bon scanned in staff mode (``view.staff_bon``, once each): the bons screen shows
        it; one that is forged or unknown (or the ledger away) is a line on the screen staff
        are on. Called while the window draws the view, which then draws ``current``."""
        scanned = view.staff_bon
        if scanned is None or scanned.number == self.bon_seen:
            return
        self.bon_seen = scanned.number
        if scanned.found is None:
            return self.current.say("error", refusal_text(scanned.error))
        self.current = self.bons
        self.bons.opened(scanned.found)

    def open(self, screen: StaffScreen | None) -> None:
        if screen is None:
            return
        self.current = screen
        screen.opened()
        if self.window.snapshot is not None:
            self.window.show_snapshot(self.window.snapshot)

    def show_menu(self) -> None:
        self.open(self.menu)

    def restart_app(self, exit_code: int) -> None:
        """Technician mode asked for a restart (audited by the core): quit with ``exit_code``;
        ``ui.app`` closes the core on the way out."""
        self.quit_app(exit_code)
