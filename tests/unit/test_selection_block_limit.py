"""The block limit the claims screen explains: FBS's own (SIP2 CC) wins, the configured
``claims.block_limit`` stands in when FBS says nothing (REST), and with neither the outlook claims
to know only what is certain (owing nothing is below any limit)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kiosk.config.model import ClaimsSection
from kiosk.domain import LocalStatus, PayableIn
from kiosk.money import Money
from kiosk.payment.selection import block_outlook
from tests.payment_fakes import claim, debt_blocked_patron


def rest_patron():  # FBS REST gives no fee limit
    return replace(debt_blocked_patron(), fee_limit=None)


CLAIMS = [
    claim("1", "180.00", PayableIn.FBS, date(2019, 11, 6)),
    claim("2", "50.00", PayableIn.FBS, date(2020, 8, 2)),
    claim("3", "20.00", PayableIn.DEBTOR, date(2020, 9, 11)),
]


def test_fbs_limit_wins_over_the_configured_one() -> None:
    outlook = block_outlook(debt_blocked_patron(), CLAIMS, CLAIMS[:1], Money.kr(500))
    assert outlook.limit == Money.kr(100)
    assert outlook.debt_now == Money(25000) and outlook.debt_after_now == Money(7000)
    assert outlook.below_limit_now


def test_configured_limit_stands_in_when_fbs_gives_none() -> None:
    outlook = block_outlook(rest_patron(), CLAIMS, CLAIMS[:2], Money.kr(200))
    assert outlook.limit == Money.kr(200)
    assert outlook.debt_after_now == Money(2000) and outlook.below_limit_now
    nothing_paid = block_outlook(rest_patron(), CLAIMS, [], Money.kr(200))
    assert not nothing_paid.below_limit_now and not nothing_paid.below_limit_when_reported


def test_without_any_limit_only_owing_nothing_counts_as_below() -> None:
    some = block_outlook(rest_patron(), CLAIMS, CLAIMS[:2])
    assert some.limit is None
    assert not some.below_limit_now and not some.below_limit_when_reported
    everything = block_outlook(rest_patron(), CLAIMS, CLAIMS)
    assert not everything.below_limit_now  # the debtor claim still counts until reported
    assert everything.below_limit_when_reported


def test_claims_paid_here_still_count_until_the_municipality_reports() -> None:
    waiting = [*CLAIMS[:2], replace(CLAIMS[2], status=LocalStatus.PAID_HERE_WAITING)]
    outlook = block_outlook(rest_patron(), waiting, waiting[:2])
    assert outlook.debt_now == Money(25000) and outlook.debt_after_now == Money(2000)
    assert not outlook.below_limit_now and outlook.below_limit_when_reported


def test_block_limit_is_read_as_a_danish_amount() -> None:
    assert ClaimsSection(cut_off_date="2020-09-01").block_limit is None
    parsed = ClaimsSection(cut_off_date="2020-09-01", block_limit="200,50").block_limit
    assert parsed == Money(20050)


@pytest.mark.parametrize("bad", [200.0, 200, "-5.00", "200.001", "2 00", "two hundred"])
def test_a_bad_block_limit_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="block_limit"):
        ClaimsSection(cut_off_date="2020-09-01", block_limit=bad)
