"""The arithmetic of one payment, pure: what was received, what cash must bring, when the plan is
covered, and how it settles. The session, recovery and the receipt use these and nothing else, so
a payment settles the same whether the citizen finished it or a restart did.

Cash rounding: every Danish coin and note is a multiple of 50 øre, so when cash pays the rest
(what card and bons left), that rest is rounded to 50 øre; the difference is booked as its own
allocation. Only the tender that completed the payment decides: a bon or card that covers the
rest is exact, whatever cash came before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.money import Money

CASH_KINDS = frozenset({"coin", "note"})


@dataclass(frozen=True, slots=True)
class Settlement:
    rounding: Money  # cash rounding (+ citizen paid more, - less than the exact total)
    credit_reason: str  # automat_credit or remainder: what any overpayment's bon is for
    method: str  # card, cash, bon, mixed — for the debtor file and the receipt


def method_of(kind: str) -> str:
    """A tender kind as a payment method: coins and notes are cash."""
    return "cash" if kind in CASH_KINDS else kind


def method_label(kinds: Iterable[str]) -> str:
    """The method a payment names on the receipt and in the debtor file."""
    methods = {method_of(k) for k in kinds}
    return next(iter(methods)) if len(methods) == 1 else "mixed"


def cash_target(total: Money, other: Money) -> Money:
    """What must be received in all when cash pays what ``other`` (card, bons) left."""
    rest = total - other
    return other + rest.cash_rounded() if rest.ore > 0 else total


@dataclass(frozen=True, slots=True)
class Tally:
    """The money of a payment under way."""

    total: Money
    cash: Money = Money(0)
    other: Money = Money(0)  # card approvals and bons

    @property
    def received(self) -> Money:
        return self.cash + self.other

    def target(self, method: str) -> Money:
        """What ``method`` must bring the received amount to."""
        return cash_target(self.total, self.other) if method == "cash" else self.total

    def due(self, method: str) -> Money:
        return max(self.target(method) - self.received, Money(0))

    def covered(self, method: str) -> bool:
        return self.received >= self.target(method)


def settlement(
    total: Money, tenders: Sequence[tuple[str, Money]], *, paying_by: str = ""
) -> Settlement | None:
    """How a plan of ``total`` settles with ``tenders`` (kind, amount; in the order received),
    or None while they do not cover it. Whatever comes after the tender that covered it is
    overpayment, credited. ``paying_by="cash"``: the citizen chose cash for the rest, so a rest
    that rounds to nothing (under 25 øre after a bon or card) is covered without a coin; only the
    session knows that (recovery credits such money: nobody chose)."""
    kinds = [k for k, _ in tenders]
    cash, other = Money(0), Money(0)
    steps = [(method_of(kind), amount) for kind, amount in tenders]
    if paying_by == "cash":
        steps.append(("cash", Money(0)))
    for method, amount in steps:
        if method == "cash":
            cash += amount
        else:
            other += amount
        done = Tally(total, cash, other)
        if done.covered(method):
            return Settlement(
                rounding=done.target(method) - total,
                credit_reason="remainder" if "bon" in kinds else "automat_credit",
                method=method_label(kinds or ["cash"]),
            )
    return None
