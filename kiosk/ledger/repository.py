"""Writes to the ledger. Each public method is one transaction: when it returns, it is durable.

Callers acknowledge a money event (to the citizen, to a device) only after the method returned.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from kiosk.clock import Clock, SystemClock
from kiosk.ledger.errors import LedgerError, ledger_write
from kiosk.ledger.models import (
    ACTOR_WIDTH,
    TENDER_KINDS,
    TERMINAL_SESSION_STATES,
    AuditEntry,
    CashInventory,
    CitizenSession,
    DevicePosition,
    Tender,
)
from kiosk.ledger.transitions import SESSION, move
from kiosk.money import Money

#: where the work being audited was asked from, added to every audit entry written while it is
#: set (the fleet console sets ``{"address": ...}`` for each request, so the entries that
#: :class:`kiosk.bons.BonBook`, :class:`kiosk.staff.accounts.StaffBook` and the others write name
#: the address without each of them knowing of the web)
audit_origin: ContextVar[dict[str, str] | None] = ContextVar("audit_origin", default=None)


def write_audit(
    conn: Connection,
    at: datetime,
    automat_id: str,
    actor: str,
    role: str,
    action: str,
    details: dict[str, Any],
) -> None:
    """One audit-log entry in the caller's transaction. The actor is typed by staff (``--actor``,
    a login name): cut to the column's width rather than fail the work it records."""
    origin = audit_origin.get()
    if origin:
        details = {**details, **origin}
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
    #: a coin or note: where the device placed it (``Credit.event_ref``), the device's newest
    #: recorded position from now on (in the same transaction)
    position: str | None = None


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
_POSITIONS = DevicePosition.__table__
_MOVE_POSITION = (
    update(_POSITIONS)
    .where(
        (_POSITIONS.c.automat_id == bindparam("automat"))
        & (_POSITIONS.c.device == bindparam("dev"))
    )
    .values(event_ref=bindparam("ref"), updated_at=bindparam("at"), stopped_cleanly=False)
)
_FIRST_POSITION = insert(_POSITIONS)


def insert_tender(conn: Connection, automat_id: str, event: TenderEvent, now: datetime) -> int:
    """One coin, note, card approval or bon use in the caller's transaction; coins and notes also
    count into the cash-box inventory and move their device's recorded position. Returns the
    tender id. Raises :class:`LedgerError` (before writing) for a tender that cannot be."""
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
        "created_at": now,
    }
    tender_id = conn.execute(_INSERT_TENDER, row).scalar_one()
    if event.kind in ("coin", "note"):
        _count_into_cash_box(conn, automat_id, event)
        if event.position:
            move_position(conn, automat_id, event.device or event.kind, event.position, now)
    return int(tender_id)


def _count_into_cash_box(conn: Connection, automat_id: str, event: TenderEvent) -> None:
    key = {
        "automat": automat_id,
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


def move_position(
    conn: Connection, automat_id: str, device: str, event_ref: str, now: datetime
) -> None:
    """The device's newest recorded event, in the caller's transaction."""
    key = {"automat": automat_id, "dev": device, "ref": event_ref, "at": now}
    if conn.execute(_MOVE_POSITION, key).rowcount == 0:
        conn.execute(
            _FIRST_POSITION,
            {"automat_id": automat_id, "device": device, "event_ref": event_ref, "updated_at": now},
        )


class Ledger:
    def __init__(self, engine: Engine, automat_id: str, clock: Clock | None = None) -> None:
        self.engine = engine
        self.automat_id = automat_id
        self.clock = clock or SystemClock()

    # -- sessions ------------------------------------------------------------------------------
    @ledger_write
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

    @ledger_write
    def set_session_state(self, session_id: str, state: str, **fields: Any) -> None:
        values: dict[str, Any] = dict(fields)
        if state in TERMINAL_SESSION_STATES:
            values.setdefault("ended_at", self.clock.now())
        with self.engine.begin() as conn:
            move(conn, SESSION, session_id, state, **values)

    # -- money in ------------------------------------------------------------------------------
    @ledger_write
    def record_tender(self, event: TenderEvent) -> int:
        """Store one coin, note, card approval or bon use (see :func:`insert_tender`), in its own
        transaction. Returns the tender id."""
        with self.engine.begin() as conn:
            return insert_tender(conn, self.automat_id, event, self.clock.now())

    # -- devices -------------------------------------------------------------------------------
    @ledger_write
    def note_device_position(self, device: str, event_ref: str) -> None:
        """A device's position moved without money (rejected coins, errors …)."""
        with self.engine.begin() as conn:
            move_position(conn, self.automat_id, device, event_ref, self.clock.now())

    def device_positions(self) -> dict[str, tuple[str, bool]]:
        """Each device's newest recorded position and whether the automat stopped cleanly there,
        for the drivers' start-up reconciliation."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    DevicePosition.device, DevicePosition.event_ref, DevicePosition.stopped_cleanly
                ).where(DevicePosition.automat_id == self.automat_id)
            ).all()
        return {device: (ref, bool(clean)) for device, ref, clean in rows}

    @ledger_write
    def mark_clean_stop(self, device: str, event_ref: str) -> bool:
        """The automat stops and the driver's newest event is ``event_ref``: if that is what the
        ledger recorded, nothing of the device is unrecorded. True when so marked."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(DevicePosition)
                    .where(
                        DevicePosition.automat_id == self.automat_id,
                        DevicePosition.device == device,
                        DevicePosition.event_ref == event_ref,
                    )
                    .values(stopped_cleanly=True)
                ).rowcount
                == 1
            )

    # -- staff and technicians ------------------------------------------------------------------
    @ledger_write
    def audit(self, actor: str, role: str, action: str, **details: Any) -> None:
        with self.engine.begin() as conn:
            write_audit(
                conn, self.clock.now(), self.automat_id, actor, role, action,
                details,
            )
