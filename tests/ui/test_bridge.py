"""The GUI thread never blocks: FBS holds a PIN check while a GUI timer keeps ticking."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from kiosk.domain import Patron
from kiosk.payment.states import State
from tests.payment_fakes import CPR, FakeFbs, debt_blocked_patron, mixed_claims
from tests.ui.conftest import WAIT_MS, make_world
from ui.compose import shutdown


class SlowFbs(FakeFbs):
    """Checks a PIN only when the test lets it, like FBS on a bad day."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = threading.Event()
        self.answer = threading.Event()

    def authenticate(self, identifier: str, pin: str) -> Patron:
        self.busy.set()
        try:
            assert self.answer.wait(30), "the test never let FBS answer"
            return super().authenticate(identifier, pin)
        finally:
            self.busy.clear()


def test_gui_keeps_ticking_while_fbs_is_slow(qtbot: QtBot, sqlite_engine: Engine) -> None:
    fbs = SlowFbs()
    fbs.add(CPR.replace("-", ""), "1234", debt_blocked_patron(), mixed_claims())
    ui = make_world(qtbot, sqlite_engine, fbs=fbs)
    try:
        ticks_while_busy = []
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: fbs.busy.is_set() and ticks_while_busy.append(1))
        timer.start()
        ui.login()
        # the click returned at once: the GUI shows "checking" while FBS thinks
        ui.qtbot.waitUntil(lambda: ui.view.message == "checking", timeout=WAIT_MS)
        assert not ui.window.pin.keypad.isEnabled()
        # while FBS holds the PIN check, the GUI thread runs its timer again and again
        ui.qtbot.waitUntil(lambda: len(ticks_while_busy) >= 5, timeout=WAIT_MS)
        assert fbs.busy.is_set() and ui.view.state is State.PIN
        fbs.answer.set()
        ui.wait_state(State.CLAIMS)
        timer.stop()
        assert ui.window.stack.currentWidget() is ui.window.claims
    finally:
        fbs.answer.set()
        shutdown(ui.window)


def test_views_arrive_on_the_gui_thread_through_queued_signals(ui) -> None:
    from PySide6.QtCore import QThread

    threads = []
    ui.window.bridge.snapshot.connect(lambda _s: threads.append(QThread.currentThread()))
    ui.login()
    ui.wait_state(State.CLAIMS)
    gui = ui.window.thread()
    assert threads and all(t is gui for t in threads)


def test_qt_calls_keep_references_to_none_and_true(qtbot: QtBot) -> None:
    """PySide6 6.12.0 on CPython 3.11 dropped a reference to None on every void call and to
    True on every signal emit, so the automat aborted after some thousand screen updates."""
    import sys

    from PySide6.QtCore import QCoreApplication, QObject, Signal
    from PySide6.QtWidgets import QLabel

    class Pinger(QObject):
        ping = Signal()

    pinger, label = Pinger(), QLabel()
    pinger.ping.connect(label.clear)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        label.setText("x")
        pinger.ping.emit()
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) - none_before > -100
    assert sys.getrefcount(True) - true_before > -100
