"""The soak benchmark's citizens: one session of each kind through the real window, with hands on
the world's devices (``tests/world``: the FBS simulator and the emulators on ptys, in a process of
their own).

Every session is seed patron 1003 (Carla: a library card and a CPR), with fresh claims made at
the simulator for it, and nothing else open (``add_claims(only=True)``), so the claims screen
shows exactly what the session pays. Library-card logins get old (FBS) claims only: debtor claims
need a CPR. Each function returns the state the session ended in; ``KINDS`` names them in the
order the soak plays them, round after round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.money import Money
from kiosk.payment.states import State
from tests.world.client import WorldClient
from ui.walkthrough_driver import Driver, WalkthroughError

CARD, CPR, PIN = "3210000003", "0303903333", "0303"


class WorldHands:
    """What ``ui.walkthrough_driver.Driver`` needs of the world: coins and notes."""

    def __init__(self, world: WorldClient) -> None:
        self.world = world

    def insert_coin(self, value_ore: int) -> bool:
        return self.world.drop_coin(value_ore)

    def insert_note(self, value_ore: int) -> bool:
        return self.world.feed_note(value_ore // 100)


class Citizen:
    """A person at the automat: the window's buttons and keypads, the scanner, and the world."""

    def __init__(self, driver: Driver, world: WorldClient, core: Any) -> None:
        self.d, self.world, self.core = driver, world, core
        self.w = driver.window

    @property
    def state(self) -> State:
        return self.d.state

    def claims(self, old: list[int], new: list[int]) -> None:
        self.world.add_claims(old, new, only=True)

    def scan_card(self) -> None:
        self.d.wait_screen(self.w.attract)
        self.w.input_scanned(CARD)
        self.d.wait_screen(self.w.pin)

    def type_cpr(self) -> None:
        w = self.w
        self.d.wait_screen(w.attract)
        self.d.click(w.attract.start)
        self.d.wait_screen(w.identify)
        self.d.type(w.identify.keypad, CPR)
        self.d.click(w.identify.keypad.ok)
        self.d.wait_screen(w.pin)

    def pin(self, pin: str = PIN) -> None:
        self.d.type(self.w.pin.keypad, pin)
        self.d.click(self.w.pin.keypad.ok)

    def to_claims(self, by: str) -> None:
        self.scan_card() if by == "card" else self.type_cpr()
        self.pin()
        self.d.wait_screen(self.w.claims)
        self.d.wait(lambda: self.w.claims.pay.isEnabled(), "the claims to be chosen")

    def method(self, name: str) -> None:
        w = self.w
        self.d.click(w.claims.pay)
        self.d.wait_screen(w.methods)
        if name == "cash":
            self.d.click(w.methods.method_buttons["cash"])
            self.d.wait_screen(w.cash)
            self.d.wait(lambda: all(self.world.cash_ready().values()), "the acceptors enabled")
        elif name == "card":
            self.world.terminal_next("approve")
            self.d.click(w.methods.method_buttons["card"])

    def coin(self, ore: int) -> None:
        before = self.received()
        self.d.insert("coin", ore)
        self.d.wait(lambda: self.received() >= before + ore, f"the {ore} øre coin on screen")

    def note(self, kroner: int) -> None:
        before = self.received()
        self.d.insert("note", kroner * 100)
        self.d.wait(lambda: self.received() >= before + kroner * 100, f"the {kroner} kr note")

    def received(self) -> int:
        snap = self.w.snapshot
        return snap.view.received.ore if snap else 0

    def desk_bon(self, kroner: int) -> Any:
        """A bon staff sold at the desk for cash (the world counts that cash)."""
        ticket = self.core.bons.issue(Money.kr(kroner), "desk-staff")
        self.world.desk_bon(ticket.short_code, ticket.amount.ore)
        return ticket

    def receipt(self) -> State:
        """The receipt (and its bon) printed, taken; the end screen; back to the attract."""
        w, d = self.w, self.d
        d.wait_screen(w.receipt)
        d.wait(lambda: w.receipt.printed is not None, "the printer's answer")
        ticket = w.snapshot.view.credit_bon if w.snapshot else None
        if ticket is not None:
            d.wait(lambda: w.receipt.print_log.bon(ticket) is not None, "the bon's slip")
        d.click(w.receipt.done)
        d.wait_state(State.DONE)
        return self.leave()

    def leave(self) -> State:
        w, d = self.w, self.d
        end = d.state
        d.wait_screen(w.ended)
        ticket = w.snapshot.view.credit_bon if w.snapshot else None
        if ticket is not None:
            d.wait(lambda: w.ended.print_log.bon(ticket) is not None, "the credit bon's slip")
        d.click(w.ended.finish)
        d.wait_screen(w.attract)
        return end


# -- the kinds ---------------------------------------------------------------------------------
def card(c: Citizen) -> State:
    """Library card under the scanner; an old (FBS) claim paid by card."""
    c.claims([2500], [])
    c.to_claims("card")
    c.method("card")
    return c.receipt()


def cash_change(c: Citizen) -> State:
    """CPR typed; a debtor claim of 62,30 in cash (rounded to 62,50): a 50 kr note and a 20 kr
    coin, 7,50 back as a credit bon."""
    c.claims([], [6230])
    c.to_claims("cpr")
    c.method("cash")
    c.note(50)
    c.coin(2000)
    return c.receipt()


def cash_exact(c: Citizen) -> State:
    """Old and new claims, 35,00 in coins exactly."""
    c.claims([1500], [2000])
    c.to_claims("cpr")
    c.method("cash")
    for ore in (2000, 1000, 500):
        c.coin(ore)
    return c.receipt()


def bon(c: Citizen) -> State:
    """A 150 kr desk bon scanned for 97,30 of old and new claims; 52,70 back as a remainder
    bon."""
    ticket = c.desk_bon(150)
    c.claims([7730], [2000])
    c.to_claims("cpr")
    c.d.click(c.w.claims.pay)
    c.d.wait_screen(c.w.methods)
    c.w.input_scanned(ticket.qr_payload)
    return c.receipt()


def bon_then_card(c: Citizen) -> State:
    """A 20 kr desk bon pays part of 57,30; the card pays the rest."""
    ticket = c.desk_bon(20)
    c.claims([3730], [2000])
    c.to_claims("cpr")
    c.d.click(c.w.claims.pay)
    c.d.wait_screen(c.w.methods)
    c.w.input_scanned(ticket.qr_payload)
    c.d.wait(lambda: c.received() == 2000, "the bon to count")
    c.d.wait_screen(c.w.methods)
    c.world.terminal_next("approve")
    c.d.click(c.w.methods.method_buttons["card"])
    return c.receipt()


def cancel(c: Citizen) -> State:
    """10 kr in, then cancel: a credit bon."""
    c.claims([], [2000])
    c.to_claims("cpr")
    c.method("cash")
    c.coin(1000)
    c.d.click(c.w.cash.cancel)
    c.d.wait_state(State.CANCELLED)
    return c.leave()


def timeout(c: Citizen) -> State:
    """5 kr in, then the citizen walks away: the idle timer ends the session, a credit bon."""
    c.claims([], [2000])
    c.to_claims("cpr")
    c.method("cash")
    c.coin(500)
    idle = c.w.idle
    before = idle.intervals()
    idle.set_intervals(idle_ms=50, tick_ms=10)  # a minute and its countdown, in real life
    try:
        idle.touch()
        c.d.wait_state(State.TIMED_OUT)
    finally:
        idle.set_intervals(*before)
    return c.leave()


def wrong_pin(c: Citizen) -> State:
    """A wrong PIN, told so, and the citizen gives up (the next session's login resets FBS's
    count of wrong PINs: three in a row lock the patron out)."""
    c.scan_card()
    c.pin("9999")
    c.d.wait(lambda: c.w.snapshot is not None and c.w.snapshot.view.message == "wrong_pin",
             "the wrong PIN message")
    c.d.click(c.w.pin.cancel)
    c.d.wait_state(State.CANCELLED)
    return c.leave()


def look(c: Citizen) -> State:
    """Logs in, reads the claims, leaves without paying."""
    c.claims([], [2000])
    c.to_claims("cpr")
    c.d.click(c.w.claims.cancel)
    c.d.wait_state(State.CANCELLED)
    return c.leave()


KINDS: list[tuple[str, Callable[[Citizen], State], State]] = [
    ("card", card, State.DONE),
    ("cash_change", cash_change, State.DONE),
    ("bon", bon, State.DONE),
    ("cancel", cancel, State.CANCELLED),
    ("cash_exact", cash_exact, State.DONE),
    ("wrong_pin", wrong_pin, State.CANCELLED),
    ("bon_then_card", bon_then_card, State.DONE),
    ("timeout", timeout, State.TIMED_OUT),
    ("look", look, State.CANCELLED),
]


def play(c: Citizen, n: int) -> tuple[str, bool, str]:
    """Session ``n`` (its kind by turn): its kind, whether it ended as scripted, and why not."""
    name, script, expected = KINDS[n % len(KINDS)]
    try:
        ended = script(c)
    except WalkthroughError as exc:
        return name, False, str(exc)
    return name, ended is expected, "" if ended is expected else f"ended {ended.value}"
