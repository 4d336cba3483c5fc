"""The automat's window: one stack of screens driven by the session's state, a bar with
language, text size and contrast, and the idle warning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, QTimer, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config.model import CashSection, ClaimsSection
from kiosk.payment.states import ENDED, STAFF_MODE, State
from ui.bridge import ServiceStatus, SessionBridge, Snapshot
from ui.i18n import DEFAULT_LANGUAGE, Languages, language_name, translate
from ui.idle import IdleWatcher
from ui.messages import MESSAGES, message_for
from ui.screens.base import Screen
from ui.screens.claims import ClaimsScreen
from ui.screens.finish import EndedScreen, ReceiptScreen
from ui.screens.login import BusyScreen, IdentifyScreen, PinScreen
from ui.screens.payment import BonScreen, CardScreen, CashScreen, MethodsScreen
from ui.screens.welcome import AttractScreen, OutOfServiceScreen
from ui.staff.mode import StaffMode
from ui.theme import Theme
from ui.widgets import button, label

if TYPE_CHECKING:
    pass


class ScreenStack(QStackedWidget):
    """A stack whose size needs are those of the screen shown, not of the largest screen."""

    def sizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.sizeHint() if current else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.minimumSizeHint() if current else super().minimumSizeHint()


@dataclass(frozen=True)
class IdleSettings:
    idle_ms: int = 60_000  # quiet time before the warning
    countdown_s: int = 20  # the warning's countdown
    tick_ms: int = 1000
    end_screen_ms: int = 15_000  # the end screen gives way to the attract screen, and a message
    # on the attract screen (a bon shown there) to the plain attract screen
    service_check_ms: int = 30_000
    staff_idle_ms: int = 120_000  # staff mode logs out after this long without a touch


class AutomatWindow(QWidget):
    def __init__(
        self,
        bridge: SessionBridge,
        *,
        library_name: str,
        claims: ClaimsSection,
        cash: CashSection,
        languages: Languages,
        idle: IdleSettings | None = None,
        fbs_health: Callable[[], bool] | None = None,
        staff_desk: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Betalingsautomat")
        self.bridge = bridge
        self.languages = languages
        self.theme = Theme()
        self.fbs_health = fbs_health
        self.snapshot: Snapshot | None = None
        self.service = ServiceStatus(True, ("card", "cash"))
        self.bon_open = False

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.bar = self._bar()
        root.addWidget(self.bar)
        # the idle warning takes the bar's place rather than pushing the screen down: on a
        # 1280×800 screen with larger text there is no room for both
        self.warning = self._warning_panel()
        root.addWidget(self.warning)
        self.stack = ScreenStack()
        self.stack.currentChanged.connect(self._screen_changed)
        root.addWidget(self.stack, 1)

        langs = languages.available()
        self.attract = AttractScreen(bridge, library_name, langs, self.choose_language)
        self.out_of_service = OutOfServiceScreen(bridge)
        self.identify = IdentifyScreen(bridge)
        self.pin = PinScreen(bridge)
        self.busy = BusyScreen(bridge)
        self.claims = ClaimsScreen(bridge, claims.pay_elsewhere_text, claims.pay_elsewhere_url)
        self.methods = MethodsScreen(bridge, self.open_bon)
        self.card = CardScreen(bridge)
        self.cash = CashScreen(bridge, cash)
        self.bon = BonScreen(bridge, self.close_bon)
        self.receipt = ReceiptScreen(bridge)
        self.ended = EndedScreen(bridge)
        self.screens: list[Screen] = [
            self.attract, self.out_of_service, self.identify, self.pin, self.busy, self.claims,
            self.methods, self.card, self.cash, self.bon, self.receipt, self.ended,
        ]  # fmt: skip
        self.staff = StaffMode(self, bridge, staff_desk or (lambda: None))
        self.screens += self.staff.screens
        for screen in self.screens:
            self.stack.addWidget(screen)

        idle = idle or IdleSettings()
        self.idle_settings = idle
        self.idle = IdleWatcher(idle.idle_ms, idle.countdown_s, idle.tick_ms, self)
        self.idle.warning.connect(self._show_warning)
        self.idle.resumed.connect(self.hide_warning)
        self.idle.expired.connect(self._expired)
        self.end_timer = QTimer(self)
        self.end_timer.setSingleShot(True)
        self.end_timer.setInterval(idle.end_screen_ms)
        self.end_timer.timeout.connect(self._end_shown)
        self.attract_message_timer = QTimer(self)
        self.attract_message_timer.setSingleShot(True)
        self.attract_message_timer.setInterval(idle.end_screen_ms)
        self.attract_message_timer.timeout.connect(self.bridge.forget_message)
        self.service_timer = QTimer(self)
        self.service_timer.setInterval(idle.service_check_ms)
        self.service_timer.timeout.connect(self.check_service)

        bridge.snapshot.connect(self.show_snapshot)
        bridge.refused.connect(self._refused)
        bridge.service.connect(self.on_service)
        languages.changed.connect(self._language_changed)
        self.apply_theme()
        self.choose_language(DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in langs else langs[0])
        self.stack.setCurrentWidget(self.attract)
        self._screen_changed(self.stack.currentIndex())
        if fbs_health is not None:
            self.service_timer.start()
            if bridge.session is not None:  # else once it is attached (see ui.compose)
                self.check_service()

    # -- chrome ------------------------------------------------------------------------------------
    def _bar(self) -> QWidget:
        bar = QFrame()
        row = QHBoxLayout(bar)
        row.setContentsMargins(16, 8, 16, 8)
        self.language_button = button(on_click=self.next_language)
        self.text_button = button(on_click=self.toggle_large_text)
        self.contrast_button = button(on_click=self.toggle_contrast)
        for b in (self.language_button, self.text_button, self.contrast_button):
            b.setSizePolicy(b.sizePolicy().Policy.Maximum, b.sizePolicy().Policy.Fixed)
        row.addWidget(self.language_button)
        row.addStretch(1)
        row.addWidget(self.text_button)
        row.addWidget(self.contrast_button)
        return bar

    def _warning_panel(self) -> QWidget:
        panel = QFrame()
        panel.setObjectName("group")
        row = QHBoxLayout(panel)
        row.setContentsMargins(16, 8, 16, 8)
        self.warning_text = label()
        self.more_time = button(role="primary", on_click=self.idle_touch)
        row.addWidget(self.warning_text, 1)
        row.addWidget(self.more_time)
        panel.hide()
        return panel

    def _screen_changed(self, _index: int) -> None:
        self.stack.updateGeometry()
        # one way to choose the language per screen: the attract screen's own buttons (each
        # language named in itself, ✓ on the current one) before a session, the bar's after
        self.language_button.setVisible(self.stack.currentWidget() is not self.attract)

    def apply_theme(self) -> None:
        self.setStyleSheet(self.theme.stylesheet())

    def toggle_large_text(self) -> None:
        self.theme.large_text = not self.theme.large_text
        self.apply_theme()
        self._retranslate_bar()

    def toggle_contrast(self) -> None:
        self.theme.high_contrast = not self.theme.high_contrast
        self.apply_theme()
        self._retranslate_bar()

    def idle_touch(self) -> None:
        self.idle.touch()

    # -- languages ---------------------------------------------------------------------------------
    def choose_language(self, code: str) -> None:
        self.languages.switch(code)

    def next_language(self) -> None:
        langs = self.languages.available()
        self.choose_language(langs[(langs.index(self.languages.current) + 1) % len(langs)])

    def _language_changed(self, code: str) -> None:
        self.attract.mark_language(code)
        self.retranslate_all()

    def retranslate_all(self) -> None:
        """Redraw every text in the installed language (the screens re-render their last view)."""
        self._retranslate_bar()
        for screen in self.screens:
            screen.retranslate()

    def _retranslate_bar(self) -> None:
        langs = self.languages.available()
        following = langs[(langs.index(self.languages.current) + 1) % len(langs)]
        self.language_button.setText(language_name(following))
        self.text_button.setText(
            ("✓ " if self.theme.large_text else "") + translate("Window", "Larger text")
        )
        self.contrast_button.setText(
            ("✓ " if self.theme.high_contrast else "") + translate("Window", "High contrast")
        )
        self.more_time.setText(translate("Window", "More time"))

    # -- the session -----------------------------------------------------------------------------
    @Slot(object)
    def show_snapshot(self, snap: Snapshot) -> None:
        """Receives every view, queued from the session worker."""
        before = self.snapshot.view.state if self.snapshot else State.IDLE
        self.snapshot = snap
        state = snap.view.state
        if state is not State.CHOOSING_TENDER:
            self.bon_open = False
        if state is State.STAFF and before is not State.STAFF:
            self.staff.entered()
        if state is State.STAFF:
            self.staff.follow(snap.view)  # a bon scanned: the bons screen shows it
        screen = self._screen_for(snap)
        screen.render(snap)
        self.stack.setCurrentWidget(screen)
        self._timers(before, state)
        if state is not State.IDLE or not snap.view.message:
            self.attract_message_timer.stop()
        elif not self.attract_message_timer.isActive():
            self.attract_message_timer.start()  # a citizen who walked away leaves no message

    def _screen_for(self, snap: Snapshot) -> Screen:
        state = snap.view.state
        if state is State.IDLE:
            return self.attract if self.service.in_service else self.out_of_service
        if state is State.PAYING:
            return {"card": self.card, "cash": self.cash}.get(snap.view.method, self.bon)
        if state is State.CHOOSING_TENDER:
            return self.bon if self.bon_open else self.methods
        if state is State.STAFF_LOGIN:
            return self.staff.login
        if state is State.STAFF:
            return self.staff.current
        table: dict[State, Screen] = {
            State.IDENTIFYING: self.identify,
            State.PIN: self.pin,
            State.LOADING_CLAIMS: self.busy,
            State.SETTLING: self.busy,
            State.CLAIMS: self.claims,
            State.RECEIPT: self.receipt,
        }
        return table.get(state, self.ended)

    def _timers(self, before: State, state: State) -> None:
        if (state in STAFF_MODE) != (before in STAFF_MODE):
            self.idle.stop()  # staff mode has its own idle time: its logout
            self._idle_for(staff=state in STAFF_MODE)
        # out of order: nothing a citizen does changes it, and the screen must stay for the staff
        if state in (State.IDLE, State.SETTLING, State.LEDGER_FAULT) or state in ENDED:
            self.idle.stop()
            self.hide_warning()
        elif not self.idle.active:
            self.idle.start()
        if state in ENDED:
            self.forget_personal()
            if before not in ENDED:
                self.end_timer.start()
        else:
            self.end_timer.stop()
        if state is State.IDLE and before is not State.IDLE:
            self.forget_personal()
            if self.languages.current != DEFAULT_LANGUAGE:
                self.choose_language(DEFAULT_LANGUAGE)

    def _idle_for(self, *, staff: bool) -> None:
        """The citizen's quiet time and countdown, or staff mode's: its logout comes
        ``staff_idle_ms`` after the last touch, the countdown in the last seconds of it."""
        s = self.idle_settings
        if staff:
            countdown_s = max(1, min(s.countdown_s, s.staff_idle_ms // 2000))
            quiet_ms = max(1, s.staff_idle_ms - countdown_s * s.tick_ms)
        else:
            countdown_s, quiet_ms = s.countdown_s, s.idle_ms
        self.idle.countdown_s = countdown_s
        self.idle.set_intervals(quiet_ms, s.tick_ms)

    def forget_personal(self) -> None:
        """Clear every personal detail from every screen that is not showing the end."""
        for screen in self.screens:
            if screen is not self.ended:
                screen.forget()

    def open_bon(self) -> None:
        self.bon_open = True
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def close_bon(self) -> None:
        self.bon_open = False
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    @Slot(str)
    def input_scanned(self, text: str) -> None:
        """A scanner or card reader read something: the session says what it means (a bon
        while paying, an identification at the start)."""
        self.bridge.scanned(text)
        self.idle.touch()

    @Slot(str)
    def _refused(self, name: str) -> None:
        """An intent the session refused, or an identifier that cannot be one."""
        current = self.stack.currentWidget()
        if isinstance(current, Screen):
            key = name if name in MESSAGES else "refused_now"
            current.banner.show_message(message_for(key))

    # -- idle ------------------------------------------------------------------------------------
    @Slot(int)
    def _show_warning(self, left: int) -> None:
        if left == 1:
            text = translate("Window", "Are you still there? The session ends in 1 second.")
        else:
            text = translate(
                "Window", "Are you still there? The session ends in %1 seconds."
            ).replace("%1", str(left))
        self.warning_text.setText("◷ " + text)
        self.bar.hide()
        self.warning.show()

    def hide_warning(self) -> None:
        self.warning.hide()
        self.bar.show()

    @Slot()
    def _expired(self) -> None:
        self.hide_warning()
        self.forget_personal()
        self.bridge.timeout()

    @Slot()
    def _end_shown(self) -> None:
        if self.snapshot is not None and self.snapshot.view.state in ENDED:
            self.bridge.reset()

    # -- service ---------------------------------------------------------------------------------
    def check_service(self) -> None:
        if self.fbs_health is not None:
            self.bridge.check_service(self.fbs_health)

    @Slot(object)
    def on_service(self, status: ServiceStatus) -> None:
        self.service = status
        if self.snapshot is None or self.snapshot.view.state is State.IDLE:
            self.stack.setCurrentWidget(self.attract if status.in_service else self.out_of_service)

    def closeEvent(self, event: Any) -> None:
        self.idle.stop()
        self.attract_message_timer.stop()
        self.service_timer.stop()
        super().closeEvent(event)
