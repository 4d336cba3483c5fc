"""UI fixtures: the window over a real PaymentSession on a temporary SQLite ledger, with the
in-memory FBS and devices; and a guard that fails a test on any unexpected Qt warning."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt, QtMsgType
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from kiosk.bons import BonBook, BonSigner
from kiosk.clock import FakeClock
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.ledger.audit import run_audit
from kiosk.ledger.repository import Ledger
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.parts import Devices
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from kiosk.payment.view import SessionView
from tests.payment_fakes import (
    CPR,
    FakeAcceptor,
    FakeFbs,
    FakeTerminal,
    debt_blocked_patron,
    mixed_claims,
)
from ui.compose import build_automat, shutdown
from ui.qt_platform import HARMLESS
from ui.window import AutomatWindow, IdleSettings

LIBRARY_CARD = "3210519784"
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
    qtbot: QtBot
    engine: Engine
    fbs: FakeFbs
    session: PaymentSession
    window: AutomatWindow
    coins: FakeAcceptor
    notes: FakeAcceptor
    terminal: FakeTerminal
    bons: BonBook
    printed: list[SessionView] = field(default_factory=list)

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

    def settle(self) -> None:
        """Let the worker finish what was posted and the GUI take the queued views."""
        assert self.window.bridge.worker.drain()
        self.qtbot.wait(1)

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
    printer: bool = True,
) -> UiWorld:
    if fbs is None:
        fbs = FakeFbs()
        fbs.add(CPR.replace("-", ""), "1234", debt_blocked_patron(), mixed_claims())
        fbs.add(LIBRARY_CARD, "0000", debt_blocked_patron(cpr=False), mixed_claims())
    clock = FakeClock()
    bons = BonBook(engine, BonSigner("ui-test-signing-key"), clock, "test-01")
    types = ClaimsSection(cut_off_date="2020-09-01").debtor_claim_types
    journal = PaymentJournal(engine, "test-01", clock, bons, types)
    terminal = FakeTerminal()
    session = PaymentSession(
        fbs=fbs,
        ledger=Ledger(engine, "test-01", clock),
        journal=journal,
        bons=bons,
        clock=clock,
        devices=Devices(acceptors=[], terminal=terminal),
        cash=CashSection(max_overpay_ore=5000),
        claims_config=ClaimsSection(
            cut_off_date="2020-09-01", pay_elsewhere_url="https://kommune.example/betal"
        ),
    )
    printed: list[SessionView] = []
    window = build_automat(
        session,
        library_name="Testbiblioteket",
        claims=session.claims_config,
        cash=session.cash,
        idle=idle or IdleSettings(idle_ms=600_000, end_screen_ms=600_000),
        print_receipt=printed.append if printer else None,
    )
    coins = FakeAcceptor("coins", "coin", window.bridge.device_listener)
    notes = FakeAcceptor("notes", "note", window.bridge.device_listener)
    session.devices.acceptors = [coins, notes]
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return UiWorld(qtbot, engine, fbs, session, window, coins, notes, terminal, bons, printed)


@pytest.fixture
def ui(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiWorld]:
    world = make_world(qtbot, sqlite_engine)
    yield world
    shutdown(world.window)
