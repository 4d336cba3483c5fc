"""The citizen sees the automat out of order, with what they paid, when the ledger fails."""

from __future__ import annotations

from kiosk.money import Money
from kiosk.payment.states import State
from tests.integration.test_ledger_fault import Outage
from tests.ui.conftest import UiWorld


def test_fault_message_with_the_amount_then_back_in_service(ui: UiWorld) -> None:
    outage = Outage(ui.engine)
    ui.login()
    ui.wait_screen(ui.window.claims)
    ui.qtbot.waitUntil(lambda: ui.window.claims.pay.isVisible(), timeout=15_000)
    ui.click(ui.window.claims.pay)
    ui.wait_screen(ui.window.methods)
    ui.click(ui.window.methods.method_buttons["cash"])
    ui.wait_screen(ui.window.cash)
    ui.coins.insert(2000)
    ui.qtbot.waitUntil(lambda: ui.view.received == Money(2000), timeout=15_000)
    outage.mode = "readonly"  # the ledger's disk goes read-only
    ui.coins.insert(1000)
    ui.wait_state(State.LEDGER_FAULT)
    ui.wait_screen(ui.window.ended)
    shown = ui.window.ended.text.text()
    assert "ude af drift" in shown and "30,00 kr" in shown and "noteret" in shown
    assert ui.view.fault_ref in shown
    assert not ui.window.ended.finish.isVisible()  # no way out but the staff or the retry
    assert ui.coins.enabled == set()
    outage.mode = None
    ui.run_retries()
    ui.wait_state(State.CANCELLED)  # 30 kr of 97,30: a credit bon
    ui.settle()
    assert "30,00 kr" in ui.window.ended.bon.text()
    assert ui.window.ended.finish.isVisible()
    assert ui.audit_clean()
