"""Scripted citizen sessions, offscreen, with a screenshot per step and a summary.

Each script drives the real window with the same clicks a citizen makes; device actions (coins,
notes) go through a :class:`DemoHands` the composition provides (today the in-memory fakes; the
simulator and the emulators later). ``run_walkthrough`` returns True only if every session ended
in the state its script expects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QPushButton

from kiosk.payment.states import State
from ui.widgets import Keypad
from ui.window import AutomatWindow

WAIT_S = 20.0


class DemoHands(Protocol):
    """What the walkthrough needs from the world around the automat."""

    def identity(self, script: str) -> tuple[str, str]:
        """Identifier and PIN of the citizen a script plays (``card``: a library card, without a
        CPR; the others: a CPR with debtor claims)."""
        ...

    def insert_coin(self, value_ore: int) -> None: ...
    def insert_note(self, value_ore: int) -> None: ...
    def issue_bon(self, value_ore: int) -> str:
        """A staff bon; returns the short code printed on it."""
        ...

    def set_fbs_down(self, down: bool) -> None: ...


class WalkthroughError(RuntimeError):
    pass


@dataclass
class Driver:
    window: AutomatWindow
    hands: DemoHands
    out: Path
    shots: list[str] = field(default_factory=list)
    script: str = ""

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if time.monotonic() > deadline:
                raise WalkthroughError(f"timed out waiting for {what}")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)

    @property
    def state(self) -> State:
        snap = self.window.snapshot
        return snap.view.state if snap else State.IDLE

    def wait_state(self, state: State) -> None:
        self.wait(lambda: self.state is state, f"state {state.value}")

    def wait_screen(self, screen: object) -> None:
        self.wait(lambda: self.window.stack.currentWidget() is screen, type(screen).__name__)

    def click(self, b: QPushButton) -> None:
        if not (b.isVisible() and b.isEnabled()):
            raise WalkthroughError(f"button {b.text()!r} cannot be pressed now")
        b.click()
        QCoreApplication.processEvents()

    def type(self, keypad: Keypad, text: str) -> None:
        for char in text:
            self.click(keypad.keys[char])

    def shot(self, name: str) -> None:
        QCoreApplication.processEvents()
        target = self.out / f"{len(self.shots) + 1:02d}-{self.script}-{name}.png"
        if not self.window.grab().save(str(target)):
            raise WalkthroughError(f"could not write {target}")
        self.shots.append(target.name)


# -- the scripts ------------------------------------------------------------------------------
def _login(d: Driver, identifier: str, pin: str) -> None:
    w = d.window
    d.wait_screen(w.attract)
    d.click(w.attract.start)
    d.wait_screen(w.identify)
    d.type(w.identify.keypad, identifier)
    d.shot("identify")
    d.click(w.identify.keypad.ok)
    d.wait_screen(w.pin)
    d.type(w.pin.keypad, pin)
    d.click(w.pin.keypad.ok)
    d.wait_screen(w.claims)


def _finish(d: Driver) -> None:
    w = d.window
    d.wait_screen(w.ended)
    d.shot("end")
    d.click(w.ended.finish)
    d.wait_screen(w.attract)


def card_old_claims(d: Driver) -> State:
    w = d.window
    d.shot("attract")
    _login(d, *d.hands.identity("card"))
    d.shot("claims")
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    d.shot("methods")
    d.click(w.methods.method_buttons["card"])
    d.wait_screen(w.receipt)
    d.wait(lambda: w.receipt.printed is not None, "the receipt")
    d.shot("receipt")
    d.click(w.receipt.done)
    d.wait_state(State.DONE)
    end = d.state
    _finish(d)
    return end


def cash_debtor_overpay(d: Driver) -> State:
    w = d.window
    _login(d, *d.hands.identity("cash"))
    d.shot("claims-blocked")
    selection = w.snapshot.view.selection if w.snapshot else None
    covers = selection.covers() if selection else []
    for claim_id in [c.id for c in covers if c.payable_in.value == "fbs"]:
        before = w.snapshot.view.total  # pay only the municipality's claims, oldest first
        d.click(w.claims.claim_buttons[claim_id])
        d.wait(lambda b=before: w.snapshot.view.total != b, "the new total")
    d.shot("claims-debtor-only")
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    d.click(w.methods.method_buttons["cash"])
    d.wait_screen(w.cash)
    d.hands.insert_coin(2000)
    d.wait(lambda: w.snapshot.view.received.ore == 2000, "the coin on screen")
    d.shot("cash")
    d.hands.insert_note(5000)
    d.wait_screen(w.receipt)
    d.wait(lambda: w.receipt.printed is not None, "the receipt")
    d.shot("receipt-credit-bon")
    d.click(w.receipt.done)
    d.wait_state(State.DONE)
    end = d.state
    _finish(d)
    return end


def bon_and_card(d: Driver) -> State:
    w = d.window
    code = d.hands.issue_bon(5000)
    _login(d, *d.hands.identity("bon"))
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    d.click(w.methods.method_buttons["bon"])
    d.wait_screen(w.bon)
    d.type(w.bon.keypad, code)
    d.shot("bon")
    d.click(w.bon.keypad.ok)
    d.wait(lambda: w.snapshot.view.message == "bon_partial", "the bon to count")
    d.wait_screen(w.methods)
    d.shot("after-bon")
    d.click(w.methods.method_buttons["card"])
    d.wait_screen(w.receipt)
    d.click(w.receipt.done)
    d.wait_state(State.DONE)
    end = d.state
    _finish(d)
    return end


def wrong_pin_then_cancel(d: Driver) -> State:
    w = d.window
    d.wait_screen(w.attract)
    d.click(w.attract.start)
    d.wait_screen(w.identify)
    identifier, pin = d.hands.identity("pin")
    d.type(w.identify.keypad, identifier)
    d.click(w.identify.keypad.ok)
    d.wait_screen(w.pin)
    d.type(w.pin.keypad, "9999" if pin != "9999" else "0000")
    d.click(w.pin.keypad.ok)
    d.wait(lambda: w.snapshot.view.message == "wrong_pin", "the wrong PIN message")
    d.shot("wrong-pin")
    d.click(w.pin.cancel)
    d.wait_state(State.CANCELLED)
    end = d.state
    _finish(d)
    return end


def english_timeout_with_cash(d: Driver) -> State:
    w = d.window
    d.wait_screen(w.attract)
    d.click(w.attract.language_buttons["en"])
    d.shot("attract-english")
    _login(d, *d.hands.identity("timeout"))
    d.shot("claims-english")
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    d.click(w.methods.method_buttons["cash"])
    d.wait_screen(w.cash)
    d.hands.insert_coin(1000)
    d.wait(lambda: w.snapshot.view.received.ore == 1000, "the coin on screen")
    before = w.idle.intervals()
    w.idle.set_intervals(idle_ms=50, tick_ms=400)  # minutes in real life
    try:
        w.idle.touch()
        d.wait(w.warning.isVisible, "the idle warning")
        d.shot("idle-warning")
        d.wait_state(State.TIMED_OUT)
        end = d.state
        _finish(d)
    finally:
        w.idle.set_intervals(*before)
    return end


def portrait_high_contrast(d: Driver) -> State:
    """The same automat on a portrait screen, with high contrast and larger text."""
    w = d.window
    size = w.size()
    w.resize(1080, 1920)
    w.toggle_contrast()
    w.toggle_large_text()
    try:
        _login(d, *d.hands.identity("looks"))
        d.shot("claims-portrait-contrast")
        d.click(w.claims.cancel)
        d.wait_state(State.CANCELLED)
        end = d.state
        _finish(d)
    finally:
        w.toggle_contrast()
        w.toggle_large_text()
        w.resize(size)
    return end


def out_of_service(d: Driver) -> State:
    w = d.window
    d.hands.set_fbs_down(True)
    try:
        w.check_service()
        d.wait_screen(w.out_of_service)
        d.shot("fbs-down")
    finally:
        d.hands.set_fbs_down(False)
    w.check_service()
    d.wait_screen(w.attract)
    return State.IDLE


SCRIPTS: list[tuple[str, Callable[[Driver], State], State]] = [
    ("card", card_old_claims, State.DONE),
    ("cash", cash_debtor_overpay, State.DONE),
    ("bon", bon_and_card, State.DONE),
    ("pin", wrong_pin_then_cancel, State.CANCELLED),
    ("timeout", english_timeout_with_cash, State.TIMED_OUT),
    ("looks", portrait_high_contrast, State.CANCELLED),
    ("service", out_of_service, State.IDLE),
]


def run_walkthrough(window: AutomatWindow, hands: DemoHands, out: Path) -> bool:
    """Run every script; write PNGs, ``summary.json`` and ``summary.txt`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    driver = Driver(window, hands, out)
    results = []
    for name, script, expected in SCRIPTS:
        driver.script = name
        first = len(driver.shots)
        try:
            ended = script(driver)
            error = ""
        except WalkthroughError as exc:
            ended, error = driver.state, str(exc)
            driver.shot("failed")
        results.append(
            {
                "session": name,
                "expected": expected.value,
                "ended": ended.value,
                "ok": ended is expected and not error,
                "error": error,
                "screenshots": driver.shots[first:],
            }
        )
        if error:  # leave a clean automat for the next script
            window.bridge.cancel()
            window.bridge.reset()
            driver.wait(lambda: driver.state is State.IDLE, "a clean start")
    (out / "summary.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"{'ok ' if r['ok'] else 'FAIL'} {r['session']:<8} expected {r['expected']:<10} "
        f"ended {r['ended']:<10} {len(r['screenshots'])} screenshots {r['error']}"
        for r in results
    ]
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    for line in lines:
        print(f"walkthrough: {line}")
    return all(r["ok"] for r in results)
