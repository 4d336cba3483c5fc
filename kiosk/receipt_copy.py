"""A copy of a settled session's receipt, built from the ledger without printing it: the
automat's staff mode prints it (``ReceiptService.reprint``), the fleet console shows it as a
page (``StaffDesk.receipt_copy``). One function, so both say the same."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Tender
from kiosk.money import Money
from kiosk.payment.plan import PaymentPlan
from kiosk.payment.tally import method_label
from kiosk.receipts import PaidClaim, ReceiptData, ReceiptError

#: an FBS registration's outbox state as a copy of the receipt words it: one refused, parked on
#: the follow-up list or closed there by hand is the library's to register, not "pending"
FBS_STATE = {
    "done": "registered",
    "refused": "follow_up",
    "parked": "follow_up",
    "closed": "follow_up",
    "pending": "pending",
}


def ledger_facts(engine: Engine, session_id: str) -> tuple[set[str], str, Money]:
    """The session's received tender kinds, its card receipts' text and its cash rounding."""
    with engine.connect() as conn:
        tenders = conn.execute(
            select(Tender.kind, Tender.receipt_text).where(
                Tender.session_id == session_id, Tender.state == "received"
            )
        ).all()
        rounding = conn.scalar(
            select(Allocation.amount_ore).where(
                Allocation.session_id == session_id, Allocation.kind == "cash_rounding"
            )
        )
    card_text = "\n".join(t for k, t in tenders if k == "card" and t)
    return {k for k, _ in tenders}, card_text, Money(int(rounding or 0))


def receipt_copy(engine: Engine, session_id: str, library_name: str) -> ReceiptData:
    """The receipt of a settled session as a copy: marked as one, with the payment's time and
    automat, each claim named by its kind (the plan keeps no FBS wording or titles) and what FBS
    has answered by now. :class:`ReceiptError` if the session paid nothing (or is unknown)."""
    with engine.connect() as conn:
        session = conn.execute(
            select(CitizenSession.automat_id, CitizenSession.plan).where(
                CitizenSession.id == session_id
            )
        ).first()
        paid_at = conn.scalar(
            select(func.min(Allocation.created_at)).where(Allocation.session_id == session_id)
        )
        fbs = conn.scalar(
            select(OutboxItem.state).where(
                OutboxItem.session_id == session_id, OutboxItem.kind == "fbs_registration"
            )
        )
        credit = conn.scalar(
            select(Bon.short_code)
            .where(Bon.origin_session_id == session_id)
            .order_by(Bon.issued_at)
            .limit(1)
        )
    if session is None or not session.plan or paid_at is None:
        raise ReceiptError("the session paid nothing: there is no receipt to print again")
    plan = PaymentPlan.from_json(session.plan)
    fbs_state = FBS_STATE.get(fbs or "", "pending")
    kinds, card_text, rounding = ledger_facts(engine, session_id)
    return ReceiptData(
        library_name=library_name,
        automat_id=session.automat_id,
        paid_at=paid_at,
        claims=[PaidClaim.from_claim(c.as_claim(), fbs_state) for c in plan.claims],
        method=method_label(kinds),
        transaction_ref=plan.transaction_ref,
        terminal_receipt_text=card_text,
        credit_bon_ref=f"{credit[:5]}-{credit[5:]}" if credit else "",
        cash_rounding=rounding,
        copy=True,
    )
