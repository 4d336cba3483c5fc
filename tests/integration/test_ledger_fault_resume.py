"""The ledger comes back after a fault: how the session resumes (``Outage.retry``/``_resume``).

Each case is one way a session can enter the fault — paying with cash whose total rounds down,
a late coin on the receipt screen or after the end, a coin with no plan, a fault that outlasts
the held writes — and checks what users and auditors see once the ledger takes the writes
again: the amounts booked and credited, the session's end state and reason in the ledger, the
screen's message, and whether the automat says it is back in service. Found by mutation testing
(docs/mutation.md): these branches had no test that an error in them would fail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from drivers.base import CardOutcome
from kiosk.domain import PayableIn
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Tender
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.states import State
from tests.integration.test_ledger_fault import Rig
from tests.payment_fakes import CPR, claim, debt_blocked_patron


def rounding_down_rig(engine: Engine) -> Rig:
    """A patron whose FBS claims total 37.20: cash pays 37.00 (rounded down to 50 øre)."""
    rig = Rig(engine)
    rig.fbs.add(
        CPR,
        "1234",
        debt_blocked_patron(),
        [
            claim("101", "20.00", PayableIn.FBS, date(2019, 3, 1)),
            claim("102", "17.20", PayableIn.FBS, date(2019, 6, 1)),
        ],
    )
    return rig


def session_row(rig: Rig) -> Any:
    (row,) = [r for r in rig.rows(CitizenSession) if r.id == rig.s.session_id]
    return row


def test_cash_that_covers_the_rounded_total_settles_when_the_ledger_is_back(
    engine: Engine,
) -> None:
    rig = rounding_down_rig(engine)
    rig.to_methods(fbs_only=False)
    rig.s.choose_cash()
    assert rig.views[-1].due == Money(3700)
    for coin in (2000, 1000, 500):
        rig.coins.insert(coin)
    rig.outage.mode = "readonly"
    rig.coins.insert(200)  # 37.00: the cash target, 20 øre under the exact 37.20
    assert rig.s.state is State.LEDGER_FAULT
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.RECEIPT
    allocations = {(r.kind, r.claim_id): r.amount_ore for r in rig.rows(Allocation)}
    assert allocations == {("claim", "101"): 2000, ("claim", "102"): 1720,
                           ("cash_rounding", None): -20}
    assert rig.rows(Bon) == []  # paid exactly: no credit bon, and the money is not given back
    rig.s.finish_receipt()
    assert rig.audit_clean()


def test_cash_that_covers_the_rounded_total_completes_the_payment(engine: Engine) -> None:
    """37.20 is 37.00 in cash: the coin that brings 37.00 completes the payment (no fault here;
    the same rule as when the ledger comes back, above)."""
    rig = rounding_down_rig(engine)
    rig.to_methods(fbs_only=False)
    rig.s.choose_cash()
    for coin in (2000, 1000, 500, 200):
        rig.coins.insert(coin)
    assert rig.s.state is State.RECEIPT
    allocations = {(r.kind, r.claim_id): r.amount_ore for r in rig.rows(Allocation)}
    assert allocations == {("claim", "101"): 2000, ("claim", "102"): 1720,
                           ("cash_rounding", None): -20}
    assert rig.rows(Bon) == []


def test_late_coin_on_the_receipt_screen_held_then_credited_back_to_the_receipt(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.coins.insert(2000)
    rig.coins.insert(2000)  # 40.00 for 37.50: settled, 2.50 credit bon
    assert rig.s.state is State.RECEIPT
    rig.coins.enabled = {1000}  # one slips in after the payment
    rig.outage.mode = "readonly"
    rig.coins.insert(1000)
    assert rig.s.state is State.LEDGER_FAULT
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.RECEIPT  # back to the receipt, not a second settlement
    assert rig.views[-1].message == ""
    assert sorted(b.amount_ore for b in rig.rows(Bon)) == [250, 1000]
    assert rig.views[-1].credit_bon["amount"] == Money(1000)  # the late coin's bon is shown
    assert len([r for r in rig.rows(Allocation) if r.kind == "claim"]) == 2
    assert len([r for r in rig.rows(OutboxItem) if r.kind == "fbs_registration"]) == 1
    rig.s.finish_receipt()
    assert rig.audit_clean()


def test_late_coin_after_the_end_held_then_its_own_bon(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.coins.insert(2000)
    rig.coins.insert(2000)
    rig.s.finish_receipt()
    assert rig.s.state is State.DONE
    rig.coins.enabled = {500}
    rig.outage.mode = "readonly"
    rig.coins.insert(500)
    assert rig.s.state is State.LEDGER_FAULT
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.CANCELLED
    assert rig.views[-1].message == "ledger_fault_resolved"
    assert sorted(b.amount_ore for b in rig.rows(Bon)) == [250, 500]
    row = session_row(rig)
    assert (row.state, row.end_reason) == ("done", "paid")  # the paid session stays paid
    assert rig.audit_clean()


def test_coin_without_a_plan_held_then_its_session_ends_as_money_outside_payment(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    rig.s.start()
    rig.s.identify(CPR)
    rig.s.enter_pin("1234")
    assert rig.s.state is State.CLAIMS
    rig.coins.enabled = {2000}
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)  # no plan: take_stray, held
    assert rig.s.state is State.LEDGER_FAULT
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.CANCELLED
    assert rig.views[-1].message == "ledger_fault_resolved"
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 2000
    row = session_row(rig)
    assert (row.state, row.end_reason) == ("cancelled", "money_outside_payment")
    assert rig.audit_clean()


def test_coin_without_a_plan_held_shows_its_bon_once_the_ledger_is_back(engine: Engine) -> None:
    """The held coin's own write credited it and ended its session: the end screen shows that
    bon (resuming does not credit the ended session again and lose the bon from the screen)."""
    rig = Rig(engine, bons="book")  # signed bons, as the automat issues them
    rig.s.start()
    rig.coins.enabled = {2000}
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)  # at the attract screen: take_stray, held
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    (bon,) = rig.rows(Bon)
    shown = rig.views[-1].credit_bon
    assert shown is not None and (shown.amount, shown.id) == (Money(2000), bon.id)


def test_not_enough_and_nobody_asked_to_stop_ends_for_the_ledger_fault(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.CANCELLED
    assert rig.views[-1].message == "ledger_fault_resolved"
    row = session_row(rig)
    assert (row.state, row.end_reason) == ("cancelled", "ledger_fault")
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 2000


def test_timeout_while_out_of_order_is_the_end_reason_once_back(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)
    rig.s.timeout()
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    row = session_row(rig)
    assert (row.state, row.end_reason) == ("cancelled", "timeout")


def test_ledger_failing_again_at_the_credit_bon_stays_out_of_order(engine: Engine) -> None:
    """The held coin goes in, then the credit bon's transaction fails: still out of order, a
    retry scheduled, nothing credited twice when it finally goes through."""
    rig = Rig(engine)
    rig.to_methods()
    rig.s.choose_cash()
    rig.outage.mode = "readonly"
    rig.coins.insert(2000)
    rig.outage.mode = None
    journal = rig.s.journal

    class FailingCredit:
        def __getattr__(self, name: str) -> Any:
            return getattr(journal, name)

        def credit_and_end(self, *args: Any) -> Any:
            rig.outage.mode = "readonly"
            return journal.credit_and_end(*args)

    rig.s.journal = FailingCredit()  # type: ignore[assignment]
    assert rig.s.outage.retry() is False
    assert rig.s.state is State.LEDGER_FAULT
    assert rig.retries.due  # tried again later
    assert [r.amount_ore for r in rig.rows(Tender)] == [2000]  # the coin is in, once
    assert rig.rows(Bon) == []
    rig.s.journal = journal
    assert isinstance(rig.s.journal, PaymentJournal)
    rig.back()  # the scheduled retry
    assert rig.s.state is State.CANCELLED
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 2000
    assert rig.audit_clean()


def test_cash_short_of_the_exact_total_after_a_declined_card_is_credited_not_settled(
    engine: Engine,
) -> None:
    """The rounded cash target counts only when cash is the method: after a card (declined,
    its answer held by the fault) coins slipping in up to the *rounded* 37.00 do not pay 37.20.
    The money becomes a bon; nothing is half-settled."""
    rig = rounding_down_rig(engine)
    rig.to_methods(fbs_only=False)
    rig.s.choose_cash()
    rig.coins.insert(2000)
    real_authorise = rig.terminal.authorise

    def decline_then_fail(amount_ore: int, reference: str) -> Any:
        rig.terminal.outcome = CardOutcome.DECLINED
        result = real_authorise(amount_ore, reference)
        rig.outage.mode = "readonly"  # the decline cannot be written
        return result

    rig.terminal.authorise = decline_then_fail  # type: ignore[method-assign]
    rig.s.choose_card()
    assert rig.s.state is State.LEDGER_FAULT
    rig.coins.enabled = {1000, 500, 200}  # slipped in while the acceptor was being disabled
    for coin in (1000, 500, 200):
        rig.coins.insert(coin)
    assert rig.views[-1].received == Money(3700)
    rig.outage.mode = None
    assert rig.s.outage.retry() is True
    assert rig.s.state is State.CANCELLED
    assert rig.rows(Allocation) == []
    (bon,) = rig.rows(Bon)
    assert bon.amount_ore == 3700
    assert rig.audit_clean()
