"""A stop-gap demo world on the in-memory fakes of ``tests/payment_fakes.py``, until the lead
wires the FBS simulator and the device emulators into demo mode (then this module goes away).

Only usable from a source checkout (the fakes live in ``tests/``)."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.app import open_database
from kiosk.bons import BonBook, BonSigner
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.session import Devices, PaymentSession

REPO = Path(__file__).resolve().parents[1]


def _fakes() -> Any:
    if not (REPO / "tests" / "payment_fakes.py").exists():
        raise SystemExit("kiosk: the demo needs a source checkout (tests/payment_fakes.py)")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import tests.payment_fakes as fakes

    return fakes


@dataclass
class FakeHands:
    fbs: Any
    coins: Any
    notes: Any
    bons: BonBook
    citizens: dict[str, tuple[str, str]]

    def identity(self, script: str) -> tuple[str, str]:
        return self.citizens[script]

    def insert_coin(self, value_ore: int) -> None:
        self.coins.insert(value_ore)

    def insert_note(self, value_ore: int) -> None:
        self.notes.insert(value_ore)

    def issue_bon(self, value_ore: int) -> str:
        return self.bons.issue(Money(value_ore), "demo-staff").short_code

    def set_fbs_down(self, down: bool) -> None:
        self.fbs.down = down


def fake_session(config: KioskConfig) -> tuple[PaymentSession, FakeHands]:
    """A session over the fakes on the ledger ``config`` names (opened and migrated here); the
    hands to drive its devices. ``session.ledger.engine`` is the engine to dispose."""
    fakes = _fakes()
    clock = SystemClock()
    engine = open_database(config)
    fbs = fakes.FakeFbs()
    # one citizen per scripted session (the ledger remembers what each one paid here), all with
    # the same mix of claims; new patron ids per start, as the demo database is kept between runs
    run = uuid.uuid4().hex[:6]
    citizens = {}
    for n, script in enumerate(["card", "cash", "bon", "pin", "timeout", "looks", "demo"]):
        library_card = script == "card"
        identifier = f"32105197{n:02d}" if library_card else f"0{n + 1}0190123{n}"
        patron = replace(fakes.debt_blocked_patron(cpr=not library_card), id=f"{script}-{run}")
        fbs.add(identifier, "1234", patron, fakes.mixed_claims())
        citizens[script] = (identifier, "1234")
    bons = BonBook(
        engine,
        BonSigner(config.bons.signing_key.get()),
        clock,
        config.automat.id,
    )
    journal = PaymentJournal(
        engine, config.automat.id, clock, bons, config.claims.debtor_claim_types
    )
    session = PaymentSession(
        fbs=fbs,
        ledger=Ledger(engine, config.automat.id, clock),
        journal=journal,
        devices=Devices(acceptors=[], terminal=fakes.FakeTerminal()),
        bons=bons,
        clock=clock,
        cash=config.cash,
        claims_config=config.claims,
    )
    coins = fakes.FakeAcceptor("coins", "coin")
    notes = fakes.FakeAcceptor("notes", "note")
    session.devices.acceptors = [coins, notes]
    return session, FakeHands(fbs, coins, notes, bons, citizens)
