"""Cancel and timeout at every step: where the session ends, what happens to money already in
(a credit bon), and that nothing personal stays on any screen."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from drivers.base import CardOutcome, CardResult
from kiosk.ledger.models import Bon
from kiosk.money import Money
from kiosk.payment.states import State
from tests.payment_fakes import FakeTerminal
from tests.ui.conftest import UiWorld

STEPS = ["identify", "pin", "claims", "methods", "bon", "cash_with_money"]


class HeldTerminal(FakeTerminal):
    """A terminal where the citizen is still reading the screen: it answers when cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.waiting = threading.Event()

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        self.authorised.append((amount_ore, reference))
        self.waiting.set()
        self.release.wait(30)
        return CardResult(CardOutcome.ABORTED, 0, reference)

    def cancel(self) -> None:
        self.cancelled += 1
        self.release.set()


def go_to(ui: UiWorld, step: str) -> None:
    w = ui.window
    ui.click(w.attract.start)
    ui.wait_screen(w.identify)
    if step == "identify":
        ui.type_digits(w.identify.keypad, "0101")  # half-typed
        return
    ui.type_digits(w.identify.keypad, "0101901234")
    ui.click(w.identify.keypad.ok)
    ui.wait_screen(w.pin)
    if step == "pin":
        ui.type_digits(w.pin.keypad, "12")
        return
    ui.type_digits(w.pin.keypad, "1234")
    ui.click(w.pin.keypad.ok)
    ui.wait_screen(w.claims)
    if step == "claims":
        return
    ui.click(w.claims.pay)
    ui.wait_screen(w.methods)
    if step == "methods":
        return
    if step == "bon":
        ui.click(w.methods.method_buttons["bon"])
        ui.wait_screen(w.bon)
        return
    ui.click(w.methods.method_buttons["cash"])
    ui.wait_screen(w.cash)
    ui.coins.insert(2000)
    ui.qtbot.waitUntil(lambda: ui.view.received == Money(2000), timeout=15_000)


def nothing_personal_left(ui: UiWorld) -> None:
    w = ui.window
    assert w.identify.keypad.value == "" and w.pin.keypad.value == ""
    assert w.pin.who.text() == "" and w.claims.who.text() == ""
    assert w.claims.claim_buttons == {} and w.claims.covers.text() == ""


def expect_end(ui: UiWorld, step: str, state: State) -> None:
    ui.wait_state(state)
    ui.wait_screen(ui.window.ended)
    nothing_personal_left(ui)
    if step == "cash_with_money":
        # the automat gives no change: the 20 kr inserted come back as a credit bon
        (bon,) = ui.rows(Bon)
        assert bon.amount_ore == 2000
        assert "20,00 kr" in ui.window.ended.bon.text() and ui.window.ended.bon.isVisible()
    else:
        assert ui.rows(Bon) == []
        assert not ui.window.ended.bon.isVisible()
    assert ui.audit_clean()
    ui.click(ui.window.ended.finish)
    ui.wait_screen(ui.window.attract)


@pytest.mark.parametrize("step", STEPS)
def test_cancel_at_every_step(ui: UiWorld, step: str) -> None:
    go_to(ui, step)
    screen = ui.window.stack.currentWidget()
    ui.click(screen.cancel)
    expect_end(ui, step, State.CANCELLED)


@pytest.mark.parametrize("step", STEPS)
def test_timeout_at_every_step(ui: UiWorld, step: str) -> None:
    go_to(ui, step)
    warnings: list[int] = []
    ui.window.idle.warning.connect(warnings.append)
    ui.window.idle.set_intervals(idle_ms=30, tick_ms=20)
    ui.window.idle.touch()
    expect_end(ui, step, State.TIMED_OUT)
    assert warnings[0] == ui.window.idle.countdown_s  # the countdown was shown first
    assert "Er du der stadig" not in ui.window.warning_text.text() or ui.window.warning.isHidden()


def test_more_time_and_any_input_keep_the_session(ui: UiWorld) -> None:
    go_to(ui, "claims")
    idle = ui.window.idle
    idle.set_intervals(idle_ms=30, tick_ms=10_000)  # the countdown itself will not run out
    idle.touch()
    ui.qtbot.waitUntil(ui.window.warning.isVisible, timeout=15_000)
    assert "Er du der stadig?" in ui.window.warning_text.text()
    ui.click(ui.window.more_time)
    assert ui.window.warning.isHidden()
    ui.qtbot.waitUntil(ui.window.warning.isVisible, timeout=15_000)
    ui.click(ui.window.claims.claim_buttons["101"])  # any touch counts
    assert ui.window.warning.isHidden()
    assert ui.view.state is State.CLAIMS


def test_cancel_while_the_card_terminal_is_busy(qtbot: QtBot, sqlite_engine: Engine) -> None:
    from tests.ui.conftest import make_world
    from ui.compose import shutdown

    ui = make_world(qtbot, sqlite_engine)
    terminal = HeldTerminal()
    ui.session.devices.terminal = terminal
    try:
        go_to(ui, "methods")
        ui.click(ui.window.methods.method_buttons["card"])
        ui.wait_screen(ui.window.card)
        assert terminal.waiting.wait(15)
        # a timeout does not end the session under the citizen's hands at the terminal
        ui.window.bridge.timeout()
        ui.window.bridge.worker.drain()
        assert ui.session.state is State.PAYING
        ui.click(ui.window.card.cancel)  # the terminal is told to stop; it answers "aborted"
        ui.wait_state(State.CANCELLED)
        assert terminal.cancelled == 1
        assert ui.audit_clean()
    finally:
        terminal.release.set()
        shutdown(ui.window)


def test_money_at_the_attract_screen_shows_its_credit_bon(ui: UiWorld) -> None:
    """A coin the acceptor took with no payment under way (issue 11): the end screen says so and
    shows the bon, which is in the ledger before the screen shows it."""
    from drivers.base import Credit

    ui.wait_screen(ui.window.attract)
    ui.window.bridge.device_listener(Credit("coins", 1000, "DK010A", "coin", "cctalk:1:1"))
    ui.wait_state(State.CANCELLED)
    ui.wait_screen(ui.window.ended)
    (bon,) = ui.rows(Bon)
    assert bon.amount_ore == 1000
    assert "10,00 kr" in ui.window.ended.bon.text() and ui.window.ended.bon.isVisible()
    assert "uden for en betaling" in ui.window.ended.banner.text()
    assert ui.audit_clean()
    ui.click(ui.window.ended.finish)
    ui.wait_screen(ui.window.attract)


def test_a_coin_after_a_cancel_shows_a_bon_of_its_own(ui: UiWorld) -> None:
    from drivers.base import Credit

    go_to(ui, "cash_with_money")
    ui.click(ui.window.cash.cancel)
    ui.wait_screen(ui.window.ended)
    ui.window.bridge.device_listener(Credit("coins", 500, "DK005A", "coin", "cctalk:1:9"))
    ui.qtbot.waitUntil(lambda: "5,00 kr" in ui.window.ended.bon.text(), timeout=15_000)
    assert sorted(b.amount_ore for b in ui.rows(Bon)) == [500, 2000]
    assert ui.audit_clean()
