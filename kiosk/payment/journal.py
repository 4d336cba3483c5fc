"""The payment's ledger writes. Each method is one transaction and durable when it returns.

These are the journal points of a session: plan committed → each tender → settled (allocations,
outbox rows and any credit bon in one transaction) → ended. Recovery resumes from whichever was
the last one written.

Money no plan can spend any more never waits for a later step to become a bon: a coin, note or
card approval for a session that is settled or has ended is credited in the transaction that
records it (:meth:`take`, :meth:`finish_card`), and money that came when no plan was committed
(:meth:`take_stray`) is recorded, credited and its session ended in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, insert, select, update

from kiosk.clock import Clock
from kiosk.debtor.item import DebtorItem
from kiosk.ledger.errors import ledger_write
from kiosk.ledger.models import (
    TERMINAL_SESSION_STATES,
    Allocation,
    Bon,
    CitizenSession,
    OutboxItem,
    Refund,
    Tender,
)
from kiosk.ledger.repository import TenderEvent, insert_tender, write_audit
from kiosk.ledger.transitions import SESSION, TENDER, move
from kiosk.money import Money
from kiosk.patron_ids import PatronIds
from kiosk.payment.plan import PaymentPlan, PlannedClaim
from kiosk.payment.tally import Settlement

#: the end reason of a session holding a technician's test coin or note (``take_test``)
TECHNICIAN_TEST = "technician_test"


class BonIssuer(Protocol):
    def issue_in(
        self, conn: Connection, amount: Money, reason: str, issuer: str, origin_session_id: str
    ) -> Any:
        """Insert a new bon inside the caller's transaction and return its ticket."""
        ...


@dataclass
class PaymentJournal:
    engine: Engine
    automat_id: str
    clock: Clock
    bons: BonIssuer  # issues credit bons in the journal's transactions
    claim_type_codes: dict[str, str]  # debtor claim type code per claim kind
    patron_ids: PatronIds = field(default_factory=PatronIds, kw_only=True)  # a CPR id's pseudonym

    # -- reading -----------------------------------------------------------------------------
    def received(self, session_id: str) -> Money:
        with self.engine.connect() as conn:
            return Money(self._received(conn, session_id))

    @staticmethod
    def _received(conn: Connection, session_id: str) -> int:
        return int(
            conn.scalar(
                select(func.coalesce(func.sum(Tender.amount_ore), 0)).where(
                    Tender.session_id == session_id, Tender.state == "received"
                )
            )
            or 0
        )

    def methods(self, session_id: str) -> set[str]:
        with self.engine.connect() as conn:
            return set(
                conn.scalars(
                    select(Tender.kind).where(
                        Tender.session_id == session_id, Tender.state == "received"
                    )
                )
            )

    # -- journal points ------------------------------------------------------------------------
    @ledger_write
    def commit_plan(self, session_id: str, plan: PaymentPlan, state: str) -> None:
        """The selection is fixed: from now on money received pays exactly this plan. ``state``:
        the session's, as its state machine moves it."""
        with self.engine.begin() as conn:
            move(
                conn,
                SESSION,
                session_id,
                state,
                plan=plan.to_json(),
                transaction_ref=plan.transaction_ref,
                patron_id=self.patron_ids.stored(plan.patron_id),
                selection_committed=True,
            )

    @ledger_write
    def start_card(self, session_id: str, amount: Money, reference: str, device: str) -> int:
        """Written *before* the terminal is asked, so a crash leaves a question to resolve."""
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    insert(Tender)
                    .values(
                        session_id=session_id,
                        kind="card",
                        state="pending",
                        amount_ore=amount.ore,
                        device=device,
                        reference=reference,
                        created_at=self.clock.now(),
                    )
                    .returning(Tender.id)
                ).scalar_one()
            )

    @ledger_write
    def note_card_token(self, reference: str, token: str) -> None:
        """The terminal driver's resolve token for a pending card payment (``on_pending``): durable
        before the authorisation goes out, so recovery after a restart can hand it back."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                update(Tender)
                .where(
                    Tender.kind == "card", Tender.state == "pending", Tender.reference == reference
                )
                .values(resolve_token=token or None)
            ).rowcount
        if updated != 1:
            raise LookupError(f"no single pending card payment with reference {reference}")

    @ledger_write
    def finish_card(
        self, tender_id: int, state: str, terminal_ref: str = "", receipt_text: str = ""
    ) -> Any:
        """The terminal's answer for a pending (or unknown) card payment. An approval for a
        session that is settled or has ended (the citizen gave up waiting, the session was
        credited meanwhile) is credited to a bon in the same transaction; returns its ticket."""
        values: dict[str, Any] = {}
        if terminal_ref:
            values["reference"] = terminal_ref
        if receipt_text:
            values["receipt_text"] = receipt_text
        with self.engine.begin() as conn:
            session_id = conn.scalar(select(Tender.session_id).where(Tender.id == tender_id))
            if session_id is None:
                raise LookupError(f"no card payment {tender_id}")
            self._lock(conn, session_id)
            if not move(conn, TENDER, tender_id, state, **values):
                return None  # told twice (the session and recovery): already so
            return self._credit_if_spent(conn, session_id)

    @ledger_write
    def take(self, event: TenderEvent) -> Any:
        """A coin or note for ``event.session_id``: recorded, and when that session is settled or
        has ended (the coin came late) credited to a bon at once. Returns the bon's ticket."""
        with self.engine.begin() as conn:
            self._lock(conn, event.session_id)
            insert_tender(conn, self.automat_id, event, self.clock.now())
            return self._credit_if_spent(conn, event.session_id)

    @ledger_write
    def take_stray(
        self, event: TenderEvent, reason: str, *, state: str = "cancelled"
    ) -> tuple[str, Any]:
        """Money that came when no plan was committed: recorded on ``event.session_id`` (a new
        session when it is empty), credited to a bon and that session ended, in one transaction.
        Returns (session id, ticket)."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            session_id = event.session_id
            if session_id:
                self._lock(conn, session_id)
            else:
                session_id = str(uuid.uuid4())
                conn.execute(  # opened and, below, ended at once
                    insert(CitizenSession).values(
                        id=session_id, automat_id=self.automat_id, state="identifying",
                        started_at=now,
                    )
                )
            insert_tender(conn, self.automat_id, replace(event, session_id=session_id), now)
            ticket = self._credit_unaccounted(conn, session_id)
            self._end(conn, session_id, state, reason)
        return session_id, ticket

    @ledger_write
    def take_test(self, event: TenderEvent, staff_no: str, role: str) -> str:
        """A coin or note a technician put in to test the acceptors (``kiosk.staff.device_tests``):
        it is in the cash box, so it is a tender like any other (counted into the box, the device's
        position moved), on a session of its own that is ended at once with the money allocated
        to ``technician_test``: no claim, no credit, and the balance holds. The audit entry (who,
        what) is in the same transaction. Returns the session id."""
        now = self.clock.now()
        session_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                insert(CitizenSession).values(
                    id=session_id, automat_id=self.automat_id, state="identifying", started_at=now
                )
            )
            insert_tender(conn, self.automat_id, replace(event, session_id=session_id), now)
            conn.execute(
                insert(Allocation).values(
                    session_id=session_id, kind="technician_test", payable_in="none",
                    amount_ore=event.amount.ore, created_at=now,
                )
            )
            write_audit(conn, now, self.automat_id, staff_no, role, "cash_test_money", {
                "device": event.device, "kind": event.kind, "amount_ore": event.amount.ore,
                "session_id": session_id,
            })
            self._end(conn, session_id, "done", TECHNICIAN_TEST)
        return session_id

    @ledger_write
    def settle(
        self, session_id: str, plan: PaymentPlan, settlement: Settlement, state: str = "settling"
    ) -> Any:
        """Allocate the money to the plan's claims, queue FBS and debtor work, issue a credit bon
        for any overpayment, and move the session to ``state``, all in one transaction.
        Idempotent: a settled session is left as is. Returns the credit bon's ticket, if any."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            self._lock(conn, session_id)
            if self._settled(conn, session_id):
                return None
            received = self._received(conn, session_id)
            credit = Money(received - plan.total.ore - settlement.rounding.ore)
            if credit.is_negative:
                raise ValueError(
                    f"settlement of {session_id} is short: received {received} øre for"
                    f" {plan.total.ore} + rounding {settlement.rounding.ore}"
                )
            for claim in plan.claims:
                conn.execute(
                    insert(Allocation).values(
                        session_id=session_id,
                        kind="claim",
                        claim_id=claim.id,
                        claim_kind=claim.kind.value,
                        payable_in=claim.payable_in.value,
                        amount_ore=claim.amount.ore,
                        patron_id=self.patron_ids.stored(plan.patron_id),
                        created_at=now,
                    )
                )
            if settlement.rounding:
                conn.execute(
                    insert(Allocation).values(
                        session_id=session_id,
                        kind="cash_rounding",
                        payable_in="none",
                        amount_ore=settlement.rounding.ore,
                        created_at=now,
                    )
                )
            if plan.fbs_claims:
                self._queue_fbs(conn, session_id, plan, now)
            for claim in plan.debtor_claims:
                self._queue_debtor(conn, session_id, plan, claim, settlement.method, now)
            ticket = None
            if credit:  # overpayment, including a coin that slipped in after the total
                ticket = self.bons.issue_in(
                    conn, credit, settlement.credit_reason, self.automat_id, session_id
                )
            move(conn, SESSION, session_id, state)
        return ticket

    def _queue_fbs(
        self, conn: Connection, session_id: str, plan: PaymentPlan, now: datetime
    ) -> None:
        claims = plan.fbs_claims
        conn.execute(
            insert(OutboxItem).values(
                session_id=session_id,
                kind="fbs_registration",
                idempotency_key=plan.fbs_order_id,
                state="pending",
                amount_ore=sum(c.amount.ore for c in claims),
                payload={
                    "patron_id": plan.patron_id,  # in clear until done (kiosk.patron_ids)
                    "patron": plan.patron_label,
                    "order_id": plan.fbs_order_id,
                    "fee_ids": [c.id for c in claims],
                    "claims": [c.to_json() for c in claims],
                },
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )

    def _queue_debtor(
        self,
        conn: Connection,
        session_id: str,
        plan: PaymentPlan,
        claim: PlannedClaim,
        method: str,
        now: datetime,
    ) -> None:
        if not plan.cpr:
            raise ValueError("a debtor claim cannot be settled without the citizen's CPR")
        item = DebtorItem(
            cpr=plan.cpr,
            claim_type=self.claim_type_codes.get(claim.kind.value, ""),
            claim_kind=claim.kind.value,
            claim_ref=claim.id,
            claim_created=claim.created,
            amount_ore=claim.amount.ore,
            paid_at=now,
            method=method,
            automat_id=self.automat_id,
            transaction_ref=plan.transaction_ref,
        )
        conn.execute(
            insert(OutboxItem).values(
                session_id=session_id,
                kind="debtor_item",
                idempotency_key=plan.debtor_key(claim.id),
                state="pending",
                amount_ore=item.amount_ore,
                payload=item.to_payload(),
                attempts=0,
                created_at=now,
            )
        )

    @staticmethod
    def _lock(conn: Connection, session_id: str) -> None:
        """Serialise settlement and late credits of one session (PostgreSQL row lock; SQLite
        serialises every writer with BEGIN IMMEDIATE anyway)."""
        conn.execute(
            select(CitizenSession.id).where(CitizenSession.id == session_id).with_for_update()
        )

    @staticmethod
    def _settled(conn: Connection, session_id: str) -> bool:
        count = conn.scalar(
            select(func.count()).select_from(Allocation).where(Allocation.session_id == session_id)
        )
        return bool(count)

    @staticmethod
    def _ended(conn: Connection, session_id: str) -> bool:
        state = conn.scalar(select(CitizenSession.state).where(CitizenSession.id == session_id))
        return state in TERMINAL_SESSION_STATES

    def _unaccounted(self, conn: Connection, session_id: str) -> Money:
        """Received but neither settled, credited nor refunded: what a credit bon must cover."""
        settled = conn.scalar(
            select(func.coalesce(func.sum(Allocation.amount_ore), 0)).where(
                Allocation.session_id == session_id
            )
        )
        credited = conn.scalar(
            select(func.coalesce(func.sum(Bon.amount_ore), 0)).where(
                Bon.origin_session_id == session_id
            )
        )
        refunded = conn.scalar(
            select(func.coalesce(func.sum(Refund.amount_ore), 0)).where(
                Refund.session_id == session_id
            )
        )
        return Money(
            self._received(conn, session_id)
            - int(settled or 0)
            - int(credited or 0)
            - int(refunded or 0)
        )

    def _credit_unaccounted(self, conn: Connection, session_id: str) -> Any:
        excess = self._unaccounted(conn, session_id)
        if excess.ore <= 0:
            return None
        return self.bons.issue_in(conn, excess, "automat_credit", self.automat_id, session_id)

    def _credit_if_spent(self, conn: Connection, session_id: str) -> Any:
        """Before settlement money pays the plan (the settlement counts any overpayment); once a
        session is settled or has ended, whatever it holds unaccounted becomes a bon."""
        if self._settled(conn, session_id) or self._ended(conn, session_id):
            return self._credit_unaccounted(conn, session_id)
        return None

    @ledger_write
    def credit_excess(self, session_id: str) -> Any:
        """Money a settled or ended session holds beyond what it settled and credited (a coin
        recorded by a version that did not credit it at once, found by recovery) becomes a credit
        bon of its own. Before settlement nothing is done: the settlement counts it."""
        with self.engine.begin() as conn:
            self._lock(conn, session_id)
            return self._credit_if_spent(conn, session_id)

    @ledger_write
    def credit_and_end(self, session_id: str, state: str, reason: str) -> Any:
        """End a session whose money was not settled: all of it becomes one credit bon."""
        with self.engine.begin() as conn:
            self._lock(conn, session_id)
            ticket = self._credit_unaccounted(conn, session_id)
            self._end(conn, session_id, state, reason)
        return ticket

    @ledger_write
    def end(self, session_id: str, state: str, reason: str = "") -> None:
        with self.engine.begin() as conn:
            self._end(conn, session_id, state, reason)

    def _end(self, conn: Connection, session_id: str, state: str, reason: str) -> None:
        """The session is over: forget the CPR, and a CPR as the patron id (the debtor outbox
        keeps what the file needs, the FBS outbox what its registration needs)."""
        plan = conn.scalar(select(CitizenSession.plan).where(CitizenSession.id == session_id))
        values: dict[str, Any] = {"ended_at": self.clock.now(), "end_reason": reason}
        if plan:
            kept = {k: v for k, v in plan.items() if k != "cpr"}
            kept["patron_id"] = self.patron_ids.stored(str(plan.get("patron_id", "")))
            if kept != plan:
                values["plan"] = kept
        move(conn, SESSION, session_id, state, **values)
