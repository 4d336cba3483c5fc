"""The systemd watchdog, fed from the Qt event loop only while the session worker answers too.

A timer on the GUI thread ticks every third of ``WatchdogSec=``. Each tick first looks whether the
session worker ran the no-op the previous tick posted to it, and pings only if it did; then it
posts the next one. A frozen event loop sends nothing (the timer does not fire); a stuck worker
sends nothing (its no-op waits behind the stuck job). Either way systemd kills the automat after
``WatchdogSec=`` and restarts it, and recovery at the start finishes what the payment left.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Slot

from kiosk.payment.runner import SessionWorker
from kiosk.sd_notify import ServiceNotifier

#: ticks per watchdog period: a worker may be busy up to two ticks before systemd acts
TICKS_PER_PERIOD = 3


class ServiceWatchdog(QObject):
    def __init__(
        self, notifier: ServiceNotifier, worker: SessionWorker, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.worker = worker
        self.pings = 0
        self._answered: threading.Event | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self.ready_sent = False
        self.stopping_sent = False

    @Slot()
    def ready(self) -> None:
        """The attract screen is up and the core loaded: READY, then the pings begin."""
        if self.ready_sent:
            return
        self.ready_sent = True
        self.notifier.ready()
        period = self.notifier.watchdog_s
        if period is not None:
            self._timer.start(max(1, int(period * 1000 / TICKS_PER_PERIOD)))
            self.tick()

    @Slot()
    def tick(self) -> None:
        if self._answered is None or self._answered.is_set():
            if self.notifier.watchdog():
                self.pings += 1
            self._answered = beat = threading.Event()
            self.worker.post(beat.set)  # a closed worker never sets it: no more pings
        # else: the worker has not run the last beat yet; no ping, and no second beat queued

    def stopping(self) -> None:
        """SIGTERM or the end of the event loop: STOPPING, once; no pings after it."""
        self._timer.stop()
        if not self.stopping_sent:
            self.stopping_sent = True
            self.notifier.stopping()
