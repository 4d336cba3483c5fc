"""The citizen session: a Qt-free state machine driving identification, claims and payment.

All methods run on one thread (the session worker); slow work (FBS, a card, settlement) goes to a
:class:`~kiosk.payment.runner.Runner` whose callback comes back there, as device events do. Every
change gives the listeners a fresh :class:`SessionView`. ``_fire`` is the only writer of the state
(``states.py``). Its steps live beside it: ``login``, ``cash``, ``card``, ``outage`` (the ledger
failing), ``staff_door`` (staff mode's way in); the arithmetic is ``tally``.

Money rules (design.md): every coin, note, card approval and bon use is in the ledger before the
view shows it, and the selection is written as a plan before any money is taken; the automat gives
no change (overpayment and money before a cancel or timeout become a credit bon); no state
swallows money (``cash``); a write the ledger cannot take yet is held, never lost (``outage``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from drivers.base import CardPrompt, Fault, HealthChanged
from drivers.base.reader import IdentifierRead
from kiosk.clock import Clock
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.cpr import Cpr
from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FbsPort
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.payment.card import CardDesk
from kiosk.payment.cash import CashDesk
from kiosk.payment.hold import LEDGER_RETRY_S, LedgerHold, Unrecorded, timer_schedule
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.login import Login
from kiosk.payment.outage import Outage
from kiosk.payment.parts import BonRedeemer, Devices
from kiosk.payment.plan import PaymentPlan
from kiosk.payment.runner import InlineRunner, Runner
from kiosk.payment.selection import Selection
from kiosk.payment.staff_door import StaffDoor, StaffLogins
from kiosk.payment.states import ENDED, STAFF_MODE, Event, State, next_state
from kiosk.payment.tally import CASH_KINDS, Tally, settlement
from kiosk.payment.view import SessionView, view_of

log = logging.getLogger(__name__)


class PaymentSession:
    def __init__(
        self,
        *,
        fbs: FbsPort,
        ledger: Ledger,
        journal: PaymentJournal,
        devices: Devices,
        bons: BonRedeemer | None,
        clock: Clock,
        cash: CashSection,
        claims_config: ClaimsSection,
        runner: Runner | None = None,
        on_settled: Callable[[str], None] | None = None,
        retry_s: float = LEDGER_RETRY_S,
        schedule: Callable[[float, Callable[[], None]], Any] | None = None,
        staff: StaffLogins | None = None,
    ) -> None:
        self.fbs, self.ledger, self.journal, self.devices = fbs, ledger, journal, devices
        self.bons, self.clock, self.cash, self.claims_config = bons, clock, cash, claims_config
        self.runner = runner or InlineRunner()
        self.on_settled = on_settled  # e.g. the receipt service: FBS, then the receipt
        self.listeners: list[Callable[[SessionView], None]] = []
        self.hold = LedgerHold(retry_s=retry_s, schedule=schedule or timer_schedule,
                               post=lambda f: self.runner.submit(lambda: None, lambda *_: f()))
        self.login, self.cash_desk, self.card = Login(self), CashDesk(self), CardDesk(self)
        self.outage = Outage(self)
        self.staff_door = StaffDoor(self, staff)  # staff mode's way in, from the attract screen
        self.generation = 0  # moves on when personal data is forgotten: stale answers drop
        self._reset_fields()
        self.state = State.IDLE

    def _reset_fields(self) -> None:
        self.session_id: str | None = None
        self.identifier: str | None = None
        self.cpr: Cpr | None = None
        self.patron: Patron | None = None
        self.claims: list[Claim] = []
        self.selection: Selection | None = None
        self.plan: PaymentPlan | None = None
        self.tenders: list[tuple[str, Money]] = []  # kind, amount: in the order received
        self.method = ""
        self.message = ""
        self.card_prompt = ""
        self.credit_bon: Any = None
        self.pin_attempts = 0
        self.registrations: dict[str, str] = {}
        self.ended_in_ledger = False  # the session row is ended (a stray credit ended it)
        self.hold.clear()
        self.card.reset()
        self.outage.reset()

    # -- state, view ---------------------------------------------------------------------------
    def _fire(self, event: Event, *, written: bool = False) -> None:
        """The one move of the session's state; written to the ledger unless ``written`` (a
        journal write of the same transition did it) or out of order (the row keeps its last
        state for recovery). An ended session's row is final: back to idle never reopens it."""
        before = self.state
        self.state = next_state(self.state, event)
        live = before not in ENDED and self.state not in ENDED
        faulty = self.state is State.LEDGER_FAULT
        if self.session_id and self.state is not before and live and not written and not faulty:
            try:
                self.ledger.set_session_state(self.session_id, self.state.value)
            except LedgerUnavailable as exc:  # money events carry their own journal points
                log.warning("session state not written: %s", exc)
        log.debug("session %s: %s --%s--> %s", self.session_id, before, event, self.state)
        if before in STAFF_MODE and self.state not in STAFF_MODE:
            self.staff_door.left(event.value)  # however staff mode ends, staff are logged out
        if self.state in ENDED and before not in ENDED:
            self.login.end_fbs_session()

    def view(self) -> SessionView:
        return view_of(self)

    def _notify(self) -> None:
        view = self.view()
        for listener in list(self.listeners):
            listener(view)

    @property
    def total(self) -> Money:
        if self.plan:
            return self.plan.total
        return self.selection.total if self.selection else Money(0)

    @property
    def tally(self) -> Tally:
        cash = sum((a for k, a in self.tenders if k in CASH_KINDS), Money(0))
        return Tally(self.total, cash, sum((a for _, a in self.tenders), Money(0)) - cash)

    @property
    def received(self) -> Money:
        return self.tally.received

    @property
    def due(self) -> Money:
        return self.tally.due(self.method)

    @property
    def fault_from(self) -> State | None:
        """Out of order: the state the fault interrupted."""
        return self.outage.came_from

    def add_tender(self, kind: str, amount: Money) -> None:
        self.tenders.append((kind, amount))

    def _stop_cash(self) -> None:
        self.cash_desk.stop()

    # -- identification and claims (kiosk.payment.login) ----------------------------------------
    def start(self) -> None:
        self.login.start()

    def read(self, event: IdentifierRead) -> None:
        """A card or code was read: a bon while paying, an identification at the start."""
        self.login.read(event)

    def identify(self, identifier: str) -> None:
        """A card number or CPR from the card reader, the scanner or the keypad."""
        self.login.identify(identifier)

    def identify_typed(self, text: str) -> None:
        self.login.identify_typed(text)

    def enter_pin(self, pin: str) -> None:
        self.login.enter_pin(pin)

    # -- selection and the plan ----------------------------------------------------------------
    def toggle(self, claim_id: str) -> None:
        self._require(State.CLAIMS)
        assert self.selection is not None
        self.selection.toggle(claim_id)
        self._notify()

    def pay(self) -> None:
        """The citizen fixed the selection and wants to choose how to pay."""
        self._require(State.CLAIMS)
        if self.selection is None or self.selection.is_empty:
            self.message = "nothing_selected"
            return self._notify()
        self.message = ""
        self._fire(Event.SELECTION_FIXED)
        self._notify()

    def back(self) -> None:
        if self.state is State.CHOOSING_TENDER and self.plan is not None:
            self.message = "selection_committed"  # money may already be in: no going back
            return self._notify()
        self._fire(Event.BACK)
        self._notify()

    def available_methods(self) -> list[str]:
        return self.devices.payment_methods() + (["bon"] if self.bons is not None else [])

    def _begin_tender(self, method: str) -> bool:
        """Commit the plan (once) and move to paying by ``method``; False when the plan could not
        be written: out of order then, and no money may be taken for it."""
        if self.state not in (State.CHOOSING_TENDER, State.PAYING):
            raise RuntimeError(f"cannot pay in state {self.state}")
        if self.card.in_flight:
            raise RuntimeError("a card payment is in progress")
        written = self.plan is None
        if self.plan is None:
            assert self.selection and self.patron and self.session_id
            plan = PaymentPlan.new(self.patron.id, self.selection.covers(),
                                   self.cpr.digits if self.cpr else None, self.patron.name)
            try:
                to = next_state(self.state, Event.TENDER_CHOSEN).value
                self.journal.commit_plan(self.session_id, plan, to)
            except LedgerUnavailable as exc:
                self._ledger_failed(exc)
                return False
            self.plan = plan
        self.cash_desk.stop()
        self.method, self.message = method, ""
        self._fire(Event.TENDER_CHOSEN, written=written)
        return True

    def _try_write(self, held: Unrecorded) -> bool:
        """Write now, or hold the write and go out of order. True when it is in the ledger."""
        try:
            return self.hold.write(held, holding=self.state is State.LEDGER_FAULT)
        except LedgerUnavailable as exc:
            self._ledger_failed(exc, held)
            return False

    # -- paying ----------------------------------------------------------------------------------
    def choose_cash(self) -> None:
        self.cash_desk.choose()

    def choose_card(self) -> None:
        self.card.choose()

    def on_device_event(self, event: object) -> None:
        """Device events, posted to the session worker by the device owner."""
        if isinstance(event, CardPrompt):
            self.card_prompt = event.text
            self._notify()
        elif not self.cash_desk.handle(event) and isinstance(event, (Fault, HealthChanged)):
            self._notify()  # the screen shows which methods work now

    def redeem_bon(self, payload: str) -> None:
        if self.bons is None:
            raise RuntimeError("bons are not enabled")
        if not self._begin_tender("bon"):
            return
        assert self.session_id
        try:
            value = self.bons.redeem_into_session(payload, self.session_id)
        except LedgerUnavailable as exc:  # not committed: the bon is unused, the citizen has it
            return self._ledger_failed(exc)
        except Exception as exc:
            self.message = getattr(exc, "reason", "bon_invalid")
            self._fire(Event.TENDER_FAILED)
            return self._notify()
        self.add_tender("bon", value)
        if self.tally.covered("bon"):
            self._complete()
        else:
            self._fire(Event.MORE_NEEDED)
            self.message = "bon_partial"
        self._notify()

    # -- settlement ----------------------------------------------------------------------------
    def _complete(self) -> None:
        """Paid in full: settle (allocations, outbox rows, credit bon) in one transaction."""
        self._fire(Event.PAID_IN_FULL)
        self._settle()

    def _settle(self) -> None:
        session_id, plan = self.session_id, self.plan
        assert session_id and plan
        how = settlement(plan.total, self.tenders, paying_by=self.method)
        assert how is not None, "settling a plan the tenders do not cover"
        self.runner.submit(lambda: self.journal.settle(session_id, plan, how, State.SETTLING),
                           self._settled)

    def _settled(self, ticket: Any, error: BaseException | None) -> None:
        assert self.plan and self.session_id
        if isinstance(error, LedgerUnavailable) and self.state is State.SETTLING:
            return self._ledger_failed(error)
        if error is not None:  # the money is in and recorded; recovery settles it at next start
            log.error("settlement of %s failed: %r", self.session_id, error)
            self.message = "settlement_failed"
            return self._notify()
        self.credit_bon = ticket
        for claim in self.plan.claims:
            self.registrations[claim.id] = (
                "fbs_pending" if claim.payable_in.value == "fbs" else "debtor_queued"
            )
        self._fire(Event.SETTLED)
        self._notify()
        if self.on_settled:
            self.on_settled(self.session_id)

    def registration_result(self, fee_status: dict[str, str]) -> None:
        """The outbox reports how FBS answered (registered / follow_up)."""
        self.registrations.update(fee_status)
        self._notify()

    def finish_receipt(self) -> None:
        self._require(State.RECEIPT)
        self._fire(Event.FINISHED)
        self._end(State.DONE, "paid")

    # -- cancel, timeout, end ------------------------------------------------------------------
    def cancel(self) -> None:
        self._abort(Event.CANCEL, State.CANCELLED)

    def timeout(self) -> None:
        if self.card.in_flight:
            return  # the citizen is at the terminal; the terminal has its own timeout
        self._abort(Event.TIMEOUT, State.TIMED_OUT)

    def _abort(self, event: Event, ended: State) -> None:
        if self.state in STAFF_MODE:
            return self.staff_door.abort(event)
        if self.state is State.IDLE:
            return self._fire(event)  # nothing to end
        if self.state in ENDED:
            self._fire(event)  # → idle
            self._reset_fields()
            return self._notify()
        if self.state is State.SETTLING:
            return  # the money is committed; settlement finishes on its own
        if self.state is State.LEDGER_FAULT:
            # money not yet in the ledger cannot become a credit bon: remember the wish, and
            # end that way once the writes are in (the view does not change, so no notify)
            self.outage.end_wanted = self.outage.end_wanted or event
            return self._fire(event)
        if self.state is State.RECEIPT:
            return self.finish_receipt()
        if self.card.in_flight:
            self.card.cancel()
            return self._notify()
        if self.plan is not None:
            return self._cancel_with_money(event)
        self._fire(event)
        self._end(ended, event.value)

    def _cancel_with_money(self, event: Event) -> None:
        """Money received but not settled becomes a credit bon; the session ends."""
        self.cash_desk.stop()
        ended = next_state(self.state, event)
        assert self.session_id
        try:
            ticket = self.journal.credit_and_end(self.session_id, ended.value, event.value)
        except LedgerUnavailable as exc:
            self.outage.end_wanted = event
            return self._ledger_failed(exc)
        self._fire(event, written=True)
        self.credit_bon = ticket
        self._forget_personal_data()
        self._notify()

    def _end(self, ended: State, reason: str) -> None:
        """The session's state already moved to ``ended``: write the end (no money in it)."""
        if self.session_id:
            try:
                self.journal.end(self.session_id, ended.value, reason)
            except LedgerUnavailable as exc:  # no money: recovery ends the row at next start
                log.error("session end not written: %s", exc)
        self._forget_personal_data()
        self._notify()

    def _forget_personal_data(self) -> None:
        self.generation += 1
        self.identifier = None
        self.cpr = None
        if self.patron is not None:
            self.patron = replace(self.patron, cpr=None)

    def reset(self) -> None:
        """The end screen was shown: back to the attract screen with nothing remembered."""
        if self.state not in ENDED:
            raise RuntimeError(f"reset in state {self.state}")
        self._fire(Event.RESET)
        self._reset_fields()
        self._notify()

    def _require(self, state: State) -> None:
        if self.state is not state:
            raise RuntimeError(f"not allowed in state {self.state.value}")

    # -- the ledger failing (kiosk.payment.outage) ---------------------------------------------
    def _ledger_failed(self, error: BaseException, held: Unrecorded | None = None) -> None:
        self.outage.failed(error, held)
