"""Out of order: the ledger could not take a write. The session stops taking money, holds what
came in (:class:`~kiosk.payment.hold.LedgerHold`), shows the amount and the reference, and tries
again on a schedule; once every held write is in it is resolved the normal way: settled if the
money covers the plan (also after a cancel: the citizen paid in full), else a credit bon."""

from __future__ import annotations

import logging

from kiosk.ledger.errors import LedgerUnavailable
from kiosk.payment.hold import Unrecorded
from kiosk.payment.parts import SessionParts
from kiosk.payment.states import ENDED, Event, State

log = logging.getLogger(__name__)


class Outage:
    """The ledger-fault steps of one session (it owns the state; this only acts on it)."""

    def __init__(self, session: SessionParts) -> None:
        self.s = session
        self.came_from: State | None = None  # the state the fault interrupted
        self.end_wanted: Event | None = None  # cancel/timeout asked for meanwhile

    def reset(self) -> None:
        self.came_from, self.end_wanted = None, None

    def failed(self, error: BaseException, held: Unrecorded | None = None) -> None:
        """A write failed (and is held, if it holds one): stop taking money, go out of order,
        retry later."""
        s = self.s
        what = held.what if held else s.state.value
        log.error("ledger write failed in session %s (%s): %s", s.session_id, what, error)
        s._stop_cash()
        if s.state is not State.LEDGER_FAULT:
            self.came_from = s.state
            s.hold.fault_at = s.clock.now()
            s._fire(Event.LEDGER_FAILED)
        s.message = "ledger_fault"
        self.retry_later()
        s._notify()

    def retry_later(self) -> None:
        s, generation = self.s, self.s.generation
        s.hold.retry_later(lambda: generation == s.generation and self.retry())

    def retry(self) -> bool:
        """On the session worker: write what is held, in order; once all of it is in, resolve
        the session. True when the automat is back in service."""
        if self.s.state is not State.LEDGER_FAULT:
            return True
        if not self.s.hold.flush():
            self.retry_later()
            return False
        return self._resume()

    def _resume(self) -> bool:
        s = self.s
        assert s.session_id
        if self.came_from is State.RECEIPT:  # settled before; a late coin's bon came held
            return self._back(Event.LEDGER_BACK_PAID, Event.SETTLED)
        if self.came_from in ENDED or s.ended_in_ledger:
            # a late coin after the end, or money with no plan: its own write credited it
            s._forget_personal_data()
            return self._back(Event.LEDGER_BACK_UNPAID, message="ledger_fault_resolved")
        if s.plan is not None and s.tally.covered(s.method):
            self._back(Event.LEDGER_BACK_PAID)
            s._settle()
            return True
        reason = self.end_wanted.value if self.end_wanted else "ledger_fault"
        try:
            ticket = s.journal.credit_and_end(s.session_id, State.CANCELLED.value, reason)
        except LedgerUnavailable as exc:
            log.warning("ledger still failing: %s", exc)
            self.retry_later()
            return False
        s.credit_bon = ticket
        s._forget_personal_data()
        return self._back(Event.LEDGER_BACK_UNPAID, message="ledger_fault_resolved",
                          written=True)

    def _back(self, *events: Event, message: str = "", written: bool = False) -> bool:
        s = self.s
        log.warning("ledger writes of session %s are in: back in service", s.session_id)
        s.message = message
        s.hold.fault_at = None
        self.end_wanted = None
        for event in events:
            s._fire(event, written=written)
        s._notify()
        return True
