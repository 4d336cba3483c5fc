"""The attract screen (language choice, "show your card") and the out-of-service screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout

from ui.bridge import SessionBridge
from ui.i18n import language_name, translate
from ui.screens.base import Screen
from ui.widgets import StaffCorner, button, label


class AttractScreen(Screen):
    def __init__(
        self,
        bridge: SessionBridge,
        library_name: str,
        languages: list[str],
        choose_language: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.library = label(library_name)
        self.library.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label()
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_icon = label("▭")
        self.card_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_icon.setStyleSheet("font-size: 96px;")
        self.body.addStretch(1)
        self.body.addWidget(self.library)
        self.body.addWidget(self.card_icon)
        self.body.addWidget(self.hint)
        self.body.addStretch(1)
        self.language_row = QHBoxLayout()
        self.language_buttons = {}
        for code in languages:
            b = button(language_name(code), on_click=lambda c=code: choose_language(c))
            b.setCheckable(True)
            self.language_buttons[code] = b
            self.language_row.addWidget(b)
        self.body.addLayout(self.language_row)
        self.start = button(role="primary", on_click=bridge.start)
        self.buttons.addWidget(self.start)
        self.staff_corner = StaffCorner(self, bridge.ask_staff)
        self.retranslate()

    def mark_language(self, code: str) -> None:
        for c, b in self.language_buttons.items():
            b.setChecked(c == code)
            b.setText(("✓ " if c == code else "") + language_name(c))

    def retranslate(self) -> None:
        self.title.setText(translate("Attract", "Pay library fees here"))
        self.hint.setText(
            translate(
                "Attract",
                "Show your library card or health card to the reader, or touch the button "
                "to type your number.",
            )
        )
        self.start.setText(translate("Attract", "Start — type card number or CPR"))
        super().retranslate()  # what the banner says (a bon shown here) in the new language


class OutOfServiceScreen(Screen):
    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.staff_corner = StaffCorner(self, bridge.ask_staff)  # staff fix what is wrong
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addStretch(1)
        self.body.addWidget(self.text)
        self.body.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText("⚠ " + translate("OutOfService", "Out of service"))
        self.text.setText(
            translate(
                "OutOfService",
                "The automat cannot take payments right now. Please pay at the library desk "
                "or try again later.",
            )
        )
