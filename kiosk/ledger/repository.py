"""Writes to the ledger. Each public method is one transaction: when it returns, it is durable.

Callers acknowledge a money event (to the citizen, to a device) only after the method returned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update

from kiosk.clock import Clock, SystemClock
from kiosk.ledger.models import (
    TENDER_KINDS,
    TERMINAL_SESSION_STATES,
    AuditEntry,
    CashInventory,
    CitizenSession,
    Tender,
)
from kiosk.money import Money


class LedgerError(Exception):
    """A write the ledger refuses (unknown session, bad amount …); nothing was changed."""


@dataclass(frozen=True, slots=True)
class TenderEvent:
    session_id: str
    kind: str  # coin, note, card, bon
    amount: Money
    denomination: Money | None = None
    device: str | None = None
    reference: str | None = None
    receipt_text: str | None = None


class Ledger:
    def __init__(self, engine: Engine, automat_id: str, clock: Clock | None = None) -> None:
        self.engine = engine
        self.automat_id = automat_id
        self.clock = clock or SystemClock()

    # -- sessions ------------------------------------------------------------------------------
    def open_session(self, session_id: str | None = None, state: str = "identifying") -> str:
        session_id = session_id or str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                insert(CitizenSession).values(
                    id=session_id,
                    automat_id=self.automat_id,
                    state=state,
                    started_at=self.clock.now(),
                )
            )
        return session_id

    def set_session_state(self, session_id: str, state: str, **fields: Any) -> None:
        values: dict[str, Any] = {"state": state, **fields}
        if state in TERMINAL_SESSION_STATES:
            values.setdefault("ended_at", self.clock.now())
        with self.engine.begin() as conn:
            result = conn.execute(
                update(CitizenSession).where(CitizenSession.id == session_id).values(**values)
            )
            if result.rowcount != 1:
                raise LedgerError(f"no session {session_id}")

    def session_state(self, session_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(CitizenSession.state).where(CitizenSession.id == session_id))

    # -- money in ------------------------------------------------------------------------------
    def record_tender(self, event: TenderEvent) -> int:
        """Store one coin, note, card approval or bon use; coins and notes also count into the
        cash-box inventory, in the same transaction. Returns the tender id."""
        if event.kind not in TENDER_KINDS:
            raise LedgerError(f"unknown tender kind {event.kind!r}")
        if event.amount.ore <= 0:
            raise LedgerError("a tender must be a positive amount")
        with self.engine.begin() as conn:
            tender_id = conn.execute(
                insert(Tender)
                .values(
                    session_id=event.session_id,
                    kind=event.kind,
                    state="received",
                    amount_ore=event.amount.ore,
                    denomination_ore=event.denomination.ore if event.denomination else None,
                    device=event.device,
                    reference=event.reference,
                    receipt_text=event.receipt_text,
                    created_at=self.clock.now(),
                )
                .returning(Tender.id)
            ).scalar_one()
            if event.kind in ("coin", "note"):
                self._count_into_cash_box(conn, event)
        return int(tender_id)

    def _count_into_cash_box(self, conn: Any, event: TenderEvent) -> None:
        denomination = (event.denomination or event.amount).ore
        device = event.device or event.kind
        where = (
            (CashInventory.automat_id == self.automat_id)
            & (CashInventory.device == device)
            & (CashInventory.denomination_ore == denomination)
        )
        updated = conn.execute(
            update(CashInventory).where(where).values(count=CashInventory.count + 1)
        )
        if updated.rowcount == 0:
            conn.execute(
                insert(CashInventory).values(
                    automat_id=self.automat_id,
                    device=device,
                    denomination_ore=denomination,
                    count=1,
                )
            )

    # -- staff and technicians ------------------------------------------------------------------
    def audit(self, actor: str, role: str, action: str, **details: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(AuditEntry).values(
                    at=self.clock.now(),
                    automat_id=self.automat_id,
                    actor=actor,
                    role=role,
                    action=action,
                    details=details,
                )
            )
