"""Overlay what this automat knows on the claims FBS shows.

A debtor claim paid here stays open in FBS until the debtor system reports the payment back (a
day or more); within the configured window it is shown as "paid here, waiting for the
municipality" and cannot be selected again. An FBS claim paid here whose registration FBS refused
(e.g. at year end) is shown as "paid here, staff will register it" until a person closes it on
the follow-up list (:mod:`kiosk.followup`); then it is paid here like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from kiosk.domain import Claim, LocalStatus
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
            select(Allocation.claim_id, Allocation.created_at)
            .join(CitizenSession, CitizenSession.id == Allocation.session_id)
            .where(*paid_here)
        ).all()
        refused = {}
        if paid:
            # the sessions as a subquery, not a list of ids: one SQL text whatever their number
            # (an IN list of n ids is a new statement per n, each kept prepared per connection)
            sessions = select(Allocation.session_id).where(*paid_here)
            for item in conn.execute(
                select(OutboxItem.payload, OutboxItem.last_error).where(
                    OutboxItem.session_id.in_(sessions),
                    OutboxItem.kind == "fbs_registration",
                    OutboxItem.state.in_(("refused", "parked")),
                )
            ):
                for fee_id in item.payload.get("fee_ids", []):
                    refused[str(fee_id)] = item.last_error or ""
    paid_at = {row.claim_id: row.created_at for row in paid}
    result = []
    for claim in claims:
        if claim.id in refused:
            claim = claim.with_status(
                LocalStatus.FOLLOW_UP,
                paid_here_at=paid_at[claim.id],
                follow_up_reason=refused[claim.id],
            )
        elif claim.id in paid_at:
            claim = claim.with_status(LocalStatus.PAID_HERE_WAITING, paid_here_at=paid_at[claim.id])
        result.append(claim)
    return result
