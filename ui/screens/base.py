"""What every screen has: a title, a body, a message banner and a row of big buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.bridge import Snapshot
from ui.i18n import translate
from ui.messages import message_for
from ui.widgets import Banner, button, label


class Screen(QWidget):
    """A page of the stack. ``render`` draws a snapshot; ``retranslate`` redraws fixed texts;
    ``forget`` clears everything personal (name, CPR, typed digits, claims)."""

    def __init__(self) -> None:
        super().__init__()
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(28, 12, 28, 16)
        self.outer.setSpacing(12)
        self.title = label(name="title")
        self.outer.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.outer.addLayout(self.body, 1)
        self.banner = Banner()
        self.outer.addWidget(self.banner)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(18)
        self.outer.addLayout(self.buttons)
        self.last: Snapshot | None = None
        self.cancel: QPushButton | None = None

    def add_cancel(self, on_click: Callable[[], None]) -> QPushButton:
        """The screen's ✕ Cancel button (its words follow the language)."""
        self.cancel = button(on_click=on_click)
        self.buttons.addWidget(self.cancel)
        return self.cancel

    def render(self, snap: Snapshot) -> None:
        self.last = snap
        self.banner.show_message(message_for(snap.view.message))

    def retranslate(self) -> None:
        if self.cancel is not None:
            self.cancel.setText("✕ " + translate("Common", "Cancel"))
        if self.last is not None:
            self.render(self.last)

    def forget(self) -> None:
        self.last = None
        self.banner.show_message(None)
