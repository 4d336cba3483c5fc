"""Coins and notes: what the acceptors report, and where each øre goes.

- A coin or note while a plan is being paid counts for it (recorded before it is shown).
- One that comes after the settlement or the end (it slipped in as the acceptor was told to stop)
  is recorded and credited to a bon in one transaction (``journal.take``), unless the settlement
  under way still counts it.
- One that comes when no plan is committed, or that the acceptor took while no automat was
  running (``during_restart``), is recorded, credited and its session ended in one transaction
  (``journal.take_stray``); the end screen shows the bon. Found at start-up it gets a session of
  its own, whatever the citizen in front is doing.
- A note in escrow is accepted only for a cash payment it does not overpay beyond the policy, and
  only once its value is stored where the validator keeps no history (SSP).
- Each device's position (``event_ref``) moves with the money it belongs to, and with events
  without money (``Progress``); what a device took that nobody can value is audit-logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers.base import Credit, Escrow, Fault, FaultKind, Progress, Rejected
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.repository import TenderEvent
from kiosk.money import Money
from kiosk.payment.hold import Unrecorded
from kiosk.payment.parts import SessionParts
from kiosk.payment.states import ENDED, Event, State

log = logging.getLogger(__name__)

PLAN_STATES = (State.PAYING, State.CHOOSING_TENDER)


class CashDesk:
    """The cash steps of one session (it owns the state; this only acts on it)."""

    def __init__(self, session: SessionParts) -> None:
        self.s = session
        #: each device's newest position the ledger has (``Credit``/``Progress.event_ref``)
        self.positions: dict[str, str] = {}

    def choose(self) -> None:
        """Pay by cash: the healthy acceptors take every accepted coin and note."""
        s = self.s
        if not s._begin_tender("cash"):
            return
        if s.tally.covered("cash"):  # a bon or card left less than cash can pay (< 25 øre)
            s._complete()
            return s._notify()
        accepted = sorted(set(s.cash.accepted_coins) | set(s.cash.accepted_notes))
        for acceptor in s.devices.healthy_acceptors():
            acceptor.enable(accepted)
        s._notify()

    def stop(self) -> None:
        for acceptor in self.s.devices.acceptors:
            try:
                acceptor.disable()
            except Exception as exc:  # a dead device must not stop the session
                log.warning("could not disable %s: %s", acceptor.name, exc)

    def handle(self, event: object) -> bool:
        """A cash device's event; False for events that are not about money. While technician
        mode tests the acceptors, its test takes what it tests (``kiosk.staff.device_tests``)."""
        if self.s.staff_door.tests.take(event):
            return True
        if isinstance(event, Credit):
            self.credit(event)
        elif isinstance(event, Progress):
            self.progress(event.device, event.event_ref)
        elif isinstance(event, Fault) and event.kind is FaultKind.LOST_EVENTS:
            self.lost_events(event)
        elif isinstance(event, Escrow):
            self.escrow(event)
        elif isinstance(event, Rejected):
            self.s.message = "cash_rejected"
            self.s._notify()
        else:
            return False
        return True

    # -- money in ------------------------------------------------------------------------------
    def credit(self, event: Credit) -> None:
        s = self.s
        amount = Money(event.value_ore)

        def tender(session_id: str) -> TenderEvent:
            return TenderEvent(session_id, event.kind, amount, amount, event.device,
                               event.event_ref or event.denomination,
                               position=event.event_ref or None)

        paying = s.fault_from if s.state is State.LEDGER_FAULT else s.state
        if event.during_restart or (s.plan is None and paying not in ENDED):
            return self._stray(event, tender)
        assert s.session_id is not None
        session_id = s.session_id
        late = paying not in PLAN_STATES
        if late:
            log.warning("credit outside payment in state %s", s.state.value)
        if paying in (*PLAN_STATES, State.SETTLING):
            # held or written, the coin is the citizen's: it counts (and is shown) either way,
            # so it is counted before the write, whose failure already tells the listeners (and
            # the printer of the fault slip) how much is in
            s.add_tender(event.kind, amount)

        def write() -> Any:
            if late:
                return s.journal.take(tender(session_id))
            return s.ledger.record_tender(tender(session_id))

        def written(result: Any) -> None:
            self.moved(event.device, event.event_ref)
            if late and result is not None:
                s.credit_bon = result

        ref = event.event_ref or event.denomination
        if not s._try_write(Unrecorded(event.kind, amount, s.clock.now(), ref, write, written)):
            return s._notify()  # out of order now (or already): the retry settles or credits it
        if s.state is State.PAYING and s.tally.covered("cash"):
            self.stop()
            s._complete()
        s._notify()

    def _stray(self, event: Credit, tender: Callable[[str], TenderEvent]) -> None:
        s = self.s
        restart = event.during_restart
        reason = "money_at_restart" if restart else "money_outside_payment"
        session_id = "" if restart or s.session_id is None else s.session_id
        log.warning("%s: %s %d øre credited to a bon", event.device, reason, event.value_ore)

        def written(result: tuple[str, Any]) -> None:
            self.moved(event.device, event.event_ref)
            stray_session, s.credit_bon = result
            if restart and s.state not in (State.IDLE, State.LEDGER_FAULT):
                return  # a citizen is using the automat: the bon prints, their session goes on
            s.session_id = stray_session
            s.ended_in_ledger = True
            s.message = reason
            if s.state is not State.LEDGER_FAULT:
                self.stop()
                s._fire(Event.STRAY_MONEY)
                s._forget_personal_data()

        state = "recovered" if restart else "cancelled"
        s._try_write(
            Unrecorded(event.kind, Money(event.value_ore), s.clock.now(),
                       event.event_ref or event.denomination,
                       lambda: s.journal.take_stray(tender(session_id), reason, state=state),
                       written)
        )
        s._notify()

    # -- escrow --------------------------------------------------------------------------------
    def escrow(self, event: Escrow) -> None:
        s = self.s
        acceptor = next((a for a in s.devices.acceptors if a.name == event.device), None)
        if acceptor is None:
            return
        over = s.received + Money(event.value_ore) - s.tally.target("cash")
        if s.state is not State.PAYING or s.method != "cash" or s.due.ore <= 0:
            acceptor.return_escrow()
        elif over.ore > s.cash.max_overpay_ore:
            s.message = "note_too_large"
            acceptor.return_escrow()
        elif event.event_ref and not self.accepting(event):
            acceptor.return_escrow()  # what we cannot record, we do not take
        else:
            acceptor.accept_escrow()
        s._notify()

    def accepting(self, event: Escrow) -> bool:
        """A validator that keeps no record of past events: its position, with the note about to
        go in, is stored before it may (so a restart that finds it stacked knows its value)."""
        try:
            self.s.ledger.note_device_position(event.device, event.event_ref)
        except LedgerUnavailable as exc:
            log.warning("note in escrow returned, not recorded: %s", exc)
            return False
        self.positions[event.device] = event.event_ref
        return True

    # -- where the devices stand ---------------------------------------------------------------
    def moved(self, device: str, position: str) -> None:
        if position:
            self.positions[device] = position

    def progress(self, device: str, event_ref: str) -> None:
        """A device's position moved without money: stored, so the next start does not take
        those events for unrecorded ones. Never past a credit still held in memory."""
        s = self.s
        if s.hold.held or s.state is State.LEDGER_FAULT:
            return
        if self.positions.get(device) == event_ref:
            return
        try:
            s.ledger.note_device_position(device, event_ref)
        except LedgerUnavailable as exc:
            log.warning("device position not written: %s", exc)
            return
        self.positions[device] = event_ref

    def lost_events(self, event: Fault) -> None:
        """A device took money nobody can value now (its buffer overflowed, it was reset): the
        audit log keeps it for the Z-report and the cash-box count."""
        try:
            self.s.ledger.audit(event.device, "device", "device_lost_events",
                                detail=event.detail)
        except LedgerUnavailable as exc:
            log.error("lost events of %s not written: %s", event.device, exc)
        self.s._notify()
