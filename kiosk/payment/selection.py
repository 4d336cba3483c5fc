"""Which claims the citizen may pay here, and what a payment covers and changes.

- Claims payable in FBS are paid whole, in any combination.
- Claims of the debtor system can only be paid oldest-first: the debtor system applies a payment
  to the oldest claims whatever the citizen meant, so the automat only lets the citizen pick a
  prefix of the debtor claims ordered by creation date, and shows exactly which claims it covers.
- Claims paid here that FBS still shows open are "paid here, waiting for the municipality" and
  cannot be selected again; claims payable nowhere here carry where to pay instead.
- A debtor payment needs the citizen's CPR for the debtor file: without it (a library card was
  used), debtor claims are shown but cannot be selected, with a hint to use the health card.
- A claim FBS sent but this automat could not read (no amount) is "ask the staff": never
  selectable, never counted as a known amount. If it may be a debtor claim, debtor claims from
  its date on cannot be selected either: the debtor system would settle the unreadable, older
  one first, so the money would not pay what the citizen chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.domain import Claim, LocalStatus, Patron, PayableIn
from kiosk.money import Money, total


class Group(StrEnum):
    PAY_HERE = "pay_here"
    MUNICIPALITY = "municipality"  # handled by the municipality: where and how to pay
    WAITING = "waiting"  # paid here, waiting for the municipality to report back to FBS
    ASK_STAFF = "ask_staff"  # FBS sent it, this automat could not read it: no amount shown


class SelectionError(ValueError):
    """A selection the rules do not allow; the selection is unchanged."""


@dataclass(frozen=True, slots=True)
class ClaimView:
    claim: Claim
    group: Group
    selectable: bool
    why_not: str = ""  # a plain-language reason when not selectable


def debtor_order(claims: Iterable[Claim]) -> list[Claim]:
    """Debtor claims in the order the debtor system settles them: oldest first."""
    return sorted(
        (
            c
            for c in claims
            if c.payable_in is PayableIn.DEBTOR
            and c.status is LocalStatus.OPEN
            and c.amount is not None
        ),
        key=lambda c: (c.created, c.id),
    )


def group_claims(claims: Iterable[Claim], patron: Patron) -> list[ClaimView]:
    claims = list(claims)
    unreadable_debtor = [
        c.created
        for c in claims
        if c.amount is None and c.payable_in is PayableIn.DEBTOR and c.status is LocalStatus.OPEN
    ]
    held_from = min(unreadable_debtor, default=None)  # debtor claims from here on wait
    views = []
    for claim in claims:
        if claim.amount is None:
            views.append(ClaimView(claim, Group.ASK_STAFF, False, "unreadable"))
        elif claim.status is not LocalStatus.OPEN:
            views.append(ClaimView(claim, Group.WAITING, False, "paid here"))
        elif claim.payable_in is PayableIn.ELSEWHERE:
            views.append(ClaimView(claim, Group.MUNICIPALITY, False, "pay elsewhere"))
        elif (
            claim.payable_in is PayableIn.DEBTOR
            and held_from is not None
            and claim.created >= held_from
        ):
            views.append(ClaimView(claim, Group.PAY_HERE, False, "older claim unreadable"))
        elif claim.payable_in is PayableIn.DEBTOR and patron.cpr is None:
            views.append(ClaimView(claim, Group.PAY_HERE, False, "needs health card or CPR"))
        else:
            views.append(ClaimView(claim, Group.PAY_HERE, True))
    return views


@dataclass
class Selection:
    """The citizen's choice among the selectable claims, kept valid after every change."""

    patron: Patron
    claims: list[Claim]
    chosen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._views = {v.claim.id: v for v in group_claims(self.claims, self.patron)}
        self._debtor = [c.id for c in debtor_order(self.claims) if self._views[c.id].selectable]

    @property
    def views(self) -> list[ClaimView]:
        return list(self._views.values())

    def select_all(self) -> None:
        self.chosen = {cid for cid, v in self._views.items() if v.selectable}

    def toggle(self, claim_id: str) -> None:
        view = self._views.get(claim_id)
        if view is None:
            raise SelectionError(f"no claim {claim_id}")
        if not view.selectable:
            raise SelectionError(f"claim {claim_id} cannot be paid here ({view.why_not})")
        if claim_id in self.chosen:
            self.chosen.discard(claim_id)
            if claim_id in self._debtor:  # unselecting an older one drops the newer ones too
                self.chosen -= set(self._debtor[self._debtor.index(claim_id) :])
        elif claim_id in self._debtor:  # selecting a newer one selects the older ones too
            self.chosen |= set(self._debtor[: self._debtor.index(claim_id) + 1])
        else:
            self.chosen.add(claim_id)

    def covers(self) -> list[Claim]:
        """Exactly the claims this payment will cover, FBS claims first, then oldest first."""
        chosen = [c for c in self.claims if c.id in self.chosen]
        return sorted(chosen, key=lambda c: (c.payable_in is not PayableIn.FBS, c.created, c.id))

    @property
    def total(self) -> Money:
        return total([c.amount for c in self.covers() if c.amount is not None])

    @property
    def is_empty(self) -> bool:
        return not self.chosen


@dataclass(frozen=True, slots=True)
class BlockOutlook:
    """What paying the selection changes for the patron's block, in numbers the UI words."""

    blocked: bool
    blocked_for_debt: bool
    other_reasons: tuple[str, ...]  # block codes that paying does not lift
    limit: Money | None  # FBS's own limit, else the configured one; None: nobody said
    debt_now: Money  # what FBS counts now (open claims, incl. those paid here but not reported)
    debt_after_now: Money  # right after this payment (FBS claims drop at once)
    debt_after_reported: Money  # once the municipality has reported the debtor payments back
    #: claims FBS counts whose amount could not be read: the debts above are then only what is
    #: known, and whether paying lifts the block is for the staff to say
    unknown_amounts: int = 0
    #: claims paid here earlier that FBS still counts (the municipality has not reported them)
    waiting: Money = Money(0)

    @property
    def amounts_known(self) -> bool:
        return self.unknown_amounts == 0

    def _below(self, debt: Money) -> bool:
        if not self.amounts_known:  # an unknown amount may keep the debt above any limit
            return False
        # with no known limit only owing nothing is surely below it
        return debt.ore <= self.limit.ore if self.limit is not None else debt.ore == 0

    @property
    def debt_without_waiting(self) -> Money:
        """What FBS will count once the claims paid here earlier are reported, if nothing else
        is paid."""
        return self.debt_now - self.waiting

    @property
    def below_limit_once_waiting_reported(self) -> bool:
        """The block lifts by itself once the municipality has reported what was paid here."""
        return self.waiting.ore > 0 and self._below(self.debt_without_waiting)

    @property
    def below_limit_now(self) -> bool:
        return self._below(self.debt_after_now)

    @property
    def below_limit_when_reported(self) -> bool:
        return self._below(self.debt_after_reported)


def block_outlook(
    patron: Patron,
    claims: list[Claim],
    covered: list[Claim],
    default_limit: Money | None = None,
) -> BlockOutlook:
    """FBS counts every claim it still shows open, including debtor claims already paid here
    (the debtor system reports payments back a day or more later). ``default_limit`` (the
    configured ``claims.block_limit``) stands in when FBS does not send its limit (REST).
    A claim whose amount could not be read is counted in ``unknown_amounts``, never as 0."""
    counted = [c for c in claims if c.status is not LocalStatus.FOLLOW_UP]
    debt_now = total([c.amount for c in counted if c.amount is not None])
    fbs_paid = total(
        [c.amount for c in covered if c.payable_in is PayableIn.FBS and c.amount is not None]
    )
    all_paid = total([c.amount for c in covered if c.amount is not None])
    waiting = total(
        [
            c.amount
            for c in claims
            if c.status is LocalStatus.PAID_HERE_WAITING and c.amount is not None
        ]
    )
    return BlockOutlook(
        blocked=patron.is_blocked,
        blocked_for_debt=patron.blocked_for_debt,
        other_reasons=tuple(b.code or b.kind.value for b in patron.blocks if not b.is_debt),
        limit=patron.fee_limit if patron.fee_limit is not None else default_limit,
        debt_now=debt_now,
        debt_after_now=debt_now - fbs_paid,
        debt_after_reported=debt_now - all_paid - waiting,
        unknown_amounts=sum(1 for c in counted if c.amount is None),
        waiting=waiting,
    )
