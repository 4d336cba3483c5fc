"""Out of order (the ledger cannot take the money) the idle countdown does not run: nothing a
citizen does changes the fault, and the screen with the amount must stay until staff come."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from kiosk.money import Money
from kiosk.payment.states import State
from tests.integration.test_ledger_fault import Outage
from tests.ui.conftest import UiWorld


def pay_cash(ui: UiWorld) -> None:
    ui.login()
    ui.wait_screen(ui.window.claims)
    ui.qtbot.waitUntil(lambda: ui.window.claims.pay.isVisible(), timeout=15_000)
    ui.click(ui.window.claims.pay)
    ui.wait_screen(ui.window.methods)
    ui.click(ui.window.methods.method_buttons["cash"])
    ui.wait_screen(ui.window.cash)
    ui.coins.insert(2000)
    ui.qtbot.waitUntil(lambda: ui.view.received == Money(2000), timeout=15_000)


def test_no_countdown_while_out_of_order_and_it_resumes_after(ui: UiWorld) -> None:
    outage = Outage(ui.engine)
    pay_cash(ui)
    idle, window = ui.window.idle, ui.window
    warnings: list[int] = []
    idle.warning.connect(warnings.append)
    idle.set_intervals(idle_ms=30, tick_ms=10_000)
    idle.touch()
    ui.qtbot.waitUntil(window.warning.isVisible, timeout=15_000)  # the countdown is on
    outage.mode = "readonly"
    ui.coins.insert(1000)  # a coin the failing ledger cannot take
    ui.wait_state(State.LEDGER_FAULT)
    ui.wait_screen(window.ended)
    assert window.warning.isHidden() and not idle.active
    idle.set_intervals(idle_ms=20, tick_ms=10)  # would time out within ~0.3 s if it ran
    warnings.clear()
    ui.qtbot.mouseClick(window.ended, Qt.MouseButton.LeftButton)  # a touch does not restart it
    ui.settle()
    # nothing can come: neither the quiet wait nor the countdown is running
    assert not idle.active and not any(t.isActive() for t in idle.findChildren(QTimer))
    assert warnings == [] and window.warning.isHidden()
    assert ui.view.state is State.LEDGER_FAULT  # not timed out: still waiting for the staff
    assert window.stack.currentWidget() is window.ended
    assert "30,00 kr" in window.ended.text.text()
    outage.mode = None
    ui.run_retries()
    ui.wait_state(State.CANCELLED)  # back in service: the money became a credit bon
    ui.settle()
    assert "30,00 kr" in window.ended.bon.text()
    assert ui.audit_clean()
