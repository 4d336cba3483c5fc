"""The UI benchmark's world: the production core from ``build_core`` with the in-memory FBS,
terminal and cash acceptors of ``tests/payment_fakes.py`` in place of the simulator and the
emulators, so the bench measures our code (worker, ledger, signals, drawing), not a serial line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from kiosk.app import Core, build_core
from kiosk.config import KioskConfig
from kiosk.money import Money
from kiosk.payment.session import PaymentSession
from tests.payment_fakes import (
    FakeAcceptor,
    FakeFbs,
    FakeTerminal,
    debt_blocked_patron,
    mixed_claims,
)


@dataclass
class FakeHands:
    core: Core
    fbs: FakeFbs
    coins: FakeAcceptor
    notes: FakeAcceptor
    citizens: dict[str, tuple[str, str]]

    def identity(self, script: str) -> tuple[str, str]:
        return self.citizens[script]

    def insert_coin(self, value_ore: int) -> None:
        self.coins.insert(value_ore)

    def insert_note(self, value_ore: int) -> None:
        self.notes.insert(value_ore)

    def issue_bon(self, value_ore: int) -> str:
        return self.core.bons.issue(Money(value_ore), "demo-staff").short_code


def fake_session(config: KioskConfig) -> tuple[PaymentSession, FakeHands]:
    """A session of a core built over the fakes on the ledger ``config`` names; the hands that
    drive its devices. ``hands.core.close()`` ends it."""
    fbs = FakeFbs()
    # one citizen per script, new patron ids per start (the ledger remembers what each paid)
    run = uuid.uuid4().hex[:6]
    citizens = {}
    for n, script in enumerate(["card", "cash", "bon", "pin", "timeout", "looks", "demo"]):
        library_card = script == "card"
        identifier = f"32105197{n:02d}" if library_card else f"0{n + 1}0190123{n}"
        patron = replace(debt_blocked_patron(cpr=not library_card), id=f"{script}-{run}")
        fbs.add(identifier, "1234", patron, mixed_claims())
        citizens[script] = (identifier, "1234")
    core = build_core(config, fbs=fbs, start_workers=False)
    session = core.new_session()
    coins, notes = FakeAcceptor("coins", "coin"), FakeAcceptor("notes", "note")
    session.devices.acceptors = [coins, notes]
    session.devices.terminal = FakeTerminal()
    hands: Any = FakeHands(core, fbs, coins, notes, citizens)
    return session, hands
