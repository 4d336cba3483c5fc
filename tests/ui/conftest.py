"""UI fixtures: the window over a real PaymentSession on a temporary SQLite ledger, with the
in-memory FBS, devices and printer, the receipts printed by the core's receipt service as in the
automat; and a guard that fails a test on any unexpected Qt warning."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt, QtMsgType
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from kiosk.bons import BonBook
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.ledger.audit import run_audit
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from kiosk.payment.view import SessionView
from tests.payment_fakes import (
    CPR,
    LIBRARY,
    FakeAcceptor,
    FakeFbs,
    FakePrinter,
    FakeTerminal,
    Retries,
    SessionRig,
    session_rig,
)
from ui.compose import build_automat, shutdown
from ui.qt_platform import HARMLESS
from ui.screens.finish import PrintStatusRelay
from ui.window import AutomatWindow, IdleSettings

WAIT_MS = 15_000  # generous: the machine is shared

#: warnings Qt's offscreen platform prints on its own, unrelated to our code (the automat's own
#: message handler drops the same)
IGNORED_QT = HARMLESS


@pytest.fixture(autouse=True)
def fail_on_qt_warnings(qtlog: object) -> Iterator[None]:
    yield
    bad = [
        r.message
        for r in qtlog.records  # type: ignore[attr-defined]
        if r.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        and not any(i in r.message for i in IGNORED_QT)
    ]
    assert not bad, f"unexpected Qt warnings: {bad}"


@dataclass
class UiWorld:
    """The window over a session of :func:`session_rig` as the automat runs it: the core's
    receipt service prints on ``printer`` and its answers reach the screens; the ledger's
    retries wait for the test (``retries.run``)."""

    qtbot: QtBot
    rig: SessionRig
    window: AutomatWindow

    @property
    def engine(self) -> Engine:
        return self.rig.engine

    @property
    def session(self) -> PaymentSession:
        return self.rig.session

    @property
    def fbs(self) -> FakeFbs:
        return self.rig.fbs  # type: ignore[no-any-return]

    @property
    def coins(self) -> FakeAcceptor:
        return self.rig.coins

    @property
    def notes(self) -> FakeAcceptor:
        return self.rig.notes

    @property
    def terminal(self) -> FakeTerminal:
        return self.rig.terminal  # type: ignore[no-any-return]

    @property
    def bons(self) -> BonBook:
        assert self.rig.book is not None
        return self.rig.book

    @property
    def retries(self) -> Retries:
        return self.rig.retries

    @property
    def printer(self) -> FakePrinter:
        return self.rig.printer  # type: ignore[no-any-return]

    # -- waiting on the GUI --------------------------------------------------------------------
    @property
    def view(self) -> SessionView:
        assert self.window.snapshot is not None
        return self.window.snapshot.view

    def wait_state(self, state: State) -> None:
        self.qtbot.waitUntil(
            lambda: self.window.snapshot is not None and self.window.snapshot.view.state is state,
            timeout=WAIT_MS,
        )

    def wait_screen(self, screen: object) -> None:
        self.qtbot.waitUntil(lambda: self.window.stack.currentWidget() is screen, timeout=WAIT_MS)

    def run_retries(self) -> None:
        """The ledger's retry is due now: wait until the session has asked for one (on its
        worker), then run it."""
        self.qtbot.waitUntil(lambda: bool(self.retries.due), timeout=WAIT_MS)
        self.retries.run()

    def settle(self) -> None:
        """Let the worker finish what was posted and the GUI take the queued views."""
        assert self.window.bridge.worker.drain()
        self.process_events()

    def process_events(self) -> None:
        """The GUI thread handles what is waiting for it now: the views the worker queued, the
        layout requests of a screen just shown or resized (no timer: nothing else can come)."""
        QApplication.processEvents()

    # -- a citizen's fingers -------------------------------------------------------------------
    def click(self, b: QPushButton) -> None:
        assert b.isVisible() and b.isEnabled(), b.text()
        self.qtbot.mouseClick(b, Qt.MouseButton.LeftButton)

    def type_digits(self, keypad: object, digits: str) -> None:
        for d in digits:
            self.click(keypad.keys[d])  # type: ignore[attr-defined]

    def login(self, identifier: str = CPR, pin: str = "1234") -> None:
        self.wait_screen(self.window.attract)
        self.click(self.window.attract.start)
        self.wait_state(State.IDENTIFYING)
        self.type_digits(self.window.identify.keypad, identifier.replace("-", ""))
        self.click(self.window.identify.keypad.ok)
        self.wait_state(State.PIN)
        self.type_digits(self.window.pin.keypad, pin)
        self.click(self.window.pin.keypad.ok)

    def audit_clean(self) -> bool:
        report = run_audit(self.engine)
        return report.clean and not report.open_sessions

    def rows(self, model: type) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(select(model)).all())


def make_world(
    qtbot: QtBot,
    engine: Engine,
    fbs: FakeFbs | None = None,
    idle: IdleSettings | None = None,
    *,
    rig_options: dict | None = None,
    staff_desk: object = None,
) -> UiWorld:
    """The automat's window over a session of the fakes (``fbs``: the citizens of
    :func:`citizens_fbs` unless given), wired as ``ui.app.automat_over_core`` wires the core."""
    rig = session_rig(
        engine,
        fbs=fbs,
        cash=CashSection(max_overpay_ore=5000),
        claims=ClaimsSection(
            cut_off_date="2020-09-01", pay_elsewhere_url="https://kommune.example/betal"
        ),
        printer=FakePrinter(),
        **(rig_options or {}),
    )
    window = build_automat(
        rig.session,
        library_name=LIBRARY,
        claims=rig.session.claims_config,
        cash=rig.session.cash,
        idle=idle or IdleSettings(idle_ms=600_000, end_screen_ms=600_000),
        staff_desk=None if staff_desk is None else (lambda: staff_desk),
    )
    assert rig.receipts is not None
    rig.receipts.on_issued = PrintStatusRelay(window.receipt, window.ended)
    for acceptor in (rig.coins, rig.notes):
        acceptor.sink = window.bridge.device_listener  # as drivers are: events go to the worker
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return UiWorld(qtbot, rig, window)


@pytest.fixture
def ui(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiWorld]:
    world = make_world(qtbot, sqlite_engine)
    yield world
    shutdown(world.window)
