"""The session row lock orders a journal write after money committed meanwhile.

``PaymentJournal`` locks the session row before it reads what the session holds (settle, credit
and end, credit a finished session's excess, finish a card payment), so a coin that another
writer records under that lock is counted once the lock is free, never read past: without the
lock, PostgreSQL (read committed) would let the write compute its sums before the coin commits
and then book them after it, and that coin would be in no allocation and no bon. SQLite takes
the same order from ``BEGIN IMMEDIATE`` (one writer at a time). Found by mutation testing
(docs/mutation.md): dropping the lock changed nothing any test saw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from kiosk.clock import FakeClock
from kiosk.ledger.audit import run_audit, unaccounted
from kiosk.ledger.models import Allocation, Bon, CitizenSession, Tender
from kiosk.ledger.repository import Ledger, TenderEvent, insert_tender
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal, Settlement
from kiosk.payment.plan import PaymentPlan, PlannedClaim
from tests.payment_fakes import TestBonIssuer, mixed_claims

AUTOMAT = "test-01"
HOLD_S = 0.5  # how long the other writer keeps the lock after the journal write started


class Rig:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = FakeClock()
        self.ledger = Ledger(engine, AUTOMAT, self.clock)
        self.journal = PaymentJournal(engine, AUTOMAT, self.clock, TestBonIssuer(), {})
        self.session = self.ledger.open_session()
        fbs_claims = [c for c in mixed_claims() if c.payable_in.value == "fbs"]  # 37.30
        self.plan = PaymentPlan(
            transaction_ref="KLOCK",
            patron_id="P1",
            claims=tuple(PlannedClaim.of(c) for c in fbs_claims),
            cpr=None,
        )
        self.journal.commit_plan(self.session, self.plan, "paying")

    def coin(self, ore: int) -> TenderEvent:
        return TenderEvent(self.session, "coin", Money(ore), Money(ore), "coins")

    def while_a_coin_commits_under_the_lock(self, write: Callable[[], Any]) -> Any:
        """Another writer locks the session row and records a 5 kr. coin; ``write`` starts on a
        thread meanwhile; the coin commits HOLD_S later. Returns what ``write`` returned."""
        result: dict[str, Any] = {}
        started = threading.Event()

        def run() -> None:
            started.set()
            try:
                result["value"] = write()
            except BaseException as exc:  # handed to the test
                result["error"] = exc

        with self.engine.begin() as other:
            other.execute(
                select(CitizenSession.id)
                .where(CitizenSession.id == self.session)
                .with_for_update()
            )
            insert_tender(other, AUTOMAT, self.coin(500), self.clock.now())
            thread = threading.Thread(target=run)
            thread.start()
            started.wait()
            time.sleep(HOLD_S)  # the write reads now, unless the lock makes it wait
        thread.join(30)
        assert not thread.is_alive()
        if "error" in result:
            raise result["error"]
        return result.get("value")

    def rows(self, model: type) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(model)).all())

    def end(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CitizenSession)
                .where(CitizenSession.id == self.session)
                .values(state="done", ended_at=self.clock.now())
            )


def test_settlement_counts_a_coin_committed_while_it_waited(engine: Engine) -> None:
    rig = Rig(engine)
    rig.ledger.record_tender(rig.coin(2000))
    rig.ledger.record_tender(rig.coin(2000))  # 40.00 for 37.30 (card-style: no rounding)
    settlement = Settlement(Money(0), "automat_credit", "cash")
    ticket = rig.while_a_coin_commits_under_the_lock(
        lambda: rig.journal.settle(rig.session, rig.plan, settlement)
    )
    assert ticket["amount"] == Money(4500 - 3730)  # the overpayment includes the 5 kr. coin
    assert sum(r.amount_ore for r in rig.rows(Allocation)) == 3730
    rig.end()
    assert unaccounted(engine, AUTOMAT) == {}
    assert run_audit(engine).clean


def test_credit_and_end_credits_a_coin_committed_while_it_waited(engine: Engine) -> None:
    rig = Rig(engine)
    rig.ledger.record_tender(rig.coin(2000))
    ticket = rig.while_a_coin_commits_under_the_lock(
        lambda: rig.journal.credit_and_end(rig.session, "cancelled", "cancel")
    )
    assert ticket["amount"] == Money(2500)
    assert [b.amount_ore for b in rig.rows(Bon)] == [2500]
    assert run_audit(engine).clean


def test_crediting_a_finished_session_counts_a_coin_committed_while_it_waited(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    rig.ledger.record_tender(rig.coin(1000))
    rig.end()  # a finished session still holding 10 kr. (an older version's late coin)
    ticket = rig.while_a_coin_commits_under_the_lock(lambda: rig.journal.credit_excess(rig.session))
    assert ticket["amount"] == Money(1500)
    assert unaccounted(engine, AUTOMAT) == {}


def test_a_late_card_approval_counts_a_coin_committed_while_it_waited(engine: Engine) -> None:
    rig = Rig(engine)
    card = rig.journal.start_card(rig.session, Money(3730), "KLOCK-1", "terminal")
    rig.end()  # the citizen gave up while the terminal was asked
    ticket = rig.while_a_coin_commits_under_the_lock(
        lambda: rig.journal.finish_card(card, "received", "T-1")
    )
    assert ticket["amount"] == Money(3730 + 500)
    (tender,) = [r for r in rig.rows(Tender) if r.kind == "card"]
    assert (tender.state, tender.reference) == ("received", "T-1")
    assert unaccounted(engine, AUTOMAT) == {}


@pytest.fixture(autouse=True)
def _no_hang(engine: Engine) -> None:
    """On SQLite the other writer's transaction blocks the journal's BEGIN IMMEDIATE; the busy
    timeout must outlast HOLD_S (it is seconds), or these tests would fail for the wrong reason."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            timeout_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        assert timeout_ms >= HOLD_S * 1000 * 4
