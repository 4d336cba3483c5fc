"""One payment for the municipal debtor system, as the journal writes it and the files carry it.

The journal builds a :class:`DebtorItem` when a debtor claim is settled and stores it as the
outbox item's payload; a layout profile may name any of its fields (and ``amount``, ``item_id``),
and a profile naming anything else fails when it loads. One definition for both, so a field
cannot be written under one name and read under another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

#: payload key of an item whose CPR the retention purge removed (ISO time of the removal)
CPR_REMOVED = "cpr_removed_at"


@dataclass(frozen=True, slots=True)
class DebtorItem:
    cpr: str  # ten digits: the debtor system finds the citizen by it (kept only this long)
    claim_type: str  # the municipality's code for the claim kind ([claims] debtor_claim_types)
    claim_kind: str  # fee, compensation, other
    claim_ref: str  # FBS's id of the claim
    claim_created: date
    amount_ore: int
    paid_at: datetime
    method: str  # card, cash, bon, mixed
    automat_id: str
    transaction_ref: str  # on the citizen's receipt

    def to_payload(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["claim_created"] = self.claim_created.isoformat()
        payload["paid_at"] = self.paid_at.isoformat()
        return payload


#: the fields a profile can lay out as text, as dates, and what else an item has
DATE_FIELDS = tuple(f.name for f in fields(DebtorItem) if f.type in ("date", "datetime"))
TEXT_FIELDS = tuple(
    f.name for f in fields(DebtorItem) if f.type == "str"
)
FIELDS = tuple(f.name for f in fields(DebtorItem))


def cpr_removed(payload: dict[str, Any] | None) -> bool:
    """The retention purge has masked this item's CPR: its file cannot be delivered again."""
    return bool(payload) and CPR_REMOVED in payload  # type: ignore[operator]
