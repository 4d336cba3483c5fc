"""The ledger fails during a money event: no øre lost.

The faults are real database errors through the real :class:`Ledger` and journal code: the
ledger's file system turning read-only (SQLITE_READONLY; on PostgreSQL a read-only transaction)
and, for SQLite, a full database (``PRAGMA max_page_count`` at the current size: SQLITE_FULL).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update

from drivers.base import CardOutcome, CardResult, Credit
from kiosk.ledger.audit import run_audit
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.models import Allocation, Bon, OutboxItem, Tender
from kiosk.ledger.repository import TenderEvent
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.states import State
from tests.payment_fakes import CPR, FakeTerminal, session_rig


class Outage:
    """Makes every new ledger transaction of ``engine`` fail its writes, as a real fault would:
    ``"readonly"`` (the file system went read-only / the database refuses writes) or ``"full"``
    (SQLite only: no page may be added, SQLITE_FULL). ``mode = None`` ends the outage."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.mode: str | None = None
        if self.sqlite:  # at checkout: before the ledger's own BEGIN IMMEDIATE
            event.listen(engine.pool, "checkout", self._on_checkout)
        else:
            event.listen(engine, "begin", self._on_begin)

    def _on_begin(self, conn: Any) -> None:
        if self.mode is not None:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    def _on_checkout(self, raw: Any, _record: Any, _proxy: Any) -> None:
        raw.execute(f"PRAGMA query_only = {1 if self.mode == 'readonly' else 0}")
        if self.mode == "full":
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
            raw.execute(f"PRAGMA max_page_count = {pages}")
        else:
            raw.execute("PRAGMA max_page_count = 1073741823")


class BigReceiptTerminal(FakeTerminal):
    """An approval whose terminal receipt needs new pages to store (a long merchant text)."""

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        result = super().authorise(amount_ore, reference)
        long_text = result.receipt_text + "\n" + "\n".join(f"linje {i:05d}" for i in range(4000))
        return CardResult(
            result.outcome, result.amount_ore, result.reference, result.terminal_ref, long_text
        )


class Rig:
    """A session (``s``) over a ledger that fails on demand (``outage``), its retries run by the
    test (``retries``); credit bons are plain rows unless ``options`` say otherwise."""

    def __init__(
        self, engine: Engine, terminal: FakeTerminal | None = None, **options: Any
    ) -> None:
        self.engine = engine
        self.outage = Outage(engine)
        options.setdefault("bons", "plain")
        self.world = session_rig(engine, terminal=terminal, **options)
        self.retries = self.world.retries
        self.s, self.fbs, self.coins = self.world.session, self.world.fbs, self.world.coins
        self.terminal, self.views = self.world.terminal, self.world.views

    def to_methods(self, fbs_only: bool = True) -> None:
        """Logged in, the FBS claims (37.30, 37.50 in cash) chosen, choosing how to pay."""
        self.s.start()
        self.s.identify(CPR)
        self.s.enter_pin("1234")
        if fbs_only:
            self.s.toggle("201")
        self.s.pay()
        assert self.s.state is State.CHOOSING_TENDER

    def rows(self, model: type) -> list[Any]:
        """What the ledger holds (read past any outage: its BEGIN IMMEDIATE would be refused)."""
        mode, self.outage.mode = self.outage.mode, None
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(select(model)).all())
        finally:
            self.outage.mode = mode

    def audit_clean(self) -> bool:
        report = run_audit(self.engine)
        return report.clean and not report.open_sessions

    def back(self) -> None:
        """The fault ends; the scheduled retry runs."""
        self.outage.mode = None
        assert self.retries.due, "a retry must be scheduled while out of order"
        self.retries.run()


def fault_modes(engine: Engine) -> list[str]:
    return ["readonly", "full"] if engine.dialect.name == "sqlite" else ["readonly"]


@pytest.mark.parametrize("mode", ["readonly", "full"])
def test_coin_while_the_ledger_fails_is_held_then_recorded_once_and_settled(
    engine: Engine, mode: str
) -> None:
    if mode not in fault_modes(engine):
        pytest.skip("max_page_count is SQLite's")
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.coins.insert(2000)  # recorded
    if mode == "full":
        _fill_tender_pages(rig)  # so the next coin needs a page the file may not add
    rig.outage.mode = mode
    rig.coins.insert(2000)  # in the cash box, but the ledger cannot take it
    s, view = rig.s, rig.views[-1]
    assert s.state is State.LEDGER_FAULT
    # every view of the fault, the first one too (it prints the fault slip), shows all that is in
    faults = [v for v in rig.views if v.state is State.LEDGER_FAULT]
    assert {v.received for v in faults} == {Money(4000)}
    assert rig.coins.enabled == set()  # no more money taken
    assert view.message == "ledger_fault"
    assert view.received == Money(4000) and view.unrecorded == Money(2000)
    assert view.fault_ref == s.plan.transaction_ref and view.fault_at is not None
    s.cancel()  # the citizen gives up: cannot become a bon yet, stays out of order
    s.timeout()
    assert s.state is State.LEDGER_FAULT
    rig.retries.run()  # still failing: stays, and is scheduled again
    assert s.state is State.LEDGER_FAULT and len(rig.retries.due) == 1
    rig.back()
    # 40.00 in for 37.50: settled, 2.50 credit bon; the held coin written exactly once
    assert s.state is State.RECEIPT
    coins = [r for r in rig.rows(Tender) if r.kind == "coin"]
    assert sorted(r.amount_ore for r in coins) == [2000, 2000]
    assert {r.claim_id for r in rig.rows(Allocation) if r.kind == "claim"} == {"101", "102"}
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 250
    rig.retries.run()  # a stray retry changes nothing
    assert len([r for r in rig.rows(Tender) if r.kind == "coin"]) == 2
    s.finish_receipt()
    assert rig.audit_clean()


def _fill_tender_pages(rig: Rig) -> None:
    """Tenders of a throw-away session until no page may be added at the file's size, then
    that session's tenders declined and it ended (same-size updates in place): out of the audit."""
    scratch = rig.s.ledger.open_session()
    rig.outage.mode = "full"
    try:
        for _ in range(20_000):
            rig.s.ledger.record_tender(TenderEvent(scratch, "bon", Money(1)))
    except LedgerUnavailable as exc:
        assert "full" in str(exc)
    else:
        raise AssertionError("the database never filled up")
    finally:
        rig.outage.mode = None
    with rig.engine.begin() as conn:
        conn.execute(update(Tender).where(Tender.session_id == scratch).values(state="declined"))
    rig.s.ledger.set_session_state(scratch, "cancelled")


def test_not_enough_when_the_ledger_comes_back_becomes_a_credit_bon(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)
    assert rig.s.state is State.LEDGER_FAULT
    rig.coins.enabled = {1000}  # one slipped in while disabling: held behind the first
    rig.coins.insert(1000)
    assert rig.views[-1].unrecorded == Money(3000)
    rig.s.timeout()
    rig.back()
    assert rig.s.state is State.CANCELLED
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 3000
    assert rig.rows(Allocation) == [] and rig.rows(OutboxItem) == []
    assert rig.views[-1].credit_bon is not None
    assert rig.audit_clean()
    rig.s.reset()
    assert rig.s.state is State.IDLE  # back in service


@pytest.mark.parametrize("mode", ["readonly", "full"])
def test_card_approval_that_cannot_be_recorded_is_never_lost(engine: Engine, mode: str) -> None:
    if mode not in fault_modes(engine):
        pytest.skip("max_page_count is SQLite's")
    terminal = BigReceiptTerminal()
    rig = Rig(engine, terminal)
    rig.to_methods()
    real_authorise = terminal.authorise

    def authorise_then_fail(amount_ore: int, reference: str) -> CardResult:
        result = real_authorise(amount_ore, reference)
        rig.outage.mode = mode  # the disk fills while the citizen is at the terminal
        return result

    terminal.authorise = authorise_then_fail  # type: ignore[method-assign]
    rig.s.choose_card()
    s, view = rig.s, rig.views[-1]
    assert s.state is State.LEDGER_FAULT
    assert {v.received for v in rig.views if v.state is State.LEDGER_FAULT} == {Money(3730)}
    assert view.received == Money(3730) and view.unrecorded == Money(3730)
    assert view.card_receipts and "GODKENDT" in view.card_receipts[0]
    (pending,) = rig.rows(Tender)
    assert pending.state == "pending"  # the approval is not in the ledger yet
    rig.back()
    assert s.state is State.RECEIPT
    (card,) = rig.rows(Tender)
    assert card.state == "received" and card.reference == "T-" + s.plan.transaction_ref + "-1"
    assert "GODKENDT" in card.receipt_text
    assert len(terminal.authorised) == 1  # never charged twice
    s.finish_receipt()
    assert rig.audit_clean()


def test_settlement_failing_is_retried(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.coins.insert(2000)

    class FailingSettle:
        """The settlement's transaction meets the read-only file system."""

        def __init__(self, journal: PaymentJournal) -> None:
            self.journal = journal

        def __getattr__(self, name: str) -> Any:
            return getattr(self.journal, name)

        def settle(self, *args: Any) -> Any:
            rig.outage.mode = "readonly"
            return self.journal.settle(*args)

    rig.s.journal = FailingSettle(rig.s.journal)  # type: ignore[assignment]
    rig.coins.insert(2000)  # paid in full; settlement fails
    assert rig.s.state is State.LEDGER_FAULT
    assert rig.views[-1].unrecorded == Money(0)  # the coins are in; only the settlement is not
    assert rig.rows(Allocation) == []
    rig.s.journal = rig.s.journal.journal  # type: ignore[attr-defined]
    rig.back()
    assert rig.s.state is State.RECEIPT
    assert len([r for r in rig.rows(Allocation) if r.kind == "claim"]) == 2
    rig.s.finish_receipt()
    assert rig.audit_clean()


def test_plan_that_cannot_be_written_takes_no_money(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.outage.mode = "readonly"
    rig.s.choose_cash()
    assert rig.s.state is State.LEDGER_FAULT
    assert rig.coins.enabled == set() and rig.s.plan is None
    assert rig.views[-1].received == Money(0)
    rig.back()
    assert rig.s.state is State.CANCELLED and rig.views[-1].credit_bon is None
    assert rig.audit_clean()


def test_cancel_whose_credit_bon_cannot_be_written(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.coins.insert(500)
    rig.outage.mode = "readonly"
    rig.s.cancel()
    assert rig.s.state is State.LEDGER_FAULT
    assert rig.views[-1].received == Money(500) and rig.views[-1].unrecorded == Money(0)
    rig.back()
    assert rig.s.state is State.CANCELLED
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 500
    assert rig.audit_clean()


def test_a_note_in_escrow_while_out_of_order_is_returned(engine: Engine) -> None:
    """Out of order the automat takes no money: a note the validator holds (one that keeps its
    own history, so there is no position to store first) goes back."""
    from drivers.base import Escrow

    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(1000)
    assert rig.s.state is State.LEDGER_FAULT
    notes = rig.world.notes
    notes.escrow_value = 5000
    rig.s.on_device_event(Escrow("notes", 5000, ""))
    assert notes.returned == [5000] and notes.stacked == []


def test_a_declined_card_that_cannot_be_recorded_holds_no_money(engine: Engine) -> None:
    """The terminal declined; writing that fails: out of order, and the screen and the fault slip
    show no money waiting for the ledger (the decline moved none)."""
    rig = Rig(engine)
    rig.to_methods()
    answers: list[Any] = []
    rig.s.runner = type("Held", (), {"submit": lambda _self, work, done: answers.append(
        lambda: done(work(), None))})()
    rig.terminal.outcome = CardOutcome.DECLINED
    rig.s.choose_card()
    rig.outage.mode = "readonly"
    answers.pop(0)()
    assert rig.s.state is State.LEDGER_FAULT
    assert rig.views[-1].unrecorded == Money(0) and rig.views[-1].received == Money(0)


def test_out_of_order_a_coin_waits_for_the_retry_even_if_the_ledger_is_back(
    engine: Engine,
) -> None:
    """Writes reach the ledger in order, on the retry: a coin that comes while out of order is
    held (and shown as held) even when the ledger would already take it."""
    rig = Rig(engine)
    rig.to_methods()
    rig.outage.mode = "readonly"
    rig.s.choose_cash()  # the plan cannot be written: out of order, nothing held
    rig.outage.mode = None
    rig.s.on_device_event(Credit("coins", 2000, "DK20", "coin", "cctalk:1:1"))
    assert rig.rows(Tender) == [] and rig.views[-1].unrecorded == Money(2000)
    rig.back()
    assert [r.amount_ore for r in rig.rows(Tender)] == [2000]
    assert rig.s.state is State.CANCELLED and rig.audit_clean()


def test_a_card_approved_while_out_of_order_settles_once_the_ledger_is_back(
    engine: Engine,
) -> None:
    """A coin slipped in during the card authorisation and could not be written: out of order.
    The terminal then approves: the approval is held behind the coin, not settled past it."""
    rig = Rig(engine)
    rig.to_methods()
    answers: list[Any] = []
    rig.s.runner = type("Held", (), {"submit": lambda _self, work, done: answers.append(
        lambda: done(work(), None))})()
    rig.s.choose_card()
    rig.outage.mode = "readonly"
    rig.s.on_device_event(Credit("coins", 2000, "DK20", "coin", "cctalk:1:1"))
    assert rig.s.state is State.LEDGER_FAULT
    answers.pop(0)()  # approved: 37.30
    assert rig.s.state is State.LEDGER_FAULT and rig.views[-1].unrecorded == Money(5730)
    assert rig.rows(Allocation) == []
    rig.back()
    while answers:
        answers.pop(0)()
    assert rig.s.state is State.RECEIPT
    assert sorted(r.amount_ore for r in rig.rows(Tender)) == [2000, 3730]
    assert [b.amount_ore for b in rig.rows(Bon)] == [2000]


def test_out_of_order_a_device_progress_is_not_written(engine: Engine) -> None:
    """Out of order (here: the plan could not be written, nothing is held) the automat writes
    nothing but the held writes, on the retry; a device's position waits for the next one."""
    from drivers.base import Progress

    rig = Rig(engine)
    rig.to_methods()
    rig.outage.mode = "readonly"
    rig.s.choose_cash()
    assert rig.s.state is State.LEDGER_FAULT
    rig.outage.mode = None  # the ledger is back, the retry has not run yet
    writes: list[tuple[str, str]] = []
    rig.world.ledger.note_device_position = lambda d, r: writes.append((d, r))  # type: ignore
    rig.s.on_device_event(Progress("coins", "cctalk:1:5"))
    assert writes == []


def test_the_ledger_is_retried_once_per_interval_however_many_writes_are_held(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(1000)
    rig.s.on_device_event(Credit("coins", 500, "DK5", "coin", "cctalk:1:2"))
    rig.s.on_device_event(Credit("coins", 200, "DK2", "coin", "cctalk:1:3"))
    assert len(rig.retries.due) == 1
    assert rig.s.outage.retry() is False  # asked by hand meanwhile: no second retry
    assert len(rig.retries.due) == 1
    rig.retries.run()  # still failing: the next one
    assert len(rig.retries.due) == 1
    rig.back()
    assert rig.retries.due == [] and rig.s.received == Money(1700)


def test_the_log_never_carries_the_cpr(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    rig = Rig(engine)
    rig.to_methods(fbs_only=False)  # debtor claims too: the plan carries the CPR
    rig.outage.mode = "readonly"
    with caplog.at_level("DEBUG"):
        rig.s.choose_cash()
    assert rig.s.state is State.LEDGER_FAULT
    assert "0101901234" not in caplog.text and "010190-1234" not in caplog.text
