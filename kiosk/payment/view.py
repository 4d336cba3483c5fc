"""What the UI needs from a session: :class:`SessionView`, drawn from it by :func:`view_of`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.money import Money
from kiosk.payment.parts import SessionParts
from kiosk.payment.selection import BlockOutlook, Selection, block_outlook
from kiosk.payment.states import State

MAX_PIN_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class SessionView:
    """Everything the UI needs to draw the current state (no CPR: only the masked form)."""

    state: State
    patron_name: str = ""
    by_cpr: bool = False  # identified by a CPR (health card or typed); the screens show none of it
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
    #: staff mode: who is logged in (a ``StaffUser``), whether the login was by a staff card (the
    #: PIN alone is asked), and for a locked account the minutes its lock still lasts
    staff: Any = None
    staff_by_card: bool = False
    staff_minutes_left: int = 0
    #: technician mode's device test (``kiosk.staff.device_tests.DeviceTestView``), if open
    device_test: Any = None
    #: staff mode: the last bon scanned (``kiosk.payment.staff_door.ScannedBon``), if any
    staff_bon: Any = None


def view_of(session: SessionParts) -> SessionView:
    """The session as the UI draws it now."""
    s, patron, selection, plan = session, session.patron, session.selection, session.plan
    door = session.staff_door
    outlook = None
    if patron and selection:
        outlook = block_outlook(patron, s.claims, selection.covers(), s.claims_config.block_limit)
    return SessionView(
        state=s.state,
        patron_name=patron.name if patron else "",
        by_cpr=s.cpr is not None,
        selection=selection,
        outlook=outlook,
        total=s.total,
        received=s.received,
        due=s.due,
        method=s.method,
        message=s.message,
        card_prompt=s.card_prompt,
        credit_bon=s.credit_bon,
        transaction_ref=plan.transaction_ref if plan else "",
        pin_attempts_left=MAX_PIN_ATTEMPTS - s.pin_attempts,
        registrations=dict(s.registrations),
        unrecorded=s.hold.amount,
        fault_at=s.hold.fault_at,
        # out of order: the reference to quote (the transaction's, else the session's)
        fault_ref=(plan.transaction_ref if plan else s.session_id or "")
        if s.state is State.LEDGER_FAULT else "",
        card_receipts=s.hold.card_receipts,
        staff=door.user,
        staff_by_card=door.card is not None,
        staff_minutes_left=door.minutes_left,
        device_test=door.tests.view(),
        staff_bon=door.scanned,
    )
