"""The domain: patrons, their blocks and their claims (fees and compensations).

A claim says *where it can be paid*: in FBS (an old claim, or REST ``payableByClient``), in the
municipal debtor system (a new claim, transferred as a *fordring*), or nowhere at this automat
(e.g. claims for foreign libraries). A local status overlay records what this automat knows and FBS
does not yet show (paid here, waiting for the debtor system to report back).

A fee FBS sends but this automat cannot read (an inexact amount, a field of the wrong type) is an
*unreadable* claim: ``amount`` is None, it is shown as "ask the staff" and can never be selected,
paid or counted as a known amount. One unreadable fee never hides the readable ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from kiosk.cpr import Cpr, is_cpr, mask
from kiosk.money import Money, total


class ClaimKind(StrEnum):
    FEE = "fee"
    COMPENSATION = "compensation"
    OTHER = "other"

    @classmethod
    def from_fbs(cls, value: str | None) -> ClaimKind:
        """FBS REST ``type``: ``fee``, ``compensation``; anything else is *other*."""
        try:
            return cls((value or "").strip().lower())
        except ValueError:
            return cls.OTHER


class PayableIn(StrEnum):
    """Where a claim can be paid."""

    FBS = "fbs"  # old claim: pay here, registered in FBS
    DEBTOR = "debtor"  # new claim: pay here, exported to the debtor system (oldest first)
    ELSEWHERE = "elsewhere"  # not payable at this automat: say where to pay instead


class LocalStatus(StrEnum):
    """What this automat knows about a claim beyond what FBS shows."""

    OPEN = "open"
    PAID_HERE_WAITING = "paid_here_waiting"  # paid here; FBS will show it once the debtor reports
    FOLLOW_UP = "follow_up"  # paid here, FBS refused the registration: staff follow up


class BlockKind(StrEnum):
    CARD_STOLEN = "O"
    EXCLUSION = "U"
    EXTENDED_EXCLUSION = "F"
    SELF_SERVICE = "S"
    SELF_CREATED_WEB = "W"
    DEBT_LIMIT = "E"
    DECEASED = "D"
    OTHER = "?"

    @classmethod
    def from_code(cls, code: str | None) -> BlockKind:
        """FBS block codes; the list 'is subject to change': unknown codes are *other reason*."""
        code = (code or "").strip().upper()
        for kind in cls:
            if kind.value == code and kind is not cls.OTHER:
                return kind
        return cls.OTHER


@dataclass(frozen=True, slots=True)
class BlockReason:
    kind: BlockKind
    code: str = ""
    since: date | None = None
    message: str = ""

    @property
    def is_debt(self) -> bool:
        return self.kind is BlockKind.DEBT_LIMIT


@dataclass(frozen=True, slots=True)
class Material:
    title: str = ""
    author: str = ""
    item_number: str = ""
    record_id: str = ""
    material_group: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """One fee or compensation as FBS shows it, with where it is payable.

    ``amount`` None: FBS sent this fee but its amount (or another field) could not be read
    exactly; see :meth:`unreadable`.
    """

    id: str  # FBS feeId (REST) or the AV fee id (SIP2)
    kind: ClaimKind
    amount: Money | None
    created: date  # date.min for an unreadable fee whose date could not be read either
    payable_in: PayableIn
    due: date | None = None
    reason: str = ""
    materials: tuple[Material, ...] = ()
    fbs_fee_type: str = ""  # SIP2 fee type code when known
    status: LocalStatus = LocalStatus.OPEN
    paid_here_at: datetime | None = None
    follow_up_reason: str = ""

    def __post_init__(self) -> None:
        if self.amount is not None and self.amount.ore <= 0:
            raise ValueError(f"claim {self.id}: amount must be positive, got {self.amount.ore} øre")

    @classmethod
    def unreadable(
        cls,
        id: str,
        *,
        kind: ClaimKind = ClaimKind.OTHER,
        created: date | None = None,
        payable_in: PayableIn = PayableIn.DEBTOR,
        reason: str = "",
    ) -> Claim:
        """A fee FBS listed that this automat cannot read: no amount, never payable here.

        ``payable_in`` is where it would be payable if it could be read; when that is unknown,
        DEBTOR (the cautious guess: the debtor system settles the oldest claims first, so newer
        debtor claims must not be paid past it). ``created`` None (unreadable) sorts it first.
        """
        return cls(id, kind, None, created or date.min, payable_in, reason=reason)

    @property
    def is_readable(self) -> bool:
        return self.amount is not None

    @property
    def is_selectable(self) -> bool:
        """Can the citizen choose this claim for payment at this automat now?"""
        return (
            self.amount is not None
            and self.status is LocalStatus.OPEN
            and self.payable_in is not PayableIn.ELSEWHERE
        )

    def with_status(self, status: LocalStatus, **changes: object) -> Claim:
        return replace(self, status=status, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Patron:
    """An authenticated borrower. The CPR, when known, stays in this object only for the session.

    ``repr`` never shows the CPR: it shows the masked form.
    """

    id: str  # FBS patron id (REST) or patron identifier without the ``LN:`` prefix (SIP2)
    name: str
    blocks: tuple[BlockReason, ...] = ()
    fee_limit: Money | None = None
    cpr: Cpr | None = field(default=None, repr=False)

    @property
    def masked_cpr(self) -> str | None:
        return self.cpr.masked if self.cpr else None

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocks)

    @property
    def blocked_for_debt(self) -> bool:
        return any(b.is_debt for b in self.blocks)

    def __repr__(self) -> str:
        blocks = [b.kind.value for b in self.blocks]
        cpr = self.masked_cpr
        shown = mask(self.id) if is_cpr(self.id) else self.id  # FBS may answer a CPR as the id
        return f"Patron(id={shown!r}, name={self.name!r}, blocks={blocks}, cpr={cpr!r})"


def open_total(claims: list[Claim] | tuple[Claim, ...]) -> Money:
    """What the patron owes according to FBS, less what was paid here and is still in transit.

    Known amounts only: an unreadable claim adds nothing."""
    return total(
        [c.amount for c in claims if c.status is LocalStatus.OPEN and c.amount is not None]
    )
