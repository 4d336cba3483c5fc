"""Inactivity: after a quiet while a countdown warning with "more time"; at zero the session's
``timeout()`` (its defined money outcome) and every personal detail cleared from the screens.

Any touch, click or key anywhere in the application restarts the wait. The intervals are
parameters so tests run in milliseconds.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.KeyPress,
}


class IdleWatcher(QObject):
    warning = Signal(int)  # seconds left; emitted at the start and every tick of the countdown
    resumed = Signal()  # activity during the warning: the warning goes away
    expired = Signal()

    def __init__(
        self,
        idle_ms: int = 60_000,
        countdown_s: int = 20,
        tick_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.countdown_s = countdown_s
        self.left = 0
        self.active = False
        self.warning_shown = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self._warn)
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self._count)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.active and event.type() in ACTIVITY:
            self.touch()
        return False

    def intervals(self) -> tuple[int, int]:
        return self._idle.interval(), self._tick.interval()

    def set_intervals(self, idle_ms: int, tick_ms: int) -> None:
        self._idle.setInterval(idle_ms)
        self._tick.setInterval(tick_ms)

    def start(self) -> None:
        """Watch from now (a session is in progress)."""
        self.active = True
        self.touch()

    def stop(self) -> None:
        self.active = False
        self._idle.stop()
        self._tick.stop()
        if self.warning_shown:
            self.warning_shown = False
            self.resumed.emit()

    def touch(self) -> None:
        """Activity: restart the wait and take any warning away ("more time")."""
        if not self.active:
            return
        self._tick.stop()
        self._idle.start()
        if self.warning_shown:
            self.warning_shown = False
            self.resumed.emit()

    def _warn(self) -> None:
        self.left = self.countdown_s
        self.warning_shown = True
        self.warning.emit(self.left)
        self._tick.start()

    def _count(self) -> None:
        self.left -= 1
        if self.left > 0:
            self.warning.emit(self.left)
            return
        self._tick.stop()
        self.warning_shown = False
        self.active = False
        self.expired.emit()
