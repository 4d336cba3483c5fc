"""The citizen session: a Qt-free state machine driving identification, claims and payment.

All methods are called on one thread (the session worker; in tests, the test itself). Slow work —
FBS calls, a card authorisation — is handed to a :class:`Runner`, whose callback comes back on the
session worker. Device events are posted to the same worker by whoever owns the devices. After
every change the session calls its listeners with a fresh :class:`SessionView`.

Money rules (domain.md, design.md invariants):
- every credited coin or note, card approval and bon use is written to the ledger before the
  view shows it;
- the selection is committed (written as a plan) before any tender is accepted, so a crash can
  always be settled or credited;
- the automat gives no change: overpayment, and cash received before a cancel or a timeout,
  become a credit bon;
- no state swallows money: a coin, note or card approval that comes after the session was
  settled or ended is credited to a bon in the transaction that records it; one that comes when
  no plan is committed (or that the acceptor took while no automat was running, reported at
  start-up) is recorded on a session of its own, credited and shown on the end screen;
- a money write the ledger cannot take (disk full, database gone) loses nothing: the acceptors
  are disabled, the event is held in memory (:class:`Unrecorded`), the session shows
  ``LEDGER_FAULT`` with the amount, and the writes are retried on a schedule; once they are in,
  the session is resolved the normal way (settled if the plan is covered, else a credit bon).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from drivers.base import (
    CardOutcome,
    CardPrompt,
    CardResult,
    CardTerminal,
    CashAcceptor,
    Credit,
    Escrow,
    Fault,
    FaultKind,
    Health,
    HealthChanged,
    Progress,
    Rejected,
)
from kiosk.clock import Clock
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.cpr import Cpr, CprError
from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FbsError, FbsErrorReason, FbsPort
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal, Settlement
from kiosk.payment.paid_here import overlay_paid_here
from kiosk.payment.plan import PaymentPlan, PlannedClaim
from kiosk.payment.selection import BlockOutlook, Selection, block_outlook
from kiosk.payment.states import ENDED, Event, State, next_state

log = logging.getLogger(__name__)

MAX_PIN_ATTEMPTS = 3
LEDGER_RETRY_S = 10.0


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A ledger write that failed and is held in memory until a retry gets it in. ``amount`` is
    the money the citizen put in with it (0 for writes that move no money, e.g. a plan)."""

    what: str  # coin, note, card, plan, card_start, card_result, credit
    amount: Money
    at: datetime
    reference: str
    write: Callable[[], Any]
    on_written: Callable[[Any], None] | None = None
    receipt_text: str = ""  # a card approval's terminal receipt (the slip's fallback record)


def _timer_schedule(delay_s: float, call: Callable[[], None]) -> None:
    timer = threading.Timer(delay_s, call)
    timer.daemon = True
    timer.start()


class Runner(Protocol):
    """Runs slow work off the session worker and calls back on it."""

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None: ...


class InlineRunner:
    """Runs work at once on the calling thread (tests, recovery)."""

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the callback, like a future would
            done(None, exc)
            return
        done(result, None)


class BonRedeemer(Protocol):
    def redeem_into_session(self, payload: str, session_id: str) -> Money:
        """Verify and redeem a bon exactly once and record it as a tender of the session, in one
        transaction. Raises an error with a citizen-readable message; changes nothing then."""
        ...


@dataclass(frozen=True, slots=True)
class SessionView:
    """Everything the UI needs to draw the current state (no CPR: only the masked form)."""

    state: State
    patron_name: str = ""
    masked_cpr: str | None = None
    selection: Selection | None = None
    outlook: BlockOutlook | None = None
    total: Money = Money(0)
    received: Money = Money(0)
    due: Money = Money(0)  # what the current tender still has to bring in
    method: str = ""
    message: str = ""  # a message key for the UI (wrong_pin, fbs_unavailable, card_declined …)
    card_prompt: str = ""
    credit_bon: Any = None  # ticket of a credit bon to print
    transaction_ref: str = ""
    pin_attempts_left: int = MAX_PIN_ATTEMPTS
    registrations: dict[str, str] = field(default_factory=dict)  # claim id → where registered
    #: LEDGER_FAULT: money received but not yet in the ledger, when the fault began, and the
    #: reference to quote (the transaction reference, else the session id); no CPR
    unrecorded: Money = Money(0)
    fault_at: datetime | None = None
    fault_ref: str = ""
    card_receipts: tuple[str, ...] = ()  # unrecorded card approvals' terminal receipt texts


@dataclass
class Devices:
    acceptors: list[CashAcceptor] = field(default_factory=list)
    terminal: CardTerminal | None = None

    def healthy_acceptors(self) -> list[CashAcceptor]:
        return [a for a in self.acceptors if a.health is not Health.DOWN]

    @property
    def card_ok(self) -> bool:
        return self.terminal is not None and self.terminal.health is not Health.DOWN


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
    ) -> None:
        self.fbs = fbs
        self.ledger = ledger
        self.journal = journal
        self.devices = devices
        self.bons = bons
        self.clock = clock
        self.cash = cash
        self.claims_config = claims_config
        self.runner = runner or InlineRunner()
        self.on_settled = on_settled  # e.g. kick the outbox worker for this session
        if retry_s <= 0:
            raise ValueError("the ledger retry interval must be positive")
        self.retry_s = retry_s
        #: runs a call after a delay on any thread (default: a timer thread); the call itself
        #: only hands the retry to the runner, whose callback runs on the session worker
        self.schedule = schedule or _timer_schedule
        self.listeners: list[Callable[[SessionView], None]] = []
        #: each cash device's newest position the ledger has (``Credit``/``Progress.event_ref``)
        self._positions: dict[str, str] = {}
        self._reset_fields()
        self.state = State.IDLE

    # -- plumbing ------------------------------------------------------------------------------
    def _reset_fields(self) -> None:
        self.session_id: str | None = None
        self.identifier: str | None = None
        self.cpr: Cpr | None = None
        self.patron: Patron | None = None
        #: the patron FBS authenticated, until their FBS session is ended (SIP2 35)
        self._fbs_patron: Patron | None = None
        self.claims: list[Claim] = []
        self.selection: Selection | None = None
        self.plan: PaymentPlan | None = None
        self.received_cash = Money(0)
        self.received_other = Money(0)  # card approvals and bons
        self.method = ""
        self.methods_used: set[str] = set()
        self.message = ""
        self.card_prompt = ""
        self.card_tender: int | None = None
        self.card_in_flight = False
        self.cancel_requested = False
        self.credit_bon: Any = None
        self.pin_attempts = 0
        self.registrations: dict[str, str] = {}
        self._generation = 0
        self.unrecorded: list[Unrecorded] = []
        self.fault_at: datetime | None = None
        self._fault_from: State | None = None
        self._end_wanted: Event | None = None  # cancel/timeout asked for while in fault
        self._retry_pending = False
        self._ended_in_ledger = False  # the session row is ended (a stray credit ends it)

    def _fire(self, event: Event) -> None:
        before = self.state
        self.state = next_state(self.state, event)
        # an ended session's row is final: going back to idle must not reopen it
        live = before not in ENDED and self.state not in ENDED
        if self.session_id and self.state is not before and live:
            if self.state is State.LEDGER_FAULT:
                pass  # the ledger is failing; its row keeps the last state for recovery
            else:
                try:
                    self.ledger.set_session_state(self.session_id, self.state.value)
                except LedgerUnavailable as exc:
                    # informational only: money events carry their own journal points
                    log.warning("session state not written: %s", exc)
        log.debug("session %s: %s --%s--> %s", self.session_id, before, event, self.state)
        if self.state in ENDED and before not in ENDED:
            self._end_fbs_session()

    def view(self) -> SessionView:
        selection = self.selection
        return SessionView(
            state=self.state,
            patron_name=self.patron.name if self.patron else "",
            masked_cpr=self.cpr.masked if self.cpr else None,
            selection=selection,
            outlook=(
                block_outlook(
                    self.patron,
                    self.claims,
                    selection.covers(),
                    self.claims_config.block_limit,
                )
                if self.patron and selection
                else None
            ),
            total=self.total,
            received=self.received,
            due=self.due,
            method=self.method,
            message=self.message,
            card_prompt=self.card_prompt,
            credit_bon=self.credit_bon,
            transaction_ref=self.plan.transaction_ref if self.plan else "",
            pin_attempts_left=MAX_PIN_ATTEMPTS - self.pin_attempts,
            registrations=dict(self.registrations),
            unrecorded=Money(sum(u.amount.ore for u in self.unrecorded)),
            fault_at=self.fault_at,
            fault_ref=self.fault_ref if self.state is State.LEDGER_FAULT else "",
            card_receipts=tuple(u.receipt_text for u in self.unrecorded if u.receipt_text),
        )

    @property
    def fault_ref(self) -> str:
        if self.plan is not None:
            return self.plan.transaction_ref
        return self.session_id or ""

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
    def received(self) -> Money:
        return self.received_cash + self.received_other

    @property
    def cash_target(self) -> Money:
        """What must be received in all when cash pays the rest: the part left after card and
        bons is rounded to 50 øre (every Danish coin and note is a multiple of 50 øre)."""
        rest = self.total - self.received_other
        return self.received_other + rest.cash_rounded() if rest.ore > 0 else self.total

    @property
    def due(self) -> Money:
        target = self.cash_target if self.method == "cash" else self.total
        return max(target - self.received, Money(0))

    # -- identification --------------------------------------------------------------------------
    def start(self) -> None:
        self._fire(Event.START)
        self._open()
        self._notify()

    def _open(self) -> None:
        self.session_id = self.ledger.open_session(state=self.state.value)

    def identify(self, identifier: str) -> None:
        """A card number or CPR from the card reader, the scanner or the keypad."""
        if self.state is State.IDLE:
            self._fire(Event.IDENTIFIED)
            self._open()
        else:
            self._fire(Event.IDENTIFIED)
        self.identifier = identifier.strip()
        try:
            self.cpr = Cpr.parse(self.identifier)
        except CprError:
            self.cpr = None
        self.message = ""
        self._notify()

    def enter_pin(self, pin: str) -> None:
        self._require(State.PIN)
        identifier, generation = self.identifier or "", self._generation
        self.message = "checking"
        self._notify()
        self.runner.submit(
            lambda: self.fbs.authenticate(identifier, pin),
            lambda patron, error: self._pin_checked(generation, patron, error),
        )

    def _stale(self, generation: int, state: State) -> bool:
        """An answer for a session that was cancelled or timed out meanwhile is dropped."""
        return generation != self._generation or self.state is not state

    def _pin_checked(self, generation: int, patron: Any, error: BaseException | None) -> None:
        if self._stale(generation, State.PIN):
            return
        if isinstance(error, FbsError) and error.reason is FbsErrorReason.WRONG_PIN:
            self.pin_attempts += 1
            if self.pin_attempts >= MAX_PIN_ATTEMPTS:
                return self._fail("too_many_pin_attempts")
            self.message = "wrong_pin"
            self._fire(Event.PIN_REJECTED)
            return self._notify()
        if error is not None:
            return self._fail_with(error)
        self.patron = replace(patron, cpr=self.cpr) if self.cpr else patron
        self._fbs_patron = patron
        self.message = ""
        self._fire(Event.PIN_ENTERED)
        self._notify()
        self.runner.submit(
            lambda: self.fbs.claims(patron),
            lambda claims, error: self._claims_loaded(generation, claims, error),
        )

    def _claims_loaded(self, generation: int, claims: Any, error: BaseException | None) -> None:
        if self._stale(generation, State.LOADING_CLAIMS):
            return
        if error is not None:
            return self._fail_with(error)
        assert self.patron is not None
        self.claims = overlay_paid_here(
            self.ledger.engine,
            self.patron.id,
            claims,
            self.clock.now(),
            self.claims_config.paid_here_window_days,
        )
        self.selection = Selection(self.patron, self.claims)
        self.selection.select_all()
        self._fire(Event.CLAIMS_LOADED)
        self._notify()

    def _fail_with(self, error: BaseException) -> None:
        if isinstance(error, FbsError):
            return self._fail(error.reason.value)
        log.error("unexpected error talking to FBS: %r", error)
        self._fail(FbsErrorReason.UNAVAILABLE.value)

    def _fail(self, message: str) -> None:
        self.message = message
        self._fire(Event.FAILED)
        self._end(State.CANCELLED, message)

    # -- selection -----------------------------------------------------------------------------
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
        methods = []
        if self.devices.card_ok:
            methods.append("card")
        if self.devices.healthy_acceptors():
            methods.append("cash")
        if self.bons is not None:
            methods.append("bon")
        return methods

    def _commit(self) -> None:
        """Write the plan: from here on, money received pays exactly these claims."""
        if self.plan is not None:
            return
        assert self.selection and self.patron and self.session_id
        covered = self.selection.covers()
        needs_cpr = any(c.payable_in.value == "debtor" for c in covered)
        self.plan = PaymentPlan(
            transaction_ref="K" + uuid.uuid4().hex[:15].upper(),
            patron_id=self.patron.id,
            claims=tuple(PlannedClaim.of(c) for c in covered),
            cpr=self.cpr.digits if (needs_cpr and self.cpr) else None,
        )
        self.journal.commit_plan(
            self.session_id, self.plan, next_state(self.state, Event.TENDER_CHOSEN).value
        )

    def _try_write(self, held: Unrecorded) -> bool:
        """Write now, or hold the write and go out of order. True when it is in the ledger."""
        if self.state is State.LEDGER_FAULT or self.unrecorded:
            self.unrecorded.append(held)  # after the writes already held, in order
            return False
        try:
            result = held.write()
        except LedgerUnavailable as exc:
            self._ledger_failed(exc, held)
            return False
        if held.on_written is not None:
            held.on_written(result)
        return True

    def _begin_tender(self, method: str) -> bool:
        """False when the plan could not be written: the session is out of order then."""
        if self.state not in (State.CHOOSING_TENDER, State.PAYING):
            raise RuntimeError(f"cannot pay in state {self.state}")
        if self.card_in_flight:
            raise RuntimeError("a card payment is in progress")
        try:
            self._commit()
        except LedgerUnavailable as exc:
            self.plan = None  # not written: no money may be taken for it
            self._ledger_failed(exc)
            return False
        self._stop_cash()
        self.method = method
        self.message = ""
        self._fire(Event.TENDER_CHOSEN)
        return True

    # -- cash ----------------------------------------------------------------------------------
    def choose_cash(self) -> None:
        if not self._begin_tender("cash"):
            return
        accepted = set(self.cash.accepted_coins) | set(self.cash.accepted_notes)
        for acceptor in self.devices.healthy_acceptors():
            acceptor.enable(sorted(accepted))
        self._notify()

    def _stop_cash(self) -> None:
        for acceptor in self.devices.acceptors:
            try:
                acceptor.disable()
            except Exception as exc:  # a dead device must not stop the session
                log.warning("could not disable %s: %s", acceptor.name, exc)

    def on_device_event(self, event: object) -> None:
        """Device events, posted to the session worker by the device owner."""
        if isinstance(event, Credit):
            self._credit(event)
        elif isinstance(event, Progress):
            self._note_position(event.device, event.event_ref)
        elif isinstance(event, Fault) and event.kind is FaultKind.LOST_EVENTS:
            self._note_lost_events(event)
        elif isinstance(event, Escrow):
            self._escrow(event)
        elif isinstance(event, CardPrompt):
            self.card_prompt = event.text
            self._notify()
        elif isinstance(event, Rejected):
            self.message = "cash_rejected"
            self._notify()
        elif isinstance(event, (Fault, HealthChanged)):
            self._notify()

    def _credit(self, event: Credit) -> None:
        """Money the device took: for the plan while one is being paid, else credited at once."""
        amount = Money(event.value_ore)
        position = event.event_ref or None

        def tender(session_id: str) -> TenderEvent:
            reference = event.event_ref or event.denomination
            return TenderEvent(session_id, event.kind, amount, amount, event.device, reference,
                               position=position)

        paying = self._fault_from if self.state is State.LEDGER_FAULT else self.state
        if event.during_restart or (self.plan is None and paying not in ENDED):
            return self._stray_credit(event, tender)
        assert self.session_id is not None
        session_id = self.session_id
        # after settlement or the end (a coin that slipped in late) the transaction that records
        # it also credits it, unless the settlement under way still counts it
        late = paying not in (State.PAYING, State.CHOOSING_TENDER)
        if late:
            log.warning("credit outside payment in state %s", self.state.value)
        if paying in (State.PAYING, State.CHOOSING_TENDER, State.SETTLING):
            # held or written, the coin is the citizen's: it counts (and is shown) either way,
            # so it is added before the write, whose failure already tells the listeners (and
            # the printer of the fault slip) how much is in
            self.received_cash += amount
            self.methods_used.add("cash")

        def write() -> Any:
            if late:
                return self.journal.take(tender(session_id))
            return self.ledger.record_tender(tender(session_id))

        def on_written(result: Any) -> None:
            self._moved(event.device, position)
            if late:
                self._late_credit(result)

        written = self._try_write(
            Unrecorded(event.kind, amount, self.clock.now(), event.event_ref or event.denomination,
                       write, on_written)
        )
        if not written:  # out of order now (or already): the retry settles or credits it
            return self._notify()
        if self.state is State.PAYING and self.received >= self.cash_target:
            self._stop_cash()
            self._complete()
        self._notify()

    def _stray_credit(self, event: Credit, tender: Callable[[str], TenderEvent]) -> None:
        """No plan can take this money: a bon at once, and the end screen shows it. Money found
        at start-up gets a session of its own, whatever the citizen in front is doing."""
        restart = event.during_restart
        reason = "money_at_restart" if restart else "money_outside_payment"
        own_session = restart or self.session_id is None
        session_id = "" if own_session else (self.session_id or "")
        log.warning("%s: %s %d øre credited to a bon", event.device, reason, event.value_ore)

        def written(result: tuple[str, Any]) -> None:
            self._moved(event.device, event.event_ref or None)
            stray_session, ticket = result
            self.credit_bon = ticket
            if restart and self.state not in (State.IDLE, State.LEDGER_FAULT):
                return  # a citizen is using the automat: the bon prints, their session goes on
            self.session_id = stray_session
            self._ended_in_ledger = True
            self.message = reason
            if self.state is not State.LEDGER_FAULT:
                self._stop_cash()
                self._fire(Event.STRAY_MONEY)
                self._forget_personal_data()

        if not self._try_write(
            Unrecorded(
                event.kind,
                Money(event.value_ore),
                self.clock.now(),
                event.event_ref or event.denomination,
                lambda: self.journal.take_stray(
                    tender(session_id), reason, state="recovered" if restart else "cancelled"
                ),
                written,
            )
        ):
            return self._notify()
        self._notify()

    def _moved(self, device: str, position: str | None) -> None:
        if position:
            self._positions[device] = position

    def _note_position(self, device: str, event_ref: str) -> None:
        """A device's position moved without money: stored, so the next start does not take
        those events for unrecorded ones. Never past a credit still held in memory."""
        if self.unrecorded or self.state is State.LEDGER_FAULT:
            return
        if self._positions.get(device) == event_ref:
            return
        try:
            self.ledger.note_device_position(device, event_ref)
        except LedgerUnavailable as exc:
            log.warning("device position not written: %s", exc)
            return
        self._positions[device] = event_ref

    def _note_lost_events(self, event: Fault) -> None:
        """A device took money nobody can value now (its buffer overflowed, it was reset): the
        audit log keeps it for the Z-report and the cash-box count."""
        try:
            self.ledger.audit(event.device, "device", "device_lost_events", detail=event.detail)
        except LedgerUnavailable as exc:
            log.error("lost events of %s not written: %s", event.device, exc)
        self._notify()

    def _late_credit(self, ticket: Any) -> None:
        if ticket is not None:
            self.credit_bon = ticket

    def _escrow(self, event: Escrow) -> None:
        acceptor = next((a for a in self.devices.acceptors if a.name == event.device), None)
        if acceptor is None:
            return
        over = self.received + Money(event.value_ore) - self.cash_target
        if self.state is not State.PAYING or self.method != "cash" or self.due.ore <= 0:
            acceptor.return_escrow()
        elif over.ore > self.cash.max_overpay_ore:
            self.message = "note_too_large"
            acceptor.return_escrow()
        elif event.event_ref and not self._note_accepting(event):
            acceptor.return_escrow()  # what we cannot record, we do not take
        else:
            acceptor.accept_escrow()
        self._notify()

    def _note_accepting(self, event: Escrow) -> bool:
        """A validator that keeps no record of past events: its position, with the note about to
        go in, is stored before it may (so a restart that finds it stacked knows its value)."""
        try:
            self.ledger.note_device_position(event.device, event.event_ref)
        except LedgerUnavailable as exc:
            log.warning("note in escrow returned, not recorded: %s", exc)
            return False
        self._positions[event.device] = event.event_ref
        return True

    # -- card ----------------------------------------------------------------------------------
    def choose_card(self) -> None:
        if not self.devices.card_ok:
            self.message = "card_unavailable"
            return self._notify()
        if not self._begin_tender("card"):
            return
        terminal = self.devices.terminal
        assert terminal is not None and self.session_id and self.plan
        amount = self.total - self.received
        reference = f"{self.plan.transaction_ref}-{len(self.methods_used) + 1}"
        try:
            self.card_tender = self.journal.start_card(
                self.session_id, amount, reference, terminal.name
            )
        except LedgerUnavailable as exc:
            return self._ledger_failed(exc)  # the terminal was not asked: no money moved
        self.card_in_flight = True
        self._notify()
        self.runner.submit(
            lambda: terminal.authorise(amount.ore, reference),
            self._card_done,
        )

    def _card_done(self, result: CardResult | None, error: BaseException | None) -> None:
        self.card_in_flight = False
        self.card_prompt = ""
        if error is not None or result is None:
            log.error("card terminal failed: %s", error)
            result = CardResult(CardOutcome.OUTCOME_UNKNOWN, 0, "")
        assert self.card_tender is not None
        tender = self.card_tender
        if result.outcome is CardOutcome.APPROVED:
            approved = result
            # the terminal took the money: it counts, recorded now or held for a retry (added
            # first, as for cash, so the fault's own view shows it)
            self.received_other += Money(result.amount_ore)
            self.methods_used.add("card")
            written = self._try_write(
                Unrecorded(
                    "card",
                    Money(result.amount_ore),
                    self.clock.now(),
                    result.terminal_ref,
                    lambda: self.journal.finish_card(
                        tender, "received", approved.terminal_ref, approved.receipt_text
                    ),
                    receipt_text=result.receipt_text,
                )
            )
            if not written:
                return self._notify()
            self._complete()
        elif result.outcome is CardOutcome.OUTCOME_UNKNOWN:
            try:
                self.journal.finish_card(tender, "outcome_unknown")
            except LedgerUnavailable as exc:
                # the row stays 'pending', which recovery treats alike: ask the terminal
                log.error("could not mark card tender %s unknown: %s", tender, exc)
            self._card_unknown()
            return
        else:
            written = self._try_write(
                Unrecorded(
                    "card_result",
                    Money(0),
                    self.clock.now(),
                    str(tender),
                    lambda: self.journal.finish_card(tender, "declined"),
                )
            )
            if not written:
                return self._notify()
            self.message = (
                "card_declined" if result.outcome is CardOutcome.DECLINED else "card_aborted"
            )
            if self.cancel_requested:
                return self._cancel_with_money(Event.CANCEL)
            self._fire(Event.TENDER_FAILED)
        self._notify()

    def _card_unknown(self) -> None:
        """The link dropped mid-authorisation: ask the terminal; never guess."""
        terminal = self.devices.terminal
        assert terminal and self.plan and self.card_tender is not None
        self.message = "card_checking"
        self._notify()
        tender, amount = self.card_tender, self.total - self.received
        reference = f"{self.plan.transaction_ref}-{len(self.methods_used) + 1}"

        def resolved(result: CardResult | None, error: BaseException | None) -> None:
            if error is None and result and result.outcome is not CardOutcome.OUTCOME_UNKNOWN:
                self.card_tender = tender
                return self._card_done(result, None)
            # still unknown: the tender stays open in the ledger; if the citizen now gives up,
            # recovery asks the terminal again at the next start (and credits an approval)
            self.card_in_flight = False
            self.message = "card_unknown"
            self._notify()

        # while the terminal is asked the session waits as for the authorisation: a cancel asks
        # the terminal to abort, a timeout waits, and an approval that comes back still pays
        self.card_in_flight = True
        self.runner.submit(lambda: terminal.resolve(reference, amount.ore), resolved)

    # -- bons ----------------------------------------------------------------------------------
    def redeem_bon(self, payload: str) -> None:
        if self.bons is None:
            raise RuntimeError("bons are not enabled")
        if not self._begin_tender("bon"):
            return
        assert self.session_id
        try:
            value = self.bons.redeem_into_session(payload, self.session_id)
        except LedgerUnavailable as exc:
            # one transaction that did not commit: the bon is unused, the citizen keeps it
            return self._ledger_failed(exc)
        except Exception as exc:
            self.message = getattr(exc, "reason", "bon_invalid")
            self._fire(Event.TENDER_FAILED)
            return self._notify()
        self.received_other += value
        self.methods_used.add("bon")
        if self.received >= self.total:
            self._complete()
        else:
            self._fire(Event.MORE_NEEDED)
            self.message = "bon_partial"
        self._notify()

    # -- settlement ----------------------------------------------------------------------------
    def _complete(self) -> None:
        """Paid in full: settle (allocations, outbox rows, credit bon) in one transaction."""
        assert self.plan and self.session_id
        self._fire(Event.PAID_IN_FULL)
        self._settle()

    def _settle(self) -> None:
        assert self.plan and self.session_id
        cash_completed = self.method == "cash"
        target = self.cash_target if cash_completed else self.total
        rounding = target - self.total if cash_completed else Money(0)
        methods = self.methods_used or {self.method}
        settlement = Settlement(
            rounding=rounding,
            credit_reason="remainder" if "bon" in methods else "automat_credit",
            method=next(iter(methods)) if len(methods) == 1 else "mixed",
        )
        session_id, plan = self.session_id, self.plan
        self.runner.submit(lambda: self.journal.settle(session_id, plan, settlement), self._settled)

    def _settled(self, ticket: Any, error: BaseException | None) -> None:
        assert self.plan and self.session_id
        if isinstance(error, LedgerUnavailable) and self.state is State.SETTLING:
            return self._ledger_failed(error)
        if error is not None:
            # the money is in and recorded; recovery settles it from the plan at next start
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
        """The outbox worker reports how FBS answered (registered / follow_up)."""
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
        if self.card_in_flight:
            return  # the citizen is at the terminal; the terminal has its own timeout
        self._abort(Event.TIMEOUT, State.TIMED_OUT)

    def _abort(self, event: Event, ended: State) -> None:
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
            self._end_wanted = self._end_wanted or event
            return self._fire(event)
        if self.state is State.RECEIPT:
            return self.finish_receipt()
        if self.card_in_flight:
            self.cancel_requested = True
            assert self.devices.terminal
            self.devices.terminal.cancel()
            return self._notify()
        if self.plan is not None:
            return self._cancel_with_money(event)
        self._fire(event)
        self._end(ended, event.value)

    def _cancel_with_money(self, event: Event) -> None:
        """Money received but not settled becomes a credit bon; the session ends."""
        self._stop_cash()
        ended = next_state(self.state, event)
        assert self.session_id
        try:
            ticket = self.journal.credit_and_end(self.session_id, ended.value, event.value)
        except LedgerUnavailable as exc:
            self._end_wanted = event
            return self._ledger_failed(exc)
        self._fire(event)
        self.credit_bon = ticket
        self._forget_personal_data()
        self._notify()

    def _end(self, ended: State, reason: str) -> None:
        self.state = ended
        self._end_fbs_session()
        if self.session_id:
            try:
                self.journal.end(self.session_id, ended.value, reason)
            except LedgerUnavailable as exc:
                # no money in this session: its row stays open until start-up recovery ends it
                log.error("session end not written: %s", exc)
        self._forget_personal_data()
        self._notify()

    def _end_fbs_session(self) -> None:
        """Tell FBS the patron is done (SIP2 35 End Patron Session), once, however the session
        ended. Ports without the call (REST) are skipped; it runs on the runner and its outcome
        never touches the session: FBS ends idle patron sessions on its own anyway."""
        patron, self._fbs_patron = self._fbs_patron, None
        end = getattr(self.fbs, "end_session", None)
        if patron is None or end is None:
            return

        def done(_confirmed: Any, error: BaseException | None) -> None:
            if error is not None:  # no patron data in the log: the id may be a CPR
                reason = getattr(error, "reason", None)
                log.warning("FBS end of patron session failed: %s", reason or type(error).__name__)

        try:
            self.runner.submit(lambda: end(patron), done)
        except Exception as exc:  # e.g. the pool is shutting down: the session goes on
            log.warning("FBS end of patron session not sent: %s", type(exc).__name__)

    def _forget_personal_data(self) -> None:
        self._generation += 1
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

    # -- the ledger failing ----------------------------------------------------------------------
    def _ledger_failed(self, error: BaseException, held: Unrecorded | None = None) -> None:
        """A write failed: stop taking money, hold the write, go out of order, retry later."""
        log.error(
            "ledger write failed in session %s (%s): %s",
            self.session_id,
            held.what if held else self.state.value,
            error,
        )
        if held is not None:
            self.unrecorded.append(held)
        self._stop_cash()
        if self.state is not State.LEDGER_FAULT:
            self._fault_from = self.state
            self.fault_at = self.clock.now()
            self._fire(Event.LEDGER_FAILED)
        self.message = "ledger_fault"
        self._schedule_retry()
        self._notify()

    def _schedule_retry(self) -> None:
        if self._retry_pending:
            return
        self._retry_pending = True
        generation = self._generation

        def due() -> None:  # any thread: hand the retry to the session worker
            self.runner.submit(lambda: None, lambda _r, _e: self._retry_due(generation))

        self.schedule(self.retry_s, due)

    def _retry_due(self, generation: int) -> None:
        self._retry_pending = False
        if generation == self._generation:
            self.retry_ledger()

    def retry_ledger(self) -> bool:
        """On the session worker: write what is held, in order; once all of it is in, resolve the
        session the normal way. True when the automat is back in service."""
        if self.state is not State.LEDGER_FAULT:
            return True
        while self.unrecorded:
            held = self.unrecorded[0]
            try:
                result = held.write()
            except LedgerUnavailable as exc:
                log.warning("ledger still failing: %s", exc)
                self._schedule_retry()
                return False
            self.unrecorded.pop(0)
            if held.on_written is not None:
                held.on_written(result)
        return self._resume()

    def _resume(self) -> bool:
        """Every held write is in: settle if the money covers the plan (also after a cancel: the
        citizen paid in full), else the money becomes a credit bon and the session ends."""
        assert self.session_id
        target = self.cash_target if self.method == "cash" else self.total
        covered = self.plan is not None and self.received >= target
        if self._fault_from is State.RECEIPT:  # settled before; a late coin's bon came held
            self._back_in_service()
            self._fire(Event.LEDGER_BACK_PAID)
            self._fire(Event.SETTLED)
            self._notify()
            return True
        if self._fault_from in ENDED or self._ended_in_ledger:
            # a late coin after the end, or money with no plan: its own write credited it
            self._back_in_service()
            self._fire(Event.LEDGER_BACK_UNPAID)
            self.message = "ledger_fault_resolved"
            self._forget_personal_data()
            self._notify()
            return True
        if covered:
            self._back_in_service()
            self._fire(Event.LEDGER_BACK_PAID)
            self._notify()
            self._settle()
            return True
        reason = self._end_wanted.value if self._end_wanted else "ledger_fault"
        try:
            ticket = self.journal.credit_and_end(self.session_id, State.CANCELLED.value, reason)
        except LedgerUnavailable as exc:
            log.warning("ledger still failing: %s", exc)
            self._schedule_retry()
            return False
        self.credit_bon = ticket
        self._back_in_service()
        self._fire(Event.LEDGER_BACK_UNPAID)
        self.message = "ledger_fault_resolved"
        self._forget_personal_data()
        self._notify()
        return True

    def _back_in_service(self) -> None:
        log.warning("ledger writes of session %s are in: back in service", self.session_id)
        self.message = ""
        self.fault_at = None
        self._end_wanted = None

    def _require(self, state: State) -> None:
        if self.state is not state:
            raise RuntimeError(f"not allowed in state {self.state.value}")
