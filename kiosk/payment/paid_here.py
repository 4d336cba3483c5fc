"""Overlay what this automat knows on the claims FBS shows.

A debtor claim paid here stays open in FBS until the debtor system reports the payment back (a
day or more); within the configured window it is shown as "paid here, waiting for the
municipality" and cannot be selected again. An FBS claim paid here whose registration FBS refused
(e.g. at year end) is shown as "paid here, staff will register it" until a person closes it on
the follow-up list (:mod:`kiosk.followup`); then it is paid here like any other, unless the
staff paid the money back: then that payment no longer stands and the claim is owed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select

from kiosk.domain import Claim, LocalStatus
from kiosk.followup_words import REFUNDED
from kiosk.ledger.models import Allocation, CitizenSession, OutboxItem


def overlay_paid_here(
    engine: Engine, patron_id: str, claims: list[Claim], now: datetime, window_days: int
) -> list[Claim]:
    since = now - timedelta(days=window_days)
    paid_here = (
        Allocation.kind == "claim",
        Allocation.patron_id == patron_id,
        Allocation.created_at >= since,
    )
    with engine.connect() as conn:
        paid = conn.execute(
            select(Allocation.session_id, Allocation.claim_id, Allocation.created_at)
            .join(CitizenSession, CitizenSession.id == Allocation.session_id)
            .where(*paid_here)
            .order_by(Allocation.created_at)
        ).all()
        followed: dict[tuple[str, str], tuple[str, str]] = {}  # (session, fee) → state, why
        if paid:
            # the sessions as a subquery, not a list of ids: one SQL text whatever their number
            # (an IN list of n ids is a new statement per n, each kept prepared per connection)
            sessions = select(Allocation.session_id).where(*paid_here)
            for item in conn.execute(
                select(OutboxItem.session_id, OutboxItem.payload, OutboxItem.last_error,
                       OutboxItem.state).where(
                    OutboxItem.session_id.in_(sessions),
                    OutboxItem.kind == "fbs_registration",
                    or_(OutboxItem.state.in_(("refused", "parked")),
                        OutboxItem.close_outcome == REFUNDED),
                )
            ):
                for fee_id in item.payload.get("fee_ids", []):
                    followed[(item.session_id, str(fee_id))] = (item.state, item.last_error or "")
    # each claim's newest payment here that still stands (one the staff paid back does not):
    # when, and FBS's refusal if it refused it
    newest: dict[str, tuple[datetime, str | None]] = {}
    for row in paid:
        state, why = followed.get((row.session_id, row.claim_id), ("", ""))
        if state != "closed":
            newest[row.claim_id] = (row.created_at, why if state else None)
    result = []
    for claim in claims:
        if claim.id in newest:
            paid_at, refusal = newest[claim.id]
            if refusal is not None:
                claim = claim.with_status(
                    LocalStatus.FOLLOW_UP, paid_here_at=paid_at, follow_up_reason=refusal
                )
            else:
                claim = claim.with_status(LocalStatus.PAID_HERE_WAITING, paid_here_at=paid_at)
        result.append(claim)
    return result
