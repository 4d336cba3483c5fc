"""Every transition of the session table, each driven through the session's public API
(the test is parametrised by the table itself, so a new transition needs a way to fire it here).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from drivers.base import CardOutcome
from drivers.base.reader import IdentifierRead, IdSource
from kiosk.clock import FakeClock
from kiosk.ledger.audit import run_audit
from kiosk.money import Money
from kiosk.payment.states import TRANSITIONS, Event, State
from kiosk.staff.accounts import Actor, StaffBook
from tests.integration.test_ledger_fault import Outage
from tests.payment_fakes import BON_SIGNING_KEY, CPR, ManualRunner, session_rig

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
STAFF_CARD = "7000017"


class FixedBon:
    def __init__(self, value: Money) -> None:
        self.value = value

    def redeem_into_session(self, payload: str, session_id: str) -> Money:
        return self.value


class Rig:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runner = ManualRunner()
        self.outage = Outage(engine)
        self.staff = StaffBook(engine, FakeClock(), "test-01", BON_SIGNING_KEY, hasher=FAST)
        self.staff.add("17", "Sofie Skranke", "staff", "2468", by=Actor("os:test", "system"),
                       card=STAFF_CARD)
        world = session_rig(engine, bons="plain", runner=self.runner, staff=self.staff)
        self.s, self.fbs, self.coins, self.terminal = (
            world.session, world.fbs, world.coins, world.terminal
        )
        self.retries = world.retries

    # -- reaching each state -------------------------------------------------------------------
    def to(self, state: State) -> None:
        s = self.s
        if state in (State.CANCELLED, State.TIMED_OUT):
            self.to(State.CLAIMS)
            return s.cancel() if state is State.CANCELLED else s.timeout()
        if state is State.IDLE:
            return
        if state in (State.STAFF_LOGIN, State.STAFF):
            s.staff_door.ask()
            if state is State.STAFF:
                s.staff_door.log_in("17", "2468")
                self._run_one()
            return
        if state is State.LEDGER_FAULT:  # one coin (not enough) the failing ledger holds
            self.to(State.PAYING)
            self.outage.mode = "readonly"
            return self.coins.insert(2000)
        s.start()
        if state is State.IDENTIFYING:
            return
        s.identify(CPR)
        if state is State.PIN:
            return
        s.enter_pin("1234")
        self._run_one()  # the PIN is accepted; the claims are still being fetched
        if state is State.LOADING_CLAIMS:
            return
        self.runner.run_all()
        if state is State.CLAIMS:
            return
        s.toggle("201")  # FBS claims only: 37.30
        s.pay()
        if state is State.CHOOSING_TENDER:
            return
        s.choose_cash()
        if state is State.PAYING:
            return
        for _ in range(2):
            self.coins.insert(2000)
        if state is State.SETTLING:
            return
        self.runner.run_all()
        if state is State.RECEIPT:
            return
        if state is State.DONE:
            return s.finish_receipt()
        raise AssertionError(state)

    def _run_one(self) -> None:
        work, done = self.runner.queue.pop(0)
        try:
            result = work()
        except Exception as exc:
            done(None, exc)
        else:
            done(result, None)

    # -- firing each event ---------------------------------------------------------------------
    def fire(self, state: State, event: Event) -> None:
        s = self.s
        match event:
            case Event.START:
                s.start()
            case Event.IDENTIFIED:
                s.identify(CPR)
            case Event.PIN_ENTERED:
                s.enter_pin("1234")
                self._run_one()
            case Event.PIN_REJECTED:
                s.enter_pin("9999")
                self._run_one()
            case Event.CLAIMS_LOADED:
                self.runner.run_all()
            case Event.FAILED:
                self.fbs.down = True
                if state is State.PIN:
                    s.enter_pin("1234")
                self.runner.run_all()
            case Event.SELECTION_FIXED:
                s.pay()
            case Event.BACK:
                s.back()
            case Event.TENDER_CHOSEN:
                s.choose_card() if state is State.PAYING else s.choose_cash()
            case Event.TENDER_FAILED:
                self.terminal.outcome = CardOutcome.DECLINED
                s.choose_card()
                self.runner.run_all()
            case Event.MORE_NEEDED:
                s.bons = FixedBon(Money(1000))
                s.redeem_bon("any")
            case Event.PAID_IN_FULL:
                for _ in range(2):
                    self.coins.insert(2000)
            case Event.SETTLED:
                self.runner.run_all()
            case Event.FINISHED:
                s.finish_receipt()
            case Event.CANCEL:
                s.cancel()
            case Event.TIMEOUT:
                s.timeout()
            case Event.RESET:
                s.reset()
            case Event.LEDGER_FAILED:
                self.outage.mode = "readonly"
                if state is State.CHOOSING_TENDER:
                    s.choose_cash()
                elif state is State.SETTLING:
                    self.runner.run_all()
                else:
                    self.coins.enabled = {2000}  # in RECEIPT: a coin that slipped in late
                    self.coins.insert(2000)
            case Event.LEDGER_BACK_PAID:
                self.coins.enabled = {2000}  # a second coin slipped in: held, covers the plan
                self.coins.insert(2000)
                self.outage.mode = None
                self.retries.run()
                self._run_one()  # the retry itself, on the session's runner
            case Event.STAFF_CARD:
                s.read(IdentifierRead("scanner", IdSource.BARCODE, STAFF_CARD))
            case Event.STAFF_ASKED:
                s.staff_door.ask()
            case Event.STAFF_IN:
                s.staff_door.log_in("17", "2468")
                self._run_one()
            case Event.STAFF_OUT:
                s.staff_door.log_out()
            case Event.STRAY_MONEY:  # a coin with no plan to pay: credited, the session ends
                self.coins.enabled = {2000}
                self.coins.insert(2000)
            case Event.LEDGER_BACK_UNPAID:
                self.outage.mode = None
                self.retries.run()
                self._run_one()  # the retry itself, on the session's runner


@pytest.mark.parametrize(("state", "event"), sorted(TRANSITIONS, key=str))
def test_transition(engine: Engine, state: State, event: Event) -> None:
    rig = Rig(engine)
    rig.to(state)
    assert rig.s.state is state
    rig.fire(state, event)
    assert rig.s.state is TRANSITIONS[(state, event)]
    rig.runner.run_all()  # let anything still queued finish
    rig.outage.mode = None  # the audit reads the ledger
    report = run_audit(engine)
    assert not report.unbalanced and not report.outbox_problems


def test_cancel_and_timeout_are_defined_from_every_state() -> None:
    for state in State:
        assert (state, Event.CANCEL) in TRANSITIONS, state
        assert (state, Event.TIMEOUT) in TRANSITIONS, state


def test_cancel_while_settling_lets_settlement_finish(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to(State.SETTLING)
    rig.s.cancel()
    rig.s.timeout()
    rig.runner.run_all()
    assert rig.s.state is State.RECEIPT


def test_a_coin_after_the_total_becomes_credit(engine: Engine) -> None:
    rig = Rig(engine)
    rig.to(State.RECEIPT)
    rig.coins.enabled = {2000}  # a coin slips in after the acceptors were disabled
    rig.coins.insert(2000)
    rig.s.finish_receipt()
    report = run_audit(engine)
    assert report.clean, report.lines()
