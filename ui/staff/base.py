"""What every staff screen shares: the logged-in user, the desk's calls run off the GUI thread
(``SessionBridge.run``), the core's refusals in one clear sentence, and the way back to the
menu."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.bridge import Snapshot
from ui.i18n import translate
from ui.messages import Message
from ui.screens.base import Screen
from ui.screens.claims import ClaimsList
from ui.widgets import button, label

if TYPE_CHECKING:
    from ui.bridge import SessionBridge

log = logging.getLogger(__name__)


class StaffHost(Protocol):
    """What a staff screen needs of staff mode (``ui.staff.mode.StaffMode``)."""

    bridge: SessionBridge
    desk: Callable[[], Any]

    @property
    def user(self) -> Any: ...

    def open(self, screen: Any) -> None: ...

    def show_menu(self) -> None: ...

    def restart_app(self, exit_code: int) -> None: ...


def refusal_text(error: BaseException) -> str:
    """The core's refusal as staff read it: its own Danish sentence (bons: the sentence the
    command line and the citizen's screen use too; the follow-up list and the cash boxes: by
    their reason, ``ui.staff.words``), else a plain one; never a traceback."""
    from kiosk.bon_words import refusal
    from kiosk.bons import BonError, BonUsageError
    from kiosk.ledger.errors import LedgerUnavailable
    from kiosk.receipts import ReceiptError
    from kiosk.staff.accounts import NotPermitted
    from kiosk.staff.desk import SessionNotFound
    from ui.staff.words import core_refusal

    if (words := core_refusal(error)) is not None:
        return words
    if isinstance(error, BonError):
        return refusal(error, "da")
    if isinstance(error, (BonUsageError, NotPermitted, SessionNotFound, ReceiptError)):
        return str(error)
    if isinstance(error, ValueError) and str(error):
        return str(error)
    if isinstance(error, LedgerUnavailable):
        return translate("Staff", "The ledger cannot be reached right now. Nothing was changed.")
    log.error("staff mode: %r", error)
    return translate("Staff", "Something went wrong. Nothing was changed; please try again.")


class StaffScreen(Screen):
    """A page of staff mode. Its banner is its own (the session's view has no staff messages
    beyond the login), so a new view does not clear what the desk just answered."""

    def __init__(self, mode: StaffHost, *, back: bool = True) -> None:
        super().__init__()
        self.mode = mode
        self.busy = False
        self.back_button = button(on_click=mode.show_menu) if back else None
        if self.back_button is not None:
            self.buttons.addWidget(self.back_button)

    @property
    def user(self) -> Any:
        return self.mode.user

    def add_list(self) -> QVBoxLayout:
        """A scrolling list filling the page; returns the layout its rows go into."""
        rows = QWidget()
        layout = QVBoxLayout(rows)
        layout.setContentsMargins(0, 0, 0, 0)
        self._scrolled(rows).setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return layout

    def add_text(self) -> QLabel:
        """A scrolling block of monospace text (a report laid out in columns)."""
        text = label(wrap=False)
        text.setStyleSheet("font-family: monospace;")
        text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._scrolled(text)
        return text

    def _scrolled(self, inner: QWidget) -> ClaimsList:
        scroll = ClaimsList()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.body.addWidget(scroll, 1)
        return scroll

    def opened(self) -> None:
        """Shown from the menu: start afresh (load what it lists)."""
        self.banner.show_message(None)

    def render(self, snap: Snapshot) -> None:
        self.last = snap

    def say(self, tone: str, text: str) -> None:
        self.banner.show_message(Message(tone, text))

    def run(self, work: Callable[[Any, Any], Any], done: Callable[[Any], None]) -> None:
        """``work(desk, user)`` on the pool; ``done(result)`` here, or the refusal on the
        banner. The screen takes no input meanwhile."""
        desk, user = self.mode.desk(), self.user
        if desk is None or user is None:
            return self.say("error", refusal_text(RuntimeError("no staff desk")))
        self.set_busy(True)

        def finished(result: Any, error: BaseException | None) -> None:
            self.set_busy(False)
            if error is not None:
                self.refused(error)
                return self.say("error", refusal_text(error))
            done(result)

        self.mode.bridge.run(lambda: work(desk, user), finished)

    def refused(self, error: BaseException) -> None:
        """The desk refused (the banner says why); a screen forgets what no longer holds."""

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.setEnabled(not busy)

    def retranslate(self) -> None:
        if self.back_button is not None:
            self.back_button.setText("← " + translate("Staff", "Menu"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.set_busy(False)
