"""Background work of a running automat: FBS outbox delivery, and receipts and bons printed
after a payment, without the citizen's screen ever waiting for FBS or the printer.

- :class:`OutboxWorker` delivers due FBS registrations on its own thread (retries on the outbox's
  backoff schedule, refusals parked for staff follow-up and retried slowly); ``trigger`` asks
  for a round now. A failing round is logged and the next one tries again.
- :class:`ReceiptService` watches a :class:`PaymentSession`: when a payment is settled it delivers
  that session's FBS registration first (so the receipt can truthfully say "Betalt i FBS"),
  then prints the receipt and any credit bon through the :class:`ReceiptDesk`; a credit bon from a
  cancel, a timeout or a late coin is printed when it appears. The work runs through the
  session's runner (off the session worker); results come back on the session worker.
  When the ledger fails and the session holds money in memory (``LEDGER_FAULT``) it prints a
  fault slip, the paper record that survives a crash, once per fault episode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from drivers.base.printer import Document
from kiosk.domain import Claim, PayableIn
from kiosk.money import Money
from kiosk.payment.outbox import Delivery, FbsOutbox
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from kiosk.payment.tally import method_label
from kiosk.payment.view import SessionView
from kiosk.receipt_copy import ledger_facts, receipt_copy
from kiosk.receipts import (
    FaultSlipData,
    Issued,
    PaidClaim,
    ReceiptData,
    ReceiptDesk,
    render_bon,
    render_fault_slip,
    render_receipt,
)
from kiosk.workers import PeriodicWorker

log = logging.getLogger(__name__)

#: how many credit bons a receipt service remembers as printed
REMEMBERED_BONS = 50


class OutboxWorker(PeriodicWorker[list[Delivery]]):
    def __init__(self, outbox: FbsOutbox, interval_s: float = 30.0) -> None:
        super().__init__(outbox.deliver_due, interval_s, name="fbs-outbox", what="FBS outbox round")
        self.outbox = outbox

    def tick(self) -> list[Delivery]:
        """One delivery round over every due item; never raises."""
        return (self.last_result or []) if self.run_once() else []


@dataclass
class ReceiptService:
    engine: Engine
    desk: ReceiptDesk
    outbox: FbsOutbox
    library_name: str = field(kw_only=True)
    automat_id: str = field(kw_only=True)
    now: Callable[[], Any] = field(kw_only=True)
    #: told of every receipt and bon once the printer answered (on a worker thread), so the
    #: screen can say "take your receipt" or show the text and a bon's code instead
    on_issued: Callable[[Issued], None] | None = field(default=None, kw_only=True)
    #: every receipt and bon handed to the printer, newest last (shown on screen if refused)
    issued: list[Issued] = field(default_factory=list, init=False)
    jobs_done: int = field(default=0, init=False)
    #: credit bons already handed to the printer, newest last (a session's views repeat its
    #: bon); only the last ``REMEMBERED_BONS``, so months of sessions do not grow it
    _printed_bons: dict[str, None] = field(default_factory=dict, init=False, repr=False)
    #: fault episodes (reference, start) whose slip was printed → the amount it showed
    _slipped: dict[tuple[str, Any], Money] = field(default_factory=dict, init=False, repr=False)
    #: episodes whose slip check is under way
    _slip_due: set[tuple[str, Any]] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def attach(self, session: PaymentSession) -> None:
        previous = session.on_settled

        def settled(session_id: str) -> None:
            if previous is not None:
                previous(session_id)
            self._settled(session, session_id)

        session.on_settled = settled
        session.listeners.append(lambda view: self._on_view(session, view))

    # -- on the session worker -----------------------------------------------------------------
    def _settled(self, session: PaymentSession, session_id: str) -> None:
        plan = session.plan
        if plan is None:
            return
        known = {c.id: c for c in session.claims}
        claims = [known.get(p.id) or p.as_claim() for p in plan.claims]
        ticket = session.credit_bon
        if ticket is not None:
            self._printed(ticket.id)  # printed after the receipt, by this job
        ref = plan.transaction_ref

        def done(result: Any, error: BaseException | None) -> None:
            self.jobs_done += 1
            if error is not None:
                log.error("receipt for %s failed: %r", session_id, error)
                return
            fees = result
            if fees and session.session_id == session_id:
                session.registration_result(fees)

        session.runner.submit(
            lambda: self._deliver_and_print(session_id, ref, claims, ticket), done
        )

    def _on_view(self, session: PaymentSession, view: SessionView) -> None:
        if view.state is State.LEDGER_FAULT:
            self._fault_slip(session, view)
        ticket = view.credit_bon
        if ticket is None or view.state in (State.SETTLING, State.RECEIPT):
            return  # a settlement's own credit bon is printed with the receipt
        if ticket.id in self._printed_bons:
            return
        self._printed(ticket.id)

        def done(_result: Any, error: BaseException | None) -> None:
            self.jobs_done += 1
            if error is not None:
                log.error("credit bon print failed: %r", error)

        session.runner.submit(lambda: self._print_bon(ticket), done)

    def _fault_slip(self, session: PaymentSession, view: SessionView) -> None:
        """Print the paper record once per fault episode (retries print nothing more), again only
        if more money came in during it, so the newest slip is always complete.

        The decision waits for a round trip through the runner: the session may notify on
        entering the fault before it counts the money that caused it, and the callback runs
        after the session worker has finished that event.
        """
        if view.received.ore <= 0 or view.fault_at is None:
            return  # no money taken (e.g. the plan could not be written): nothing to prove
        episode = (view.fault_ref, view.fault_at)
        if episode in self._slip_due or view.received <= self._slipped.get(episode, Money(0)):
            return
        self._slip_due.add(episode)
        session.runner.submit(lambda: None, lambda _r, _e: self._print_fault_slip(session, episode))

    def _print_fault_slip(self, session: PaymentSession, episode: tuple[str, Any]) -> None:
        self._slip_due.discard(episode)
        view = session.view()
        if view.state is not State.LEDGER_FAULT or (view.fault_ref, view.fault_at) != episode:
            return  # the ledger took it meanwhile: the receipt or credit bon is the record
        if view.received.ore <= 0 or view.received <= self._slipped.get(episode, Money(0)):
            return
        self._slipped[episode] = view.received
        while len(self._slipped) > 20:
            del self._slipped[next(iter(self._slipped))]
        assert view.fault_at is not None
        data = FaultSlipData(
            library_name=self.library_name,
            automat_id=self.automat_id,
            fault_at=view.fault_at,
            reference=view.fault_ref,
            received=view.received,
            unrecorded=view.unrecorded,
            card_receipts=view.card_receipts,
        )

        def done(_result: Any, error: BaseException | None) -> None:
            self.jobs_done += 1
            if error is not None:
                log.error("fault slip print failed: %r", error)

        session.runner.submit(lambda: self._keep(self.desk.issue(render_fault_slip(data))), done)

    # -- off the session worker ----------------------------------------------------------------
    def _printed(self, bon_id: str) -> None:
        self._printed_bons[bon_id] = None
        while len(self._printed_bons) > REMEMBERED_BONS:
            del self._printed_bons[next(iter(self._printed_bons))]

    def _keep(self, issued: Issued) -> Issued:
        with self._lock:
            self.issued.append(issued)
            del self.issued[:-20]
        if not issued.printed:
            log.warning(
                "%s not printed (%s): kept as text",
                issued.document.kind,
                issued.result.detail or issued.result.outcome.value,
            )
        if self.on_issued is not None:
            try:
                self.on_issued(issued)
            except Exception:  # the screen's trouble must not stop the bon from printing
                log.exception("on_issued failed")
        return issued

    def print_document(self, document: Document) -> Issued:
        """Print any document (e.g. staff's Z-report) and tell it like a receipt; on this
        thread."""
        return self._keep(self.desk.issue(document))

    def print_bon(self, ticket: Any) -> Issued:
        """Print a credit bon no session shows (e.g. one recovery issued); on this thread."""
        self._printed(ticket.id)
        return self._print_bon(ticket)

    def _print_bon(self, ticket: Any) -> Issued:
        return self._keep(self.desk.issue(render_bon(ticket.print_data(self.library_name))))

    def _deliver_and_print(
        self, session_id: str, ref: str, claims: list[Claim], ticket: Any
    ) -> dict[str, str]:
        fees: dict[str, str] = {}
        if any(c.payable_in is PayableIn.FBS for c in claims):
            try:
                for delivery in self.outbox.deliver_due(session_id):
                    fees.update(delivery.fees)
            except Exception as exc:  # the outbox worker retries; the receipt says "pending"
                log.warning("FBS registration of %s not delivered now: %s", session_id, exc)
        kinds, card_text, rounding = ledger_facts(self.engine, session_id)
        data = ReceiptData(
            library_name=self.library_name,
            automat_id=self.automat_id,
            paid_at=self.now(),
            claims=[PaidClaim.from_claim(c, fees.get(c.id, "pending")) for c in claims],
            method=method_label(kinds),
            transaction_ref=ref,
            terminal_receipt_text=card_text,
            credit_bon_ref=ticket.short_code_display if ticket is not None else "",
            cash_rounding=rounding,
        )
        self._keep(self.desk.issue(render_receipt(data)))
        if ticket is not None:
            self._print_bon(ticket)
        return fees

    def reprint(self, session_id: str) -> Issued:
        """A copy of a settled session's receipt, from the ledger (staff mode), printed and told
        like any receipt (on this thread). It is marked as a copy, keeps the payment's time and
        automat, names each claim by its kind (the plan keeps no FBS wording or titles) and
        says what FBS has answered by now. :class:`ReceiptError` if the session paid nothing."""
        data = self.copy_of(session_id)
        return self._keep(self.desk.issue(render_receipt(data)))

    def copy_of(self, session_id: str) -> ReceiptData:
        """The copy's content (:func:`kiosk.receipt_copy.receipt_copy`), not printed."""
        return receipt_copy(self.engine, session_id, self.library_name)
