"""Writes to the ledger. Each public method is one transaction: when it returns, it is durable.

Callers acknowledge a money event (to the citizen, to a device) only after the method returned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, update

from kiosk.clock import Clock, SystemClock
from kiosk.ledger.models import (
    ACTOR_WIDTH,
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


def write_audit(
    conn: Connection,
    *,
    at: datetime,
    automat_id: str,
    actor: str,
    role: str,
    action: str,
    details: dict[str, Any],
) -> None:
    """One audit-log entry in the caller's transaction. The actor is typed by staff (``--actor``,
    a login name): cut to the column's width rather than fail the work it records."""
    conn.execute(
        insert(AuditEntry).values(
            at=at,
            automat_id=automat_id,
            actor=actor[:ACTOR_WIDTH],
            role=role,
            action=action,
            details=details,
        )
    )


@dataclass(frozen=True, slots=True)
class TenderEvent:
    session_id: str
    kind: str  # coin, note, card, bon
    amount: Money
    denomination: Money | None = None
    device: str | None = None
    reference: str | None = None
    receipt_text: str | None = None


_TENDERS = Tender.__table__
_INVENTORY = CashInventory.__table__
# Built once: a money event is on the hot path, statement construction is not free.
_INSERT_TENDER = insert(_TENDERS).returning(_TENDERS.c.id)
_COUNT_COIN = (
    update(_INVENTORY)
    .where(
        (_INVENTORY.c.automat_id == bindparam("automat"))
        & (_INVENTORY.c.device == bindparam("dev"))
        & (_INVENTORY.c.denomination_ore == bindparam("denomination"))
    )
    .values(count=_INVENTORY.c.count + 1)
)
_FIRST_COIN = insert(_INVENTORY)


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

    # -- money in ------------------------------------------------------------------------------
    def record_tender(self, event: TenderEvent) -> int:
        """Store one coin, note, card approval or bon use; coins and notes also count into the
        cash-box inventory, in the same transaction. Returns the tender id."""
        if event.kind not in TENDER_KINDS:
            raise LedgerError(f"unknown tender kind {event.kind!r}")
        if event.amount.ore <= 0:
            raise LedgerError("a tender must be a positive amount")
        row = {
            "session_id": event.session_id,
            "kind": event.kind,
            "state": "received",
            "amount_ore": event.amount.ore,
            "denomination_ore": event.denomination.ore if event.denomination else None,
            "device": event.device,
            "reference": event.reference,
            "receipt_text": event.receipt_text,
            "created_at": self.clock.now(),
        }
        with self.engine.begin() as conn:
            tender_id = conn.execute(_INSERT_TENDER, row).scalar_one()
            if event.kind in ("coin", "note"):
                self._count_into_cash_box(conn, event)
        return int(tender_id)

    def _count_into_cash_box(self, conn: Connection, event: TenderEvent) -> None:
        key = {
            "automat": self.automat_id,
            "dev": event.device or event.kind,
            "denomination": (event.denomination or event.amount).ore,
        }
        if conn.execute(_COUNT_COIN, key).rowcount == 0:
            conn.execute(
                _FIRST_COIN,
                {
                    "automat_id": key["automat"],
                    "device": key["dev"],
                    "denomination_ore": key["denomination"],
                    "count": 1,
                },
            )

    # -- staff and technicians ------------------------------------------------------------------
    def audit(self, actor: str, role: str, action: str, **details: Any) -> None:
        with self.engine.begin() as conn:
            write_audit(
                conn,
                at=self.clock.now(),
                automat_id=self.automat_id,
                actor=actor,
                role=role,
                action=action,
                details=details,
            )
