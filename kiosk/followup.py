"""The FBS follow-up list: payments taken here whose registration FBS refused (e.g. at year end).

An FBS registration is on the list from FBS's first refusal: ``refused`` while the outbox still
retries it (:mod:`kiosk.payment.outbox`), ``parked`` once ``[fbs] refused_retry_days`` after the
payment have passed (no more retries), and ``closed`` when a person has handled it by hand and
said what was done (:data:`kiosk.followup_words.CLOSE_OUTCOMES`). A closed item is never sent to
FBS again (the outbox only picks pending and refused items, and closing needs no sender to hold
it) and stays on the list and in the Z-report as closed, by whom and when. Every close is in the
audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, or_, select
from sqlalchemy.orm import Session

from kiosk.clock import Clock, local
from kiosk.cpr import scrub
from kiosk.followup_words import CLOSE_OUTCOMES, STATE_WORDS
from kiosk.ledger.errors import LedgerError, ledger_write
from kiosk.ledger.models import FOLLOW_UP_STATES, CitizenSession, OutboxItem
from kiosk.ledger.repository import write_audit
from kiosk.ledger.transitions import OUTBOX, MoveRefused, move
from kiosk.money import Money
from kiosk.patron_ids import shown
from kiosk.staff.roles import GRANTS, Permission, Role

#: who may close an item (the role the caller logged in with)
CLOSE_ROLES = tuple(r.value for r in Role if r in GRANTS[Permission.FOLLOW_UP])
NOTE_WIDTH = 500


class FollowUpError(ValueError):
    """An item cannot be closed as asked; one line for the person, nothing was written.
    ``reason`` says which refusal it is (a key of :data:`REFUSALS`), so a screen can say it in
    its own words; ``closed_by``/``closed_at`` name who closed an item ``already_closed``."""

    def __init__(
        self,
        text: str,
        reason: str = "invalid",
        *,
        closed_by: str = "",
        closed_at: datetime | None = None,
    ) -> None:
        super().__init__(text)
        self.reason = reason
        self.closed_by = closed_by
        self.closed_at = closed_at


#: every FollowUpError.reason
REFUSALS = (
    "invalid",  # no staff number, a role that may not close, an unknown outcome, no note
    "not_found",  # no FBS registration with that id on the list
    "already_closed",
    "registered",  # FBS registered it meanwhile
    "pending",  # still being sent to FBS (not refused)
    "being_sent",  # a sender holds it right now
)


@dataclass(frozen=True, slots=True)
class FollowUpItem:
    """One registration on the follow-up list, as the screens and the report show it."""

    item_id: int
    order_id: str  # the registration's idempotency key: what FBS knows the payment by
    automat_id: str
    patron: str  # name and masked id (kiosk.patron_ids), never a CPR
    fee_ids: tuple[str, ...]  # the FBS claims paid
    amount: Money
    reason: str  # FBS's last refusal
    paid_at: datetime
    age_days: int  # whole days since the payment
    attempts: int
    state: str  # refused, parked, closed
    next_attempt_at: datetime | None = None  # refused: when the outbox asks FBS again
    closed_at: datetime | None = None
    closed_by: str = ""
    closed_role: str = ""
    outcome: str = ""  # a key of CLOSE_OUTCOMES
    note: str = ""

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def retrying(self) -> bool:
        return self.state == "refused"

    @property
    def state_text(self) -> str:
        return STATE_WORDS[self.state]

    @property
    def outcome_text(self) -> str:
        """What was done, in Danish (``Andet: <note>`` for other)."""
        words = CLOSE_OUTCOMES.get(self.outcome, self.outcome)
        return f"{words}: {self.note}" if self.note else words


_COLUMNS = (OutboxItem, CitizenSession.automat_id)


def _item(row: OutboxItem, automat_id: str, now: datetime) -> FollowUpItem:
    payload = row.payload or {}
    return FollowUpItem(
        item_id=row.id,
        order_id=row.idempotency_key,
        automat_id=automat_id,
        patron=str(payload.get("patron") or shown(str(payload.get("patron_id", "")))),
        fee_ids=tuple(str(f) for f in payload.get("fee_ids", [])),
        amount=Money(int(row.amount_ore)),
        reason=scrub(row.last_error or ""),
        paid_at=row.created_at,
        age_days=max((now - row.created_at).days, 0),
        attempts=row.attempts,
        state=row.state,
        next_attempt_at=row.next_attempt_at,
        closed_at=row.closed_at,
        closed_by=row.closed_by or "",
        closed_role=row.closed_role or "",
        outcome=row.close_outcome or "",
        note=row.close_note or "",
    )


#: how long a closed item stays on the list after it was closed
CLOSED_SHOWN = timedelta(days=30)


def _registrations(automat_id: str | None, *where: ColumnElement[bool]) -> Select[Any]:
    stmt = (
        select(OutboxItem, CitizenSession.automat_id)
        .join(CitizenSession, CitizenSession.id == OutboxItem.session_id)
        .where(OutboxItem.kind == "fbs_registration", *where)
    )
    return stmt if automat_id is None else stmt.where(CitizenSession.automat_id == automat_id)


def follow_up_items(
    engine: Engine, now: datetime, *, automat_id: str | None = None, include_closed: bool = True
) -> list[FollowUpItem]:
    """The follow-up list of one automat's payments (``None``: the fleet's), oldest first: the
    open items, and with ``include_closed`` those closed in the last :data:`CLOSED_SHOWN` (older
    ones are in the Z-report of the period they were closed in, not on the list for ever)."""
    shown = OutboxItem.state.in_(("refused", "parked"))
    if include_closed:
        shown = or_(shown, and_(OutboxItem.state == "closed",
                                OutboxItem.closed_at >= now - CLOSED_SHOWN))
    stmt = _registrations(automat_id, shown)
    with Session(engine) as session:
        rows = session.execute(stmt.order_by(OutboxItem.created_at, OutboxItem.id)).all()
        return [_item(item, automat, now) for item, automat in rows]


def closed_between(
    engine: Engine, automat_id: str | None, start: datetime, end: datetime
) -> list[FollowUpItem]:
    """Items of an automat's payments (``None``: every automat's) closed in [start, end), in
    the order they were closed; their age is the age they had when closed."""
    stmt = _registrations(
        automat_id,
        OutboxItem.state == "closed",
        OutboxItem.closed_at >= start,
        OutboxItem.closed_at < end,
    )
    with Session(engine) as session:
        rows = session.execute(stmt.order_by(OutboxItem.closed_at, OutboxItem.id)).all()
        return [_item(item, automat, item.closed_at) for item, automat in rows]


@dataclass
class FollowUps:
    """Staff's follow-up list at one automat: list it, close an item."""

    engine: Engine
    automat_id: str
    clock: Clock

    def items(self, *, include_closed: bool = True, fleet: bool = False) -> list[FollowUpItem]:
        return follow_up_items(
            self.engine,
            self.clock.now(),
            automat_id=None if fleet else self.automat_id,
            include_closed=include_closed,
        )

    def item(self, item_id: int) -> FollowUpItem:
        """One item on the list (of any automat), by its id."""
        stmt = _registrations(
            None, OutboxItem.id == item_id, OutboxItem.state.in_(FOLLOW_UP_STATES)
        )
        with Session(self.engine) as session:
            row = session.execute(stmt).first()
            if row is None:
                raise FollowUpError(
                    f"no FBS registration {item_id} on the follow-up list", "not_found"
                )
            return _item(row[0], row[1], self.clock.now())

    @ledger_write
    def close(
        self, item_id: int, outcome: str, *, staff: str, role: str, note: str = ""
    ) -> FollowUpItem:
        """``staff`` (in ``role``) handled item ``item_id`` by hand: ``outcome`` (a key of
        :data:`CLOSE_OUTCOMES`; ``other`` needs a ``note`` saying what). One transaction with
        the audit entry; :class:`FollowUpError` (nothing written) for bad input, an item not on
        the list, already closed, or being sent to FBS at this moment."""
        staff, note = staff.strip(), scrub(note.strip())[:NOTE_WIDTH]
        if not staff:
            raise FollowUpError("closing an item needs the staff number of the person")
        if role not in CLOSE_ROLES:
            raise FollowUpError(f"only staff or an administrator may close an item (role {role!r})")
        if outcome not in CLOSE_OUTCOMES:
            known = ", ".join(CLOSE_OUTCOMES)
            raise FollowUpError(f"unknown outcome {outcome!r} (one of: {known})")
        if outcome == "other" and not note:
            raise FollowUpError("the outcome 'other' needs a note saying what was done")
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(OutboxItem.kind, OutboxItem.state, OutboxItem.closed_by,
                       OutboxItem.closed_at, OutboxItem.amount_ore, OutboxItem.idempotency_key)
                .where(OutboxItem.id == item_id)
            ).first()
            if row is None or row.kind != "fbs_registration":
                raise FollowUpError(
                    f"no FBS registration {item_id} on the follow-up list", "not_found"
                )
            refusal = _not_closable(item_id, row.state, row.closed_by, row.closed_at)
            if refusal is not None:
                raise refusal
            free = or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until <= now)
            try:
                moved = move(conn, OUTBOX, item_id, "closed", when=free, closed_at=now,
                             closed_by=staff[:64], closed_role=role, close_outcome=outcome,
                             close_note=note or None, next_attempt_at=None)
            except MoveRefused:
                raise FollowUpError(
                    f"item {item_id} is being sent to FBS right now; try again in a minute",
                    "being_sent",
                ) from None
            except LedgerError:  # changed between our read and our update (FBS registered it)
                moved = False
            if not moved:
                fresh = conn.execute(
                    select(OutboxItem.state, OutboxItem.closed_by, OutboxItem.closed_at)
                    .where(OutboxItem.id == item_id)
                ).one()
                raise _not_closable(item_id, *fresh) or FollowUpError(
                    f"item {item_id} changed; look again", "not_found"
                )
            write_audit(
                conn, now, self.automat_id, staff, role, "follow_up_closed",
                {
                    "outbox_id": item_id,
                    "order_id": row.idempotency_key,
                    "amount_ore": int(row.amount_ore),
                    "was": row.state,
                    "outcome": outcome,
                    "note": note,
                },
            )
        return self.item(item_id)


def _not_closable(
    item_id: int, state: str, closed_by: str | None, closed_at: datetime | None
) -> FollowUpError | None:
    """Why an item in ``state`` cannot be closed (None when it can)."""
    if state == "closed":
        when = f" {local(closed_at):%d.%m.%Y %H:%M}" if closed_at else ""
        return FollowUpError(
            f"item {item_id} was already closed{when} by {closed_by}",
            "already_closed",
            closed_by=closed_by or "",
            closed_at=closed_at,
        )
    if state == "done":
        return FollowUpError(
            f"item {item_id} is not on the follow-up list: FBS has registered it", "registered"
        )
    if state == "pending":
        return FollowUpError(
            f"item {item_id} is not on the follow-up list: it is still being sent to FBS",
            "pending",
        )
    if state not in FOLLOW_UP_STATES:
        return FollowUpError(
            f"item {item_id} is not an FBS registration on the follow-up list", "not_found"
        )
    return None
