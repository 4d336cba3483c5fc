"""Staff mode's menu: one button per function the user's roles permit (``StaffUser.may``, the
core's one table) and whose screen this automat has; and the log-out button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QGridLayout, QPushButton

from kiosk.staff.roles import Permission
from ui.bridge import Snapshot
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import button, label


@dataclass(frozen=True)
class MenuEntry:
    key: str
    permission: Permission
    screen: StaffScreen | None  # None: not on this automat yet (the entry stays hidden)


#: every function of staff and technician mode, in the menu's order; those without a screen
#: are built on other branches (issue 14: follow-up list, cash-box emptying, technician mode)
ENTRY_TEXTS: dict[str, str] = {
    "issue_bon": QT_TRANSLATE_NOOP("StaffMenu", "Issue a bon"),
    "bons": QT_TRANSLATE_NOOP("StaffMenu", "Outstanding bons and void"),
    "reprint": QT_TRANSLATE_NOOP("StaffMenu", "Find a payment and reprint its receipt"),
    "z_report": QT_TRANSLATE_NOOP("StaffMenu", "Today's Z-report"),
    "follow_up": QT_TRANSLATE_NOOP("StaffMenu", "Follow-up list"),
    "cash_box": QT_TRANSLATE_NOOP("StaffMenu", "Empty the cash box"),
    "technician": QT_TRANSLATE_NOOP("StaffMenu", "Technician functions"),
}


def visible_entries(entries: list[MenuEntry], user: Any) -> list[MenuEntry]:
    """What the menu offers ``user``: permitted by their roles and built on this automat."""
    if user is None:
        return []
    return [e for e in entries if e.screen is not None and user.may(e.permission)]


class StaffMenuScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode, back=False)
        self.who = label()
        self.none = label()
        self.body.addWidget(self.who)
        self.grid = QGridLayout()
        self.grid.setSpacing(14)
        for column in range(2):  # equal columns: the words wrap in each (WrapButton)
            self.grid.setColumnStretch(column, 1)
        self.body.addLayout(self.grid)
        self.body.addWidget(self.none)
        self.body.addStretch(1)
        self.entry_buttons: dict[str, QPushButton] = {}
        self.logout = button(role="primary", on_click=mode.bridge.staff_logout)
        self.buttons.addWidget(self.logout)
        self.retranslate()

    def set_entries(self, entries: list[MenuEntry]) -> None:
        self.entries = entries
        for i, entry in enumerate(entries):
            b = button(on_click=lambda s=entry.screen: self.mode.open(s), wrap=True)
            b.hide()
            self.entry_buttons[entry.key] = b
            self.grid.addWidget(b, i // 2, i % 2)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        user = snap.view.staff
        shown = {e.key for e in visible_entries(getattr(self, "entries", []), user)}
        for key, b in self.entry_buttons.items():
            b.setVisible(key in shown)
        self.none.setVisible(not shown)
        if user is not None:
            self.who.setText(
                translate("StaffMenu", "Logged in: %1 (staff number %2)")
                .replace("%1", user.name)
                .replace("%2", user.staff_no)
            )

    def retranslate(self) -> None:
        self.title.setText(translate("StaffMenu", "Staff mode"))
        self.none.setText(
            translate("StaffMenu", "Your roles give you no functions on this automat yet.")
        )
        for key, b in self.entry_buttons.items():
            b.setText(translate("StaffMenu", ENTRY_TEXTS[key]))
        self.logout.setText(translate("StaffMenu", "Log out"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.who.clear()
