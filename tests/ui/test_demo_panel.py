"""The simulator panel on the real demo core: a click reaches the emulator (or the simulator),
and the session sees it as a citizen's action would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from pytestqt.qtbot import QtBot

from drivers.base.printer import PaperStatus
from kiosk.config import load_config
from kiosk.ledger.audit import run_audit
from kiosk.payment.states import State
from tests.ui.conftest import WAIT_MS
from ui.app import automat_over_core, close_automat, fresh_data_dir, wait_for_core
from ui.demo_panel import DemoPanel
from ui.window import IdleSettings

LEFT = Qt.MouseButton.LeftButton
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Any, DemoPanel, dict[str, Any]]]:
    config = fresh_data_dir(load_config(REPO / "config" / "demo.toml"), tmp_path / "data")
    window, world = automat_over_core(
        config, demo=True, idle=IdleSettings(idle_ms=600_000, service_check_ms=600_000)
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    panel = DemoPanel(lambda: world.get("core"))
    qtbot.addWidget(panel)
    panel.show()
    try:
        assert wait_for_core(window, 60)
        hands = panel.hands()
        assert hands is not None
        qtbot.waitUntil(hands.devices_up, timeout=60_000)
        yield window, panel, world
    finally:
        panel.shutdown()
        close_automat(window, world)


def click(qtbot: QtBot, panel: DemoPanel, key: str) -> None:
    qtbot.mouseClick(panel.buttons[key], LEFT)
    qtbot.waitUntil(lambda: all(f.done() for f in panel.pending), timeout=WAIT_MS)
    # the outcome was posted to the GUI thread before the action's future was done: deliver it
    # before the status is read (a clean-clone CI once read the action before's status)
    QCoreApplication.processEvents()


def test_scan_a_patron_then_coins_and_a_note_reach_the_session(
    qtbot: QtBot, demo: tuple[Any, DemoPanel, dict[str, Any]]
) -> None:
    window, panel, world = demo
    panel.patron.setCurrentIndex(0)  # Anna Andersen: two old claims, 50 kr
    click(qtbot, panel, "scan card")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin, timeout=WAIT_MS)
    for digit in "0101":
        qtbot.mouseClick(window.pin.keypad.keys[digit], LEFT)
    qtbot.mouseClick(window.pin.keypad.ok, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.claims, timeout=WAIT_MS)
    assert "Anna Andersen" in window.claims.who.text()
    qtbot.mouseClick(window.claims.pay, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.methods, timeout=WAIT_MS)
    qtbot.mouseClick(window.methods.method_buttons["cash"], LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.cash, timeout=WAIT_MS)
    hands = panel.hands()
    assert hands is not None
    qtbot.waitUntil(hands.cash_ready, timeout=WAIT_MS)

    click(qtbot, panel, "coin 20,00 kr")
    qtbot.waitUntil(lambda: window.snapshot.view.received.ore == 2000, timeout=WAIT_MS)
    assert "20,00 kr" in window.cash.amounts.text()
    click(qtbot, panel, "note 50,00 kr")  # 70 kr for 50 kr: 20 kr back as a credit bon
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.receipt, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.receipt.printed is True, timeout=60_000)
    assert "20,00 kr" in window.receipt.bon.text()
    core = world["core"]
    assert core.devices.emulators.notes.stacked  # the note went into the cash box
    qtbot.mouseClick(window.receipt.done, LEFT)
    qtbot.waitUntil(lambda: window.snapshot.view.state is State.DONE, timeout=WAIT_MS)
    report = run_audit(core.engine)
    assert report.clean and not report.open_sessions


def test_paper_out_from_the_panel_shows_the_bon_code_on_screen(
    qtbot: QtBot, demo: tuple[Any, DemoPanel, dict[str, Any]]
) -> None:
    window, panel, world = demo
    core = world["core"]
    click(qtbot, panel, "paper out")
    assert core.devices.emulators.printer.paper is PaperStatus.OUT
    panel.patron.setCurrentIndex(1)  # Bo Berg: new claims, so he shows his health card
    click(qtbot, panel, "swipe health card")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin, timeout=WAIT_MS)
    for digit in "0202":
        qtbot.mouseClick(window.pin.keypad.keys[digit], LEFT)
    qtbot.mouseClick(window.pin.keypad.ok, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.claims, timeout=WAIT_MS)
    qtbot.mouseClick(window.claims.pay, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.methods, timeout=WAIT_MS)
    qtbot.mouseClick(window.methods.method_buttons["cash"], LEFT)
    hands = panel.hands()
    assert hands is not None
    qtbot.waitUntil(hands.cash_ready, timeout=WAIT_MS)
    click(qtbot, panel, "coin 20,00 kr")
    qtbot.waitUntil(lambda: window.snapshot.view.received.ore == 2000, timeout=WAIT_MS)
    qtbot.mouseClick(window.cash.cancel, LEFT)  # 20 kr in, then cancelled: a credit bon
    qtbot.waitUntil(lambda: window.ended.bon_code.isVisible(), timeout=60_000)
    ticket = window.snapshot.view.credit_bon
    assert window.ended.bon_code.text() == ticket.short_code_display
    assert "kunne ikke udskrives" in window.ended.bon.text()
    assert not core.devices.emulators.printer.slips  # nothing came out
    report = run_audit(core.engine)
    assert report.clean and not report.open_sessions


def test_decline_and_fbs_switches_reach_the_emulator_and_the_simulator(
    qtbot: QtBot, demo: tuple[Any, DemoPanel, dict[str, Any]]
) -> None:
    window, panel, world = demo
    core = world["core"]
    click(qtbot, panel, "fbs down")
    assert core.simulator.state.faults.http_500
    window.check_service()  # the automat's periodic check, now
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.out_of_service, timeout=WAIT_MS)
    click(qtbot, panel, "fbs up")
    window.check_service()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=WAIT_MS)
    click(qtbot, panel, "jam")
    assert core.devices.emulators.notes.jammed
    click(qtbot, panel, "unjam")
    assert not core.devices.emulators.notes.jammed
    click(qtbot, panel, "decline")
    panel.patron.setCurrentIndex(0)
    click(qtbot, panel, "scan card")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin, timeout=WAIT_MS)
    for digit in "0101":
        qtbot.mouseClick(window.pin.keypad.keys[digit], LEFT)
    qtbot.mouseClick(window.pin.keypad.ok, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.claims, timeout=WAIT_MS)
    qtbot.mouseClick(window.claims.pay, LEFT)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.methods, timeout=WAIT_MS)
    qtbot.mouseClick(window.methods.method_buttons["card"], LEFT)
    qtbot.waitUntil(lambda: window.snapshot.view.message == "card_declined", timeout=60_000)
    assert window.snapshot.view.state is not State.RECEIPT
    click(qtbot, panel, "bon")
    assert "bon issued" in panel.status.text()
