"""The arithmetic of a payment (kiosk/payment/tally.py): what the session, recovery and the
receipt all settle by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.money import Money
from kiosk.payment.tally import Settlement, Tally, cash_target, method_label, settlement

TOTAL = Money(3730)  # 37.30


def ore(*pairs: tuple[str, int]) -> list[tuple[str, Money]]:
    return [(kind, Money(amount)) for kind, amount in pairs]


def test_cash_pays_the_rest_rounded_to_50_ore() -> None:
    assert cash_target(TOTAL, Money(0)) == Money(3750)
    assert cash_target(TOTAL, Money(2000)) == Money(2000 + 1750)  # 17.30 → 17.50
    assert cash_target(TOTAL, Money(5000)) == TOTAL  # nothing left for cash
    assert Tally(TOTAL, Money(3750)).covered("cash") and not Tally(TOTAL, Money(3700)).covered(
        "cash")
    assert Tally(TOTAL, Money(1000), Money(2000)).due("cash") == Money(750)
    assert Tally(TOTAL, Money(1000), Money(2000)).due("card") == Money(730)


def test_cash_that_completes_is_rounded_and_the_rest_credited() -> None:
    assert settlement(TOTAL, ore(("coin", 2000), ("coin", 2000))) == Settlement(
        Money(20), "automat_credit", "cash")  # 40 for 37.50: 2.50 is the caller's to credit


def test_a_bon_that_completes_after_cash_is_exact() -> None:
    """20 kr cash, then a 20 kr bon covers it: nothing is cash-rounded (2.70 comes back)."""
    assert settlement(TOTAL, ore(("coin", 2000), ("bon", 2000))) == Settlement(
        Money(0), "remainder", "mixed")


def test_a_coin_after_the_payment_was_covered_is_overpayment_not_rounding() -> None:
    assert settlement(TOTAL, ore(("bon", 4000), ("coin", 500))) == Settlement(
        Money(0), "remainder", "mixed")


def test_not_covered_is_none() -> None:
    assert settlement(TOTAL, ore(("coin", 2000))) is None
    assert settlement(TOTAL, []) is None


def test_a_rest_under_25_ore_needs_no_coin_once_cash_is_chosen() -> None:
    """A bon 20 øre short: cash pays the rest rounded, which is nothing. Only the session knows
    the citizen chose cash; recovery, not knowing, credits the bon."""
    tenders = ore(("bon", 3710))
    assert settlement(TOTAL, tenders, paying_by="cash") == Settlement(
        Money(-20), "remainder", "bon")
    assert settlement(TOTAL, tenders) is None
    assert settlement(TOTAL, tenders, paying_by="card") is None


def test_a_total_under_25_ore_paid_by_cash_needs_no_coin_and_is_cash() -> None:
    assert settlement(Money(20), [], paying_by="cash") == Settlement(
        Money(-20), "automat_credit", "cash")


def test_method_labels() -> None:
    assert method_label(["coin", "note"]) == "cash"
    assert method_label(["card"]) == "card"
    assert method_label(["coin", "card"]) == "mixed"


@given(st.lists(st.tuples(st.sampled_from(["coin", "note", "card", "bon"]),
                          st.integers(1, 50_000)), max_size=6),
       st.integers(1, 100_000))
def test_a_settlement_never_books_more_than_came_in(tenders: list[tuple[str, int]], total: int
                                                      ) -> None:
    """Whatever the tenders, a settlement exists only when the money (plus a rounding of less
    than 25 øre) covers the total, and never books more than was received."""
    money = ore(*tenders)
    how = settlement(Money(total), money)
    received = sum(amount for _, amount in tenders)
    if how is None:
        return
    assert -25 <= how.rounding.ore <= 25
    assert total + how.rounding.ore <= received


@pytest.mark.parametrize("rest", range(1, 100))
def test_the_rounding_of_a_cash_rest_is_to_the_nearest_50(rest: int) -> None:
    target = cash_target(Money(10_000 + rest), Money(10_000))
    assert target.ore % 50 == 0 and abs(target.ore - (10_000 + rest)) <= 25
