"""The payment plan: what a committed selection pays, written to the ledger before any money.

Recovery reads it back to settle a session interrupted after money was received. The CPR is in
the plan only when debtor claims are being paid (the debtor file needs it); it is removed when
the session ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.domain import Claim, ClaimKind, PayableIn
from kiosk.money import Money, total
from kiosk.patron_ids import patron_label


@dataclass(frozen=True, slots=True)
class PlannedClaim:
    id: str
    kind: ClaimKind
    amount: Money
    payable_in: PayableIn
    created: date

    @classmethod
    def of(cls, claim: Claim) -> PlannedClaim:
        if claim.amount is None:  # selection never offers it; this is the last guard
            raise ValueError(f"claim {claim.id} has no readable amount and cannot be paid")
        return cls(claim.id, claim.kind, claim.amount, claim.payable_in, claim.created)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "amount_ore": self.amount.ore,
            "payable_in": self.payable_in.value,
            "created": self.created.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedClaim:
        return cls(
            str(data["id"]),
            ClaimKind(data["kind"]),
            Money(int(data["amount_ore"])),
            PayableIn(data["payable_in"]),
            date.fromisoformat(data["created"]),
        )

    def as_claim(self) -> Claim:
        return Claim(self.id, self.kind, self.amount, self.created, self.payable_in)


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    transaction_ref: str  # printed on the receipt; the base of every idempotency key
    patron_id: str
    claims: tuple[PlannedClaim, ...]
    cpr: str | None = None  # ten digits, only when debtor claims are paid
    patron_label: str = ""  # name and masked id, for staff's follow-up (kiosk.patron_ids)

    @classmethod
    def new(
        cls, patron_id: str, covered: Iterable[Claim], cpr: str | None, patron_name: str = ""
    ) -> PaymentPlan:
        """A plan with a fresh transaction reference for the ``covered`` claims; the CPR kept
        only when a debtor claim is among them."""
        claims = tuple(PlannedClaim.of(c) for c in covered)
        debtor = any(c.payable_in is PayableIn.DEBTOR for c in claims)
        return cls("K" + uuid.uuid4().hex[:15].upper(), patron_id, claims,
                   cpr if debtor else None, patron_label(patron_name, patron_id))

    @property
    def total(self) -> Money:
        return total([c.amount for c in self.claims])

    @property
    def fbs_claims(self) -> tuple[PlannedClaim, ...]:
        return tuple(c for c in self.claims if c.payable_in is PayableIn.FBS)

    @property
    def debtor_claims(self) -> tuple[PlannedClaim, ...]:
        return tuple(c for c in self.claims if c.payable_in is PayableIn.DEBTOR)

    @property
    def fbs_order_id(self) -> str:
        return f"{self.transaction_ref}-F"

    def debtor_key(self, claim_id: str) -> str:
        return f"{self.transaction_ref}-D-{claim_id}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "transaction_ref": self.transaction_ref,
            "patron_id": self.patron_id,
            "claims": [c.to_json() for c in self.claims],
        }
        if self.cpr:
            data["cpr"] = self.cpr
        if self.patron_label:
            data["patron_label"] = self.patron_label
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PaymentPlan:
        return cls(
            data["transaction_ref"],
            data["patron_id"],
            tuple(PlannedClaim.from_json(c) for c in data["claims"]),
            data.get("cpr"),
            data.get("patron_label", ""),
        )
